//! Dynasync's state in one SQLite file (WAL): settings, the connection (never a secret), mapped
//! fields and entities, links between records, the last-synced value of every field, cursors, the
//! inbox of pulled changes, runs, the journal, record errors and person requests.
//!
//! One module per table owns its queries; each takes a `&Connection`, so a caller composes them
//! inside one transaction with [`Store::write`]. Calls block: async code runs them on a blocking
//! thread and never holds the lock across an `.await`.

pub mod connection;
pub mod cursors;
pub mod errors;
pub mod inbox;
pub mod journal;
pub mod links;
mod migrations;
pub mod requests;
pub mod runs;
pub mod schema;
pub mod settings;

use std::path::{Path, PathBuf};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{Connection, Transaction, TransactionBehavior};

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the Dynasync database at {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot bring the Dynasync database at {path} up to date: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored data is not readable: {0}")]
    Data(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Data(error.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database of one data directory.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated (for example a newer Dynasync's database).
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.to_owned(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        Store::init(conn, path.to_owned())
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Store> {
        // Per connection, outside migrations (a migration runs once; these must hold every time).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        migrations::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
                path: path.clone(),
                source,
            })?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs read-only queries.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.conn.lock())
    }

    /// Runs `f` in one immediate transaction: all of it is committed, or none.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Instants are stored as RFC 3339 text in UTC.
pub(crate) fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Data(format!("bad time {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_file_reopens_with_its_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dynasync.db");
        let store = Store::open(&path).unwrap();
        store
            .write(|tx| settings::set(tx, "interval_minutes", &serde_json::json!(5)))
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let value: Option<u32> = store
            .read(|c| settings::get(c, "interval_minutes"))
            .unwrap();
        assert_eq!(value, Some(5));
        let mode: String = store
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let store = Store::in_memory().unwrap();
        let result: Result<()> = store.write(|tx| {
            settings::set(tx, "a", &1)?;
            Err(StoreError::Data("boom".into()))
        });
        assert!(result.is_err());
        assert_eq!(
            store.read(|c| settings::get::<i32>(c, "a")).unwrap(),
            None,
            "the transaction must roll back"
        );
    }
}

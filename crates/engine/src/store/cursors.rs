//! Where each change feed was last read up to (a Dynamics delta link, a Marketo paging token).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, time};

pub fn get(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM cursor WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Moves a cursor. Call it in the transaction that stores what the cursor moved past.
pub fn set(conn: &Connection, name: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO cursor (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![name, value, time(now)],
    )?;
    Ok(())
}

pub fn clear(conn: &Connection, name: &str) -> Result<()> {
    conn.execute("DELETE FROM cursor WHERE name = ?1", [name])?;
    Ok(())
}

//! One syncing process per data directory: the desktop app and `dynasync sync` take an exclusive
//! lock on `dynasync.lock`, so they never write the same state at once. Reading (status, errors,
//! why) needs no lock: SQLite's WAL lets readers in while the holder writes.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Held while this process syncs the data directory; released when dropped (or the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Who holds the lock, as they wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{holder} is already syncing this data ({path}); stop it first, or use another --data-dir")]
pub struct Locked {
    pub holder: String,
    pub path: String,
}

impl DataDirLock {
    /// Takes the lock, naming this process `who` (e.g. "the Dynasync desktop app") for others.
    ///
    /// # Errors
    /// [`Locked`] when another process holds it; an I/O error message otherwise.
    pub fn acquire(dir: &Path, who: &str) -> Result<DataDirLock, Locked> {
        let path = dir.join("dynasync.lock");
        let locked = |holder: String| Locked {
            holder,
            path: path.display().to_string(),
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| locked(format!("nobody (cannot create the directory: {e})")))?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| locked(format!("nobody (cannot open the lock file: {e})")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(locked(if holder.is_empty() {
                    "another Dynasync process".into()
                } else {
                    holder.to_owned()
                }));
            }
            Err(TryLockError::Error(e)) => {
                return Err(locked(format!("nobody (cannot lock: {e})")));
            }
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{who} (process {})", std::process::id());
        let _ = file.flush();
        Ok(DataDirLock { _file: file })
    }
}

/// Who holds the data directory's lock right now, if anyone (without taking it).
pub fn holder(dir: &Path) -> Option<String> {
    let path = dir.join("dynasync.lock");
    let mut file = OpenOptions::new().read(true).open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            Some(if holder.trim().is_empty() {
                "another Dynasync process".into()
            } else {
                holder.trim().to_owned()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path(), "the Dynasync desktop app").unwrap();
        let refused = DataDirLock::acquire(dir.path(), "dynasync sync").unwrap_err();
        assert!(
            refused
                .holder
                .starts_with("the Dynasync desktop app (process "),
            "{refused}"
        );
        assert!(refused.to_string().contains("stop it first"), "{refused}");
        assert_eq!(
            holder(dir.path())
                .as_deref()
                .map(|h| h.starts_with("the Dynasync desktop app")),
            Some(true)
        );
        drop(first);
        assert_eq!(holder(dir.path()), None);
        DataDirLock::acquire(dir.path(), "dynasync sync").expect("free once the holder lets go");
    }
}

//! The org's rows, lean enough to hold a million contacts: a row keeps only its non-null cells, each
//! a column number and a compact value. Every write takes the next org-wide row version (SQL
//! `rowversion`, surfaced as `versionnumber` and the ETag), which is also what change tracking
//! reads: a table keeps its live rows by version and a tombstone per deleted row.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One stored value. Lookups keep the table they point to, since customer and owner lookups can
/// point to more than one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Text of up to 22 bytes, kept in the cell itself: most names, emails and cities.
    Short {
        len: u8,
        bytes: [u8; SHORT],
    },
    Text(Box<str>),
    Int(i64),
    Num(f64),
    Bool(bool),
    Guid(Uuid),
    /// Seconds since the Unix epoch, UTC.
    Time(i64),
    Ref(Uuid, u16),
}

const SHORT: usize = 22;

impl Cell {
    pub(crate) fn time(at: DateTime<Utc>) -> Cell {
        Cell::Time(at.timestamp())
    }

    /// A text cell, short ones without a heap allocation.
    pub(crate) fn text(s: &str) -> Cell {
        if s.len() <= SHORT {
            let mut bytes = [0; SHORT];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Cell::Short {
                len: s.len() as u8,
                bytes,
            }
        } else {
            Cell::Text(s.into())
        }
    }

    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Short { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)]).ok(),
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) version: u64,
    /// Non-null cells, sorted by column number.
    pub(crate) cells: Vec<(u16, Cell)>,
}

impl Row {
    pub(crate) fn get(&self, column: usize) -> Option<&Cell> {
        let column = u16::try_from(column).ok()?;
        self.cells
            .binary_search_by_key(&column, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }

    pub(crate) fn set(&mut self, column: usize, value: Option<Cell>) {
        let Ok(column) = u16::try_from(column) else {
            return;
        };
        match (self.cells.binary_search_by_key(&column, |(c, _)| *c), value) {
            (Ok(i), Some(v)) => self.cells[i].1 = v,
            (Ok(i), None) => {
                self.cells.remove(i);
            }
            (Err(i), Some(v)) => self.cells.insert(i, (column, v)),
            (Err(_), None) => {}
        }
    }
}

/// A deleted row, as change tracking reports it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tombstone {
    pub(crate) version: u64,
    pub(crate) id: Uuid,
}

#[derive(Debug, Default)]
pub(crate) struct Table {
    /// Rows by id: the order of a query without `$orderby`.
    pub(crate) rows: BTreeMap<Uuid, Row>,
    /// Live rows by their last version: the order change tracking returns them in.
    pub(crate) by_version: BTreeMap<u64, Uuid>,
    pub(crate) deleted: Vec<Tombstone>,
}

/// How to take back one write of a change set.
#[derive(Debug)]
enum Undo {
    Put {
        table: usize,
        id: Uuid,
        previous: Option<Row>,
    },
    Delete {
        table: usize,
        row: Row,
        tombstones: usize,
    },
}

#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) tables: Vec<Table>,
    /// The last row version handed out, org-wide.
    pub(crate) version: u64,
    /// While a change set runs, how to take back its writes.
    undo: Option<Vec<Undo>>,
}

impl Store {
    pub(crate) fn new(tables: usize) -> Store {
        Store {
            tables: (0..tables).map(|_| Table::default()).collect(),
            version: 900_000,
            undo: None,
        }
    }

    /// Starts recording writes so that [`Store::rollback`] can take them back.
    pub(crate) fn begin_undo(&mut self) {
        self.undo = Some(Vec::new());
    }

    pub(crate) fn commit(&mut self) {
        self.undo = None;
    }

    /// Takes back every write since [`Store::begin_undo`] (row versions stay used).
    pub(crate) fn rollback(&mut self) {
        for undo in self.undo.take().unwrap_or_default().into_iter().rev() {
            match undo {
                Undo::Put {
                    table,
                    id,
                    previous,
                } => {
                    let t = &mut self.tables[table];
                    if let Some(current) = t.rows.remove(&id) {
                        t.by_version.remove(&current.version);
                    }
                    if let Some(previous) = previous {
                        t.by_version.insert(previous.version, id);
                        t.rows.insert(id, previous);
                    }
                }
                Undo::Delete {
                    table,
                    row,
                    tombstones,
                } => {
                    let t = &mut self.tables[table];
                    t.deleted.truncate(tombstones);
                    t.by_version.insert(row.version, row.id);
                    t.rows.insert(row.id, row);
                }
            }
        }
    }

    pub(crate) fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    pub(crate) fn row(&self, table: usize, id: Uuid) -> Option<&Row> {
        self.tables.get(table)?.rows.get(&id)
    }

    /// Stores a row under a new version.
    pub(crate) fn put(&mut self, table: usize, mut row: Row) {
        let version = self.next_version();
        if let Some(log) = &mut self.undo {
            log.push(Undo::Put {
                table,
                id: row.id,
                previous: self.tables[table].rows.get(&row.id).cloned(),
            });
        }
        // A row is written once and read many times: it keeps no spare capacity.
        row.cells.shrink_to_fit();
        let t = &mut self.tables[table];
        if let Some(old) = t.rows.get(&row.id) {
            t.by_version.remove(&old.version);
        }
        row.version = version;
        t.by_version.insert(version, row.id);
        t.rows.insert(row.id, row);
    }

    pub(crate) fn delete(&mut self, table: usize, id: Uuid) -> Option<Row> {
        let version = self.next_version();
        let t = &mut self.tables[table];
        let row = t.rows.remove(&id)?;
        t.by_version.remove(&row.version);
        if let Some(log) = &mut self.undo {
            log.push(Undo::Delete {
                table,
                row: row.clone(),
                tombstones: t.deleted.len(),
            });
        }
        t.deleted.push(Tombstone { version, id });
        Some(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_stays_small() {
        // A million rows of a dozen cells each must fit well under a gigabyte.
        assert!(std::mem::size_of::<Cell>() <= 24);
        assert_eq!(
            Cell::text("person00042@example.com").as_text(),
            Some("person00042@example.com")
        );
        assert!(
            matches!(Cell::text("Redmond"), Cell::Short { .. }),
            "short text stays inline"
        );
        assert_eq!(
            Cell::text(&"x".repeat(40)).as_text().map(str::len),
            Some(40)
        );
        assert!(std::mem::size_of::<(u16, Cell)>() <= 32);
    }

    #[test]
    fn every_write_moves_the_row_to_the_newest_version() {
        let mut store = Store::new(1);
        let id = Uuid::from_u128(1);
        store.put(
            0,
            Row {
                id,
                version: 0,
                cells: vec![],
            },
        );
        store.put(
            0,
            Row {
                id: Uuid::from_u128(2),
                version: 0,
                cells: vec![],
            },
        );
        let first = store.row(0, id).unwrap().version;
        let mut row = store.row(0, id).unwrap().clone();
        row.set(3, Some(Cell::Int(7)));
        store.put(0, row);
        let table = &store.tables[0];
        assert!(table.rows[&id].version > first);
        assert_eq!(
            table.by_version.len(),
            2,
            "an update replaces the old version entry"
        );
        assert_eq!(table.by_version.values().last(), Some(&id));
        store.delete(0, id);
        assert_eq!(store.tables[0].deleted.len(), 1);
        assert_eq!(store.tables[0].by_version.len(), 1);
    }

    #[test]
    fn a_rolled_back_change_set_leaves_no_trace() {
        let mut store = Store::new(1);
        let kept = Uuid::from_u128(1);
        store.put(
            0,
            Row {
                id: kept,
                version: 0,
                cells: vec![(1, Cell::Int(1))],
            },
        );
        store.begin_undo();
        store.put(
            0,
            Row {
                id: Uuid::from_u128(2),
                version: 0,
                cells: vec![],
            },
        );
        let mut changed = store.row(0, kept).unwrap().clone();
        changed.set(1, Some(Cell::Int(2)));
        store.put(0, changed);
        store.delete(0, kept);
        store.rollback();
        let table = &store.tables[0];
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[&kept].get(1), Some(&Cell::Int(1)));
        assert_eq!(table.by_version.len(), 1);
        assert!(table.deleted.is_empty());
    }
}

//! Changes pulled from either side and not yet applied. A newer state of the same record replaces
//! the older one in place, so a record is applied once, with its latest values.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::Value as Json;

use super::{Result, time};
use crate::model::Side;

/// One pulled change.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub side: Side,
    pub entity: String,
    pub record_id: String,
    pub payload: Json,
}

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Dynamics => "dynamics",
        Side::Marketo => "marketo",
    }
}

/// Stores (or refreshes) the pulled state of a record.
pub fn put(
    conn: &Connection,
    side: Side,
    entity: &str,
    record_id: &str,
    payload: &Json,
    now: DateTime<Utc>,
) -> Result<()> {
    insert(
        conn,
        "DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at",
        (side, entity, record_id, payload, now),
    )
}

/// Queues a record's state again unless a change of it is already pending (which is newer).
pub fn put_if_absent(
    conn: &Connection,
    side: Side,
    entity: &str,
    record_id: &str,
    payload: &Json,
    now: DateTime<Utc>,
) -> Result<()> {
    insert(conn, "DO NOTHING", (side, entity, record_id, payload, now))
}

/// Inserts a record's state; `on_conflict` says what becomes of one already pending.
fn insert(
    conn: &Connection,
    on_conflict: &str,
    (side, entity, record_id, payload, now): (Side, &str, &str, &Json, DateTime<Utc>),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO inbox (side, entity, record_id, payload, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (side, entity, record_id) {on_conflict}"
    ))?;
    stmt.execute(params![
        side_key(side),
        entity,
        record_id,
        serde_json::to_string(payload)?,
        time(now)
    ])?;
    Ok(())
}

/// The oldest pending changes of one side and entity.
pub fn oldest(conn: &Connection, side: Side, entity: &str, limit: usize) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, record_id, payload FROM inbox WHERE side = ?1 AND entity = ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![side_key(side), entity, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (id, record_id, payload) = row?;
        Ok(Item {
            id,
            side,
            entity: entity.to_owned(),
            record_id,
            payload: serde_json::from_str(&payload)?,
        })
    })
    .collect()
}

/// The pending change of one record, if any.
pub fn find(conn: &Connection, side: Side, entity: &str, record_id: &str) -> Result<Option<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, payload FROM inbox WHERE side = ?1 AND entity = ?2 AND record_id = ?3",
    )?;
    let mut rows = stmt.query_map(params![side_key(side), entity, record_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.next()
        .transpose()?
        .map(|(id, payload)| {
            Ok(Item {
                id,
                side,
                entity: entity.to_owned(),
                record_id: record_id.to_owned(),
                payload: serde_json::from_str(&payload)?,
            })
        })
        .transpose()
}

/// Removes applied changes. Call it in the transaction that commits what they caused.
pub fn remove(conn: &Connection, ids: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM inbox WHERE id = ?1")?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

/// Pending changes per side and entity: the backlog.
pub fn backlog(conn: &Connection) -> Result<Vec<(Side, String, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT side, entity, COUNT(*) FROM inbox GROUP BY side, entity ORDER BY side, entity",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (side, entity, n) = row?;
        Ok((
            if side == "dynamics" {
                Side::Dynamics
            } else {
                Side::Marketo
            },
            entity,
            n as u64,
        ))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Store;

    #[test]
    fn a_newer_state_of_a_record_replaces_the_older_one_in_place() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        store
            .write(|tx| {
                put(tx, Side::Dynamics, "contact", "a", &json!({"v": 1}), now)?;
                put(tx, Side::Dynamics, "contact", "b", &json!({"v": 1}), now)?;
                put(tx, Side::Dynamics, "contact", "a", &json!({"v": 2}), now)
            })
            .unwrap();
        let items = store
            .read(|c| oldest(c, Side::Dynamics, "contact", 10))
            .unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| i.record_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"],
            "order of first arrival"
        );
        assert_eq!(items[0].payload, json!({"v": 2}), "the latest state wins");
        store.write(|tx| remove(tx, &[items[0].id])).unwrap();
        assert_eq!(
            store.read(backlog).unwrap(),
            vec![(Side::Dynamics, "contact".to_owned(), 1)]
        );
    }
}

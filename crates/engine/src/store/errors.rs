//! Records a side refused. A refused value is "blocked": it is not sent again every cycle, only
//! when it changes or when the user asks for a retry (R28, R78).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{Result, parse_time, time};
use crate::store::journal::Flow;

/// The operation of a record left alone because several Marketo people share its email (R29). Its
/// pulled state is kept in `blocked`, so that each cycle tries it again until one person is left
/// or one of them carries its Dynamics id, without waiting for the record to change.
pub const AMBIGUOUS_MATCH: &str = "ambiguous-match";

/// A record that failed to sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    pub id: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub direction: Flow,
    pub entity: String,
    /// The record's id on the side it was read from.
    pub record: String,
    /// create, update, delete, qualify...
    pub operation: String,
    pub code: String,
    pub message: String,
    pub attempts: u32,
    pub blocked: Option<Json>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What to record about a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    pub run_id: Option<i64>,
    pub direction: Flow,
    pub entity: &'a str,
    pub record: &'a str,
    pub operation: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub blocked: Option<&'a Json>,
}

fn flow_key(flow: Flow) -> &'static str {
    match flow {
        Flow::ToMarketo => "toMarketo",
        Flow::ToDynamics => "toDynamics",
        Flow::None => "none",
    }
}

/// Records a failure, or one more attempt of a known one.
pub fn record(conn: &Connection, failure: &Failure<'_>, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO record_error (first_at, last_at, run_id, direction, entity, record, operation, code, message, blocked)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (direction, entity, record, operation) DO UPDATE SET
             last_at = excluded.last_at, run_id = excluded.run_id, code = excluded.code, message = excluded.message,
             blocked = excluded.blocked, resolved_at = NULL,
             attempts = CASE WHEN record_error.resolved_at IS NULL THEN record_error.attempts + 1 ELSE 1 END",
        params![
            time(now),
            failure.run_id,
            flow_key(failure.direction),
            failure.entity,
            failure.record,
            failure.operation,
            failure.code,
            failure.message,
            failure.blocked.map(serde_json::to_string).transpose()?,
        ],
    )?;
    Ok(())
}

/// Marks a record's failure as fixed (it synced).
pub fn resolve(
    conn: &Connection,
    direction: Flow,
    entity: &str,
    record: &str,
    operation: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE record_error SET resolved_at = ?5, blocked = NULL
         WHERE direction = ?1 AND entity = ?2 AND record = ?3 AND operation = ?4 AND resolved_at IS NULL",
        params![flow_key(direction), entity, record, operation, time(now)],
    )?;
    Ok(())
}

/// The values held back for a record, if a failure blocks them.
pub fn blocked(
    conn: &Connection,
    direction: Flow,
    entity: &str,
    record: &str,
    operation: &str,
) -> Result<Option<Json>> {
    let text: Option<Option<String>> = conn
        .query_row(
            "SELECT blocked FROM record_error WHERE direction = ?1 AND entity = ?2 AND record = ?3 AND operation = ?4
             AND resolved_at IS NULL",
            params![flow_key(direction), entity, record, operation],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text
        .flatten()
        .map(|t| serde_json::from_str(&t))
        .transpose()?)
}

/// The kept states of the records waiting on an ambiguous match: (entity, record id, state).
pub fn ambiguous(conn: &Connection) -> Result<Vec<(String, String, Json)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity, record, blocked FROM record_error
         WHERE operation = ?1 AND resolved_at IS NULL AND blocked IS NOT NULL",
    )?;
    let rows = stmt.query_map([AMBIGUOUS_MATCH], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (entity, record, state) = row?;
        Ok((entity, record, serde_json::from_str(&state)?))
    })
    .collect()
}

/// Unblocks failures so the next cycle tries them again; `None` retries all of them.
pub fn retry(conn: &Connection, ids: Option<&[i64]>) -> Result<usize> {
    Ok(match ids {
        None => conn.execute(
            "UPDATE record_error SET blocked = NULL WHERE resolved_at IS NULL AND operation != ?1",
            [AMBIGUOUS_MATCH],
        )?,
        Some(ids) => {
            let mut stmt = conn.prepare_cached(
                "UPDATE record_error SET blocked = NULL WHERE id = ?1 AND resolved_at IS NULL AND operation != ?2",
            )?;
            ids.iter()
                .map(|id| stmt.execute(params![id, AMBIGUOUS_MATCH]))
                .sum::<rusqlite::Result<usize>>()?
        }
    })
}

/// Open failures, newest first, matching `search` in the record, code or message if given.
pub fn open(conn: &Connection, search: Option<&str>, limit: usize) -> Result<Vec<RecordError>> {
    let pattern = search.map(|s| format!("%{}%", s.replace('%', "\\%").replace('_', "\\_")));
    let mut stmt = conn.prepare_cached(
        "SELECT id, first_at, last_at, direction, entity, record, operation, code, message, attempts, blocked, resolved_at
         FROM record_error WHERE resolved_at IS NULL
           AND (?1 IS NULL OR record LIKE ?1 ESCAPE '\\' OR code LIKE ?1 ESCAPE '\\' OR message LIKE ?1 ESCAPE '\\' OR entity LIKE ?1 ESCAPE '\\')
         ORDER BY last_at DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, u32>(9)?,
            r.get::<_, Option<String>>(10)?,
            r.get::<_, Option<String>>(11)?,
        ))
    })?;
    rows.map(|row| {
        let (
            id,
            first,
            last,
            direction,
            entity,
            record,
            operation,
            code,
            message,
            attempts,
            blocked,
            resolved,
        ) = row?;
        Ok(RecordError {
            id,
            first_at: parse_time(&first)?,
            last_at: parse_time(&last)?,
            direction: serde_json::from_value(Json::String(direction))?,
            entity,
            record,
            operation,
            code,
            message,
            attempts,
            blocked: blocked.map(|b| serde_json::from_str(&b)).transpose()?,
            resolved_at: resolved.as_deref().map(parse_time).transpose()?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Store;

    fn failure(blocked: &Json) -> Failure<'_> {
        Failure {
            run_id: Some(1),
            direction: Flow::ToDynamics,
            entity: "lead",
            record: "L1",
            operation: "update",
            code: "0x80040265",
            message: "Topic is required",
            blocked: Some(blocked),
        }
    }

    #[test]
    fn a_repeated_failure_counts_attempts_and_a_fix_resolves_it() {
        let store = Store::in_memory().unwrap();
        let held = json!({"microsoftTopic": null});
        store
            .write(|tx| record(tx, &failure(&held), Utc::now()))
            .unwrap();
        store
            .write(|tx| record(tx, &failure(&held), Utc::now()))
            .unwrap();
        let open_errors = store.read(|c| open(c, Some("required"), 10)).unwrap();
        assert_eq!(open_errors.len(), 1);
        assert_eq!(open_errors[0].attempts, 2);
        assert_eq!(
            store
                .read(|c| blocked(c, Flow::ToDynamics, "lead", "L1", "update"))
                .unwrap(),
            Some(held.clone())
        );

        store.write(|tx| retry(tx, None)).unwrap();
        assert_eq!(
            store
                .read(|c| blocked(c, Flow::ToDynamics, "lead", "L1", "update"))
                .unwrap(),
            None,
            "a retry unblocks"
        );

        store
            .write(|tx| resolve(tx, Flow::ToDynamics, "lead", "L1", "update", Utc::now()))
            .unwrap();
        assert!(store.read(|c| open(c, None, 10)).unwrap().is_empty());
    }

    #[test]
    fn search_matches_record_code_or_message() {
        let store = Store::in_memory().unwrap();
        let held = json!({});
        store
            .write(|tx| record(tx, &failure(&held), Utc::now()))
            .unwrap();
        for term in ["L1", "0x8004", "Topic"] {
            assert_eq!(
                store.read(|c| open(c, Some(term), 10)).unwrap().len(),
                1,
                "{term}"
            );
        }
        assert!(
            store
                .read(|c| open(c, Some("nothing like it"), 10))
                .unwrap()
                .is_empty()
        );
    }
}

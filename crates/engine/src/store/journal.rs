//! The journal: every decision, per field, with its rule.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::{Result, parse_time, time};
use crate::rules::Rule;
use crate::value::Value;

/// Where a decision sent a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    ToMarketo,
    ToDynamics,
    /// Nothing was written (both agree, or a rule held the value back).
    None,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub run_id: i64,
    pub at: DateTime<Utc>,
    pub entity: String,
    pub dynamics_id: Option<Uuid>,
    pub marketo_id: Option<String>,
    /// The Marketo field name, or `None` for a decision about the whole record.
    pub field: Option<String>,
    pub flow: Flow,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub rule: Rule,
    pub note: Option<String>,
}

fn to_text<T: Serialize>(value: &T) -> Result<String> {
    Ok(match serde_json::to_value(value)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

pub fn append(conn: &Connection, entries: &[Entry]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO journal (run_id, at, entity, dynamics_id, marketo_id, field, direction, before, after, rule, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for e in entries {
        stmt.execute(params![
            e.run_id,
            time(e.at),
            e.entity,
            e.dynamics_id.map(|id| id.to_string()),
            e.marketo_id,
            e.field,
            to_text(&e.flow)?,
            e.before.as_ref().map(serde_json::to_string).transpose()?,
            e.after.as_ref().map(serde_json::to_string).transpose()?,
            to_text(&e.rule)?,
            e.note,
        ])?;
    }
    Ok(())
}

/// The decisions about one record (by its Dynamics id or its Marketo id), newest first, optionally
/// for one field.
pub fn for_record(
    conn: &Connection,
    record: &str,
    field: Option<&str>,
    limit: usize,
) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT run_id, at, entity, dynamics_id, marketo_id, field, direction, before, after, rule, note FROM journal
         WHERE (dynamics_id = ?1 OR marketo_id = ?1) AND (?2 IS NULL OR field = ?2 OR field IS NULL)
         ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![record.to_ascii_lowercase(), field, limit as i64],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        },
    )?;
    rows.map(|row| {
        let (run_id, at, entity, dynamics_id, marketo_id, field, flow, before, after, rule, note) =
            row?;
        Ok(Entry {
            run_id,
            at: parse_time(&at)?,
            entity,
            dynamics_id: dynamics_id.and_then(|id| Uuid::parse_str(&id).ok()),
            marketo_id,
            field,
            flow: serde_json::from_value(serde_json::Value::String(flow))?,
            before: before.map(|v| serde_json::from_str(&v)).transpose()?,
            after: after.map(|v| serde_json::from_str(&v)).transpose()?,
            rule: serde_json::from_value(serde_json::Value::String(rule))?,
            note,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_field_decision_is_found_by_either_id_with_its_rule() {
        let store = Store::in_memory().unwrap();
        let id = Uuid::from_u128(9);
        let entry = Entry {
            run_id: 1,
            at: Utc::now(),
            entity: "lead".into(),
            dynamics_id: Some(id),
            marketo_id: Some("31".into()),
            field: Some("firstName".into()),
            flow: Flow::ToDynamics,
            before: Some(Value::Text("Bob".into())),
            after: Some(Value::Text("Robert".into())),
            rule: Rule::MarketoWinsForLeads,
            note: None,
        };
        store
            .write(|tx| append(tx, std::slice::from_ref(&entry)))
            .unwrap();
        let by_marketo = store
            .read(|c| for_record(c, "31", Some("firstName"), 10))
            .unwrap();
        let by_dynamics = store
            .read(|c| for_record(c, &id.to_string().to_uppercase(), None, 10))
            .unwrap();
        assert_eq!(by_marketo.len(), 1);
        assert_eq!(by_marketo[0].rule, Rule::MarketoWinsForLeads);
        assert_eq!(
            by_marketo[0].at.timestamp_millis(),
            entry.at.timestamp_millis()
        );
        assert_eq!(by_dynamics.len(), 1, "ids match whatever their case");
        assert!(
            store
                .read(|c| for_record(c, "31", Some("lastName"), 10))
                .unwrap()
                .is_empty()
        );
    }
}

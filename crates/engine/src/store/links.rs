//! Links between a Dynamics record and its Marketo record, and the last-synced value of each of
//! their fields (the base of the three-way merge).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Result, StoreError, time};
use crate::model::{Entity, MarketoObject};
use crate::value::Value;

/// Whether a link still syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkState {
    /// Syncing.
    Live,
    /// The sync filter turned to No: the Marketo record keeps its values and gets no updates (R37).
    Stale,
    /// Deleted in Dynamics: the person is flagged "Microsoft is Deleted" (R66), nothing more syncs.
    Deleted,
    /// A lead qualified into a contact: its person now syncs with the contact (R41), the lead no more.
    Converted,
}

impl LinkState {
    fn key(self) -> &'static str {
        match self {
            LinkState::Live => "live",
            LinkState::Stale => "stale",
            LinkState::Deleted => "deleted",
            LinkState::Converted => "converted",
        }
    }

    fn parse(key: &str) -> Result<LinkState> {
        Ok(match key {
            "live" => LinkState::Live,
            "stale" => LinkState::Stale,
            "deleted" => LinkState::Deleted,
            "converted" => LinkState::Converted,
            other => return Err(StoreError::Data(format!("unknown link state {other:?}"))),
        })
    }
}

/// A Dynamics record and the Marketo record it syncs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub entity: Entity,
    pub dynamics_id: Uuid,
    pub object: MarketoObject,
    /// The Marketo id (a person id, a marketoGUID...), once known.
    pub marketo_id: Option<String>,
    pub state: LinkState,
    /// The version Dynasync's own last write gave the Dynamics record, until it is seen back
    /// (R6); `*` when the write's answer gave none.
    pub dynamics_echo: Option<String>,
}

/// The key a Marketo object is stored under.
pub fn object_key(object: &MarketoObject) -> String {
    match object {
        MarketoObject::Person => "person".into(),
        MarketoObject::Company => "company".into(),
        MarketoObject::SalesPerson => "salesPerson".into(),
        MarketoObject::Opportunity => "opportunity".into(),
        MarketoObject::OpportunityRole => "opportunityRole".into(),
        MarketoObject::CustomObject(name) => format!("customObject:{name}"),
    }
}

fn parse_object(key: &str) -> Result<MarketoObject> {
    Ok(match key {
        "person" => MarketoObject::Person,
        "company" => MarketoObject::Company,
        "salesPerson" => MarketoObject::SalesPerson,
        "opportunity" => MarketoObject::Opportunity,
        "opportunityRole" => MarketoObject::OpportunityRole,
        other => match other.strip_prefix("customObject:") {
            Some(name) => MarketoObject::CustomObject(name.to_owned()),
            None => {
                return Err(StoreError::Data(format!(
                    "unknown Marketo object {other:?}"
                )));
            }
        },
    })
}

const COLUMNS: &str = "id, entity, dynamics_id, object, marketo_id, state, dynamics_echo";

/// A link row as SQLite returns it: id, entity, dynamics id, object, marketo id, state, echo.
type RawLink = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn from_row(row: &Row<'_>) -> rusqlite::Result<RawLink> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn build(raw: RawLink) -> Result<Link> {
    let (id, entity, dynamics_id, object, marketo_id, state, dynamics_echo) = raw;
    Ok(Link {
        id,
        entity: Entity::from_logical_name(&entity),
        dynamics_id: Uuid::parse_str(&dynamics_id).map_err(|e| StoreError::Data(e.to_string()))?,
        object: parse_object(&object)?,
        marketo_id,
        state: LinkState::parse(&state)?,
        dynamics_echo,
    })
}

pub fn by_dynamics(conn: &Connection, entity: &Entity, id: Uuid) -> Result<Option<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM link WHERE entity = ?1 AND dynamics_id = ?2");
    conn.query_row(
        &sql,
        params![entity.logical_name(), id.to_string()],
        from_row,
    )
    .optional()?
    .map(build)
    .transpose()
}

pub fn by_marketo(
    conn: &Connection,
    object: &MarketoObject,
    marketo_id: &str,
) -> Result<Option<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM link WHERE object = ?1 AND marketo_id = ?2");
    conn.query_row(&sql, params![object_key(object), marketo_id], from_row)
        .optional()?
        .map(build)
        .transpose()
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM link WHERE id = ?1");
    conn.query_row(&sql, [id], from_row)
        .optional()?
        .map(build)
        .transpose()
}

/// Creates the link of a Dynamics record, or updates its Marketo id and state; returns its id.
pub fn upsert(
    conn: &Connection,
    entity: &Entity,
    dynamics_id: Uuid,
    object: &MarketoObject,
    marketo_id: Option<&str>,
    state: LinkState,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO link (entity, dynamics_id, object, marketo_id, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity, dynamics_id) DO UPDATE SET
             object = excluded.object,
             marketo_id = COALESCE(excluded.marketo_id, link.marketo_id),
             state = excluded.state,
             updated_at = excluded.updated_at
         RETURNING id",
        params![entity.logical_name(), dynamics_id.to_string(), object_key(object), marketo_id, state.key(), time(now)],
        |r| r.get(0),
    )?)
}

/// Points an existing link at another Dynamics record (a lead qualified into a contact keeps its
/// Marketo person, R41).
pub fn relink(
    conn: &Connection,
    id: i64,
    entity: &Entity,
    dynamics_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE link SET entity = ?2, dynamics_id = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            id,
            entity.logical_name(),
            dynamics_id.to_string(),
            time(now)
        ],
    )?;
    Ok(())
}

pub fn set_state(conn: &Connection, id: i64, state: LinkState, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE link SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, state.key(), time(now)],
    )?;
    Ok(())
}

/// Records the version Dynasync's write gave the Dynamics record (`None`: that write was seen back).
pub fn set_dynamics_echo(conn: &Connection, id: i64, version: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE link SET dynamics_echo = ?2 WHERE id = ?1",
        params![id, version],
    )?;
    Ok(())
}

/// Removes a link and its synced values (the Marketo record was deleted: R67, R68).
pub fn remove(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM link WHERE id = ?1", [id])?;
    Ok(())
}

/// The last-synced value of every field of a link.
pub fn synced(conn: &Connection, link_id: i64) -> Result<BTreeMap<String, Value>> {
    let mut stmt = conn.prepare_cached("SELECT field, value FROM synced WHERE link_id = ?1")?;
    let rows = stmt.query_map([link_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut values = BTreeMap::new();
    for row in rows {
        let (field, value) = row?;
        values.insert(field, serde_json::from_str(&value)?);
    }
    Ok(values)
}

/// The last-synced values of a link as each side holds them: Dynamics' (every field), and
/// Marketo's where it differs (a sync user's edit not synced back, R6).
pub fn bases(conn: &Connection, link_id: i64) -> Result<Bases> {
    let mut stmt =
        conn.prepare_cached("SELECT field, value, marketo_value FROM synced WHERE link_id = ?1")?;
    let rows = stmt.query_map([link_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut bases = Bases::default();
    for row in rows {
        let (field, value, marketo) = row?;
        if let Some(marketo) = marketo {
            bases
                .marketo
                .insert(field.clone(), serde_json::from_str(&marketo)?);
        }
        bases.synced.insert(field, serde_json::from_str(&value)?);
    }
    Ok(bases)
}

/// What [`bases`] answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bases {
    pub synced: BTreeMap<String, Value>,
    pub marketo: BTreeMap<String, Value>,
}

/// Records fields as synced with these values on both sides (other fields keep theirs).
pub fn set_synced(conn: &Connection, link_id: i64, values: &BTreeMap<String, Value>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO synced (link_id, field, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (link_id, field) DO UPDATE SET value = excluded.value, marketo_value = NULL",
    )?;
    for (field, value) in values {
        stmt.execute(params![link_id, field, serde_json::to_string(value)?])?;
    }
    Ok(())
}

/// Records Marketo's last-synced value of fields whose Dynamics value was set by [`set_synced`]
/// without being synced to Marketo (R6).
pub fn set_marketo_synced(
    conn: &Connection,
    link_id: i64,
    values: &BTreeMap<String, Value>,
) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("UPDATE synced SET marketo_value = ?3 WHERE link_id = ?1 AND field = ?2")?;
    for (field, value) in values {
        stmt.execute(params![link_id, field, serde_json::to_string(value)?])?;
    }
    Ok(())
}

/// Live links of an entity, for back-fills and counts.
pub fn count(conn: &Connection, entity: &Entity, state: LinkState) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM link WHERE entity = ?1 AND state = ?2",
        params![entity.logical_name(), state.key()],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Links whose synced value of `field` is `value`: for example the people of one company.
pub fn with_synced_value(conn: &Connection, field: &str, value: &Value) -> Result<Vec<Link>> {
    let sql = format!(
        "SELECT {} FROM link JOIN synced ON synced.link_id = link.id WHERE synced.field = ?1 AND synced.value = ?2",
        COLUMNS
            .split(", ")
            .map(|c| format!("link.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![field, serde_json::to_string(value)?], from_row)?;
    rows.map(|r| build(r?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_link_is_found_from_either_side_and_keeps_its_synced_values() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        let contact = Uuid::from_u128(1);
        let id = store
            .write(|tx| {
                let id = upsert(
                    tx,
                    &Entity::Contact,
                    contact,
                    &MarketoObject::Person,
                    Some("4711"),
                    LinkState::Live,
                    now,
                )?;
                let values = BTreeMap::from([
                    ("email".to_owned(), Value::Text("a@b.c".into())),
                    ("city".into(), Value::Null),
                ]);
                set_synced(tx, id, &values)?;
                Ok(id)
            })
            .unwrap();
        let by_marketo = store
            .read(|c| by_marketo(c, &MarketoObject::Person, "4711"))
            .unwrap()
            .unwrap();
        let by_dynamics = store
            .read(|c| by_dynamics(c, &Entity::Contact, contact))
            .unwrap()
            .unwrap();
        assert_eq!(by_marketo, by_dynamics);
        assert_eq!(by_marketo.id, id);
        let synced = store.read(|c| synced(c, id)).unwrap();
        assert_eq!(synced["email"], Value::Text("a@b.c".into()));
        assert_eq!(synced.len(), 2);
    }

    #[test]
    fn one_marketo_record_cannot_be_linked_twice() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        let result = store.write(|tx| {
            upsert(
                tx,
                &Entity::Lead,
                Uuid::from_u128(1),
                &MarketoObject::Person,
                Some("7"),
                LinkState::Live,
                now,
            )?;
            upsert(
                tx,
                &Entity::Contact,
                Uuid::from_u128(2),
                &MarketoObject::Person,
                Some("7"),
                LinkState::Live,
                now,
            )
        });
        assert!(
            result.is_err(),
            "two Dynamics records must never share one Marketo person"
        );
    }

    #[test]
    fn removing_a_link_removes_its_synced_values() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        store
            .write(|tx| {
                let id = upsert(
                    tx,
                    &Entity::Account,
                    Uuid::from_u128(3),
                    &MarketoObject::Company,
                    None,
                    LinkState::Live,
                    now,
                )?;
                set_synced(
                    tx,
                    id,
                    &BTreeMap::from([("company".to_owned(), Value::Text("Acme".into()))]),
                )?;
                remove(tx, id)
            })
            .unwrap();
        let left: i64 = store
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM synced", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(left, 0);
    }
}

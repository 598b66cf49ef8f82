//! The enabled entities (with the columns each pull selects) and the mapped fields, as chosen at
//! setup and changed later from the settings.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::{Result, StoreError, time};
use crate::mapping::{FieldMapping, Mappings};
use crate::model::{Direction, Entity};

/// Where an enabled entity is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntityState {
    /// Its first copy is not complete (a new custom entity, R62).
    Initial,
    Live,
}

/// How a custom entity hangs off lead, contact or account: each step's lookup, parent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    pub parent: String,
    pub child: String,
    pub lookup: String,
}

/// An entity the sync covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnabledEntity {
    pub entity: Entity,
    pub entity_set: String,
    pub primary_id: String,
    /// The columns a pull selects: mapped ones and those the rules need (owner, filter, merge...).
    pub columns: Vec<String>,
    /// For a custom entity: the path to lead, contact or account.
    #[serde(default)]
    pub path: Vec<PathStep>,
    pub state: EntityState,
}

fn state_key(state: EntityState) -> &'static str {
    match state {
        EntityState::Initial => "initial",
        EntityState::Live => "live",
    }
}

pub fn save_entity(conn: &Connection, entity: &EnabledEntity, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO entity (logical_name, entity_set, definition, state, enabled_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (logical_name) DO UPDATE SET entity_set = excluded.entity_set, definition = excluded.definition,
             state = excluded.state",
        params![
            entity.entity.logical_name(),
            entity.entity_set,
            serde_json::to_string(entity)?,
            state_key(entity.state),
            time(now)
        ],
    )?;
    Ok(())
}

pub fn set_entity_state(conn: &Connection, entity: &Entity, state: EntityState) -> Result<()> {
    let mut enabled: Vec<EnabledEntity> = entities(conn)?
        .into_iter()
        .filter(|e| &e.entity == entity)
        .collect();
    let Some(mut e) = enabled.pop() else {
        return Ok(());
    };
    e.state = state;
    conn.execute(
        "UPDATE entity SET definition = ?2, state = ?3 WHERE logical_name = ?1",
        params![
            entity.logical_name(),
            serde_json::to_string(&e)?,
            state_key(state)
        ],
    )?;
    Ok(())
}

/// Every enabled entity, standard ones in push order first, then custom ones by name.
pub fn entities(conn: &Connection) -> Result<Vec<EnabledEntity>> {
    let mut stmt = conn.prepare_cached("SELECT definition FROM entity")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut all: Vec<EnabledEntity> = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<_>>()?;
    let rank = |e: &Entity| {
        Entity::STANDARD
            .iter()
            .position(|s| s == e)
            .unwrap_or(Entity::STANDARD.len())
    };
    all.sort_by(|a, b| {
        rank(&a.entity)
            .cmp(&rank(&b.entity))
            .then_with(|| a.entity.logical_name().cmp(b.entity.logical_name()))
    });
    Ok(all)
}

/// Whether a mapped field's values still need their back-fill (R46).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Backfill {
    /// Mapped from the start: the first sync copies it.
    None,
    Pending,
    Done,
}

fn backfill_key(b: Backfill) -> &'static str {
    match b {
        Backfill::None => "none",
        Backfill::Pending => "pending",
        Backfill::Done => "done",
    }
}

pub fn save_mapping(
    conn: &Connection,
    field: &FieldMapping,
    backfill: Backfill,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO mapping (entity, dynamics, marketo, kind, direction, added_at, backfill) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (entity, dynamics) DO UPDATE SET marketo = excluded.marketo, kind = excluded.kind,
             direction = excluded.direction",
        params![
            field.entity.logical_name(),
            field.dynamics,
            field.marketo,
            serde_json::to_string(&field.kind)?,
            if field.direction == Direction::TwoWay { "twoWay" } else { "toMarketo" },
            time(now),
            backfill_key(backfill),
        ],
    )?;
    Ok(())
}

pub fn remove_mapping(conn: &Connection, entity: &Entity, dynamics: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM mapping WHERE entity = ?1 AND dynamics = ?2",
        params![entity.logical_name(), dynamics],
    )?;
    Ok(())
}

pub fn set_backfill(
    conn: &Connection,
    entity: &Entity,
    dynamics: &str,
    backfill: Backfill,
) -> Result<()> {
    conn.execute(
        "UPDATE mapping SET backfill = ?3 WHERE entity = ?1 AND dynamics = ?2",
        params![entity.logical_name(), dynamics, backfill_key(backfill)],
    )?;
    Ok(())
}

/// Every mapped field, with its back-fill state.
pub fn mappings(conn: &Connection) -> Result<Vec<(FieldMapping, Backfill)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity, dynamics, marketo, kind, direction, backfill FROM mapping ORDER BY rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (entity, dynamics, marketo, kind, direction, backfill) = row?;
        let field = FieldMapping {
            entity: Entity::from_logical_name(&entity),
            dynamics,
            marketo,
            kind: serde_json::from_str(&kind)?,
            direction: if direction == "twoWay" {
                Direction::TwoWay
            } else {
                Direction::ToMarketo
            },
        };
        let backfill = match backfill.as_str() {
            "pending" => Backfill::Pending,
            "done" => Backfill::Done,
            "none" | "running" => Backfill::None,
            other => {
                return Err(StoreError::Data(format!(
                    "unknown back-fill state {other:?}"
                )));
            }
        };
        Ok((field, backfill))
    })
    .collect()
}

/// The mapped fields as the planner uses them.
pub fn mapping_set(conn: &Connection) -> Result<Mappings> {
    Ok(Mappings::new(mappings(conn)?.into_iter().map(|(f, _)| f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::value::FieldKind;

    #[test]
    fn entities_come_back_in_push_order_with_their_columns() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        let entity = |e: Entity, set: &str| EnabledEntity {
            entity: e.clone(),
            entity_set: set.into(),
            primary_id: e.primary_id(),
            columns: vec!["name".into()],
            path: vec![],
            state: EntityState::Live,
        };
        store
            .write(|tx| {
                save_entity(
                    tx,
                    &entity(Entity::Custom("new_event".into()), "new_events"),
                    now,
                )?;
                save_entity(tx, &entity(Entity::Contact, "contacts"), now)?;
                save_entity(tx, &entity(Entity::Account, "accounts"), now)
            })
            .unwrap();
        let names: Vec<String> = store
            .read(entities)
            .unwrap()
            .iter()
            .map(|e| e.entity.logical_name().to_owned())
            .collect();
        assert_eq!(
            names,
            ["account", "contact", "new_event"],
            "accounts before the contacts in them, custom entities last"
        );
        store
            .write(|tx| {
                set_entity_state(
                    tx,
                    &Entity::Custom("new_event".into()),
                    EntityState::Initial,
                )
            })
            .unwrap();
        assert_eq!(store.read(entities).unwrap()[2].state, EntityState::Initial);
    }

    #[test]
    fn a_field_added_later_is_pending_its_backfill_until_done() {
        let store = Store::in_memory().unwrap();
        let field = FieldMapping {
            entity: Entity::Contact,
            dynamics: "jobtitle".into(),
            marketo: "title".into(),
            kind: FieldKind::Text {
                max_length: Some(100),
            },
            direction: Direction::TwoWay,
        };
        store
            .write(|tx| save_mapping(tx, &field, Backfill::Pending, Utc::now()))
            .unwrap();
        assert_eq!(
            store.read(mappings).unwrap(),
            [(field.clone(), Backfill::Pending)]
        );
        store
            .write(|tx| set_backfill(tx, &Entity::Contact, "jobtitle", Backfill::Done))
            .unwrap();
        assert_eq!(store.read(mappings).unwrap()[0].1, Backfill::Done);
        assert_eq!(
            store.read(mapping_set).unwrap().of(&Entity::Contact),
            [field]
        );
    }
}

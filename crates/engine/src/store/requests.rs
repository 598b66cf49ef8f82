//! "Sync Person to Microsoft" requests (R24-R27): a Marketo-only person to create in Dynamics as a
//! lead or a contact, with an owner.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::{Result, time};

/// How to create the person in Dynamics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SyncAs {
    Lead,
    /// A lead, qualified at once into a contact with no account (R26).
    Contact,
}

/// A pending request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub id: i64,
    pub marketo_id: i64,
    pub sync_as: SyncAs,
    pub owner_id: Option<Uuid>,
    /// `app`, or `list:<id>` for members of the chosen static list.
    pub source: String,
}

fn key(sync_as: SyncAs) -> &'static str {
    match sync_as {
        SyncAs::Lead => "lead",
        SyncAs::Contact => "contact",
    }
}

/// Adds a request unless one for the person is already pending; returns whether it was added.
pub fn add(
    conn: &Connection,
    marketo_id: i64,
    sync_as: SyncAs,
    owner: Option<Uuid>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let added = conn.execute(
        "INSERT INTO person_request (marketo_id, sync_as, owner_id, source, requested_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS
             (SELECT 1 FROM person_request WHERE marketo_id = ?1 AND done_at IS NULL)",
        params![
            marketo_id,
            key(sync_as),
            owner.map(|o| o.to_string()),
            source,
            time(now)
        ],
    )?;
    Ok(added == 1)
}

pub fn pending(conn: &Connection) -> Result<Vec<Request>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, marketo_id, sync_as, owner_id, source FROM person_request WHERE done_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (id, marketo_id, sync_as, owner, source) = row?;
        Ok(Request {
            id,
            marketo_id,
            sync_as: if sync_as == "contact" {
                SyncAs::Contact
            } else {
                SyncAs::Lead
            },
            owner_id: owner.and_then(|o| Uuid::parse_str(&o).ok()),
            source,
        })
    })
    .collect()
}

/// Whether a person was ever requested from a source (so a list member is requested once).
pub fn ever_requested(conn: &Connection, marketo_id: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM person_request WHERE marketo_id = ?1)",
        [marketo_id],
        |r| r.get(0),
    )?)
}

pub fn complete(
    conn: &Connection,
    id: i64,
    outcome: &str,
    dynamics_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE person_request SET done_at = ?2, outcome = ?3, dynamics_id = ?4 WHERE id = ?1",
        params![id, time(now), outcome, dynamics_id.map(|d| d.to_string())],
    )?;
    Ok(())
}

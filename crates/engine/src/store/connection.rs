//! The saved connection (no secrets) and the fingerprints of both sides taken at setup.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, time};
use crate::config::{DynamicsConnection, MarketoConnection};
use crate::model::Side;

/// The connection this data directory syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub dynamics: DynamicsConnection,
    pub marketo: MarketoConnection,
    /// Whether it points at the built-in sandbox.
    pub sandbox: bool,
}

pub fn get(conn: &Connection) -> Result<Option<Saved>> {
    let row: Option<(String, String, bool)> = conn
        .query_row(
            "SELECT dynamics, marketo, sandbox FROM connection WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(d, m, sandbox)| {
        Ok(Saved {
            dynamics: serde_json::from_str(&d)?,
            marketo: serde_json::from_str(&m)?,
            sandbox,
        })
    })
    .transpose()
}

pub fn save(conn: &Connection, saved: &Saved, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO connection (id, dynamics, marketo, sandbox, created_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET dynamics = excluded.dynamics, marketo = excluded.marketo, sandbox = excluded.sandbox",
        params![serde_json::to_string(&saved.dynamics)?, serde_json::to_string(&saved.marketo)?, saved.sandbox, time(now)],
    )?;
    Ok(())
}

/// A side's identity as recorded at setup: the organization id, or the Marketo instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub value: String,
    /// What a person recognises it by (the org's unique name, the Munchkin id).
    pub label: String,
}

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Dynamics => "dynamics",
        Side::Marketo => "marketo",
    }
}

pub fn fingerprint(conn: &Connection, side: Side) -> Result<Option<Fingerprint>> {
    Ok(conn
        .query_row(
            "SELECT value, label FROM fingerprint WHERE side = ?1",
            [side_key(side)],
            |r| {
                Ok(Fingerprint {
                    value: r.get(0)?,
                    label: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn set_fingerprint(
    conn: &Connection,
    side: Side,
    print: &Fingerprint,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO fingerprint (side, value, label, recorded_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (side) DO UPDATE SET value = excluded.value, label = excluded.label, recorded_at = excluded.recorded_at",
        params![side_key(side), print.value, print.label, time(now)],
    )?;
    Ok(())
}

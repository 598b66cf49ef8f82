//! Sync runs: when they ran, what they did per entity, and how they ended.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Result, parse_time, time};

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RunKind {
    /// The very first sync: the full copy (R3).
    FirstSync,
    /// A scheduled cycle, 5 minutes after the previous one ended (R1).
    Cycle,
    /// A cycle the user asked for now.
    QuickSync,
    /// The back-fill of a newly added field or custom entity (R46, R62).
    Backfill,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    Running,
    Succeeded,
    /// Done, but some records were refused (they are in the error list).
    PartlyFailed,
    Failed,
    /// Stopped by the user, a guard or the circuit breaker before the end.
    Stopped,
}

/// Per-entity counts of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, rename_all = "camelCase")]
pub struct RunStats {
    /// Keyed by "<entity> → Marketo" or "<entity> → Dynamics".
    pub flows: BTreeMap<String, Counts>,
    pub marketo_calls: u64,
    pub dynamics_requests: u64,
    /// Dynamics answers of 429 the run waited out.
    pub dynamics_throttled: u64,
}

impl RunStats {
    pub fn flow(&mut self, name: &str) -> &mut Counts {
        self.flows.entry(name.to_owned()).or_default()
    }

    pub fn failed(&self) -> u64 {
        self.flows.values().map(|c| c.failed).sum()
    }
}

/// One run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: i64,
    pub kind: RunKind,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub stats: RunStats,
    pub message: Option<String>,
}

fn key<T: Serialize>(value: T) -> Result<String> {
    Ok(serde_json::to_value(value)?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

pub fn start(conn: &Connection, kind: RunKind, now: DateTime<Utc>) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO run (kind, started_at, status) VALUES (?1, ?2, 'running') RETURNING id",
        params![key(kind)?, time(now)],
        |r| r.get(0),
    )?)
}

pub fn save_stats(conn: &Connection, id: i64, stats: &RunStats) -> Result<()> {
    conn.execute(
        "UPDATE run SET stats = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(stats)?],
    )?;
    Ok(())
}

pub fn finish(
    conn: &Connection,
    id: i64,
    status: RunStatus,
    stats: &RunStats,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE run SET status = ?2, stats = ?3, message = ?4, ended_at = ?5 WHERE id = ?1",
        params![
            id,
            key(status)?,
            serde_json::to_string(stats)?,
            message,
            time(now)
        ],
    )?;
    Ok(())
}

/// Runs left `running` by a process that died: they ended when it did.
pub fn close_abandoned(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE run SET status = 'stopped', ended_at = ?1, message = 'Dynasync stopped during this run; the next run resumed it'
         WHERE status = 'running'",
        [time(now)],
    )?)
}

/// The latest runs, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Run>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, started_at, ended_at, status, stats, message FROM run ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (id, kind, started, ended, status, stats, message) = row?;
        Ok(Run {
            id,
            kind: serde_json::from_value(serde_json::Value::String(kind))?,
            started_at: parse_time(&started)?,
            ended_at: ended.as_deref().map(parse_time).transpose()?,
            status: serde_json::from_value(serde_json::Value::String(status))?,
            stats: serde_json::from_str(&stats)?,
            message,
        })
    })
    .collect()
}

/// Whether a full first sync has ever completed.
pub fn first_sync_done(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM run WHERE kind = 'firstSync' AND status IN ('succeeded', 'partlyFailed'))",
        [],
        |r| r.get(0),
    )?)
}

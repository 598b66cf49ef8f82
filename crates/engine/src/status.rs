//! What the sync is doing, as the dashboard, the tray and `dynasync status` show it. Published on a
//! `watch` channel: readers always see the latest state and never block the engine.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::runs::RunKind;

/// The sync's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    /// No connection saved yet: the setup wizard comes first.
    NotConfigured,
    /// Waiting for the next cycle.
    Idle,
    Syncing,
    /// Paused by the user, or until Marketo's daily quota resets.
    Paused,
    /// Stopped by a guard; it says why and what to do.
    Stopped,
}

/// Why the sync is paused or stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StopCode {
    /// The user paused it.
    PausedByUser,
    /// Marketo's daily API quota (less the reserve) is used up; the sync resumes after the reset.
    QuotaExhausted,
    /// The Dynamics organization is not the one set up (sandbox refresh, another org): R90-R93.
    OrganizationChanged,
    /// The Marketo instance is not the one set up (instance copy, another instance): R91, R93.
    MarketoInstanceChanged,
    /// This cycle would overwrite more records than allowed at once: confirm to go on.
    CircuitBreaker,
    /// A side refuses the credentials: reconnect.
    AuthFailed,
    /// A synced Dynamics column no longer exists: review the fields (R50).
    FieldDeleted,
    /// A side cannot be reached; the next cycle tries again.
    Unreachable,
    /// Something unexpected; the details say what.
    Internal,
}

/// A pause or stop, with details for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StopReason {
    pub code: StopCode,
    pub detail: String,
}

impl StopReason {
    pub fn new(code: StopCode, detail: impl Into<String>) -> StopReason {
        StopReason {
            code,
            detail: detail.into(),
        }
    }
}

/// What a run is doing with an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Copying every record: the first sync, or a newly enabled custom entity.
    FirstCopy,
    /// Applying what changed since the last cycle.
    Changes,
    /// Filling fields added after the first sync (R46).
    Backfill,
}

/// Where one entity is in the current run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EntityProgress {
    pub entity: String,
    pub phase: Phase,
    pub done: u64,
    /// Known once the entity's records are counted (first sync, back-fills).
    pub total: Option<u64>,
    pub eta_seconds: Option<u64>,
}

/// The run in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    pub run_id: i64,
    pub kind: RunKind,
    pub started_at: DateTime<Utc>,
    pub entities: Vec<EntityProgress>,
}

/// Marketo's daily API budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub used_today: u32,
    pub quota: u32,
    /// Calls kept back for other integrations; the sync stops before using them.
    pub reserve: u32,
    /// Midnight US Central.
    pub resets_at: DateTime<Utc>,
}

/// Everything the status shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub state: SyncState,
    pub reason: Option<StopReason>,
    pub next_cycle_at: Option<DateTime<Utc>>,
    pub run: Option<RunProgress>,
    pub last_run_ended_at: Option<DateTime<Utc>>,
    pub budget: Option<Budget>,
    /// Whether the connection is the built-in sandbox.
    pub sandbox: bool,
}

impl Status {
    pub fn not_configured() -> Status {
        Status {
            state: SyncState::NotConfigured,
            reason: None,
            next_cycle_at: None,
            run: None,
            last_run_ended_at: None,
            budget: None,
            sandbox: false,
        }
    }
}

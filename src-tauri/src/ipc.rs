//! The types that cross the IPC boundary, and their TypeScript bindings.
//!
//! The web UI imports `ui/src/lib/ipc/bindings.ts`, generated from these types by
//! [`typescript_bindings`]; a test fails when the file is stale (`cargo xtask bindings` rewrites it).

use dynasync_engine::EngineError;
use dynasync_engine::rules::Rule;
use dynasync_engine::setup::form::{FieldError, FieldProblem, FormField};
use dynasync_engine::status::{
    Budget, EntityProgress, RunProgress, Status, StopCode, StopReason, SyncState,
};
use dynasync_engine::store::errors::RecordError;
use dynasync_engine::store::journal::{Entry, Flow};
use dynasync_engine::store::runs::{Counts, Run, RunKind, RunStats, RunStatus};
use dynasync_engine::value::Value;
use dynasync_secrets::{Backend, KeychainError};
use serde::Serialize;
use ts_rs::TS;

/// What the UI can branch on when a command fails. A variant is added only when the UI needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// A bug or an unexpected failure: the UI shows the message and offers nothing to fix.
    Internal,
    /// Some form fields are wrong: `fields` says which and why.
    InvalidInput,
    /// Dynasync is not set up yet.
    NotConfigured,
    /// Another process syncs this data.
    Busy,
    /// The OS keychain refused.
    Keychain,
}

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalidInput`: each wrong field and its problem.
    pub fields: Vec<FieldError>,
}

impl IpcError {
    fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<tauri::Error> for IpcError {
    fn from(error: tauri::Error) -> Self {
        IpcError::new(ErrorCode::Internal, error.to_string())
    }
}

impl From<EngineError> for IpcError {
    fn from(error: EngineError) -> Self {
        let message = error.to_string();
        match error {
            EngineError::Invalid(fields) => IpcError {
                code: ErrorCode::InvalidInput,
                message,
                fields,
            },
            EngineError::NotConfigured => IpcError::new(ErrorCode::NotConfigured, message),
            EngineError::Setup(_) => IpcError::new(ErrorCode::InvalidInput, message),
            EngineError::Locked(_) => IpcError::new(ErrorCode::Busy, message),
            EngineError::Keychain(_) => IpcError::new(ErrorCode::Keychain, message),
            EngineError::Store(_) | EngineError::Internal(_) => {
                IpcError::new(ErrorCode::Internal, message)
            }
        }
    }
}

/// The answer to `startup_check`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartupReport {
    pub app_version: String,
    pub keychain: KeychainStatus,
}

impl StartupReport {
    pub(crate) fn new(keychain: Result<Backend, KeychainError>) -> Self {
        let keychain = match keychain {
            Ok(backend) => KeychainStatus::Ready {
                backend: backend.display_name().to_owned(),
            },
            Err(error) => KeychainStatus::Unavailable {
                message: error.to_string(),
            },
        };
        StartupReport {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            keychain,
        }
    }
}

/// Whether secrets can be kept in the OS keychain.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum KeychainStatus {
    /// The round trip worked in the named keychain.
    Ready { backend: String },
    /// Secrets cannot be stored; the message says why and what to do.
    Unavailable { message: String },
}

/// The TypeScript declarations of every IPC type, as committed in `ui/src/lib/ipc/bindings.ts`.
pub fn typescript_bindings() -> String {
    // 64-bit ids and counts travel as JSON numbers, well inside JavaScript's safe integers.
    let cfg = ts_rs::Config::default().with_large_int("number");
    let decls = [
        ErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
        FieldError::decl(&cfg),
        FormField::decl(&cfg),
        FieldProblem::decl(&cfg),
        KeychainStatus::decl(&cfg),
        StartupReport::decl(&cfg),
        Status::decl(&cfg),
        SyncState::decl(&cfg),
        StopReason::decl(&cfg),
        StopCode::decl(&cfg),
        RunProgress::decl(&cfg),
        EntityProgress::decl(&cfg),
        Budget::decl(&cfg),
        Run::decl(&cfg),
        RunKind::decl(&cfg),
        RunStatus::decl(&cfg),
        RunStats::decl(&cfg),
        Counts::decl(&cfg),
        RecordError::decl(&cfg),
        Entry::decl(&cfg),
        Flow::decl(&cfg),
        Rule::decl(&cfg),
        Value::decl(&cfg),
        serde_json::Value::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust IPC types (src-tauri/src/ipc.rs) by `cargo xtask bindings`.\n\
         // Do not edit: a test fails when this file differs from what the Rust types produce.\n",
    );
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

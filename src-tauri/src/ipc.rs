//! The types that cross the IPC boundary, and their TypeScript bindings.
//!
//! The web UI imports `ui/src/lib/ipc/bindings.ts`, generated from these types by
//! [`typescript_bindings`]; a test fails when the file is stale (`cargo xtask bindings` rewrites it).

use dynasync_secrets::{Backend, KeychainError};
use serde::Serialize;
use ts_rs::TS;

/// What the UI can branch on when a command fails. A variant is added only when the UI needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// A bug or an unexpected failure: the UI shows the message and offers nothing to fix.
    Internal,
}

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<tauri::Error> for IpcError {
    fn from(error: tauri::Error) -> Self {
        IpcError {
            code: ErrorCode::Internal,
            message: error.to_string(),
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
    let cfg = ts_rs::Config::default();
    let decls = [
        ErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
        KeychainStatus::decl(&cfg),
        StartupReport::decl(&cfg),
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

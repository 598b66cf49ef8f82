//! The types that cross the IPC boundary, and their TypeScript bindings.
//!
//! The web UI imports `ui/src/lib/ipc/bindings.ts`, generated from these types by
//! [`typescript_bindings`]; a test fails when the file is stale (`cargo xtask bindings` rewrites it).

use dynasync_engine::people::{DynamicsUser, MarketoPersonSummary, PersonRequest};
use dynasync_engine::preview::Preview;
use dynasync_engine::setup::catalog::{CustomEntityOption, EntityFields};
use dynasync_engine::setup::checks::CheckReport;
use dynasync_engine::setup::flow::{Selection, SetupState, SyncOptions};
use dynasync_engine::setup::form::{DynamicsForm, FieldError, MarketoForm};
use dynasync_engine::status::Status;
use dynasync_engine::store::errors::RecordError;
use dynasync_engine::store::journal::Entry;
use dynasync_engine::store::requests::SyncAs;
use dynasync_engine::store::runs::Run;
use dynasync_engine::{EngineError, MarketoList, Overview};
use dynasync_secrets::{Backend, KeychainError};
use serde::Serialize;
use ts_rs::TS;

use crate::sandbox::{SandboxPrefill, SandboxRestore};
use crate::sandbox_control::{SandboxEdit, SandboxFaults, SandboxView};

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
    /// Dynamics or Marketo refused or failed the request; `message` says which and why.
    Service,
    /// A run stopped before its end (a guard, the quota, a side refusing); `message` says why.
    Stopped,
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
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
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

impl From<std::io::Error> for IpcError {
    fn from(error: std::io::Error) -> Self {
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
            EngineError::Service { .. } => IpcError::new(ErrorCode::Service, message),
            EngineError::Stopped(_) => IpcError::new(ErrorCode::Stopped, message),
            EngineError::Store(_) | EngineError::Internal(_) => {
                IpcError::new(ErrorCode::Internal, message)
            }
        }
    }
}

/// How the app was started.
#[derive(Debug, Clone, Copy, Default)]
pub struct LaunchOptions {
    /// `--sandbox` (what `cargo xtask demo` passes): the welcome step picks the sandbox at once.
    pub auto_sandbox: bool,
    /// `DYNASYNC_REPORT_READY=1`: print a line when the UI has painted (for `cargo xtask bench`).
    pub report_ready: bool,
}

impl LaunchOptions {
    pub fn from_env() -> LaunchOptions {
        LaunchOptions {
            auto_sandbox: std::env::args().any(|a| a == "--sandbox"),
            report_ready: std::env::var_os("DYNASYNC_REPORT_READY").is_some(),
        }
    }
}

/// The answer to `startup_check`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartupReport {
    pub app_version: String,
    pub keychain: KeychainStatus,
    /// What became of a sandbox setup saved by an earlier launch.
    pub sandbox_restore: SandboxRestore,
    /// Go straight to the sandbox (started with `--sandbox`).
    pub auto_sandbox: bool,
}

impl StartupReport {
    pub(crate) fn new(
        keychain: Result<Backend, KeychainError>,
        sandbox_restore: SandboxRestore,
        launch: &LaunchOptions,
    ) -> Self {
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
            sandbox_restore,
            auto_sandbox: launch.auto_sandbox,
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

/// Collects the declaration of each type once, with every type it depends on.
struct Declarations {
    cfg: ts_rs::Config,
    seen: std::collections::HashSet<String>,
    /// Keyed by type name: the file lists them by name, whatever order the compiler visits them in.
    out: std::collections::BTreeMap<String, String>,
}

impl ts_rs::TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only declared types have an output path; built-ins (string, number...) have none.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.cfg);
        if !self.seen.insert(name.clone()) {
            return;
        }
        self.out.insert(name, T::decl(&self.cfg));
        T::visit_dependencies(self);
    }
}

/// The TypeScript declarations of every IPC type, as committed in `ui/src/lib/ipc/bindings.ts`:
/// the types commands take and answer, and everything they refer to.
pub fn typescript_bindings() -> String {
    use ts_rs::TypeVisitor;
    // 64-bit ids and counts travel as JSON numbers, well inside JavaScript's safe integers.
    let mut declarations = Declarations {
        cfg: ts_rs::Config::default().with_large_int("number"),
        seen: std::collections::HashSet::new(),
        out: std::collections::BTreeMap::new(),
    };
    declarations.visit::<IpcError>();
    declarations.visit::<StartupReport>();
    declarations.visit::<Status>();
    declarations.visit::<Run>();
    declarations.visit::<RecordError>();
    declarations.visit::<Entry>();
    declarations.visit::<Overview>();
    declarations.visit::<SetupState>();
    declarations.visit::<SandboxPrefill>();
    declarations.visit::<DynamicsForm>();
    declarations.visit::<MarketoForm>();
    declarations.visit::<CheckReport>();
    declarations.visit::<EntityFields>();
    declarations.visit::<CustomEntityOption>();
    declarations.visit::<Selection>();
    declarations.visit::<SyncOptions>();
    declarations.visit::<MarketoList>();
    declarations.visit::<Preview>();
    declarations.visit::<MarketoPersonSummary>();
    declarations.visit::<DynamicsUser>();
    declarations.visit::<PersonRequest>();
    declarations.visit::<SyncAs>();
    declarations.visit::<SandboxView>();
    declarations.visit::<SandboxEdit>();
    declarations.visit::<SandboxFaults>();
    let mut out = String::from(
        "// Generated from the Rust IPC types (src-tauri/src/ipc.rs) by `cargo xtask bindings`.\n\
         // Do not edit: a test fails when this file differs from what the Rust types produce.\n",
    );
    for decl in declarations.out.values() {
        out.push_str("\nexport ");
        out.push_str(decl);
        out.push('\n');
    }
    out
}

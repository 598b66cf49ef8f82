//! What the engine's API can fail with. The app maps it to `{ code, message }` for the UI and the
//! CLI to its exit codes, by variant, never by message text.

use dynasync_secrets::KeychainError;

use crate::lock::Locked;
use crate::setup::form::FieldError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    Locked(#[from] Locked),
    /// A form's fields are wrong; nothing was contacted or saved.
    #[error("{} field(s) need attention", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("Dynasync is not set up yet: complete the setup first")]
    NotConfigured,
    /// A setup choice that cannot be honoured (a secured column, an ineligible entity...).
    #[error("{0}")]
    Setup(String),
    /// Dynamics or Marketo refused or failed a request made for the user (not by a sync cycle).
    #[error("{}: {message}", side.name())]
    Service {
        side: crate::model::Side,
        message: String,
        /// The service could not be reached or was busy: trying again later may work.
        passing: bool,
    },
    /// A run stopped before its end (a guard, a side refusing or unreachable, the quota).
    #[error("{}", .0.detail)]
    Stopped(crate::status::StopReason),
    #[error("{0}")]
    Internal(String),
}

impl From<dynasync_dynamics::Error> for EngineError {
    fn from(error: dynasync_dynamics::Error) -> Self {
        EngineError::Service {
            side: crate::model::Side::Dynamics,
            passing: error.is_retryable(),
            message: error.to_string(),
        }
    }
}

impl From<dynasync_marketo::Error> for EngineError {
    fn from(error: dynasync_marketo::Error) -> Self {
        EngineError::Service {
            side: crate::model::Side::Marketo,
            passing: error.is_retryable(),
            message: error.to_string(),
        }
    }
}

impl From<tokio::task::JoinError> for EngineError {
    fn from(error: tokio::task::JoinError) -> Self {
        EngineError::Internal(format!("a background task failed: {error}"))
    }
}

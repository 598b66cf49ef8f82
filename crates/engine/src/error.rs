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
    #[error("{0}")]
    Internal(String),
}

impl From<tokio::task::JoinError> for EngineError {
    fn from(error: tokio::task::JoinError) -> Self {
        EngineError::Internal(format!("a background task failed: {error}"))
    }
}

//! Dynasync's secrets: client secrets and passwords for Dynamics and Marketo.
//!
//! Secrets live only in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux). They leave it only to go into a request: [`Secret`] cannot be serialized and
//! prints `<redacted>`, so it cannot reach a log, a JSON answer to the UI or a config file by accident.
//! [`Keychain::check`] is the startup round trip that turns a missing keychain into a clear error
//! instead of secrets that silently vanish.

mod keychain;
#[cfg(any(test, feature = "test-support"))]
mod memory;
mod secret;

pub use keychain::{Backend, Keychain, KeychainError, SecretStore};
#[cfg(any(test, feature = "test-support"))]
pub use memory::MemoryStore;
pub use secret::Secret;

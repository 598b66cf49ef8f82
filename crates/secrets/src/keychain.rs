//! The OS keychain behind a small store interface.
//!
//! Each secret is one keychain entry: service `dynasync` (or the name given to [`Keychain::open`]),
//! account = the secret's name, e.g. `dynamics/client-secret`. Calls block on the platform service
//! (D-Bus on Linux), so async callers run them on a blocking thread.

use std::fmt;

use crate::Secret;

/// Where secrets are kept. [`Keychain`] in the app and the CLI; tests may use an in-memory store.
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// Stores (or replaces) the secret under `name`.
    fn store(&self, name: &str, secret: &Secret) -> Result<(), KeychainError>;
    /// The secret stored under `name`, or `None` if there is none.
    fn read(&self, name: &str) -> Result<Option<Secret>, KeychainError>;
    /// Removes the secret under `name`; removing a missing secret is not an error.
    fn delete(&self, name: &str) -> Result<(), KeychainError>;
    /// The platform back-end behind this store.
    fn backend(&self) -> Backend;

    /// The startup round trip: stores a probe secret, reads it back and deletes it.
    ///
    /// # Errors
    /// [`KeychainError::Unavailable`] with an actionable message when there is no keychain service,
    /// [`KeychainError::MockBackend`] when only an in-memory store would keep the secrets, and the
    /// other variants when the keychain misbehaves.
    fn check(&self) -> Result<Backend, KeychainError> {
        let backend = self.backend();
        if backend == Backend::Mock {
            return Err(KeychainError::MockBackend);
        }
        let name = "dynasync-startup-check";
        let probe = Secret::new(format!(
            "probe-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        self.store(name, &probe)?;
        let read = self.read(name)?;
        self.delete(name)?;
        match read {
            Some(value) if value == probe => Ok(backend),
            _ => Err(KeychainError::RoundTripMismatch),
        }
    }
}

/// Which platform keychain holds the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) over D-Bus.
    SecretService,
    /// The macOS login keychain.
    MacKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
    /// keyring's in-memory mock: secrets would be lost at exit. Never acceptable outside tests.
    Mock,
    /// Something this build does not know.
    Unknown,
}

impl Backend {
    /// The name a user knows the keychain by.
    pub fn display_name(self) -> &'static str {
        match self {
            Backend::SecretService => "Secret Service",
            Backend::MacKeychain => "macOS Keychain",
            Backend::WindowsCredentialManager => "Windows Credential Manager",
            Backend::Mock => "in-memory mock keychain",
            Backend::Unknown => "unknown keychain",
        }
    }
}

/// Why the keychain could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// There is no usable keychain service in this session.
    #[error("{}: {detail}", unavailable_summary())]
    Unavailable { detail: String },
    /// The keychain exists but refused access (locked, or access denied).
    #[error("the {} refused access: {detail}. Unlock it and try again", Backend::expected().display_name())]
    Locked { detail: String },
    /// A secret was stored but reading it back gave something else.
    #[error("the {} did not give back the secret that was stored in it", Backend::expected().display_name())]
    RoundTripMismatch,
    /// Only an in-memory mock keychain is available, which would lose every secret at exit.
    #[error(
        "only an in-memory keychain is available, which would lose every secret when Dynasync exits"
    )]
    MockBackend,
    /// Anything else the platform reported.
    #[error("keychain error: {0}")]
    Other(String),
}

impl KeychainError {
    /// Whether the cause is that no keychain can be reached at all (as opposed to one entry).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            KeychainError::Unavailable { .. } | KeychainError::MockBackend
        )
    }
}

fn unavailable_summary() -> &'static str {
    match Backend::expected() {
        Backend::SecretService => {
            "no Secret Service on this desktop session (start GNOME Keyring, KWallet or KeePassXC's \
             Secret Service, then restart Dynasync)"
        }
        Backend::MacKeychain => "the macOS Keychain is not available",
        Backend::WindowsCredentialManager => "the Windows Credential Manager is not available",
        Backend::Mock | Backend::Unknown => "no keychain is available on this system",
    }
}

impl Backend {
    /// The back-end this platform build is meant to use.
    fn expected() -> Backend {
        if cfg!(target_os = "macos") {
            Backend::MacKeychain
        } else if cfg!(target_os = "windows") {
            Backend::WindowsCredentialManager
        } else if cfg!(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "openbsd"
        )) {
            Backend::SecretService
        } else {
            Backend::Unknown
        }
    }
}

impl From<keyring::Error> for KeychainError {
    fn from(error: keyring::Error) -> Self {
        match error {
            keyring::Error::PlatformFailure(e) => KeychainError::Unavailable {
                detail: e.to_string(),
            },
            keyring::Error::NoStorageAccess(e) => {
                let detail = e.to_string();
                // The Secret Service answers "no result" when its default collection does not exist
                // and cannot be created (no keyring daemon, or no prompter): that is "unavailable".
                if detail.to_ascii_lowercase().contains("no result")
                    || detail.contains("was not provided by any .service files")
                {
                    KeychainError::Unavailable { detail }
                } else {
                    KeychainError::Locked { detail }
                }
            }
            other => KeychainError::Other(other.to_string()),
        }
    }
}

/// The OS keychain, holding every secret of one Dynasync installation under one service name.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// The keychain entries of `service` (the app and the CLI use `dynasync`).
    pub fn open(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, KeychainError> {
        Ok(keyring::Entry::new(&self.service, name)?)
    }
}

fn backend_of(entry: &keyring::Entry) -> Backend {
    let credential = entry.get_credential();
    if credential
        .downcast_ref::<keyring::mock::MockCredential>()
        .is_some()
    {
        return Backend::Mock;
    }
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    if credential
        .downcast_ref::<keyring::secret_service::SsCredential>()
        .is_some()
    {
        return Backend::SecretService;
    }
    #[cfg(target_os = "macos")]
    if credential
        .downcast_ref::<keyring::macos::MacCredential>()
        .is_some()
    {
        return Backend::MacKeychain;
    }
    #[cfg(target_os = "windows")]
    if credential
        .downcast_ref::<keyring::windows::WinCredential>()
        .is_some()
    {
        return Backend::WindowsCredentialManager;
    }
    Backend::Unknown
}

impl SecretStore for Keychain {
    fn store(&self, name: &str, secret: &Secret) -> Result<(), KeychainError> {
        Ok(self.entry(name)?.set_password(secret.expose())?)
    }

    fn read(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn backend(&self) -> Backend {
        match self.entry("dynasync-backend-probe") {
            Ok(entry) => backend_of(&entry),
            Err(_) => Backend::Unknown,
        }
    }
}

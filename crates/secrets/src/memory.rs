//! An in-memory [`SecretStore`] for tests of the crates above this one.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{Backend, KeychainError, Secret, SecretStore};

/// Keeps secrets in a map. Only for tests: the app and the CLI use [`crate::Keychain`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret>>,
}

impl SecretStore for MemoryStore {
    fn store(&self, name: &str, secret: &Secret) -> Result<(), KeychainError> {
        self.entries
            .lock()
            .unwrap()
            .insert(name.to_owned(), secret.clone());
        Ok(())
    }

    fn read(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        Ok(self.entries.lock().unwrap().get(name).cloned())
    }

    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        self.entries.lock().unwrap().remove(name);
        Ok(())
    }

    /// Reported as [`Backend::Mock`]: these secrets would be lost at exit, so
    /// [`SecretStore::check`] refuses it like keyring's own mock.
    fn backend(&self) -> Backend {
        Backend::Mock
    }
}

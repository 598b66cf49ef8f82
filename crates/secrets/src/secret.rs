//! The secret value type.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A password or client secret.
///
/// `Debug` prints `<redacted>`; there is no `Display` and no `Serialize`, so the only way to the
/// value is [`Secret::expose`], at the point where it goes into a request or the keychain. It can be
/// deserialized, because the UI sends a secret once on its way to the keychain. The memory is wiped
/// when the value is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself, for the request or keychain call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string (never a valid credential).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static_assertions::assert_not_impl_any!(Secret: serde::Serialize, fmt::Display);

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Credentials {
            client_secret: Secret,
        }
        let printed = format!(
            "{:?}",
            Credentials {
                client_secret: secret
            }
        );
        assert!(
            !printed.contains("hunter2"),
            "a struct holding a secret leaked it: {printed}"
        );
    }

    #[test]
    fn a_secret_arrives_from_json_and_exposes_its_value() {
        let secret: Secret = serde_json::from_str("\"s3cr3t\"").unwrap();
        assert_eq!(secret.expose(), "s3cr3t");
        assert!(!secret.is_empty());
    }
}

//! What can go wrong talking to Dataverse and Entra ID, classified so that callers branch on
//! methods (`is_retryable`, `is_validation`, ...) rather than on message text.

use std::time::Duration;

/// An error from the Dataverse Web API, the Entra ID token endpoint or the way there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Dataverse answered with an error (`{"error":{"code","message"}}`).
    #[error("Dataverse answered {status}: {message}{}", code_suffix(.code))]
    Api {
        status: u16,
        /// The hex code, e.g. `0x80040265`; empty in some answers.
        code: String,
        message: String,
        /// The `Retry-After` of a 429.
        retry_after: Option<Duration>,
    },
    /// Entra ID refused to issue a token.
    #[error("sign-in to Microsoft Entra ID failed ({error}{}): {description}", aadsts_suffix(.aadsts))]
    Auth {
        status: u16,
        /// The OAuth `error` value, e.g. `invalid_client`.
        error: String,
        /// The first of `error_codes`, e.g. 7000215.
        aadsts: Option<u32>,
        /// The first line of `error_description`.
        description: String,
    },
    /// No answer: connection refused, dropped, timed out.
    #[error("could not reach {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// An answer that does not have the documented shape; `path` is where decoding failed.
    #[error("unexpected answer at {path}: {message}")]
    Decode { path: String, message: String },
    /// A request the client refuses to send.
    #[error("{0}")]
    InvalidInput(String),
}

fn code_suffix(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" ({code})")
    }
}

fn aadsts_suffix(code: &Option<u32>) -> String {
    code.map(|c| format!(", AADSTS{c}")).unwrap_or_default()
}

/// Codes of 400 answers that mean the request itself is malformed (a bug), not that the record's
/// data was refused.
const MALFORMED: &[&str] = &["0x80060888"];

impl Error {
    /// The HTTP status of an answered request.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Auth { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Dataverse hex code (`0x80040265`), when the answer had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }

    /// The message Dataverse or Entra ID gave.
    pub fn message(&self) -> String {
        match self {
            Error::Api { message, .. } => message.clone(),
            Error::Auth { description, .. } => description.clone(),
            other => other.to_string(),
        }
    }

    /// Trying again later may succeed: throttling, server errors, transport failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, code, .. } => {
                *status == 429 || (*status >= 500 && code != "0x80040333")
            }
            Error::Auth { status, error, .. } => {
                *status >= 500 || error == "temporarily_unavailable"
            }
            Error::Transport { .. } => true,
            Error::Decode { .. } | Error::InvalidInput(_) => false,
        }
    }

    /// How long Dataverse asked to wait (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Credentials were refused or a token was not accepted: needs the user, not a retry.
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Auth { error, .. } => error != "temporarily_unavailable",
            Error::Api { status, .. } => *status == 401,
            _ => false,
        }
    }

    /// The record's data was refused: a plug-in or validation rule, a too-long value, a value out
    /// of range, a duplicate. Log it against the record and go on; retrying will not help.
    pub fn is_validation(&self) -> bool {
        match self {
            Error::Api {
                status: 400, code, ..
            } => !MALFORMED.contains(&code.as_str()),
            Error::Api {
                status: 500, code, ..
            } => code == "0x80040333",
            _ => false,
        }
    }

    /// The caller lacks a privilege or field-level permission (403).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Api { status: 403, .. })
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status: 404, .. })
    }

    /// An `If-Match` / `If-None-Match` condition failed (412).
    pub fn is_precondition_failed(&self) -> bool {
        matches!(self, Error::Api { status: 412, .. })
    }

    /// Service protection refused the request (429).
    pub fn is_throttled(&self) -> bool {
        matches!(self, Error::Api { status: 429, .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> Error {
        Error::Api {
            status,
            code: code.into(),
            message: "m".into(),
            retry_after: None,
        }
    }

    #[test]
    fn classification_follows_status_and_code() {
        let plugin = api(400, "0x80040265");
        assert!(plugin.is_validation() && !plugin.is_retryable());
        let duplicate = api(500, "0x80040333");
        assert!(
            duplicate.is_validation() && !duplicate.is_retryable(),
            "duplicate detection answers 500 but is the record's fault"
        );
        let malformed = api(400, "0x80060888");
        assert!(
            !malformed.is_validation(),
            "a malformed query is a bug, not a refused record"
        );
        assert!(api(503, "").is_retryable());
        assert!(api(429, "0x80072322").is_throttled() && api(429, "").is_retryable());
        assert!(api(401, "").is_auth());
        assert!(api(403, "0x8004F50A").is_forbidden());
        assert!(api(404, "").is_not_found() && api(412, "").is_precondition_failed());
        assert_eq!(api(400, "").code(), None, "an empty code is no code");
    }

    #[test]
    fn auth_errors_name_the_aadsts_code() {
        let e = Error::Auth {
            status: 401,
            error: "invalid_client".into(),
            aadsts: Some(7_000_215),
            description: "Invalid client secret provided.".into(),
        };
        assert!(e.is_auth() && !e.is_retryable());
        assert!(e.to_string().contains("AADSTS7000215"), "{e}");
    }
}

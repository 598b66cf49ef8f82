//! Errors of the client, with the classifications the engine branches on instead of messages.
//!
//! Marketo answers HTTP 200 with `success: false` for response-level errors (`error-codes.md`);
//! those become [`Error::Api`], [`Error::Quota`] or [`Error::RateLimited`]. Record-level outcomes
//! are not errors: they come back as [`crate::RecordOutcome`]s.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Response-level codes worth sending again later: 502 Bad Gateway, 604 Request time-out, 606 rate
/// limit, 608 API Temporarily Unavailable, 611 System error, 615 concurrency limit, 713 Transient
/// Error (`error-codes.md`; the same set `marketorestpython` retries).
pub(crate) const RETRYABLE_CODES: [u32; 7] = [502, 604, 606, 608, 611, 615, 713];

/// Everything that can go wrong talking to Marketo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A response-level error (`success: false`).
    #[error("Marketo error {code}: {message}")]
    Api {
        code: u32,
        message: String,
        request_id: Option<String>,
    },
    /// The daily API quota (607) or the daily export quota (1029) is used up.
    #[error("Marketo quota reached ({code}: {message}); it resets at {resets_at}")]
    Quota {
        code: u32,
        message: String,
        resets_at: DateTime<Utc>,
    },
    /// The call would use the part of the daily quota kept for other integrations: not sent.
    #[error(
        "Marketo's daily quota is used up but for the {reserve} calls kept for other integrations ({used_today} used today); it resets at {resets_at}"
    )]
    Reserved {
        used_today: u64,
        reserve: u32,
        resets_at: DateTime<Utc>,
    },
    /// The rate (606) or concurrency (615) limit still refused the call after every retry.
    #[error("Marketo kept refusing the call after {attempts} attempts ({code}: {message})")]
    RateLimited {
        code: u32,
        message: String,
        attempts: u32,
    },
    /// Identity refused the client id and secret, or a renewed token was refused again.
    #[error("Marketo authentication failed: {0}")]
    Auth(String),
    /// An HTTP-level error: 413 (body over 1 MB), 414 (URI over 8 KB), a gateway 5xx.
    #[error("HTTP {status} from Marketo: {body}")]
    Http { status: u16, body: String },
    /// Marketo could not be reached, or the connection broke.
    #[error("could not reach Marketo: {0}")]
    Transport(#[source] reqwest::Error),
    /// The answer did not have the documented shape.
    #[error("unexpected answer from Marketo at {path}: {message}")]
    Decode { path: String, message: String },
    /// The request cannot be sent as asked (checked before calling).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl Error {
    /// Whether sending the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { code, .. } => RETRYABLE_CODES.contains(code),
            Error::RateLimited { .. } | Error::Transport(_) => true,
            Error::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// How long to wait before trying again, when Marketo's rules say: until the quota resets,
    /// or one rate window.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Quota { resets_at, .. } | Error::Reserved { resets_at, .. } => {
                Some((*resets_at - Utc::now()).to_std().unwrap_or_default())
            }
            Error::RateLimited { .. } => Some(Duration::from_secs(20)),
            _ => None,
        }
    }

    /// Whether the credentials or the token are at fault (bad client, 601/602 after a renewal,
    /// 603 access denied).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(_))
            || matches!(
                self,
                Error::Api {
                    code: 601..=603,
                    ..
                }
            )
    }

    /// Whether a daily quota is used up; see [`Error::quota_resets_at`].
    pub fn is_quota(&self) -> bool {
        matches!(self, Error::Quota { .. } | Error::Reserved { .. })
    }

    /// When the used-up quota resets (12:00 AM US Central).
    pub fn quota_resets_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Error::Quota { resets_at, .. } | Error::Reserved { resets_at, .. } => Some(*resets_at),
            _ => None,
        }
    }

    /// Whether the rate or concurrency limit refused the call.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
            || matches!(
                self,
                Error::Api {
                    code: 606 | 615,
                    ..
                }
            )
    }

    /// The Marketo error code, for response-level errors.
    pub fn code(&self) -> Option<u32> {
        match self {
            Error::Api { code, .. }
            | Error::Quota { code, .. }
            | Error::RateLimited { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The human-readable reason.
    pub fn message(&self) -> String {
        match self {
            Error::Api { message, .. }
            | Error::Quota { message, .. }
            | Error::RateLimited { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifications_follow_the_code() {
        let api = |code| Error::Api {
            code,
            message: String::new(),
            request_id: None,
        };
        assert!(api(606).is_rate_limited() && api(606).is_retryable());
        assert!(api(615).is_retryable());
        assert!(!api(1003).is_retryable() && api(1003).code() == Some(1003));
        assert!(api(601).is_auth());
        let quota = Error::Quota {
            code: 607,
            message: "Daily quota reached".into(),
            resets_at: Utc::now() + chrono::Duration::hours(2),
        };
        assert!(quota.is_quota() && !quota.is_retryable());
        let wait = quota.retry_after().unwrap();
        assert!(wait > Duration::from_secs(7000) && wait <= Duration::from_secs(7200));
        assert!(
            Error::Http {
                status: 502,
                body: String::new()
            }
            .is_retryable()
        );
        assert!(
            !Error::Http {
                status: 413,
                body: String::new()
            }
            .is_retryable()
        );
    }
}

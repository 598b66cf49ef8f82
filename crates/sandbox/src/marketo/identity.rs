//! The Identity service (`authentication.md`, `swagger-identity.json`) and access-token checks.
//!
//! `GET|POST /identity/oauth/token?grant_type=client_credentials&client_id=..&client_secret=..`
//! returns a token living 3,600 s (configurable); asking again before it expires returns the same
//! token with its remaining lifetime. A REST call with an unknown or revoked token gets 601, with an
//! expired one 602. Identity calls are not counted against the limits.

use std::collections::HashMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use serde_json::json;

use super::api::ApiError;

/// Where the token is accepted: the `Authorization: Bearer` header, and the deprecated
/// `access_token` parameter (removed 2026-08-31 per `authentication.md`, still accepted here).
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    inner: Mutex<Issued>,
}

#[derive(Debug, Default)]
struct Issued {
    current: Option<(String, DateTime<Utc>)>,
    /// Every token ever issued: its expiry, or `None` once revoked.
    known: HashMap<String, Option<DateTime<Utc>>>,
}

impl Tokens {
    /// The live token and its remaining seconds, issuing a new one when there is none.
    pub(crate) fn issue(&self, now: DateTime<Utc>, lifetime_secs: u32) -> (String, i64) {
        let mut issued = self.inner.lock();
        if let Some((token, expires)) = &issued.current
            && *expires > now
        {
            return (token.clone(), (*expires - now).num_seconds());
        }
        let token = format!("{}:int", uuid::Uuid::new_v4());
        let expires = now + Duration::seconds(i64::from(lifetime_secs));
        issued.known.insert(token.clone(), Some(expires));
        issued.current = Some((token.clone(), expires));
        (token, i64::from(lifetime_secs))
    }

    /// 601 for a token this instance never issued (or revoked), 602 for an expired one.
    pub(crate) fn check(&self, token: Option<&str>, now: DateTime<Utc>) -> Result<(), ApiError> {
        let invalid = || ApiError::new(601, "Access token invalid");
        let token = token.ok_or_else(invalid)?;
        match self.inner.lock().known.get(token) {
            Some(Some(expires)) if *expires > now => Ok(()),
            Some(Some(_)) => Err(ApiError::new(602, "Access token expired")),
            _ => Err(invalid()),
        }
    }

    /// Invalidates every issued token: the next REST call with one gets 601.
    pub(crate) fn revoke_all(&self) {
        let mut issued = self.inner.lock();
        issued.current = None;
        for expiry in issued.known.values_mut() {
            *expiry = None;
        }
    }
}

/// An OAuth-style error body (no Marketo envelope): `{"error", "error_description"}`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Answers the token request from its parameters (query string, or a form body on POST).
pub(crate) fn token(
    state: &super::State,
    params: &[(String, String)],
    now: DateTime<Utc>,
    lifetime_secs: u32,
) -> Response {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(grant), Some(id), Some(secret)) = (
        param("grant_type"),
        param("client_id"),
        param("client_secret"),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type, client_id and client_secret are all required",
        );
    };
    if grant != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        );
    }
    if id != state.client_id || secret != state.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad client credentials",
        );
    }
    let (token, expires_in) = state.tokens.issue(now, lifetime_secs);
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": super::API_USER,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_token_comes_back_until_it_expires_then_gives_602() {
        let tokens = Tokens::default();
        let now = Utc::now();
        let (first, life) = tokens.issue(now, 3600);
        assert_eq!(life, 3600);
        let (again, left) = tokens.issue(now + Duration::seconds(100), 3600);
        assert_eq!(
            again, first,
            "calling Identity before expiry returns the same token"
        );
        assert_eq!(left, 3500, "expires_in is the remaining lifetime");
        assert!(tokens.check(Some(&first), now).is_ok());
        let expired = tokens
            .check(Some(&first), now + Duration::seconds(3600))
            .unwrap_err();
        assert_eq!(expired.code, 602);
        let (renewed, _) = tokens.issue(now + Duration::seconds(3600), 3600);
        assert_ne!(renewed, first, "an expired token is replaced");
        assert_eq!(tokens.check(Some("garbage"), now).unwrap_err().code, 601);
        tokens.revoke_all();
        assert_eq!(tokens.check(Some(&renewed), now).unwrap_err().code, 601);
    }
}

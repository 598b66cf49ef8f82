//! Reading what Dataverse and Entra ID send back: JSON decoded with the path of the first mismatch
//! in the error, and the documented error shapes. Public so that captured answers (the docs'
//! samples, a support case's logs) can be checked against exactly what the client does.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use dynasync_secrets::Secret;

use crate::error::Error;

/// Decodes JSON, naming the path (`value[3].contactid`) where it does not fit.
///
/// # Errors
/// [`Error::Decode`] with the path and what was wrong there.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Error> {
    // Tracking the path costs time on every element: only a body that fails is read again with it.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            path: if path == "." {
                what.to_owned()
            } else {
                format!("{what}: {path}")
            },
            message: e.into_inner().to_string(),
        }
    })
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// A Dataverse error answer (`{"error":{"code","message"}}`, compose-http-requests-handle-errors.md).
/// A body that is not in that shape (a 401 has none) still gives an error with the status.
pub fn api_error(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => (error.code, error.message),
        Err(_) => {
            let text = String::from_utf8_lossy(body).trim().to_owned();
            let reason = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            (
                String::new(),
                if text.is_empty() {
                    reason.to_owned()
                } else {
                    text
                },
            )
        }
    };
    Error::Api {
        status,
        code,
        message,
        retry_after,
    }
}

#[derive(Debug, Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

/// An Entra ID token endpoint error (`error`, `error_description`, `error_codes`, ...;
/// reference-error-codes.md). The description keeps its first line, without the trace lines.
pub fn token_error(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<TokenErrorBody>(body) {
        Ok(e) => Error::Auth {
            status,
            error: e.error,
            aadsts: e.error_codes.first().copied(),
            description: e
                .error_description
                .split("\r\n")
                .next()
                .unwrap_or_default()
                .to_owned(),
        },
        Err(_) => Error::Auth {
            status,
            error: if status >= 500 {
                "temporarily_unavailable".into()
            } else {
                "invalid_request".into()
            },
            aadsts: None,
            description: String::from_utf8_lossy(body).trim().to_owned(),
        },
    }
}

#[derive(Debug, Deserialize)]
struct Issued {
    access_token: String,
    expires_in: u64,
}

/// A token endpoint success: the access token and how long it lives (`expires_in`).
///
/// # Errors
/// A body without `access_token` and `expires_in`, with the JSON path that failed.
pub fn token_response(body: &[u8]) -> Result<(Secret, Duration), Error> {
    let issued: Issued = decode(body, "token response")?;
    Ok((
        Secret::new(issued.access_token),
        Duration::from_secs(issued.expires_in),
    ))
}

/// The id at the end of an entity URL (`OData-EntityId: .../contacts(<guid>)`).
pub fn entity_id(url: &str) -> Option<Uuid> {
    let inside = url.trim().strip_suffix(')')?.rsplit_once('(')?.1;
    Uuid::parse_str(inside.split_once('=').map_or(inside, |(_, v)| v)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_name_the_json_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            value: Vec<Row>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Row {
            contactid: Uuid,
        }
        let body =
            br#"{"value":[{"contactid":"49b0be2e-d01c-ed11-b83e-000d3a572421"},{"contactid":42}]}"#;
        let Err(Error::Decode { path, .. }) = decode::<Page>(body, "contacts") else {
            panic!("a number is not a GUID");
        };
        assert_eq!(path, "contacts: value[1].contactid");
    }

    #[test]
    fn entity_ids_come_from_entity_urls() {
        let id = Uuid::parse_str("7eb682f1-ca75-e511-80d4-00155d2a68d1").unwrap();
        assert_eq!(
            entity_id("https://org/api/data/v9.0/accounts(7eb682f1-ca75-e511-80d4-00155d2a68d1)"),
            Some(id)
        );
        assert_eq!(
            entity_id(
                "https://org/api/data/v9.0/accounts(accountid=7eb682f1-ca75-e511-80d4-00155d2a68d1)"
            ),
            Some(id)
        );
        assert_eq!(entity_id("https://org/api/data/v9.0/accounts"), None);
    }

    #[test]
    fn an_error_without_a_body_keeps_its_status() {
        let e = api_error(401, None, b"");
        assert!(e.is_auth());
        assert_eq!(e.message(), "Unauthorized");
    }
}

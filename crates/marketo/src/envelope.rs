//! The response envelope every REST answer comes in (`error-codes.md`, the Swagger's
//! `ResponseOf*`): `requestId`, `success`, `result`, `errors`, `warnings`, `moreResult`,
//! `nextPageToken`. `errors` and `warnings` are often left out when empty, and some answers have
//! no `result` at all (paging token, merge).

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::limiter::next_quota_reset;

/// A code and message, as in `errors[]` and record-level `reasons[]`. Codes are quoted integers
/// on the wire (`"1005"`); both quoted and bare integers are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(deserialize_with = "quoted_code")]
    pub code: u32,
    #[serde(default)]
    pub message: String,
}

fn quoted_code<'de, D: Deserializer<'de>>(de: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(u32),
    }
    match Code::deserialize(de)? {
        Code::Number(n) => Ok(n),
        Code::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("code '{text}' is not a number"))),
    }
}

/// One answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    #[serde(default)]
    pub request_id: Option<String>,
    pub success: bool,
    #[serde(default = "Vec::new")]
    pub result: Vec<T>,
    #[serde(default)]
    pub errors: Vec<Message>,
    /// Strings in the docs' examples, `{code, message}` in the Swagger: kept as given.
    #[serde(default)]
    pub warnings: Vec<Value>,
    #[serde(default)]
    pub more_result: bool,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// Decodes JSON, naming the path that did not fit (`result[3].id: invalid type ...`).
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// Parses an answer: a successful envelope, or its response-level error as an [`Error`].
///
/// # Errors
/// [`Error::Quota`] for 607 and the daily export quota (1029), [`Error::Api`] for every other
/// code, [`Error::Decode`] when the body is not a Marketo envelope of `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<Envelope<T>, Error> {
    let envelope: Envelope<T> = decode(body)?;
    if envelope.success {
        return Ok(envelope);
    }
    Err(match envelope.errors.first() {
        Some(first) => error_for(first, envelope.request_id.clone()),
        None => Error::Decode {
            path: "errors".into(),
            message: "success is false but errors is empty".into(),
        },
    })
}

/// The error a response-level code stands for.
pub(crate) fn error_for(first: &Message, request_id: Option<String>) -> Error {
    let quota = first.code == 607
        || first.code == 1029 && first.message.to_ascii_lowercase().contains("quota");
    if quota {
        Error::Quota {
            code: first.code,
            message: first.message.clone(),
            resets_at: next_quota_reset(chrono::Utc::now()),
        }
    } else {
        Error::Api {
            code: first.code,
            message: first.message.clone(),
            request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_becomes_its_error_and_a_decode_error_names_the_path() {
        let quota = parse::<Value>(br#"{"requestId":"1","success":false,"errors":[{"code":"607","message":"Daily quota reached"}]}"#)
            .unwrap_err();
        assert!(quota.is_quota());
        let invalid = parse::<Value>(br#"{"success":false,"errors":[{"code":"1003","message":"Too many results match the filter"}]}"#)
            .unwrap_err();
        assert_eq!(invalid.code(), Some(1003));
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Item {
            id: i64,
        }
        let bad =
            parse::<Item>(br#"{"success":true,"result":[{"id":1},{"id":"two"}]}"#).unwrap_err();
        match bad {
            Error::Decode { path, .. } => assert_eq!(path, "result[1].id"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}

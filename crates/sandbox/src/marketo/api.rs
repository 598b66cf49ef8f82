//! One REST call as the handlers see it, the response envelope, and response-level errors.
//!
//! Marketo answers HTTP 200 for API errors, with `success: false` and `errors[{code, message}]`
//! (`error-codes.md`); codes are quoted integers. Successful answers carry `requestId`, `success`,
//! `result`, and the empty `errors` and `warnings` arrays the Swagger declares required.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::State;
use crate::world::World;

/// The HTTP methods the REST API routes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Delete => "DELETE",
        }
    }
}

/// A response-level error: HTTP 200, `success: false`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: u32,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(code: u32, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// 609.
    pub(crate) fn invalid_json(detail: impl std::fmt::Display) -> ApiError {
        ApiError::new(609, format!("Invalid JSON: {detail}"))
    }

    /// 701, "%s cannot be blank".
    pub(crate) fn blank(name: &str) -> ApiError {
        ApiError::new(701, format!("{name} cannot be blank"))
    }

    /// 1003, "Invalid data", with what was invalid.
    pub(crate) fn invalid(detail: impl std::fmt::Display) -> ApiError {
        ApiError::new(1003, format!("Invalid data: {detail}"))
    }

    /// 1013.
    pub(crate) fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(1013, format!("Object not found: {what}"))
    }

    /// 610.
    pub(crate) fn no_resource() -> ApiError {
        ApiError::new(610, "Requested resource not found")
    }

    pub(crate) fn body(&self) -> Value {
        json!({
            "requestId": request_id(),
            "success": false,
            "errors": [{ "code": self.code.to_string(), "message": self.message }],
        })
    }
}

/// What a handler answers: the whole envelope, or a response-level error.
pub(crate) type Answer = Result<Value, ApiError>;

static REQUESTS: AtomicU64 = AtomicU64::new(0x1000);

/// A request id in Marketo's `e42b#14272d07d78` shape: a counter and the time, in hex.
pub(crate) fn request_id() -> String {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    format!("{n:x}#{:x}", Utc::now().timestamp_millis())
}

/// A successful envelope around `result`.
pub(crate) fn ok(result: Vec<Value>) -> Value {
    json!({
        "requestId": request_id(),
        "success": true,
        "result": result,
        "errors": [],
        "warnings": [],
    })
}

/// A successful page: `moreResult` and `nextPageToken` as the paging endpoints give them.
pub(crate) fn page(result: Vec<Value>, more: bool, token: Option<String>) -> Value {
    let mut body = ok(result);
    body["moreResult"] = Value::Bool(more);
    if let Some(token) = token {
        body["nextPageToken"] = Value::String(token);
    }
    body
}

/// A successful envelope with no `result` (paging token, merge).
pub(crate) fn ok_without_result() -> Value {
    json!({ "requestId": request_id(), "success": true, "errors": [], "warnings": [] })
}

/// One record's outcome in a write call's `result`.
pub(crate) fn outcome(status: &str) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("status".into(), Value::String(status.into()));
    item
}

/// A skipped record: `status: "skipped"` and its reasons (record-level codes are 1xxx).
pub(crate) fn skipped(code: u32, message: impl Into<String>) -> Map<String, Value> {
    let mut item = outcome("skipped");
    item.insert(
        "reasons".into(),
        json!([{ "code": code.to_string(), "message": message.into() }]),
    );
    item
}

/// The REST call being answered: its effective method (after `_method=GET`), parameters from the
/// query string (and a form body), and its body.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) path: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) json_body: bool,
}

impl Call {
    /// The first value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a list parameter: repeated (`a=1&a=2`, Swagger's `multi`) or comma-separated
    /// (`a=1,2`, as the docs write it).
    pub(crate) fn list(&self, name: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name).ok_or_else(|| ApiError::blank(name))
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.param(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::invalid(format!("{name} '{v}' is not an integer")))
            })
            .transpose()
    }

    pub(crate) fn ints(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.list(name)
            .into_iter()
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::invalid(format!("{name} '{v}' is not an integer")))
            })
            .collect()
    }

    /// `batchSize`: at most, and by default, `max` (300 for the lead database).
    pub(crate) fn batch_size(&self, max: usize) -> Result<usize, ApiError> {
        match self.int("batchSize")? {
            None => Ok(max),
            Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
            Some(n) => Err(ApiError::invalid(format!(
                "batchSize {n} is outside 1..={max}"
            ))),
        }
    }

    /// The JSON body: 612 without a JSON content type, 609 when it does not parse or fit.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if !self.json_body {
            return Err(ApiError::new(
                612,
                "Invalid Content Type: send Content-Type: application/json",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                ApiError::invalid_json(inner)
            } else {
                ApiError::invalid_json(format!("{path}: {inner}"))
            }
        })
    }

    /// The JSON body when there is one (a `_method=GET` lookup may carry its filter in JSON).
    pub(crate) fn has_body(&self) -> bool {
        !self.body.iter().all(u8::is_ascii_whitespace)
    }
}

/// Who acts: the API user, or a named person working in the Marketo UI (control API).
#[derive(Debug, Clone)]
pub(crate) enum Actor {
    Api,
    Person(String),
    /// A bulk load through [`super::State::insert_leads`].
    Import,
}

impl Actor {
    /// The `Source` attribute of the activities the actor leaves.
    pub(crate) fn source(&self) -> String {
        match self {
            Actor::Api => "Web service API".to_owned(),
            Actor::Person(_) => "Marketo UI".to_owned(),
            Actor::Import => "List import".to_owned(),
        }
    }

    /// The `Reason` attribute.
    pub(crate) fn reason(&self) -> String {
        match self {
            Actor::Api => "Web service API".to_owned(),
            Actor::Person(name) => format!("Changed by {name}"),
            Actor::Import => "Imported".to_owned(),
        }
    }
}

/// What a handler gets besides the call.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) world: &'a World,
    pub(crate) state: &'a State,
    pub(crate) now: DateTime<Utc>,
    pub(crate) actor: Actor,
}

/// A JSON answer with HTTP 200 (Marketo's status for API errors too).
pub(crate) fn json_response(body: &Value) -> Response {
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        body.to_string(),
    )
        .into_response()
}

//! Answers of the Web API, and its errors in the documented shape
//! `{"error":{"code":"0x...","message":"..."}}` (compose-http-requests-handle-errors.md).

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// A complete answer, before it becomes an HTTP response or a part of a `$batch` response.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: StatusCode, body: &Value) -> Answer {
        Answer::raw_json(status, serde_json::to_vec(body).unwrap_or_default())
    }

    pub(crate) fn raw_json(status: StatusCode, body: Vec<u8>) -> Answer {
        Answer {
            status,
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/json; odata.metadata=minimal".into(),
                ),
                ("OData-Version".into(), "4.0".into()),
            ],
            body,
        }
    }

    pub(crate) fn empty(status: StatusCode) -> Answer {
        Answer {
            status,
            headers: vec![("OData-Version".into(), "4.0".into())],
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Answer {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// A refused request.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A malformed query or URL (OData's own errors; join-tables.md shows the code).
    pub(crate) fn bad_query(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "0x80060888", message)
    }

    /// A body that does not fit the table's type.
    pub(crate) fn bad_body(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "0x80048d19", message)
    }

    pub(crate) fn unknown_property(property: &str, entity: &str) -> Self {
        ApiError::bad_query(format!(
            "Could not find a property named '{property}' on type 'Microsoft.Dynamics.CRM.{entity}'."
        ))
    }

    /// `<entity> With Id = <guid> Does Not Exist` (perform-conditional-operations-using-web-api.md).
    pub(crate) fn not_found(entity: &str, id: uuid::Uuid) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "0x80040217",
            format!("{entity} With Id = {id} Does Not Exist"),
        )
    }

    pub(crate) fn no_resource(path: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "0x80060888",
            format!("Resource not found for the segment '{path}'."),
        )
    }

    pub(crate) fn method_not_allowed(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "0x80060888", message)
    }

    pub(crate) fn answer(&self) -> Answer {
        let mut answer = Answer::json(
            self.status,
            &json!({ "error": { "code": self.code, "message": self.message } }),
        );
        if let Some(seconds) = self.retry_after {
            answer = answer.header("Retry-After", seconds.to_string());
        }
        answer
    }
}

//! Single-record writes (webapi/create-entity-web-api.md, update-delete-entities-using-web-api.md,
//! perform-conditional-operations-using-web-api.md) and `$batch` with per-record outcomes
//! (webapi/execute-batch-operations-using-web-api.md): `Prefer: odata.continue-on-error`, at most
//! 1,000 requests per batch (more are split transparently), outcomes in input order.

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;
use uuid::Uuid;

use crate::client::{DataverseClient, Payload};
use crate::error::Error;
use crate::record::Record;
use crate::wire;

/// Requests per `$batch`, as documented.
pub const MAX_BATCH_OPERATIONS: usize = 1_000;

/// The condition an update is made under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No condition: PATCH creates the record when it is missing (upsert).
    Upsert,
    /// Update only (`If-Match: *`); a missing record is a 404.
    MustExist,
    /// Update only this version (`If-Match: W/"..."`, from [`Record::etag`]); otherwise 412.
    Matches(String),
    /// Create only (`If-None-Match: *`); an existing record is a 412.
    MustNotExist,
}

impl Precondition {
    fn header(&self) -> Option<(&'static str, String)> {
        match self {
            Precondition::Upsert => None,
            Precondition::MustExist => Some(("If-Match", "*".into())),
            Precondition::Matches(etag) => Some(("If-Match", etag.clone())),
            Precondition::MustNotExist => Some(("If-None-Match", "*".into())),
        }
    }
}

/// One write of a batch.
#[derive(Debug, Clone)]
pub enum BatchOp {
    Create {
        entity_set: String,
        record: Record,
    },
    Update {
        entity_set: String,
        id: Uuid,
        record: Record,
        precondition: Precondition,
        /// Ask for the version the update made ([`Written::etag`]): `Prefer: return=representation`
        /// with the smallest `$select`, as the update doc advises.
        return_version: bool,
    },
    Delete {
        entity_set: String,
        id: Uuid,
    },
}

/// A write that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub status: u16,
    /// The record's id, from `OData-EntityId` (creates and upserts).
    pub entity_id: Option<Uuid>,
    /// The record's version after the write (`@odata.etag` of a returned representation, else the
    /// `ETag` header), when the answer carries one.
    pub etag: Option<String>,
}

/// The outcome of one batched write: done, or refused with the same classification as a single
/// request ([`Error::is_validation`], ...).
pub type BatchOutcome = Result<Written, Error>;

fn json(record: &Record) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&record.write_body())
        .map_err(|e| Error::InvalidInput(format!("the record cannot be written as JSON: {e}")))
}

fn written(status: u16, headers: &HeaderMap, body: &[u8]) -> Written {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let returned = (!body.is_empty())
        .then(|| serde_json::from_slice::<serde_json::Value>(body).ok())
        .flatten()
        .and_then(|json| json.get("@odata.etag")?.as_str().map(str::to_owned));
    Written {
        status,
        entity_id: header("odata-entityid").and_then(wire::entity_id),
        etag: returned.or_else(|| header("etag").map(str::to_owned)),
    }
}

impl DataverseClient {
    /// Creates a record and answers its id.
    ///
    /// # Errors
    /// As any request; a refused record is [`Error::is_validation`].
    pub async fn create(&self, entity_set: &str, record: &Record) -> Result<Uuid, Error> {
        let url = self.url(entity_set)?;
        let answer = self
            .send(Method::POST, url, &[], Payload::Json(json(record)?))
            .await?;
        written(answer.status.as_u16(), &answer.headers, &[])
            .entity_id
            .ok_or_else(|| Error::Decode {
                path: "OData-EntityId".into(),
                message: format!(
                    "the create answered {} without the new record's URL",
                    answer.status
                ),
            })
    }

    /// Updates (or, with [`Precondition::Upsert`], upserts) a record.
    ///
    /// # Errors
    /// As any request; a failed condition is [`Error::is_precondition_failed`] or
    /// [`Error::is_not_found`].
    pub async fn update(
        &self,
        entity_set: &str,
        id: Uuid,
        record: &Record,
        precondition: Precondition,
    ) -> Result<(), Error> {
        let url = self.url(&format!("{entity_set}({id})"))?;
        let headers: Vec<(&str, String)> = precondition.header().into_iter().collect();
        self.send(Method::PATCH, url, &headers, Payload::Json(json(record)?))
            .await
            .map(|_| ())
    }

    /// Deletes a record.
    ///
    /// # Errors
    /// As any request; a missing record is [`Error::is_not_found`].
    pub async fn delete(&self, entity_set: &str, id: Uuid) -> Result<(), Error> {
        let url = self.url(&format!("{entity_set}({id})"))?;
        self.send(Method::DELETE, url, &[], Payload::None)
            .await
            .map(|_| ())
    }

    /// Sends the writes in `$batch` requests of at most 1,000, each going on after a failure, and
    /// answers one outcome per write in input order.
    ///
    /// # Errors
    /// When a whole batch fails (throttled past the retries, unauthorized, unreachable); the
    /// outcomes of earlier batches are then lost to the caller, so keep batches to what you can
    /// redo (writes are idempotent with ids and preconditions).
    pub async fn batch(&self, ops: Vec<BatchOp>) -> Result<Vec<BatchOutcome>, Error> {
        let mut outcomes = Vec::with_capacity(ops.len());
        for chunk in ops.chunks(MAX_BATCH_OPERATIONS) {
            outcomes.extend(self.one_batch(chunk).await?);
        }
        Ok(outcomes)
    }

    async fn one_batch(&self, ops: &[BatchOp]) -> Result<Vec<BatchOutcome>, Error> {
        let boundary = format!("batch_{}", Uuid::new_v4());
        let base = self.web_api_url().path().to_owned();
        let mut body = Vec::new();
        for op in ops {
            let (method, path, payload, condition, return_version) = match op {
                BatchOp::Create { entity_set, record } => {
                    ("POST", entity_set.clone(), Some(json(record)?), None, false)
                }
                BatchOp::Update {
                    entity_set,
                    id,
                    record,
                    precondition,
                    return_version,
                } => (
                    "PATCH",
                    if *return_version {
                        format!("{entity_set}({id})?$select=versionnumber")
                    } else {
                        format!("{entity_set}({id})")
                    },
                    Some(json(record)?),
                    precondition.header(),
                    *return_version,
                ),
                BatchOp::Delete { entity_set, id } => {
                    ("DELETE", format!("{entity_set}({id})"), None, None, false)
                }
            };
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n{method} {base}{path} HTTP/1.1\r\n").as_bytes(),
            );
            if let Some((name, value)) = condition {
                body.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
            if return_version {
                body.extend_from_slice(b"Prefer: return=representation\r\n");
            }
            match payload {
                Some(json) => {
                    body.extend_from_slice(b"Content-Type: application/json; type=entry\r\n\r\n");
                    body.extend_from_slice(&json);
                    body.extend_from_slice(b"\r\n");
                }
                // The blank line ends the headers; the next CRLF belongs to the boundary.
                None => body.extend_from_slice(b"\r\n\r\n"),
            }
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let url = self.url("$batch")?;
        let headers = [("Prefer", "odata.continue-on-error".to_owned())];
        let payload = Payload::Raw {
            content_type: format!("multipart/mixed; boundary=\"{boundary}\""),
            body,
        };
        let answer = self.send(Method::POST, url, &headers, payload).await?;
        let content_type = answer
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let outcomes = read_batch_response(&content_type, answer.body).await?;
        if outcomes.len() != ops.len() {
            return Err(Error::Decode {
                path: "$batch".into(),
                message: format!(
                    "{} writes were sent but {} answers came back",
                    ops.len(),
                    outcomes.len()
                ),
            });
        }
        Ok(outcomes)
    }
}

/// Reads a `$batch` answer: one outcome per inner response, change sets flattened, in order.
///
/// # Errors
/// A body that is not `multipart/mixed` with `application/http` parts.
pub async fn read_batch_response(
    content_type: &str,
    body: Bytes,
) -> Result<Vec<BatchOutcome>, Error> {
    let boundary = boundary(content_type)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut outcomes = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let inner_type = field
            .content_type()
            .map(|m| m.to_string())
            .unwrap_or_default();
        let bytes = field.bytes().await.map_err(malformed)?;
        if inner_type.starts_with("multipart/mixed") {
            outcomes.extend(Box::pin(read_batch_response(&inner_type, bytes)).await?);
        } else {
            outcomes.push(response_part(&bytes)?);
        }
    }
    Ok(outcomes)
}

fn malformed(e: multer::Error) -> Error {
    Error::Decode {
        path: "$batch".into(),
        message: format!("the answer is not valid multipart: {e}"),
    }
}

fn boundary(content_type: &str) -> Result<String, Error> {
    let mime: Option<mime::Mime> = content_type.parse().ok();
    mime.and_then(|m| m.get_param(mime::BOUNDARY).map(|b| b.as_str().to_owned()))
        .ok_or_else(|| Error::Decode {
            path: "$batch".into(),
            message: format!("the answer's Content-Type '{content_type}' has no boundary"),
        })
}

/// One `application/http` part: a status line, headers, a blank line, a body. A part without a
/// body may end right after its last header (the blank line taken by the boundary), as the
/// `$batch` doc's Content-ID sample shows.
fn response_part(bytes: &[u8]) -> Result<BatchOutcome, Error> {
    let mut padded;
    let mut bytes = bytes;
    let mut raw = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut raw);
    let mut parsed = response.parse(bytes);
    if matches!(parsed, Ok(httparse::Status::Partial)) && bytes.ends_with(b"\r\n") {
        padded = bytes.to_vec();
        padded.extend_from_slice(b"\r\n");
        bytes = &padded;
        response = httparse::Response::new(&mut raw);
        parsed = response.parse(bytes);
    }
    let start = match parsed {
        Ok(httparse::Status::Complete(start)) => start,
        _ => {
            return Err(Error::Decode {
                path: "$batch".into(),
                message: format!(
                    "a part is not an HTTP response: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
                ),
            });
        }
    };
    let status = response.code.unwrap_or_default();
    let mut headers = HeaderMap::new();
    for h in response.headers.iter() {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(h.name.as_bytes()),
            reqwest::header::HeaderValue::from_bytes(h.value),
        ) {
            headers.append(name, value);
        }
    }
    if (200..300).contains(&status) {
        Ok(Ok(written(status, &headers, &bytes[start..])))
    } else {
        Ok(Err(wire::api_error(
            status,
            crate::retry::retry_after(&headers),
            &bytes[start..],
        )))
    }
}

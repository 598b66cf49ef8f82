//! `$batch` (webapi/execute-batch-operations-using-web-api.md; API-FACTS A6): a `multipart/mixed`
//! body of `application/http` parts and change sets (nested `multipart/mixed`, all or nothing), at
//! most 1,000 requests, answered in request order under a `batchresponse_<guid>` boundary. Without
//! `Prefer: odata.continue-on-error` processing stops at the first failure and the outer status is
//! that failure's; with it every part runs and the outer status is 200. Inside a change set,
//! `Content-ID: n` lets later parts refer to the created record as `$n`.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use bytes::Bytes;
use serde_json::Value;
use uuid::Uuid;

use super::errors::{Answer, ApiError};
use super::{Ctx, Request, decode, dispatch, parse_query, split_api_path};

/// One inner request.
#[derive(Debug)]
struct Part {
    content_id: Option<String>,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Debug)]
enum Item {
    Single(Part),
    ChangeSet(Vec<Part>),
}

pub(crate) async fn run(ctx: &Ctx<'_>, request: &Request<'_>) -> Answer {
    if request.method != Method::POST {
        return ApiError::method_not_allowed("$batch accepts POST only.").answer();
    }
    let items = match parse(request).await {
        Ok(items) => items,
        Err(e) => return e.answer(),
    };
    let operations: usize = items
        .iter()
        .map(|i| match i {
            Item::Single(_) => 1,
            Item::ChangeSet(parts) => parts.len(),
        })
        .sum();
    let max = ctx.world.limits.read().dataverse.max_batch_operations as usize;
    if operations > max {
        return ApiError::bad_query(format!(
            "The number of requests in a batch ({operations}) exceeds the limit of {max}."
        ))
        .answer();
    }
    let continue_on_error = request.prefer().continue_on_error;
    let boundary = format!("batchresponse_{}", Uuid::new_v4());
    let mut out = Vec::new();
    let mut outer = StatusCode::OK;
    for item in items {
        let failed = match item {
            Item::Single(part) => {
                let answer = execute(ctx, &part, &HashMap::new());
                let failed = !answer.status.is_success();
                write_part(&mut out, &boundary, None, &answer);
                if failed { Some(answer.status) } else { None }
            }
            Item::ChangeSet(parts) => change_set(ctx, &parts, &boundary, &mut out),
        };
        if let Some(status) = failed
            && !continue_on_error
        {
            outer = status;
            break;
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Answer {
        status: outer,
        headers: vec![
            (
                "Content-Type".into(),
                format!("multipart/mixed; boundary={boundary}"),
            ),
            ("OData-Version".into(), "4.0".into()),
        ],
        body: out,
    }
}

/// Runs a change set: every part or none. A failure answers with that part alone.
fn change_set(
    ctx: &Ctx<'_>,
    parts: &[Part],
    boundary: &str,
    out: &mut Vec<u8>,
) -> Option<StatusCode> {
    let state = ctx.state();
    state.store.write().begin_undo();
    let mut references: HashMap<String, String> = HashMap::new();
    let mut answers = Vec::new();
    for part in parts {
        let answer = execute(ctx, part, &references);
        if !answer.status.is_success() {
            state.store.write().rollback();
            write_part(out, boundary, part.content_id.as_deref(), &answer);
            return Some(answer.status);
        }
        if let (Some(id), Some((_, url))) = (
            &part.content_id,
            answer.headers.iter().find(|(n, _)| n == "OData-EntityId"),
        ) {
            references.insert(format!("${id}"), url.clone());
        }
        answers.push((part.content_id.clone(), answer));
    }
    state.store.write().commit();
    let inner = format!("changesetresponse_{}", Uuid::new_v4());
    out.extend_from_slice(
        format!("--{boundary}\r\nContent-Type: multipart/mixed; boundary={inner}\r\n\r\n")
            .as_bytes(),
    );
    for (content_id, answer) in &answers {
        write_part(out, &inner, content_id.as_deref(), answer);
    }
    out.extend_from_slice(format!("--{inner}--\r\n").as_bytes());
    None
}

/// Dispatches one part, replacing `$n` references in its URL and `@odata.bind` values.
fn execute(ctx: &Ctx<'_>, part: &Part, references: &HashMap<String, String>) -> Answer {
    let missing = |reference: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80060888",
            format!("Content-ID Reference: '{reference}' does not exist in the batch context."),
        )
        .answer()
    };
    let mut url = part.url.clone();
    if url.starts_with('$') {
        let reference: String = url.chars().take_while(|c| *c != '/' && *c != '?').collect();
        match references.get(&reference) {
            Some(target) => url = url.replacen(&reference, target, 1),
            None => return missing(&reference),
        }
    }
    let mut body = part.body.clone();
    if !body.is_empty()
        && let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&body)
    {
        for (key, value) in &mut map {
            if (key.ends_with("@odata.bind") || key == "@odata.id")
                && let Some(reference) = value.as_str().filter(|v| v.starts_with('$'))
            {
                match references.get(reference) {
                    Some(target) => *value = Value::String(target.clone()),
                    None => return missing(reference),
                }
            }
        }
        body = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
    }
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (url.clone(), None),
    };
    let api_path = path
        .find("/api/data/")
        .map_or(path.as_str(), |at| &path[at..]);
    let Some((_, resource)) = split_api_path(api_path) else {
        return ApiError::no_resource(&path).answer();
    };
    if resource == "$batch" {
        return ApiError::bad_query("A batch cannot contain another batch.").answer();
    }
    let request = Request {
        method: part.method.clone(),
        path: decode(resource),
        query: parse_query(query.as_deref()),
        headers: &part.headers,
        body: &body,
    };
    dispatch(ctx, &request)
}

fn write_part(out: &mut Vec<u8>, boundary: &str, content_id: Option<&str>, answer: &Answer) {
    out.extend_from_slice(format!("--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n").as_bytes());
    if let Some(id) = content_id {
        out.extend_from_slice(format!("Content-ID: {id}\r\n").as_bytes());
    }
    let reason = answer.status.canonical_reason().unwrap_or("");
    out.extend_from_slice(
        format!("\r\nHTTP/1.1 {} {reason}\r\n", answer.status.as_u16()).as_bytes(),
    );
    if !answer.status.is_success() {
        out.extend_from_slice(format!("REQ_ID: {}\r\n", Uuid::new_v4()).as_bytes());
    }
    for (name, value) in &answer.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&answer.body);
    out.extend_from_slice(b"\r\n");
}

fn boundary_of(content_type: Option<&str>) -> Result<String, ApiError> {
    let content_type = content_type.unwrap_or_default();
    let mime: Option<mime::Mime> = content_type.parse().ok();
    mime.filter(|m| m.type_() == mime::MULTIPART && m.subtype() == "mixed")
        .and_then(|m| m.get_param(mime::BOUNDARY).map(|b| b.as_str().to_owned()))
        .ok_or_else(|| {
            ApiError::bad_query(format!(
                "A $batch request must have Content-Type multipart/mixed with a boundary, not '{content_type}'."
            ))
        })
}

async fn parts(body: Bytes, boundary: String) -> Result<Vec<(HeaderMap, Bytes)>, ApiError> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let headers = field.headers().clone();
                let bytes = field.bytes().await.map_err(|e| {
                    ApiError::bad_query(format!("The $batch body is not valid multipart: {e}."))
                })?;
                out.push((headers, bytes));
            }
            Ok(None) => return Ok(out),
            Err(e) => {
                return Err(ApiError::bad_query(format!(
                    "The $batch body is not valid multipart: {e}."
                )));
            }
        }
    }
}

async fn parse(request: &Request<'_>) -> Result<Vec<Item>, ApiError> {
    let boundary = boundary_of(request.header("content-type"))?;
    let mut items = Vec::new();
    for (headers, body) in parts(Bytes::copy_from_slice(request.body), boundary).await? {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/mixed"))
        {
            let inner = boundary_of(content_type.as_deref())?;
            let mut set = Vec::new();
            for (headers, body) in parts(body, inner).await? {
                let part = http_part(&headers, &body)?;
                if part.method == Method::GET {
                    return Err(ApiError::bad_query(
                        "A change set cannot contain a GET request.",
                    ));
                }
                set.push(part);
            }
            items.push(Item::ChangeSet(set));
        } else {
            items.push(Item::Single(http_part(&headers, &body)?));
        }
    }
    Ok(items)
}

/// An `application/http` part: the request line, headers, a blank line and the body.
fn http_part(outer: &HeaderMap, bytes: &[u8]) -> Result<Part, ApiError> {
    let invalid = |why: &str| {
        ApiError::bad_query(format!("A $batch part is not a valid HTTP request: {why}."))
    };
    let mut raw = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut raw);
    let status = parsed.parse(bytes).map_err(|e| invalid(&e.to_string()))?;
    let httparse::Status::Complete(body_start) = status else {
        return Err(invalid("it ends before its headers do"));
    };
    let method = parsed
        .method
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .ok_or_else(|| invalid("no method"))?;
    let url = parsed.path.ok_or_else(|| invalid("no URL"))?.to_owned();
    let mut headers = HeaderMap::new();
    for header in parsed.headers.iter() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_bytes(header.value),
        ) {
            headers.append(name, value);
        }
    }
    let body = bytes[body_start..].to_vec();
    let trimmed = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |end| end + 1);
    Ok(Part {
        content_id: outer
            .get("content-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned()),
        method,
        url,
        headers,
        body: body[..trimmed].to_vec(),
    })
}

//! Paging tokens (`paging-tokens.md`): opaque base32 strings.
//!
//! A date-based token, as Get Paging Token returns it, decodes to `"<since>,<last activity id>"`
//! (the docs' `GIYDAOBN…` decodes to `2008-11-06T00:00:00.000+0000,0`); the activity endpoints
//! answer with the same date and the id of the last activity they looked at, so a stored token
//! resumes exactly where its page stopped. A position-based token (any other paged read) carries
//! the last key of its page.

use chrono::{DateTime, Utc};
use data_encoding::{BASE32, BASE32_NOPAD};

use super::api::ApiError;
use super::values::parse_datetime;

fn encode(text: &str) -> String {
    BASE32.encode(text.as_bytes())
}

fn decode(token: &str) -> Option<String> {
    let bytes = BASE32_NOPAD
        .decode(token.trim_end_matches('=').as_bytes())
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn invalid(token: &str) -> ApiError {
    ApiError::invalid(format!(
        "nextPageToken '{token}' is not a valid paging token"
    ))
}

/// A date-based token for activities after `since`, past activity `after_id`.
pub(crate) fn date_token(since: DateTime<Utc>, after_id: i64) -> String {
    encode(&format!(
        "{},{after_id}",
        since.format("%Y-%m-%dT%H:%M:%S%.3f+0000")
    ))
}

/// The date and last activity id of a date-based token.
pub(crate) fn parse_date_token(token: &str) -> Result<(DateTime<Utc>, i64), ApiError> {
    let text = decode(token).ok_or_else(|| invalid(token))?;
    let (date, id) = text.split_once(',').ok_or_else(|| invalid(token))?;
    let since = parse_datetime(date).ok_or_else(|| invalid(token))?;
    let id = id.parse().map_err(|_| invalid(token))?;
    Ok((since, id))
}

/// A position-based token: the last key returned.
pub(crate) fn position_token(last: i64) -> String {
    encode(&format!("p{last}"))
}

/// The last key a position-based token carries; 0 without a token.
pub(crate) fn position(token: Option<&str>) -> Result<i64, ApiError> {
    let Some(token) = token else { return Ok(0) };
    decode(token)
        .and_then(|t| t.strip_prefix('p')?.parse().ok())
        .ok_or_else(|| invalid(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_paging_token_decodes_to_its_date_and_position() {
        let (since, id) =
            parse_date_token("GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBRGA3TQ===").unwrap();
        assert_eq!(since.to_rfc3339(), "2008-11-06T00:00:00+00:00");
        assert_eq!(id, 1078);
        let ours = date_token(since, 0);
        assert_eq!(
            ours, "GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ",
            "a fresh token encodes exactly like the docs' example"
        );
        assert_eq!(position(Some(&position_token(42))).unwrap(), 42);
        assert_eq!(position(Some("not a token")).unwrap_err().code, 1003);
    }
}

//! Paging links: `@odata.nextLink` carries `$skiptoken=<cookie pagenumber="n" pagingcookie="..."
//! istracking="False|True" />` as the docs show it (webapi/query/page-results.md), the paging cookie
//! itself URL-encoded twice. Clients must GET the link unchanged; the sandbox reads back where the
//! previous page ended from it.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

use super::errors::{ApiError, ApiResult};
use super::{Request, decode};

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cursor {
    /// Rows in primary-key order: the last key returned.
    AfterKey { page: u32, last: Uuid, first: Uuid },
    /// Rows in `$orderby` order: the number of the next page.
    Page(u32),
    /// Change tracking: the last row version returned, the version the listing stops at, and
    /// whether the deletions have been reached.
    Tracking {
        page: u32,
        last: u64,
        upto: u64,
        deletions: bool,
    },
}

impl Cursor {
    pub(crate) fn page(&self) -> u32 {
        match self {
            Cursor::AfterKey { page, .. } | Cursor::Page(page) | Cursor::Tracking { page, .. } => {
                *page
            }
        }
    }

    /// The `$skiptoken` value (not yet URL-encoded) for the page after this one.
    pub(crate) fn skiptoken(&self, entity_key: &str) -> String {
        let next = self.page() + 1;
        let (inner, tracking) = match self {
            Cursor::AfterKey { page, last, first } => (
                Some(format!(
                    "<cookie page=\"{page}\"><{entity_key} last=\"{{{}}}\" first=\"{{{}}}\" /></cookie>",
                    last.to_string().to_uppercase(),
                    first.to_string().to_uppercase()
                )),
                false,
            ),
            Cursor::Page(_) => (None, false),
            Cursor::Tracking {
                page,
                last,
                upto,
                deletions,
            } => (
                Some(format!(
                    "<cookie page=\"{page}\"><versionnumber last=\"{last}\" upto=\"{upto}\" deleted=\"{}\" /></cookie>",
                    if *deletions { 1 } else { 0 }
                )),
                true,
            ),
        };
        let paging = inner
            .map(|c| {
                let once = utf8_percent_encode(&c, NON_ALPHANUMERIC).to_string();
                format!(
                    " pagingcookie=\"{}\"",
                    utf8_percent_encode(&once, NON_ALPHANUMERIC)
                )
            })
            .unwrap_or_default();
        format!(
            "<cookie pagenumber=\"{next}\"{paging} istracking=\"{}\" />",
            if tracking { "True" } else { "False" }
        )
    }

    /// Reads a `$skiptoken` back. `None` for the first page.
    pub(crate) fn from_request(request: &Request<'_>) -> ApiResult<Option<Cursor>> {
        let Some(token) = request.param("$skiptoken") else {
            return Ok(None);
        };
        let invalid = || ApiError::bad_query(format!("The $skiptoken '{token}' is not valid."));
        let page: u32 = attribute(token, "pagenumber")
            .and_then(|p| p.parse().ok())
            .ok_or_else(invalid)?;
        let Some(cookie) = attribute(token, "pagingcookie") else {
            return Ok(Some(Cursor::Page(page)));
        };
        let cookie = decode(&decode(cookie));
        let previous = page.saturating_sub(1);
        if cookie.contains("<versionnumber") {
            let number = |name: &str| attribute(&cookie, name).and_then(|v| v.parse::<u64>().ok());
            return Ok(Some(Cursor::Tracking {
                page: previous,
                last: number("last").ok_or_else(invalid)?,
                upto: number("upto").ok_or_else(invalid)?,
                deletions: number("deleted") == Some(1),
            }));
        }
        let guid = |name: &str| {
            attribute(&cookie, name)
                .map(|v| v.trim_matches(['{', '}']))
                .and_then(|v| Uuid::parse_str(v).ok())
        };
        Ok(Some(Cursor::AfterKey {
            page: previous,
            last: guid("last").ok_or_else(invalid)?,
            first: guid("first").ok_or_else(invalid)?,
        }))
    }
}

/// The value of `name="..."` in a cookie.
fn attribute<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let pattern = format!(" {name}=\"");
    let start = text.find(&pattern)? + pattern.len();
    let end = text[start..].find('"')?;
    Some(&text[start..start + end])
}

/// `{base}{set}?<query without $skiptoken>&$skiptoken=<token>`.
pub(crate) fn next_link(base: &str, set: &str, request: &Request<'_>, skiptoken: &str) -> String {
    let mut query: Vec<String> = request
        .query
        .iter()
        .filter(|(k, _)| k != "$skiptoken")
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    query.push(format!(
        "$skiptoken={}",
        utf8_percent_encode(skiptoken, NON_ALPHANUMERIC)
    ));
    format!("{base}{set}?{}", query.join("&"))
}

/// Encodes a query value, keeping the characters OData uses readable.
pub(crate) fn encode_query_value(value: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b',')
        .remove(b'(')
        .remove(b')')
        .remove(b'\'')
        .remove(b'_')
        .remove(b'-')
        .remove(b'.')
        .remove(b'/')
        .remove(b'$')
        .remove(b'@')
        .remove(b':');
    utf8_percent_encode(value, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, Method};

    use super::*;

    fn request(query: &str) -> Request<'static> {
        static HEADERS: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(HeaderMap::new);
        Request {
            method: Method::GET,
            path: "contacts".into(),
            query: super::super::parse_query(Some(query)),
            headers: &HEADERS,
            body: b"",
        }
    }

    #[test]
    fn a_next_link_leads_back_to_where_the_page_ended() {
        for cursor in [
            Cursor::AfterKey {
                page: 1,
                last: Uuid::from_u128(7),
                first: Uuid::from_u128(1),
            },
            Cursor::Page(3),
            Cursor::Tracking {
                page: 2,
                last: 901_234,
                upto: 905_000,
                deletions: true,
            },
        ] {
            let link = next_link(
                "http://x/api/data/v9.2/",
                "contacts",
                &request("$select=fullname"),
                &cursor.skiptoken("contactid"),
            );
            let query = link.split_once('?').unwrap().1;
            let back = Cursor::from_request(&request(query)).unwrap().unwrap();
            let expected = match cursor {
                Cursor::Page(n) => Cursor::Page(n + 1),
                other => other,
            };
            assert_eq!(back, expected, "{link}");
            assert!(
                link.contains("$select=fullname"),
                "the query is kept: {link}"
            );
        }
    }

    #[test]
    fn the_documented_skiptoken_is_understood() {
        // The nextLink of reference/dataverse-samples/03-paged-contacts-nextlink.http.
        let query = "$select=fullname&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253ccontactid%2520last%253d%2522%257bD5026A4D-D01C-ED11-B83E-000D3A572421%257d%2522%2520first%253d%2522%257b49B0BE2E-D01C-ED11-B83E-000D3A572421%257d%2522%2520%252f%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E";
        let cursor = Cursor::from_request(&request(query)).unwrap().unwrap();
        assert_eq!(
            cursor,
            Cursor::AfterKey {
                page: 1,
                last: Uuid::parse_str("D5026A4D-D01C-ED11-B83E-000D3A572421").unwrap(),
                first: Uuid::parse_str("49B0BE2E-D01C-ED11-B83E-000D3A572421").unwrap(),
            }
        );
    }
}

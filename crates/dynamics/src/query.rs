//! Reading an entity set page by page: `$select`, `$filter`, `$orderby`, `$top`, `$count`, and
//! `Prefer: odata.maxpagesize`, following `@odata.nextLink` unchanged with the same page size
//! (webapi/query/page-results.md). Pages come as a lazy stream.

use bytes::Bytes;
use futures_util::Stream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use crate::client::{DataverseClient, Payload, query_string};
use crate::error::Error;
use crate::record::Record;
use crate::wire;

/// The largest page Dataverse serves.
pub const MAX_PAGE_SIZE: u32 = 5_000;

/// A query on one entity set; [`Query::pages`] runs it.
#[derive(Debug, Clone)]
#[must_use]
pub struct Query {
    client: DataverseClient,
    entity_set: String,
    select: Vec<String>,
    filter: Option<String>,
    order_by: Vec<String>,
    top: Option<u32>,
    page_size: Option<u32>,
    count: bool,
    annotations: bool,
}

/// One page of rows.
#[derive(Debug, Clone)]
pub struct Page {
    pub records: Vec<Record>,
    /// `@odata.count`, when [`Query::count`] asked for it (at most 5,000).
    pub count: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawPage {
    pub(crate) value: Vec<Map<String, Value>>,
    #[serde(rename = "@odata.nextLink")]
    pub(crate) next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    pub(crate) delta_link: Option<String>,
    #[serde(rename = "@odata.count")]
    pub(crate) count: Option<u64>,
}

impl Page {
    /// Decodes a page of a collection; `primary_key` names the id column. Answers the page and
    /// its next link.
    ///
    /// # Errors
    /// A body that is not a collection, with the JSON path that failed.
    pub fn from_json(
        body: &[u8],
        primary_key: Option<&str>,
    ) -> Result<(Page, Option<String>), Error> {
        let raw: RawPage = wire::decode(body, "page")?;
        let records = raw
            .value
            .into_iter()
            .map(|row| Record::from_json(row, primary_key))
            .collect();
        Ok((
            Page {
                records,
                count: raw.count,
            },
            raw.next_link,
        ))
    }
}

/// The next page, already on its way while the caller works on the current one.
struct Prefetch(tokio::task::JoinHandle<Result<Bytes, Error>>);

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum Cursor {
    Start(Query),
    Next(Query, Prefetch),
    Done,
}

#[derive(Deserialize)]
struct NextOnly {
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// The page's `@odata.nextLink`, found without decoding the rows: Dataverse writes it after
/// `value`, so the end of the body is searched first and the whole body only when it is not there.
/// The member name cannot be matched inside a string, where its quotes would be escaped.
fn next_link(body: &[u8]) -> Result<Option<String>, Error> {
    const MEMBER: &[u8] = b"\"@odata.nextLink\":";
    let tail = body.len().saturating_sub(16 * 1024);
    let found = body[tail..]
        .windows(MEMBER.len())
        .rposition(|w| w == MEMBER)
        .map(|at| tail + at)
        .filter(|&at| at > 0 && matches!(body[at - 1], b',' | b'{' | b' ' | b'\n' | b'\r' | b'\t'));
    if let Some(at) = found {
        let mut value = serde_json::Deserializer::from_slice(&body[at + MEMBER.len()..]);
        if let Ok(link) = String::deserialize(&mut value) {
            return Ok(Some(link));
        }
    }
    wire::decode::<NextOnly>(body, "page").map(|n| n.next_link)
}

impl Query {
    pub(crate) fn new(client: DataverseClient, entity_set: &str) -> Query {
        Query {
            client,
            entity_set: entity_set.to_owned(),
            select: Vec::new(),
            filter: None,
            order_by: Vec::new(),
            top: None,
            page_size: None,
            count: false,
            annotations: false,
        }
    }

    /// The columns to read (`_x_value` for lookups); all of them when never called.
    pub fn select<S: AsRef<str>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.select
            .extend(columns.into_iter().map(|c| c.as_ref().to_owned()));
        self
    }

    /// An OData filter, e.g. `modifiedon gt 2024-01-01T00:00:00Z and statecode eq 0`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// A sort key, e.g. `lastname desc`; call again for more keys.
    pub fn order_by(mut self, key: impl Into<String>) -> Self {
        self.order_by.push(key.into());
        self
    }

    /// At most this many rows in all (ignored by Dataverse together with a page size).
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }

    /// Rows per page, at most 5,000.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Asks for `@odata.count`.
    pub fn count(mut self) -> Self {
        self.count = true;
        self
    }

    /// Asks for every annotation: formatted values and lookup tables.
    pub fn with_annotations(mut self) -> Self {
        self.annotations = true;
        self
    }

    fn first_url(&self) -> Result<Url, Error> {
        let mut options = Vec::new();
        if !self.select.is_empty() {
            options.push(("$select", self.select.join(",")));
        }
        if let Some(filter) = &self.filter {
            options.push(("$filter", filter.clone()));
        }
        if !self.order_by.is_empty() {
            options.push(("$orderby", self.order_by.join(",")));
        }
        if let Some(top) = self.top {
            options.push(("$top", top.to_string()));
        }
        if self.count {
            options.push(("$count", "true".into()));
        }
        let query = query_string(&options);
        let path = if query.is_empty() {
            self.entity_set.clone()
        } else {
            format!("{}?{query}", self.entity_set)
        };
        self.client.url(&path)
    }

    fn prefer(&self) -> Vec<(&'static str, String)> {
        let mut preferences = Vec::new();
        if let Some(size) = self.page_size {
            preferences.push(format!("odata.maxpagesize={size}"));
        }
        if self.annotations {
            preferences.push("odata.include-annotations=\"*\"".to_owned());
        }
        if preferences.is_empty() {
            Vec::new()
        } else {
            vec![("Prefer", preferences.join(","))]
        }
    }

    async fn fetch(
        client: DataverseClient,
        url: Url,
        headers: Vec<(&'static str, String)>,
    ) -> Result<Bytes, Error> {
        let answer = client
            .send(Method::GET, url, &headers, Payload::None)
            .await?;
        Ok(answer.body)
    }

    /// The pages, fetched as the stream is polled. While the caller handles one page the next is
    /// already requested, so that decoding here and serving there overlap.
    pub fn pages(self) -> impl Stream<Item = Result<Page, Error>> + Send + 'static {
        futures_util::stream::try_unfold(Cursor::Start(self), |cursor| async move {
            let (query, body) = match cursor {
                Cursor::Done => return Ok(None),
                Cursor::Start(query) => {
                    let url = query.first_url()?;
                    let body = Query::fetch(query.client.clone(), url, query.prefer()).await?;
                    (query, body)
                }
                Cursor::Next(query, mut prefetch) => {
                    let body = (&mut prefetch.0).await.map_err(|e| {
                        Error::InvalidInput(format!("reading the next page stopped: {e}"))
                    })??;
                    (query, body)
                }
            };
            let cursor = match next_link(&body)? {
                Some(link) => {
                    let url = query.client.link(&link)?;
                    let task =
                        tokio::spawn(Query::fetch(query.client.clone(), url, query.prefer()));
                    Cursor::Next(query.clone(), Prefetch(task))
                }
                None => Cursor::Done,
            };
            let key = query.client.primary_key(&query.entity_set).await?;
            let (page, _) = Page::from_json(&body, Some(&key))?;
            Ok(Some((page, cursor)))
        })
    }
}

impl DataverseClient {
    /// A query on an entity set (`contacts`, `new_event_registrations`).
    pub fn query(&self, entity_set: &str) -> Query {
        Query::new(self.clone(), entity_set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_at_the_end_or_anywhere() {
        let at_end = br#"{"value":[{"a":"\"@odata.nextLink\":\"fake\""}],"@odata.nextLink":"https://o/api/data/v9.2/contacts?$skiptoken=x"}"#;
        assert_eq!(
            next_link(at_end).unwrap().as_deref(),
            Some("https://o/api/data/v9.2/contacts?$skiptoken=x")
        );
        let first = br#"{"@odata.nextLink":"https://o/n","value":[]}"#;
        assert_eq!(next_link(first).unwrap().as_deref(), Some("https://o/n"));
        let inside_a_string = br#"{"value":[{"a":"\"@odata.nextLink\":\"fake\""}]}"#;
        assert_eq!(
            next_link(inside_a_string).unwrap(),
            None,
            "an escaped look-alike is not the link"
        );
    }
}

//! Reading an entity set page by page: `$select`, `$filter`, `$orderby`, `$top`, `$count`, and
//! `Prefer: odata.maxpagesize`, following `@odata.nextLink` unchanged with the same page size
//! (webapi/query/page-results.md). Pages come as a lazy stream.

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

enum Cursor {
    Start(Query),
    Next(Query, Url),
    Done,
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

    async fn fetch(&self, url: Url) -> Result<(Page, Option<Url>), Error> {
        let key = self.client.primary_key(&self.entity_set).await?;
        let headers = self.prefer();
        let answer = self
            .client
            .send(Method::GET, url, &headers, Payload::None)
            .await?;
        let (page, next) = Page::from_json(&answer.body, Some(&key))?;
        let next = next.map(|link| self.client.link(&link)).transpose()?;
        Ok((page, next))
    }

    /// The pages, fetched one at a time as the stream is polled.
    pub fn pages(self) -> impl Stream<Item = Result<Page, Error>> + Send + 'static {
        futures_util::stream::try_unfold(Cursor::Start(self), |cursor| async move {
            let (query, url) = match cursor {
                Cursor::Done => return Ok(None),
                Cursor::Start(query) => {
                    let url = query.first_url()?;
                    (query, url)
                }
                Cursor::Next(query, url) => (query, url),
            };
            let (page, next) = query.fetch(url).await?;
            let cursor = match next {
                Some(next) => Cursor::Next(query, next),
                None => Cursor::Done,
            };
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

//! Change tracking (use-change-tracking-synchronize-data-external-systems.md): the first request
//! with `Prefer: odata.track-changes` lists every row, page by page, and ends with a delta link;
//! the delta link returns what changed since (changed rows, then deletions) and a new delta link.
//! Links are opaque, durable cursors: store them and come back with them, even after a restart.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::{DataverseClient, Payload, query_string};
use crate::error::Error;
use crate::query::{MAX_PAGE_SIZE, RawPage};
use crate::record::Record;
use crate::wire;

/// The page size rides along in the link's fragment, which is never sent: the docs ask for the
/// same `odata.maxpagesize` on every page.
const PAGE_SIZE_FRAGMENT: &str = "#odata.maxpagesize=";

macro_rules! link_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(link: String) -> Self {
                $name(link)
            }
        }
    };
}

link_type!(
    /// Where the next page of a change listing is (`@odata.nextLink`).
    NextLink
);
link_type!(
    /// Where the changes since a listing ended are (`@odata.deltaLink`).
    DeltaLink
);

/// What to read.
#[derive(Debug, Clone)]
pub enum ChangeRequest {
    /// Every row of an entity set, the first time: `select` names the columns (all when empty),
    /// `page_size` the rows per page (5,000 when `None`).
    Start {
        entity_set: String,
        select: Vec<String>,
        page_size: Option<u32>,
    },
    /// The next page of a listing.
    Next(NextLink),
    /// What changed since a listing ended.
    Delta(DeltaLink),
}

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A row created or updated since the last delta link, with its current values.
    Upsert(Record),
    /// A row deleted since.
    Deleted { id: Uuid },
}

/// One page of changes: follow `next` while there is one; the last page carries `delta`.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    pub next: Option<NextLink>,
    pub delta: Option<DeltaLink>,
}

impl ChangePage {
    /// Decodes a change-tracking answer; `primary_key` names the id column.
    ///
    /// # Errors
    /// A body that is not a change page, with the JSON path that failed.
    pub fn from_json(body: &[u8], primary_key: Option<&str>) -> Result<ChangePage, Error> {
        let raw: RawPage = wire::decode(body, "changes")?;
        let mut changes = Vec::with_capacity(raw.value.len());
        for (i, row) in raw.value.into_iter().enumerate() {
            let deleted = row.get("reason").and_then(|r| r.as_str()) == Some("deleted")
                || row
                    .get("@odata.context")
                    .and_then(|c| c.as_str())
                    .is_some_and(|c| c.ends_with("$deletedEntity"));
            if deleted {
                let id = row
                    .get("id")
                    .and_then(|v| v.as_str())
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| Error::Decode {
                        path: format!("changes: value[{i}].id"),
                        message: "a deleted row has no GUID id".into(),
                    })?;
                changes.push(Change::Deleted { id });
            } else {
                changes.push(Change::Upsert(Record::from_json(row, primary_key)));
            }
        }
        Ok(ChangePage {
            changes,
            next: raw.next_link.map(NextLink),
            delta: raw.delta_link.map(DeltaLink),
        })
    }
}

fn split_page_size(link: &str) -> (&str, u32) {
    match link.split_once(PAGE_SIZE_FRAGMENT) {
        Some((url, size)) => (url, size.parse().unwrap_or(MAX_PAGE_SIZE)),
        None => (link.split('#').next().unwrap_or(link), MAX_PAGE_SIZE),
    }
}

/// The entity set a link reads: the last path segment (`.../v9.2/contacts`).
fn entity_set_of(url: &url::Url) -> Option<String> {
    url.path_segments()?.next_back().map(str::to_owned)
}

impl DataverseClient {
    /// One page of changes.
    ///
    /// # Errors
    /// As any request; an expired delta link (older than the org's seven days) is refused by
    /// Dataverse and then a new [`ChangeRequest::Start`] is needed.
    pub async fn changes(&self, request: ChangeRequest) -> Result<ChangePage, Error> {
        let (url, page_size) = match &request {
            ChangeRequest::Start {
                entity_set,
                select,
                page_size,
            } => {
                let query = if select.is_empty() {
                    String::new()
                } else {
                    format!("?{}", query_string(&[("$select", select.join(","))]))
                };
                (
                    self.url(&format!("{entity_set}{query}"))?,
                    page_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
                )
            }
            ChangeRequest::Next(NextLink(link)) | ChangeRequest::Delta(DeltaLink(link)) => {
                let (url, size) = split_page_size(link);
                (self.link(url)?, size)
            }
        };
        let entity_set = entity_set_of(&url)
            .ok_or_else(|| Error::InvalidInput(format!("'{url}' names no entity set")))?;
        let key = self.primary_key(&entity_set).await?;
        let prefer = vec![(
            "Prefer",
            // Lookups say which table they point to: a customer is an account or a contact.
            format!(
                "odata.track-changes,odata.maxpagesize={page_size},odata.include-annotations=\"Microsoft.Dynamics.CRM.lookuplogicalname\""
            ),
        )];
        let answer = self.send(Method::GET, url, &prefer, Payload::None).await?;
        let mut page = ChangePage::from_json(&answer.body, Some(&key))?;
        for link in page
            .next
            .iter_mut()
            .map(|l| &mut l.0)
            .chain(page.delta.iter_mut().map(|l| &mut l.0))
        {
            self.link(link)?;
            link.push_str(&format!("{PAGE_SIZE_FRAGMENT}{page_size}"));
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_size_travels_in_the_fragment() {
        assert_eq!(
            split_page_size("https://o/api/data/v9.2/contacts?$deltatoken=1#odata.maxpagesize=100"),
            ("https://o/api/data/v9.2/contacts?$deltatoken=1", 100)
        );
        assert_eq!(
            split_page_size("https://o/api/data/v9.2/contacts?$deltatoken=1"),
            ("https://o/api/data/v9.2/contacts?$deltatoken=1", 5_000)
        );
    }
}

//! Static lists and their members (`list-membership.md`): the list-driven "Sync Person to
//! Microsoft" reads a list's members (SPEC R24–R27).

use serde::Deserialize;

use crate::batch::MAX_RECORDS;
use crate::client::Request;
use crate::records::{Lead, RecordOutcome, WireOutcome, outcomes};
use crate::{Error, MarketoClient};

/// A static list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaticList {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub program_name: Option<String>,
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl MarketoClient {
    /// Every static list (`lists.json`, all pages).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn lists(&self) -> Result<Vec<StaticList>, Error> {
        self.all_pages(Request::get("/v1/lists.json").param("batchSize", MAX_RECORDS))
            .await
    }

    /// Every member of a list with `fields` (empty for the defaults), all pages.
    ///
    /// # Errors
    /// Any response-level error (1013 for an unknown list).
    pub async fn list_members(&self, list_id: i64, fields: &[&str]) -> Result<Vec<Lead>, Error> {
        let mut request =
            Request::get(format!("/v1/lists/{list_id}/leads.json")).param("batchSize", MAX_RECORDS);
        if !fields.is_empty() {
            request = request.param("fields", fields.join(","));
        }
        self.all_pages(request).await
    }

    async fn membership(
        &self,
        make: impl Fn() -> Request,
        lead_ids: &[i64],
    ) -> Result<Vec<RecordOutcome>, Error> {
        let make = &make;
        self.write_batches(lead_ids, MAX_RECORDS, |range, chunk| async move {
            let request = chunk.iter().fold(make(), |r, id| r.param("id", id));
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    /// Adds people to a list: `added`, or skipped (1004 unknown lead).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn add_to_list(
        &self,
        list_id: i64,
        lead_ids: &[i64],
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.membership(
            || Request::post(format!("/v1/lists/{list_id}/leads.json")),
            lead_ids,
        )
        .await
    }

    /// Removes people from a list: `removed`, or skipped (1004 unknown lead, 1015 not a member).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn remove_from_list(
        &self,
        list_id: i64,
        lead_ids: &[i64],
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.membership(
            || Request::delete(format!("/v1/lists/{list_id}/leads.json")),
            lead_ids,
        )
        .await
    }

    /// Whether people are members of a list: `memberof`, `notmemberof`, or skipped (1004).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn is_member(
        &self,
        list_id: i64,
        lead_ids: &[i64],
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.membership(
            || Request::get(format!("/v1/lists/{list_id}/leads/ismember.json")),
            lead_ids,
        )
        .await
    }
}

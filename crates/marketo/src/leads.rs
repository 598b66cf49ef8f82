//! Leads: describe, fields, reads, Sync Leads, Delete Leads and Merge Leads (`leads.md`).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::batch::MAX_RECORDS;
use crate::client::Request;
use crate::records::{Lead, RecordOutcome, SyncAction, WireOutcome, outcomes};
use crate::{Error, MarketoClient};

/// Values in one `filterValues` (`leads.md`).
pub(crate) const MAX_FILTER_VALUES: usize = 300;
/// Losing leads in one merge (`leads.md`: 1080 beyond 25 from 2026-03-31).
const MAX_MERGE: usize = 25;
/// Custom fields one Create Lead Fields call creates (`leads.md`).
const MAX_NEW_FIELDS: usize = 100;

/// A lead field as Describe Lead2 gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadField {
    pub name: String,
    pub display_name: String,
    pub data_type: String,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub crm_managed: bool,
}

/// The lead fields and the ones usable as `filterType` (and lookup field).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadDescription {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "searchableFields")]
    pub searchable: Vec<Vec<String>>,
    pub fields: Vec<LeadField>,
}

impl LeadDescription {
    pub fn field(&self, name: &str) -> Option<&LeadField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn is_searchable(&self, name: &str) -> bool {
        self.searchable
            .iter()
            .any(|key| key.len() == 1 && key[0].eq_ignore_ascii_case(name))
    }
}

/// The REST or SOAP name of a field in Describe Lead.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiName {
    pub name: String,
    #[serde(default)]
    pub read_only: bool,
}

/// A lead field as (the older) Describe Lead gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadAttribute {
    pub id: i64,
    pub display_name: String,
    pub data_type: String,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub rest: Option<ApiName>,
    #[serde(default)]
    pub soap: Option<ApiName>,
}

/// A field's schema (`leads/schema/fields.json`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSchema {
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub data_type: String,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub is_hidden: bool,
    #[serde(default)]
    pub is_html_encoding_in_email: bool,
    #[serde(default)]
    pub is_sensitive: bool,
    #[serde(default)]
    pub is_custom: bool,
    #[serde(default)]
    pub is_api_created: bool,
}

/// A custom lead field to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewField {
    pub name: String,
    pub display_name: String,
    /// boolean, currency, date, datetime, email, float, integer, percent, phone, score, string
    /// or url.
    pub data_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NewField {
    pub fn new(name: &str, display_name: &str, data_type: &str) -> NewField {
        NewField {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            data_type: data_type.to_owned(),
            description: None,
        }
    }

    /// The person fields Dynasync keeps in Marketo (SPEC "Read-only system fields created in
    /// Marketo"; R24, R66): Microsoft Type, Microsoft Created Date, Microsoft is Deleted, and the
    /// Dynamics ids of the person as a lead and as a contact.
    pub fn dynasync_fields() -> Vec<NewField> {
        let described = |name, display, data_type, description: &str| NewField {
            description: Some(description.to_owned()),
            ..NewField::new(name, display, data_type)
        };
        vec![
            described(
                "microsoftType",
                "Microsoft Type",
                "string",
                "Lead or Contact. If empty, the lead exists only as a person in Marketo",
            ),
            described(
                "microsoftCreatedDate",
                "Microsoft Created Date",
                "datetime",
                "Date created in MS Dynamics (can be different from Created in Marketo)",
            ),
            described(
                "microsoftIsDeleted",
                "Microsoft is Deleted",
                "boolean",
                "Person used to be in Microsoft but was deleted and now lives only in Marketo",
            ),
            described(
                "microsoftLeadId",
                "Microsoft Lead Id",
                "string",
                "The Dynamics lead this person is synced with",
            ),
            described(
                "microsoftContactId",
                "Microsoft Contact Id",
                "string",
                "The Dynamics contact this person is synced with",
            ),
        ]
    }
}

impl MarketoClient {
    /// The lead fields with their types and whether they can be written, and the searchable ones
    /// (`GET /rest/v1/leads/describe2.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn describe_leads(&self) -> Result<LeadDescription, Error> {
        self.first(Request::get("/v1/leads/describe2.json")).await
    }

    /// The lead fields with their REST and SOAP names (`GET /rest/v1/leads/describe.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn describe_lead_attributes(&self) -> Result<Vec<LeadAttribute>, Error> {
        Ok(self
            .call(Request::get("/v1/leads/describe.json"))
            .await?
            .result)
    }

    /// Every lead field's schema, custom ones marked (`GET /rest/v1/leads/schema/fields.json`,
    /// all pages).
    ///
    /// # Errors
    /// Any response-level error (603 without the schema permissions).
    pub async fn lead_fields(&self) -> Result<Vec<FieldSchema>, Error> {
        self.all_pages(Request::get("/v1/leads/schema/fields.json").param("batchSize", 300))
            .await
    }

    /// Creates custom lead fields, one outcome per field (`id` is the field's name).
    ///
    /// # Errors
    /// Any response-level error; a field that exists already is a skipped outcome, not an error.
    pub async fn create_lead_fields(
        &self,
        fields: &[NewField],
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.write_batches(fields, MAX_NEW_FIELDS, |range, chunk| async move {
            let request = Request::post("/v1/leads/schema/fields.json")
                .json(&json!({ "input": chunk }))
                .not_idempotent();
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    /// Creates those of `fields` the instance does not have yet; returns their outcomes.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn ensure_lead_fields(
        &self,
        fields: &[NewField],
    ) -> Result<Vec<RecordOutcome>, Error> {
        let described = self.describe_leads().await?;
        let missing: Vec<NewField> = fields
            .iter()
            .filter(|f| described.field(&f.name).is_none())
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        self.create_lead_fields(&missing).await
    }

    /// One lead by id (`GET /rest/v1/lead/{id}.json`); `fields` empty for the default fields.
    ///
    /// # Errors
    /// Any response-level error (1006 for an unknown field).
    pub async fn get_lead(&self, id: i64, fields: &[&str]) -> Result<Option<Lead>, Error> {
        let mut request = Request::get(format!("/v1/lead/{id}.json"));
        if !fields.is_empty() {
            request = request.param("fields", fields.join(","));
        }
        Ok(self.call::<Lead>(request).await?.result.into_iter().next())
    }

    /// The leads whose `filter_type` field has one of `values` (a searchable field, see
    /// [`LeadDescription::is_searchable`]). More than 300 values are split over several calls,
    /// each read to its last page; a URI over 8 KB goes as `POST ?_method=GET`.
    ///
    /// # Errors
    /// Any response-level error, e.g. 1003 when more than 1,000 leads match one call's values.
    pub async fn get_leads(
        &self,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Lead>, Error> {
        let mut leads = Vec::new();
        for chunk in values.chunks(MAX_FILTER_VALUES) {
            let mut request = Request::get("/v1/leads.json")
                .param("filterType", filter_type)
                .param("filterValues", chunk.join(","))
                .param("batchSize", MAX_RECORDS);
            if !fields.is_empty() {
                request = request.param("fields", fields.join(","));
            }
            leads.extend(self.all_pages::<Lead>(request).await?);
        }
        Ok(leads)
    }

    /// Creates or updates leads, keyed by `lookup_field` (`email` by default in Marketo; also
    /// `externalPersonId`, `id` with [`SyncAction::UpdateOnly`], or a searchable custom field).
    /// Calls take at most 300 leads and run concurrently within the limits; the outcomes come back
    /// one per lead, in input order, `seq` being the lead's index in `input`.
    ///
    /// Concurrent upserts on the same key can create duplicates on a real instance (`leads.md`):
    /// give each key once.
    ///
    /// # Errors
    /// A response-level error of any call (1011 for a lookup field that cannot be used).
    pub async fn sync_leads(
        &self,
        action: SyncAction,
        lookup_field: &str,
        input: Vec<Lead>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.write_batches(&input, MAX_RECORDS, |range, chunk| async move {
            let mut request = Request::post("/v1/leads.json").json(&json!({
                "action": action,
                "lookupField": lookup_field,
                "input": chunk,
            }));
            if matches!(action, SyncAction::CreateOnly | SyncAction::CreateDuplicate) {
                request = request.not_idempotent();
            }
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    /// Deletes leads by id, 300 a call; an unknown id is a skipped outcome (1004).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_leads(&self, ids: &[i64]) -> Result<Vec<RecordOutcome>, Error> {
        self.write_batches(ids, MAX_RECORDS, |range, chunk| async move {
            let input: Vec<_> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let request = Request::post("/v1/leads/delete.json").json(&json!({ "input": input }));
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    /// Merges `losers` into `winner` (`POST /rest/v1/leads/{id}/merge.json`): the winner's empty
    /// fields take the losers' values, and the losers are deleted.
    ///
    /// # Errors
    /// [`Error::Invalid`] for no loser or more than 25; a response-level error (1004 for an
    /// unknown lead).
    pub async fn merge_leads(&self, winner: i64, losers: &[i64]) -> Result<(), Error> {
        if losers.is_empty() || losers.len() > MAX_MERGE {
            return Err(Error::Invalid(format!(
                "a merge takes 1 to {MAX_MERGE} losing leads, not {}",
                losers.len()
            )));
        }
        let ids: Vec<String> = losers.iter().map(i64::to_string).collect();
        let request = Request::post(format!("/v1/leads/{winner}/merge.json"))
            .param("leadIds", ids.join(","))
            .not_idempotent();
        self.call::<serde_json::Value>(request).await?;
        Ok(())
    }
}

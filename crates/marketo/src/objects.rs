//! Companies, opportunities, opportunity roles, sales persons and custom-object records: the
//! common lead-database interface (`lead-database.md`) — describe, query by a searchable field
//! (or by compound key), sync with `action` and `dedupeBy`, delete with `deleteBy`.

use serde::Deserialize;
use serde_json::json;

use crate::batch::MAX_RECORDS;
use crate::client::Request;
use crate::leads::MAX_FILTER_VALUES;
use crate::records::{DedupeBy, Record, RecordOutcome, SyncAction, WireOutcome, outcomes};
use crate::{Error, MarketoClient};

/// A lead-database object type other than leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// `externalCompanyId`; leads link to it by the same field.
    Company,
    /// `externalOpportunityId`.
    Opportunity,
    /// The compound key `externalOpportunityId`, `leadId`, `role`.
    OpportunityRole,
    /// `externalSalesPersonId`; leads, companies and opportunities link to it.
    SalesPerson,
}

impl ObjectKind {
    fn path(self) -> &'static str {
        match self {
            ObjectKind::Company => "/v1/companies",
            ObjectKind::Opportunity => "/v1/opportunities",
            ObjectKind::OpportunityRole => "/v1/opportunities/roles",
            ObjectKind::SalesPerson => "/v1/salespersons",
        }
    }
}

/// A field of an object type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectField {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub data_type: String,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub description: Option<String>,
}

/// The object a link field points at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RelatedObject {
    pub name: String,
    pub field: String,
}

/// A custom object's link (`relationships`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub field: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `relatedTo` in the Swagger; the docs' describe example prints `object`.
    #[serde(alias = "object")]
    pub related_to: RelatedObject,
}

/// An object type's metadata: a Describe result, or a custom object type's schema.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDescription {
    #[serde(default)]
    pub name: Option<String>,
    /// Custom object types only.
    #[serde(default)]
    pub api_name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `id` or `marketoGUID`; none for a custom object type never approved.
    #[serde(default)]
    pub id_field: Option<String>,
    #[serde(default)]
    pub dedupe_fields: Vec<String>,
    #[serde(default)]
    pub searchable_fields: Vec<Vec<String>>,
    #[serde(default)]
    pub fields: Vec<ObjectField>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    /// Custom object types: draft, approved or approvedWithDraft.
    #[serde(default)]
    pub state: Option<String>,
}

impl MarketoClient {
    /// An object type's id field, dedupe fields, searchable fields and fields.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn describe_object(&self, kind: ObjectKind) -> Result<ObjectDescription, Error> {
        self.first(Request::get(format!("{}/describe.json", kind.path())))
            .await
    }

    pub(crate) async fn sync_records(
        &self,
        path: &str,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        if action == SyncAction::CreateDuplicate {
            return Err(Error::Invalid(
                "createDuplicate is for leads only; objects take createOnly, updateOnly or createOrUpdate".into(),
            ));
        }
        if action == SyncAction::CreateOnly && dedupe_by == DedupeBy::IdField {
            return Err(Error::Invalid(
                "the id field is system managed: createOnly dedupes by the dedupe fields".into(),
            ));
        }
        self.write_batches(&input, MAX_RECORDS, |range, chunk| async move {
            let mut request = Request::post(format!("{path}.json")).json(&json!({
                "action": action,
                "dedupeBy": dedupe_by,
                "input": chunk,
            }));
            if action == SyncAction::CreateOnly {
                request = request.not_idempotent();
            }
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    pub(crate) async fn get_records(
        &self,
        path: &str,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        let mut records = Vec::new();
        for chunk in values.chunks(MAX_FILTER_VALUES) {
            let mut request = Request::get(format!("{path}.json"))
                .param("filterType", filter_type)
                .param("filterValues", chunk.join(","))
                .param("batchSize", MAX_RECORDS);
            if !fields.is_empty() {
                request = request.param("fields", fields.join(","));
            }
            records.extend(self.all_pages::<Record>(request).await?);
        }
        Ok(records)
    }

    pub(crate) async fn delete_records(
        &self,
        path: &str,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.write_batches(&input, MAX_RECORDS, |range, chunk| async move {
            let request = Request::post(format!("{path}/delete.json"))
                .json(&json!({ "deleteBy": by, "input": chunk }));
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }

    /// Creates or updates companies (keyed by `externalCompanyId`), 300 a call, one outcome per
    /// record in input order.
    ///
    /// # Errors
    /// [`Error::Invalid`] for `createDuplicate` or `createOnly` by id field; a response-level
    /// error of any call.
    pub async fn sync_companies(
        &self,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.sync_records(ObjectKind::Company.path(), action, dedupe_by, input)
            .await
    }

    /// Creates or updates opportunities (keyed by `externalOpportunityId`).
    ///
    /// # Errors
    /// As [`MarketoClient::sync_companies`]; 718 when a record names an unknown sales person.
    pub async fn sync_opportunities(
        &self,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.sync_records(ObjectKind::Opportunity.path(), action, dedupe_by, input)
            .await
    }

    /// Creates or updates opportunity roles (keyed by `externalOpportunityId`, `leadId`, `role`).
    ///
    /// # Errors
    /// As [`MarketoClient::sync_companies`].
    pub async fn sync_opportunity_roles(
        &self,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.sync_records(ObjectKind::OpportunityRole.path(), action, dedupe_by, input)
            .await
    }

    /// Creates or updates sales persons (keyed by `externalSalesPersonId`).
    ///
    /// # Errors
    /// As [`MarketoClient::sync_companies`].
    pub async fn sync_sales_persons(
        &self,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.sync_records(ObjectKind::SalesPerson.path(), action, dedupe_by, input)
            .await
    }

    /// Companies whose `filter_type` (a searchable field, `idField` or `dedupeFields`) has one of
    /// `values`, all pages, 300 values a call.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_companies(
        &self,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_records(ObjectKind::Company.path(), filter_type, values, fields)
            .await
    }

    /// Opportunities by a searchable field.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_opportunities(
        &self,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_records(ObjectKind::Opportunity.path(), filter_type, values, fields)
            .await
    }

    /// Opportunity roles by a single searchable field (`marketoGUID`, `leadId`,
    /// `externalOpportunityId`); see [`MarketoClient::get_opportunity_roles_by_key`] for the
    /// compound key.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_opportunity_roles(
        &self,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_records(
            ObjectKind::OpportunityRole.path(),
            filter_type,
            values,
            fields,
        )
        .await
    }

    /// Opportunity roles by their compound key: each record of `keys` holds
    /// `externalOpportunityId`, `leadId` and `role` (`POST ...?_method=GET` with a JSON body,
    /// `lead-database.md`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_opportunity_roles_by_key(
        &self,
        keys: &[Record],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_by_compound_key(ObjectKind::OpportunityRole.path(), keys, fields)
            .await
    }

    pub(crate) async fn get_by_compound_key(
        &self,
        path: &str,
        keys: &[Record],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        let mut records = Vec::new();
        for chunk in keys.chunks(MAX_FILTER_VALUES) {
            let mut token: Option<String> = None;
            loop {
                let mut body = json!({ "filterType": "dedupeFields", "input": chunk, "batchSize": MAX_RECORDS });
                if !fields.is_empty() {
                    body["fields"] = json!(fields);
                }
                if let Some(token) = &token {
                    body["nextPageToken"] = json!(token);
                }
                let request = Request::post(format!("{path}.json"))
                    .param("_method", "GET")
                    .json(&body);
                let envelope = self.call::<Record>(request).await?;
                records.extend(envelope.result);
                match envelope.next_page_token {
                    Some(next) if envelope.more_result => token = Some(next),
                    _ => break,
                }
            }
        }
        Ok(records)
    }

    /// Sales persons by a searchable field (`email`, `id`, `externalSalesPersonId`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_sales_persons(
        &self,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_records(ObjectKind::SalesPerson.path(), filter_type, values, fields)
            .await
    }

    /// Deletes companies named by their dedupe or id field; an unknown one is skipped (1013).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_companies(
        &self,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.delete_records(ObjectKind::Company.path(), by, input)
            .await
    }

    /// Deletes opportunities.
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_opportunities(
        &self,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.delete_records(ObjectKind::Opportunity.path(), by, input)
            .await
    }

    /// Deletes opportunity roles.
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_opportunity_roles(
        &self,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.delete_records(ObjectKind::OpportunityRole.path(), by, input)
            .await
    }

    /// Deletes sales persons; one still named by a lead or a company is skipped (1022).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_sales_persons(
        &self,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.delete_records(ObjectKind::SalesPerson.path(), by, input)
            .await
    }
}

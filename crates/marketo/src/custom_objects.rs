//! Custom objects: the type schema — create, add fields, approve, describe, list — and the
//! records of approved types (`custom-objects.md`). A type is a draft until approved; records of
//! it can be written only then.

use serde::Serialize;
use serde_json::Value;

use crate::client::Request;
use crate::objects::{ObjectDescription, RelatedObject};
use crate::records::{DedupeBy, Record, RecordOutcome, SyncAction};
use crate::{Error, MarketoClient};

/// A custom object type's schema as the schema endpoints return it.
pub type CustomObjectType = ObjectDescription;

/// A custom object type to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomObjectType {
    /// Letters, digits and underscores; prefix it with a company namespace.
    pub api_name: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plural_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub show_in_lead_detail: bool,
}

/// A custom object field to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomObjectField {
    pub name: String,
    pub display_name: String,
    /// string, boolean, integer, float, link, email, currency, date, datetime, phone or text.
    pub data_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub is_dedupe_field: bool,
    /// For a `link` field: the object and field it points at (e.g. `lead` / `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_to: Option<LinkTo>,
}

/// The target of a link field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkTo {
    pub name: String,
    pub field: String,
}

impl From<RelatedObject> for LinkTo {
    fn from(related: RelatedObject) -> LinkTo {
        LinkTo {
            name: related.name,
            field: related.field,
        }
    }
}

impl MarketoClient {
    /// Every custom object type, each in its approved version if it has one, else its draft
    /// (`customobjects/schema.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn custom_object_types(&self) -> Result<Vec<CustomObjectType>, Error> {
        Ok(self
            .call(Request::get("/v1/customobjects/schema.json"))
            .await?
            .result)
    }

    /// One custom object type's schema, approved version first.
    ///
    /// # Errors
    /// Any response-level error (1013 for an unknown type).
    pub async fn describe_custom_object(&self, api_name: &str) -> Result<CustomObjectType, Error> {
        self.first(Request::get(format!(
            "/v1/customobjects/schema/{api_name}/describe.json"
        )))
        .await
    }

    /// Creates a custom object type, as a draft.
    ///
    /// # Errors
    /// Any response-level error (1017 when it exists).
    pub async fn create_custom_object_type(&self, def: &NewCustomObjectType) -> Result<(), Error> {
        let mut body = serde_json::to_value(def).expect("plain fields serialize");
        body["action"] = Value::from("createOnly");
        let request = Request::post("/v1/customobjects/schema.json")
            .json(&body)
            .not_idempotent();
        self.call::<Value>(request).await?;
        Ok(())
    }

    /// Adds fields to a custom object type's draft.
    ///
    /// # Errors
    /// Any response-level error (709 for a dedupe or link field once approved).
    pub async fn add_custom_object_fields(
        &self,
        api_name: &str,
        fields: &[NewCustomObjectField],
    ) -> Result<(), Error> {
        let request = Request::post(format!("/v1/customobjects/schema/{api_name}/addField.json"))
            .json(&serde_json::json!({ "input": fields }))
            .not_idempotent();
        self.call::<Value>(request).await?;
        Ok(())
    }

    /// Approves a custom object type's draft: its records can be written from then on.
    ///
    /// # Errors
    /// Any response-level error (709 without a dedupe field or a draft).
    pub async fn approve_custom_object_type(&self, api_name: &str) -> Result<(), Error> {
        let request = Request::post(format!("/v1/customobjects/schema/{api_name}/approve.json"));
        self.call::<Value>(request).await?;
        Ok(())
    }

    /// Creates or updates records of a custom object, 300 a call; a record linking to a lead that
    /// does not exist is skipped (1004).
    ///
    /// # Errors
    /// As [`MarketoClient::sync_companies`].
    pub async fn sync_custom_objects(
        &self,
        api_name: &str,
        action: SyncAction,
        dedupe_by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.sync_records(
            &format!("/v1/customobjects/{api_name}"),
            action,
            dedupe_by,
            input,
        )
        .await
    }

    /// Records of a custom object by a searchable field (`idField`, `dedupeFields`, a link field).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_custom_objects(
        &self,
        api_name: &str,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_records(
            &format!("/v1/customobjects/{api_name}"),
            filter_type,
            values,
            fields,
        )
        .await
    }

    /// Records of a custom object by a compound dedupe key.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn get_custom_objects_by_key(
        &self,
        api_name: &str,
        keys: &[Record],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        self.get_by_compound_key(&format!("/v1/customobjects/{api_name}"), keys, fields)
            .await
    }

    /// Deletes records of a custom object.
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn delete_custom_objects(
        &self,
        api_name: &str,
        by: DedupeBy,
        input: Vec<Record>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.delete_records(&format!("/v1/customobjects/{api_name}"), by, input)
            .await
    }
}

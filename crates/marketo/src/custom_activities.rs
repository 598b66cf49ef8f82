//! Activity types, and custom activity types and activities (`activities.md`: Custom Activity
//! Types, Add Custom Activities). A custom type is created as a draft and must be approved before
//! activities of it are added; added activities are write-once.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::batch::MAX_RECORDS;
use crate::client::Request;
use crate::records::{RecordOutcome, WireOutcome, outcomes};
use crate::{Error, MarketoClient};

/// An attribute of an activity type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeType {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    pub data_type: String,
}

/// An activity type (`types.json`); ids vary by subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityType {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub api_name: Option<String>,
    #[serde(default)]
    pub primary_attribute: Option<AttributeType>,
    #[serde(default)]
    pub attributes: Vec<AttributeType>,
}

/// An attribute of a custom activity type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomAttribute {
    pub api_name: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// string, boolean, integer, float, link, email, currency, date, datetime, phone or text.
    #[serde(default = "string_type")]
    pub data_type: String,
}

fn string_type() -> String {
    "string".to_owned()
}

impl CustomAttribute {
    pub fn new(api_name: &str, name: &str, data_type: &str) -> CustomAttribute {
        CustomAttribute {
            api_name: api_name.to_owned(),
            name: name.to_owned(),
            description: None,
            data_type: data_type.to_owned(),
        }
    }
}

/// A custom activity type as the custom-activity endpoints return it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomActivityType {
    /// The activity type id, once Marketo has given one.
    #[serde(default)]
    pub id: Option<i64>,
    pub api_name: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub trigger_name: Option<String>,
    #[serde(default)]
    pub filter_name: Option<String>,
    /// draft, approved or "approved with draft".
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub primary_attribute: Option<CustomAttribute>,
    #[serde(default)]
    pub attributes: Vec<CustomAttribute>,
}

/// A custom activity type to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewActivityType {
    pub api_name: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub trigger_name: String,
    pub filter_name: String,
    pub primary_attribute: CustomAttribute,
    #[serde(skip)]
    pub attributes: Vec<CustomAttribute>,
}

/// A custom activity to add to a person's activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomActivity {
    pub lead_id: i64,
    pub activity_date: DateTime<Utc>,
    pub activity_type_id: i64,
    pub primary_attribute_value: String,
    /// Secondary attributes by API name.
    pub attributes: Vec<(String, Value)>,
}

impl Serialize for CustomActivity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json!({
            "leadId": self.lead_id,
            "activityDate": self.activity_date.to_rfc3339_opts(SecondsFormat::Secs, true),
            "activityTypeId": self.activity_type_id,
            "primaryAttributeValue": self.primary_attribute_value,
            "attributes": self.attributes.iter()
                .map(|(api_name, value)| json!({ "apiName": api_name, "value": value }))
                .collect::<Vec<_>>(),
        })
        .serialize(serializer)
    }
}

impl MarketoClient {
    /// The activity types of the instance, custom ones included (`activities/types.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn activity_types(&self) -> Result<Vec<ActivityType>, Error> {
        Ok(self
            .call(Request::get("/v1/activities/types.json"))
            .await?
            .result)
    }

    /// The custom activity types, approved or draft (`activities/external/types.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn custom_activity_types(&self) -> Result<Vec<CustomActivityType>, Error> {
        Ok(self
            .call(Request::get("/v1/activities/external/types.json"))
            .await?
            .result)
    }

    /// Creates a custom activity type with its secondary attributes, as a draft: approve it with
    /// [`MarketoClient::approve_custom_activity_type`] before adding activities of it.
    ///
    /// # Errors
    /// Any response-level error (1027 past 10 types, 1028 past 20 attributes).
    pub async fn create_custom_activity_type(
        &self,
        def: &NewActivityType,
    ) -> Result<CustomActivityType, Error> {
        let request = Request::post("/v1/activities/external/type.json")
            .json(def)
            .not_idempotent();
        let mut created = self.first::<CustomActivityType>(request).await?;
        if !def.attributes.is_empty() {
            let request = Request::post(format!(
                "/v1/activities/external/type/{}/attributes/create.json",
                def.api_name
            ))
            .json(&json!({ "attributes": def.attributes }))
            .not_idempotent();
            created = self.first(request).await?;
        }
        Ok(created)
    }

    /// Approves a custom activity type's draft; activities of it can be added from then on.
    ///
    /// # Errors
    /// Any response-level error (709 when there is no draft).
    pub async fn approve_custom_activity_type(
        &self,
        api_name: &str,
    ) -> Result<CustomActivityType, Error> {
        let request = Request::post(format!(
            "/v1/activities/external/type/{api_name}/approve.json"
        ));
        self.first(request).await
    }

    /// Adds custom activities to persons' activity logs, 300 a call; a skipped activity is an
    /// outcome with its reasons (1004 for an unknown lead).
    ///
    /// # Errors
    /// A response-level error of any call.
    pub async fn add_custom_activities(
        &self,
        input: Vec<CustomActivity>,
    ) -> Result<Vec<RecordOutcome>, Error> {
        self.write_batches(&input, MAX_RECORDS, |range, chunk| async move {
            let request = Request::post("/v1/activities/external.json")
                .json(&json!({ "input": chunk }))
                .not_idempotent();
            let wire: Vec<WireOutcome> = self.call(request).await?.result;
            outcomes(wire, range.start, chunk.len())
        })
        .await
    }
}

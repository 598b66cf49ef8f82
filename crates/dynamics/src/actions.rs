//! Who the client is and which org it talks to (`WhoAmI`, `RetrieveCurrentOrganization`; the
//! organization id tells a refreshed sandbox or another org apart, R90–R93), how many records its
//! tables hold (`RetrieveTotalRecordCount`), and the `QualifyLead` and `Merge` actions.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::client::{DataverseClient, Payload};
use crate::error::Error;
use crate::record::Record;
use crate::wire;

/// The caller (`WhoAmI`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WhoAmI {
    pub user_id: Uuid,
    pub business_unit_id: Uuid,
    pub organization_id: Uuid,
}

/// The org (`RetrieveCurrentOrganization`'s `Detail`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organization {
    pub organization_id: Uuid,
    pub unique_name: String,
    pub friendly_name: String,
    pub url_name: String,
    pub environment_id: String,
    pub tenant_id: Uuid,
    #[serde(rename = "OrganizationVersion")]
    pub version: String,
}

#[derive(Debug, Deserialize)]
struct OrganizationResponse {
    #[serde(rename = "Detail")]
    detail: Organization,
}

impl WhoAmI {
    /// # Errors
    /// A body without the three ids, with the JSON path that failed.
    pub fn from_json(body: &[u8]) -> Result<WhoAmI, Error> {
        wire::decode(body, "WhoAmI")
    }
}

impl Organization {
    /// # Errors
    /// A body without the documented `Detail`, with the JSON path that failed.
    pub fn from_json(body: &[u8]) -> Result<Organization, Error> {
        wire::decode::<OrganizationResponse>(body, "RetrieveCurrentOrganization").map(|r| r.detail)
    }
}

/// What `QualifyLead` creates besides qualifying the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualifyOptions {
    pub create_account: bool,
    pub create_contact: bool,
    pub create_opportunity: bool,
    /// The lead's status reason once qualified (3, "Qualified", by default).
    pub status: i32,
}

impl Default for QualifyOptions {
    fn default() -> Self {
        QualifyOptions {
            create_account: false,
            create_contact: true,
            create_opportunity: false,
            status: 3,
        }
    }
}

/// A record an action created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    /// `account`, `contact`, `opportunity`.
    pub logical_name: String,
    pub id: Uuid,
}

/// `RetrieveTotalRecordCount`'s answer: table names and counts, side by side.
#[derive(Debug, Deserialize)]
struct RecordCounts {
    #[serde(rename = "EntityRecordCountCollection")]
    collection: KeyedCounts,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyedCounts {
    keys: Vec<String>,
    values: Vec<u64>,
}

#[derive(Debug, Deserialize)]
struct Created {
    value: Vec<serde_json::Map<String, Value>>,
}

impl DataverseClient {
    /// The caller's user, business unit and organization.
    ///
    /// # Errors
    /// As any request.
    pub async fn who_am_i(&self) -> Result<WhoAmI, Error> {
        let answer = self
            .send(Method::GET, self.url("WhoAmI")?, &[], Payload::None)
            .await?;
        WhoAmI::from_json(&answer.body)
    }

    /// The org's identity; its organization id changes when a sandbox is refreshed or copied.
    ///
    /// # Errors
    /// As any request.
    pub async fn current_organization(&self) -> Result<Organization, Error> {
        let url = self.url("RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'")?;
        let answer = self.send(Method::GET, url, &[], Payload::None).await?;
        Organization::from_json(&answer.body)
    }

    /// How many records each table holds, by logical name (`account`, `contact`): for progress
    /// totals. The service counts from a snapshot taken within the last 24 hours (API-FACTS A7),
    /// so the figures are estimates, not live counts.
    ///
    /// # Errors
    /// As any request; a table the org does not have is refused (404); an answer whose names and
    /// counts do not pair up is a decode error.
    pub async fn total_record_counts(
        &self,
        logical_names: &[&str],
    ) -> Result<BTreeMap<String, u64>, Error> {
        let names = serde_json::to_string(logical_names)
            .map_err(|e| Error::InvalidInput(format!("table names: {e}")))?;
        let url = self.url(&format!(
            "RetrieveTotalRecordCount(EntityNames=@p1)?{}",
            crate::client::query_string(&[("@p1", names)])
        ))?;
        let answer = self.send(Method::GET, url, &[], Payload::None).await?;
        let counts: RecordCounts = wire::decode(&answer.body, "RetrieveTotalRecordCount")?;
        let KeyedCounts { keys, values } = counts.collection;
        if keys.len() != values.len() {
            return Err(Error::Decode {
                path: "RetrieveTotalRecordCount: EntityRecordCountCollection".into(),
                message: format!("{} keys but {} values", keys.len(), values.len()),
            });
        }
        Ok(keys.into_iter().zip(values).collect())
    }

    /// Qualifies an open lead and answers the records created.
    ///
    /// # Errors
    /// As any request; a lead already closed is refused (400).
    pub async fn qualify_lead(
        &self,
        lead_id: Uuid,
        options: QualifyOptions,
    ) -> Result<Vec<EntityRef>, Error> {
        let url = self.url(&format!(
            "leads({lead_id})/Microsoft.Dynamics.CRM.QualifyLead"
        ))?;
        let body = json!({
            "CreateAccount": options.create_account,
            "CreateContact": options.create_contact,
            "CreateOpportunity": options.create_opportunity,
            "Status": options.status,
        });
        let answer = self
            .send(
                Method::POST,
                url,
                &[],
                Payload::Json(body.to_string().into_bytes()),
            )
            .await?;
        let created: Created = wire::decode(&answer.body, "QualifyLead")?;
        created
            .value
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let logical_name = row
                    .get("@odata.type")
                    .and_then(Value::as_str)
                    .map(|t| t.trim_start_matches("#Microsoft.Dynamics.CRM.").to_owned())
                    .ok_or_else(|| Error::Decode {
                        path: format!("QualifyLead: value[{i}].@odata.type"),
                        message: "missing".into(),
                    })?;
                let id = row
                    .get(&format!("{logical_name}id"))
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| Error::Decode {
                        path: format!("QualifyLead: value[{i}].{logical_name}id"),
                        message: "missing or not a GUID".into(),
                    })?;
                Ok(EntityRef { logical_name, id })
            })
            .collect()
    }

    /// Merges `subordinate` into `target` (both `entity`: `account`, `contact` or `lead`): the
    /// subordinate is deactivated and its children move to the target; `update` sets columns of
    /// the target on the way.
    ///
    /// # Errors
    /// As any request.
    pub async fn merge(
        &self,
        entity: &str,
        target: Uuid,
        subordinate: Uuid,
        update: Option<Record>,
    ) -> Result<(), Error> {
        let reference = |id: Uuid| json!({ format!("{entity}id"): id, "@odata.type": format!("Microsoft.Dynamics.CRM.{entity}") });
        let mut content = update.map(|r| r.write_body()).unwrap_or_default();
        content.insert(
            "@odata.type".into(),
            json!(format!("Microsoft.Dynamics.CRM.{entity}")),
        );
        let body = json!({
            "Target": reference(target),
            "Subordinate": reference(subordinate),
            "UpdateContent": content,
            "PerformParentingChecks": false,
        });
        self.send(
            Method::POST,
            self.url("Merge")?,
            &[],
            Payload::Json(body.to_string().into_bytes()),
        )
        .await
        .map(|_| ())
    }
}

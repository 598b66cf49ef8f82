//! Activities: paging tokens, lead changes, deleted leads and activity pages (`activities.md`,
//! `paging-tokens.md`).
//!
//! A [`PagingToken`] is an opaque, durable cursor: store the `next` token of the last page read
//! and a later read resumes exactly where that page stopped.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::batch::MAX_RECORDS;
use crate::client::Request;
use crate::{Error, MarketoClient};

pub(crate) const NEW_LEAD: i64 = 12;
pub(crate) const CHANGE_DATA_VALUE: i64 = 13;

/// Parses the datetimes Marketo prints: `2023-01-16T23:32:19Z`, `...-08:00` and `...+0000`.
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn datetime(text: &str, path: &str) -> Result<DateTime<Utc>, Error> {
    parse_datetime(text).ok_or_else(|| Error::Decode {
        path: path.to_owned(),
        message: format!("'{text}' is not an ISO 8601 datetime"),
    })
}

/// An opaque position in the activity log. Durable: store [`PagingToken::as_str`] and rebuild it
/// with `From<String>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PagingToken(String);

impl PagingToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for PagingToken {
    fn from(token: String) -> PagingToken {
        PagingToken(token)
    }
}

impl fmt::Display for PagingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An activity attribute; values are strings or numbers (`"Lead ID": 775`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    #[serde(default)]
    pub value: Value,
}

/// The kind of a lead change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// 12: the person was created.
    NewLead,
    /// 13: a field changed.
    ChangeDataValue,
    Other(i64),
}

impl From<i64> for ActivityKind {
    fn from(id: i64) -> ActivityKind {
        match id {
            NEW_LEAD => ActivityKind::NewLead,
            CHANGE_DATA_VALUE => ActivityKind::ChangeDataValue,
            other => ActivityKind::Other(other),
        }
    }
}

/// One field's change, values as text (`null` when the field was or became empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub id: Option<i64>,
    pub name: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A New Lead or Change Data Value activity.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadChange {
    pub activity_id: i64,
    pub marketo_guid: String,
    pub lead_id: i64,
    pub at: DateTime<Utc>,
    pub activity_type: ActivityKind,
    pub fields: Vec<FieldChange>,
    /// `Reason`, `Source`, `Lead ID`, ...
    pub attributes: Vec<Attribute>,
}

impl LeadChange {
    /// An attribute's value as text.
    pub fn attribute(&self, name: &str) -> Option<String> {
        attribute_text(&self.attributes, name)
    }
}

fn attribute_text(attributes: &[Attribute], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| match &a.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

fn text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// An activity item as every activity endpoint returns it (a superset of their members).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireActivity {
    id: Option<i64>,
    #[serde(rename = "marketoGUID")]
    marketo_guid: Option<String>,
    lead_id: i64,
    activity_date: String,
    activity_type_id: i64,
    #[serde(default)]
    primary_attribute_value_id: Option<i64>,
    #[serde(default)]
    primary_attribute_value: Option<Value>,
    #[serde(default)]
    fields: Vec<WireField>,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireField {
    id: Option<i64>,
    name: String,
    #[serde(default)]
    new_value: Option<Value>,
    #[serde(default)]
    old_value: Option<Value>,
}

impl WireActivity {
    /// The id and GUID; `marketoGUID` is replacing the integer `id` (`activities.md`).
    fn ids(&self) -> (i64, String) {
        let guid = self
            .marketo_guid
            .clone()
            .or_else(|| self.id.map(|i| i.to_string()))
            .unwrap_or_default();
        (
            self.id.or_else(|| guid.parse().ok()).unwrap_or_default(),
            guid,
        )
    }
}

/// An activity as `activities.json` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub activity_id: i64,
    pub marketo_guid: String,
    pub lead_id: i64,
    pub at: DateTime<Utc>,
    pub activity_type_id: i64,
    pub primary_attribute_value_id: Option<i64>,
    pub primary_attribute_value: Option<String>,
    pub attributes: Vec<Attribute>,
}

impl Activity {
    pub fn attribute(&self, name: &str) -> Option<String> {
        attribute_text(&self.attributes, name)
    }
}

/// A person deleted from Marketo (Delete Lead, 37).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedLead {
    pub activity_id: i64,
    pub marketo_guid: String,
    pub lead_id: i64,
    pub at: DateTime<Utc>,
    /// The person's name when deleted.
    pub name: Option<String>,
}

/// One page of lead changes.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadChangesPage {
    pub changes: Vec<LeadChange>,
    /// Where the next read starts; always given: store it to resume.
    pub next: PagingToken,
    /// Whether more activities follow now (a page may be short even then).
    pub more: bool,
}

/// One page of deleted persons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedLeadsPage {
    pub deleted: Vec<DeletedLead>,
    pub next: PagingToken,
    pub more: bool,
}

/// One page of activities.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivitiesPage {
    pub activities: Vec<Activity>,
    pub next: PagingToken,
    pub more: bool,
}

impl LeadChangesPage {
    pub fn changes(&self) -> &[LeadChange] {
        &self.changes
    }
}

impl DeletedLeadsPage {
    /// The deleted persons of the page.
    pub fn items(&self) -> &[DeletedLead] {
        &self.deleted
    }
}

impl ActivitiesPage {
    pub fn items(&self) -> &[Activity] {
        &self.activities
    }
}

/// The items of an activity page, the token of the next one, and whether more follow.
fn page<T>(
    envelope: crate::envelope::Envelope<WireActivity>,
    convert: impl Fn(usize, WireActivity) -> Result<T, Error>,
) -> Result<(Vec<T>, PagingToken, bool), Error> {
    let next = envelope.next_page_token.ok_or_else(|| Error::Decode {
        path: "nextPageToken".into(),
        message: "activity pages always carry a nextPageToken".into(),
    })?;
    let items = envelope
        .result
        .into_iter()
        .enumerate()
        .map(|(i, a)| convert(i, a))
        .collect::<Result<_, _>>()?;
    Ok((items, PagingToken(next), envelope.more_result))
}

fn lead_changes_page(
    envelope: crate::envelope::Envelope<WireActivity>,
) -> Result<LeadChangesPage, Error> {
    let (changes, next, more) = page(envelope, lead_change)?;
    Ok(LeadChangesPage {
        changes,
        next,
        more,
    })
}

fn deleted_leads_page(
    envelope: crate::envelope::Envelope<WireActivity>,
) -> Result<DeletedLeadsPage, Error> {
    let (deleted, next, more) = page(envelope, deleted_lead)?;
    Ok(DeletedLeadsPage {
        deleted,
        next,
        more,
    })
}

fn activities_page(
    envelope: crate::envelope::Envelope<WireActivity>,
) -> Result<ActivitiesPage, Error> {
    let (activities, next, more) = page(envelope, activity)?;
    Ok(ActivitiesPage {
        activities,
        next,
        more,
    })
}

fn lead_change(i: usize, a: WireActivity) -> Result<LeadChange, Error> {
    let (activity_id, marketo_guid) = a.ids();
    Ok(LeadChange {
        activity_id,
        marketo_guid,
        lead_id: a.lead_id,
        at: datetime(&a.activity_date, &format!("result[{i}].activityDate"))?,
        activity_type: a.activity_type_id.into(),
        fields: a
            .fields
            .into_iter()
            .map(|f| FieldChange {
                id: f.id,
                name: f.name,
                old_value: text(f.old_value),
                new_value: text(f.new_value),
            })
            .collect(),
        attributes: a.attributes,
    })
}

fn activity(i: usize, a: WireActivity) -> Result<Activity, Error> {
    let (activity_id, marketo_guid) = a.ids();
    Ok(Activity {
        activity_id,
        marketo_guid,
        lead_id: a.lead_id,
        at: datetime(&a.activity_date, &format!("result[{i}].activityDate"))?,
        activity_type_id: a.activity_type_id,
        primary_attribute_value_id: a.primary_attribute_value_id,
        primary_attribute_value: text(a.primary_attribute_value),
        attributes: a.attributes,
    })
}

fn deleted_lead(i: usize, a: WireActivity) -> Result<DeletedLead, Error> {
    let (activity_id, marketo_guid) = a.ids();
    Ok(DeletedLead {
        activity_id,
        marketo_guid,
        lead_id: a.lead_id,
        at: datetime(&a.activity_date, &format!("result[{i}].activityDate"))?,
        name: text(a.primary_attribute_value),
    })
}

/// Decodes a page of lead changes from a response body (the sample fixtures use this).
///
/// # Errors
/// A response-level error, or a body that is not a lead-changes page.
pub fn parse_lead_changes(body: &[u8]) -> Result<LeadChangesPage, Error> {
    lead_changes_page(crate::envelope::parse(body)?)
}

/// Decodes a page of activities from a response body.
///
/// # Errors
/// A response-level error, or a body that is not an activities page.
pub fn parse_activities(body: &[u8]) -> Result<ActivitiesPage, Error> {
    activities_page(crate::envelope::parse(body)?)
}

/// Decodes a page of deleted leads from a response body.
///
/// # Errors
/// A response-level error, or a body that is not a deleted-leads page.
pub fn parse_deleted_leads(body: &[u8]) -> Result<DeletedLeadsPage, Error> {
    deleted_leads_page(crate::envelope::parse(body)?)
}

impl MarketoClient {
    /// A token for the activities logged from `since` on (`activities/pagingtoken.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn paging_token(&self, since: DateTime<Utc>) -> Result<PagingToken, Error> {
        let request = Request::get("/v1/activities/pagingtoken.json").param(
            "sinceDatetime",
            since.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        let envelope = self.call::<Value>(request).await?;
        envelope
            .next_page_token
            .map(PagingToken)
            .ok_or_else(|| Error::Decode {
                path: "nextPageToken".into(),
                message: "Get Paging Token returned no token".into(),
            })
    }

    /// One page (up to 300) of New Lead activities and Change Data Value activities of `fields`
    /// after `token` (`activities/leadchanges.json`).
    ///
    /// # Errors
    /// [`Error::Invalid`] without fields; any response-level error (1006 for an unknown field).
    pub async fn lead_changes(
        &self,
        token: &PagingToken,
        fields: &[&str],
    ) -> Result<LeadChangesPage, Error> {
        if fields.is_empty() {
            return Err(Error::Invalid(
                "lead changes are read for named fields".into(),
            ));
        }
        let request = Request::get("/v1/activities/leadchanges.json")
            .param("nextPageToken", token.as_str())
            .param("fields", fields.join(","))
            .param("batchSize", MAX_RECORDS);
        lead_changes_page(self.call(request).await?)
    }

    /// Every lead change after `token` up to now, and the token to resume from later.
    ///
    /// # Errors
    /// As [`MarketoClient::lead_changes`].
    pub async fn all_lead_changes(
        &self,
        token: &PagingToken,
        fields: &[&str],
    ) -> Result<(Vec<LeadChange>, PagingToken), Error> {
        let mut all = Vec::new();
        let mut next = token.clone();
        loop {
            let page = self.lead_changes(&next, fields).await?;
            all.extend(page.changes);
            next = page.next;
            if !page.more {
                return Ok((all, next));
            }
        }
    }

    /// One page of deleted persons after `token` (`activities/deletedleads.json`; deletions older
    /// than 14 days may be pruned).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn deleted_leads(&self, token: &PagingToken) -> Result<DeletedLeadsPage, Error> {
        let request = Request::get("/v1/activities/deletedleads.json")
            .param("nextPageToken", token.as_str())
            .param("batchSize", MAX_RECORDS);
        deleted_leads_page(self.call(request).await?)
    }

    /// One page of activities of up to 10 types after `token`, optionally of up to 30 leads
    /// (`activities.json`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for no type, more than 10 types or more than 30 leads; any
    /// response-level error.
    pub async fn activities(
        &self,
        token: &PagingToken,
        type_ids: &[i64],
        lead_ids: &[i64],
    ) -> Result<ActivitiesPage, Error> {
        if type_ids.is_empty() || type_ids.len() > 10 || lead_ids.len() > 30 {
            return Err(Error::Invalid(format!(
                "activities are read for 1 to 10 types and at most 30 leads, not {} and {}",
                type_ids.len(),
                lead_ids.len()
            )));
        }
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut request = Request::get("/v1/activities.json")
            .param("nextPageToken", token.as_str())
            .param("activityTypeIds", list(type_ids))
            .param("batchSize", MAX_RECORDS);
        if !lead_ids.is_empty() {
            request = request.param("leadIds", list(lead_ids));
        }
        activities_page(self.call(request).await?)
    }
}

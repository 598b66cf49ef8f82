//! Custom activity types and custom activities (`activities.md`: Custom Activity Types, Add Custom
//! Activities).
//!
//! A type is created as a draft, gains attributes, and must be approved before activities of it can
//! be added. At most 10 types (1027) and 20 attributes per type (1028). Added activities are
//! write-once; a skipped one carries `errors`, not `reasons`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::activities::Detail;
use super::api::{self, Answer, ApiError, Call, Ctx};
use super::values::{format_millis, parse_datetime};

const MAX_TYPES: usize = 10;
const MAX_ATTRIBUTES: usize = 20;
/// The first id given to a custom type (the docs' examples use 100001).
const FIRST_ID: u32 = 100_001;
/// Largest serialized attributes array of one activity (1049).
const MAX_ATTRIBUTE_BYTES: usize = 65_536;
const DATA_TYPES: [&str; 11] = [
    "string", "boolean", "integer", "float", "link", "email", "currency", "date", "datetime",
    "phone", "text",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attribute {
    api_name: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default = "string_type")]
    data_type: String,
}

fn string_type() -> String {
    "string".to_owned()
}

#[derive(Debug, Clone)]
struct Version {
    name: String,
    description: Option<String>,
    trigger_name: String,
    filter_name: String,
    primary: Attribute,
    attributes: Vec<Attribute>,
}

#[derive(Debug)]
struct CustomType {
    id: u32,
    api_name: String,
    created_ms: i64,
    updated_ms: i64,
    approved: Option<Version>,
    draft: Option<Version>,
}

impl CustomType {
    fn status(&self) -> &'static str {
        match (&self.approved, &self.draft) {
            (Some(_), Some(_)) => "approved with draft",
            (Some(_), None) => "approved",
            _ => "draft",
        }
    }

    fn json(&self, version: &Version) -> Value {
        json!({
            "id": self.id,
            "apiName": self.api_name,
            "name": version.name,
            "description": version.description,
            "triggerName": version.trigger_name,
            "filterName": version.filter_name,
            "createdAt": format_millis(self.created_ms),
            "updatedAt": format_millis(self.updated_ms),
            "status": self.status(),
            "primaryAttribute": version.primary,
            "attributes": version.attributes,
        })
    }

    /// The approved version if any, else the draft (`describe` without `draft=true`).
    fn current(&self) -> &Version {
        self.approved
            .as_ref()
            .or(self.draft.as_ref())
            .expect("a type always has a version")
    }
}

/// A custom activity as recorded: its own date, primary value and attributes by display name.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) at_ms: i64,
    pub(crate) primary: Box<str>,
    attributes: Vec<(Box<str>, Value)>,
}

impl Recorded {
    pub(crate) fn attributes_json(&self) -> Vec<Value> {
        self.attributes
            .iter()
            .map(|(name, value)| json!({ "name": name.as_ref(), "value": value }))
            .collect()
    }
}

#[derive(Debug, Default)]
pub(crate) struct CustomTypes {
    types: Vec<CustomType>,
}

impl CustomTypes {
    fn find(&self, api_name: &str) -> Result<&CustomType, ApiError> {
        self.types
            .iter()
            .find(|t| t.api_name == api_name)
            .ok_or_else(|| ApiError::not_found(format!("custom activity type '{api_name}'")))
    }

    fn find_mut(&mut self, api_name: &str) -> Result<&mut CustomType, ApiError> {
        self.types
            .iter_mut()
            .find(|t| t.api_name == api_name)
            .ok_or_else(|| ApiError::not_found(format!("custom activity type '{api_name}'")))
    }

    /// The approved types in `types.json`'s shape.
    pub(crate) fn approved_as_activity_types(&self) -> Vec<Value> {
        self.types
            .iter()
            .filter_map(|t| {
                let v = t.approved.as_ref()?;
                Some(json!({
                    "id": t.id,
                    "apiName": t.api_name,
                    "name": v.name,
                    "description": v.description,
                    "primaryAttribute": { "apiName": v.primary.api_name, "name": v.primary.name, "dataType": v.primary.data_type },
                    "attributes": v.attributes.iter()
                        .map(|a| json!({ "apiName": a.api_name, "name": a.name, "dataType": a.data_type }))
                        .collect::<Vec<_>>(),
                }))
            })
            .collect()
    }

    /// Every type with its approved (else draft) version, for the snapshot.
    pub(crate) fn snapshot(&self) -> Vec<Value> {
        self.types.iter().map(|t| t.json(t.current())).collect()
    }
}

fn check_attribute(a: &Attribute) -> Result<(), ApiError> {
    if a.api_name.is_empty() || !a.api_name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid(format!(
            "attribute apiName '{}' must be alphanumeric",
            a.api_name
        )));
    }
    if a.name.trim().is_empty() {
        return Err(ApiError::blank("attribute name"));
    }
    if !DATA_TYPES.contains(&a.data_type.as_str()) {
        return Err(ApiError::invalid(format!(
            "attribute dataType '{}' is not one of {}",
            a.data_type,
            DATA_TYPES.join(", ")
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewType {
    api_name: Option<String>,
    name: Option<String>,
    description: Option<String>,
    trigger_name: Option<String>,
    filter_name: Option<String>,
    primary_attribute: Option<Attribute>,
}

/// `GET /rest/v1/activities/external/types.json`.
pub(crate) fn list_types(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    Ok(api::ok(db.custom_types.snapshot()))
}

/// `POST /rest/v1/activities/external/type.json`: a new type, in draft.
pub(crate) fn create_type(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let new: NewType = call.json()?;
    let required = |v: Option<String>, name: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::blank(name))
    };
    let api_name = required(new.api_name, "apiName")?;
    let name = required(new.name, "name")?;
    let trigger_name = required(new.trigger_name, "triggerName")?;
    let filter_name = required(new.filter_name, "filterName")?;
    let primary = new
        .primary_attribute
        .ok_or_else(|| ApiError::blank("primaryAttribute"))?;
    if api_name.len() > 255 || !api_name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid(format!(
            "apiName '{api_name}' must be alphanumeric, at most 255 characters"
        )));
    }
    // Display names hold letters, digits, spaces and underscores, and at least one letter.
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '_')
        || !name.chars().any(char::is_alphabetic)
    {
        return Err(ApiError::invalid(format!(
            "name '{name}' may hold only letters, digits, spaces and underscores"
        )));
    }
    check_attribute(&primary)?;
    let mut db = ctx.state.db.write();
    let types = &mut db.custom_types.types;
    if types.iter().any(|t| t.api_name == api_name) {
        return Err(ApiError::new(
            1017,
            format!("Object already exists: custom activity type '{api_name}'"),
        ));
    }
    if types.len() >= MAX_TYPES {
        return Err(ApiError::new(1027, "Max Activity Type Limit Reached"));
    }
    let now = ctx.now.timestamp_millis();
    let id = FIRST_ID + types.len() as u32;
    let created = CustomType {
        id,
        api_name,
        created_ms: now,
        updated_ms: now,
        approved: None,
        draft: Some(Version {
            name,
            description: new.description,
            trigger_name,
            filter_name,
            primary,
            attributes: Vec::new(),
        }),
    };
    let body = created.json(created.current());
    types.push(created);
    Ok(api::ok(vec![body]))
}

/// `GET /rest/v1/activities/external/type/{apiName}/describe.json[?draft=true]`.
pub(crate) fn describe_type(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    let found = db.custom_types.find(captures[0])?;
    let version = if call.param("draft") == Some("true") {
        found
            .draft
            .as_ref()
            .ok_or_else(|| ApiError::not_found(format!("draft of '{}'", found.api_name)))?
    } else {
        found.current()
    };
    Ok(api::ok(vec![found.json(version)]))
}

/// `POST /rest/v1/activities/external/type/{apiName}/approve.json`.
pub(crate) fn approve_type(ctx: &Ctx<'_>, _: &Call, captures: &[&str]) -> Answer {
    let mut db = ctx.state.db.write();
    let found = db.custom_types.find_mut(captures[0])?;
    // Approving an asset that has no draft is a business rule violation (`error-codes.md`, 709).
    let draft = found.draft.take().ok_or_else(|| {
        ApiError::new(
            709,
            format!(
                "Business Rule Violation: '{}' has no draft to approve",
                found.api_name
            ),
        )
    })?;
    found.approved = Some(draft);
    found.updated_ms = ctx.now.timestamp_millis();
    Ok(api::ok(vec![found.json(found.current())]))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAttributes {
    attributes: Option<Vec<Attribute>>,
}

/// `POST /rest/v1/activities/external/type/{apiName}/attributes/create.json`: adds secondary
/// attributes to the draft (made from the approved version when there is none).
pub(crate) fn create_attributes(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let request: NewAttributes = call.json()?;
    let added = request
        .attributes
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::blank("attributes"))?;
    for attribute in &added {
        check_attribute(attribute)?;
    }
    let mut db = ctx.state.db.write();
    let found = db.custom_types.find_mut(captures[0])?;
    let mut draft = found
        .draft
        .clone()
        .unwrap_or_else(|| found.current().clone());
    for attribute in added {
        if draft
            .attributes
            .iter()
            .chain([&draft.primary])
            .any(|a| a.api_name == attribute.api_name)
        {
            return Err(ApiError::new(
                1017,
                format!("Object already exists: attribute '{}'", attribute.api_name),
            ));
        }
        draft.attributes.push(attribute);
    }
    if draft.attributes.len() > MAX_ATTRIBUTES {
        return Err(ApiError::new(1028, "Max field limit reached"));
    }
    found.draft = Some(draft);
    found.updated_ms = ctx.now.timestamp_millis();
    let version = found.draft.as_ref().expect("just set");
    Ok(api::ok(vec![found.json(version)]))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddActivities {
    input: Option<Vec<Value>>,
}

/// A skipped custom activity: `errors`, not `reasons` (`activities.md`).
fn skipped(code: u32, message: impl Into<String>) -> Value {
    json!({ "status": "skipped", "errors": [{ "code": code.to_string(), "message": message.into() }] })
}

/// `POST /rest/v1/activities/external.json`: up to 300 custom activities.
pub(crate) fn add_activities(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let request: AddActivities = call.json()?;
    let input = request
        .input
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::blank("input"))?;
    let max = ctx.world.limits.read().marketo.max_batch_records as usize;
    if input.len() > max {
        return Err(ApiError::invalid(format!(
            "at most {max} activities per call, got {}",
            input.len()
        )));
    }
    let mut db = ctx.state.db.write();
    let mut result = Vec::with_capacity(input.len());
    for item in &input {
        let outcome = match check_activity(&db, item) {
            Err((code, message)) => skipped(code, message),
            Ok((lead, type_id, recorded)) => {
                let id = db.log.record(
                    ctx.now,
                    lead,
                    type_id,
                    &ctx.actor,
                    i64::from(type_id),
                    Some(Detail::Custom(recorded)),
                );
                json!({ "id": id, "marketoGUID": id.to_string(), "status": "added" })
            }
        };
        result.push(outcome);
    }
    Ok(api::ok(result))
}

type Checked = (i64, u32, Recorded);

fn check_activity(db: &super::Db, item: &Value) -> Result<Checked, (u32, String)> {
    let missing = |name: &str| {
        (
            1002,
            format!("Missing value for the required parameter '{name}'"),
        )
    };
    let item = item.as_object().ok_or((
        1003,
        "Invalid data: an activity is a JSON object".to_owned(),
    ))?;
    let lead = item
        .get("leadId")
        .and_then(Value::as_i64)
        .ok_or_else(|| missing("leadId"))?;
    let type_id = item
        .get("activityTypeId")
        .and_then(Value::as_u64)
        .ok_or_else(|| missing("activityTypeId"))? as u32;
    let date = item
        .get("activityDate")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("activityDate"))?;
    let at = parse_datetime(date).ok_or_else(|| {
        (
            1003,
            format!("Invalid data: activityDate '{date}' is not ISO 8601"),
        )
    })?;
    let primary = match item.get("primaryAttributeValue") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        _ => return Err(missing("primaryAttributeValue")),
    };
    let version = db
        .custom_types
        .types
        .iter()
        .find(|t| t.id == type_id)
        .and_then(|t| t.approved.as_ref())
        .ok_or_else(|| {
            (
                1003,
                format!(
                    "Invalid data: activityTypeId {type_id} is not an approved custom activity type"
                ),
            )
        })?;
    if db.leads.get(lead).is_none() {
        return Err((1004, "Lead not found".to_owned()));
    }
    let given = match item.get("attributes") {
        Some(Value::Array(a)) => a.as_slice(),
        None => &[],
        Some(_) => return Err((1003, "Invalid data: attributes is an array".to_owned())),
    };
    if serde_json::to_vec(given).map_or(0, |v| v.len()) > MAX_ATTRIBUTE_BYTES {
        return Err((
            1049,
            "Failed to Create Activity: attributes exceed 65536 bytes".to_owned(),
        ));
    }
    let mut attributes = Vec::with_capacity(given.len());
    for attribute in given {
        let attribute: &Map<String, Value> = attribute.as_object().ok_or((
            1003,
            "Invalid data: an attribute is a JSON object".to_owned(),
        ))?;
        let key = attribute
            .get("apiName")
            .or_else(|| attribute.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let defined = version
            .attributes
            .iter()
            .find(|a| a.api_name == key || a.name == key)
            .ok_or_else(|| (1006, format!("Field '{key}' not found")))?;
        attributes.push((
            defined.name.as_str().into(),
            attribute.get("value").cloned().unwrap_or(Value::Null),
        ));
    }
    Ok((
        lead,
        type_id,
        Recorded {
            at_ms: at.timestamp_millis(),
            primary: primary.into(),
            attributes,
        },
    ))
}

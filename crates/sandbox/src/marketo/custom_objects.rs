//! Custom objects (`custom-objects.md`): the type schema (create, add fields, approve, describe,
//! list, linkable objects) and the records of approved types, linked to leads.
//!
//! Rules kept: at most 10 types and 50 fields a type; one to three dedupe fields, required to
//! approve; names of letters, digits and underscores; after approval no new dedupe or link field,
//! and at most 20 more fields.

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{self, Answer, ApiError, Call, Ctx};
use super::objects::{IdField, Kind, ObjField, Store};
use super::values::{DataType, format_millis};

const MAX_TYPES: usize = 10;
const MAX_FIELDS: usize = 50;
const MAX_DEDUPE: usize = 3;
const MAX_ADDED_AFTER_APPROVAL: usize = 20;
const FIELD_TYPES: [&str; 11] = [
    "string", "boolean", "integer", "float", "link", "email", "currency", "date", "datetime",
    "phone", "text",
];

#[derive(Debug, Clone)]
pub(crate) struct CoField {
    pub(crate) name: String,
    display: String,
    data_type: DataType,
    description: Option<String>,
    dedupe: bool,
    pub(crate) related_to: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Version {
    display: String,
    plural: Option<String>,
    description: Option<String>,
    fields: Vec<CoField>,
}

#[derive(Debug)]
pub(crate) struct CoType {
    pub(crate) api_name: String,
    created_ms: i64,
    updated_ms: i64,
    pub(crate) approved: Option<Version>,
    draft: Option<Version>,
    /// The records, once the type has been approved.
    pub(crate) records: Option<Store>,
}

impl CoType {
    fn state(&self) -> &'static str {
        match (&self.approved, &self.draft) {
            (Some(_), Some(_)) => "approvedWithDraft",
            (Some(_), None) => "approved",
            _ => "draft",
        }
    }

    pub(crate) fn links(version: &Version) -> impl Iterator<Item = &CoField> {
        version.fields.iter().filter(|f| f.related_to.is_some())
    }

    fn dedupe(version: &Version) -> Vec<String> {
        version
            .fields
            .iter()
            .filter(|f| f.dedupe)
            .map(|f| f.name.clone())
            .collect()
    }

    fn searchable(version: &Version) -> Vec<Vec<String>> {
        let mut searchable = vec![Self::dedupe(version), vec!["marketoGUID".to_owned()]];
        searchable.extend(Self::links(version).map(|f| vec![f.name.clone()]));
        searchable
    }

    fn relationships(version: &Version) -> Vec<Value> {
        Self::links(version)
            .map(|f| {
                let (name, field) = f.related_to.as_ref().expect("a link");
                json!({ "field": f.name, "type": "child", "relatedTo": { "name": name, "field": field } })
            })
            .collect()
    }

    /// The record kind of a version.
    fn kind(&self, version: &Version) -> Kind {
        let mut fields = vec![
            ObjField::new("marketoGUID", "Marketo GUID", DataType::String, false).length(36),
            ObjField::new("createdAt", "Created At", DataType::Datetime, false),
            ObjField::new("updatedAt", "Updated At", DataType::Datetime, false),
        ];
        fields.extend(version.fields.iter().map(|f| {
            let mut field = ObjField::new(&f.name, &f.display, f.data_type, !f.dedupe);
            field.description = f.description.clone();
            field
        }));
        Kind {
            name: self.api_name.clone(),
            display: Some(version.display.clone()),
            description: version.description.clone(),
            id_field: IdField::Guid,
            dedupe: Self::dedupe(version),
            searchable: Self::searchable(version),
            fields,
            relationships: Some(Self::relationships(version)),
            default_all: true,
            created_ms: self.created_ms,
            updated_ms: self.updated_ms,
        }
    }

    /// The schema's Describe shape of one version.
    fn schema_json(&self, version: &Version, which: &str) -> Value {
        let never_approved = self.approved.is_none();
        let kind = self.kind(version);
        let mut body = kind.describe();
        let fields: Vec<Value> = body["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut f| {
                f["crmManaged"] = json!(false);
                f
            })
            .collect();
        body = json!({
            "state": self.state(),
            "version": which,
            "displayName": version.display,
            "description": version.description,
            "apiName": self.api_name,
            // A type never approved has no id field or dates yet (the docs' describe of a draft).
            "idField": if never_approved { Value::Null } else { json!("marketoGUID") },
            "createdAt": if never_approved { Value::Null } else { json!(format_millis(self.created_ms)) },
            "updatedAt": if never_approved { Value::Null } else { json!(format_millis(self.updated_ms)) },
            "dedupeFields": kind.dedupe,
            "searchableFields": kind.searchable,
            "relationships": kind.relationships,
            "fields": fields,
        });
        if let Some(plural) = &version.plural {
            body["pluralName"] = json!(plural);
        }
        body
    }
}

#[derive(Debug, Default)]
pub(crate) struct CustomObjects {
    pub(crate) types: Vec<CoType>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn rule(message: impl std::fmt::Display) -> ApiError {
    ApiError::new(709, format!("Business Rule Violation: {message}"))
}

impl CustomObjects {
    pub(crate) fn find(&self, api_name: &str) -> Result<&CoType, ApiError> {
        self.types
            .iter()
            .find(|t| t.api_name == api_name)
            .ok_or_else(|| ApiError::not_found(format!("custom object type '{api_name}'")))
    }

    fn find_mut(&mut self, api_name: &str) -> Result<&mut CoType, ApiError> {
        self.types
            .iter_mut()
            .find(|t| t.api_name == api_name)
            .ok_or_else(|| ApiError::not_found(format!("custom object type '{api_name}'")))
    }

    /// The records of an approved type.
    pub(crate) fn store(&self, api_name: &str) -> Result<&Store, ApiError> {
        self.find(api_name)?.records.as_ref().ok_or_else(|| {
            ApiError::not_found(format!("custom object '{api_name}' is not approved"))
        })
    }

    pub(crate) fn store_mut(&mut self, api_name: &str) -> Result<&mut Store, ApiError> {
        self.find_mut(api_name)?.records.as_mut().ok_or_else(|| {
            ApiError::not_found(format!("custom object '{api_name}' is not approved"))
        })
    }

    pub(crate) fn snapshot(&self) -> Value {
        Value::Object(
            self.types
                .iter()
                .filter_map(|t| Some((t.api_name.clone(), json!(t.records.as_ref()?.snapshot()))))
                .collect(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum TypeAction {
    CreateOnly,
    UpdateOnly,
    CreateOrUpdate,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SyncType {
    action: Option<TypeAction>,
    api_name: Option<String>,
    display_name: Option<String>,
    plural_name: Option<String>,
    description: Option<String>,
    #[expect(
        dead_code,
        reason = "a Marketo UI setting; the sandbox has no UI to show it in"
    )]
    show_in_lead_detail: Option<bool>,
}

/// `POST /rest/v1/customobjects/schema.json`: creates a type (in draft) or updates its draft.
pub(crate) fn sync_type(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let request: SyncType = call.json()?;
    let action = request.action.unwrap_or(TypeAction::CreateOrUpdate);
    let api_name = request.api_name.ok_or_else(|| ApiError::blank("apiName"))?;
    if !valid_name(&api_name) {
        return Err(ApiError::invalid(format!(
            "apiName '{api_name}' may hold only letters, digits and underscores"
        )));
    }
    if let Some(display) = &request.display_name
        && !display
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ' ')
    {
        return Err(ApiError::invalid(format!(
            "displayName '{display}' may hold only letters, digits, spaces and underscores"
        )));
    }
    let mut db = ctx.state.db.write();
    let objects = &mut db.custom_objects;
    let now = ctx.now.timestamp_millis();
    match (
        objects.types.iter_mut().find(|t| t.api_name == api_name),
        action,
    ) {
        (Some(_), TypeAction::CreateOnly) => Err(ApiError::new(
            1017,
            format!("Object already exists: custom object type '{api_name}'"),
        )),
        (None, TypeAction::UpdateOnly) => Err(ApiError::not_found(format!(
            "custom object type '{api_name}'"
        ))),
        (None, _) => {
            let display = request
                .display_name
                .ok_or_else(|| ApiError::blank("displayName"))?;
            if objects.types.len() >= MAX_TYPES {
                return Err(rule(format!("at most {MAX_TYPES} custom object types")));
            }
            objects.types.push(CoType {
                api_name,
                created_ms: now,
                updated_ms: now,
                approved: None,
                draft: Some(Version {
                    display,
                    plural: request.plural_name,
                    description: request.description,
                    fields: Vec::new(),
                }),
                records: None,
            });
            Ok(api::ok(Vec::new()))
        }
        (Some(found), _) => {
            let mut draft = found
                .draft
                .clone()
                .or_else(|| found.approved.clone())
                .expect("a version");
            if let Some(display) = request.display_name {
                if found
                    .approved
                    .as_ref()
                    .is_some_and(|a| a.display != display)
                {
                    return Err(rule("the displayName of an approved type cannot change"));
                }
                draft.display = display;
            }
            if request.plural_name.is_some() {
                draft.plural = request.plural_name;
            }
            if request.description.is_some() {
                draft.description = request.description;
            }
            found.draft = Some(draft);
            found.updated_ms = now;
            Ok(api::ok(Vec::new()))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewField {
    name: Option<String>,
    display_name: Option<String>,
    data_type: Option<String>,
    description: Option<String>,
    is_dedupe_field: Option<bool>,
    related_to: Option<RelatedTo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelatedTo {
    name: String,
    field: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddFields {
    input: Option<Vec<NewField>>,
}

/// `POST /rest/v1/customobjects/schema/{apiName}/addField.json`: adds fields to the draft.
pub(crate) fn add_fields(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let request: AddFields = call.json()?;
    let input = request
        .input
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::blank("input"))?;
    let mut db = ctx.state.db.write();
    let mut fields = Vec::with_capacity(input.len());
    for new in input {
        let name = new.name.ok_or_else(|| ApiError::blank("name"))?;
        let display = new
            .display_name
            .ok_or_else(|| ApiError::blank("displayName"))?;
        if !valid_name(&name) {
            return Err(ApiError::invalid(format!(
                "field name '{name}' may hold only letters, digits and underscores"
            )));
        }
        let related_to = match new.related_to {
            Some(r) => Some(check_link(&db, captures[0], &r)?),
            None => None,
        };
        // The docs' examples omit dataType for plain fields and for link fields.
        let type_name = new.data_type.unwrap_or_else(|| {
            if related_to.is_some() {
                "link"
            } else {
                "string"
            }
            .to_owned()
        });
        if !FIELD_TYPES.contains(&type_name.as_str()) {
            return Err(ApiError::invalid(format!(
                "dataType '{type_name}' is not one of {}",
                FIELD_TYPES.join(", ")
            )));
        }
        let data_type = DataType::parse(&type_name).expect("a listed type");
        fields.push(CoField {
            name,
            display,
            // A link field holds the key of the linked record: an integer for a lead id.
            data_type: match &related_to {
                Some((_, field)) if field == "id" => DataType::Integer,
                Some(_) => DataType::String,
                None => data_type,
            },
            description: new.description,
            dedupe: new.is_dedupe_field.unwrap_or(false),
            related_to,
        });
    }
    let found = db.custom_objects.find_mut(captures[0])?;
    let approved = found.approved.clone();
    let mut draft = found
        .draft
        .clone()
        .or_else(|| approved.clone())
        .expect("a version");
    for field in fields {
        if draft
            .fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(&field.name))
        {
            return Err(ApiError::new(
                1017,
                format!("Object already exists: field '{}'", field.name),
            ));
        }
        if approved.is_some() && (field.dedupe || field.related_to.is_some()) {
            return Err(rule(
                "dedupe and link fields cannot be added to an approved type",
            ));
        }
        draft.fields.push(field);
    }
    if draft.fields.len() + 3 > MAX_FIELDS {
        return Err(rule(format!(
            "at most {MAX_FIELDS} fields per custom object"
        )));
    }
    if draft.fields.iter().filter(|f| f.dedupe).count() > MAX_DEDUPE {
        return Err(rule(format!("at most {MAX_DEDUPE} dedupe fields")));
    }
    if let Some(approved) = &approved
        && draft.fields.len() > approved.fields.len() + MAX_ADDED_AFTER_APPROVAL
    {
        return Err(rule(format!(
            "at most {MAX_ADDED_AFTER_APPROVAL} fields may be added after approval"
        )));
    }
    found.draft = Some(draft);
    found.updated_ms = ctx.now.timestamp_millis();
    Ok(api::ok(Vec::new()))
}

/// Checks a link field's target: a lead or company field, or an approved custom object without
/// links of its own (`custom-objects.md`, Add Fields).
fn check_link(
    db: &super::Db,
    own: &str,
    related: &RelatedTo,
) -> Result<(String, String), ApiError> {
    let target = related.name.to_ascii_lowercase();
    let ok = match target.as_str() {
        "lead" => db.schema.get(&related.field).is_some(),
        "company" => db.companies.kind.field(&related.field).is_some(),
        _ => {
            let other = db
                .custom_objects
                .types
                .iter()
                .find(|t| t.api_name.eq_ignore_ascii_case(&related.name) && t.api_name != own)
                .and_then(|t| t.approved.as_ref())
                .ok_or_else(|| {
                    rule(format!(
                        "link object '{}' is not an approved object",
                        related.name
                    ))
                })?;
            if CoType::links(other).next().is_some() {
                return Err(rule(format!(
                    "'{}' has a link field of its own and cannot be linked to",
                    related.name
                )));
            }
            other
                .fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&related.field))
        }
    };
    if !ok {
        return Err(ApiError::invalid(format!(
            "link field '{}' does not exist on '{}'",
            related.field, related.name
        )));
    }
    Ok((target, related.field.clone()))
}

/// `POST /rest/v1/customobjects/schema/{apiName}/approve.json`.
pub(crate) fn approve(ctx: &Ctx<'_>, _: &Call, captures: &[&str]) -> Answer {
    let mut db = ctx.state.db.write();
    let found = db.custom_objects.find_mut(captures[0])?;
    let draft = found
        .draft
        .clone()
        .ok_or_else(|| rule(format!("'{}' has no draft to approve", found.api_name)))?;
    if !draft.fields.iter().any(|f| f.dedupe) {
        return Err(rule("at least one dedupe field is required"));
    }
    found.approved = Some(draft);
    found.draft = None;
    found.updated_ms = ctx.now.timestamp_millis();
    let kind = found.kind(found.approved.as_ref().expect("just approved"));
    match &mut found.records {
        Some(store) => store.kind = kind,
        None => found.records = Some(Store::new(kind)),
    }
    Ok(api::ok(Vec::new()))
}

/// The version a `state` parameter asks for (approved if any, else draft, by default).
fn version<'a>(
    found: &'a CoType,
    state: Option<&str>,
) -> Result<(&'a Version, &'static str), ApiError> {
    let missing = || ApiError::not_found(format!("no such version of '{}'", found.api_name));
    match state {
        None => Ok(match &found.approved {
            Some(a) => (a, "approved"),
            None => (found.draft.as_ref().ok_or_else(missing)?, "draft"),
        }),
        Some("approved") => Ok((found.approved.as_ref().ok_or_else(missing)?, "approved")),
        Some("draft") => Ok((found.draft.as_ref().ok_or_else(missing)?, "draft")),
        Some("approvedWithDraft") if found.approved.is_some() => {
            Ok((found.draft.as_ref().ok_or_else(missing)?, "draft"))
        }
        Some(other) => Err(ApiError::invalid(format!(
            "state '{other}' is not one of draft, approved, approvedWithDraft"
        ))),
    }
}

/// `GET /rest/v1/customobjects/schema/{apiName}/describe.json[?state=]`.
pub(crate) fn describe_type(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    let found = db.custom_objects.find(captures[0])?;
    let (v, which) = version(found, call.param("state"))?;
    Ok(api::ok(vec![found.schema_json(v, which)]))
}

/// `GET /rest/v1/customobjects/schema.json[?names=&state=]`.
pub(crate) fn list_types(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let names = call.list("names");
    let db = ctx.state.db.read();
    let mut result = Vec::new();
    for t in &db.custom_objects.types {
        if !names.is_empty() && !names.contains(&t.api_name.as_str()) {
            continue;
        }
        if let Ok((v, which)) = version(t, call.param("state")) {
            result.push(t.schema_json(v, which));
        }
    }
    Ok(api::ok(result))
}

/// `GET /rest/v1/customobjects/schema/fieldDataTypes.json`.
pub(crate) fn field_types(_: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(FIELD_TYPES.iter().map(|t| json!(t)).collect()))
}

/// `GET /rest/v1/customobjects/schema/linkableObjects.json`.
pub(crate) fn linkable(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    let field = |name: &str, display: &str, data_type: &str| json!({ "name": name, "displayName": display, "dataType": data_type });
    let lead_fields: Vec<Value> = db
        .schema
        .all()
        .iter()
        .filter(|f| f.searchable)
        .map(|f| field(&f.name, &f.display, f.data_type.name()))
        .collect();
    let mut result = vec![
        json!({ "name": "lead", "displayName": "Lead", "fields": lead_fields }),
        json!({ "name": "company", "displayName": "Company", "fields": [
            field("id", "Id", "integer"),
            field("externalCompanyId", "External Company Id", "string"),
        ] }),
    ];
    for t in &db.custom_objects.types {
        if let Some(v) = &t.approved
            && CoType::links(v).next().is_none()
        {
            let mut fields = vec![field("marketoGUID", "Marketo GUID", "string")];
            fields.extend(
                v.fields
                    .iter()
                    .map(|f| field(&f.name, &f.display, f.data_type.name())),
            );
            result.push(json!({ "name": t.api_name, "displayName": v.display, "fields": fields }));
        }
    }
    Ok(api::ok(result))
}

//! The lead (person) fields: the standard fields of `list-of-standard-fields.md` plus custom fields
//! created through `schema/fields.json`, and the endpoints that describe and create them
//! (`leads.md`: Describe, Describe2, Fields).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{self, Answer, ApiError, Call, Ctx};
use super::paging;
use super::values::DataType;

/// Where a lead field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Kept by the system: `id`, `createdAt`, `updatedAt`.
    System,
    /// Stored on the person.
    Person,
    /// The linked company's value when the person has a company (`companies.md`: leads inherit
    /// a company's values as though they were their own); otherwise the person's own.
    Company,
    /// Read from the sales person the lead's `externalSalesPersonId` names (`sales-persons.md`).
    Owner,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub(crate) id: u16,
    pub(crate) name: String,
    pub(crate) display: String,
    pub(crate) data_type: DataType,
    pub(crate) length: Option<u32>,
    pub(crate) source: Source,
    pub(crate) updateable: bool,
    pub(crate) searchable: bool,
    pub(crate) custom: bool,
    pub(crate) description: Option<String>,
    pub(crate) hidden: bool,
    pub(crate) html_encoding: bool,
    pub(crate) sensitive: bool,
}

use DataType as T;
use Source as S;

/// `(REST name, display name, type, length, source, updateable, searchable)`.
type Standard = (
    &'static str,
    &'static str,
    DataType,
    Option<u32>,
    Source,
    bool,
    bool,
);

const S255: Option<u32> = Some(255);

/// The standard lead fields, the REST names of `list-of-standard-fields.md` plus the link and key
/// fields of `leads.md` and the `filterType`s the Swagger lists for Get Leads by Filter Type.
#[rustfmt::skip]
const STANDARD: &[Standard] = &[
    ("id", "Id", T::Integer, None, S::System, false, true),
    ("email", "Email Address", T::Email, S255, S::Person, true, true),
    ("firstName", "First Name", T::String, S255, S::Person, true, false),
    ("lastName", "Last Name", T::String, S255, S::Person, true, false),
    ("middleName", "Middle Name", T::String, S255, S::Person, true, false),
    ("salutation", "Salutation", T::String, S255, S::Person, true, false),
    ("title", "Job Title", T::String, S255, S::Person, true, false),
    ("phone", "Phone Number", T::Phone, S255, S::Person, true, false),
    ("mobilePhone", "Mobile Phone Number", T::Phone, S255, S::Person, true, false),
    ("fax", "Fax Number", T::Phone, S255, S::Person, true, false),
    ("address", "Address", T::Text, None, S::Person, true, false),
    ("city", "City", T::String, S255, S::Person, true, false),
    ("state", "State", T::String, S255, S::Person, true, false),
    ("postalCode", "Postal Code", T::String, S255, S::Person, true, false),
    ("country", "Country", T::String, S255, S::Person, true, false),
    ("dateOfBirth", "Date of Birth", T::Date, None, S::Person, true, false),
    ("department", "Department", T::String, S255, S::Person, true, false),
    ("leadRole", "Role", T::String, S255, S::Person, true, false),
    ("leadSource", "Lead Source", T::String, S255, S::Person, true, false),
    ("leadStatus", "Lead Status", T::String, S255, S::Person, true, false),
    ("leadScore", "Lead Score", T::Score, None, S::Person, true, false),
    ("rating", "Lead Rating", T::String, S255, S::Person, true, false),
    ("unsubscribed", "Unsubscribed", T::Boolean, None, S::Person, true, false),
    ("unsubscribedReason", "Unsubscribed Reason", T::Text, None, S::Person, true, false),
    ("emailInvalid", "Email Invalid", T::Boolean, None, S::Person, true, false),
    ("emailInvalidCause", "Email Invalid Cause", T::String, S255, S::Person, true, false),
    ("doNotCall", "Do Not Call", T::Boolean, None, S::Person, true, false),
    ("doNotCallReason", "Do Not Call Reason", T::String, S255, S::Person, true, false),
    ("anonymousIP", "Anonymous IP", T::String, S255, S::Person, true, false),
    ("inferredCompany", "Inferred Company", T::String, S255, S::Person, false, false),
    ("inferredCountry", "Inferred Country", T::String, S255, S::Person, false, false),
    ("inferredCity", "Inferred City", T::String, S255, S::Person, false, false),
    ("inferredStateRegion", "Inferred State Region", T::String, S255, S::Person, false, false),
    ("inferredPostalCode", "Inferred Postal Code", T::String, S255, S::Person, false, false),
    ("inferredMetropolitanArea", "Inferred Metropolitan Area", T::String, S255, S::Person, false, false),
    ("inferredPhoneAreaCode", "Inferred Phone Area Code", T::String, S255, S::Person, false, false),
    ("jigsawContactId", "Marketo Data.com ID", T::String, S255, S::Person, false, false),
    ("jigsawContactStatus", "Marketo Data.com Status", T::String, S255, S::Person, false, false),
    ("isAnonymous", "Is Anonymous", T::Boolean, None, S::Person, false, false),
    ("priority", "Priority", T::Integer, None, S::Person, false, false),
    ("relativeScore", "Relative Score", T::Integer, None, S::Person, false, false),
    ("urgency", "Urgency", T::Float, None, S::Person, false, false),
    ("externalPersonId", "External Person Id", T::String, S255, S::Person, true, true),
    ("externalCompanyId", "External Company Id", T::String, Some(100), S::Person, true, false),
    ("externalSalesPersonId", "External Sales Person Id", T::String, S255, S::Person, true, false),
    ("leadPartitionId", "Lead Partition Id", T::Integer, None, S::Person, false, true),
    ("cookies", "Cookies", T::String, S255, S::Person, false, true),
    ("facebookId", "Facebook Id", T::String, S255, S::Person, true, true),
    ("linkedInId", "LinkedIn Id", T::String, S255, S::Person, true, true),
    ("twitterId", "Twitter Id", T::String, S255, S::Person, true, true),
    ("sfdcAccountId", "SFDC Account Id", T::String, Some(18), S::Person, false, true),
    ("sfdcContactId", "SFDC Contact Id", T::String, Some(18), S::Person, false, true),
    ("sfdcLeadId", "SFDC Lead Id", T::String, Some(18), S::Person, false, true),
    ("sfdcLeadOwnerId", "SFDC Lead Owner Id", T::String, Some(18), S::Person, false, true),
    ("sfdcOpptyId", "SFDC Oppty Id", T::String, Some(18), S::Person, false, true),
    ("company", "Company Name", T::String, S255, S::Company, true, false),
    ("site", "Site", T::String, S255, S::Company, true, false),
    ("billingStreet", "Billing Address", T::Text, None, S::Company, true, false),
    ("billingCity", "Billing City", T::String, S255, S::Company, true, false),
    ("billingState", "Billing State", T::String, S255, S::Company, true, false),
    ("billingCountry", "Billing Country", T::String, S255, S::Company, true, false),
    ("billingPostalCode", "Billing Postal Code", T::String, S255, S::Company, true, false),
    ("website", "Website", T::Url, S255, S::Company, true, false),
    ("mainPhone", "Main Phone", T::Phone, S255, S::Company, true, false),
    ("annualRevenue", "Annual Revenue", T::Currency, None, S::Company, true, false),
    ("numberOfEmployees", "Num Employees", T::Integer, None, S::Company, true, false),
    ("industry", "Industry", T::String, S255, S::Company, true, false),
    ("sicCode", "SIC Code", T::String, Some(40), S::Company, true, false),
    ("leadOwnerEmail", "Lead Owner Email Address", T::Email, S255, S::Owner, false, false),
    ("leadOwnerFirstName", "Lead Owner First Name", T::String, S255, S::Owner, false, false),
    ("leadOwnerLastName", "Lead Owner Last Name", T::String, S255, S::Owner, false, false),
    ("leadOwnerPhone", "Lead Owner Phone Number", T::Phone, S255, S::Owner, false, false),
    ("createdAt", "Created At", T::Datetime, None, S::System, false, false),
    ("updatedAt", "Updated At", T::Datetime, None, S::System, false, false),
];

/// The fields returned when a read names none (`leads.md`).
pub(crate) const DEFAULT_FIELDS: [&str; 6] = [
    "id",
    "email",
    "updatedAt",
    "createdAt",
    "firstName",
    "lastName",
];

/// Custom lead fields one Create Lead Fields call may create (`leads.md`).
const MAX_CREATE: usize = 100;

#[derive(Debug)]
pub(crate) struct LeadSchema {
    fields: Vec<FieldDef>,
    /// Lower-cased name to index: field names are matched without regard to case.
    by_name: HashMap<String, usize>,
}

impl Default for LeadSchema {
    fn default() -> Self {
        let mut schema = LeadSchema {
            fields: Vec::new(),
            by_name: HashMap::new(),
        };
        for &(name, display, data_type, length, source, updateable, searchable) in STANDARD {
            schema.push(FieldDef {
                id: 0,
                name: name.to_owned(),
                display: display.to_owned(),
                data_type,
                length,
                source,
                updateable,
                searchable,
                custom: false,
                description: None,
                hidden: false,
                html_encoding: !matches!(data_type, T::Boolean | T::Integer | T::Float),
                sensitive: true,
            });
        }
        schema
    }
}

impl LeadSchema {
    fn push(&mut self, mut field: FieldDef) {
        field.id = u16::try_from(self.fields.len() + 1).unwrap_or(u16::MAX);
        self.by_name
            .insert(field.name.to_ascii_lowercase(), self.fields.len());
        self.fields.push(field);
    }

    pub(crate) fn get(&self, name: &str) -> Option<&FieldDef> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.fields[i])
    }

    pub(crate) fn by_id(&self, id: u16) -> Option<&FieldDef> {
        self.fields.get(usize::from(id).checked_sub(1)?)
    }

    pub(crate) fn all(&self) -> &[FieldDef] {
        &self.fields
    }

    /// The field named `name`, or the response-level 1006 a read with an unknown field gets.
    pub(crate) fn require(&self, name: &str) -> Result<&FieldDef, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::new(1006, format!("Field '{name}' not found")))
    }

    /// The fields a read asks for (`fields=`), or the defaults.
    pub(crate) fn selection(&self, call: &Call) -> Result<Vec<&FieldDef>, ApiError> {
        let names = call.list("fields");
        if names.is_empty() {
            return DEFAULT_FIELDS.iter().map(|n| self.require(n)).collect();
        }
        names.into_iter().map(|n| self.require(n)).collect()
    }

    /// The field a `filterType` or `lookupField` names, if searchable: 1006 for an unknown field,
    /// 1011 for a standard field that cannot be searched (`error-codes.md`).
    pub(crate) fn searchable(&self, name: &str) -> Result<&FieldDef, ApiError> {
        let field = self.require(name)?;
        if field.searchable {
            Ok(field)
        } else {
            Err(ApiError::new(1011, format!("Field '{name}' not supported")))
        }
    }

    fn describe(&self) -> Vec<Value> {
        self.fields
            .iter()
            .map(|f| {
                let mut item = json!({
                    "id": f.id,
                    "displayName": f.display,
                    "dataType": f.data_type.name(),
                    "rest": { "name": f.name, "readOnly": !f.updateable },
                });
                if let Some(length) = f.length {
                    item["length"] = json!(length);
                }
                if !f.custom {
                    let mut soap = f.name.clone();
                    if let Some(first) = soap.get_mut(..1) {
                        first.make_ascii_uppercase();
                    }
                    item["soap"] = json!({ "name": soap, "readOnly": !f.updateable });
                }
                item
            })
            .collect()
    }

    fn describe2(&self) -> Value {
        let searchable: Vec<Value> = self
            .fields
            .iter()
            .filter(|f| f.searchable)
            .map(|f| json!([f.name]))
            .collect();
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut item = json!({
                    "name": f.name,
                    "displayName": f.display,
                    "dataType": f.data_type.name(),
                    "updateable": f.updateable,
                    "crmManaged": false,
                });
                if let Some(length) = f.length {
                    item["length"] = json!(length);
                }
                item
            })
            .collect();
        json!({ "name": "API Lead", "searchableFields": searchable, "fields": fields })
    }

    fn field_schema(f: &FieldDef) -> Value {
        let mut item = json!({
            "displayName": f.display,
            "name": f.name,
            "description": f.description,
            "dataType": f.data_type.name(),
            "isHidden": f.hidden,
            "isHtmlEncodingInEmail": f.html_encoding,
            "isSensitive": f.sensitive,
            "isCustom": f.custom,
            "isApiCreated": f.custom,
        });
        if let Some(length) = f.length {
            item["length"] = json!(length);
        }
        item
    }

    /// Creates one custom field, or says why not (record-level reasons).
    fn create(&mut self, input: &NewField) -> Result<&FieldDef, (u32, String)> {
        let name = input.name.as_deref().unwrap_or_default();
        let display = input.display_name.as_deref().unwrap_or_default();
        if name.is_empty() {
            return Err((
                1002,
                "Missing value for the required parameter 'name'".into(),
            ));
        }
        if display.is_empty() {
            return Err((
                1002,
                "Missing value for the required parameter 'displayName'".into(),
            ));
        }
        // The name starts with a letter and holds only letters, digits and underscores; the
        // display name has no special characters (`leads.md`, Create Fields).
        let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err((
                1003,
                format!(
                    "Invalid data: name '{name}' must start with a letter and hold only letters, digits or underscores"
                ),
            ));
        }
        if !display
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '_')
        {
            return Err((
                1003,
                format!("Invalid data: displayName '{display}' has special characters"),
            ));
        }
        const CREATABLE: [DataType; 12] = [
            T::Boolean,
            T::Currency,
            T::Date,
            T::Datetime,
            T::Email,
            T::Float,
            T::Integer,
            T::Percent,
            T::Phone,
            T::Score,
            T::String,
            T::Url,
        ];
        let type_name = input.data_type.as_deref().unwrap_or_default();
        let Some(data_type) = DataType::parse(type_name).filter(|t| CREATABLE.contains(t)) else {
            return Err((
                1003,
                format!(
                    "Invalid data: dataType '{type_name}' is not one of boolean, currency, date, datetime, email, float, integer, percent, phone, score, string, url"
                ),
            ));
        };
        if self.get(name).is_some() {
            return Err((1017, format!("Object already exists: field '{name}'")));
        }
        if self
            .fields
            .iter()
            .any(|f| f.display.eq_ignore_ascii_case(display))
        {
            return Err((
                1017,
                format!("Object already exists: displayName '{display}'"),
            ));
        }
        self.push(FieldDef {
            id: 0,
            name: name.to_owned(),
            display: display.to_owned(),
            data_type,
            length: matches!(data_type, T::String | T::Email | T::Phone | T::Url).then_some(255),
            source: Source::Person,
            updateable: true,
            searchable: data_type.searchable_when_custom(),
            custom: true,
            description: input.description.clone(),
            hidden: input.is_hidden.unwrap_or(false),
            html_encoding: input.is_html_encoding_in_email.unwrap_or(true),
            sensitive: input.is_sensitive.unwrap_or(false),
        });
        Ok(self.fields.last().expect("just pushed"))
    }
}

/// One item of a Create Lead Fields request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewField {
    display_name: Option<String>,
    name: Option<String>,
    description: Option<String>,
    data_type: Option<String>,
    is_hidden: Option<bool>,
    is_html_encoding_in_email: Option<bool>,
    is_sensitive: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateFields {
    input: Option<Vec<NewField>>,
}

/// `GET /rest/v1/leads/describe.json`.
pub(crate) fn describe(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(ctx.state.db.read().schema.describe()))
}

/// `GET /rest/v1/leads/describe2.json`.
pub(crate) fn describe2(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(vec![ctx.state.db.read().schema.describe2()]))
}

/// `GET /rest/v1/leads/schema/fields.json`: every field, 300 a page by default.
pub(crate) fn list_fields(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let size = call.batch_size(300)?;
    let after = paging::position(call.param("nextPageToken"))?;
    let db = ctx.state.db.read();
    let fields = db.schema.all();
    let start = usize::try_from(after)
        .unwrap_or(usize::MAX)
        .min(fields.len());
    let end = (start + size).min(fields.len());
    let result = fields[start..end]
        .iter()
        .map(LeadSchema::field_schema)
        .collect();
    let more = end < fields.len();
    Ok(api::page(
        result,
        more,
        more.then(|| paging::position_token(end as i64)),
    ))
}

/// `GET /rest/v1/leads/schema/fields/{fieldApiName}.json`.
pub(crate) fn get_field(ctx: &Ctx<'_>, _: &Call, captures: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    let field = db.schema.require(captures[0])?;
    Ok(api::ok(vec![LeadSchema::field_schema(field)]))
}

/// `POST /rest/v1/leads/schema/fields.json`: creates custom fields, one outcome per input.
pub(crate) fn create_fields(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let request: CreateFields = call.json()?;
    let input = request
        .input
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::blank("input"))?;
    if input.len() > MAX_CREATE {
        return Err(ApiError::invalid(format!(
            "at most {MAX_CREATE} fields per call, got {}",
            input.len()
        )));
    }
    let mut db = ctx.state.db.write();
    let result = input
        .iter()
        .map(|field| {
            let mut item = match db.schema.create(field) {
                Ok(created) => {
                    // A searchable custom field can be a filterType and a lookupField at once.
                    if created.searchable {
                        let id = created.id;
                        db.leads.index_field(id);
                    }
                    api::outcome("created")
                }
                Err((code, message)) => api::skipped(code, message),
            };
            let name = field.name.clone().unwrap_or_default();
            let mut ordered = Map::new();
            ordered.insert("name".into(), Value::String(name));
            ordered.append(&mut item);
            Value::Object(ordered)
        })
        .collect();
    Ok(api::ok(result))
}

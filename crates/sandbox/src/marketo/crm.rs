//! Companies, opportunities, opportunity roles and sales persons (`companies.md`,
//! `opportunities.md`, `opportunity-roles.md`, `sales-persons.md`).
//!
//! The instance has no native CRM sync (a "non-native" integration, SPEC R99), so these APIs are
//! writable and 1018 "CRM Enabled" never appears. Rules beyond the common interface:
//! - a lead linked to a company reads the company's values as its own; a company change leaves a
//!   Change Data Value on each of its people, unless it has more than 5,000 (SPEC R12);
//! - an opportunity needs a `name` and an existing `externalSalesPersonId` (718);
//! - a role needs its lead (1004) and its opportunity (1013);
//! - a sales person in use by a lead or a company is not deleted (1022).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::Db;
use super::activities::{CHANGE_DATA_VALUE, Detail};
use super::api::{self, Actor, Answer, ApiError, Call, Ctx};
use super::objects::{
    self, Action, IdField, KeyBy, Kind, ObjField, SeenKeys, Skip, Store, Written,
};
use super::schema::Source;
use super::values::{DataType as T, ValRef};

/// The people of a company above which a company change is not logged per person (SPEC R12).
const ACTIVITY_CAP: usize = 5_000;

/// The moment the standard object types were "created" in this instance.
const TYPES_CREATED_MS: i64 = 1_704_067_200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Crm {
    Company,
    Opportunity,
    Role,
    SalesPerson,
}

fn kind(
    name: &str,
    display: Option<&str>,
    id_field: IdField,
    dedupe: &[&str],
    searchable: &[&[&str]],
    fields: Vec<ObjField>,
    default_all: bool,
) -> Kind {
    let mut all = match id_field {
        IdField::Id => vec![ObjField::new("id", "Id", T::Integer, false)],
        IdField::Guid => {
            vec![ObjField::new("marketoGUID", "Marketo GUID", T::String, false).length(36)]
        }
    };
    all.push(ObjField::new("createdAt", "Created At", T::Datetime, false));
    all.push(ObjField::new("updatedAt", "Updated At", T::Datetime, false));
    all.extend(fields);
    Kind {
        name: name.to_owned(),
        display: display.map(str::to_owned),
        description: None,
        id_field,
        dedupe: dedupe.iter().map(|s| (*s).to_owned()).collect(),
        searchable: searchable
            .iter()
            .map(|s| s.iter().map(|f| (*f).to_owned()).collect())
            .collect(),
        fields: all,
        relationships: None,
        default_all,
        created_ms: TYPES_CREATED_MS,
        updated_ms: TYPES_CREATED_MS,
    }
}

fn f(name: &str, display: &str, data_type: T) -> ObjField {
    ObjField::new(name, display, data_type, true)
}

/// The company fields leads inherit, named as on the lead.
pub(crate) const COMPANY_FIELDS: [(&str, &str, T); 13] = [
    ("company", "Company Name", T::String),
    ("site", "Site", T::String),
    ("billingStreet", "Billing Address", T::Text),
    ("billingCity", "Billing City", T::String),
    ("billingState", "Billing State", T::String),
    ("billingCountry", "Billing Country", T::String),
    ("billingPostalCode", "Billing Postal Code", T::String),
    ("website", "Website", T::Url),
    ("mainPhone", "Main Phone", T::Phone),
    ("annualRevenue", "Annual Revenue", T::Currency),
    ("numberOfEmployees", "Num Employees", T::Integer),
    ("industry", "Industry", T::String),
    ("sicCode", "SIC Code", T::String),
];

pub(crate) fn store(crm: Crm) -> Store {
    let mut k = match crm {
        Crm::Company => {
            let mut fields = vec![
                ObjField::new("externalCompanyId", "External Company Id", T::String, false)
                    .length(100),
                f(
                    "externalSalesPersonId",
                    "External Sales Person Id",
                    T::String,
                ),
            ];
            fields.extend(COMPANY_FIELDS.iter().map(|(n, d, t)| f(n, d, *t)));
            kind(
                "Company",
                None,
                IdField::Id,
                &["externalCompanyId"],
                &[&["externalCompanyId"], &["id"], &["company"]],
                fields,
                false,
            )
        }
        Crm::Opportunity => kind(
            "opportunity",
            Some("Opportunity"),
            IdField::Guid,
            &["externalOpportunityId"],
            &[&["externalOpportunityId"], &["marketoGUID"]],
            vec![
                ObjField::new(
                    "externalOpportunityId",
                    "External Opportunity Id",
                    T::String,
                    false,
                )
                .length(50),
                f("name", "Name", T::String),
                f("description", "Description", T::String).length(2000),
                f("type", "Type", T::String),
                f("stage", "Stage", T::String),
                f("amount", "Amount", T::Currency),
                f("expectedRevenue", "Expected Revenue", T::Currency),
                f("probability", "Probability", T::Integer),
                f("closeDate", "Close Date", T::Date),
                f("isClosed", "Closed", T::Boolean),
                f("isWon", "Won", T::Boolean),
                f("fiscalYear", "Fiscal Year", T::Integer),
                f("fiscalQuarter", "Fiscal Quarter", T::Integer),
                f("forecastCategoryName", "Forecast Category Name", T::String),
                f("leadSource", "Lead Source", T::String),
                f("nextStep", "Next Step", T::String),
                f("source", "Source", T::String),
                f("lastActivityDate", "Last Activity Date", T::Date),
                f("externalCompanyId", "External Company Id", T::String),
                f(
                    "externalSalesPersonId",
                    "External Sales Person Id",
                    T::String,
                ),
                f("externalCreatedDate", "External Created Date", T::Datetime),
            ],
            true,
        ),
        Crm::Role => kind(
            "opportunityRole",
            Some("Opportunity Role"),
            IdField::Guid,
            &["externalOpportunityId", "leadId", "role"],
            &[
                &["externalOpportunityId", "leadId", "role"],
                &["marketoGUID"],
                &["leadId"],
                &["externalOpportunityId"],
            ],
            vec![
                ObjField::new(
                    "externalOpportunityId",
                    "External Opportunity Id",
                    T::String,
                    false,
                )
                .length(50),
                ObjField::new("leadId", "Lead Id", T::Integer, false),
                ObjField::new("role", "Role", T::String, false).length(50),
                f("isPrimary", "Is Primary", T::Boolean),
                f("externalCreatedDate", "External Created Date", T::Datetime),
            ],
            true,
        ),
        Crm::SalesPerson => kind(
            "SalesPerson",
            None,
            IdField::Id,
            &["externalSalesPersonId"],
            &[&["email"], &["id"], &["externalSalesPersonId"]],
            vec![
                ObjField::new(
                    "externalSalesPersonId",
                    "External Sales Person Id",
                    T::String,
                    false,
                ),
                f("email", "Email", T::Email),
                f("firstName", "First Name", T::String),
                f("lastName", "Last Name", T::String),
                f("phone", "Phone", T::Phone),
                f("mobilePhone", "Mobile Phone", T::Phone),
                f("fax", "Fax", T::Phone),
                f("title", "Title", T::String),
            ],
            true,
        ),
    };
    if crm == Crm::Company {
        k.description = Some("Company object".to_owned());
    }
    Store::new(k)
}

impl Db {
    pub(crate) fn crm(&self, crm: Crm) -> &Store {
        match crm {
            Crm::Company => &self.companies,
            Crm::Opportunity => &self.opportunities,
            Crm::Role => &self.roles,
            Crm::SalesPerson => &self.sales_persons,
        }
    }

    fn crm_mut(&mut self, crm: Crm) -> &mut Store {
        match crm {
            Crm::Company => &mut self.companies,
            Crm::Opportunity => &mut self.opportunities,
            Crm::Role => &mut self.roles,
            Crm::SalesPerson => &mut self.sales_persons,
        }
    }

    /// The checks a record must pass before it is written.
    fn crm_check(
        &self,
        crm: Crm,
        action: Action,
        by: KeyBy,
        input: &Map<String, Value>,
    ) -> Result<(), Skip> {
        let get = |name: &str| {
            input
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        match crm {
            Crm::Opportunity => {
                let creates = action != Action::UpdateOnly && !self.opportunities.exists(by, input);
                if creates && get("name").is_none_or(Value::is_null) {
                    return Err(objects::missing("name"));
                }
            }
            Crm::Role => {
                if let Some(lead) =
                    get("leadId").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                    && self.leads.get(lead).is_none()
                {
                    return Err((1004, "Lead not found".to_owned()));
                }
                if let Some(opportunity) = get("externalOpportunityId")
                    && self.opportunities.find_by_key(&[opportunity]).is_none()
                {
                    return Err((1013, format!("Object not found: opportunity {opportunity}")));
                }
            }
            Crm::Company | Crm::SalesPerson => {}
        }
        Ok(())
    }

    /// Syncs records of a CRM type, one outcome per record.
    pub(crate) fn crm_sync(
        &mut self,
        crm: Crm,
        action: Action,
        by: KeyBy,
        input: &[Value],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Value>, ApiError> {
        if crm == Crm::Opportunity {
            // A Sync Opportunities call naming a sales person that does not exist fails as a
            // whole (`error-codes.md`, 718).
            for item in input {
                if let Some(key) = item.get("externalSalesPersonId").filter(|v| !v.is_null())
                    && self.sales_persons.find_by_key(&[key]).is_none()
                {
                    return Err(ApiError::new(
                        718,
                        format!("ExternalSalesPersonID not found: {key}"),
                    ));
                }
            }
        }
        let mut seen = SeenKeys::default();
        let mut result = Vec::with_capacity(input.len());
        for (seq, item) in input.iter().enumerate() {
            let written = (|| {
                let record = item
                    .as_object()
                    .ok_or((1003, "Invalid data: a record is a JSON object".to_owned()))?;
                seen.check(self.crm(crm), by, record)?;
                self.crm_check(crm, action, by, record)?;
                self.crm_mut(crm)
                    .write(action, by, record, now.timestamp_millis())
            })();
            let outcome = match written {
                Ok(written) => {
                    if crm == Crm::Company {
                        self.company_changed(&written, actor, now);
                    }
                    let store = self.crm(crm);
                    let record = store.record(written.index).expect("written");
                    let (id_name, id) = store.id_json(record);
                    Ok((
                        id_name,
                        id,
                        if written.created {
                            "created"
                        } else {
                            "updated"
                        },
                    ))
                }
                Err(skip) => Err(skip),
            };
            result.push(objects::outcome(seq, outcome));
        }
        Ok(result)
    }

    /// Leaves a Change Data Value on each person of a changed company, for each inherited field
    /// whose visible value changed — unless the company has more than 5,000 people (SPEC R12).
    pub(crate) fn company_changed(&mut self, written: &Written, actor: &Actor, now: DateTime<Utc>) {
        let Some(company) = self.companies.record(written.index) else {
            return;
        };
        let Some(key) = self.companies.value(company, "externalCompanyId") else {
            return;
        };
        let Some(link) = self.schema.get("externalCompanyId").map(|f| f.id) else {
            return;
        };
        let people = self.leads.find(link, key.as_str().unwrap_or_default());
        let now_ms = now.timestamp_millis();
        for &id in &people {
            self.leads.touch(id, now_ms);
        }
        if people.len() > ACTIVITY_CAP {
            return;
        }
        let mut entries = Vec::new();
        for (field, old, new) in &written.changes {
            let name = &self.companies.kind.fields[*field as usize].name;
            let Some(lead_field) = self
                .schema
                .get(name)
                .filter(|d| d.source == Source::Company)
            else {
                continue;
            };
            for &id in &people {
                let own = self
                    .leads
                    .get(id)
                    .and_then(|l| l.values.get(lead_field.id))
                    .map(ValRef::to_owned);
                let before = if written.created { own } else { old.clone() };
                if before != *new {
                    entries.push((id, lead_field.id, before, new.clone()));
                }
            }
        }
        for (id, field, old, new) in entries {
            self.log.record(
                now,
                id,
                CHANGE_DATA_VALUE,
                actor,
                i64::from(field),
                Some(Detail::Change { old, new }),
            );
        }
    }

    /// Deletes records of a CRM type, one outcome per record.
    fn crm_delete(&mut self, crm: Crm, by: KeyBy, input: &[Value]) -> Vec<Value> {
        let mut result = Vec::with_capacity(input.len());
        for (seq, item) in input.iter().enumerate() {
            let removed = (|| {
                let record = item
                    .as_object()
                    .ok_or((1003, "Invalid data: a record is a JSON object".to_owned()))?;
                if crm == Crm::SalesPerson {
                    let found = self.sales_persons.peek(by, record)?;
                    let key = self
                        .sales_persons
                        .value(found, "externalSalesPersonId")
                        .unwrap_or_default();
                    if self.sales_person_in_use(key.as_str().unwrap_or_default()) {
                        return Err((1022, "Object in use".to_owned()));
                    }
                }
                let store = self.crm_mut(crm);
                let removed = store.remove(by, record)?;
                let (id_name, id) = store.id_json(&removed);
                Ok((id_name, id, "deleted"))
            })();
            result.push(objects::outcome(seq, removed));
        }
        result
    }

    /// Whether a lead or a company names this sales person (`sales-persons.md`, Delete).
    fn sales_person_in_use(&self, key: &str) -> bool {
        let by_lead = self
            .schema
            .get("externalSalesPersonId")
            .is_some_and(|f| !self.leads.find(f.id, key).is_empty());
        by_lead
            || self.companies.iter().any(|c| {
                self.companies
                    .value(c, "externalSalesPersonId")
                    .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case(key)))
                    .unwrap_or(false)
            })
    }

    /// Sets company fields as a marketer editing the account in Marketo would: the change shows
    /// on every person of the company (SPEC R21).
    pub(crate) fn edit_company(
        &mut self,
        external_id: &str,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let mut input = fields.clone();
        input.insert("externalCompanyId".into(), json!(external_id));
        match self.companies.write(
            Action::UpdateOnly,
            KeyBy::DedupeFields,
            &input,
            now.timestamp_millis(),
        ) {
            Ok(written) => {
                self.company_changed(&written, actor, now);
                Ok(())
            }
            Err((_, why)) => Err(why),
        }
    }
}

fn max_records(ctx: &Ctx<'_>) -> usize {
    ctx.world.limits.read().marketo.max_batch_records as usize
}

/// `GET /rest/v1/<type>/describe.json`.
pub(crate) fn describe(ctx: &Ctx<'_>, crm: Crm) -> Answer {
    Ok(api::ok(vec![ctx.state.db.read().crm(crm).kind.describe()]))
}

/// `GET /rest/v1/<type>.json` (or `POST ...?_method=GET`).
pub(crate) fn query(ctx: &Ctx<'_>, call: &Call, crm: Crm) -> Answer {
    let max = ctx.world.limits.read().marketo.max_filter_values as usize;
    ctx.state.db.read().crm(crm).query(call, max)
}

/// `POST /rest/v1/<type>.json`.
pub(crate) fn sync(ctx: &Ctx<'_>, call: &Call, crm: Crm) -> Answer {
    let (action, by, input) = objects::sync_request(call, max_records(ctx))?;
    let result = ctx
        .state
        .db
        .write()
        .crm_sync(crm, action, by, &input, &ctx.actor, ctx.now)?;
    Ok(api::ok(result))
}

/// `POST /rest/v1/<type>/delete.json`.
pub(crate) fn delete(ctx: &Ctx<'_>, call: &Call, crm: Crm) -> Answer {
    let (by, input) = objects::delete_request(call, max_records(ctx))?;
    Ok(api::ok(ctx.state.db.write().crm_delete(crm, by, &input)))
}

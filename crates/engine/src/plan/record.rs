//! Reading people from both APIs' JSON into values keyed by Marketo field, through the mapping,
//! plus the system fields Dynasync keeps on every person (owner, company, Dynamics creation date).

use std::collections::BTreeMap;

use serde_json::Value as Json;
use uuid::Uuid;

use super::Context;
use crate::model::{Direction, Entity, SYNC_FILTER_COLUMN, person_fields};
use crate::value::{ConversionError, FieldKind, Value};

/// A record's sync filter (`new_synctomkto`, R32-R34).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// The entity has no such column: everything syncs.
    Absent,
    /// The column is empty: copied once, no updates (R34).
    Blank,
    Yes,
    /// The only way to keep a record out of Marketo (R33).
    No,
}

/// A field of a person as the merge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub(crate) marketo: String,
    pub(crate) kind: FieldKind,
    pub(crate) direction: Direction,
}

/// Marketo fields that live on the company: a person linked to a company shows the company's
/// values and cannot write them (R54, error 1021).
pub(crate) const COMPANY_FIELDS: &[&str] = &[
    "company",
    "annualRevenue",
    "numberOfEmployees",
    "industry",
    "sicCode",
    "site",
    "website",
    "mainPhone",
    "billingStreet",
    "billingCity",
    "billingState",
    "billingCountry",
    "billingPostalCode",
];

/// The fields of a lead or contact: its mapped ones, then the system ones (one-way).
pub(crate) fn person_fields(ctx: &Context<'_>, entity: &Entity) -> Vec<FieldSpec> {
    let mut fields: Vec<FieldSpec> = ctx
        .mappings
        .of(entity)
        .iter()
        .map(|m| FieldSpec {
            marketo: m.marketo.clone(),
            kind: m.kind.clone(),
            direction: m.direction,
        })
        .collect();
    let lookup = || FieldKind::Lookup {
        targets: Vec::new(),
    };
    for (name, kind) in [
        (person_fields::OWNER, lookup()),
        (person_fields::COMPANY, lookup()),
        (person_fields::CREATED_DATE, FieldKind::DateTime),
    ] {
        if !fields.iter().any(|f| f.marketo == name) {
            fields.push(FieldSpec {
                marketo: name.to_owned(),
                kind,
                direction: Direction::ToMarketo,
            });
        }
    }
    fields
}

/// A lead or contact as the Web API returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    /// Values by Marketo field, for the columns the JSON carries.
    pub values: BTreeMap<String, Value>,
    /// Columns whose value could not be read.
    pub errors: Vec<(String, ConversionError)>,
    pub modified_by: Option<Uuid>,
    /// The row's version (`@odata.etag`).
    pub version: Option<String>,
    pub filter: Filter,
    /// The lead a contact was qualified from.
    pub originating_lead: Option<Uuid>,
    /// The record this one was merged into (it is then deactivated).
    pub merged_into: Option<Uuid>,
}

fn guid(json: &Json, property: &str) -> Option<Uuid> {
    json.get(property)
        .and_then(Json::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

impl PersonRow {
    pub fn from_dynamics(ctx: &Context<'_>, entity: &Entity, json: &Json) -> PersonRow {
        let mut values = BTreeMap::new();
        let mut errors = Vec::new();
        for mapping in ctx.mappings.of(entity) {
            let property = mapping.read_property();
            let Some(raw) = json.get(&property) else {
                continue;
            };
            match mapping.kind.from_dynamics(raw) {
                Ok(value) => {
                    values.insert(mapping.marketo.clone(), value);
                }
                Err(e) => errors.push((mapping.marketo.clone(), e)),
            }
        }
        let reference = |id: Option<Uuid>| id.map_or(Value::Null, Value::Ref);
        if json.get("_ownerid_value").is_some() {
            values.insert(
                person_fields::OWNER.to_owned(),
                reference(guid(json, "_ownerid_value")),
            );
        }
        let company = match entity {
            Entity::Contact => json.get("_parentcustomerid_value").map(|_| {
                let is_account = json
                    .get("_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname")
                    .and_then(Json::as_str)
                    .is_none_or(|name| name == "account");
                if is_account {
                    guid(json, "_parentcustomerid_value")
                } else {
                    None
                }
            }),
            _ => json
                .get("_parentaccountid_value")
                .map(|_| guid(json, "_parentaccountid_value")),
        };
        if let Some(company) = company {
            values.insert(person_fields::COMPANY.to_owned(), reference(company));
        }
        if let Some(created) = json.get("createdon")
            && let Ok(at) = FieldKind::DateTime.from_dynamics(created)
        {
            values.insert(person_fields::CREATED_DATE.to_owned(), at);
        }
        let filter = if !ctx.filter_entities.contains(entity) {
            Filter::Absent
        } else {
            match json.get(SYNC_FILTER_COLUMN) {
                Some(Json::Bool(true)) => Filter::Yes,
                Some(Json::Bool(false)) => Filter::No,
                _ => Filter::Blank,
            }
        };
        let merged = json.get("merged").and_then(Json::as_bool).unwrap_or(false);
        PersonRow {
            values,
            errors,
            modified_by: guid(json, "_modifiedby_value"),
            version: json
                .get("@odata.etag")
                .and_then(Json::as_str)
                .map(str::to_owned),
            filter,
            originating_lead: guid(json, "_originatingleadid_value"),
            merged_into: if merged {
                guid(json, "_masterid_value")
            } else {
                None
            },
        }
    }
}

/// A Marketo person's values for the fields of `entity`, and the fields that could not be read.
pub(crate) fn marketo_values(
    ctx: &Context<'_>,
    entity: &Entity,
    json: &Json,
) -> (BTreeMap<String, Value>, Vec<(String, ConversionError)>) {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for field in person_fields(ctx, entity) {
        let Some(raw) = json.get(&field.marketo) else {
            continue;
        };
        match field.kind.from_marketo(raw) {
            Ok(value) => {
                values.insert(field.marketo, value);
            }
            Err(e) => errors.push((field.marketo, e)),
        }
    }
    (values, errors)
}

//! The org's tables and columns at run time: what the metadata endpoints describe, what queries and
//! writes are checked against, and what the control API changes (deleting a column, securing one).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;
use uuid::Uuid;

use super::catalog::{READ_ONLY, TABLES};

/// A column's type (`AttributeTypeCode`); text types carry their maximum length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum K {
    Text(u32),
    Memo(u32),
    Integer,
    BigInt,
    Money,
    Boolean,
    DateTime,
    Picklist,
    State,
    Status,
    Lookup,
    Customer,
    Owner,
    Guid,
}

impl K {
    /// The `AttributeType` name in metadata.
    pub(crate) fn type_code(self) -> &'static str {
        match self {
            K::Text(_) => "String",
            K::Memo(_) => "Memo",
            K::Integer => "Integer",
            K::BigInt => "BigInt",
            K::Money => "Money",
            K::Boolean => "Boolean",
            K::DateTime => "DateTime",
            K::Picklist => "Picklist",
            K::State => "State",
            K::Status => "Status",
            K::Lookup => "Lookup",
            K::Customer => "Customer",
            K::Owner => "Owner",
            K::Guid => "Uniqueidentifier",
        }
    }

    /// The metadata type of the column, e.g. `StringAttributeMetadata`.
    pub(crate) fn metadata_type(self) -> &'static str {
        match self {
            K::Text(_) => "StringAttributeMetadata",
            K::Memo(_) => "MemoAttributeMetadata",
            K::Integer => "IntegerAttributeMetadata",
            K::BigInt => "BigIntAttributeMetadata",
            K::Money => "MoneyAttributeMetadata",
            K::Boolean => "BooleanAttributeMetadata",
            K::DateTime => "DateTimeAttributeMetadata",
            K::Picklist => "PicklistAttributeMetadata",
            K::State => "StateAttributeMetadata",
            K::Status => "StatusAttributeMetadata",
            K::Lookup | K::Customer | K::Owner => "LookupAttributeMetadata",
            K::Guid => "UniqueIdentifierAttributeMetadata",
        }
    }

    /// The EDM type of the property in the Web API, for error messages.
    pub(crate) fn edm(self) -> &'static str {
        match self {
            K::Text(_) | K::Memo(_) => "Edm.String",
            K::Integer | K::Picklist | K::State | K::Status => "Edm.Int32",
            K::BigInt => "Edm.Int64",
            K::Money => "Edm.Decimal",
            K::Boolean => "Edm.Boolean",
            K::DateTime => "Edm.DateTimeOffset",
            K::Lookup | K::Customer | K::Owner | K::Guid => "Edm.Guid",
        }
    }

    pub(crate) fn is_lookup(self) -> bool {
        matches!(self, K::Lookup | K::Customer | K::Owner)
    }

    pub(crate) fn has_options(self) -> bool {
        matches!(self, K::Picklist | K::State | K::Status | K::Boolean)
    }

    pub(crate) fn max_length(self) -> Option<u32> {
        match self {
            K::Text(n) | K::Memo(n) => Some(n),
            _ => None,
        }
    }
}

/// `RequiredLevel` of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Req {
    None,
    Recommended,
    ApplicationRequired,
    SystemRequired,
}

impl Req {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Req::None => "None",
            Req::Recommended => "Recommended",
            Req::ApplicationRequired => "ApplicationRequired",
            Req::SystemRequired => "SystemRequired",
        }
    }
}

/// A column as it ships (see `catalog.rs`). Options are `(value, label, state)`; `state` is the
/// statecode a status reason belongs to, `-1` elsewhere.
#[derive(Debug)]
pub(super) struct Col {
    pub(super) name: &'static str,
    pub(super) display: &'static str,
    pub(super) kind: K,
    pub(super) required: Req,
    pub(super) options: &'static [(i32, &'static str, i32)],
    pub(super) targets: &'static [&'static str],
}

/// What a field security profile grants on one secured column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Access {
    pub(crate) read: bool,
    pub(crate) create: bool,
    pub(crate) update: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// The property in rows: the name, or `_<name>_value` for lookups.
    pub(crate) property: String,
    /// `,"<property>":`, ready to write after a previous member.
    pub(crate) member: Vec<u8>,
    pub(crate) schema_name: String,
    pub(crate) display: String,
    pub(crate) kind: K,
    pub(crate) required: Req,
    pub(crate) options: Vec<(i32, String, i32)>,
    pub(crate) targets: Vec<String>,
    pub(crate) custom: bool,
    pub(crate) valid_for_create: bool,
    pub(crate) valid_for_update: bool,
    pub(crate) primary_id: bool,
    pub(crate) primary_name: bool,
    /// Field security: only the system administrator and the profiles granted access see it.
    pub(crate) secured: bool,
    /// What the sync user's field security profile grants on this column when it is secured.
    pub(crate) sync_user: Access,
    pub(crate) metadata_id: Uuid,
    pub(crate) number: u32,
    /// Removed through the control API: gone from metadata, data and queries.
    pub(crate) deleted: bool,
}

impl Column {
    /// The label of an option value.
    pub(crate) fn label(&self, value: i64) -> Option<&str> {
        self.options
            .iter()
            .find(|(v, _, _)| i64::from(*v) == value)
            .map(|(_, l, _)| l.as_str())
    }

    /// The single-valued navigation property that writes this lookup for a target table: a
    /// lookup that can point at more than one table has one per table (`customerid_account`,
    /// `record1id_contact`); the owner's is `ownerid` whatever it points at.
    pub(crate) fn navigation(&self, target: &str) -> String {
        match self.kind {
            K::Customer => format!("{}_{target}", self.name),
            K::Lookup if self.targets.len() > 1 => format!("{}_{target}", self.name),
            _ => self.name.clone(),
        }
    }

    pub(crate) fn readable_by_sync_user(&self) -> bool {
        !self.secured || self.sync_user.read
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Entity {
    pub(crate) logical: String,
    pub(crate) set: String,
    pub(crate) schema_name: String,
    pub(crate) display: String,
    pub(crate) display_collection: String,
    pub(crate) primary_id: String,
    pub(crate) primary_name: String,
    pub(crate) custom: bool,
    pub(crate) user_owned: bool,
    pub(crate) change_tracking: bool,
    pub(crate) metadata_id: Uuid,
    pub(crate) type_code: i32,
    pub(crate) columns: Vec<Column>,
    index: HashMap<String, usize>,
}

impl Entity {
    /// A live column by logical name.
    pub(crate) fn column(&self, name: &str) -> Option<(usize, &Column)> {
        let i = *self.index.get(name)?;
        let column = &self.columns[i];
        (!column.deleted).then_some((i, column))
    }

    pub(crate) fn live_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| !c.deleted)
    }

    /// The lookup column written by a navigation property, and the table it points to.
    pub(crate) fn navigation(&self, nav: &str) -> Option<(usize, &Column, String)> {
        self.live_columns()
            .filter(|(_, c)| c.kind.is_lookup())
            .find_map(|(i, c)| {
                c.targets
                    .iter()
                    .find(|t| c.navigation(t) == nav)
                    .map(|t| (i, c, t.clone()))
            })
    }
}

/// A lookup from one table to another: a one-to-many relationship of the referenced table.
#[derive(Debug, Clone)]
pub(crate) struct Relationship {
    pub(crate) schema_name: String,
    pub(crate) referenced_entity: String,
    pub(crate) referenced_attribute: String,
    pub(crate) referencing_entity: String,
    pub(crate) referencing_attribute: String,
    pub(crate) referencing_navigation: String,
    pub(crate) metadata_id: Uuid,
    pub(crate) custom: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub(crate) entities: Vec<Entity>,
}

/// Columns the platform maintains; writes to them are ignored, as they are by Dataverse.
const SYSTEM_MANAGED: &[&str] = &[
    "fullname",
    "createdon",
    "modifiedon",
    "createdby",
    "modifiedby",
    "versionnumber",
    "merged",
    "masterid",
];

/// A stable id for a piece of metadata, so that the same org always describes itself the same way.
pub(crate) fn stable_id(parts: &[&str]) -> Uuid {
    let mut high = DefaultHasher::new();
    let mut low = DefaultHasher::new();
    parts.hash(&mut high);
    ("low", parts).hash(&mut low);
    uuid::Builder::from_random_bytes(
        (u128::from(high.finish()) << 64 | u128::from(low.finish())).to_be_bytes(),
    )
    .into_uuid()
}

fn schema_name(logical: &str, custom: bool) -> String {
    let capitalised = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    match logical.split_once('_') {
        Some((prefix, rest)) if custom => format!("{prefix}_{}", capitalised(rest)),
        _ => capitalised(logical),
    }
}

impl Schema {
    /// The tables as they ship, with `contact.new_creditlimit` secured and not readable by the
    /// sync user.
    pub(crate) fn shipped() -> Schema {
        let entities = TABLES
            .iter()
            .enumerate()
            .map(|(n, table)| {
                let primary_id = format!("{}id", table.logical);
                let columns: Vec<Column> = table
                    .columns
                    .iter()
                    .flat_map(|cols| cols.iter())
                    .enumerate()
                    .map(|(i, col)| {
                        let custom = table.custom
                            || col.name.starts_with("new_")
                            || col.name.starts_with("mkt_");
                        let system = SYSTEM_MANAGED.contains(&col.name)
                            || READ_ONLY.contains(&(table.logical, col.name));
                        let is_primary = col.name == primary_id;
                        let secured = table.logical == "contact" && col.name == "new_creditlimit";
                        let property = if col.kind.is_lookup() {
                            format!("_{}_value", col.name)
                        } else {
                            col.name.to_owned()
                        };
                        Column {
                            name: col.name.to_owned(),
                            member: format!(",{}:", Value::String(property.clone())).into_bytes(),
                            property,
                            schema_name: schema_name(col.name, custom),
                            display: col.display.to_owned(),
                            kind: col.kind,
                            required: col.required,
                            options: col
                                .options
                                .iter()
                                .map(|(v, l, s)| (*v, (*l).to_owned(), *s))
                                .collect(),
                            targets: col.targets.iter().map(|t| (*t).to_owned()).collect(),
                            custom,
                            valid_for_create: !system && col.name != "statecode",
                            valid_for_update: !system && !is_primary,
                            primary_id: is_primary,
                            primary_name: col.name == table.primary_name,
                            secured,
                            sync_user: Access {
                                read: false,
                                create: false,
                                update: false,
                            },
                            metadata_id: stable_id(&[table.logical, col.name]),
                            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                            deleted: false,
                        }
                    })
                    .collect();
                let index = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.clone(), i))
                    .collect();
                Entity {
                    logical: table.logical.to_owned(),
                    set: table.set.to_owned(),
                    schema_name: schema_name(table.logical, table.custom),
                    display: table.display.to_owned(),
                    display_collection: table.display_collection.to_owned(),
                    primary_id,
                    primary_name: table.primary_name.to_owned(),
                    custom: table.custom,
                    user_owned: table.user_owned,
                    // Role definitions are solution components, not data: no change tracking.
                    change_tracking: !matches!(
                        table.logical,
                        "businessunit" | "connectionrole" | "connectionroleobjecttypecode"
                    ),
                    metadata_id: stable_id(&[table.logical]),
                    type_code: if table.custom {
                        10_000 + i32::try_from(n).unwrap_or(0)
                    } else {
                        match table.logical {
                            "account" => 1,
                            "contact" => 2,
                            "opportunity" => 3,
                            "lead" => 4,
                            "businessunit" => 10,
                            "systemuser" => 8,
                            "connectionrole" => 3231,
                            "connectionroleobjecttypecode" => 3233,
                            "connection" => 3234,
                            _ => 9,
                        }
                    },
                    columns,
                    index,
                }
            })
            .collect();
        Schema { entities }
    }

    pub(crate) fn by_set(&self, set: &str) -> Option<(usize, &Entity)> {
        self.entities.iter().enumerate().find(|(_, e)| e.set == set)
    }

    pub(crate) fn by_logical(&self, logical: &str) -> Option<(usize, &Entity)> {
        self.entities
            .iter()
            .enumerate()
            .find(|(_, e)| e.logical == logical)
    }

    /// Every lookup between two tables, as one-to-many relationships of the referenced table.
    pub(crate) fn relationships(&self) -> Vec<Relationship> {
        let mut out = Vec::new();
        for entity in &self.entities {
            for (_, column) in entity.live_columns().filter(|(_, c)| c.kind.is_lookup()) {
                for target in &column.targets {
                    let Some((_, referenced)) = self.by_logical(target) else {
                        continue;
                    };
                    let schema_name =
                        format!("{}_{}_{}", referenced.logical, entity.logical, column.name);
                    out.push(Relationship {
                        metadata_id: stable_id(&["relationship", &schema_name]),
                        schema_name,
                        referenced_entity: referenced.logical.clone(),
                        referenced_attribute: referenced.primary_id.clone(),
                        referencing_entity: entity.logical.clone(),
                        referencing_attribute: column.name.clone(),
                        referencing_navigation: column.navigation(target),
                        custom: column.custom,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lookup_points_at_a_table_of_the_org() {
        let schema = Schema::shipped();
        for entity in &schema.entities {
            assert!(
                entity.column(&entity.primary_id).is_some(),
                "{} has no primary id column",
                entity.logical
            );
            assert!(entity.column(&entity.primary_name).is_some());
            for (_, column) in entity.live_columns().filter(|(_, c)| c.kind.is_lookup()) {
                for target in &column.targets {
                    assert!(
                        schema.by_logical(target).is_some(),
                        "{}.{} points at {target}, which the org lacks",
                        entity.logical,
                        column.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_column_of_the_default_field_mapping_exists() {
        // SPEC R52: the columns Marketo's default mapping reads, plus the internal ones it names.
        let person = "createdon salutation firstname middlename lastname emailaddress1 jobtitle telephone1 \
            mobilephone address1_line1 address1_line2 address1_line3 address1_city address1_stateorprovince \
            address1_country address1_postalcode statecode statuscode description donotphone donotbulkemail \
            donotemail donotfax donotsendmm telephone2 preferredcontactmethodcode mkt_lastinterestingmomentdate \
            mkt_lastinterestingmomentdesc mkt_leadinterestingmomentsource mkt_lastinterestingmomenttype \
            mkt_relativescore mkt_priority mkt_urgency ownerid new_synctomkto";
        let expected = [
            ("lead", format!("{person} fax leadsourcecode leadqualitycode subject companyname revenue")),
            ("contact", format!("{person} mkt_leadscore parentcustomerid")),
            (
                "account",
                "accountid address1_line1 address1_city address1_country address1_postalcode address1_line2 \
                 address1_line3 telephone1 businesstypecode accountnumber statecode revenue description \
                 industrycode sic websiteurl numberofemployees name ownerid createdon new_synctomkto"
                    .to_owned(),
            ),
            (
                "opportunity",
                "closeprobability statecode actualclosedate name estimatedvalue description ownerid \
                 opportunityid customerid new_synctomkto"
                    .to_owned(),
            ),
        ];
        let schema = Schema::shipped();
        for (entity, columns) in expected {
            let (_, e) = schema.by_logical(entity).unwrap();
            for column in columns.split_whitespace() {
                assert!(
                    e.column(column).is_some(),
                    "{entity}.{column} is in the default mapping but not in the org"
                );
            }
            for system in [
                "createdon",
                "modifiedon",
                "createdby",
                "modifiedby",
                "ownerid",
                "statecode",
                "statuscode",
                "versionnumber",
            ] {
                assert!(e.column(system).is_some(), "{entity}.{system}");
            }
        }
        let types = [
            ("lead", "leadsourcecode", "Picklist"),
            ("lead", "revenue", "Money"),
            ("lead", "donotbulkemail", "Boolean"),
            ("lead", "mkt_lastinterestingmomentdate", "DateTime"),
            ("contact", "parentcustomerid", "Customer"),
            ("contact", "mkt_leadscore", "Integer"),
            ("account", "numberofemployees", "Integer"),
            ("opportunity", "customerid", "Customer"),
            ("opportunity", "estimatedvalue", "Money"),
        ];
        for (entity, column, kind) in types {
            let (_, e) = schema.by_logical(entity).unwrap();
            assert_eq!(
                e.column(column).unwrap().1.kind.type_code(),
                kind,
                "{entity}.{column}"
            );
        }
    }
}

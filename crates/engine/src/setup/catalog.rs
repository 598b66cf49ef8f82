//! The catalog the setup wizard's Fields and Custom entities steps show: per entity, the columns
//! the sync user can read (R5, R44), each with its type, the default mapping of R52 preselected,
//! the Marketo field it goes to (existing, or one Dynasync creates) and its direction; secured or
//! unreadable columns are listed as such and not offered. Also the columns each pull selects.

use std::collections::{BTreeMap, BTreeSet};

use dynasync_dynamics::{AttributeMeta, CustomEntityLink, Ineligible};
use dynasync_marketo::LeadDescription;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mapping::{DefaultField, FieldMapping, default_fields};
use crate::model::{Direction, Entity, SYNC_FILTER_COLUMN, custom_object_name};
use crate::store::schema::PathStep;
use crate::value::{ChoiceOption, FieldKind};

/// Whether a column can be synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Availability {
    Available,
    /// Field security keeps it from the sync user (R5).
    Secured,
    /// Not readable through the API.
    Unreadable,
    /// A kind of column that has no Marketo counterpart (images, party lists...).
    Unsupported,
    /// The Marketo object has no such field, and Marketo cannot create one through the API
    /// (companies, opportunities).
    NoMarketoField,
}

/// Where a column goes in Marketo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldTarget {
    pub name: String,
    pub label: String,
    /// `false`: Dynasync creates it in Marketo when the setup is saved.
    pub exists: bool,
    pub data_type: String,
}

/// A column of an entity, as the field picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldOption {
    pub column: String,
    pub label: String,
    /// The Dataverse attribute type (`String`, `Picklist`, `Lookup`...).
    pub column_type: String,
    pub availability: Availability,
    /// Part of the default mapping (R52).
    pub default: bool,
    /// Chosen now (the saved choice, else the default).
    pub selected: bool,
    pub target: Option<FieldTarget>,
    pub direction: Direction,
}

/// The fields of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EntityFields {
    pub entity: String,
    pub label: String,
    pub direction: Direction,
    /// Whether the entity has the `new_synctomkto` sync filter column (R32).
    pub has_sync_filter: bool,
    pub fields: Vec<FieldOption>,
}

/// A custom entity, eligible or not (R60).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomEntityOption {
    pub logical_name: String,
    pub label: String,
    /// The tables from lead, contact or account down to it.
    pub path: Vec<String>,
    pub eligible: bool,
    /// Why it cannot be synced, in the user's words.
    pub reason: Option<IneligibleReason>,
    /// The Marketo custom object it becomes.
    pub marketo_object: String,
    pub enabled: bool,
    pub fields: Vec<FieldOption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum IneligibleReason {
    /// More than two levels below lead, contact or account (R60).
    TooDeep,
    /// Not linked to lead, contact or account.
    NotLinked,
    /// The sync user cannot read it (R5).
    NotReadable,
    /// Longer than 33 characters (R64).
    NameTooLong,
}

/// The Marketo field kind and data type for a column type, or `None` when it cannot sync.
pub(crate) fn kind_of(attribute: &AttributeMeta) -> Option<(FieldKind, &'static str)> {
    let options = || {
        attribute
            .options
            .iter()
            .map(|o| ChoiceOption {
                value: o.value,
                label: o.label.clone().unwrap_or_else(|| o.value.to_string()),
            })
            .collect()
    };
    Some(match attribute.attribute_type.as_str() {
        "String" => (
            FieldKind::Text {
                max_length: attribute.max_length,
            },
            "string",
        ),
        "Memo" => (
            FieldKind::Text {
                max_length: attribute.max_length,
            },
            "string",
        ),
        "Integer" | "BigInt" => (FieldKind::Integer, "integer"),
        "Money" => (FieldKind::Decimal, "currency"),
        "Decimal" | "Double" => (FieldKind::Decimal, "float"),
        "Boolean" => (FieldKind::Boolean, "boolean"),
        "DateTime" => (FieldKind::DateTime, "datetime"),
        "Picklist" | "State" | "Status" => (FieldKind::Choice { options: options() }, "string"),
        "Lookup" | "Customer" | "Owner" => (
            FieldKind::Lookup {
                targets: attribute.targets.clone(),
            },
            "string",
        ),
        _ => return None,
    })
}

/// The property a read returns for a column: `_x_value` for lookups.
pub(crate) fn read_property(attribute: &AttributeMeta) -> String {
    if matches!(
        attribute.attribute_type.as_str(),
        "Lookup" | "Customer" | "Owner"
    ) {
        format!("_{}_value", attribute.logical_name)
    } else {
        attribute.logical_name.clone()
    }
}

/// A Marketo person field name for a Dynamics column without a default target: `microsoft` and
/// the column's words, e.g. `new_region` → `microsoftNewRegion`.
pub(crate) fn new_field_name(column: &str) -> String {
    let mut name = String::from("microsoft");
    for word in column
        .split(|c: char| c == '_' || !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    name
}

/// What Marketo already has for each object, by field name.
#[derive(Debug, Clone, Default)]
pub(crate) struct MarketoFields {
    pub(crate) person: BTreeMap<String, (String, String)>,
    pub(crate) company: BTreeMap<String, (String, String)>,
    pub(crate) opportunity: BTreeMap<String, (String, String)>,
    pub(crate) sales_person: BTreeMap<String, (String, String)>,
}

impl MarketoFields {
    pub(crate) fn from_person(description: &LeadDescription) -> BTreeMap<String, (String, String)> {
        description
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    (f.display_name.clone(), f.data_type.clone()),
                )
            })
            .collect()
    }

    fn of(&self, entity: &Entity) -> Option<&BTreeMap<String, (String, String)>> {
        match entity {
            Entity::Lead | Entity::Contact => Some(&self.person),
            Entity::Account => Some(&self.company),
            Entity::Opportunity => Some(&self.opportunity),
            Entity::SystemUser | Entity::Team => Some(&self.sales_person),
            Entity::Connection | Entity::Custom(_) => None,
        }
    }
}

/// Columns the pull of an entity always needs, when the entity has them.
fn system_columns(entity: &Entity) -> &'static [&'static str] {
    match entity {
        Entity::Lead => &[
            "createdon",
            "modifiedon",
            "statecode",
            "emailaddress1",
            "merged",
            "_masterid_value",
            "_ownerid_value",
            "_modifiedby_value",
            "_parentaccountid_value",
        ],
        Entity::Contact => &[
            "createdon",
            "modifiedon",
            "statecode",
            "emailaddress1",
            "merged",
            "_masterid_value",
            "_ownerid_value",
            "_modifiedby_value",
            "_parentcustomerid_value",
            "_originatingleadid_value",
        ],
        Entity::Account => &[
            "name",
            "modifiedon",
            "merged",
            "_masterid_value",
            "_ownerid_value",
        ],
        Entity::Opportunity => &["name", "modifiedon", "_customerid_value", "_ownerid_value"],
        // A stakeholder: which opportunity, which contact, in which role (R57).
        Entity::Connection => &[
            "modifiedon",
            "statecode",
            "_record1id_value",
            "_record2id_value",
            "_record2roleid_value",
        ],
        Entity::SystemUser | Entity::Team | Entity::Custom(_) => &["modifiedon"],
    }
}

/// The columns a pull of `entity` selects: the mapped ones and the system ones it has.
pub(crate) fn pull_columns(
    entity: &Entity,
    attributes: &[AttributeMeta],
    mapped: &[FieldMapping],
    path: &[PathStep],
) -> Vec<String> {
    let existing: BTreeSet<String> = attributes
        .iter()
        .filter(|a| a.readable_by_caller)
        .map(read_property)
        .collect();
    let mut columns: Vec<String> = Vec::new();
    let mut add = |c: String| {
        if existing.contains(&c) && !columns.contains(&c) {
            columns.push(c);
        }
    };
    for column in system_columns(entity) {
        add((*column).to_owned());
    }
    add(SYNC_FILTER_COLUMN.to_owned());
    for field in mapped {
        add(field.read_property());
    }
    // A custom entity's record is linked in Marketo to the person or company it hangs off.
    if let Some(step) = path.last() {
        add(format!("_{}_value", step.lookup));
    }
    columns
}

/// The field options of one entity.
pub(crate) fn entity_fields(
    entity: &Entity,
    label: &str,
    attributes: &[AttributeMeta],
    marketo: &MarketoFields,
    saved: &[FieldMapping],
) -> EntityFields {
    let defaults: BTreeMap<&str, DefaultField> = default_fields(entity)
        .into_iter()
        .map(|d| (d.dynamics, d))
        .collect();
    let existing = marketo.of(entity);
    let person = entity.is_person();
    let custom = matches!(entity, Entity::Custom(_));
    let mut fields: Vec<FieldOption> = attributes
        .iter()
        .filter(|a| {
            !a.logical_name.ends_with("_base")
                && a.logical_name != entity.primary_id()
                && a.logical_name != SYNC_FILTER_COLUMN
        })
        .filter_map(|a| {
            let kind = kind_of(a);
            let default = defaults.get(a.logical_name.as_str());
            let target = match (default, existing) {
                (Some(d), Some(fields)) => Some(match fields.get(d.marketo) {
                    Some((label, data_type)) => FieldTarget {
                        name: d.marketo.to_owned(),
                        label: label.clone(),
                        exists: true,
                        data_type: data_type.clone(),
                    },
                    None => FieldTarget {
                        name: d.marketo.to_owned(),
                        label: d.create.map_or(d.marketo, |c| c.display_name).to_owned(),
                        exists: false,
                        data_type: d.create.map_or("string", |c| c.data_type).to_owned(),
                    },
                }),
                _ if person => kind.as_ref().map(|(_, data_type)| {
                    let name = new_field_name(&a.logical_name);
                    let found = existing.and_then(|f| f.get(&name));
                    FieldTarget {
                        label: found.map(|(l, _)| l.clone()).unwrap_or_else(|| {
                            a.display_name
                                .clone()
                                .unwrap_or_else(|| a.logical_name.clone())
                        }),
                        exists: found.is_some(),
                        data_type: found
                            .map(|(_, t)| t.clone())
                            .unwrap_or_else(|| (*data_type).to_owned()),
                        name,
                    }
                }),
                _ if custom => kind.as_ref().map(|(_, data_type)| FieldTarget {
                    name: a.logical_name.clone(),
                    label: a
                        .display_name
                        .clone()
                        .unwrap_or_else(|| a.logical_name.clone()),
                    exists: false,
                    data_type: (*data_type).to_owned(),
                }),
                // Companies, opportunities and sales persons only have the fields Marketo gives them.
                _ => None,
            };
            let availability = if !a.valid_for_read {
                Availability::Unreadable
            } else if !a.readable_by_caller {
                Availability::Secured
            } else if kind.is_none() {
                Availability::Unsupported
            } else if target.is_none() {
                Availability::NoMarketoField
            } else {
                Availability::Available
            };
            if availability == Availability::Unsupported && default.is_none() {
                return None; // Internal columns (versions, images...) would only clutter the picker.
            }
            let two_way = entity.direction() == Direction::TwoWay
                && a.valid_for_update
                && !matches!(kind, Some((FieldKind::Lookup { .. }, _)))
                && !matches!(a.attribute_type.as_str(), "State" | "Status")
                && a.logical_name != "createdon";
            let is_default = default.is_some() && availability == Availability::Available;
            let selected = if saved.is_empty() {
                is_default
            } else {
                saved.iter().any(|m| m.dynamics == a.logical_name)
            };
            Some(FieldOption {
                column: a.logical_name.clone(),
                label: a
                    .display_name
                    .clone()
                    .unwrap_or_else(|| a.logical_name.clone()),
                column_type: a.attribute_type.clone(),
                availability,
                default: default.is_some(),
                selected: selected && availability == Availability::Available,
                target,
                direction: if two_way {
                    Direction::TwoWay
                } else {
                    Direction::ToMarketo
                },
            })
        })
        .collect();
    fields.sort_by(|a, b| {
        b.default
            .cmp(&a.default)
            .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
    });
    EntityFields {
        entity: entity.logical_name().to_owned(),
        label: label.to_owned(),
        direction: entity.direction(),
        has_sync_filter: attributes
            .iter()
            .any(|a| a.logical_name == SYNC_FILTER_COLUMN),
        fields,
    }
}

/// The mapping a field option stands for.
pub(crate) fn mapping_of(
    entity: &Entity,
    option: &FieldOption,
    attribute: &AttributeMeta,
) -> Option<FieldMapping> {
    let target = option.target.as_ref()?;
    let (kind, _) = kind_of(attribute)?;
    Some(FieldMapping {
        entity: entity.clone(),
        dynamics: option.column.clone(),
        marketo: target.name.clone(),
        kind,
        direction: option.direction,
    })
}

/// A custom entity as the wizard's Custom entities step shows it.
pub(crate) fn custom_entity_option(
    link: &CustomEntityLink,
    fields: Vec<FieldOption>,
    enabled: bool,
) -> CustomEntityOption {
    let reason = if link.logical_name.len() > 33 {
        Some(IneligibleReason::NameTooLong)
    } else {
        link.ineligible.as_ref().map(|i| match i {
            Ineligible::TooDeep { .. } => IneligibleReason::TooDeep,
            Ineligible::NotLinked => IneligibleReason::NotLinked,
            Ineligible::NotReadable => IneligibleReason::NotReadable,
        })
    };
    let mut path: Vec<String> = link
        .path
        .first()
        .map(|s| vec![s.parent.clone()])
        .unwrap_or_default();
    path.extend(link.path.iter().map(|s| s.child.clone()));
    CustomEntityOption {
        logical_name: link.logical_name.clone(),
        label: link
            .display_name
            .clone()
            .unwrap_or_else(|| link.logical_name.clone()),
        path,
        eligible: reason.is_none(),
        reason,
        marketo_object: custom_object_name(&link.logical_name),
        enabled,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(name: &str, kind: &str) -> AttributeMeta {
        AttributeMeta {
            logical_name: name.into(),
            display_name: Some(name.into()),
            attribute_type: kind.into(),
            is_custom: name.starts_with("new_"),
            is_secured: false,
            valid_for_read: true,
            valid_for_create: true,
            valid_for_update: true,
            required_level: None,
            max_length: Some(100),
            options: vec![],
            targets: vec![],
            readable_by_caller: true,
        }
    }

    fn marketo() -> MarketoFields {
        let mut fields = MarketoFields::default();
        fields
            .person
            .insert("firstName".into(), ("First Name".into(), "string".into()));
        fields
            .company
            .insert("company".into(), ("Company Name".into(), "string".into()));
        fields
    }

    #[test]
    fn defaults_are_preselected_and_go_to_their_r52_fields_existing_or_created() {
        let attributes = vec![
            attribute("firstname", "String"),
            attribute("address1_line2", "String"),
            attribute("new_region", "String"),
        ];
        let fields =
            entity_fields(&Entity::Contact, "Contact", &attributes, &marketo(), &[]).fields;
        let first = fields.iter().find(|f| f.column == "firstname").unwrap();
        assert!(first.default && first.selected);
        assert_eq!(
            first.target.as_ref().map(|t| (t.name.as_str(), t.exists)),
            Some(("firstName", true))
        );
        assert_eq!(first.direction, Direction::TwoWay);
        let line2 = fields
            .iter()
            .find(|f| f.column == "address1_line2")
            .unwrap();
        assert_eq!(
            line2
                .target
                .as_ref()
                .map(|t| (t.name.as_str(), t.label.as_str(), t.exists)),
            Some(("microsoftAddress2", "Microsoft Address 2", false))
        );
        let region = fields.iter().find(|f| f.column == "new_region").unwrap();
        assert!(
            !region.selected,
            "a custom column is offered, not preselected"
        );
        assert_eq!(
            region.target.as_ref().map(|t| t.name.as_str()),
            Some("microsoftNewRegion")
        );
    }

    #[test]
    fn a_secured_column_is_shown_as_such_and_never_selected_r5() {
        let mut secret = attribute("new_creditlimit", "Money");
        secret.is_secured = true;
        secret.readable_by_caller = false;
        let fields = entity_fields(&Entity::Contact, "Contact", &[secret], &marketo(), &[]).fields;
        assert_eq!(fields[0].availability, Availability::Secured);
        assert!(!fields[0].selected);
    }

    #[test]
    fn account_columns_without_a_company_field_cannot_be_offered() {
        let fields = entity_fields(
            &Entity::Account,
            "Account",
            &[attribute("name", "String"), attribute("new_tier", "String")],
            &marketo(),
            &[],
        )
        .fields;
        assert_eq!(
            fields
                .iter()
                .find(|f| f.column == "name")
                .unwrap()
                .availability,
            Availability::Available
        );
        assert_eq!(
            fields
                .iter()
                .find(|f| f.column == "new_tier")
                .unwrap()
                .availability,
            Availability::NoMarketoField
        );
        assert!(
            fields.iter().all(|f| f.direction == Direction::ToMarketo),
            "accounts sync one way (R15)"
        );
    }

    #[test]
    fn lookups_state_and_read_only_columns_flow_to_marketo_only() {
        let mut created = attribute("createdon", "DateTime");
        created.valid_for_update = false;
        let fields = entity_fields(
            &Entity::Lead,
            "Lead",
            &[
                attribute("statecode", "State"),
                created,
                attribute("parentaccountid", "Lookup"),
            ],
            &marketo(),
            &[],
        )
        .fields;
        assert!(
            fields.iter().all(|f| f.direction == Direction::ToMarketo),
            "{fields:#?}"
        );
    }

    #[test]
    fn pulls_select_mapped_and_system_columns_that_exist() {
        let attributes = vec![
            attribute("emailaddress1", "String"),
            attribute("ownerid", "Owner"),
            attribute("firstname", "String"),
            attribute(SYNC_FILTER_COLUMN, "Boolean"),
        ];
        let mapped = vec![FieldMapping {
            entity: Entity::Contact,
            dynamics: "firstname".into(),
            marketo: "firstName".into(),
            kind: FieldKind::Text { max_length: None },
            direction: Direction::TwoWay,
        }];
        assert_eq!(
            pull_columns(&Entity::Contact, &attributes, &mapped, &[]),
            [
                "emailaddress1",
                "_ownerid_value",
                SYNC_FILTER_COLUMN,
                "firstname"
            ]
        );
    }

    #[test]
    fn new_field_names_are_camel_case_under_microsoft() {
        assert_eq!(new_field_name("new_region"), "microsoftNewRegion");
        assert_eq!(
            new_field_name("cr1a2_customer_tier"),
            "microsoftCr1a2CustomerTier"
        );
    }
}

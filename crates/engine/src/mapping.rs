//! Which Dynamics column syncs to which Marketo field, and the default mapping Marketo's native
//! sync creates at the first sync (R52), which the setup wizard preselects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Direction, Entity};
use crate::value::FieldKind;

/// One mapped field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    pub entity: Entity,
    /// The Dynamics column (for a lookup, its logical name, e.g. `parentcustomerid`).
    pub dynamics: String,
    /// The Marketo field's REST API name on the target object.
    pub marketo: String,
    pub kind: FieldKind,
    pub direction: Direction,
}

impl FieldMapping {
    /// The property a Web API read returns for this column: `_x_value` for lookups.
    pub fn read_property(&self) -> String {
        match self.kind {
            FieldKind::Lookup { .. } => format!("_{}_value", self.dynamics),
            _ => self.dynamics.clone(),
        }
    }
}

/// Every mapped field, by entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mappings {
    by_entity: BTreeMap<String, Vec<FieldMapping>>,
}

impl Mappings {
    pub fn new(fields: impl IntoIterator<Item = FieldMapping>) -> Mappings {
        let mut by_entity: BTreeMap<String, Vec<FieldMapping>> = BTreeMap::new();
        for field in fields {
            by_entity
                .entry(field.entity.logical_name().to_owned())
                .or_default()
                .push(field);
        }
        Mappings { by_entity }
    }

    pub fn of(&self, entity: &Entity) -> &[FieldMapping] {
        self.by_entity
            .get(entity.logical_name())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn field(&self, entity: &Entity, marketo: &str) -> Option<&FieldMapping> {
        self.of(entity).iter().find(|f| f.marketo == marketo)
    }

    pub fn all(&self) -> impl Iterator<Item = &FieldMapping> {
        self.by_entity.values().flatten()
    }
}

/// A field of the default mapping (R52), before metadata tells its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultField {
    pub dynamics: &'static str,
    pub marketo: &'static str,
    /// A Marketo field Dynasync creates when it does not exist yet (its display name and type),
    /// or `None` for a standard Marketo field.
    pub create: Option<NewMarketoField>,
}

/// A person field Dynasync creates in Marketo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewMarketoField {
    pub display_name: &'static str,
    /// A Marketo data type the field API creates: string, boolean, datetime, date, integer, float,
    /// currency (no text areas).
    pub data_type: &'static str,
}

const fn standard(dynamics: &'static str, marketo: &'static str) -> DefaultField {
    DefaultField {
        dynamics,
        marketo,
        create: None,
    }
}

const fn custom(
    dynamics: &'static str,
    marketo: &'static str,
    display_name: &'static str,
    data_type: &'static str,
) -> DefaultField {
    DefaultField {
        dynamics,
        marketo,
        create: Some(NewMarketoField {
            display_name,
            data_type,
        }),
    }
}

/// Person fields lead and contact share, as R52 lists them.
const PERSON_COMMON: &[DefaultField] = &[
    standard("salutation", "salutation"),
    standard("firstname", "firstName"),
    standard("middlename", "middleName"),
    standard("lastname", "lastName"),
    standard("emailaddress1", "email"),
    standard("jobtitle", "title"),
    standard("telephone1", "phone"),
    standard("mobilephone", "mobilePhone"),
    standard("address1_line1", "address"),
    standard("address1_city", "city"),
    standard("address1_stateorprovince", "state"),
    standard("address1_country", "country"),
    standard("address1_postalcode", "postalCode"),
    custom(
        "statuscode",
        "microsoftStatusReason",
        "Status Reason",
        "string",
    ),
    custom("description", "personNotes", "Person Notes", "string"),
    standard("donotphone", "doNotCall"),
    standard("donotbulkemail", "unsubscribed"),
    custom(
        "address1_line2",
        "microsoftAddress2",
        "Microsoft Address 2",
        "string",
    ),
    custom(
        "address1_line3",
        "microsoftAddress3",
        "Microsoft Address 3",
        "string",
    ),
    custom(
        "donotemail",
        "microsoftDoNotEmail",
        "Microsoft Do Not Email",
        "boolean",
    ),
    custom(
        "donotfax",
        "microsoftDoNotFax",
        "Microsoft Do Not Fax",
        "boolean",
    ),
    custom(
        "donotsendmm",
        "microsoftDoNotSendMarketingMaterial",
        "Microsoft Do Not Send Marketing Material",
        "boolean",
    ),
    custom(
        "telephone2",
        "microsoftHomePhone",
        "Microsoft Home Phone",
        "string",
    ),
    custom(
        "preferredcontactmethodcode",
        "microsoftPreferredContactMethod",
        "Microsoft Preferred Method Of Contact",
        "string",
    ),
    custom(
        "mkt_lastinterestingmomentdate",
        "lastInterestingMomentDate",
        "Last Interesting Moment Date",
        "datetime",
    ),
    custom(
        "mkt_lastinterestingmomentdesc",
        "lastInterestingMomentDesc",
        "Last Interesting Moment Desc",
        "string",
    ),
    custom(
        "mkt_leadinterestingmomentsource",
        "lastInterestingMomentSource",
        "Last Interesting Moment Source",
        "string",
    ),
    custom(
        "mkt_lastinterestingmomenttype",
        "lastInterestingMomentType",
        "Last Interesting Moment Type",
        "string",
    ),
    standard("mkt_relativescore", "relativeScore"),
    standard("mkt_priority", "priority"),
    standard("mkt_urgency", "urgency"),
];

const LEAD_ONLY: &[DefaultField] = &[
    standard("fax", "fax"),
    standard("leadsourcecode", "leadSource"),
    standard("statecode", "leadStatus"),
    standard("leadqualitycode", "rating"),
    custom("subject", "microsoftTopic", "Microsoft Topic", "string"),
    standard("companyname", "company"),
    standard("revenue", "annualRevenue"),
];

const CONTACT_ONLY: &[DefaultField] = &[
    custom("statecode", "microsoftStatus", "Microsoft Status", "string"),
    standard("mkt_leadscore", "leadScore"),
];

const ACCOUNT: &[DefaultField] = &[
    standard("name", "company"),
    standard("address1_line1", "billingStreet"),
    standard("address1_city", "billingCity"),
    standard("address1_stateorprovince", "billingState"),
    standard("address1_country", "billingCountry"),
    standard("address1_postalcode", "billingPostalCode"),
    standard("telephone1", "mainPhone"),
    standard("revenue", "annualRevenue"),
    standard("industrycode", "industry"),
    standard("sic", "sicCode"),
    standard("websiteurl", "website"),
    standard("numberofemployees", "numberOfEmployees"),
];

const OPPORTUNITY: &[DefaultField] = &[
    standard("name", "name"),
    standard("description", "description"),
    standard("statecode", "stage"),
    standard("closeprobability", "probability"),
    standard("actualclosedate", "closeDate"),
    standard("estimatedvalue", "amount"),
];

const SYSTEM_USER: &[DefaultField] = &[
    standard("internalemailaddress", "email"),
    standard("firstname", "firstName"),
    standard("lastname", "lastName"),
    standard("title", "title"),
    standard("address1_telephone1", "phone"),
    standard("mobilephone", "mobilePhone"),
];

const TEAM: &[DefaultField] = &[
    standard("name", "lastName"),
    standard("emailaddress", "email"),
];

/// The default mapping of a standard table (R52). Custom entities have none.
pub fn default_fields(entity: &Entity) -> Vec<DefaultField> {
    match entity {
        Entity::Lead => PERSON_COMMON.iter().chain(LEAD_ONLY).copied().collect(),
        Entity::Contact => PERSON_COMMON.iter().chain(CONTACT_ONLY).copied().collect(),
        Entity::Account => ACCOUNT.to_vec(),
        Entity::Opportunity => OPPORTUNITY.to_vec(),
        Entity::SystemUser => SYSTEM_USER.to_vec(),
        Entity::Team => TEAM.to_vec(),
        Entity::Connection | Entity::Custom(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn no_entity_maps_two_columns_to_one_marketo_field() {
        for entity in Entity::STANDARD {
            let fields = default_fields(&entity);
            let targets: HashSet<_> = fields.iter().map(|f| f.marketo).collect();
            assert_eq!(
                targets.len(),
                fields.len(),
                "{entity:?} maps two columns onto one Marketo field"
            );
            let sources: HashSet<_> = fields.iter().map(|f| f.dynamics).collect();
            assert_eq!(
                sources.len(),
                fields.len(),
                "{entity:?} maps one column twice (R52 lists Topic twice: A7)"
            );
        }
    }

    #[test]
    fn lead_and_contact_agree_on_the_person_fields_they_share() {
        let lead: BTreeMap<_, _> = default_fields(&Entity::Lead)
            .into_iter()
            .map(|f| (f.dynamics, f.marketo))
            .collect();
        for field in default_fields(&Entity::Contact) {
            if let Some(target) = lead
                .get(field.dynamics)
                .filter(|_| field.dynamics != "statecode")
            {
                assert_eq!(
                    *target, field.marketo,
                    "{} goes to one Marketo field for leads and contacts alike",
                    field.dynamics
                );
            }
        }
    }

    #[test]
    fn default_mapping_covers_r52() {
        let lead: HashSet<_> = default_fields(&Entity::Lead)
            .into_iter()
            .map(|f| f.dynamics)
            .collect();
        for column in [
            "firstname",
            "lastname",
            "emailaddress1",
            "leadsourcecode",
            "statecode",
            "companyname",
            "revenue",
            "subject",
        ] {
            assert!(lead.contains(column), "R52 maps lead.{column}");
        }
        let contact: HashSet<_> = default_fields(&Entity::Contact)
            .into_iter()
            .map(|f| f.dynamics)
            .collect();
        assert!(contact.contains("mkt_leadscore") && !contact.contains("companyname"));
    }
}

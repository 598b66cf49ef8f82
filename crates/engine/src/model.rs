//! The domain: which Dynamics tables sync to which Marketo objects, in which direction, and the
//! fields Dynasync itself keeps on Marketo people.

use serde::{Deserialize, Serialize};

/// The standard Dynamics tables the sync covers, plus custom entities (R14).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Entity {
    Lead,
    Contact,
    Account,
    SystemUser,
    Team,
    Opportunity,
    /// Connections, for the stakeholders of opportunities (R57): not chosen on its own, synced
    /// with opportunities.
    Connection,
    /// A custom entity, by logical name.
    Custom(String),
}

impl Entity {
    /// The standard tables, in the order their changes are pulled and pushed: owners before the
    /// companies they own, companies before the people in them, people and opportunities before
    /// the stakeholder roles that join them.
    pub const STANDARD: [Entity; 7] = [
        Entity::SystemUser,
        Entity::Team,
        Entity::Account,
        Entity::Contact,
        Entity::Lead,
        Entity::Opportunity,
        Entity::Connection,
    ];

    /// Whether the user chooses this table's fields (connections only carry stakeholders).
    pub fn has_fields(&self) -> bool {
        *self != Entity::Connection
    }

    pub fn logical_name(&self) -> &str {
        match self {
            Entity::Lead => "lead",
            Entity::Contact => "contact",
            Entity::Account => "account",
            Entity::SystemUser => "systemuser",
            Entity::Team => "team",
            Entity::Opportunity => "opportunity",
            Entity::Connection => "connection",
            Entity::Custom(name) => name,
        }
    }

    pub fn from_logical_name(name: &str) -> Entity {
        match name {
            "lead" => Entity::Lead,
            "contact" => Entity::Contact,
            "account" => Entity::Account,
            "systemuser" => Entity::SystemUser,
            "team" => Entity::Team,
            "opportunity" => Entity::Opportunity,
            "connection" => Entity::Connection,
            other => Entity::Custom(other.to_owned()),
        }
    }

    /// The Web API entity set of a standard table (custom ones come from metadata).
    pub fn standard_entity_set(&self) -> Option<&'static str> {
        Some(match self {
            Entity::Lead => "leads",
            Entity::Contact => "contacts",
            Entity::Account => "accounts",
            Entity::SystemUser => "systemusers",
            Entity::Team => "teams",
            Entity::Opportunity => "opportunities",
            Entity::Connection => "connections",
            Entity::Custom(_) => return None,
        })
    }

    /// The primary key column.
    pub fn primary_id(&self) -> String {
        format!("{}id", self.logical_name())
    }

    /// Leads and contacts sync both ways; everything else from Dynamics to Marketo only (R15).
    pub fn direction(&self) -> Direction {
        match self {
            Entity::Lead | Entity::Contact => Direction::TwoWay,
            _ => Direction::ToMarketo,
        }
    }

    /// Whether this table holds people (Marketo persons).
    pub fn is_person(&self) -> bool {
        matches!(self, Entity::Lead | Entity::Contact)
    }

    /// What a record of this table becomes in Marketo.
    pub fn marketo_object(&self) -> MarketoObject {
        match self {
            Entity::Lead | Entity::Contact => MarketoObject::Person,
            Entity::Account => MarketoObject::Company,
            Entity::SystemUser | Entity::Team => MarketoObject::SalesPerson,
            Entity::Opportunity => MarketoObject::Opportunity,
            Entity::Connection => MarketoObject::OpportunityRole,
            Entity::Custom(name) => MarketoObject::CustomObject(custom_object_name(name)),
        }
    }

    /// Who wins when the same field changed on both sides since the last sync (R18–R20).
    pub fn collision_winner(&self) -> Side {
        match self {
            Entity::Lead => Side::Marketo,
            _ => Side::Dynamics,
        }
    }
}

/// The fields Dynasync gives every custom object type it creates.
pub mod custom_object {
    /// The dedupe field: the record's Dynamics id.
    pub const DYNAMICS_ID: &str = "dynamicsId";
    /// Link to the person (by Marketo lead id) of the contact or lead the record hangs off.
    pub const LEAD_LINK: &str = "leadId";
    /// Link to the company of the account the record hangs off.
    pub const COMPANY_LINK: &str = "externalCompanyId";
}

/// The Marketo custom object API name for a Dynamics custom entity (Marketo requires `_c`).
pub fn custom_object_name(logical_name: &str) -> String {
    format!("{}_c", logical_name.trim_end_matches("_c"))
}

/// Which way a table's (or a field's) values flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    TwoWay,
    ToMarketo,
}

/// One of the two systems.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    Dynamics,
    Marketo,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Dynamics => "Dynamics",
            Side::Marketo => "Marketo",
        }
    }
}

/// The Marketo object a Dynamics record becomes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MarketoObject {
    Person,
    Company,
    SalesPerson,
    Opportunity,
    OpportunityRole,
    CustomObject(String),
}

impl MarketoObject {
    /// The order objects are pushed in, so every reference points at something that exists (R99).
    pub fn push_rank(&self) -> u8 {
        match self {
            MarketoObject::SalesPerson => 0,
            MarketoObject::Company => 1,
            MarketoObject::Person => 2,
            MarketoObject::Opportunity => 3,
            MarketoObject::OpportunityRole => 4,
            MarketoObject::CustomObject(_) => 5,
        }
    }
}

/// The Marketo person fields Dynasync keeps for the sync itself (read-only system fields, R52).
pub mod person_fields {
    /// The Dynamics lead or contact id (R99: the non-native link key).
    pub const DYNAMICS_ID: &str = "externalPersonId";
    /// "Microsoft Type": `Lead`, `Contact`, or empty for a Marketo-only person (R24).
    pub const MICROSOFT_TYPE: &str = "microsoftType";
    /// "Microsoft is Deleted": the record was deleted in Dynamics (R66).
    pub const IS_DELETED: &str = "microsoftIsDeleted";
    /// "Microsoft Created Date": when the record was created in Dynamics.
    pub const CREATED_DATE: &str = "microsoftCreatedDate";
    /// The Dynamics lead id of a lead's person, and of a contact's person qualified from a lead.
    pub const LEAD_ID: &str = "microsoftLeadId";
    /// The Dynamics contact id of a contact's person.
    pub const CONTACT_ID: &str = "microsoftContactId";
    /// The owner (a Dynamics user or team) as a Marketo sales person.
    pub const OWNER: &str = "externalSalesPersonId";
    /// The person's account as a Marketo company.
    pub const COMPANY: &str = "externalCompanyId";
    pub const EMAIL: &str = "email";
}

/// The Dynamics sync filter column (R32).
pub const SYNC_FILTER_COLUMN: &str = "new_synctomkto";

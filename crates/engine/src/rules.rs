//! The documented rules a decision can rest on. Every journal entry names one, so "why is this
//! value X?" has an answer per field (R-numbers from the specification).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The rule behind a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Rule {
    /// The first sync copies every record from Dynamics (R3).
    FirstCopy,
    /// At the first link of two existing records, an empty field takes the other side's value.
    FillEmpty,
    /// Only Dynamics changed since the last sync: its value goes to Marketo.
    DynamicsChanged,
    /// Only Marketo changed since the last sync: its value goes to Dynamics (leads and contacts, R22-R23).
    MarketoChanged,
    /// Both sides changed to the same value: nothing to send.
    SameOnBothSides,
    /// Both changed a lead field: Marketo wins (R18).
    MarketoWinsForLeads,
    /// Both changed a contact field: Dynamics wins (R19).
    DynamicsWinsForContacts,
    /// One-way entities: Dynamics always wins; Marketo edits are overwritten by the next change (R20, R21).
    DynamicsWinsOneWay,
    /// An account change in Dynamics overrides the company for all its people in Marketo (R21).
    AccountOverridesCompany,
    /// An account with more than 5,000 contacts: the change syncs, no per-contact activity (R12).
    AccountActivityCap,
    /// Sync filter No: the record is not synced, or stops getting updates (R33, R37).
    FilterNo,
    /// Sync filter blank: synced once, then no updates (R34).
    FilterBlank,
    /// Sync filter back to Yes: the record syncs again at once (R36).
    FilterYes,
    /// Deleted in Dynamics: the person is flagged "Microsoft is Deleted", not deleted (R66).
    DeletedInDynamics,
    /// Deleted in Marketo: nothing happens in Dynamics; a later Dynamics change re-creates it (R67, R68).
    DeletedInMarketo,
    /// A lead qualified into a contact (R41).
    Qualified,
    /// Records merged in Dynamics: the winner's filter decides (R40).
    Merged,
    /// Changed by the sync user: not synced back (R6).
    ChangedBySyncUser,
    /// A contact connected to an opportunity as a stakeholder has a role on it (R57).
    Stakeholder,
    /// A Marketo person sent to Dynamics on request (R24-R27).
    SyncPersonToMicrosoft,
    /// Dynamics refused the value; it is logged on the person and in the error list (R28).
    RejectedByDynamics,
    /// A field added to the mapping is filled from Dynamics for every record (R46-R48).
    Backfill,
    /// Linked to an existing Marketo person whose Dynamics id matched.
    MatchedByDynamicsId,
    /// Linked to the one existing Marketo person with the same email address.
    MatchedByEmail,
    /// Several Marketo people share the email: nothing is created until it is resolved (R29).
    AmbiguousMatch,
}

impl Rule {
    /// The requirement this rule comes from, when the documentation states it.
    pub fn reference(self) -> Option<&'static str> {
        Some(match self {
            Rule::FirstCopy => "R3",
            Rule::MarketoChanged => "R22",
            Rule::MarketoWinsForLeads => "R18",
            Rule::DynamicsWinsForContacts => "R19",
            Rule::DynamicsWinsOneWay => "R20",
            Rule::AccountOverridesCompany => "R21",
            Rule::AccountActivityCap => "R12",
            Rule::FilterNo => "R37",
            Rule::FilterBlank => "R34",
            Rule::FilterYes => "R36",
            Rule::DeletedInDynamics => "R66",
            Rule::DeletedInMarketo => "R67",
            Rule::Qualified => "R41",
            Rule::Merged => "R40",
            Rule::ChangedBySyncUser => "R6",
            Rule::Stakeholder => "R57",
            Rule::SyncPersonToMicrosoft => "R24",
            Rule::RejectedByDynamics => "R28",
            Rule::Backfill => "R46",
            Rule::AmbiguousMatch => "R29",
            Rule::FillEmpty
            | Rule::DynamicsChanged
            | Rule::SameOnBothSides
            | Rule::MatchedByDynamicsId
            | Rule::MatchedByEmail => return None,
        })
    }

    /// One sentence a marketing admin understands.
    pub fn explain(self) -> &'static str {
        match self {
            Rule::FirstCopy => "The first sync copies every record from Dynamics.",
            Rule::FillEmpty => "One side was empty, so it took the other side's value.",
            Rule::DynamicsChanged => {
                "Only Dynamics changed since the last sync, so its value went to Marketo."
            }
            Rule::MarketoChanged => {
                "Only Marketo changed since the last sync, so its value went to Dynamics."
            }
            Rule::SameOnBothSides => "Both sides changed to the same value.",
            Rule::MarketoWinsForLeads => {
                "Both sides changed this lead field; Marketo wins for leads."
            }
            Rule::DynamicsWinsForContacts => {
                "Both sides changed this contact field; Dynamics wins for contacts."
            }
            Rule::DynamicsWinsOneWay => {
                "This record syncs from Dynamics only; Dynamics always wins."
            }
            Rule::AccountOverridesCompany => {
                "The account changed in Dynamics, which overrides the company for all its people in Marketo."
            }
            Rule::AccountActivityCap => {
                "The account has more than 5,000 contacts: the change is synced without an activity per contact."
            }
            Rule::FilterNo => "The sync filter (SyncToMkto) is No, so this record does not sync.",
            Rule::FilterBlank => {
                "The sync filter (SyncToMkto) is empty: the record is copied once and not updated."
            }
            Rule::FilterYes => {
                "The sync filter (SyncToMkto) turned to Yes, so the record syncs again."
            }
            Rule::DeletedInDynamics => {
                "The record was deleted in Dynamics; the person is flagged as deleted in Marketo."
            }
            Rule::DeletedInMarketo => {
                "The person was deleted in Marketo; Dynamics keeps its record."
            }
            Rule::Qualified => "The lead was qualified into a contact in Dynamics.",
            Rule::Merged => {
                "The records were merged in Dynamics; the winning record's sync filter decides."
            }
            Rule::ChangedBySyncUser => {
                "The change was made by the sync user, so it is not synced back."
            }
            Rule::Stakeholder => {
                "The contact is a stakeholder of the opportunity in Dynamics, so it has a role on it."
            }
            Rule::SyncPersonToMicrosoft => "The person was sent to Dynamics on request.",
            Rule::RejectedByDynamics => {
                "Dynamics refused the value (a validation rule); see the error list."
            }
            Rule::Backfill => "A newly added field was filled from Dynamics.",
            Rule::MatchedByDynamicsId => {
                "An existing Marketo person already carried this Dynamics id."
            }
            Rule::MatchedByEmail => {
                "The one existing Marketo person with this email address was linked."
            }
            Rule::AmbiguousMatch => {
                "Several Marketo people share this email address; nothing was created."
            }
        }
    }
}

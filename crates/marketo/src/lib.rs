//! Client for the Marketo Engage REST API.
//!
//! [`MarketoClient`] gets and reuses an Identity token (renewed once on 601/602, sent only in the
//! `Authorization: Bearer` header), keeps under the instance's limits — 100 calls in any 20 s, 10
//! at once — and counts the daily budget the engine keeps a reserve of ([`MarketoClient::budget`]).
//! It reads and writes leads, their fields and activities (the paging token is an opaque durable
//! cursor), custom activities, companies, opportunities and roles, sales persons, custom objects,
//! static lists and usage.
//!
//! Response-level errors are `Err` ([`Error`], classified for the engine: retryable, auth, quota
//! with its reset time, rate limited); record-level outcomes are data, one [`RecordOutcome`] per
//! input record in input order. Writes are split into calls of at most 300 records under 1 MB.
//! The client knows nothing of the sync, of SQLite or of Tauri.

mod activities;
mod batch;
mod client;
mod custom_activities;
mod custom_objects;
mod envelope;
mod error;
mod leads;
mod limiter;
mod lists;
mod objects;
mod records;
mod retry;
mod usage;

pub use activities::{
    ActivitiesPage, Activity, ActivityKind, Attribute, DeletedLead, DeletedLeadsPage, FieldChange,
    LeadChange, LeadChangesPage, PagingToken, parse_activities, parse_deleted_leads,
    parse_lead_changes,
};
pub use client::{ClientBuilder, IdentityRefusal, IdentityToken, MarketoClient};
pub use custom_activities::{
    ActivityType, AttributeType, CustomActivity, CustomActivityType, CustomAttribute,
    NewActivityType,
};
pub use custom_objects::{CustomObjectType, LinkTo, NewCustomObjectField, NewCustomObjectType};
pub use dynasync_secrets::Secret;
pub use envelope::{Envelope, Message, parse};
pub use error::Error;
pub use leads::{ApiName, FieldSchema, LeadAttribute, LeadDescription, LeadField, NewField};
pub use limiter::{Budget, Limits};
pub use lists::StaticList;
pub use objects::{ObjectDescription, ObjectField, ObjectKind, RelatedObject, Relationship};
pub use records::{
    DedupeBy, Lead, OutcomeStatus, Reason, Record, RecordId, RecordOutcome, SyncAction,
};
pub use retry::{MAX_ATTEMPTS, Retry, Signal, retry_decision};
pub use usage::{ErrorCount, ErrorStats, Usage, UserCount};

/// Decodes a write call's outcomes from a response body (the sample fixtures use this): one per
/// record of an input of `count` records.
///
/// # Errors
/// A response-level error, or a result that is not one outcome per record.
pub fn parse_outcomes(body: &[u8], count: usize) -> Result<Vec<RecordOutcome>, Error> {
    records::outcomes(parse::<records::WireOutcome>(body)?.result, 0, count)
}

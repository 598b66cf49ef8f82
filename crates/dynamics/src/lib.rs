//! Client for the Microsoft Dataverse Web API (Dynamics 365) and the Entra ID token endpoint.
//!
//! [`DataverseClient`] signs in with the client-credentials or password grant ([`Auth`]), keeps
//! the token fresh, and offers typed access to what a sync needs: the org's identity, table and
//! column metadata for the field picker, paged reads as a stream, change-tracking pages with the
//! delta link as a durable cursor, single and `$batch` writes with per-record outcomes,
//! `QualifyLead` and `Merge`. Every request goes through one limiter that keeps the client under
//! the service protection limits and honours `Retry-After`, and one pure retry decision. Errors
//! are classified ([`Error::is_retryable`], [`Error::is_validation`], ...). It knows nothing of
//! the sync, of SQLite or of Tauri, and works unchanged against a real org or the sandbox.

mod actions;
mod auth;
mod changes;
mod client;
mod error;
mod limiter;
mod metadata;
mod query;
mod record;
mod retry;
pub mod wire;
mod write;

pub use actions::{EntityRef, Organization, QualifyOptions, WhoAmI};
pub use auth::{Auth, Authority};
pub use changes::{Change, ChangePage, ChangeRequest, DeltaLink, NextLink};
pub use client::{ClientBuilder, DataverseClient, Usage};
pub use dynasync_secrets::Secret;
pub use error::Error;
pub use limiter::ServiceProtection;
pub use metadata::{
    AttributeMeta, CustomEntityLink, EntityMeta, Ineligible, LinkStep, OptionMeta, Relationship,
};
pub use query::{MAX_PAGE_SIZE, Page, Query};
pub use record::{Lookup, Record};
pub use retry::{Retry, retry_decision, transport_decision};
pub use write::{
    BatchOp, BatchOutcome, MAX_BATCH_OPERATIONS, Precondition, Written, read_batch_response,
};

/// Compile-time check that the client can be shared between tasks.
const _: fn() = || {
    fn shared<T: Send + Sync + Clone>() {}
    shared::<DataverseClient>();
};

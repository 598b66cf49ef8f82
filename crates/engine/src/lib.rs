//! The sync engine: the one API that the desktop app and the CLI call.
//!
//! It holds the domain model and field mapping, the documented rules (collisions, account
//! propagation, sync filter, deletes, qualify, echo suppression), a pure planner that turns both
//! sides' changes into a plan, the executor that pushes that plan in dependency order under both
//! APIs' limits, the scheduler (full copy first, then a cycle 5 minutes after the previous one ended,
//! plus Quick Sync), and the SQLite store with its migrations and journal.

mod activities;
mod app_support;
mod clients;
pub mod config;
mod engine;
pub mod error;
mod exec;
pub mod lock;
pub mod mapping;
pub mod model;
pub mod people;
pub mod plan;
pub mod preview;
pub mod rules;
pub mod schedule;
pub mod setup;
pub mod status;
pub mod store;
pub mod value;

pub use app_support::{MarketoList, errors_csv};
pub use clients::ClientLimits;
pub use engine::{Backlog, Engine, Overview, database_path, default_data_dir, keychain_service};
pub use error::EngineError;

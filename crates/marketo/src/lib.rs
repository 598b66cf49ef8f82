//! Client for the Marketo Engage REST API.
//!
//! It will hold the identity call with token reuse and renewal, typed access to lead describe and
//! fields, lead reads, syncs and deletes, lead-change pages with the paging token as an opaque durable
//! cursor, activities and custom activities, companies, opportunities and roles, sales persons, custom
//! object schema and records, static lists and usage, plus the limiter for 100 calls per 20 seconds and
//! 10 concurrent calls, and the daily budget the engine keeps a reserve of. Response-level errors are
//! `Err`; record-level outcomes are data. It knows nothing of the sync, of SQLite or of Tauri.

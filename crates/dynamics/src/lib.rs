//! Client for the Microsoft Dataverse Web API (Dynamics 365) and the Entra ID token endpoint.
//!
//! It will hold token acquisition for the client-credentials and password grants, typed access to
//! organization identity, entity and attribute metadata, paged reads, change-tracking pages with the
//! delta link as an opaque durable cursor, `$batch` writes with per-record outcomes, `QualifyLead` and
//! `Merge`, a limiter that keeps callers under the service-protection limits, and a pure, table-tested
//! retry decision. It knows nothing of the sync, of SQLite or of Tauri.

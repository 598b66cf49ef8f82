//! The built-in sandbox: faithful local emulators of Entra ID, the Dataverse Web API and the Marketo
//! REST API.
//!
//! It will hold the emulators (same URLs, headers, JSON shapes, paging, errors, limits, token expiry,
//! field security, validation rules and change tracking as the documented APIs), a deterministic data
//! generator, fault injection, and a control API to act "as a user" on either side and read the truth
//! back. It depends on no other Dynasync crate, so that a client bug cannot hide behind the same bug in
//! the emulator.

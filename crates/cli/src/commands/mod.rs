//! One module per command.

pub(crate) mod doctor;
pub(crate) mod errors;
pub(crate) mod export;
pub(crate) mod sandbox;
pub(crate) mod setup;
pub(crate) mod status;
pub(crate) mod sync;
pub(crate) mod validate;
pub(crate) mod why;

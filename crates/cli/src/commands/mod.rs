//! One module per command.

pub(crate) mod doctor;
pub(crate) mod errors;
pub(crate) mod status;
pub(crate) mod why;

//! Setting Dynasync up: the connection forms and their validation, the checks that prove a
//! connection works, the catalog of fields and custom entities to choose from, and preparing
//! Marketo (the fields, custom object types and activity types the sync needs).

pub mod catalog;
pub mod checks;
pub mod flow;
pub mod form;

//! The executor: one cycle pulls both sides' changes into the inbox, plans them batch by batch,
//! pushes the writes in dependency order under both APIs' limits, and commits each batch's
//! outcomes, synced values and journal in one transaction. Cursors move only past what the inbox
//! holds, and an inbox item leaves only with what it caused: a crash anywhere loses nothing and,
//! because every write is idempotent, duplicates nothing.

mod batch;
pub(crate) mod commit;
mod cycle;
mod pull;
mod push;

pub(crate) use cycle::Runner;

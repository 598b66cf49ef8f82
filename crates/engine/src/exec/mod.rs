//! The executor: one cycle pulls both sides' changes into the inbox, plans them batch by batch,
//! pushes the writes in dependency order under both APIs' limits, and commits each batch's
//! outcomes, synced values and journal in one transaction. Cursors move only past what the inbox
//! holds, and an inbox item leaves only with what it caused: a crash anywhere loses nothing and,
//! because every write is idempotent, duplicates nothing.

mod backfill;
mod batch;
pub(crate) mod commit;
mod cycle;
mod pull;
mod push;
mod requests;

pub(crate) use backfill::{Job as BackfillJob, job_cursor as backfill_cursor};

use crate::plan::Known;
use crate::store::{self, links};

/// A link with its last-synced values, as the planner knows it.
fn known(conn: &rusqlite::Connection, link: links::Link) -> store::Result<Known> {
    let bases = links::bases(conn, link.id)?;
    Ok(Known {
        link,
        synced: bases.synced,
        marketo_synced: bases.marketo,
    })
}
pub(crate) use cycle::{Runner, dry_run};

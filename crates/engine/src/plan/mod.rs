//! The planner: a pure function from both sides' changes and what Dynasync knows to the writes that
//! bring the two systems together, each carrying what to commit once it succeeds. No I/O: time, ids
//! and Marketo lookups come in as inputs, so every rule is tested with tables and properties.

pub mod backfill;
pub mod merge;
pub mod objects;
pub mod people;
mod record;
pub mod requests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::mapping::Mappings;
use crate::model::{Entity, MarketoObject};
use crate::store::journal::Entry;
use crate::store::links::{Link, LinkState};
use crate::value::Value;

pub use record::{Filter, PersonRow};

/// What every planning step needs to know besides the records.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub run_id: i64,
    pub mappings: &'a Mappings,
    /// The Dynamics user Dynasync signs in as; its own edits are not synced back (R6).
    pub sync_user: Option<Uuid>,
    /// Entities that have the `new_synctomkto` column (R32).
    pub filter_entities: &'a BTreeSet<Entity>,
}

/// A Dynamics record as pulled: its JSON, or `None` when it was deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicsRecord {
    pub entity: Entity,
    pub id: Uuid,
    pub json: Option<Json>,
}

/// A Marketo person as fetched after a change, or `None` when it was deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketoPerson {
    pub id: i64,
    pub json: Option<Json>,
}

/// A link with the last-synced values of its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub link: Link,
    pub synced: BTreeMap<String, Value>,
    /// Marketo's last-synced values where they differ from `synced`, which are Dynamics' (R6).
    pub marketo_synced: BTreeMap<String, Value>,
}

impl Known {
    /// Marketo's last-synced value of every field.
    pub fn marketo_base(&self) -> BTreeMap<String, Value> {
        let mut base = self.synced.clone();
        base.extend(self.marketo_synced.clone());
        base
    }
}

/// What Dynasync knows about the records of one batch, fetched from the store before planning.
#[derive(Debug, Clone, Default)]
pub struct KnownSet {
    by_dynamics: HashMap<(Entity, Uuid), Known>,
    person_by_marketo: HashMap<i64, (Entity, Uuid)>,
}

impl KnownSet {
    pub fn insert(&mut self, known: Known) {
        if known.link.object == MarketoObject::Person
            && let Some(id) = known
                .link
                .marketo_id
                .as_deref()
                .and_then(|id| id.parse().ok())
        {
            self.person_by_marketo
                .insert(id, (known.link.entity.clone(), known.link.dynamics_id));
        }
        self.by_dynamics
            .insert((known.link.entity.clone(), known.link.dynamics_id), known);
    }

    pub fn by_dynamics(&self, entity: &Entity, id: Uuid) -> Option<&Known> {
        self.by_dynamics.get(&(entity.clone(), id))
    }

    pub fn by_person(&self, marketo_id: i64) -> Option<&Known> {
        self.person_by_marketo
            .get(&marketo_id)
            .and_then(|key| self.by_dynamics.get(key))
    }
}

/// What a Marketo lookup found for a Dynamics person not linked yet: by its Dynamics id first,
/// then by email.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    NotFound,
    ByDynamicsId {
        id: i64,
        json: Json,
    },
    ByEmail {
        id: i64,
        json: Json,
    },
    /// The one person with this email already syncs with another Dynamics record (a lead and a
    /// contact for the same human, say): a new person is created next to it.
    EmailTaken,
    /// Several unlinked people share the email: nothing is created until someone resolves it (R29).
    Ambiguous(Vec<i64>),
    /// The Marketo person this record was just created from ("Sync Person to Microsoft", R24).
    Requested {
        id: i64,
        json: Json,
    },
}

/// How a Marketo record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarketoAction {
    /// Update the person with this id (`updateOnly`, lookup by `id`).
    UpdatePerson,
    /// Create or update by Dynamics id (`createOrUpdate`, lookup by `externalPersonId`): creating
    /// twice after a crash updates instead of duplicating.
    UpsertPersonByDynamicsId,
    /// Create a new person even though one has the same email (`createDuplicate`).
    CreateDuplicatePerson,
    /// Create or update a company, sales person, opportunity, role or custom object by its dedupe
    /// fields (the Dynamics id).
    Upsert,
    /// Delete by dedupe fields.
    Delete,
}

/// One record to write to Marketo.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketoWrite {
    pub object: MarketoObject,
    pub action: MarketoAction,
    /// The record as the API takes it, keys included.
    pub record: serde_json::Map<String, Json>,
    pub commit: Commit,
}

/// One operation on Dynamics.
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicsOp {
    /// `PATCH <set>(<id>)` with `If-Match: *`, columns by logical name.
    Update {
        fields: serde_json::Map<String, Json>,
    },
    /// Create a lead with a chosen id (an upsert with `If-None-Match: *`, so a retry cannot
    /// duplicate it), then qualify it into a contact with no account when `as_contact` (R26).
    CreateLead {
        fields: serde_json::Map<String, Json>,
        owner: Option<Uuid>,
        as_contact: bool,
    },
}

/// One record to write to Dynamics.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicsWrite {
    pub entity: Entity,
    pub id: Uuid,
    pub op: DynamicsOp,
    /// The Marketo person whose activity log gets a rejection (R28).
    pub person: Option<i64>,
    pub commit: Commit,
}

/// Where the Marketo id of a link comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketoId {
    Known(String),
    /// The id the write's outcome returns (a created person).
    FromOutcome,
    /// No Marketo record (a lead whose person went to the contact it was qualified into).
    None,
}

/// The link a commit's synced values belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRef {
    Id(i64),
    /// The link of this Dynamics record, created by an earlier write of the same batch.
    Record(Entity, Uuid),
}

/// A change to the links table.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkChange {
    Upsert {
        entity: Entity,
        dynamics_id: Uuid,
        object: MarketoObject,
        marketo_id: MarketoId,
        state: LinkState,
    },
    /// The link now joins its Marketo record to another Dynamics record (qualify, merge).
    Relink {
        link_id: i64,
        entity: Entity,
        dynamics_id: Uuid,
    },
    State {
        link_id: i64,
        state: LinkState,
    },
    Remove {
        link_id: i64,
    },
}

/// What to commit, in one transaction, once a write succeeded (or at once for a decision that
/// needs no write).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub links: Vec<LinkChange>,
    /// New last-synced values of the written link (`link`, else the first link change's).
    pub synced: BTreeMap<String, Value>,
    /// Marketo's own last-synced values of fields of `synced` that Marketo does not hold (R6).
    pub marketo_synced: BTreeMap<String, Value>,
    /// The link whose synced values change, when the first link change does not name it.
    pub link: Option<LinkRef>,
    pub journal: Vec<Entry>,
    /// Dynasync wrote this Dynamics record, or saw its own write come back.
    pub dynamics_echo: Option<Echo>,
    /// The "Sync Person to Microsoft" request this commit completes (R24).
    pub fulfils: Option<i64>,
}

/// Dynasync's own writes to a Dynamics record come back signed by the sync user, like the sync
/// user's own edits, which are not synced back (R6); the version the write made tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Written: await the version the write answered with.
    Expect,
    /// Seen back (or overtaken by a later edit): nothing awaited.
    Seen,
}

impl Echo {
    /// Awaited when a write answered no version: any version signed by the sync user is then taken
    /// for the write's echo.
    pub const ANY_VERSION: &'static str = "*";

    /// Whether a record at `version`, signed by the sync user, is the write awaited at `awaited`.
    pub fn is_awaited(awaited: Option<&str>, version: Option<&str>) -> bool {
        match awaited {
            None => false,
            Some(Self::ANY_VERSION) => true,
            Some(awaited) => version == Some(awaited),
        }
    }
}

/// A record left alone, with why (it goes to the error list).
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    pub entity: Entity,
    pub record: String,
    pub code: &'static str,
    pub message: String,
}

/// Everything a batch of changes leads to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub marketo: Vec<MarketoWrite>,
    pub dynamics: Vec<DynamicsWrite>,
    /// Decisions that need no write.
    pub local: Vec<Commit>,
    pub skipped: Vec<Skip>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.marketo.is_empty()
            && self.dynamics.is_empty()
            && self.local.is_empty()
            && self.skipped.is_empty()
    }
}

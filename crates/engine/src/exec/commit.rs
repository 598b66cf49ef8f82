//! Applying a plan's commits to the store, inside the batch's transaction: link changes, new
//! last-synced values, the version of Dynasync's own Dynamics write awaiting its echo, and the
//! journal. A created record's Marketo id and a Dynamics write's version come from the write's
//! outcome.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::model::Entity;
use crate::plan::{Commit, Echo, LinkChange, LinkRef, MarketoId};
use crate::store::journal::{self, Entry};
use crate::store::{Result, StoreError};
use crate::store::{links, requests};

/// Applies `commit`; `outcome_id` is the Marketo id the write returned, `version` the version a
/// Dynamics write made, if any. Returns the link the commit's values went to.
pub(crate) fn apply(
    conn: &Connection,
    commit: &Commit,
    outcome_id: Option<&str>,
    version: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let mut first = None;
    for change in &commit.links {
        let id = match change {
            LinkChange::Upsert {
                entity,
                dynamics_id,
                object,
                marketo_id,
                state,
            } => {
                let marketo_id = match marketo_id {
                    MarketoId::Known(id) => Some(id.as_str()),
                    MarketoId::FromOutcome => outcome_id,
                    MarketoId::None => None,
                };
                links::upsert(conn, entity, *dynamics_id, object, marketo_id, *state, now)?
            }
            LinkChange::Relink {
                link_id,
                entity,
                dynamics_id,
            } => {
                links::relink(conn, *link_id, entity, *dynamics_id, now)?;
                *link_id
            }
            LinkChange::State { link_id, state } => {
                links::set_state(conn, *link_id, *state, now)?;
                *link_id
            }
            LinkChange::Remove { link_id } => {
                links::remove(conn, *link_id)?;
                *link_id
            }
        };
        first.get_or_insert(id);
    }
    let target = match &commit.link {
        Some(LinkRef::Id(id)) => Some(*id),
        Some(LinkRef::Record(entity, dynamics_id)) => {
            links::by_dynamics(conn, entity, *dynamics_id)?.map(|l| l.id)
        }
        None => first,
    };
    let removed = commit
        .links
        .iter()
        .any(|c| matches!(c, LinkChange::Remove { link_id } if Some(*link_id) == target));
    if let Some(link) = target.filter(|_| !removed) {
        if !commit.synced.is_empty() {
            links::set_synced(conn, link, &commit.synced)?;
            links::set_marketo_synced(conn, link, &commit.marketo_synced)?;
        }
        match commit.dynamics_echo {
            Some(Echo::Expect) => {
                links::set_dynamics_echo(conn, link, Some(version.unwrap_or(Echo::ANY_VERSION)))?;
            }
            Some(Echo::Seen) => links::set_dynamics_echo(conn, link, None)?,
            None => {}
        }
    } else if !commit.synced.is_empty() {
        return Err(StoreError::Data(format!(
            "no link to record synced values for: {:?}",
            commit.link
        )));
    }
    let entries: Vec<Entry> = commit
        .journal
        .iter()
        .map(|e| Entry {
            marketo_id: e
                .marketo_id
                .clone()
                .or_else(|| outcome_id.map(str::to_owned)),
            ..e.clone()
        })
        .collect();
    journal::append(conn, &entries)?;
    if let Some(request) = commit.fulfils {
        let created = target.map(|id| links::get(conn, id)).transpose()?.flatten();
        let outcome = match created.as_ref().map(|l| &l.entity) {
            Some(Entity::Contact) => "created-contact",
            _ => "created-lead",
        };
        requests::complete(conn, request, outcome, created.map(|l| l.dynamics_id), now)?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use uuid::Uuid;

    use super::*;
    use crate::model::MarketoObject;
    use crate::rules::Rule;
    use crate::store::Store;
    use crate::store::journal::Flow;
    use crate::store::links::LinkState;
    use crate::value::Value;

    fn entry(rule: Rule) -> Entry {
        Entry {
            run_id: 1,
            at: Utc::now(),
            entity: "contact".into(),
            dynamics_id: Some(Uuid::from_u128(1)),
            marketo_id: None,
            field: None,
            flow: Flow::None,
            before: None,
            after: None,
            rule,
            note: None,
        }
    }

    #[test]
    fn a_created_person_gets_its_marketo_id_from_the_outcome_with_its_values_and_journal() {
        let store = Store::in_memory().unwrap();
        let commit = Commit {
            links: vec![LinkChange::Upsert {
                entity: Entity::Contact,
                dynamics_id: Uuid::from_u128(1),
                object: MarketoObject::Person,
                marketo_id: MarketoId::FromOutcome,
                state: LinkState::Live,
            }],
            synced: BTreeMap::from([("email".to_owned(), Value::Text("a@b.c".into()))]),
            journal: vec![entry(Rule::FirstCopy)],
            ..Commit::default()
        };
        let link = store
            .write(|tx| apply(tx, &commit, Some("501"), None, Utc::now()))
            .unwrap()
            .unwrap();
        let found = store
            .read(|c| links::by_marketo(c, &MarketoObject::Person, "501"))
            .unwrap()
            .unwrap();
        assert_eq!(found.id, link);
        assert_eq!(
            store.read(|c| links::synced(c, link)).unwrap()["email"],
            Value::Text("a@b.c".into())
        );
        let why = store
            .read(|c| journal::for_record(c, "501", None, 10))
            .unwrap();
        assert_eq!(
            why.len(),
            1,
            "the journal knows the person by the id the outcome gave"
        );
    }

    #[test]
    fn a_dynamics_write_after_a_link_in_the_same_batch_finds_that_link() {
        let store = Store::in_memory().unwrap();
        let contact = Uuid::from_u128(2);
        let link = Commit {
            links: vec![LinkChange::Upsert {
                entity: Entity::Contact,
                dynamics_id: contact,
                object: MarketoObject::Person,
                marketo_id: MarketoId::Known("77".into()),
                state: LinkState::Live,
            }],
            ..Commit::default()
        };
        let dynamics = Commit {
            link: Some(LinkRef::Record(Entity::Contact, contact)),
            synced: BTreeMap::from([("firstName".to_owned(), Value::Text("Bob".into()))]),
            dynamics_echo: Some(Echo::Expect),
            ..Commit::default()
        };
        store
            .write(|tx| {
                apply(tx, &link, None, None, Utc::now())?;
                apply(tx, &dynamics, None, Some("W/\"7\""), Utc::now())
            })
            .unwrap();
        let found = store
            .read(|c| links::by_dynamics(c, &Entity::Contact, contact))
            .unwrap()
            .unwrap();
        assert_eq!(
            found.dynamics_echo.as_deref(),
            Some("W/\"7\""),
            "the write's version is awaited"
        );
        assert_eq!(
            store.read(|c| links::synced(c, found.id)).unwrap()["firstName"],
            Value::Text("Bob".into())
        );
    }

    #[test]
    fn synced_values_without_a_link_are_an_error_not_silently_lost() {
        let store = Store::in_memory().unwrap();
        let orphan = Commit {
            link: Some(LinkRef::Record(Entity::Lead, Uuid::from_u128(3))),
            synced: BTreeMap::from([("city".to_owned(), Value::Null)]),
            ..Commit::default()
        };
        assert!(
            store
                .write(|tx| apply(tx, &orphan, None, None, Utc::now()))
                .is_err()
        );
    }
}

//! Properties of the people planner over random histories: a simulated Dynamics record and Marketo
//! person, edited by people on both sides between sync cycles. Every cycle applies the plan's writes
//! to both sides (each write coming back as a change, as in the real APIs) and its commits to the
//! simulated store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Utc;
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::*;
use crate::mapping::{FieldMapping, Mappings};
use crate::model::{Direction, Entity, MarketoObject};
use crate::plan::{
    Commit, Context, DynamicsOp, DynamicsRecord, Echo, Known, KnownSet, LinkChange, Lookup,
    MarketoId, MarketoPerson,
};
use crate::store::links::Link;
use crate::value::{FieldKind, Value};

const FIELDS: [(&str, &str); 3] = [
    ("firstname", "firstName"),
    ("lastname", "lastName"),
    ("address1_city", "city"),
];
const SYNC_USER: Uuid = Uuid::from_u128(0x5);
const SOMEONE: Uuid = Uuid::from_u128(0x7);
const RECORD: Uuid = Uuid::from_u128(0x100);
const PERSON: i64 = 4242;

#[derive(Debug, Clone)]
enum Event {
    DynamicsEdit(usize, Option<char>),
    MarketoEdit(usize, Option<char>),
    Cycle,
}

fn event() -> impl Strategy<Value = Event> {
    let value = prop::option::weighted(0.85, prop::sample::select(vec!['a', 'b', 'c']));
    prop_oneof![
        3 => (0..FIELDS.len(), value.clone()).prop_map(|(f, v)| Event::DynamicsEdit(f, v)),
        3 => (0..FIELDS.len(), value).prop_map(|(f, v)| Event::MarketoEdit(f, v)),
        2 => Just(Event::Cycle),
    ]
}

fn to_value(v: Option<char>) -> Value {
    v.map_or(Value::Null, |c| Value::Text(c.to_string()))
}

struct World {
    entity: Entity,
    mappings: Mappings,
    dynamics: BTreeMap<&'static str, Value>,
    marketo: BTreeMap<&'static str, Value>,
    dynamics_changed: bool,
    modified_by: Uuid,
    /// The Dynamics record's version: every change makes a new one.
    version: u64,
    marketo_changed: bool,
    link: Option<Link>,
    synced: BTreeMap<String, Value>,
    people_created: u32,
}

impl World {
    fn new(entity: Entity) -> World {
        let mappings = Mappings::new(FIELDS.iter().map(|(d, m)| FieldMapping {
            entity: entity.clone(),
            dynamics: (*d).into(),
            marketo: (*m).into(),
            kind: FieldKind::Text { max_length: None },
            direction: Direction::TwoWay,
        }));
        World {
            entity,
            mappings,
            dynamics: FIELDS
                .iter()
                .map(|(_, m)| (*m, Value::Text("x".into())))
                .collect(),
            marketo: BTreeMap::new(),
            dynamics_changed: true,
            modified_by: SOMEONE,
            version: 1,
            marketo_changed: false,
            link: None,
            synced: BTreeMap::new(),
            people_created: 0,
        }
    }

    fn dynamics_json(&self) -> Json {
        let mut json = serde_json::Map::new();
        for (column, field) in FIELDS {
            json.insert(
                column.into(),
                FieldKind::Text { max_length: None }.to_dynamics(&self.dynamics[field]),
            );
        }
        json.insert(
            "_modifiedby_value".into(),
            json!(self.modified_by.to_string()),
        );
        json.insert("@odata.etag".into(), json!(self.etag()));
        Json::Object(json)
    }

    fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    fn marketo_json(&self) -> Json {
        let mut json = serde_json::Map::new();
        json.insert("id".into(), json!(PERSON));
        for (field, value) in &self.marketo {
            json.insert(
                (*field).into(),
                FieldKind::Text { max_length: None }.to_marketo(value),
            );
        }
        Json::Object(json)
    }

    /// Collisions pending in this cycle: fields both sides changed to different values, with the
    /// value the entity's rule says must win.
    fn expected_winners(&self) -> Vec<(&'static str, Value)> {
        if self.link.is_none() {
            return Vec::new();
        }
        FIELDS
            .iter()
            .filter_map(|(_, f)| {
                let base = self.synced.get(*f).cloned().unwrap_or(Value::Null);
                let (d, m) = (
                    &self.dynamics[f],
                    self.marketo.get(f).unwrap_or(&Value::Null),
                );
                let collision = self.dynamics_changed
                    && self.marketo_changed
                    && *d != base
                    && *m != base
                    && d != m;
                collision.then(|| {
                    (
                        *f,
                        if self.entity == Entity::Lead {
                            m.clone()
                        } else {
                            d.clone()
                        },
                    )
                })
            })
            .collect()
    }

    fn cycle(&mut self) {
        let winners = self.expected_winners();
        let filters = BTreeSet::new();
        let ctx = Context {
            now: Utc::now(),
            run_id: 1,
            mappings: &self.mappings,
            sync_user: Some(SYNC_USER),
            filter_entities: &filters,
        };
        let dynamics: Vec<DynamicsRecord> = if self.dynamics_changed {
            vec![DynamicsRecord {
                entity: self.entity.clone(),
                id: RECORD,
                json: Some(self.dynamics_json()),
            }]
        } else {
            vec![]
        };
        let marketo: Vec<MarketoPerson> = if self.marketo_changed && self.link.is_some() {
            vec![MarketoPerson {
                id: PERSON,
                json: Some(self.marketo_json()),
            }]
        } else {
            vec![]
        };
        let mut known = KnownSet::default();
        if let Some(link) = &self.link {
            known.insert(Known {
                link: link.clone(),
                synced: self.synced.clone(),
                marketo_synced: BTreeMap::new(),
            });
        }
        let lookups = HashMap::from([(RECORD, Lookup::NotFound)]);
        let blocked = HashMap::new();
        let input = PeopleInput {
            dynamics: &dynamics,
            marketo: &marketo,
            known: &known,
            lookups: &lookups,
            blocked: &blocked,
        };
        let plan = plan_people(&ctx, &input);
        self.dynamics_changed = false;
        self.marketo_changed = false;

        for write in &plan.marketo {
            if write.action != MarketoAction::UpdatePerson {
                self.people_created += 1;
            }
            for (field, json) in &write.record {
                if let Some((_, f)) = FIELDS.iter().find(|(_, f)| f == field) {
                    self.marketo.insert(
                        f,
                        FieldKind::Text { max_length: None }
                            .from_marketo(json)
                            .unwrap(),
                    );
                }
            }
            // Marketo logs our own write as a change: the next cycle reads it back.
            self.marketo_changed = true;
            self.apply(&write.commit);
        }
        for write in &plan.dynamics {
            let DynamicsOp::Update { fields } = &write.op else {
                panic!("only updates here")
            };
            for (column, json) in fields {
                let (_, f) = FIELDS.iter().find(|(c, _)| c == column).unwrap();
                self.dynamics.insert(
                    f,
                    FieldKind::Text { max_length: None }
                        .from_dynamics(json)
                        .unwrap(),
                );
            }
            self.dynamics_changed = true;
            self.modified_by = SYNC_USER;
            self.version += 1;
            self.apply(&write.commit);
        }
        for commit in &plan.local {
            self.apply(commit);
        }
        for (field, winner) in winners {
            assert_eq!(
                self.dynamics[field], winner,
                "{field}: the collision rule's winner must be in Dynamics"
            );
            assert_eq!(
                self.marketo[field], winner,
                "{field}: the collision rule's winner must be in Marketo"
            );
        }
    }

    fn apply(&mut self, commit: &Commit) {
        for change in &commit.links {
            match change {
                LinkChange::Upsert {
                    marketo_id, state, ..
                } => {
                    let marketo_id = match marketo_id {
                        MarketoId::Known(id) => Some(id.clone()),
                        MarketoId::FromOutcome => Some(PERSON.to_string()),
                        MarketoId::None => None,
                    };
                    self.link = Some(Link {
                        id: 1,
                        entity: self.entity.clone(),
                        dynamics_id: RECORD,
                        object: MarketoObject::Person,
                        marketo_id,
                        state: *state,
                        dynamics_echo: None,
                    });
                }
                other => panic!("no {other:?} in these histories"),
            }
        }
        self.synced.extend(commit.synced.clone());
        let etag = self.etag();
        if let (Some(echo), Some(link)) = (commit.dynamics_echo, self.link.as_mut()) {
            link.dynamics_echo = (echo == Echo::Expect).then_some(etag);
        }
    }
}

fn run(entity: Entity, events: &[Event]) {
    let mut world = World::new(entity);
    world.cycle();
    for event in events {
        match event {
            Event::DynamicsEdit(f, v) => {
                world.dynamics.insert(FIELDS[*f].1, to_value(*v));
                world.dynamics_changed = true;
                world.modified_by = SOMEONE;
                world.version += 1;
            }
            Event::MarketoEdit(f, v) => {
                world.marketo.insert(FIELDS[*f].1, to_value(*v));
                world.marketo_changed = true;
            }
            Event::Cycle => world.cycle(),
        }
    }
    // Quiescence: no more edits; a few cycles settle every echo.
    for _ in 0..4 {
        world.cycle();
    }
    for (_, field) in FIELDS {
        let marketo = world.marketo.get(field).cloned().unwrap_or(Value::Null);
        assert_eq!(
            world.dynamics[field], marketo,
            "{field} must agree on both sides after quiescence"
        );
        assert_eq!(
            world.synced.get(field).cloned().unwrap_or(Value::Null),
            marketo,
            "{field}: the base must be the agreed value"
        );
    }
    assert_eq!(world.people_created, 1, "one person, never a duplicate");
    assert!(
        !world.dynamics_changed && !world.marketo_changed,
        "a quiet system stops writing: no echo ping-pong"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn leads_converge_and_marketo_wins_collisions(events in prop::collection::vec(event(), 0..40)) {
        run(Entity::Lead, &events);
    }

    #[test]
    fn contacts_converge_and_dynamics_wins_collisions(events in prop::collection::vec(event(), 0..40)) {
        run(Entity::Contact, &events);
    }
}

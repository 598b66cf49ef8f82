use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{TimeZone, Utc};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::*;
use crate::mapping::{FieldMapping, Mappings};
use crate::model::{Direction, Entity, MarketoObject};
use crate::plan::{
    Commit, Context, DynamicsOp, DynamicsRecord, Known, KnownSet, LinkChange, Lookup,
    MarketoAction, MarketoId, MarketoPerson, Plan,
};
use crate::rules::Rule;
use crate::store::links::{Link, LinkState};
use crate::value::{ChoiceOption, FieldKind, Value};

const SYNC_USER: Uuid = Uuid::from_u128(0x5);
const SALES_REP: Uuid = Uuid::from_u128(0x6);

fn text() -> FieldKind {
    FieldKind::Text {
        max_length: Some(100),
    }
}

fn mappings() -> Mappings {
    let mut fields = Vec::new();
    for entity in [Entity::Lead, Entity::Contact] {
        for (dynamics, marketo) in [
            ("firstname", "firstName"),
            ("lastname", "lastName"),
            ("emailaddress1", "email"),
            ("address1_city", "city"),
        ] {
            fields.push(FieldMapping {
                entity: entity.clone(),
                dynamics: dynamics.into(),
                marketo: marketo.into(),
                kind: text(),
                direction: Direction::TwoWay,
            });
        }
    }
    fields.push(FieldMapping {
        entity: Entity::Lead,
        dynamics: "companyname".into(),
        marketo: "company".into(),
        kind: text(),
        direction: Direction::TwoWay,
    });
    fields.push(FieldMapping {
        entity: Entity::Lead,
        dynamics: "leadsourcecode".into(),
        marketo: "leadSource".into(),
        kind: FieldKind::Choice {
            options: vec![
                ChoiceOption {
                    value: 8,
                    label: "Web".into(),
                },
                ChoiceOption {
                    value: 1,
                    label: "Advertisement".into(),
                },
            ],
        },
        direction: Direction::TwoWay,
    });
    Mappings::new(fields)
}

struct Fixture {
    mappings: Mappings,
    filters: BTreeSet<Entity>,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            mappings: mappings(),
            filters: BTreeSet::new(),
        }
    }

    fn with_filter() -> Fixture {
        Fixture {
            mappings: mappings(),
            filters: BTreeSet::from([Entity::Lead, Entity::Contact]),
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            now: Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
            run_id: 1,
            mappings: &self.mappings,
            sync_user: Some(SYNC_USER),
            filter_entities: &self.filters,
        }
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn record(entity: Entity, n: u128, json: Json) -> DynamicsRecord {
    DynamicsRecord {
        entity,
        id: id(n),
        json: Some(json),
    }
}

fn known(
    link_id: i64,
    entity: Entity,
    n: u128,
    person: i64,
    state: LinkState,
    synced: &[(&str, Value)],
) -> Known {
    Known {
        link: Link {
            id: link_id,
            entity,
            dynamics_id: id(n),
            object: MarketoObject::Person,
            marketo_id: Some(person.to_string()),
            state,
            dynamics_echo: None,
        },
        synced: synced
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        marketo_synced: BTreeMap::new(),
    }
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

struct Batch {
    dynamics: Vec<DynamicsRecord>,
    marketo: Vec<MarketoPerson>,
    known: KnownSet,
    lookups: HashMap<Uuid, Lookup>,
    blocked: HashMap<i64, BTreeMap<String, Value>>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            dynamics: vec![],
            marketo: vec![],
            known: KnownSet::default(),
            lookups: HashMap::new(),
            blocked: HashMap::new(),
        }
    }

    fn dynamics(mut self, d: DynamicsRecord) -> Batch {
        self.dynamics.push(d);
        self
    }

    fn marketo(mut self, id: i64, json: Option<Json>) -> Batch {
        self.marketo.push(MarketoPerson { id, json });
        self
    }

    fn known(mut self, k: Known) -> Batch {
        self.known.insert(k);
        self
    }

    fn lookup(mut self, n: u128, lookup: Lookup) -> Batch {
        self.lookups.insert(id(n), lookup);
        self
    }

    fn plan(&self, fixture: &Fixture) -> Plan {
        let input = PeopleInput {
            dynamics: &self.dynamics,
            marketo: &self.marketo,
            known: &self.known,
            lookups: &self.lookups,
            blocked: &self.blocked,
        };
        plan_people(&fixture.ctx(), &input)
    }
}

fn rules(plan: &Plan) -> Vec<Rule> {
    let commits = plan
        .marketo
        .iter()
        .map(|w| &w.commit)
        .chain(plan.dynamics.iter().map(|w| &w.commit))
        .chain(&plan.local);
    commits
        .flat_map(|c| c.journal.iter().map(|e| e.rule))
        .collect()
}

fn only_local(plan: &Plan) -> &Commit {
    assert!(
        plan.marketo.is_empty() && plan.dynamics.is_empty(),
        "expected no write: {plan:#?}"
    );
    assert_eq!(plan.local.len(), 1, "{plan:#?}");
    &plan.local[0]
}

#[test]
fn a_new_contact_with_no_marketo_match_is_created_with_its_dynamics_id_r3() {
    let f = Fixture::new();
    let contact = json!({
        "contactid": id(1).to_string(), "firstname": "Ada", "lastname": "Lovelace", "emailaddress1": "ada@example.com",
        "address1_city": null, "_ownerid_value": SALES_REP.to_string(), "createdon": "2024-01-02T03:04:05Z",
        "_parentcustomerid_value": null
    });
    let plan = Batch::new()
        .dynamics(record(Entity::Contact, 1, contact))
        .lookup(1, Lookup::NotFound)
        .plan(&f);
    assert_eq!(plan.marketo.len(), 1);
    let write = &plan.marketo[0];
    assert_eq!(
        write.action,
        MarketoAction::UpsertPersonByDynamicsId,
        "a retry after a crash must update, not duplicate"
    );
    assert_eq!(write.record["externalPersonId"], json!(id(1).to_string()));
    assert_eq!(write.record["microsoftType"], json!("Contact"));
    assert_eq!(write.record["firstName"], json!("Ada"));
    assert_eq!(
        write.record["externalSalesPersonId"],
        json!(SALES_REP.to_string()),
        "the owner becomes the sales person"
    );
    assert_eq!(
        write.record["microsoftCreatedDate"],
        json!("2024-01-02T03:04:05Z")
    );
    assert!(
        !write.record.contains_key("city"),
        "empty values are not written"
    );
    assert_eq!(
        write.commit.synced["city"],
        Value::Null,
        "but they are recorded as synced"
    );
    assert!(matches!(
        &write.commit.links[0],
        LinkChange::Upsert {
            marketo_id: MarketoId::FromOutcome,
            state: LinkState::Live,
            ..
        }
    ));
    assert_eq!(rules(&plan), [Rule::FirstCopy]);
}

#[test]
fn an_existing_marketo_person_with_the_same_email_is_linked_not_duplicated() {
    let f = Fixture::new();
    let lead = json!({"leadid": id(2).to_string(), "firstname": "Robert", "lastname": "Smith", "emailaddress1": "bob@example.com", "address1_city": "Lyon"});
    let person = json!({"id": 77, "firstName": "Bob", "lastName": "Smith", "email": "bob@example.com", "city": null});
    let plan = Batch::new()
        .dynamics(record(Entity::Lead, 2, lead))
        .lookup(
            2,
            Lookup::ByEmail {
                id: 77,
                json: person,
            },
        )
        .plan(&f);
    let to_marketo = &plan.marketo[0];
    assert_eq!(to_marketo.action, MarketoAction::UpdatePerson);
    assert_eq!(to_marketo.record["id"], json!(77));
    assert_eq!(
        to_marketo.record["externalPersonId"],
        json!(id(2).to_string())
    );
    assert_eq!(
        to_marketo.record["city"],
        json!("Lyon"),
        "an empty Marketo field takes Dynamics' value"
    );
    assert!(
        !to_marketo.record.contains_key("firstName"),
        "Marketo wins this lead field, it is not overwritten"
    );
    assert!(
        matches!(&to_marketo.commit.links[0], LinkChange::Upsert { marketo_id: MarketoId::Known(p), .. } if p == "77")
    );
    let to_dynamics = &plan.dynamics[0];
    assert_eq!(
        to_dynamics.op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("firstname".to_owned(), json!("Bob"))])
        }
    );
    assert!(
        rules(&plan).contains(&Rule::MatchedByEmail)
            && rules(&plan).contains(&Rule::MarketoWinsForLeads)
    );
}

#[test]
fn for_a_contact_linked_at_first_sync_dynamics_wins_differing_values() {
    let f = Fixture::new();
    let contact = json!({"contactid": id(3).to_string(), "firstname": "Robert", "lastname": "Smith", "emailaddress1": "bob@example.com"});
    let person =
        json!({"id": 78, "firstName": "Bob", "lastName": "Smith", "email": "bob@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Contact, 3, contact))
        .lookup(
            3,
            Lookup::ByDynamicsId {
                id: 78,
                json: person,
            },
        )
        .plan(&f);
    assert_eq!(plan.marketo[0].record["firstName"], json!("Robert"));
    assert!(plan.dynamics.is_empty());
    assert!(
        rules(&plan).contains(&Rule::MatchedByDynamicsId)
            && rules(&plan).contains(&Rule::DynamicsWinsForContacts)
    );
}

#[test]
fn several_people_with_the_email_block_creation_and_are_reported_r29() {
    let f = Fixture::new();
    let lead = json!({"leadid": id(4).to_string(), "emailaddress1": "shared@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Lead, 4, lead))
        .lookup(4, Lookup::Ambiguous(vec![10, 11]))
        .plan(&f);
    assert!(
        plan.marketo.is_empty() && plan.dynamics.is_empty(),
        "nothing is created blindly"
    );
    assert_eq!(plan.skipped.len(), 1);
    assert!(
        plan.skipped[0].message.contains("10, 11"),
        "{}",
        plan.skipped[0].message
    );
    assert_eq!(rules(&plan), [Rule::AmbiguousMatch]);
}

#[test]
fn an_email_already_syncing_with_another_record_gets_a_second_person() {
    let f = Fixture::new();
    let contact = json!({"contactid": id(5).to_string(), "emailaddress1": "both@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Contact, 5, contact))
        .lookup(5, Lookup::EmailTaken)
        .plan(&f);
    assert_eq!(plan.marketo[0].action, MarketoAction::CreateDuplicatePerson);
}

#[test]
fn a_dynamics_edit_goes_to_marketo_field_by_field() {
    let f = Fixture::new();
    let base = [
        ("firstName", t("Ada")),
        ("lastName", t("King")),
        ("email", t("ada@example.com")),
        ("city", Value::Null),
    ];
    let contact = json!({"contactid": id(6).to_string(), "firstname": "Ada", "lastname": "Lovelace", "emailaddress1": "ada@example.com", "address1_city": null});
    let plan = Batch::new()
        .known(known(60, Entity::Contact, 6, 600, LinkState::Live, &base))
        .dynamics(record(Entity::Contact, 6, contact))
        .plan(&f);
    assert_eq!(plan.marketo.len(), 1);
    let write = &plan.marketo[0];
    assert_eq!(
        write.record,
        serde_json::Map::from_iter([
            ("id".to_owned(), json!(600)),
            ("lastName".to_owned(), json!("Lovelace"))
        ])
    );
    assert_eq!(
        write.commit.synced,
        BTreeMap::from([("lastName".to_owned(), t("Lovelace"))])
    );
    assert!(plan.dynamics.is_empty());
    assert_eq!(rules(&plan), [Rule::DynamicsChanged]);
}

#[test]
fn a_marketo_edit_goes_to_dynamics_and_marks_the_record_as_written() {
    let f = Fixture::new();
    let base = [("firstName", t("Ada")), ("city", t("London"))];
    let person = json!({"id": 601, "firstName": "Ada", "city": "Paris"});
    let plan = Batch::new()
        .known(known(61, Entity::Contact, 7, 601, LinkState::Live, &base))
        .marketo(601, Some(person))
        .plan(&f);
    assert!(plan.marketo.is_empty());
    let write = &plan.dynamics[0];
    assert_eq!(
        write.op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("address1_city".to_owned(), json!("Paris"))])
        }
    );
    assert_eq!(
        write.commit.dynamics_echo,
        Some(Echo::Expect),
        "the echo of this write must not read as the sync user's edit"
    );
    assert_eq!(
        write.person,
        Some(601),
        "a rejection is logged on this person (R28)"
    );
    assert_eq!(rules(&plan), [Rule::MarketoChanged]);
}

#[test]
fn a_lead_field_changed_on_both_sides_takes_marketos_value_r18() {
    let f = Fixture::new();
    let base = [("city", t("London"))];
    let lead = json!({"leadid": id(8).to_string(), "address1_city": "Leeds"});
    let person = json!({"id": 602, "city": "Paris"});
    let plan = Batch::new()
        .known(known(62, Entity::Lead, 8, 602, LinkState::Live, &base))
        .dynamics(record(Entity::Lead, 8, lead))
        .marketo(602, Some(person))
        .plan(&f);
    assert!(plan.marketo.is_empty());
    assert_eq!(
        plan.dynamics[0].op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("address1_city".to_owned(), json!("Paris"))])
        }
    );
    assert_eq!(rules(&plan), [Rule::MarketoWinsForLeads]);
}

#[test]
fn a_contact_field_changed_on_both_sides_takes_dynamics_value_r19() {
    let f = Fixture::new();
    let base = [("city", t("London"))];
    let contact = json!({"contactid": id(9).to_string(), "address1_city": "Leeds"});
    let person = json!({"id": 603, "city": "Paris"});
    let plan = Batch::new()
        .known(known(63, Entity::Contact, 9, 603, LinkState::Live, &base))
        .dynamics(record(Entity::Contact, 9, contact))
        .marketo(603, Some(person))
        .plan(&f);
    assert!(plan.dynamics.is_empty());
    assert_eq!(plan.marketo[0].record["city"], json!("Leeds"));
    assert_eq!(rules(&plan), [Rule::DynamicsWinsForContacts]);
}

#[test]
fn an_edit_by_the_sync_user_is_not_synced_back_r6() {
    let f = Fixture::new();
    let base = [("city", t("London"))];
    let contact = json!({"contactid": id(10).to_string(), "address1_city": "Leeds", "_modifiedby_value": SYNC_USER.to_string()});
    let plan = Batch::new()
        .known(known(64, Entity::Contact, 10, 604, LinkState::Live, &base))
        .dynamics(record(Entity::Contact, 10, contact))
        .plan(&f);
    let commit = only_local(&plan);
    assert_eq!(
        commit.synced["city"],
        t("Leeds"),
        "Dynamics' value becomes the base, so it does not resurface later"
    );
    assert_eq!(
        commit.marketo_synced["city"],
        t("London"),
        "Marketo's base stays what Marketo holds"
    );
    assert_eq!(rules(&plan), [Rule::ChangedBySyncUser]);
}

/// A contact whose city the sync user set to Leeds, Marketo still holding London (R6).
fn after_a_sync_user_edit(link_id: i64, n: u128, person: i64) -> Known {
    let mut known = known(
        link_id,
        Entity::Contact,
        n,
        person,
        LinkState::Live,
        &[("city", t("Leeds")), ("firstName", t("Ada"))],
    );
    known.marketo_synced.insert("city".into(), t("London"));
    known
}

#[test]
fn after_a_sync_user_edit_marketos_other_edits_do_not_send_its_old_value_back_r6() {
    let f = Fixture::new();
    let person = json!({"id": 611, "firstName": "Grace", "city": "London"});
    let plan = Batch::new()
        .known(after_a_sync_user_edit(71, 21, 611))
        .marketo(611, Some(person))
        .plan(&f);
    assert_eq!(
        plan.dynamics[0].op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("firstname".to_owned(), json!("Grace"))])
        },
        "only the edited field goes to Dynamics; Marketo's city is what it always held"
    );
    assert!(plan.marketo.is_empty());
}

#[test]
fn after_a_sync_user_edit_a_marketo_change_of_that_field_goes_to_dynamics_r6() {
    let f = Fixture::new();
    let person = json!({"id": 612, "firstName": "Ada", "city": "Paris"});
    let plan = Batch::new()
        .known(after_a_sync_user_edit(72, 22, 612))
        .marketo(612, Some(person))
        .plan(&f);
    let write = &plan.dynamics[0];
    assert_eq!(
        write.op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("address1_city".to_owned(), json!("Paris"))])
        }
    );
    assert_eq!(
        (
            write.commit.synced["city"].clone(),
            write.commit.marketo_synced.is_empty()
        ),
        (t("Paris"), true),
        "both sides hold Paris again"
    );
    assert_eq!(rules(&plan), [Rule::MarketoChanged]);
}

#[test]
fn a_sync_user_edit_made_after_dynasyncs_own_write_is_not_taken_for_its_echo_r6() {
    let f = Fixture::new();
    let base = [("city", t("Paris")), ("lastName", t("King"))];
    let mut link = known(73, Entity::Contact, 23, 613, LinkState::Live, &base);
    link.link.dynamics_echo = Some("W/\"12\"".into());
    // Dynasync wrote city=Paris (version 12); then the sync user changed the last name (13).
    let contact = json!({"contactid": id(23).to_string(), "@odata.etag": "W/\"13\"", "address1_city": "Paris", "lastname": "Lovelace", "_modifiedby_value": SYNC_USER.to_string()});
    let plan = Batch::new()
        .known(link)
        .dynamics(record(Entity::Contact, 23, contact))
        .plan(&f);
    assert!(
        plan.marketo.is_empty(),
        "the sync user's edit is not synced back: {:?}",
        plan.marketo
    );
    let commit = only_local(&plan);
    assert_eq!(commit.synced["lastName"], t("Lovelace"));
    assert_eq!(
        commit.dynamics_echo,
        Some(Echo::Seen),
        "a later version holds Dynasync's write too: nothing is awaited any more"
    );
    assert_eq!(rules(&plan), [Rule::ChangedBySyncUser]);
}

#[test]
fn dynasyncs_own_write_coming_back_does_not_hide_a_persons_edit() {
    let f = Fixture::new();
    let base = [("city", t("Paris")), ("lastName", t("King"))];
    let mut link = known(65, Entity::Contact, 11, 605, LinkState::Live, &base);
    link.link.dynamics_echo = Some("W/\"12\"".into());
    // Someone changed the last name, then Dynasync wrote city=Paris, which made version 12: the row
    // shows the sync user.
    let contact = json!({"contactid": id(11).to_string(), "@odata.etag": "W/\"12\"", "address1_city": "Paris", "lastname": "Lovelace", "_modifiedby_value": SYNC_USER.to_string()});
    let plan = Batch::new()
        .known(link)
        .dynamics(record(Entity::Contact, 11, contact))
        .plan(&f);
    assert_eq!(
        plan.marketo[0].record["lastName"],
        json!("Lovelace"),
        "the person's edit must not be lost"
    );
    assert!(
        plan.local
            .iter()
            .any(|c| c.dynamics_echo == Some(Echo::Seen)),
        "the echo was seen: nothing is awaited any more"
    );
}

#[test]
fn sync_filter_no_makes_a_synced_record_stale_and_stops_updates_r37() {
    let f = Fixture::with_filter();
    let base = [("city", t("London"))];
    let contact =
        json!({"contactid": id(12).to_string(), "address1_city": "Leeds", "new_synctomkto": false});
    let plan = Batch::new()
        .known(known(66, Entity::Contact, 12, 606, LinkState::Live, &base))
        .dynamics(record(Entity::Contact, 12, contact))
        .plan(&f);
    let commit = only_local(&plan);
    assert_eq!(
        commit.links,
        [LinkChange::State {
            link_id: 66,
            state: LinkState::Stale
        }]
    );
    assert_eq!(rules(&plan), [Rule::FilterNo]);

    let person = json!({"id": 606, "city": "Paris"});
    let stale = known(66, Entity::Contact, 12, 606, LinkState::Stale, &base);
    let plan = Batch::new()
        .known(stale)
        .marketo(606, Some(person))
        .plan(&f);
    assert!(
        plan.is_empty(),
        "a stale record gets no updates from Marketo either: {plan:#?}"
    );
}

#[test]
fn sync_filter_back_to_yes_syncs_dynamics_values_at_once_r36() {
    let f = Fixture::with_filter();
    let base = [("city", t("London")), ("firstName", t("Ada"))];
    let contact = json!({"contactid": id(13).to_string(), "address1_city": "Leeds", "firstname": "Ada", "new_synctomkto": true});
    let plan = Batch::new()
        .known(known(67, Entity::Contact, 13, 607, LinkState::Stale, &base))
        .dynamics(record(Entity::Contact, 13, contact))
        .plan(&f);
    let write = &plan.marketo[0];
    assert_eq!(write.record["city"], json!("Leeds"));
    assert_eq!(
        write.commit.links,
        [LinkChange::State {
            link_id: 67,
            state: LinkState::Live
        }]
    );
    assert!(rules(&plan).iter().all(|r| *r == Rule::FilterYes));
}

#[test]
fn sync_filter_no_keeps_a_new_record_out_and_blank_copies_it_once_r33_r34() {
    let f = Fixture::with_filter();
    let no = json!({"contactid": id(14).to_string(), "new_synctomkto": false, "emailaddress1": "no@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Contact, 14, no))
        .lookup(14, Lookup::NotFound)
        .plan(&f);
    assert!(plan.marketo.is_empty());
    assert_eq!(rules(&plan), [Rule::FilterNo]);

    let blank = json!({"contactid": id(15).to_string(), "new_synctomkto": null, "emailaddress1": "blank@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Contact, 15, blank))
        .lookup(15, Lookup::NotFound)
        .plan(&f);
    assert!(
        matches!(
            &plan.marketo[0].commit.links[0],
            LinkChange::Upsert {
                state: LinkState::Stale,
                ..
            }
        ),
        "created, then no updates"
    );
    assert_eq!(rules(&plan), [Rule::FilterBlank]);
}

#[test]
fn a_record_deleted_in_dynamics_flags_the_person_instead_of_deleting_it_r66() {
    let f = Fixture::new();
    let plan = Batch::new()
        .known(known(68, Entity::Lead, 16, 608, LinkState::Live, &[]))
        .dynamics(DynamicsRecord {
            entity: Entity::Lead,
            id: id(16),
            json: None,
        })
        .plan(&f);
    let write = &plan.marketo[0];
    assert_eq!(write.action, MarketoAction::UpdatePerson);
    assert_eq!(write.record["microsoftIsDeleted"], json!(true));
    assert_eq!(
        write.commit.links,
        [LinkChange::State {
            link_id: 68,
            state: LinkState::Deleted
        }]
    );
    assert_eq!(rules(&plan), [Rule::DeletedInDynamics]);
}

#[test]
fn a_person_deleted_in_marketo_is_recreated_by_the_next_dynamics_change_r67_r68() {
    let f = Fixture::new();
    let plan = Batch::new()
        .known(known(69, Entity::Contact, 17, 609, LinkState::Live, &[]))
        .marketo(609, None)
        .plan(&f);
    assert_eq!(
        only_local(&plan).links,
        [LinkChange::Remove { link_id: 69 }],
        "nothing happens in Dynamics (R67)"
    );

    let contact = json!({"contactid": id(17).to_string(), "firstname": "Ada", "emailaddress1": "ada@example.com"});
    let batch = Batch::new()
        .known(known(69, Entity::Contact, 17, 609, LinkState::Live, &[]))
        .marketo(609, None)
        .dynamics(record(Entity::Contact, 17, contact))
        .lookup(17, Lookup::NotFound);
    let fixture = f.ctx();
    let input = PeopleInput {
        dynamics: &batch.dynamics,
        marketo: &batch.marketo,
        known: &batch.known,
        lookups: &batch.lookups,
        blocked: &batch.blocked,
    };
    assert_eq!(
        lookups_needed(&fixture, &input),
        [(id(17), Some("ada@example.com".to_owned()))],
        "its link is going: look it up again"
    );
    let plan = batch.plan(&f);
    assert_eq!(
        plan.marketo[0].action,
        MarketoAction::UpsertPersonByDynamicsId,
        "a new person (R68)"
    );
}

#[test]
fn a_qualified_lead_hands_its_person_to_the_contact_r41() {
    let f = Fixture::new();
    let lead = known(
        70,
        Entity::Lead,
        18,
        610,
        LinkState::Live,
        &[("firstName", t("Ada")), ("city", t("London"))],
    );
    let contact = json!({"contactid": id(19).to_string(), "firstname": "Ada", "address1_city": "London", "_originatingleadid_value": id(18).to_string()});
    let plan = Batch::new()
        .known(lead)
        .dynamics(record(Entity::Contact, 19, contact))
        .plan(&f);
    let write = &plan.marketo[0];
    assert_eq!(
        write.record["id"],
        json!(610),
        "the same person, with its history"
    );
    assert_eq!(write.record["externalPersonId"], json!(id(19).to_string()));
    assert_eq!(write.record["microsoftType"], json!("Contact"));
    assert!(write.commit.links.contains(&LinkChange::Relink {
        link_id: 70,
        entity: Entity::Contact,
        dynamics_id: id(19)
    }));
    assert!(write.commit.links.iter().any(|l| matches!(
        l,
        LinkChange::Upsert {
            entity: Entity::Lead,
            state: LinkState::Converted,
            marketo_id: MarketoId::None,
            ..
        }
    )));
    assert!(rules(&plan).contains(&Rule::Qualified));
}

#[test]
fn qualify_follows_the_filter_matrix_r41() {
    let f = Fixture::with_filter();
    let contact = |filter: bool| json!({"contactid": id(21).to_string(), "emailaddress1": "q@example.com", "_originatingleadid_value": id(20).to_string(), "new_synctomkto": filter});
    // Lead True, contact False: the contact does not sync.
    let live = known(71, Entity::Lead, 20, 611, LinkState::Live, &[]);
    let plan = Batch::new()
        .known(live.clone())
        .dynamics(record(Entity::Contact, 21, contact(false)))
        .plan(&f);
    assert!(plan.marketo.is_empty());
    // Lead False, contact True: a new contact person is created.
    let stale = known(71, Entity::Lead, 20, 611, LinkState::Stale, &[]);
    let plan = Batch::new()
        .known(stale.clone())
        .dynamics(record(Entity::Contact, 21, contact(true)))
        .lookup(21, Lookup::NotFound)
        .plan(&f);
    assert_eq!(
        plan.marketo[0].action,
        MarketoAction::UpsertPersonByDynamicsId
    );
    // Lead False, contact False: nothing.
    let plan = Batch::new()
        .known(stale)
        .dynamics(record(Entity::Contact, 21, contact(false)))
        .plan(&f);
    assert!(plan.marketo.is_empty() && plan.dynamics.is_empty());
}

#[test]
fn a_merged_record_hands_its_person_to_an_unlinked_winner_r40() {
    let f = Fixture::new();
    let loser = json!({"contactid": id(22).to_string(), "merged": true, "_masterid_value": id(23).to_string()});
    let plan = Batch::new()
        .known(known(72, Entity::Contact, 22, 612, LinkState::Live, &[]))
        .dynamics(record(Entity::Contact, 22, loser.clone()))
        .plan(&f);
    assert_eq!(
        plan.marketo[0].record["externalPersonId"],
        json!(id(23).to_string())
    );
    assert_eq!(
        plan.marketo[0].commit.links,
        [LinkChange::Relink {
            link_id: 72,
            entity: Entity::Contact,
            dynamics_id: id(23)
        }]
    );

    let plan = Batch::new()
        .known(known(72, Entity::Contact, 22, 612, LinkState::Live, &[]))
        .known(known(73, Entity::Contact, 23, 613, LinkState::Live, &[]))
        .dynamics(record(Entity::Contact, 22, loser))
        .plan(&f);
    assert_eq!(
        plan.marketo[0].record["microsoftIsDeleted"],
        json!(true),
        "the winner has its own person: the loser's is flagged"
    );
    assert_eq!(rules(&plan), [Rule::Merged]);
}

#[test]
fn a_value_dynamics_refused_is_not_sent_again_until_it_changes_r28() {
    let f = Fixture::new();
    let base = [("city", t("London"))];
    let mut batch = Batch::new()
        .known(known(74, Entity::Contact, 24, 614, LinkState::Live, &base))
        .marketo(614, Some(json!({"id": 614, "city": "Paris"})));
    batch
        .blocked
        .insert(74, BTreeMap::from([("city".to_owned(), t("Paris"))]));
    assert!(batch.plan(&f).dynamics.is_empty());
    batch.marketo[0].json = Some(json!({"id": 614, "city": "Lyon"}));
    assert_eq!(batch.plan(&f).dynamics.len(), 1, "a new value is tried");
}

#[test]
fn a_person_in_a_company_does_not_write_company_fields() {
    let f = Fixture::new();
    let lead = json!({"leadid": id(25).to_string(), "companyname": "Acme", "_parentaccountid_value": id(26).to_string(), "emailaddress1": "c@example.com"});
    let plan = Batch::new()
        .dynamics(record(Entity::Lead, 25, lead))
        .lookup(25, Lookup::NotFound)
        .plan(&f);
    assert!(
        !plan.marketo[0].record.contains_key("company"),
        "Marketo refuses company fields on a person with a company (1021)"
    );
    assert_eq!(
        plan.marketo[0].record["externalCompanyId"],
        json!(id(26).to_string())
    );
}

#[test]
fn an_option_label_dynamics_does_not_know_is_reported_and_the_rest_syncs() {
    let f = Fixture::new();
    let base = [("leadSource", Value::Choice(8)), ("city", t("London"))];
    let person = json!({"id": 615, "leadSource": "Trade show", "city": "Paris"});
    let plan = Batch::new()
        .known(known(75, Entity::Lead, 27, 615, LinkState::Live, &base))
        .marketo(615, Some(person))
        .plan(&f);
    assert_eq!(
        plan.dynamics[0].op,
        DynamicsOp::Update {
            fields: serde_json::Map::from_iter([("address1_city".to_owned(), json!("Paris"))])
        }
    );
    assert_eq!(plan.skipped.len(), 1);
    assert!(
        plan.skipped[0].message.contains("Trade show"),
        "{}",
        plan.skipped[0].message
    );
}

#[test]
fn a_marketo_only_person_is_left_alone_r24() {
    let f = Fixture::new();
    let plan = Batch::new()
        .marketo(999, Some(json!({"id": 999, "firstName": "Solo"})))
        .plan(&f);
    assert!(plan.is_empty());
}

#[test]
fn lookups_classify_by_dynamics_id_first_then_by_email() {
    let me = id(30);
    let other = id(31);
    let person = |id: i64, email: &str, dynamics: Option<Uuid>| {
        (
            id,
            json!({"id": id, "email": email, "externalPersonId": dynamics.map(|d| d.to_string())}),
        )
    };
    let unlinked = |_| false;
    assert_eq!(
        classify_lookup(
            me,
            Some("a@x.com"),
            &[person(1, "z@x.com", Some(me))],
            &[person(2, "a@x.com", None)],
            unlinked
        ),
        Lookup::ByDynamicsId {
            id: 1,
            json: person(1, "z@x.com", Some(me)).1
        },
        "the Dynamics id beats the email"
    );
    assert_eq!(
        classify_lookup(
            me,
            Some("A@X.com"),
            &[],
            &[person(2, "a@x.com", None)],
            unlinked
        ),
        Lookup::ByEmail {
            id: 2,
            json: person(2, "a@x.com", None).1
        }
    );
    assert_eq!(
        classify_lookup(
            me,
            Some("a@x.com"),
            &[],
            &[person(2, "a@x.com", Some(other))],
            unlinked
        ),
        Lookup::EmailTaken
    );
    assert_eq!(
        classify_lookup(
            me,
            Some("a@x.com"),
            &[],
            &[person(2, "a@x.com", None), person(3, "a@x.com", None)],
            unlinked
        ),
        Lookup::Ambiguous(vec![2, 3])
    );
    assert_eq!(
        classify_lookup(
            me,
            Some("a@x.com"),
            &[],
            &[
                person(2, "a@x.com", Some(other)),
                person(3, "a@x.com", None)
            ],
            unlinked
        ),
        Lookup::ByEmail {
            id: 3,
            json: person(3, "a@x.com", None).1
        },
        "the one person not syncing with another record is the match"
    );
    assert_eq!(
        classify_lookup(me, None, &[], &[], unlinked),
        Lookup::NotFound
    );
    assert_eq!(
        classify_lookup(
            me,
            Some("a@x.com"),
            &[],
            &[person(2, "a@x.com", None)],
            |id| id == 2
        ),
        Lookup::EmailTaken,
        "a linked person is taken"
    );
}

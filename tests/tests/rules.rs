//! The engine's remaining documented rules, end to end over real HTTP: one test per rule, each
//! acting "as a user" on either side through the sandbox's control API, running sync cycles and
//! asserting both sides afterwards.

use dynasync_engine::rules::Rule;
use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::setup::flow::SyncOptions;
use dynasync_engine::status::StopCode;
use dynasync_marketo::{DedupeBy, Record, SyncAction};
use dynasync_tests::control::{people, person_of, rows};
use dynasync_tests::setup;
use dynasync_tests::world::World;
use serde_json::{Value, json};

fn bind(set: &str, id: &str) -> String {
    format!("/{set}({id})")
}

fn find<'a>(snapshot: &'a Value, object: &str, key: &str, id: &str) -> &'a Value {
    snapshot["marketo"][object]
        .as_array()
        .and_then(|all| all.iter().find(|r| r[key].as_str() == Some(id)))
        .unwrap_or_else(|| panic!("no Marketo {object} with {key} {id}"))
}

fn company<'a>(snapshot: &'a Value, account: &str) -> &'a Value {
    find(snapshot, "companies", "externalCompanyId", account)
}

fn opportunity<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    find(snapshot, "opportunities", "externalOpportunityId", id)
}

/// The (person, role) pairs of an opportunity in Marketo.
fn roles(snapshot: &Value, opportunity: &str) -> Vec<(i64, String)> {
    let mut roles: Vec<(i64, String)> = snapshot["marketo"]["opportunityRoles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["externalOpportunityId"].as_str() == Some(opportunity))
        .map(|r| {
            (
                r["leadId"].as_i64().unwrap(),
                r["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    roles.sort();
    roles
}

fn person_id(snapshot: &Value, dynamics_id: &str) -> i64 {
    person_of(snapshot, dynamics_id)
        .unwrap_or_else(|| panic!("{dynamics_id} has no Marketo person"))["id"]
        .as_i64()
        .unwrap()
}

/// The custom activities logged on a person, of one of Dynasync's types.
fn activities_of(snapshot: &Value, person: i64) -> usize {
    snapshot["marketo"]["customActivities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["leadId"].as_i64() == Some(person))
        .count()
}

async fn cycle_outcome(world: &World, confirmed: bool) -> CycleOutcome {
    world
        .engine
        .sync_once("a test", confirmed)
        .await
        .expect("a cycle runs")
}

async fn with_filter(world: &World) {
    let options = SyncOptions {
        use_sync_filter: true,
        ..Default::default()
    };
    world.engine.set_options(options).await.unwrap();
}

#[tokio::test]
async fn a_marketo_edit_of_one_way_data_stays_in_marketo_until_the_next_dynamics_change_r20() {
    let world = World::new().await;
    let account = world
        .control
        .dynamics_create("accounts", json!({"name": "Acme", "address1_city": "Lyon"}))
        .await;
    let deal = world
        .control
        .dynamics_create(
            "opportunities",
            json!({"name": "Deal", "customerid_account@odata.bind": bind("accounts", &account)}),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let user = snapshot["marketo"]["salesPersons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == json!("dana.whitfield@contoso-sandbox.onmicrosoft.com"))
        .expect("the owner's user is a sales person")["externalSalesPersonId"]
        .as_str()
        .unwrap()
        .to_owned();

    // A marketer edits the company; another integration edits the opportunity and the sales person.
    world
        .control
        .marketo_edit_company(&account, json!({"company": "Acme (local)"}))
        .await;
    let marketo = setup::marketo_client(world.sandbox.info());
    marketo
        .sync_opportunities(
            SyncAction::UpdateOnly,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalOpportunityId", deal.as_str())
                    .with("name", "Deal (local)"),
            ],
        )
        .await
        .unwrap();
    marketo
        .sync_sales_persons(
            SyncAction::UpdateOnly,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalSalesPersonId", user.as_str())
                    .with("title", "Local title"),
            ],
        )
        .await
        .unwrap();
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(
        world.dynamics_row("accounts", &account).await["name"],
        json!("Acme"),
        "one-way: a Marketo edit of a company never reaches Dynamics (R15, R20)"
    );
    assert_eq!(
        world.dynamics_row("opportunities", &deal).await["name"],
        json!("Deal"),
        "one-way: a Marketo edit of an opportunity never reaches Dynamics (R15, R20)"
    );
    assert_eq!(
        rows(&snapshot, "systemusers")
            .iter()
            .find(|u| u["systemuserid"].as_str() == Some(&user))
            .expect("the user is still in Dynamics")["title"],
        json!("Sales"),
        "one-way: a Marketo edit of a sales person never reaches Dynamics (R15, R20)"
    );
    assert_eq!(
        company(&snapshot, &account)["company"],
        json!("Acme (local)"),
        "with no change in Dynamics, the Marketo edit stays until the account next changes (R21)"
    );

    // The next change of each record in Dynamics, to another field, overrides all its data.
    world
        .control
        .dynamics_update("accounts", &account, json!({"address1_city": "Paris"}))
        .await;
    world
        .control
        .dynamics_update("opportunities", &deal, json!({"description": "Renewal"}))
        .await;
    world
        .control
        .dynamics_update("systemusers", &user, json!({"title": "Account Executive"}))
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let company = company(&snapshot, &account);
    assert_eq!(
        company["company"],
        json!("Acme"),
        "Dynamics always wins for accounts: its next change overrides the Marketo edit (R20, R21)"
    );
    assert_eq!(company["billingCity"], json!("Paris"));
    let opportunity = opportunity(&snapshot, &deal);
    assert_eq!(
        opportunity["name"],
        json!("Deal"),
        "Dynamics always wins for opportunities (R20)"
    );
    assert_eq!(opportunity["description"], json!("Renewal"));
    let person = find(&snapshot, "salesPersons", "externalSalesPersonId", &user);
    assert_eq!(
        person["title"],
        json!("Account Executive"),
        "Dynamics always wins for users (R20)"
    );
}

#[tokio::test]
async fn an_account_change_updates_the_company_of_all_its_people_over_a_marketo_edit_r21() {
    let world = World::new().await;
    let account = world
        .control
        .dynamics_create("accounts", json!({"name": "Acme", "address1_city": "Lyon"}))
        .await;
    let contacts = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..3)
                .map(|i| {
                    json!({"lastname": format!("Staff{i}"), "emailaddress1": format!("staff{i}@acme.example"),
                           "parentcustomerid_account@odata.bind": bind("accounts", &account)})
                })
                .collect(),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let persons: Vec<i64> = contacts.iter().map(|c| person_id(&snapshot, c)).collect();

    // A marketer edits the company fields of one person: it changes the company for all of them.
    world
        .control
        .marketo_update(
            persons[0],
            json!({"company": "Acme Typo", "billingCity": "Lion"}),
        )
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("accounts", &account).await["name"],
        json!("Acme"),
        "an account field edited in Marketo is not sent to Dynamics (R21)"
    );

    world
        .control
        .dynamics_update("accounts", &account, json!({"name": "Acme Group"}))
        .await;
    world.cycle().await;
    for person in &persons {
        let person = world.person(*person).await;
        assert_eq!(
            person["company"],
            json!("Acme Group"),
            "the account change reaches every person of the account (R21, R54)"
        );
        assert_eq!(
            person["billingCity"],
            json!("Lyon"),
            "the next account change overrides all account information in Marketo (R21)"
        );
    }
}

#[tokio::test]
async fn an_account_with_more_than_5000_contacts_syncs_its_change_without_an_activity_each_r12() {
    let world = World::new().await;
    let big = world
        .control
        .dynamics_create("accounts", json!({"name": "Big"}))
        .await;
    let small = world
        .control
        .dynamics_create("accounts", json!({"name": "Small"}))
        .await;
    let staff = |account: &str, count: usize, tag: &str| -> Vec<Value> {
        (0..count)
            .map(|i| {
                json!({"lastname": format!("{tag}{i}"), "emailaddress1": format!("{tag}{i}@example.com"),
                       "parentcustomerid_account@odata.bind": bind("accounts", account)})
            })
            .collect()
    };
    let big_contacts = world
        .control
        .dynamics_bulk("contacts", staff(&big, 5_001, "big"))
        .await;
    let small_contacts = world
        .control
        .dynamics_bulk("contacts", staff(&small, 2, "small"))
        .await;
    world.configure().await;
    world.cycle().await;
    for account in [&big, &small] {
        world
            .control
            .dynamics_update("accounts", account, json!({"address1_city": "Oslo"}))
            .await;
    }
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    let mut big_people = 0;
    for contact in &big_contacts {
        let person = person_of(&snapshot, contact).expect("every contact has its person");
        assert_eq!(
            person["billingCity"],
            json!("Oslo"),
            "the change syncs to every person, however many (R12)"
        );
        assert_eq!(
            activities_of(&snapshot, person["id"].as_i64().unwrap()),
            0,
            "no per-contact activity above 5,000 contacts (R12)"
        );
        big_people += 1;
    }
    assert_eq!(big_people, 5_001);
    for contact in &small_contacts {
        let person = person_of(&snapshot, contact).unwrap();
        assert_eq!(person["billingCity"], json!("Oslo"));
        assert_eq!(
            activities_of(&snapshot, person["id"].as_i64().unwrap()),
            1,
            "under the cap, an account change leaves an activity on each of its people (R12)"
        );
    }
    let decisions = world.engine.why(big.clone(), None).await.unwrap();
    assert!(
        decisions.iter().any(|e| e.rule == Rule::AccountActivityCap),
        "the journal says why the big account's people got no activity: {decisions:?}"
    );
}

#[tokio::test]
async fn a_dynamics_merge_lets_the_winners_filter_decide_r40() {
    // (loser's filter, winner's filter) -> whether the winner syncs afterwards (R40's table).
    for (loser_filter, winner_filter) in
        [(true, true), (false, false), (false, true), (true, false)]
    {
        let case = format!("loser {loser_filter}, winner {winner_filter}");
        let world = World::new().await;
        with_filter(&world).await;
        let winner = world
            .control
            .dynamics_create(
                "contacts",
                json!({"lastname": "Winner", "emailaddress1": "winner@example.com", "new_synctomkto": winner_filter}),
            )
            .await;
        let loser = world
            .control
            .dynamics_create(
                "contacts",
                json!({"lastname": "Loser", "emailaddress1": "loser@example.com", "new_synctomkto": loser_filter}),
            )
            .await;
        world.configure().await;
        world.cycle().await;
        let before = world.control.snapshot().await;
        let loser_person = person_of(&before, &loser).map(|p| p["id"].as_i64().unwrap());
        let winner_person = person_of(&before, &winner).map(|p| p["id"].as_i64().unwrap());

        world
            .control
            .dynamics_merge("contacts", &winner, &loser)
            .await;
        world.cycle().await;
        world
            .control
            .dynamics_update("contacts", &winner, json!({"lastname": "Merged"}))
            .await;
        world.cycle().await;

        let snapshot = world.control.snapshot().await;
        let with_winners_edit: Vec<&Value> = people(&snapshot)
            .iter()
            .filter(|p| p["lastName"] == json!("Merged"))
            .collect();
        if winner_filter {
            assert_eq!(
                with_winners_edit.len(),
                1,
                "{case}: the winning record syncs with Marketo, as one person (R40)"
            );
            assert_eq!(
                with_winners_edit[0]["externalPersonId"]
                    .as_str()
                    .map(str::to_lowercase),
                Some(winner.to_lowercase()),
                "{case}: that person is the winner's"
            );
            if let Some(winner_person) = winner_person {
                assert_eq!(
                    with_winners_edit[0]["id"].as_i64(),
                    Some(winner_person),
                    "{case}: the winner keeps its person"
                );
            }
        } else {
            assert!(
                with_winners_edit.is_empty(),
                "{case}: the winning record does not sync with Marketo (R40): {with_winners_edit:?}"
            );
        }
        if let Some(loser_person) = loser_person {
            let loser_person = world.person(loser_person).await;
            let now_winners = loser_person["externalPersonId"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&winner));
            assert!(
                now_winners || loser_person["microsoftIsDeleted"] == json!(true),
                "{case}: the loser's person either becomes the winner's or is flagged gone from Dynamics (R66): {loser_person}"
            );
        }
        assert!(
            people(&snapshot).len() <= 2,
            "{case}: a merge creates no person"
        );
    }
}

#[tokio::test]
async fn a_qualified_lead_stays_one_person_now_a_contact_r41() {
    let world = World::new().await;
    let (lead, person) = world
        .with_lead(json!({"firstname": "Quinn", "lastname": "Lead", "emailaddress1": "quinn@example.com", "companyname": "Quinn Ltd"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"title": "Buyer"}))
        .await;
    world.cycle().await;
    let contact = world.control.dynamics_qualify(&lead).await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    let same_email: Vec<&Value> = people(&snapshot)
        .iter()
        .filter(|p| p["email"] == json!("quinn@example.com"))
        .collect();
    assert_eq!(
        same_email.len(),
        1,
        "qualifying keeps one person, no duplicate (R41): {same_email:?}"
    );
    let kept = same_email[0];
    assert_eq!(
        kept["id"].as_i64(),
        Some(person),
        "the person keeps its history"
    );
    assert_eq!(
        kept["microsoftType"],
        json!("Contact"),
        "it is now a contact"
    );
    assert_eq!(
        kept["externalPersonId"].as_str().map(str::to_lowercase),
        Some(contact.to_lowercase()),
        "it syncs with the new contact"
    );
    assert_eq!(kept["title"], json!("Buyer"));

    world
        .control
        .dynamics_update("contacts", &contact, json!({"lastname": "Customer"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("Customer"),
        "later contact edits sync to the same person"
    );
    world
        .control
        .marketo_update(person, json!({"city": "Bergen"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("contacts", &contact).await["address1_city"],
        json!("Bergen"),
        "Marketo edits now go to the contact"
    );
    assert_ne!(
        world.dynamics_row("leads", &lead).await["address1_city"],
        json!("Bergen"),
        "the qualified lead no longer syncs"
    );
}

#[tokio::test]
async fn an_opportunitys_customer_and_its_change_are_reflected_in_marketo_r56() {
    let world = World::new().await;
    let north = world
        .control
        .dynamics_create("accounts", json!({"name": "North"}))
        .await;
    let south = world
        .control
        .dynamics_create("accounts", json!({"name": "South"}))
        .await;
    let ann = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Ann", "emailaddress1": "ann@north.example", "parentcustomerid_account@odata.bind": bind("accounts", &north)}),
        )
        .await;
    let bo = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Bo", "emailaddress1": "bo@south.example", "parentcustomerid_account@odata.bind": bind("accounts", &south)}),
        )
        .await;
    let deal = world
        .control
        .dynamics_create(
            "opportunities",
            json!({"name": "Deal", "customerid_contact@odata.bind": bind("contacts", &ann)}),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let (ann_person, bo_person) = (person_id(&snapshot, &ann), person_id(&snapshot, &bo));
    assert_eq!(
        opportunity(&snapshot, &deal)["externalCompanyId"],
        json!(north),
        "a contact customer puts the contact's account on the opportunity (R56)"
    );
    assert_eq!(
        roles(&snapshot, &deal),
        [(ann_person, "Customer".to_owned())],
        "a contact customer gets an opportunity contact role (R56)"
    );

    // The customer becomes an account: the opportunity's company only, no role (R56).
    world
        .control
        .dynamics_update(
            "opportunities",
            &deal,
            json!({"customerid_account@odata.bind": bind("accounts", &south)}),
        )
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(
        opportunity(&snapshot, &deal)["externalCompanyId"],
        json!(south),
        "a new customer account is the opportunity's company"
    );
    assert_eq!(
        roles(&snapshot, &deal),
        [],
        "the former customer contact is no longer a role of the opportunity"
    );

    // And then another contact.
    world
        .control
        .dynamics_update(
            "opportunities",
            &deal,
            json!({"customerid_contact@odata.bind": bind("contacts", &bo)}),
        )
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(
        opportunity(&snapshot, &deal)["externalCompanyId"],
        json!(south)
    );
    assert_eq!(
        roles(&snapshot, &deal),
        [(bo_person, "Customer".to_owned())],
        "the new customer contact is the role"
    );
}

/// The id of an out-of-the-box connection role, looked up by name as against a real org.
fn connection_role(snapshot: &Value, name: &str) -> String {
    rows(snapshot, "connectionroles")
        .iter()
        .find(|r| r["name"].as_str() == Some(name))
        .and_then(|r| r["connectionroleid"].as_str())
        .unwrap_or_else(|| panic!("no connection role {name}"))
        .to_owned()
}

#[tokio::test]
async fn every_stakeholder_of_an_opportunity_has_a_role_until_the_connection_goes_r57() {
    let world = World::new().await;
    let acme = world
        .control
        .dynamics_create("accounts", json!({"name": "Acme"}))
        .await;
    let contact = |name: &str| json!({"lastname": name, "emailaddress1": format!("{name}@acme.example"), "parentcustomerid_account@odata.bind": bind("accounts", &acme)});
    let ann = world
        .control
        .dynamics_create("contacts", contact("ann"))
        .await;
    let bo = world
        .control
        .dynamics_create("contacts", contact("bo"))
        .await;
    let deal = world
        .control
        .dynamics_create(
            "opportunities",
            json!({"name": "Deal", "customerid_account@odata.bind": bind("accounts", &acme)}),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let (ann_person, bo_person) = (person_id(&snapshot, &ann), person_id(&snapshot, &bo));
    assert_eq!(
        roles(&snapshot, &deal),
        [],
        "an account customer gives no role (R56)"
    );

    // Ann is connected as the decision maker, Bo as a stakeholder without a role.
    let decision_maker = connection_role(&snapshot, "Decision Maker");
    let stakeholder = |contact: &str, role: Option<&str>| {
        let mut fields = json!({
            "record1id_opportunity@odata.bind": bind("opportunities", &deal),
            "record2id_contact@odata.bind": bind("contacts", contact),
        });
        if let Some(role) = role {
            fields["record2roleid@odata.bind"] = json!(bind("connectionroles", role));
        }
        fields
    };
    let ann_connection = world
        .control
        .dynamics_create("connections", stakeholder(&ann, Some(&decision_maker)))
        .await;
    world
        .control
        .dynamics_create("connections", stakeholder(&bo, None))
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let mut expected = vec![
        (ann_person, "Decision Maker".to_owned()),
        (bo_person, "Stakeholder".to_owned()),
    ];
    expected.sort();
    assert_eq!(
        roles(&snapshot, &deal),
        expected,
        "one role per stakeholder, named after the contact's connection role"
    );

    // Ann's role changes; Bo's connection is removed from his side (its reciprocal).
    let influencer = connection_role(&snapshot, "Influencer");
    world
        .control
        .dynamics_update(
            "connections",
            &ann_connection,
            json!({"record2roleid@odata.bind": bind("connectionroles", &influencer)}),
        )
        .await;
    let bos_side = rows(&snapshot, "connections")
        .iter()
        .find(|c| c["_record1id_value"].as_str() == Some(bo.as_str()))
        .and_then(|c| c["connectionid"].as_str())
        .expect("Dataverse keeps the connection from the contact's side too")
        .to_owned();
    world
        .control
        .dynamics_delete("connections", &bos_side)
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(
        roles(&snapshot, &deal),
        [(ann_person, "Influencer".to_owned())],
        "a changed role replaces the former one; a removed stakeholder has none"
    );
    let why = world.engine.why(ann_connection, None).await.unwrap();
    assert!(
        why.iter().any(|e| e.rule == Rule::Stakeholder),
        "the journal says why the role is there: {why:?}"
    );
}

#[tokio::test]
async fn a_cycle_overwriting_too_many_people_waits_for_confirmation_then_goes_through() {
    let world = World::new().await;
    let contacts = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..60)
                .map(|i| json!({"lastname": format!("Old{i}"), "emailaddress1": format!("bulk{i}@example.com")}))
                .collect(),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    // A bulk edit gone wrong: every contact renamed at once.
    for contact in &contacts {
        world
            .control
            .dynamics_update("contacts", contact, json!({"lastname": "Oops"}))
            .await;
    }

    let outcome = cycle_outcome(&world, false).await;
    match outcome {
        CycleOutcome::Stopped(reason) => {
            assert_eq!(reason.code, StopCode::CircuitBreaker);
            assert!(
                reason.detail.contains("60") && reason.detail.contains("Confirm"),
                "the explanation says how many and asks for confirmation: {}",
                reason.detail
            );
        }
        other => panic!("60 of 60 people changing must pause the sync, got {other:?}"),
    }
    let snapshot = world.control.snapshot().await;
    assert!(
        people(&snapshot)
            .iter()
            .all(|p| p["lastName"] != json!("Oops")),
        "a paused cycle writes nothing"
    );

    // Unconfirmed, it pauses again; confirmed, it goes through.
    assert!(matches!(
        cycle_outcome(&world, false).await,
        CycleOutcome::Stopped(ref r) if r.code == StopCode::CircuitBreaker
    ));
    assert_eq!(
        cycle_outcome(&world, true).await,
        CycleOutcome::Done { more: false },
        "once confirmed, the cycle goes through"
    );
    let snapshot = world.control.snapshot().await;
    for contact in &contacts {
        assert_eq!(
            person_of(&snapshot, contact).unwrap()["lastName"],
            json!("Oops"),
            "the confirmed cycle syncs every change"
        );
    }
    world.cycle().await;
}

#[tokio::test]
async fn a_replaced_marketo_instance_stops_the_sync_and_changes_nothing_r91_r93() {
    let world = World::on_consecutive_ports().await;
    world
        .with_contact(json!({"lastname": "Before", "emailaddress1": "before@example.com"}))
        .await;
    // Another Marketo instance (and a fresh org) answers at the same URLs with the same credentials.
    let world = world.restart_sandbox().await;
    let contact = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "After", "emailaddress1": "after@example.com"}),
        )
        .await;
    match cycle_outcome(&world, false).await {
        CycleOutcome::Stopped(reason) => {
            assert_eq!(
                reason.code,
                StopCode::MarketoInstanceChanged,
                "{}",
                reason.detail
            );
            assert!(
                reason.detail.contains("set up again"),
                "the explanation says what to do: {}",
                reason.detail
            );
        }
        other => panic!("another Marketo instance must stop the sync, got {other:?}"),
    }
    let snapshot = world.control.snapshot().await;
    assert!(
        people(&snapshot).is_empty(),
        "nothing was written to the other instance"
    );
    assert!(
        snapshot["marketo"]["customActivityTypes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "not even Dynasync's activity types"
    );
    assert_eq!(
        world.dynamics_row("contacts", &contact).await["lastname"],
        json!("After")
    );
    assert!(
        matches!(cycle_outcome(&world, true).await, CycleOutcome::Stopped(ref r) if r.code == StopCode::MarketoInstanceChanged),
        "confirming does not get past it: only a new setup does"
    );
}

#[tokio::test]
async fn two_people_sharing_a_contacts_email_block_its_creation_until_resolved_r29() {
    for resolve_by_deleting in [true, false] {
        let case = if resolve_by_deleting {
            "a twin deleted"
        } else {
            "a twin given the Dynamics id"
        };
        let world = World::new().await;
        let twins = world
            .control
            .marketo_bulk(vec![
                json!({"email": "twin@example.com", "lastName": "Twin A"}),
                json!({"email": "twin@example.com", "lastName": "Twin B"}),
            ])
            .await;
        let contact = world
            .control
            .dynamics_create(
                "contacts",
                json!({"lastname": "Twin", "emailaddress1": "twin@example.com"}),
            )
            .await;
        world.configure().await;
        world.cycle().await;
        world.cycle().await;

        let snapshot = world.control.snapshot().await;
        assert_eq!(
            people(&snapshot).len(),
            2,
            "{case}: no person is created while the match is ambiguous (R29)"
        );
        assert!(
            person_of(&snapshot, &contact).is_none(),
            "{case}: neither twin is linked by guesswork"
        );
        let errors = world.engine.errors(None, 10).await.unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e.code == "ambiguous-match" && e.message.contains("2 Marketo people")),
            "{case}: the ambiguity is reported with what to do: {errors:?}"
        );

        let kept = if resolve_by_deleting {
            world.control.marketo_delete(twins[1]).await;
            twins[0]
        } else {
            world
                .control
                .marketo_update(twins[1], json!({"externalPersonId": contact}))
                .await;
            twins[1]
        };
        world.cycle().await;
        let snapshot = world.control.snapshot().await;
        let with_email = people(&snapshot)
            .iter()
            .filter(|p| p["email"] == json!("twin@example.com"))
            .count();
        assert_eq!(
            with_email,
            if resolve_by_deleting { 1 } else { 2 },
            "{case}: the next cycle creates no third person"
        );
        let linked = person_of(&snapshot, &contact)
            .unwrap_or_else(|| panic!("{case}: the next cycle links the contact"));
        assert_eq!(
            linked["id"].as_i64(),
            Some(kept),
            "{case}: the contact syncs with the person left"
        );
        assert_eq!(linked["microsoftType"], json!("Contact"));
        assert!(
            world
                .engine
                .errors(None, 10)
                .await
                .unwrap()
                .iter()
                .all(|e| e.code != "ambiguous-match"),
            "{case}: the resolved ambiguity leaves the error list"
        );
    }
}

#[tokio::test]
async fn dynasyncs_own_write_coming_back_does_not_bring_back_a_person_deleted_in_marketo_r67() {
    let world = World::new().await;
    let (id, person) = world
        .with_lead(json!({"lastname": "Echo", "emailaddress1": "echo67@example.com", "companyname": "Echo Ltd"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"city": "Oslo"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("leads", &id).await["address1_city"],
        json!("Oslo")
    );
    // Deleted in Marketo before Dynasync's write to Dynamics came back as a change.
    world.control.marketo_delete(person).await;
    world.cycle().await;
    world.cycle().await;
    assert!(
        person_of(&world.control.snapshot().await, &id).is_none(),
        "only a later change by someone in Dynamics brings the person back (R67, R68), not the echo of Dynasync's own write (R6)"
    );
    world
        .control
        .dynamics_update("leads", &id, json!({"lastname": "Back"}))
        .await;
    world.cycle().await;
    assert_eq!(
        person_of(&world.control.snapshot().await, &id).map(|p| p["lastName"].clone()),
        Some(json!("Back")),
        "a later change by someone in Dynamics does (R68)"
    );
}

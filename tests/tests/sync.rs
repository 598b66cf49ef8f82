//! The engine syncing the sandbox over real HTTP, rule by rule: each test acts "as a user" on
//! either side through the control API, runs sync cycles and asserts both sides afterwards.

use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::status::Phase;
use dynasync_tests::control::person_of;
use dynasync_tests::setup;
use dynasync_tests::world::World;
use serde_json::json;

#[tokio::test]
async fn the_first_sync_copies_every_contact_to_marketo_r3() {
    let world = World::new().await;
    let ids = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..5).map(|i| json!({"firstname": format!("Ada{i}"), "lastname": "Lovelace", "emailaddress1": format!("ada{i}@example.com")})).collect(),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    for (i, id) in ids.iter().enumerate() {
        let person = person_of(&snapshot, id)
            .unwrap_or_else(|| panic!("contact {id} has no Marketo person"));
        assert_eq!(person["firstName"], json!(format!("Ada{i}")));
        assert_eq!(person["microsoftType"], json!("Contact"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_copy_knows_each_entitys_total_before_it_ends() {
    let world = World::new().await;
    world
        .control
        .dynamics_bulk(
            "contacts",
            (0..6_000)
                .map(|i| json!({"lastname": format!("P{i}"), "emailaddress1": format!("p{i}@example.com")}))
                .collect(),
        )
        .await;
    world.configure().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut status = world.engine.status();
    let watcher = tokio::spawn({
        let seen = seen.clone();
        async move {
            while status.changed().await.is_ok() {
                if let Some(run) = &status.borrow_and_update().run {
                    seen.lock().unwrap().extend(
                        run.entities
                            .iter()
                            .filter(|e| e.entity == "contact" && e.phase == Phase::FirstCopy)
                            .map(|e| (e.done, e.total, e.eta_seconds)),
                    );
                }
            }
        }
    });
    world.cycle().await;
    watcher.abort();
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|(done, total, _)| *done < 6_000 && *total == Some(6_000)),
        "the progress bar has its total from the start of the copy: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(done, _, eta)| *done > 0 && *done < 6_000 && eta.is_some()),
        "and an ETA once records move: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|(done, total, _)| total.is_none_or(|t| *done <= t))
    );
}

#[tokio::test]
async fn a_dynamics_edit_reaches_marketo_at_the_next_cycle_r23() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(
            json!({"firstname": "Ada", "lastname": "King", "emailaddress1": "ada@example.com"}),
        )
        .await;
    world
        .control
        .dynamics_update(
            "contacts",
            &id,
            json!({"lastname": "Lovelace", "address1_city": "London"}),
        )
        .await;
    world.cycle().await;
    let person = world.person(person).await;
    assert_eq!(person["lastName"], json!("Lovelace"));
    assert_eq!(person["city"], json!("London"));
}

#[tokio::test]
async fn a_marketo_edit_reaches_dynamics_at_the_next_cycle_r22() {
    let world = World::new().await;
    let (id, person) = world.with_lead(json!({"firstname": "Bob", "lastname": "Stone", "emailaddress1": "bob@example.com", "companyname": "Acme"})).await;
    world
        .control
        .marketo_update(person, json!({"city": "Paris", "title": "CTO"}))
        .await;
    world.cycle().await;
    let lead = world.dynamics_row("leads", &id).await;
    assert_eq!(lead["address1_city"], json!("Paris"));
    assert_eq!(lead["jobtitle"], json!("CTO"));
}

#[tokio::test]
async fn both_sides_changing_a_lead_field_keep_marketos_value_r18() {
    let world = World::new().await;
    let (id, person) = world.with_lead(json!({"lastname": "Stone", "emailaddress1": "l18@example.com", "address1_city": "Rome"})).await;
    world
        .control
        .dynamics_update("leads", &id, json!({"address1_city": "Milan"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"city": "Turin"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("leads", &id).await["address1_city"],
        json!("Turin"),
        "Marketo wins for leads"
    );
    assert_eq!(world.person(person).await["city"], json!("Turin"));
}

#[tokio::test]
async fn both_sides_changing_a_contact_field_keep_dynamics_value_r19() {
    let world = World::new().await;
    let (id, person) = world.with_contact(json!({"lastname": "Stone", "emailaddress1": "c19@example.com", "address1_city": "Rome"})).await;
    world
        .control
        .dynamics_update("contacts", &id, json!({"address1_city": "Milan"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"city": "Turin"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("contacts", &id).await["address1_city"],
        json!("Milan"),
        "Dynamics wins for contacts"
    );
    assert_eq!(world.person(person).await["city"], json!("Milan"));
}

/// Someone signed in as the sync user (the app registration) sets a contact's last name.
async fn as_sync_user(world: &World, id: &str, lastname: &str) {
    let mut record = dynasync_dynamics::Record::new();
    record.set("lastname", lastname);
    setup::dynamics_client(world.sandbox.info())
        .update(
            "contacts",
            id.parse().unwrap(),
            &record,
            dynasync_dynamics::Precondition::MustExist,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn an_edit_by_the_sync_user_is_not_synced_back_r6() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Before", "emailaddress1": "r6@example.com"}))
        .await;
    as_sync_user(&world, &id, "BySyncUser").await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("Before"),
        "the sync user's own edit stays in Dynamics"
    );
}

#[tokio::test]
async fn a_later_marketo_edit_does_not_send_back_marketos_value_of_a_field_the_sync_user_set_r6() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Before", "emailaddress1": "r6b@example.com", "address1_city": "Rome"}))
        .await;
    as_sync_user(&world, &id, "BySyncUser").await;
    world.cycle().await;
    world
        .control
        .marketo_update(person, json!({"city": "Paris"}))
        .await;
    world.cycle().await;
    let contact = world.dynamics_row("contacts", &id).await;
    assert_eq!(
        contact["address1_city"],
        json!("Paris"),
        "Marketo's edit syncs"
    );
    assert_eq!(
        contact["lastname"],
        json!("BySyncUser"),
        "Marketo's last name did not change: it must not overwrite the sync user's edit"
    );
    assert_eq!(world.person(person).await["lastName"], json!("Before"));

    // A real change of that field in Marketo does sync, even to the value Dynamics once had.
    world
        .control
        .marketo_update(person, json!({"lastName": "Changed"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("contacts", &id).await["lastname"],
        json!("Changed")
    );
}

#[tokio::test]
async fn a_sync_user_edit_made_before_dynasyncs_own_write_came_back_is_not_synced_r6() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Before", "emailaddress1": "r6c@example.com", "address1_city": "Rome"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"city": "Paris"}))
        .await;
    world.cycle().await;
    // Dynasync wrote the city; before the next cycle reads that write back, the sync user edits.
    as_sync_user(&world, &id, "BySyncUser").await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("Before"),
        "signed by the sync user at another version than Dynasync's write: not its echo"
    );
    assert_eq!(
        world.dynamics_row("contacts", &id).await["address1_city"],
        json!("Paris")
    );
}

#[tokio::test]
async fn dynasyncs_own_writes_coming_back_change_nothing() {
    let world = World::new().await;
    let (id, person) = world
        .with_lead(json!({"lastname": "Stone", "emailaddress1": "echo@example.com"}))
        .await;
    world
        .control
        .marketo_update(person, json!({"city": "Paris"}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.dynamics_row("leads", &id).await["address1_city"],
        json!("Paris")
    );
    world.cycle().await;
    let runs = world.engine.runs(1).await.unwrap();
    let flows = &runs[0].stats.flows;
    assert!(
        flows.values().all(|c| c.updated == 0 && c.created == 0),
        "the echo of Dynasync's write must change nothing: {flows:?}"
    );
}

#[tokio::test]
async fn the_sync_filter_keeps_no_records_out_and_stops_updates_when_it_turns_no_r33_r37() {
    let world = World::new().await;
    let options = dynasync_engine::setup::flow::SyncOptions {
        use_sync_filter: true,
        ..Default::default()
    };
    world.engine.set_options(options).await.unwrap();
    let kept_out = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Out", "emailaddress1": "out@example.com", "new_synctomkto": false}),
        )
        .await;
    let (id, person) = world
        .with_contact(
            json!({"lastname": "In", "emailaddress1": "in@example.com", "new_synctomkto": true}),
        )
        .await;
    assert!(
        person_of(&world.control.snapshot().await, &kept_out).is_none(),
        "No keeps a record out of Marketo"
    );
    world
        .control
        .dynamics_update(
            "contacts",
            &id,
            json!({"new_synctomkto": false, "lastname": "Changed"}),
        )
        .await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("In"),
        "a record turned No goes stale, it is not updated"
    );
    world
        .control
        .dynamics_update("contacts", &id, json!({"new_synctomkto": true}))
        .await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("Changed"),
        "back to Yes, it syncs at once (R36)"
    );
}

#[tokio::test]
async fn a_contact_deleted_in_dynamics_flags_its_person_r66() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Gone", "emailaddress1": "gone@example.com"}))
        .await;
    world.control.dynamics_delete("contacts", &id).await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["microsoftIsDeleted"],
        json!(true),
        "the person stays, flagged"
    );
}

#[tokio::test]
async fn a_person_deleted_in_marketo_stays_in_dynamics_r67() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Kept", "emailaddress1": "kept@example.com"}))
        .await;
    world.control.marketo_delete(person).await;
    world.cycle().await;
    let _ = world.dynamics_row("contacts", &id).await;
    world
        .control
        .dynamics_update("contacts", &id, json!({"lastname": "Back"}))
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let again =
        person_of(&snapshot, &id).expect("a later Dynamics change creates a new person (R68)");
    assert_ne!(again["id"].as_i64(), Some(person));
    assert_eq!(again["lastName"], json!("Back"));
}

#[tokio::test]
async fn a_refreshed_org_stops_the_sync_and_changes_nothing_r92() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Same", "emailaddress1": "same@example.com"}))
        .await;
    world
        .control
        .call(reqwest::Method::POST, "dynamics/refresh", None)
        .await;
    world
        .control
        .dynamics_update("contacts", &id, json!({"lastname": "Changed"}))
        .await;
    let outcome = world.engine.sync_once("a test", false).await.unwrap();
    match outcome {
        CycleOutcome::Stopped(reason) => assert_eq!(
            reason.code,
            dynasync_engine::status::StopCode::OrganizationChanged
        ),
        other => panic!("a refreshed org must stop the sync, got {other:?}"),
    }
    assert_eq!(
        world.person(person).await["lastName"],
        json!("Same"),
        "nothing was synced"
    );
}

#[tokio::test]
async fn the_sync_filter_applies_only_once_chosen_r35() {
    let world = World::new().await;
    let id = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Out", "emailaddress1": "r35@example.com", "new_synctomkto": false}),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    assert!(
        person_of(&world.control.snapshot().await, &id).is_some(),
        "without the filter chosen, every readable record syncs"
    );
}

#[tokio::test]
async fn an_empty_sync_filter_copies_a_record_once_and_never_updates_it_r34() {
    let world = World::new().await;
    let options = dynasync_engine::setup::flow::SyncOptions {
        use_sync_filter: true,
        ..Default::default()
    };
    world.engine.set_options(options).await.unwrap();
    let (id, person) = world
        .with_contact(json!({"lastname": "Blank", "emailaddress1": "r34@example.com"}))
        .await;
    world
        .control
        .dynamics_update("contacts", &id, json!({"lastname": "Changed"}))
        .await;
    world.cycle().await;
    assert_eq!(world.person(person).await["lastName"], json!("Blank"));
}

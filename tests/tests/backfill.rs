//! Fields added after the first sync are filled from Dynamics for every synced record (R46), beside
//! the live sync and without starving it (R47), optionally only for records updated in a date range
//! (R48); a field waiting for its back-fill cannot be removed (R47).

use dynasync_engine::rules::Rule;
use dynasync_engine::schedule::CycleOutcome;
use dynasync_tests::control::{person_of, rows};
use dynasync_tests::setup;
use dynasync_tests::world::World;
use reqwest::Method;
use serde_json::json;

const NEW_FIELD: &str = "microsoftFax";

#[tokio::test]
async fn a_field_added_after_the_first_sync_is_filled_for_every_record_r46() {
    let world = World::new().await;
    let with_phone = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Phone", "emailaddress1": "p@example.com", "fax": "555-0102"}),
        )
        .await;
    let (without_phone, person) = world
        .with_contact(json!({"lastname": "NoPhone", "emailaddress1": "n@example.com"}))
        .await;
    let snapshot = world.control.snapshot().await;
    assert!(
        person_of(&snapshot, &with_phone).unwrap()[NEW_FIELD].is_null(),
        "not synced before it is chosen"
    );

    setup::select_fields(&world.engine, &[("contact", "fax")]).await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    assert_eq!(
        person_of(&snapshot, &with_phone).unwrap()[NEW_FIELD],
        json!("555-0102"),
        "the new field is filled from Dynamics without the record changing"
    );
    assert!(person_of(&snapshot, &without_phone).unwrap()[NEW_FIELD].is_null());
    let why = world
        .engine
        .why(person.to_string(), Some(NEW_FIELD.into()))
        .await
        .unwrap();
    assert_eq!(why[0].rule, Rule::Backfill, "the journal says why: {why:?}");

    world.cycle().await;
    let runs = world.engine.runs(1).await.unwrap();
    assert!(
        runs[0].stats.flows.values().all(|c| c.updated == 0),
        "a finished back-fill does not run again: {:?}",
        runs[0].stats.flows
    );
}

#[tokio::test]
async fn a_back_fill_goes_on_cycle_after_cycle_with_live_changes_first_r47() {
    let world = World::new().await;
    let ids = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..5_001)
                .map(|i| json!({"lastname": format!("Bulk{i}"), "fax": format!("555-{i:04}")}))
                .collect(),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    setup::select_fields(&world.engine, &[("contact", "fax")]).await;

    let outcome = world.engine.sync_once("a test", false).await.unwrap();
    assert_eq!(
        outcome,
        CycleOutcome::Done { more: true },
        "5,001 records take two pages: the cycle says more remains, so the next starts at once"
    );
    let last = ids.last().unwrap();
    world
        .control
        .dynamics_update("contacts", last, json!({"lastname": "Edited"}))
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let person = person_of(&snapshot, last).unwrap();
    assert_eq!(
        person["lastName"],
        json!("Edited"),
        "a live change made during a back-fill is synced in the next cycle"
    );
    let filled = ids
        .iter()
        .filter(|id| person_of(&snapshot, id).is_some_and(|p| !p[NEW_FIELD].is_null()))
        .count();
    assert_eq!(filled, 5_001, "and the back-fill finished");
}

#[tokio::test]
async fn advanced_sync_refreshes_only_records_updated_in_the_range_r48() {
    let world = World::new().await;
    let old = world
        .control
        .dynamics_create("accounts", json!({"name": "Old Co", "telephone1": "111"}))
        .await;
    world
        .control
        .call(
            Method::POST,
            "clock/advance",
            Some(json!({"seconds": 3 * 86_400})),
        )
        .await;
    let recent = world
        .control
        .dynamics_create(
            "accounts",
            json!({"name": "Recent Co", "telephone1": "222"}),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    for id in [&old, &recent] {
        world
            .control
            .call(
                Method::PATCH,
                &format!("marketo/companies/{id}"),
                Some(json!({"as": "Sam Ortiz", "fields": {"mainPhone": "edited in Marketo"}})),
            )
            .await;
    }
    let modified = rows(&world.control.snapshot().await, "accounts")
        .iter()
        .find(|a| a["accountid"] == json!(recent))
        .unwrap()["modifiedon"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    world
        .engine
        .refresh_fields(
            "account".into(),
            vec!["telephone1".into()],
            Some((
                modified - chrono::Duration::hours(1),
                modified + chrono::Duration::hours(1),
            )),
        )
        .await
        .unwrap();
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let phone = |id: &str| {
        snapshot["marketo"]["companies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["externalCompanyId"] == json!(id))
            .unwrap()["mainPhone"]
            .clone()
    };
    assert_eq!(
        phone(&recent),
        json!("222"),
        "a record updated in the range is refreshed from Dynamics"
    );
    assert_eq!(
        phone(&old),
        json!("edited in Marketo"),
        "one updated before the range is left alone"
    );
}

#[tokio::test]
async fn a_field_waiting_for_its_back_fill_cannot_be_removed_r47() {
    let world = World::new().await;
    world
        .with_contact(json!({"lastname": "Kept", "emailaddress1": "k@example.com"}))
        .await;
    setup::select_fields(&world.engine, &[("contact", "fax")]).await;
    let catalog = world.engine.catalog().await.unwrap();
    let without: Vec<_> = catalog
        .iter()
        .flat_map(|e| {
            e.fields
                .iter()
                .filter(|f| f.selected && !(e.entity == "contact" && f.column == "fax"))
                .map(|f| dynasync_engine::setup::flow::FieldChoice {
                    entity: e.entity.clone(),
                    column: f.column.clone(),
                })
        })
        .collect();
    let refused = world
        .engine
        .save_selection(dynasync_engine::setup::flow::Selection {
            fields: without.clone(),
            custom_entities: vec![],
        })
        .await
        .expect_err("a queued field stays until its back-fill is done");
    assert!(refused.to_string().contains("contact.fax"), "{refused}");

    world.cycle().await;
    world
        .engine
        .save_selection(dynasync_engine::setup::flow::Selection {
            fields: without,
            custom_entities: vec![],
        })
        .await
        .expect("once back-filled, it can be removed");
}

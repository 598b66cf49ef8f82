//! The dry run: the same pulls and planner as a real cycle, on a copy of the store, with every write
//! left out. Before the first sync it shows what would be created or linked and the dedupe
//! pre-flight's findings (R29: never create blindly); later, what the next cycle would change.

use dynasync_engine::preview::{Operation, Preview};
use dynasync_engine::rules::Rule;
use dynasync_tests::control::person_of;
use dynasync_tests::setup;
use dynasync_tests::world::World;
use serde_json::json;

fn count(preview: &Preview, entity: &str, operation: Operation) -> u64 {
    preview
        .operations
        .iter()
        .filter(|o| o.entity == entity && o.operation == operation)
        .map(|o| o.count)
        .sum()
}

/// Checks both connections and chooses the default fields, without finishing the setup.
async fn checked(world: &World) {
    let info = world.sandbox.info();
    assert!(
        world
            .engine
            .check_dynamics(setup::dynamics_form(info))
            .await
            .unwrap()
            .ok
    );
    assert!(
        world
            .engine
            .check_marketo(setup::marketo_form(info))
            .await
            .unwrap()
            .ok
    );
    setup::select_fields(&world.engine, &[]).await;
}

#[tokio::test]
async fn the_first_sync_preview_shows_creates_matches_and_ambiguities_and_writes_nothing_r29() {
    let world = World::new().await;
    for (last, email) in [
        ("Matched", "matched@example.com"),
        ("Twice", "twice@example.com"),
        ("New", "new@example.com"),
    ] {
        world
            .control
            .dynamics_create(
                "contacts",
                json!({"lastname": last, "emailaddress1": email}),
            )
            .await;
    }
    for email in [
        "MATCHED@example.com",
        "twice@example.com",
        "twice@example.com",
    ] {
        world
            .control
            .marketo_create(json!({"email": email, "lastName": "Known"}))
            .await;
    }
    checked(&world).await;
    let before = world.control.snapshot().await;

    let preview = world.engine.preview(None).await.expect("a preview");

    assert!(preview.first_sync);
    assert_eq!(count(&preview, "contact", Operation::CreateInMarketo), 1);
    assert_eq!(
        count(&preview, "contact", Operation::LinkExisting),
        1,
        "the one person with the same email (whatever its case) would be linked, not duplicated"
    );
    assert_eq!(
        count(&preview, "contact", Operation::Skip),
        1,
        "two people share the other email: nothing is created blindly (R29)"
    );
    assert_eq!(
        preview.matches[0].rule,
        Rule::AmbiguousMatch,
        "ambiguities first"
    );
    assert!(
        preview
            .matches
            .iter()
            .any(|m| m.rule == Rule::MatchedByEmail)
    );
    assert!(
        preview.samples.iter().any(|s| s.field == "lastName"),
        "a sample of per-field changes: {:?}",
        preview.samples
    );
    assert_eq!(
        world.control.snapshot().await,
        before,
        "a preview writes nothing to either side"
    );
    assert!(
        world.engine.runs(5).await.unwrap().is_empty(),
        "nor to the store"
    );
    assert!(!world.engine.overview().await.unwrap().configured);
}

#[tokio::test]
async fn a_preview_after_the_first_sync_shows_what_the_next_cycle_changes() {
    let world = World::new().await;
    let (id, _) = world
        .with_contact(json!({"lastname": "Before", "emailaddress1": "b@example.com"}))
        .await;
    world
        .control
        .dynamics_update("contacts", &id, json!({"lastname": "After"}))
        .await;
    let preview = world.engine.preview(None).await.unwrap();
    assert!(!preview.first_sync);
    assert_eq!(count(&preview, "contact", Operation::UpdateInMarketo), 1);
    let change = preview
        .samples
        .iter()
        .find(|s| s.field == "lastName")
        .expect("the change is shown");
    assert_eq!(change.rule, Rule::DynamicsChanged);
    assert_eq!(
        person_of(&world.control.snapshot().await, &id).unwrap()["lastName"],
        json!("Before"),
        "previewed, not applied"
    );
    world.cycle().await;
    assert_eq!(
        person_of(&world.control.snapshot().await, &id).unwrap()["lastName"],
        json!("After"),
        "and the real cycle still applies it: the preview moved no cursor"
    );
}

#[tokio::test]
async fn a_sampled_preview_says_it_looked_at_part_of_an_entity() {
    let world = World::new().await;
    world
        .control
        .dynamics_bulk(
            "contacts",
            (0..5)
                .map(|i| json!({"lastname": format!("S{i}")}))
                .collect(),
        )
        .await;
    checked(&world).await;
    let preview = world.engine.preview(Some(2)).await.unwrap();
    let contacts = preview
        .examined
        .iter()
        .find(|e| e.entity == "contact")
        .unwrap();
    assert_eq!(contacts.records, 2);
    assert!(contacts.truncated, "the review says it is a sample");
}

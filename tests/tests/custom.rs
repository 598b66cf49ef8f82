//! Custom entities become Marketo custom objects (R60-R62): one object type per entity, created and
//! approved by Dynasync, each record keyed by its Dynamics id and linked to the person of the
//! contact it hangs off, directly or through the table in between.

use dynasync_engine::setup::flow::CustomEntityChoice;
use dynasync_tests::control::person_of;
use dynasync_tests::setup;
use dynasync_tests::world::World;
use serde_json::{Value, json};

fn registrations() -> CustomEntityChoice {
    CustomEntityChoice {
        logical_name: "new_event_registration".into(),
        columns: vec!["new_eventname".into(), "new_attendancestatus".into()],
    }
}

fn feedback() -> CustomEntityChoice {
    CustomEntityChoice {
        logical_name: "new_session_feedback".into(),
        columns: vec!["new_rating".into(), "new_comments".into()],
    }
}

fn records<'a>(snapshot: &'a Value, object: &str) -> &'a Vec<Value> {
    snapshot["marketo"]["customObjects"][object]
        .as_array()
        .unwrap_or_else(|| {
            panic!(
                "Marketo has no approved {object}: {}",
                snapshot["marketo"]["customObjects"]
            )
        })
}

/// A contact with one event registration and one piece of feedback on it.
async fn seed(world: &World) -> (String, String, String) {
    let contact = world
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Attendee", "emailaddress1": "attendee@example.com"}),
        )
        .await;
    let registration = world
        .control
        .dynamics_create(
            "new_event_registrations",
            json!({"new_name": "REG-1", "new_eventname": "Summit 2026", "new_attendancestatus": 100000001,
                   "new_contactid@odata.bind": format!("/contacts({contact})")}),
        )
        .await;
    let feedback = world
        .control
        .dynamics_create(
            "new_session_feedbacks",
            json!({"new_name": "FB-1", "new_rating": 5, "new_comments": "Great keynote",
                   "new_registrationid@odata.bind": format!("/new_event_registrations({registration})")}),
        )
        .await;
    (contact, registration, feedback)
}

#[tokio::test]
async fn custom_entities_become_custom_objects_linked_to_their_person_r60() {
    let world = World::new().await;
    let (contact, registration, feedback_id) = seed(&world).await;
    let orphan = world
        .control
        .dynamics_create(
            "new_event_registrations",
            json!({"new_name": "REG-2", "new_eventname": "Walk-in"}),
        )
        .await;
    world
        .configure_with(&[], vec![registrations(), feedback()])
        .await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    let person = person_of(&snapshot, &contact).unwrap()["id"].clone();
    let found = records(&snapshot, "new_event_registration_c");
    let record = found
        .iter()
        .find(|r| r["dynamicsId"] == json!(registration))
        .expect("the registration is in Marketo, keyed by its Dynamics id");
    assert_eq!(record["leadId"], person, "linked to its contact's person");
    assert_eq!(record["new_eventname"], json!("Summit 2026"));
    assert!(
        !found.iter().any(|r| r["dynamicsId"] == json!(orphan)),
        "a registration with no contact has no person to hang off"
    );
    let feedback = records(&snapshot, "new_session_feedback_c")
        .iter()
        .find(|r| r["dynamicsId"] == json!(feedback_id))
        .expect("two levels down, it syncs too");
    assert_eq!(
        feedback["leadId"], person,
        "linked through its registration to the contact's person"
    );
    assert_eq!(feedback["new_rating"], json!(5));
    let errors = world.engine.errors(None, 10).await.unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.record == orphan && e.code == "parent-not-synced"),
        "the orphan is listed with why: {errors:?}"
    );

    world
        .control
        .dynamics_update(
            "new_event_registrations",
            &registration,
            json!({"new_eventname": "Summit 2027"}),
        )
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    let record = records(&snapshot, "new_event_registration_c")
        .iter()
        .find(|r| r["dynamicsId"] == json!(registration))
        .unwrap();
    assert_eq!(
        record["new_eventname"],
        json!("Summit 2027"),
        "Dynamics always wins for one-way entities (R20)"
    );
}

#[tokio::test]
async fn a_custom_entity_enabled_later_gets_its_first_copy_beside_the_live_sync_r62() {
    let world = World::new().await;
    let (contact, registration, _) = seed(&world).await;
    world.configure().await;
    world.cycle().await;
    assert!(
        world.control.snapshot().await["marketo"]["customObjects"]
            .get("new_event_registration_c")
            .is_none(),
        "not enabled yet"
    );

    setup::select(&world.engine, &[], vec![registrations()]).await;
    world
        .control
        .dynamics_update("contacts", &contact, json!({"lastname": "Renamed"}))
        .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert!(
        records(&snapshot, "new_event_registration_c")
            .iter()
            .any(|r| r["dynamicsId"] == json!(registration)),
        "the newly enabled entity's records are copied"
    );
    assert_eq!(
        person_of(&snapshot, &contact).unwrap()["lastName"],
        json!("Renamed"),
        "while live changes keep syncing in the same cycle"
    );
}

#[tokio::test]
async fn an_ineligible_custom_entity_is_refused_with_its_reason_r60() {
    let world = World::new().await;
    world.configure().await;
    let options = world.engine.custom_entities().await.unwrap();
    let venue = options
        .iter()
        .find(|o| o.logical_name == "new_venue")
        .expect("listed");
    assert!(!venue.eligible && venue.reason.is_some(), "{venue:?}");
    let deep = options
        .iter()
        .find(|o| o.logical_name == "new_feedback_followup")
        .expect("listed");
    assert!(!deep.eligible, "three levels down is too deep (R60)");
    let catalog = world.engine.catalog().await.unwrap();
    let fields = catalog
        .iter()
        .flat_map(|e| {
            e.fields.iter().filter(|f| f.selected).map(|f| {
                dynasync_engine::setup::flow::FieldChoice {
                    entity: e.entity.clone(),
                    column: f.column.clone(),
                }
            })
        })
        .collect();
    let refused = world
        .engine
        .save_selection(dynasync_engine::setup::flow::Selection {
            fields,
            custom_entities: vec![CustomEntityChoice {
                logical_name: "new_venue".into(),
                columns: vec!["new_city".into()],
            }],
        })
        .await
        .expect_err("an ineligible entity cannot be enabled");
    assert!(refused.to_string().contains("new_venue"), "{refused}");
}

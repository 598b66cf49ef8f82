//! "Sync Person to Microsoft" against the sandbox: a Marketo-only person reaches Dynamics only when
//! asked (R24), as a lead (R25) or as a contact qualified from a lead with no account (R26), with
//! the chosen owner (R27); a refusal is logged on the person (R28); a crash mid-way duplicates
//! nothing.

use dynasync_engine::setup::flow::SyncOptions;
use dynasync_engine::store::requests::SyncAs;
use dynasync_tests::control::{people, rows};
use dynasync_tests::world::World;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// A configured world with a first sync done and one Marketo-only person.
async fn with_marketo_only_person(fields: Value) -> (World, i64) {
    let world = World::new().await;
    let person = world.control.marketo_create(fields).await;
    world.configure().await;
    world.cycle().await;
    (world, person)
}

async fn owner(world: &World) -> Uuid {
    let people = world
        .control
        .call(Method::GET, "dynamics/people", None)
        .await;
    people[0]["systemuserid"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .expect("the sandbox has named users")
}

fn with_email<'a>(snapshot: &'a Value, set: &str, email: &str) -> Vec<&'a Value> {
    rows(snapshot, set)
        .iter()
        .filter(|r| r["emailaddress1"] == json!(email))
        .collect()
}

fn people_with_email<'a>(snapshot: &'a Value, email: &str) -> Vec<&'a Value> {
    people(snapshot)
        .iter()
        .filter(|p| p["email"] == json!(email))
        .collect()
}

#[tokio::test]
async fn a_marketo_only_person_stays_in_marketo_until_asked_r24() {
    let (world, _) = with_marketo_only_person(
        json!({"email": "only@example.com", "firstName": "Mo", "lastName": "Only"}),
    )
    .await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert!(
        with_email(&snapshot, "leads", "only@example.com").is_empty()
            && with_email(&snapshot, "contacts", "only@example.com").is_empty(),
        "the background sync never pushes a Marketo-only person on its own"
    );
}

#[tokio::test]
async fn asked_as_a_lead_the_person_is_created_once_with_its_owner_r25_r27() {
    let (world, person) = with_marketo_only_person(
        json!({"email": "lead@example.com", "firstName": "Lea", "lastName": "Durand", "title": "CMO"}),
    )
    .await;
    let owner = owner(&world).await;
    let found = world
        .engine
        .find_marketo_people("lead@example.com".into())
        .await
        .unwrap();
    assert!(
        found.iter().any(|p| p.id == person && p.marketo_only),
        "the app finds the Marketo-only person: {found:?}"
    );
    assert!(
        world
            .engine
            .sync_person_to_dynamics(person, SyncAs::Lead, Some(owner))
            .await
            .unwrap()
    );
    world.cycle().await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    let leads = with_email(&snapshot, "leads", "lead@example.com");
    assert_eq!(leads.len(), 1, "exactly one lead, even after another cycle");
    let lead = leads[0];
    assert_eq!(lead["firstname"], json!("Lea"));
    assert_eq!(lead["jobtitle"], json!("CMO"));
    assert_eq!(
        lead["_ownerid_value"],
        json!(owner.to_string()),
        "the chosen owner (R27)"
    );
    let marketo = people_with_email(&snapshot, "lead@example.com");
    assert_eq!(marketo.len(), 1, "no second person in Marketo");
    assert_eq!(marketo[0]["microsoftType"], json!("Lead"));
    assert_eq!(marketo[0]["externalPersonId"], lead["leadid"]);

    let requests = world.engine.person_requests(10).await.unwrap();
    assert_eq!(requests[0].outcome.as_deref(), Some("created-lead"));
    assert_eq!(
        requests[0].dynamics_id.map(|id| id.to_string()),
        lead["leadid"].as_str().map(str::to_owned)
    );

    // R25: asking again for a person that exists in Dynamics does nothing.
    assert!(
        world
            .engine
            .sync_person_to_dynamics(person, SyncAs::Lead, None)
            .await
            .is_err(),
        "a person that already syncs is refused with a reason"
    );
}

#[tokio::test]
async fn asked_as_a_contact_the_lead_is_qualified_into_a_contact_with_no_account_r26() {
    let (world, person) = with_marketo_only_person(
        json!({"email": "contact@example.com", "firstName": "Cy", "lastName": "Martin", "company": "Initech"}),
    )
    .await;
    world
        .engine
        .sync_person_to_dynamics(person, SyncAs::Contact, None)
        .await
        .unwrap();
    world.cycle().await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    let contacts = with_email(&snapshot, "contacts", "contact@example.com");
    assert_eq!(contacts.len(), 1, "one contact");
    let contact = contacts[0];
    assert!(
        contact["_parentcustomerid_value"].is_null(),
        "a contact that is not associated to any account (R26)"
    );
    let leads = with_email(&snapshot, "leads", "contact@example.com");
    assert_eq!(leads.len(), 1);
    assert_eq!(
        contact["_originatingleadid_value"], leads[0]["leadid"],
        "qualified from the lead Dynasync created"
    );
    assert_eq!(leads[0]["statecode"], json!(1), "the lead is qualified");
    let marketo = people_with_email(&snapshot, "contact@example.com");
    assert_eq!(
        marketo.len(),
        1,
        "the qualified lead does not come back as a second person"
    );
    assert_eq!(marketo[0]["microsoftType"], json!("Contact"));
    assert_eq!(marketo[0]["externalPersonId"], contact["contactid"]);
}

#[tokio::test]
async fn members_of_the_chosen_list_are_sent_to_dynamics_r24() {
    let (world, person) =
        with_marketo_only_person(json!({"email": "listed@example.com", "lastName": "Listed"}))
            .await;
    let list = world
        .control
        .call(
            Method::POST,
            "marketo/lists",
            Some(json!({"name": "Send to Dynamics"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    world
        .engine
        .set_options(SyncOptions {
            person_list_id: Some(list),
            person_list_as_contact: true,
            ..SyncOptions::default()
        })
        .await
        .unwrap();
    world.cycle().await;
    assert!(
        with_email(
            &world.control.snapshot().await,
            "contacts",
            "listed@example.com"
        )
        .is_empty(),
        "not a member yet"
    );
    world
        .control
        .call(
            Method::POST,
            &format!("marketo/lists/{list}/members"),
            Some(json!({"leadIds": [person]})),
        )
        .await;
    world.cycle().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(
        with_email(&snapshot, "contacts", "listed@example.com").len(),
        1,
        "the list member is created once, as the option says"
    );
    let requests = world.engine.person_requests(10).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].source, format!("list:{list}"));
}

#[tokio::test]
async fn a_create_dynamics_refuses_is_logged_on_the_person_and_in_the_errors_r28() {
    let (world, person) = with_marketo_only_person(
        json!({"email": "refused@example.com", "lastName": "Refused", "title": "Intern"}),
    )
    .await;
    world
        .control
        .call(
            Method::PUT,
            "dynamics/rules/lead",
            Some(json!({"rejections": [{"when": "jobtitle eq 'Intern'", "message": "Interns are not leads"}]})),
        )
        .await;
    world
        .engine
        .sync_person_to_dynamics(person, SyncAs::Lead, None)
        .await
        .unwrap();
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert!(with_email(&snapshot, "leads", "refused@example.com").is_empty());
    let requests = world.engine.person_requests(10).await.unwrap();
    assert_eq!(requests[0].outcome.as_deref(), Some("rejected"));
    let errors = world.engine.errors(None, 10).await.unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.record == person.to_string() && e.message.contains("Interns are not leads")),
        "the refusal is in the error list with Dynamics' message: {errors:?}"
    );
    let activities = &snapshot["marketo"]["customActivities"];
    assert!(
        activities.as_array().is_some_and(|all| all.iter().any(
            |a| a["leadId"] == json!(person) && a.to_string().contains("Interns are not leads")
        )),
        "and in the person's activity log (R28): {activities}"
    );
}

#[tokio::test]
async fn a_request_cut_short_after_the_create_finishes_without_a_second_record() {
    let (world, person) = with_marketo_only_person(
        json!({"email": "crash@example.com", "firstName": "Cal", "lastName": "Crash"}),
    )
    .await;
    world
        .engine
        .sync_person_to_dynamics(person, SyncAs::Contact, None)
        .await
        .unwrap();
    // The attempt that crashed got as far as creating the lead and qualifying it.
    let request = world.engine.person_requests(1).await.unwrap().remove(0);
    let lead_id = dynasync_engine::plan::requests::lead_id(request.id, request.marketo_id);
    let as_sync_user = dynasync_tests::setup::dynamics_client(world.sandbox.info());
    let mut lead = dynasync_dynamics::Record::new();
    lead.set("lastname", "Crash")
        .set("emailaddress1", "crash@example.com");
    as_sync_user
        .update(
            "leads",
            lead_id,
            &lead,
            dynasync_dynamics::Precondition::MustNotExist,
        )
        .await
        .unwrap();
    as_sync_user
        .qualify_lead(lead_id, dynasync_dynamics::QualifyOptions::default())
        .await
        .unwrap();

    world.cycle().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    assert_eq!(with_email(&snapshot, "leads", "crash@example.com").len(), 1);
    let contacts = with_email(&snapshot, "contacts", "crash@example.com");
    assert_eq!(
        contacts.len(),
        1,
        "the retry finds the lead and its contact instead of making new ones"
    );
    let marketo = people_with_email(&snapshot, "crash@example.com");
    assert_eq!(marketo.len(), 1);
    assert_eq!(marketo[0]["externalPersonId"], contacts[0]["contactid"]);
    assert_eq!(
        world.engine.person_requests(1).await.unwrap()[0]
            .outcome
            .as_deref(),
        Some("created-contact")
    );
}

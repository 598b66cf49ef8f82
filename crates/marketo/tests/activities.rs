//! Lead changes, deleted leads and custom activities through the client, against the sandbox.

mod support;

use chrono::{Duration, Utc};
use dynasync_marketo::{
    ActivityKind, CustomActivity, CustomAttribute, Lead, NewActivityType, OutcomeStatus,
    PagingToken, SyncAction,
};
use reqwest::Method;
use serde_json::{Value, json};
use support::Fixture;

#[tokio::test]
async fn lead_changes_are_followed_across_pages_and_resumed_from_a_stored_token() {
    let f = Fixture::unthrottled().await;
    let token = f
        .client
        .paging_token(Utc::now() - Duration::minutes(5))
        .await
        .unwrap();
    let rows: Vec<Value> = (0..400)
        .map(|i| json!({"email": format!("c{i}@x.com")}))
        .collect();
    f.control(Method::POST, "marketo/leads/bulk", json!({"rows": rows}))
        .await;
    let renamed: Vec<Lead> = (0..300)
        .map(|i| {
            Lead::new()
                .with("email", format!("c{i}@x.com"))
                .with("firstName", format!("Name{i}"))
        })
        .collect();
    f.client
        .sync_leads(SyncAction::UpdateOnly, "email", renamed)
        .await
        .unwrap();
    let first = f.client.lead_changes(&token, &["firstName"]).await.unwrap();
    assert_eq!(first.changes.len(), 300, "a full page");
    assert!(first.more);
    assert!(
        first
            .changes
            .iter()
            .all(|c| c.activity_type == ActivityKind::NewLead)
    );
    let (rest, stored) = f
        .client
        .all_lead_changes(&first.next, &["firstName"])
        .await
        .unwrap();
    assert_eq!(
        rest.len(),
        400,
        "100 more New Lead and 300 Change Data Value"
    );
    let change = rest
        .iter()
        .find(|c| c.activity_type == ActivityKind::ChangeDataValue)
        .unwrap();
    assert_eq!(change.fields[0].name, "firstName");
    assert_eq!(change.fields[0].old_value, None);
    assert!(
        change.fields[0]
            .new_value
            .as_deref()
            .unwrap()
            .starts_with("Name")
    );
    assert_eq!(
        change.attribute("Source").as_deref(),
        Some("Web service API")
    );
    assert_eq!(
        change.attribute("Lead ID"),
        Some(change.lead_id.to_string())
    );
    let mut ids: Vec<i64> = first
        .changes
        .iter()
        .chain(&rest)
        .map(|c| c.activity_id)
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 700, "no activity is read twice");
    // The engine stores the token as text and resumes from it later.
    let durable = serde_json::to_string(&stored).unwrap();
    let resumed: PagingToken = serde_json::from_str(&durable).unwrap();
    assert_eq!(PagingToken::from(resumed.as_str().to_owned()), resumed);
    f.control(
        Method::PATCH,
        "marketo/leads/1",
        json!({"as": "Kim", "fields": {"firstName": "Kim"}}),
    )
    .await;
    let later = f
        .client
        .lead_changes(&resumed, &["firstName"])
        .await
        .unwrap();
    assert_eq!(
        later.changes.len(),
        1,
        "only what came after the stored token"
    );
    assert_eq!(later.changes[0].lead_id, 1);
    assert_eq!(later.changes[0].fields[0].new_value.as_deref(), Some("Kim"));
    assert!(!later.more);
}

#[tokio::test]
async fn deleted_persons_are_read_with_their_names() {
    let f = Fixture::unthrottled().await;
    let token = f
        .client
        .paging_token(Utc::now() - Duration::minutes(1))
        .await
        .unwrap();
    let id = f.control(Method::POST, "marketo/leads", json!({"as": "Kim", "fields": {"email": "x@y.z", "firstName": "Ada", "lastName": "King"}})).await["id"]
        .as_i64()
        .unwrap();
    f.client.delete_leads(&[id]).await.unwrap();
    let page = f.client.deleted_leads(&token).await.unwrap();
    assert_eq!(page.deleted.len(), 1);
    assert_eq!(page.deleted[0].lead_id, id);
    assert_eq!(page.deleted[0].name.as_deref(), Some("Ada King"));
}

#[tokio::test]
async fn a_custom_activity_type_is_created_approved_and_its_activities_added_per_person() {
    let f = Fixture::unthrottled().await;
    let id = f
        .control(
            Method::POST,
            "marketo/leads",
            json!({"as": "Kim", "fields": {"email": "e@x.com"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let def = NewActivityType {
        api_name: "dynasyncSyncError".into(),
        name: "Dynamics Sync Error".into(),
        description: Some("A write Dynamics refused".into()),
        trigger_name: "Has Dynamics Sync Error".into(),
        filter_name: "Had Dynamics Sync Error".into(),
        primary_attribute: CustomAttribute::new("entity", "Entity", "string"),
        attributes: vec![CustomAttribute::new("message", "Message", "text")],
    };
    let draft = f.client.create_custom_activity_type(&def).await.unwrap();
    assert_eq!(draft.status.as_deref(), Some("draft"));
    assert_eq!(draft.attributes.len(), 1);
    let approved = f
        .client
        .approve_custom_activity_type("dynasyncSyncError")
        .await
        .unwrap();
    let type_id = approved.id.unwrap();
    assert!(
        f.client
            .activity_types()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == type_id)
    );
    assert_eq!(
        f.client.custom_activity_types().await.unwrap()[0]
            .status
            .as_deref(),
        Some("approved")
    );
    let at = Utc::now();
    let activity = |lead_id| CustomActivity {
        lead_id,
        activity_date: at,
        activity_type_id: type_id,
        primary_attribute_value: "contact".into(),
        attributes: vec![("message".into(), json!("Phone is required"))],
    };
    let outcomes = f
        .client
        .add_custom_activities(vec![activity(id), activity(999_999)])
        .await
        .unwrap();
    assert_eq!(outcomes[0].status, OutcomeStatus::Added);
    assert_eq!(
        outcomes[1].reason_code(),
        Some(1004),
        "a skipped activity's errors are its reasons"
    );
    let token = f
        .client
        .paging_token(at - Duration::minutes(1))
        .await
        .unwrap();
    let page = f
        .client
        .activities(&token, &[type_id], &[id])
        .await
        .unwrap();
    assert_eq!(page.activities.len(), 1);
    assert_eq!(
        page.activities[0].primary_attribute_value.as_deref(),
        Some("contact")
    );
    assert_eq!(
        page.activities[0].attribute("Message").as_deref(),
        Some("Phone is required")
    );
}

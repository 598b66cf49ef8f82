//! The client's lead operations against the sandbox over real HTTP.

mod support;

use dynasync_marketo::{Error, Lead, NewField, OutcomeStatus, RecordId, SyncAction};
use reqwest::Method;
use serde_json::{Value, json};
use support::Fixture;

#[tokio::test]
async fn a_thousand_leads_sync_in_300_record_calls_with_each_outcome_in_input_order() {
    let f = Fixture::unthrottled().await;
    let existing: Vec<Value> = (0..100)
        .map(|i| json!({"email": format!("p{i}@x.com")}))
        .collect();
    f.control(
        Method::POST,
        "marketo/leads/bulk",
        json!({"rows": existing}),
    )
    .await;
    let input: Vec<Lead> = (0..1000)
        .map(|i| {
            let lead = Lead::new()
                .with("email", format!("p{i}@x.com"))
                .with("firstName", format!("P{i}"));
            match i % 250 {
                7 => lead.with("shoeSize", 9),
                8 => lead.with("leadScore", "lots"),
                _ => lead,
            }
        })
        .collect();
    let outcomes = f
        .client
        .sync_leads(SyncAction::CreateOnly, "email", input)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1000, "one outcome per lead");
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.seq, i, "outcomes are in input order");
        let expected = match (i % 250, i < 100) {
            (7, _) => Some(1006),
            (8, _) => Some(1001),
            (_, true) => Some(1005),
            _ => None,
        };
        match expected {
            Some(code) => {
                assert!(outcome.is_skipped(), "lead {i}: {outcome:?}");
                assert_eq!(outcome.reason_code(), Some(code), "lead {i}");
            }
            None => {
                assert_eq!(
                    outcome.status,
                    OutcomeStatus::Created,
                    "lead {i}: {outcome:?}"
                );
                assert!(matches!(outcome.id, Some(RecordId::Id(_))));
            }
        }
    }
    assert_eq!(
        f.calls("POST /rest/v1/leads.json").await,
        4,
        "300 + 300 + 300 + 100 leads: four calls"
    );
    let updated = f
        .client
        .sync_leads(
            SyncAction::UpdateOnly,
            "email",
            vec![Lead::new().with("email", "p500@x.com").with("city", "Oslo")],
        )
        .await
        .unwrap();
    assert_eq!(updated[0].status, OutcomeStatus::Updated);
}

#[tokio::test]
async fn get_leads_splits_more_than_300_values_and_follows_every_page() {
    let f = Fixture::unthrottled().await;
    let rows: Vec<Value> = (0..700)
        .map(|i| json!({"email": format!("g{i}@x.com"), "externalPersonId": format!("guid-{i}")}))
        .collect();
    f.control(Method::POST, "marketo/leads/bulk", json!({"rows": rows}))
        .await;
    let values: Vec<String> = (0..650).map(|i| format!("guid-{i}")).collect();
    let leads = f
        .client
        .get_leads(
            "externalPersonId",
            &values,
            &["id", "email", "externalPersonId"],
        )
        .await
        .unwrap();
    assert_eq!(leads.len(), 650);
    assert_eq!(leads[649].str("externalPersonId"), Some("guid-649"));
    assert_eq!(
        f.calls("GET /rest/v1/leads.json").await + f.calls("POST /rest/v1/leads.json").await,
        3,
        "300, 300 and 50 values, one call each"
    );
    let long: Vec<String> = (0..300)
        .map(|i| format!("somebody-with-a-long-address-{i:04}@example.com"))
        .collect();
    let none = f.client.get_leads("email", &long, &[]).await.unwrap();
    assert!(
        none.is_empty(),
        "a query over 8 KB goes as POST with _method=GET and still works"
    );
    let lead = f
        .client
        .get_lead(leads[0].id().unwrap(), &["email"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lead.email(), Some("g0@x.com"));
    assert!(f.client.get_lead(99_999, &[]).await.unwrap().is_none());
    let refused = f
        .client
        .get_leads("firstName", &["Ann".to_owned()], &[])
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some(1011),
        "a response-level error is an Err: {refused}"
    );
}

#[tokio::test]
async fn the_dynasync_fields_are_created_once_and_described() {
    let f = Fixture::unthrottled().await;
    let created = f
        .client
        .ensure_lead_fields(&NewField::dynasync_fields())
        .await
        .unwrap();
    assert_eq!(created.len(), 5);
    assert!(created.iter().all(|o| o.status == OutcomeStatus::Created));
    assert_eq!(
        created[2].id,
        Some(RecordId::Name("microsoftIsDeleted".into()))
    );
    let again = f
        .client
        .ensure_lead_fields(&NewField::dynasync_fields())
        .await
        .unwrap();
    assert!(again.is_empty(), "fields that exist are not created again");
    let described = f.client.describe_leads().await.unwrap();
    assert_eq!(
        described.field("microsoftIsDeleted").unwrap().data_type,
        "boolean"
    );
    assert!(
        described.is_searchable("microsoftLeadId"),
        "a string custom field is a lookup key"
    );
    assert!(described.is_searchable("externalPersonId"));
    let schema = f.client.lead_fields().await.unwrap();
    assert!(
        schema
            .iter()
            .any(|s| s.name == "microsoftType" && s.is_custom)
    );
    assert!(schema.len() > 70, "every page of fields is read");
    let attributes = f.client.describe_lead_attributes().await.unwrap();
    assert!(
        attributes
            .iter()
            .any(|a| a.rest.as_ref().is_some_and(|r| r.name == "email"))
    );
}

#[tokio::test]
async fn leads_are_deleted_and_merged() {
    let f = Fixture::unthrottled().await;
    let outcomes = f
        .client
        .sync_leads(
            SyncAction::CreateOrUpdate,
            "email",
            vec![
                Lead::new().with("email", "w@x.com"),
                Lead::new().with("email", "l@x.com").with("city", "Rome"),
                Lead::new().with("email", "d@x.com"),
            ],
        )
        .await
        .unwrap();
    let id = |i: usize| match &outcomes[i].id {
        Some(RecordId::Id(id)) => *id,
        other => panic!("{other:?}"),
    };
    f.client.merge_leads(id(0), &[id(1)]).await.unwrap();
    let winner = f.client.get_lead(id(0), &["city"]).await.unwrap().unwrap();
    assert_eq!(winner.str("city"), Some("Rome"));
    let deleted = f.client.delete_leads(&[id(2), 424_242]).await.unwrap();
    assert_eq!(deleted[0].status, OutcomeStatus::Deleted);
    assert_eq!(deleted[1].reason_code(), Some(1004));
    let too_many: Vec<i64> = (1..=26).collect();
    assert!(matches!(
        f.client.merge_leads(id(0), &too_many).await,
        Err(Error::Invalid(_))
    ));
}

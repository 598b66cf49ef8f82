//! The client's writes against the sandbox over real HTTP: single writes with conditions, `$batch`
//! with per-record outcomes, validation rejections per record, `QualifyLead` and `Merge`.

mod common;

use common::Org;
use dynasync_dynamics::{BatchOp, Precondition, QualifyOptions, Record};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn contact(lastname: &str) -> Record {
    let mut record = Record::new();
    record.set("lastname", lastname);
    record
}

#[tokio::test]
async fn create_update_and_delete_one_record() {
    let org = Org::start().await;
    let account = org
        .client
        .create("accounts", Record::new().set("name", "Contoso"))
        .await
        .unwrap();
    let mut record = contact("Ortiz");
    record
        .set("firstname", "Sam")
        .bind("parentcustomerid_account", "accounts", account);
    let id = org.client.create("contacts", &record).await.unwrap();
    org.client
        .update(
            "contacts",
            id,
            Record::new().set("jobtitle", "Buyer"),
            Precondition::MustExist,
        )
        .await
        .unwrap();
    let snapshot = org.control(Method::GET, "snapshot", Value::Null).await;
    let row = snapshot["dynamics"]["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contactid"] == json!(id))
        .unwrap()
        .clone();
    assert_eq!(row["jobtitle"], "Buyer");
    assert_eq!(row["_parentcustomerid_value"], json!(account));
    org.client.delete("contacts", id).await.unwrap();
    let again = org.client.delete("contacts", id).await.unwrap_err();
    assert!(again.is_not_found(), "{again}");
}

#[tokio::test]
async fn conditions_on_updates_are_classified() {
    let org = Org::start().await;
    let missing = org
        .client
        .update(
            "contacts",
            Uuid::new_v4(),
            &contact("X"),
            Precondition::MustExist,
        )
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let id = org
        .client
        .create("contacts", &contact("Versioned"))
        .await
        .unwrap();
    let stale = org
        .client
        .update(
            "contacts",
            id,
            &contact("Y"),
            Precondition::Matches("W/\"1\"".into()),
        )
        .await
        .unwrap_err();
    assert!(
        stale.is_precondition_failed() && !stale.is_retryable(),
        "{stale}"
    );
    let exists = org
        .client
        .update("contacts", id, &contact("Z"), Precondition::MustNotExist)
        .await
        .unwrap_err();
    assert!(exists.is_precondition_failed());
    let upserted = Uuid::new_v4();
    org.client
        .update(
            "contacts",
            upserted,
            &contact("Upserted"),
            Precondition::Upsert,
        )
        .await
        .unwrap();
    org.client
        .update(
            "contacts",
            upserted,
            &contact("Again"),
            Precondition::MustExist,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_batch_answers_one_outcome_per_write_in_order() {
    let org = Org::start().await;
    org.control(
        Method::PUT,
        "dynamics/rules/contact",
        json!({ "rejections": [{ "when": "endswith(emailaddress1,'@competitor.example')", "message": "Contacts from competitors are not allowed." }] }),
    )
    .await;
    let existing = org
        .client
        .create("contacts", &contact("Existing"))
        .await
        .unwrap();
    let mut spy = contact("Spy");
    spy.set("emailaddress1", "spy@competitor.example");
    let ops = vec![
        BatchOp::Create {
            entity_set: "contacts".into(),
            record: contact("Fine"),
        },
        BatchOp::Create {
            entity_set: "contacts".into(),
            record: spy,
        },
        BatchOp::Create {
            entity_set: "contacts".into(),
            record: contact(&"x".repeat(51)),
        },
        BatchOp::Update {
            entity_set: "contacts".into(),
            id: Uuid::new_v4(),
            record: contact("Nobody"),
            precondition: Precondition::MustExist,
            return_version: false,
        },
        BatchOp::Update {
            entity_set: "contacts".into(),
            id: existing,
            record: contact("Changed"),
            precondition: Precondition::MustExist,
            return_version: false,
        },
        BatchOp::Delete {
            entity_set: "contacts".into(),
            id: existing,
        },
    ];
    let outcomes = org.client.batch(ops).await.unwrap();
    assert_eq!(outcomes.len(), 6);
    let created = outcomes[0].as_ref().unwrap();
    assert_eq!(created.status, 204);
    assert!(created.entity_id.is_some(), "a create answers its id");
    let plugin = outcomes[1].as_ref().unwrap_err();
    assert!(plugin.is_validation(), "{plugin}");
    assert_eq!(plugin.code(), Some("0x80040265"));
    assert_eq!(
        plugin.message(),
        "Contacts from competitors are not allowed.",
        "the plug-in's message reaches the record"
    );
    let too_long = outcomes[2].as_ref().unwrap_err();
    assert_eq!(
        (too_long.is_validation(), too_long.code()),
        (true, Some("0x80044331"))
    );
    assert!(outcomes[3].as_ref().unwrap_err().is_not_found());
    assert_eq!(outcomes[4].as_ref().unwrap().status, 204);
    assert_eq!(
        outcomes[5].as_ref().unwrap().status,
        204,
        "later writes go on after failures"
    );
}

#[tokio::test]
async fn a_batched_update_can_answer_the_version_it_made() {
    let org = Org::start().await;
    let id = org
        .client
        .create("contacts", &contact("Versioned"))
        .await
        .unwrap();
    let update = |name: &str, return_version| BatchOp::Update {
        entity_set: "contacts".into(),
        id,
        record: contact(name),
        precondition: Precondition::MustExist,
        return_version,
    };
    let outcomes = org
        .client
        .batch(vec![update("First", true), update("Second", false)])
        .await
        .unwrap();
    let first = outcomes[0].as_ref().unwrap();
    assert_eq!(first.status, 200, "a representation comes back");
    let version = first.etag.clone().expect("the update answers its version");
    assert!(version.starts_with("W/\""), "{version}");
    let second = outcomes[1].as_ref().unwrap();
    assert_eq!(
        (second.status, second.etag.as_deref()),
        (204, None),
        "without asking, the update answers no content"
    );
    // Only the first update's version: an edit after it is told apart from it by its version.
    let stale = org
        .client
        .update(
            "contacts",
            id,
            &contact("Third"),
            Precondition::Matches(version),
        )
        .await
        .unwrap_err();
    assert!(
        stale.is_precondition_failed(),
        "the second update made a new version: {stale}"
    );
}

#[tokio::test]
async fn more_than_a_thousand_writes_are_split_into_batches() {
    let org = Org::start().await;
    let ops: Vec<BatchOp> = (0..1_005)
        .map(|i| BatchOp::Create {
            entity_set: "contacts".into(),
            record: contact(&format!("C{i}")),
        })
        .collect();
    let outcomes = org.client.batch(ops).await.unwrap();
    assert_eq!(outcomes.len(), 1_005);
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(
        org.calls("dataverse", "POST $batch", 200).await,
        2,
        "1,000 per batch at most"
    );
}

#[tokio::test]
async fn qualify_lead_answers_what_it_created() {
    let org = Org::start().await;
    let mut lead = Record::new();
    lead.set("firstname", "Ada")
        .set("lastname", "Quinn")
        .set("companyname", "Contoso")
        .set("subject", "Deal");
    let lead = org.client.create("leads", &lead).await.unwrap();
    let created = org
        .client
        .qualify_lead(
            lead,
            QualifyOptions {
                create_account: true,
                create_contact: true,
                create_opportunity: true,
                ..QualifyOptions::default()
            },
        )
        .await
        .unwrap();
    let tables: Vec<&str> = created.iter().map(|c| c.logical_name.as_str()).collect();
    assert_eq!(tables, ["account", "contact", "opportunity"]);
    let again = org
        .client
        .qualify_lead(lead, QualifyOptions::default())
        .await
        .unwrap_err();
    assert!(again.is_validation(), "a closed lead is refused: {again}");
}

#[tokio::test]
async fn merge_folds_the_subordinate_into_the_target() {
    let org = Org::start().await;
    let target = org
        .client
        .create("contacts", &contact("Keep"))
        .await
        .unwrap();
    let mut other = contact("Drop");
    other.set("jobtitle", "Buyer");
    let subordinate = org.client.create("contacts", &other).await.unwrap();
    let mut update = Record::new();
    update.set("telephone1", "555-0100");
    org.client
        .merge("contact", target, subordinate, Some(update))
        .await
        .unwrap();
    let snapshot = org.control(Method::GET, "snapshot", Value::Null).await;
    let rows = snapshot["dynamics"]["contacts"].as_array().unwrap();
    let kept = rows
        .iter()
        .find(|r| r["contactid"] == json!(target))
        .unwrap();
    assert_eq!(
        (kept["jobtitle"].clone(), kept["telephone1"].clone()),
        (json!("Buyer"), json!("555-0100"))
    );
    let dropped = rows
        .iter()
        .find(|r| r["contactid"] == json!(subordinate))
        .unwrap();
    assert_eq!(
        (dropped["statecode"].clone(), dropped["merged"].clone()),
        (json!(1), json!(true))
    );
}

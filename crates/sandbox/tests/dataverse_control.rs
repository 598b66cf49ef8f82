//! The control API of the Dynamics side: acting as a named person, loading rows, qualifying and
//! merging as a person, and reading the truth back.

mod dataverse_common;

use dataverse_common::{Org, http};
use dynasync_sandbox::InsertError;
use reqwest::Method;
use serde_json::{Map, Value, json};

#[tokio::test]
async fn the_people_one_can_act_as_are_listed() {
    let org = Org::start().await;
    let people = org
        .control(Method::GET, "dynamics/people", Value::Null)
        .await;
    let labels: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Dana Whitfield (Sales)") && labels.contains(&"Sam Ortiz (Marketing)"),
        "{labels:?}"
    );
}

#[tokio::test]
async fn a_record_created_as_a_person_is_created_and_modified_by_them() {
    let org = Org::start().await;
    let record = org
        .control(Method::POST, "dynamics/contacts", json!({ "as": "Sam Ortiz (Marketing)", "fields": { "firstname": "Pat", "lastname": "Lee" } }))
        .await;
    let people = org
        .control(Method::GET, "dynamics/people", Value::Null)
        .await;
    let sam = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fullname"] == "Sam Ortiz")
        .unwrap()["systemuserid"]
        .clone();
    assert_eq!(record["_createdby_value"], sam);
    assert_eq!(record["_modifiedby_value"], sam);
    assert_eq!(record["_ownerid_value"], sam);
    assert_eq!(record["fullname"], "Pat Lee");
    let id = record["contactid"].as_str().unwrap();
    let updated = org
        .control(
            Method::PATCH,
            &format!("dynamics/contacts/{id}"),
            json!({ "as": "Dana Whitfield", "fields": { "jobtitle": "CMO" } }),
        )
        .await;
    assert_eq!(updated["jobtitle"], "CMO");
    assert_ne!(
        updated["_modifiedby_value"], sam,
        "the last writer is the modifier"
    );
}

#[tokio::test]
async fn acting_as_nobody_known_is_refused_with_the_people_named() {
    let org = Org::start().await;
    let response = http()
        .post(org.control_url("dynamics/contacts"))
        .json(&json!({ "as": "Nobody", "fields": { "lastname": "X" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Dana Whitfield (Sales)"),
        "{body}"
    );
}

#[tokio::test]
async fn validation_rules_apply_to_people_too() {
    let org = Org::start().await;
    org.control(Method::PUT, "dynamics/rules/contact", json!({ "rejections": [{ "when": "lastname eq 'Blocked'", "message": "Blocked by a plug-in." }] })).await;
    let response = http()
        .post(org.control_url("dynamics/contacts"))
        .json(&json!({ "as": "Dana Whitfield", "fields": { "lastname": "Blocked" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Blocked by a plug-in.")
    );
}

#[tokio::test]
async fn qualify_and_merge_as_a_person() {
    let org = Org::start().await;
    let lead = org
        .seed(
            "leads",
            json!({ "firstname": "Ada", "lastname": "Quinn", "companyname": "Contoso" }),
        )
        .await;
    let answer = org
        .control(
            Method::POST,
            &format!("dynamics/leads/{lead}/qualify"),
            json!({ "as": "Dana Whitfield", "createAccount": true, "createContact": true }),
        )
        .await;
    let created: Vec<&str> = answer["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entity"].as_str().unwrap())
        .collect();
    assert_eq!(created, ["account", "contact"]);
    let a = org.seed("contacts", json!({ "lastname": "Keep" })).await;
    let b = org
        .seed(
            "contacts",
            json!({ "lastname": "Drop", "jobtitle": "Buyer" }),
        )
        .await;
    let merged = org
        .control(
            Method::POST,
            "dynamics/contacts/merge",
            json!({ "as": "Dana Whitfield", "target": a, "subordinate": b }),
        )
        .await;
    assert_eq!(merged["jobtitle"], "Buyer");
}

#[tokio::test]
async fn bulk_loads_rows_and_the_snapshot_shows_every_entity_set() {
    let org = Org::start().await;
    let answer = org
        .control(Method::POST, "dynamics/accounts/bulk", json!({ "as": "Dana Whitfield", "rows": [{ "name": "A" }, { "name": "B", "createdon": "2020-05-01T10:00:00Z" }] }))
        .await;
    assert_eq!(answer["ids"].as_array().unwrap().len(), 2);
    let snapshot = org.control(Method::GET, "snapshot", Value::Null).await;
    let dynamics = snapshot["dynamics"].as_object().unwrap();
    for set in [
        "leads",
        "contacts",
        "accounts",
        "opportunities",
        "systemusers",
        "teams",
        "new_event_registrations",
        "new_session_feedbacks",
    ] {
        assert!(
            dynamics.contains_key(set),
            "{set} missing from the snapshot"
        );
    }
    let accounts = dynamics["accounts"].as_array().unwrap();
    let b = accounts.iter().find(|a| a["name"] == "B").unwrap();
    assert_eq!(
        b["createdon"], "2020-05-01T10:00:00Z",
        "a load can make history"
    );
    let bad = http()
        .post(org.control_url("dynamics/accounts/bulk"))
        .json(&json!({ "as": "Dana Whitfield", "rows": [{ "name": "ok" }, { "nosuchcolumn": 1 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().starts_with("row 1:"),
        "the bad row is named: {body}"
    );
}

#[tokio::test]
async fn rows_load_in_process_and_the_web_api_reads_them() {
    let org = Org::start().await;
    let rows = (0..3).map(|i| {
        let mut row = Map::new();
        row.insert("lastname".into(), json!(format!("Loaded{i}")));
        row
    });
    let ids = org.sandbox.load_dataverse_rows("contacts", rows).unwrap();
    assert_eq!(ids.len(), 3);
    let body = org.get_json("contacts?$select=lastname").await;
    assert_eq!(body["value"].as_array().unwrap().len(), 3);
    let unknown = org
        .sandbox
        .load_dataverse_rows("widgets", std::iter::empty());
    assert!(matches!(unknown, Err(InsertError::UnknownEntitySet(_))));
}

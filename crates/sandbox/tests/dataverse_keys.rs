//! Filtering and ordering on a table's primary key, the way clients look one record up
//! (`$filter=contactid eq <guid>`, webapi/query/filter-rows.md).

mod dataverse_common;

use dataverse_common::Org;
use serde_json::Value;

#[tokio::test]
async fn a_filter_on_the_primary_key_finds_exactly_that_row() {
    let org = Org::start().await;
    let ids = org.seed_contacts(3).await;
    let body = org
        .get_json(&format!(
            "contacts?$select=fullname&$filter=contactid eq {}",
            ids[1]
        ))
        .await;
    let rows = body["value"].as_array().expect("a collection");
    assert_eq!(rows.len(), 1, "the key identifies one row: {body}");
    assert_eq!(rows[0]["contactid"], Value::String(ids[1].clone()));
    let none = org
        .get_json(&format!("contacts?$filter=contactid ne {}", ids[1]))
        .await;
    assert_eq!(none["value"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn rows_order_by_their_primary_key() {
    let org = Org::start().await;
    let mut ids = org.seed_contacts(4).await;
    let body = org
        .get_json("contacts?$select=fullname&$orderby=contactid desc")
        .await;
    let got: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["contactid"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.reverse();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
}

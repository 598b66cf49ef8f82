//! Conformance of change tracking over raw HTTP
//! (use-change-tracking-synchronize-data-external-systems.md, sample 04).

mod dataverse_common;

use dataverse_common::{Org, error_of};
use reqwest::Method;
use serde_json::{Value, json};

fn values(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a collection has value[]")
}

/// Follows next links from `url` with track-changes, returning every row and the delta link.
async fn drain(org: &Org, url: &str, page_size: u32) -> (Vec<Value>, String) {
    let mut url = url.to_owned();
    let mut rows = Vec::new();
    loop {
        let response = org
            .http
            .get(&url)
            .bearer_auth(&org.token)
            .header(
                "Prefer",
                format!("odata.track-changes, odata.maxpagesize={page_size}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        rows.extend(values(&body).iter().cloned());
        if let Some(delta) = body["@odata.deltaLink"].as_str() {
            assert!(
                body.get("@odata.nextLink").is_none(),
                "the delta link comes on the last page only"
            );
            return (rows, delta.to_owned());
        }
        url = body["@odata.nextLink"]
            .as_str()
            .expect("a page has a next link or the delta link")
            .to_owned();
    }
}

#[tokio::test]
async fn track_changes_lists_every_row_and_gives_a_delta_link() {
    let org = Org::start().await;
    org.seed_contacts(3).await;
    let response = org
        .get("contacts?$select=fullname")
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["preference-applied"],
        "odata.track-changes"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(values(&body).len(), 3);
    let delta = body["@odata.deltaLink"].as_str().unwrap();
    assert!(
        delta.contains("contacts?$select=fullname&$deltatoken="),
        "{delta}"
    );
    let token = delta.split("$deltatoken=").nth(1).unwrap();
    assert!(
        token.contains("%21"),
        "the token reads <version>!<date>, URL-encoded: {token}"
    );
}

#[tokio::test]
async fn a_delta_returns_changed_rows_then_deleted_ones() {
    let org = Org::start().await;
    let ids = org.seed_contacts(4).await;
    let (_, delta) = drain(&org, &org.url("contacts?$select=firstname,lastname"), 5000).await;
    org.control(
        Method::PATCH,
        &format!("dynamics/contacts/{}", ids[1]),
        json!({ "as": "Sam Ortiz", "fields": { "firstname": "Changed" } }),
    )
    .await;
    let created = org.seed("contacts", json!({ "lastname": "New" })).await;
    let deleted = org
        .http
        .delete(org.control_url(&format!("dynamics/contacts/{}?as=Sam%20Ortiz", ids[2])))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());

    let body: Value = org
        .http
        .get(&delta)
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#contacts(firstname,lastname)/$delta")
    );
    let rows = values(&body);
    assert_eq!(rows.len(), 3, "{body}");
    assert_eq!(
        rows[0]["contactid"],
        json!(ids[1]),
        "changes come oldest first"
    );
    assert_eq!(
        rows[0]["firstname"], "Changed",
        "a changed row carries its current values"
    );
    assert_eq!(rows[1]["contactid"], json!(created));
    assert_eq!(rows[2]["id"], json!(ids[2]), "then the deletions");
    assert_eq!(rows[2]["reason"], "deleted");
    assert!(
        rows[2]["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#contacts/$deletedEntity")
    );

    let next = body["@odata.deltaLink"]
        .as_str()
        .expect("a delta answer carries the next delta link");
    let quiet: Value = org
        .http
        .get(next)
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(values(&quiet).is_empty(), "nothing changed since");
    assert!(quiet["@odata.deltaLink"].is_string());
}

#[tokio::test]
async fn tracked_listings_page_and_end_with_the_delta_link() {
    let org = Org::start().await;
    let ids = org.seed_contacts(11).await;
    let (rows, delta) = drain(&org, &org.url("contacts?$select=lastname"), 4).await;
    let mut seen: Vec<String> = rows
        .iter()
        .map(|r| r["contactid"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected, "every row exactly once");
    for id in &ids[..6] {
        org.control(
            Method::PATCH,
            &format!("dynamics/contacts/{id}"),
            json!({ "as": "Sam Ortiz", "fields": { "jobtitle": "Buyer" } }),
        )
        .await;
    }
    let (changes, _) = drain(&org, &delta, 4).await;
    assert_eq!(changes.len(), 6, "a delta pages too");
}

#[tokio::test]
async fn filter_orderby_expand_and_top_are_refused_with_track_changes() {
    let org = Org::start().await;
    for option in [
        "$filter=lastname eq 'x'",
        "$orderby=lastname",
        "$expand=parentcustomerid_account",
        "$top=1",
    ] {
        let response = org
            .get(&format!("contacts?$select=lastname&{option}"))
            .header("Prefer", "odata.track-changes")
            .send()
            .await
            .unwrap();
        let (status, _, message) = error_of(response).await;
        let name = option.split('=').next().unwrap();
        assert_eq!(status, 400, "{option}");
        assert_eq!(
            message,
            format!(
                "The \"{name}\" query parameter isn't supported when Change Tracking is enabled."
            )
        );
    }
}

#[tokio::test]
async fn a_delta_token_older_than_seven_days_is_refused() {
    let org = Org::start().await;
    org.seed_contacts(1).await;
    let (_, delta) = drain(&org, &org.url("contacts?$select=lastname"), 5000).await;
    org.control(
        Method::POST,
        "clock/advance",
        json!({ "seconds": 8 * 86_400 }),
    )
    .await;
    let token = dataverse_common::app_token(&org.http, &org.sandbox).await;
    let (status, code, message) = error_of(
        org.http
            .get(&delta)
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "0x80044352"));
    assert!(message.contains("full sync"), "{message}");
}

#[tokio::test]
async fn changes_made_by_a_person_name_them_as_modifier() {
    let org = Org::start().await;
    let (_, delta) = drain(
        &org,
        &org.url("contacts?$select=lastname,_modifiedby_value"),
        5000,
    )
    .await;
    org.seed("contacts", json!({ "lastname": "By Dana" })).await;
    let people = org
        .control(Method::GET, "dynamics/people", Value::Null)
        .await;
    let dana = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fullname"] == "Dana Whitfield")
        .unwrap()["systemuserid"]
        .clone();
    let body: Value = org
        .http
        .get(&delta)
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        values(&body)[0]["_modifiedby_value"],
        dana,
        "echo suppression reads modifiedby"
    );
}

//! The control API's Marketo operations: acting as a named person in the Marketo UI, bulk loads,
//! and reading the truth back through the snapshot.

mod marketo_support;

use marketo_support::{Marketo, ok};
use reqwest::Method;
use serde_json::{Value, json};

async fn token(m: &Marketo) -> String {
    m.get(
        "/v1/activities/pagingtoken.json",
        &[("sinceDatetime", "2020-01-01T00:00:00Z")],
    )
    .await["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_person_creates_edits_merges_and_deletes_people_leaving_ui_activities() {
    let m = Marketo::start().await;
    let since = token(&m).await;
    let a = m
        .act(
            Method::POST,
            "leads",
            json!({"as": "Kim", "fields": {"email": "a@x.com", "firstName": "A"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let b = m
        .act(
            Method::POST,
            "leads",
            json!({"as": "Kim", "fields": {"email": "b@x.com", "city": "Oslo"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let edited = m
        .act(
            Method::PATCH,
            &format!("leads/{a}"),
            json!({"as": "Kim", "fields": {"firstName": "Ann"}}),
        )
        .await;
    assert_eq!(
        edited["firstName"], "Ann",
        "the answer is the person as it now reads"
    );
    m.act(
        Method::POST,
        "leads/merge",
        json!({"as": "Kim", "winner": a, "losers": [b]}),
    )
    .await;
    let merged = m
        .get(&format!("/v1/lead/{a}.json"), &[("fields", "city")])
        .await;
    assert_eq!(ok(&merged)[0]["city"], "Oslo");
    m.act(Method::DELETE, &format!("leads/{a}"), json!({"as": "Kim"}))
        .await;
    let deleted = m
        .get(
            "/v1/activities/deletedleads.json",
            &[("nextPageToken", &since)],
        )
        .await;
    let gone: Vec<i64> = ok(&deleted)
        .iter()
        .map(|d| d["leadId"].as_i64().unwrap())
        .collect();
    assert_eq!(gone, vec![b, a], "the merged loser and the deleted winner");
    let changes = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &since), ("fields", "firstName")],
        )
        .await;
    let edit = ok(&changes)
        .iter()
        .find(|c| c["activityTypeId"] == 13)
        .unwrap();
    assert!(edit["attributes"].to_string().contains("Changed by Kim"));
}

#[tokio::test]
async fn control_requests_with_bad_input_get_a_clear_400_or_404() {
    let m = Marketo::start().await;
    let bad = m
        .http
        .post(m.control("leads"))
        .json(&json!({"as": "Kim", "fields": {"shoeSize": 9}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"], "Field 'shoeSize' not found");
    let missing = m
        .http
        .patch(m.control("leads/4242"))
        .json(&json!({"as": "Kim", "fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let anonymous = m
        .http
        .post(m.control("leads"))
        .json(&json!({"as": " ", "fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 400, "a change is made by someone");
}

#[tokio::test]
async fn a_marketer_editing_an_account_field_changes_it_for_all_the_company_people() {
    let m = Marketo::start().await;
    m.post("/v1/companies.json", json!({"input": [{"externalCompanyId": "acct", "company": "Contoso", "industry": "Retail"}]})).await;
    let people = m
        .create_leads(vec![
            json!({"email": "1@c.com", "externalCompanyId": "acct"}),
            json!({"email": "2@c.com", "externalCompanyId": "acct"}),
        ])
        .await;
    m.act(
        Method::PATCH,
        &format!("leads/{}", people[0]),
        json!({"as": "Kim", "fields": {"industry": "Banking"}}),
    )
    .await;
    for id in &people {
        let read = m
            .get(&format!("/v1/lead/{id}.json"), &[("fields", "industry")])
            .await;
        assert_eq!(
            ok(&read)[0]["industry"],
            "Banking",
            "SPEC R21: every person of the account shows the edit"
        );
    }
    m.act(
        Method::PATCH,
        "companies/acct",
        json!({"as": "Kim", "fields": {"company": "Contoso Ltd"}}),
    )
    .await;
    let read = m
        .get(
            &format!("/v1/lead/{}.json", people[1]),
            &[("fields", "company")],
        )
        .await;
    assert_eq!(ok(&read)[0]["company"], "Contoso Ltd");
}

#[tokio::test]
async fn bulk_loads_and_lists_show_in_the_snapshot_with_every_kind_of_record() {
    let m = Marketo::start().await;
    let rows: Vec<Value> = (0..3)
        .map(|i| json!({"email": format!("b{i}@x.com"), "createdAt": "2020-02-02T10:00:00Z"}))
        .collect();
    let ids = m
        .act(Method::POST, "leads/bulk", json!({"rows": rows}))
        .await["ids"]
        .clone();
    assert_eq!(ids, json!([1, 2, 3]));
    let refused = m
        .http
        .post(m.control("leads/bulk"))
        .json(&json!({"rows": [{"email": "ok@x.com"}, {"leadScore": "lots"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused.text().await.unwrap().contains("row 1"),
        "the bad row is named"
    );
    let list = m.act(Method::POST, "lists", json!({"name": "Push"})).await["id"]
        .as_i64()
        .unwrap();
    m.act(
        Method::POST,
        &format!("lists/{list}/members"),
        json!({"leadIds": [1, 3]}),
    )
    .await;
    m.post(
        "/v1/salespersons.json",
        json!({"input": [{"externalSalesPersonId": "s", "email": "s@x.com"}]}),
    )
    .await;
    let snapshot = m.snapshot().await;
    let leads = snapshot["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 3, "the refused bulk loaded nothing");
    assert_eq!(leads[0]["createdAt"], "2020-02-02T10:00:00Z");
    assert_eq!(snapshot["lists"][0]["members"], json!([1, 3]));
    assert_eq!(snapshot["salesPersons"][0]["email"], "s@x.com");
    for key in [
        "companies",
        "opportunities",
        "opportunityRoles",
        "customObjects",
        "customActivities",
        "customActivityTypes",
    ] {
        assert!(snapshot.get(key).is_some(), "the snapshot holds {key}");
    }
}

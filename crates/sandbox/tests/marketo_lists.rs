//! Static lists and membership over raw HTTP (`list-membership.md`, the Swagger's static-list
//! operations).

mod marketo_support;

use marketo_support::{Marketo, error_code, ok, reason};
use serde_json::json;

#[tokio::test]
async fn lists_made_by_a_marketer_are_listed_and_their_members_paged() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(
            (0..5)
                .map(|i| json!({"email": format!("m{i}@x.com")}))
                .collect(),
        )
        .await;
    let list = m
        .act(
            reqwest::Method::POST,
            "lists",
            json!({"name": "Sync to Microsoft"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    m.act(
        reqwest::Method::POST,
        &format!("lists/{list}/members"),
        json!({"leadIds": ids}),
    )
    .await;
    let lists = m
        .get("/v1/lists.json", &[("name", "Sync to Microsoft")])
        .await;
    assert_eq!(ok(&lists)[0]["id"], list);
    let one = m.get(&format!("/v1/lists/{list}.json"), &[]).await;
    assert_eq!(ok(&one)[0]["name"], "Sync to Microsoft");
    let first = m
        .get(
            &format!("/v1/lists/{list}/leads.json"),
            &[("batchSize", "3"), ("fields", "email")],
        )
        .await;
    assert_eq!(ok(&first).len(), 3);
    assert_eq!(ok(&first)[0], json!({"email": "m0@x.com"}));
    let token = first["nextPageToken"].as_str().unwrap();
    let second = m
        .get(
            &format!("/v1/lists/{list}/leads.json"),
            &[("batchSize", "3"), ("nextPageToken", token)],
        )
        .await;
    assert_eq!(ok(&second).len(), 2);
    assert_eq!(second["moreResult"], false);
    let missing = m.get("/v1/lists/4242/leads.json", &[]).await;
    assert_eq!(error_code(&missing), "1013");
}

#[tokio::test]
async fn members_are_added_removed_and_checked_one_outcome_per_lead_id() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(vec![
            json!({"email": "a@x.com"}),
            json!({"email": "b@x.com"}),
        ])
        .await;
    let list = m
        .act(reqwest::Method::POST, "lists", json!({"name": "Webinar"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/v1/lists/{list}/leads.json");
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let added = m
        .post_query(&path, &[("id", a.as_str()), ("id", "999999")], None)
        .await;
    let result = ok(&added);
    assert_eq!(result[0], json!({"id": ids[0], "status": "added"}));
    assert_eq!(reason(&result[1]), "1004");
    let member = m
        .get(
            &format!("/v1/lists/{list}/leads/ismember.json"),
            &[("id", a.as_str()), ("id", b.as_str()), ("id", "999999")],
        )
        .await;
    let result = ok(&member);
    assert_eq!(result[0]["status"], "memberof");
    assert_eq!(result[1]["status"], "notmemberof");
    assert_eq!(reason(&result[2]), "1004");
    let removed = m
        .delete(&path, &[("id", a.as_str()), ("id", b.as_str())])
        .await;
    let result = ok(&removed);
    assert_eq!(result[0]["status"], "removed");
    assert_eq!(reason(&result[1]), "1015", "a lead not in the list");
    let too_many: Vec<String> = (0..301).map(|i| i.to_string()).collect();
    let query: Vec<(&str, &str)> = too_many.iter().map(|i| ("id", i.as_str())).collect();
    assert_eq!(
        error_code(&m.post_query(&path, &query, None).await),
        "1003",
        "at most 300 lead ids"
    );
}

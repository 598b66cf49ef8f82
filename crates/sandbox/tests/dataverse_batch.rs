//! Conformance of `$batch` over raw HTTP (webapi/execute-batch-operations-using-web-api.md,
//! samples 05–08): multipart in and out, change sets with `Content-ID` references, stop or
//! continue on error, the 1,000-request limit.

mod dataverse_common;

use dataverse_common::Org;
use reqwest::Method;
use serde_json::{Value, json};

/// An inner request as a part: `Content-Type: application/http`, then the request.
fn part(method: &str, url: &str, body: Option<Value>, content_id: Option<u32>) -> String {
    let mut out =
        String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        out.push_str(&format!("Content-ID: {id}\r\n"));
    }
    out.push_str(&format!("\r\n{method} {url} HTTP/1.1\r\n"));
    match body {
        Some(body) => out.push_str(&format!(
            "Content-Type: application/json; type=entry\r\n\r\n{body}\r\n"
        )),
        None => out.push_str("\r\n\r\n"),
    }
    out
}

fn batch(items: &[String]) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(&format!("--batch_AAA123\r\n{item}"));
    }
    out.push_str("--batch_AAA123--\r\n");
    out
}

fn change_set(parts: &[String]) -> String {
    let mut out = String::from("Content-Type: multipart/mixed; boundary=changeset_BBB456\r\n\r\n");
    for p in parts {
        out.push_str(&format!("--changeset_BBB456\r\n{p}"));
    }
    out.push_str("--changeset_BBB456--\r\n");
    out
}

/// Sends a batch and returns the outer status, the response boundary and each part's status.
async fn send(org: &Org, body: String, continue_on_error: bool) -> (u16, String, Vec<u16>, String) {
    let mut request = org
        .request(Method::POST, "$batch")
        .header("Content-Type", "multipart/mixed; boundary=\"batch_AAA123\"");
    if continue_on_error {
        request = request.header("Prefer", "odata.continue-on-error");
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap_or_else(|| panic!("{status} {content_type}: {text}"))
        .to_owned();
    let statuses = text
        .lines()
        .filter_map(|l| l.strip_prefix("HTTP/1.1 "))
        .map(|l| l[..3].parse().unwrap())
        .collect();
    (status, boundary, statuses, text)
}

fn contact(name: &str) -> Option<Value> {
    Some(json!({ "lastname": name }))
}

#[tokio::test]
async fn a_batch_answers_every_part_in_order_under_its_own_boundary() {
    let org = Org::start().await;
    let items = vec![
        part("POST", "/api/data/v9.2/contacts", contact("One"), None),
        part("POST", "/api/data/v9.2/contacts", contact("Two"), None),
        part(
            "GET",
            "/api/data/v9.2/contacts?$select=lastname",
            None,
            None,
        ),
    ];
    let (status, boundary, statuses, text) = send(&org, batch(&items), false).await;
    assert_eq!(status, 200);
    assert!(boundary.starts_with("batchresponse_"), "{boundary}");
    assert_eq!(statuses, [204, 204, 200]);
    assert_eq!(
        text.matches("OData-EntityId: ").count(),
        2,
        "creates answer their entity ids: {text}"
    );
    assert!(
        text.contains("\"lastname\":\"Two\""),
        "the GET sees the earlier parts: {text}"
    );
    assert!(text.trim_end().ends_with(&format!("--{boundary}--")));
}

#[tokio::test]
async fn content_id_references_bind_records_created_earlier_in_the_change_set() {
    let org = Org::start().await;
    let set = change_set(&[
        part(
            "POST",
            &org.url("leads"),
            Some(json!({ "firstname": "first name", "lastname": "last name" })),
            Some(1),
        ),
        part(
            "POST",
            &org.url("contacts"),
            Some(json!({ "firstname": "first name", "lastname": "x" })),
            Some(2),
        ),
        part(
            "POST",
            &org.url("accounts"),
            Some(
                json!({ "name": "IcM Account", "originatingleadid@odata.bind": "$1", "primarycontactid@odata.bind": "$2" }),
            ),
            Some(3),
        ),
    ]);
    let (status, _, statuses, text) = send(&org, batch(&[set]), false).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(statuses, [204, 204, 204]);
    assert!(
        text.contains("boundary=changesetresponse_"),
        "a change set answers as one: {text}"
    );
    assert!(
        text.contains("Content-ID: 3"),
        "parts keep their Content-ID"
    );
    let accounts = org.get_json("accounts?$select=name,_primarycontactid_value,_originatingleadid_value&$filter=name eq 'IcM Account'").await;
    let account = &accounts["value"][0];
    assert!(
        account["_primarycontactid_value"].is_string()
            && account["_originatingleadid_value"].is_string(),
        "{account}"
    );
}

#[tokio::test]
async fn a_failing_change_set_takes_back_all_its_parts() {
    let org = Org::start().await;
    let set = change_set(&[
        part("POST", "/api/data/v9.2/contacts", contact("Kept?"), Some(1)),
        part(
            "POST",
            "/api/data/v9.2/contacts",
            Some(json!({ "lastname": "x".repeat(60) })),
            Some(2),
        ),
    ]);
    let (status, _, statuses, text) = send(&org, batch(&[set]), false).await;
    assert_eq!(status, 400);
    assert_eq!(
        statuses,
        [400],
        "a failed change set answers with the failure alone: {text}"
    );
    assert!(text.contains("0x80044331"));
    let contacts = org.get_json("contacts?$select=lastname").await;
    assert!(
        contacts["value"].as_array().unwrap().is_empty(),
        "all or nothing: {contacts}"
    );
}

#[tokio::test]
async fn without_continue_on_error_the_batch_stops_at_the_first_failure() {
    let org = Org::start().await;
    let items = vec![
        part(
            "POST",
            "/api/data/v9.2/contacts",
            Some(json!({ "lastname": "x".repeat(60) })),
            None,
        ),
        part("POST", "/api/data/v9.2/contacts", contact("Two"), None),
    ];
    let (status, _, statuses, text) = send(&org, batch(&items), false).await;
    assert_eq!(status, 400, "the outer status is the failing one");
    assert_eq!(statuses, [400]);
    assert!(text.contains("REQ_ID: "), "error parts carry REQ_ID");
    assert!(
        org.get_json("contacts").await["value"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing after the failure ran"
    );
}

#[tokio::test]
async fn with_continue_on_error_every_part_runs_and_answers_its_own_status() {
    let org = Org::start().await;
    let items = vec![
        part(
            "POST",
            "/api/data/v9.2/contacts",
            Some(json!({ "lastname": "x".repeat(60) })),
            None,
        ),
        part("POST", "/api/data/v9.2/contacts", contact("Two"), None),
        part("POST", "/api/data/v9.2/contacts", contact("Three"), None),
    ];
    let (status, _, statuses, text) = send(&org, batch(&items), true).await;
    assert_eq!(status, 200);
    assert_eq!(statuses, [400, 204, 204]);
    assert!(
        text.contains("{\"error\":{\"code\":\"0x80044331\""),
        "{text}"
    );
    assert_eq!(
        org.get_json("contacts").await["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn an_undeclared_content_id_is_refused() {
    let org = Org::start().await;
    let set = change_set(&[part(
        "POST",
        "/api/data/v9.2/accounts",
        Some(json!({ "name": "A", "primarycontactid@odata.bind": "$1" })),
        Some(2),
    )]);
    let (_, _, statuses, text) = send(&org, batch(&[set]), false).await;
    assert_eq!(statuses, [400]);
    assert!(
        text.contains("Content-ID Reference: '$1' does not exist in the batch context."),
        "{text}"
    );
}

#[tokio::test]
async fn more_than_1000_requests_are_refused() {
    let org = Org::start().await;
    let items: Vec<String> = (0..1001)
        .map(|i| {
            part(
                "POST",
                "/api/data/v9.2/contacts",
                contact(&format!("C{i}")),
                None,
            )
        })
        .collect();
    let response = org
        .request(Method::POST, "$batch")
        .header("Content-Type", "multipart/mixed; boundary=\"batch_AAA123\"")
        .body(batch(&items))
        .send()
        .await
        .unwrap();
    let (status, _, message) = dataverse_common::error_of(response).await;
    assert_eq!(status, 400);
    assert!(message.contains("1000"), "{message}");
    let exactly: Vec<String> = (0..1000)
        .map(|i| {
            part(
                "POST",
                "/api/data/v9.2/contacts",
                contact(&format!("C{i}")),
                None,
            )
        })
        .collect();
    let (status, _, statuses, _) = send(&org, batch(&exactly), true).await;
    assert_eq!(status, 200);
    assert_eq!(statuses.len(), 1000);
}

#[tokio::test]
async fn a_batch_counts_as_one_request_against_the_limits() {
    let org = Org::start().await;
    org.set_limits(|l| l["dataverse"]["requestsPerWindow"] = json!(1))
        .await;
    let items: Vec<String> = (0..5)
        .map(|i| {
            part(
                "POST",
                "/api/data/v9.2/contacts",
                contact(&format!("C{i}")),
                None,
            )
        })
        .collect();
    let (status, _, statuses, _) = send(&org, batch(&items), true).await;
    assert_eq!((status, statuses.len()), (200, 5));
}

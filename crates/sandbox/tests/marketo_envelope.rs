//! The response envelope and the HTTP-level and request-level errors (`error-codes.md`,
//! `rest-api.md`, `lead-database.md`).

mod marketo_support;

use marketo_support::{Marketo, error_code, ok};
use serde_json::{Value, json};

#[tokio::test]
async fn a_success_carries_request_id_success_and_result_and_an_error_has_http_200() {
    let m = Marketo::start().await;
    let good = m.get("/v1/leads/describe2.json", &[]).await;
    let id = good["requestId"].as_str().unwrap();
    let (counter, time) = id
        .split_once('#')
        .expect("requestId looks like e42b#14272d07d78");
    assert!(u64::from_str_radix(counter, 16).is_ok() && u64::from_str_radix(time, 16).is_ok());
    assert_eq!(good["success"], true);
    assert!(good["result"].is_array());
    let bad = m.get("/v1/leads.json", &[("filterType", "email")]).await;
    assert_eq!(
        error_code(&bad),
        "701",
        "a missing required parameter cannot be blank: {bad}"
    );
    assert_eq!(bad["errors"][0]["message"], "filterValues cannot be blank");
}

#[tokio::test]
async fn an_unknown_path_is_610_and_a_known_path_with_another_method_is_605() {
    let m = Marketo::start().await;
    assert_eq!(error_code(&m.get("/v1/nowhere.json", &[]).await), "610");
    let wrong = m.delete("/v1/leads.json", &[]).await;
    assert_eq!(error_code(&wrong), "605");
    assert_eq!(wrong["errors"][0]["message"], "HTTP Method not supported");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_609_and_a_missing_json_content_type_is_612() {
    let m = Marketo::start().await;
    let broken: Value = m
        .http
        .post(m.rest("/v1/leads.json"))
        .bearer_auth(&m.token)
        .header("Content-Type", "application/json")
        .body("{\"input\": [")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&broken), "609");
    let plain: Value = m
        .http
        .post(m.rest("/v1/leads.json"))
        .bearer_auth(&m.token)
        .header("Content-Type", "text/plain")
        .body("{\"input\": []}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&plain), "612");
}

#[tokio::test]
async fn a_body_over_one_megabyte_gets_http_413() {
    let m = Marketo::start().await;
    let big = json!({ "input": [{ "email": "a@b.c", "address": "x".repeat(1_100_000) }] });
    let response = m
        .http
        .post(m.rest("/v1/leads.json"))
        .bearer_auth(&m.token)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "the payload limit is 1 MB");
}

#[tokio::test]
async fn a_uri_over_8_kb_gets_414_and_the_same_query_works_as_post_with_method_get() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(vec![
            json!({"email": "one@example.com"}),
            json!({"email": "two@example.com"}),
        ])
        .await;
    let mut values: Vec<String> = (0..290)
        .map(|i| format!("nobody-{i:04}@example.com"))
        .collect();
    values.push("one@example.com".into());
    values.push("TWO@example.com".into());
    let joined = values.join(",");
    let long = m
        .http
        .get(m.rest("/v1/leads.json"))
        .bearer_auth(&m.token)
        .query(&[("filterType", "email"), ("filterValues", joined.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 414, "a URI over 8 KB is refused");
    let form: Value = m
        .http
        .post(m.rest("/v1/leads.json?_method=GET"))
        .bearer_auth(&m.token)
        .form(&[("filterType", "email"), ("filterValues", joined.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found: Vec<i64> = ok(&form)
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        found, ids,
        "POST with _method=GET and a form body runs the query"
    );
}

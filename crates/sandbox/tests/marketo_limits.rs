//! The call limits and usage statistics over raw HTTP (`rest-api.md`,
//! `marketo-integration-best-practices.md`, `error-codes.md`, `usage.md`; samples m12, m20).

mod marketo_support;

use dynasync_sandbox::Limits;
use marketo_support::{Marketo, error_code, ok};
use serde_json::{Value, json};

#[tokio::test]
async fn the_101st_call_within_20_seconds_gets_606_until_the_window_moves_on() {
    let m = Marketo::start_with(Limits::default()).await;
    for _ in 0..100 {
        ok(&m.get("/v1/leads/describe2.json", &[]).await);
    }
    let refused = m.get("/v1/leads/describe2.json", &[]).await;
    assert_eq!(error_code(&refused), "606");
    assert_eq!(
        refused["errors"][0]["message"],
        "Max rate limit '100' exceeded with in '20' secs"
    );
    m.advance_clock(21).await;
    ok(&m.get("/v1/leads/describe2.json", &[]).await);
}

#[tokio::test]
async fn more_than_ten_calls_at_once_get_615() {
    let m = Marketo::start_with(Limits::default()).await;
    // Latency keeps calls in flight long enough to overlap.
    m.http
        .put(format!("{}faults", m.sandbox.info().control_url))
        .json(&json!({"marketo": {"latencyMs": 3000}}))
        .send()
        .await
        .unwrap();
    let calls = (0..14).map(|_| m.get("/v1/leads/describe2.json", &[]));
    let answers = futures_util::future::join_all(calls).await;
    let served = answers.iter().filter(|a| a["success"] == true).count();
    assert_eq!(
        served, 10,
        "ten are processed at a time and the four that find them busy are refused"
    );
    assert!(
        answers
            .iter()
            .filter(|a| a["success"] == false)
            .all(|a| error_code(a) == "615")
    );
}

#[tokio::test]
async fn storms_answer_with_the_documented_limit_errors() {
    let m = Marketo::start().await;
    let storm = |kind: &str| json!({"marketo": {"storm": {"kind": kind, "requests": 2}}});
    for (kind, code) in [("rate", "606"), ("concurrency", "615")] {
        m.http
            .put(format!("{}faults", m.sandbox.info().control_url))
            .json(&storm(kind))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(&m.get("/v1/leads/describe2.json", &[]).await),
            code
        );
        assert_eq!(
            error_code(&m.get("/v1/leads/describe2.json", &[]).await),
            code
        );
        ok(&m.get("/v1/leads/describe2.json", &[]).await);
    }
}

#[tokio::test]
async fn an_exhausted_quota_gives_607_until_midnight_us_central() {
    let mut m = Marketo::start_with(Limits::default()).await;
    let exhausted = m
        .act(reqwest::Method::POST, "quota/exhaust", Value::Null)
        .await;
    let resets: chrono::DateTime<chrono::Utc> =
        exhausted["resetsAt"].as_str().unwrap().parse().unwrap();
    let central = resets.with_timezone(&chrono_tz::America::Chicago);
    assert_eq!(
        central.format("%H:%M").to_string(),
        "00:00",
        "the quota resets at midnight US Central"
    );
    let refused = m.get("/v1/leads/describe2.json", &[]).await;
    assert_eq!(error_code(&refused), "607");
    assert_eq!(refused["errors"][0]["message"], "Daily quota reached");
    let wait = (resets - chrono::Utc::now()).num_seconds().max(0) as u64 + 1;
    m.advance_clock(wait).await;
    m.renew_token().await;
    ok(&m.get("/v1/leads/describe2.json", &[]).await);
}

#[tokio::test]
async fn limits_switched_off_let_calls_through() {
    let m = Marketo::start().await;
    for _ in 0..120 {
        ok(&m.get("/v1/leads/describe2.json", &[]).await);
    }
}

#[tokio::test]
async fn usage_counts_todays_calls_per_api_user_and_errors_per_code() {
    let m = Marketo::start().await;
    for _ in 0..3 {
        m.get("/v1/leads/describe.json", &[]).await;
    }
    m.get(
        "/v1/leads.json",
        &[("filterType", "firstName"), ("filterValues", "x")],
    )
    .await;
    m.get("/v1/nowhere.json", &[]).await;
    let usage = m.get("/v1/stats/usage.json", &[]).await;
    let today = &ok(&usage)[0];
    assert_eq!(
        today["total"], 5,
        "the failed calls count too (1011 and 610 are not starred)"
    );
    assert_eq!(today["users"][0]["count"], 5);
    assert_eq!(today["date"].as_str().unwrap().len(), 10, "YYYY-MM-DD");
    let errors = m.get("/v1/stats/errors.json", &[]).await;
    let codes: Vec<&str> = ok(&errors)[0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["errorCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["610", "1011"]);
    let week = m.get("/v1/stats/usage/last7days.json", &[]).await;
    assert_eq!(ok(&week).len(), 7);
    let week_errors = m.get("/v1/stats/errors/last7days.json", &[]).await;
    assert_eq!(ok(&week_errors)[0]["total"], 2);
}

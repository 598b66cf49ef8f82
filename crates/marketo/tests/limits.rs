//! The limiter against the sandbox with Marketo's documented limits: storms of 606 and 615 are
//! honoured without the sandbox ever counting more than 100 calls in a 20 s window or more than 10
//! at once; the daily quota is reported with its reset time.

mod support;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use support::Fixture;

#[tokio::test]
async fn a_606_storm_and_a_615_burst_are_ridden_out_within_the_limits() {
    let f = Fixture::documented().await;
    let started = Instant::now();
    for (kind, calls) in [("rate", 50), ("concurrency", 54)] {
        f.faults(json!({"marketo": {"storm": {"kind": kind, "requests": 3}}}))
            .await;
        let running: Vec<_> = (0..calls)
            .map(|_| {
                let client = f.client.clone();
                tokio::spawn(async move { client.describe_leads().await })
            })
            .collect();
        for call in running {
            call.await.unwrap().expect("every call succeeds in the end");
        }
    }
    let metrics = f.metrics().await;
    let describe = &metrics["endpoints"]["GET /rest/v1/leads/describe2.json"]["byStatus"]["200"];
    assert_eq!(
        describe, 110,
        "104 calls plus 6 refused and retried: {metrics}"
    );
    assert!(
        metrics["maxIn20s"].as_u64().unwrap() <= 100,
        "never more than 100 calls in any 20 s: {}",
        metrics["maxIn20s"]
    );
    assert!(
        metrics["maxInFlight"].as_u64().unwrap() <= 10,
        "never more than 10 at once"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(20),
        "110 calls cannot fit in one window"
    );
    let usage = f.client.usage_today().await.unwrap();
    let errors = f.client.errors_today().await.unwrap();
    let count = |code: &str| {
        errors
            .errors
            .iter()
            .find(|e| e.error_code == code)
            .map_or(0, |e| e.count)
    };
    assert_eq!(
        (count("606"), count("615")),
        (3, 3),
        "the storms were met: {errors:?}"
    );
    assert!(usage.total >= 110);
}

#[tokio::test]
async fn an_exhausted_quota_is_a_quota_error_with_its_reset_time() {
    let f = Fixture::documented().await;
    f.client.describe_leads().await.unwrap();
    let exhausted = f
        .control(Method::POST, "marketo/quota/exhaust", Value::Null)
        .await;
    let resets: chrono::DateTime<chrono::Utc> =
        exhausted["resetsAt"].as_str().unwrap().parse().unwrap();
    let error = f.client.describe_leads().await.unwrap_err();
    assert!(error.is_quota(), "{error}");
    assert_eq!(error.code(), Some(607));
    assert_eq!(
        error.quota_resets_at(),
        Some(resets),
        "midnight US Central, as the instance says"
    );
    assert!(!error.is_retryable(), "the quota is back only tomorrow");
    assert_eq!(f.client.budget().resets_at, resets);
}

#[tokio::test]
async fn the_budget_counts_the_clients_calls_and_takes_the_instances_total() {
    let f = Fixture::documented().await;
    for _ in 0..4 {
        f.client.describe_leads().await.unwrap();
    }
    assert_eq!(
        f.client.budget().used_today,
        4,
        "identity calls are not counted"
    );
    let other = support::client(
        &f.sandbox,
        dynasync_marketo::Limits::default(),
        &f.sandbox.info().marketo.client_secret.clone(),
    );
    for _ in 0..10 {
        other.describe_leads().await.unwrap();
    }
    let usage = f.client.usage_today().await.unwrap();
    assert_eq!(
        usage.total, 14,
        "the instance counts every integration's calls"
    );
    let budget = f.client.budget();
    assert_eq!(
        budget.used_today, 14,
        "the budget takes the instance's count"
    );
    assert_eq!(budget.remaining(), 50_000 - 14);
}

#[tokio::test]
async fn an_invalid_request_fails_at_once_without_retries() {
    let f = Fixture::documented().await;
    let error = f
        .client
        .get_leads("firstName", &["x".to_owned()], &[])
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(1011));
    assert!(!error.is_retryable());
    let metrics = f.metrics().await;
    assert_eq!(
        metrics["endpoints"]["GET /rest/v1/leads.json"]["total"], 1,
        "no retry of a 1011"
    );
}

#[tokio::test]
async fn injected_gateway_errors_are_retried_for_reads() {
    let f = Fixture::unthrottled().await;
    f.client.describe_leads().await.unwrap();
    // The sandbox's dice are seeded: the same calls meet the same failures every run.
    f.faults(json!({"marketo": {"serverErrorRate": 0.3}})).await;
    for _ in 0..10 {
        f.client
            .describe_leads()
            .await
            .expect("5xx answers are retried with backoff");
    }
    let by_status =
        &f.metrics().await["endpoints"]["GET /rest/v1/leads/describe2.json"]["byStatus"];
    let failed: u64 = ["500", "502", "503"]
        .iter()
        .filter_map(|s| by_status[s].as_u64())
        .sum();
    assert!(
        failed > 0,
        "some calls met a gateway error and were retried: {by_status}"
    );
    assert_eq!(
        by_status["200"], 11,
        "ten calls and the first, each answered in the end"
    );
}

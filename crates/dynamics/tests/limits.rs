//! The client under Dataverse's service protection, against the sandbox over real HTTP: 429
//! storms honoured for every request of the client, the limiter keeping it under the limits, and
//! retries of server errors.

mod common;

use std::time::{Duration, Instant};

use common::Org;
use dynasync_dynamics::ServiceProtection;
use futures_util::TryStreamExt;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_throttle_storm_is_waited_out_as_retry_after_says() {
    let org = Org::start().await;
    org.client.who_am_i().await.unwrap();
    org.control(Method::PUT, "faults", json!({ "dataverse": { "storm": { "kind": "throttle", "requests": 2, "retryAfterSecs": 1 } } })).await;
    let started = Instant::now();
    org.client.who_am_i().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two 429s of one second each: {:?}",
        started.elapsed()
    );
    assert_eq!(org.calls("dataverse", "GET WhoAmI", 429).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_no_request_of_the_client_goes_out_before_retry_after() {
    let org = Org::start().await;
    org.client.who_am_i().await.unwrap();
    org.control(Method::PUT, "faults", json!({ "dataverse": { "storm": { "kind": "throttle", "requests": 1, "retryAfterSecs": 2 } } })).await;
    let first = tokio::spawn({
        let client = org.client.clone();
        async move { client.who_am_i().await }
    });
    let throttled_at = loop {
        if org.calls("dataverse", "GET WhoAmI", 429).await == 1 {
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Another request of the same client, started after the 429, waits too.
    org.client.current_organization().await.unwrap();
    assert!(
        throttled_at.elapsed() >= Duration::from_millis(1_900),
        "it went out {:?} after the 429",
        throttled_at.elapsed()
    );
    first.await.unwrap().unwrap();
    let metrics = org.control(Method::GET, "metrics", Value::Null).await;
    assert_eq!(
        metrics["dataverse"]["endpoints"]["GET RetrieveCurrentOrganization(id)"]["total"], 1,
        "and was sent once, not refused"
    );
}

#[tokio::test]
async fn the_limiter_keeps_the_client_under_the_request_window() {
    let org = Org::start_with(ServiceProtection {
        requests_per_window: 10,
        window: Duration::from_secs(2),
        concurrent_requests: 52,
    })
    .await;
    org.set_limits(|l| {
        l["dataverse"]["requestsPerWindow"] = json!(10);
        l["dataverse"]["windowSecs"] = json!(2);
    })
    .await;
    let started = Instant::now();
    for _ in 0..25 {
        org.client.who_am_i().await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "25 requests at 10 per 2 s take two windows and more"
    );
    assert_eq!(
        org.calls("dataverse", "GET WhoAmI", 429).await,
        0,
        "never refused: the client stayed under the limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_limiter_keeps_concurrent_requests_under_the_limit() {
    let org = Org::start_with(ServiceProtection {
        concurrent_requests: 2,
        ..ServiceProtection::default()
    })
    .await;
    org.seed_contacts(2_000).await;
    org.set_limits(|l| l["dataverse"]["concurrentRequests"] = json!(2))
        .await;
    let reads = (0..12).map(|_| {
        let client = org.client.clone();
        tokio::spawn(async move {
            client
                .query("contacts")
                .pages()
                .try_collect::<Vec<_>>()
                .await
        })
    });
    for read in reads {
        read.await.unwrap().unwrap();
    }
    assert_eq!(org.calls("dataverse", "GET contacts", 429).await, 0);
    let metrics = org.control(Method::GET, "metrics", Value::Null).await;
    assert!(
        metrics["dataverse"]["maxInFlight"].as_u64().unwrap() <= 2,
        "{}",
        metrics["dataverse"]["maxInFlight"]
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let org = Org::start().await;
    org.client.who_am_i().await.unwrap();
    org.control(
        Method::PUT,
        "faults",
        json!({ "dataverse": { "serverErrorRate": 0.25 } }),
    )
    .await;
    for _ in 0..4 {
        org.client.who_am_i().await.unwrap();
    }
    let metrics = org.control(Method::GET, "metrics", Value::Null).await;
    let by_status = &metrics["dataverse"]["endpoints"]["GET WhoAmI"]["byStatus"];
    let failed: u64 = ["500", "502", "503"]
        .iter()
        .filter_map(|s| by_status[*s].as_u64())
        .sum();
    assert!(
        failed > 0,
        "some calls failed and were retried: {by_status}"
    );
    org.control(
        Method::PUT,
        "faults",
        json!({ "dataverse": { "serverErrorRate": 1.0 } }),
    )
    .await;
    let error = org.client.who_am_i().await.unwrap_err();
    assert!(
        error.is_retryable(),
        "after five attempts the error is handed back, still retryable: {error}"
    );
}

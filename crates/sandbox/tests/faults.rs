//! Every fault the control API can switch on at run time, each observed by a real HTTP request and
//! gone again once switched off. The faults pinned by an emulator's own conformance tests are
//! listed here with the test that pins them, so this file is the whole list:
//!
//! | fault                                   | pinned by                                                      |
//! |-----------------------------------------|----------------------------------------------------------------|
//! | a share of 5xx                          | `a_share_of_server_errors_fails_requests_until_switched_off`  |
//! | dropped connections                     | `dropped_connections_give_no_answer_until_switched_off`       |
//! | added latency                           | `added_latency_delays_answers_until_switched_off`             |
//! | slow bodies                             | `slow_bodies_trickle_until_switched_off`                       |
//! | Dataverse 429 storm                     | `dataverse_access.rs`: `a_throttle_storm_answers_429_with_its_retry_after` |
//! | Marketo 606 and 615 storms              | `marketo_limits.rs`: `storms_answer_with_the_documented_limit_errors` |
//! | token revocation (Entra ID, Marketo)    | `revoked_tokens_fail_until_the_client_gets_a_new_one`         |
//! | daily quota exhaustion (607)            | `marketo_limits.rs`: `an_exhausted_quota_gives_607_until_midnight_us_central` |
//! | a column deleted from Dynamics          | `dataverse_metadata.rs`: `a_deleted_column_disappears_from_metadata_and_queries` |
//! | a secured column                        | `dataverse_query.rs`: field security on reads; `dataverse_writes.rs`: on writes |
//! | limits on/off and their numbers         | `limits_change_at_run_time_numbers_and_enforcement_alike`     |
//! | token lifetimes and the clock           | `token_lifetimes_set_at_run_time_expire_by_the_sandbox_clock` |

mod dataverse_common;
mod marketo_support;

use std::time::{Duration, Instant};

use dataverse_common::{Org, app_token};
use dynasync_sandbox::{FaultConfig, Limits};
use marketo_support::{Marketo, error_code, ok};
use reqwest::Method;
use serde_json::{Value, json};

async fn set_faults(org: &Org, faults: Value) {
    org.control(Method::PUT, "faults", faults).await;
}

async fn who_am_i(org: &Org) -> reqwest::Result<u16> {
    let response = org.get("WhoAmI").send().await?;
    let status = response.status().as_u16();
    response.bytes().await?;
    Ok(status)
}

/// How long a whole WhoAmI answer takes to come in, and its size.
async fn timed_who_am_i(org: &Org) -> (Duration, usize) {
    let started = Instant::now();
    let body = org
        .get("WhoAmI")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    (started.elapsed(), body.len())
}

/// Changes a sandbox's limits through the control API.
async fn set_limits(http: &reqwest::Client, control_url: &str, change: impl FnOnce(&mut Value)) {
    let url = format!("{control_url}limits");
    let mut limits: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    change(&mut limits);
    http.put(&url)
        .json(&limits)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn a_share_of_server_errors_fails_requests_until_switched_off() {
    let org = Org::start().await;
    set_faults(&org, json!({"dataverse": {"serverErrorRate": 1.0}})).await;
    for _ in 0..5 {
        let status = who_am_i(&org).await.unwrap();
        assert!(
            [500, 502, 503].contains(&status),
            "got {status} with every request set to fail"
        );
    }
    set_faults(&org, json!({"dataverse": {"serverErrorRate": 0.5}})).await;
    let mut failed = 0;
    for _ in 0..40 {
        failed += usize::from(who_am_i(&org).await.unwrap() >= 500);
    }
    assert!(
        (5..=35).contains(&failed),
        "about half of 40 requests fail at a 0.5 share, not {failed}"
    );
    set_faults(&org, json!({})).await;
    assert_eq!(
        who_am_i(&org).await.unwrap(),
        200,
        "faults are off again: the answer is normal"
    );
}

#[tokio::test]
async fn dropped_connections_give_no_answer_until_switched_off() {
    let org = Org::start().await;
    set_faults(&org, json!({"dataverse": {"dropRate": 1.0}})).await;
    assert!(
        who_am_i(&org).await.is_err(),
        "a dropped connection must surface as a transport error"
    );
    set_faults(&org, json!({})).await;
    assert_eq!(who_am_i(&org).await.unwrap(), 200);
}

#[tokio::test]
async fn added_latency_delays_answers_until_switched_off() {
    let org = Org::start().await;
    set_faults(&org, json!({"dataverse": {"latencyMs": 400}})).await;
    let (took, _) = timed_who_am_i(&org).await;
    assert!(
        took >= Duration::from_millis(400),
        "late, but answered: {took:?}"
    );
    set_faults(&org, json!({})).await;
    let (took, _) = timed_who_am_i(&org).await;
    assert!(
        took < Duration::from_millis(400),
        "no delay once switched off: {took:?}"
    );
}

#[tokio::test]
async fn slow_bodies_trickle_until_switched_off() {
    let org = Org::start().await;
    let (_, size) = timed_who_am_i(&org).await;
    set_faults(&org, json!({"dataverse": {"slowBodyBytesPerSec": 100}})).await;
    let (took, slow) = timed_who_am_i(&org).await;
    assert_eq!(slow, size, "a slow body is still the whole body");
    // 100 bytes per second go out in ten-byte chunks every 100 ms.
    let trickle = Duration::from_millis(10 * size as u64);
    assert!(took >= trickle, "{size} bytes came in {took:?}");
    set_faults(&org, json!({})).await;
    let (took, _) = timed_who_am_i(&org).await;
    assert!(
        took < trickle / 2,
        "the body comes at once when switched off: {took:?}"
    );
}

#[tokio::test]
async fn rates_outside_zero_to_one_are_refused() {
    let org = Org::start().await;
    let response = org
        .http
        .put(org.control_url("faults"))
        .json(&json!({"marketo": {"serverErrorRate": 1.5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let current: FaultConfig =
        serde_json::from_value(org.control(Method::GET, "faults", Value::Null).await).unwrap();
    assert_eq!(
        current,
        FaultConfig::default(),
        "a refused change must change nothing"
    );
}

#[tokio::test]
async fn revoked_tokens_fail_until_the_client_gets_a_new_one() {
    let mut org = Org::start().await;
    let revoked = org.control(Method::POST, "entra/revoke", Value::Null).await;
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(
        who_am_i(&org).await.unwrap(),
        401,
        "Dataverse refuses a revoked token"
    );
    org.token = app_token(&org.http, &org.sandbox).await;
    assert_eq!(
        who_am_i(&org).await.unwrap(),
        200,
        "a new token is accepted"
    );

    let mut m = Marketo::start().await;
    ok(&m.get("/v1/leads/describe.json", &[]).await);
    m.act(Method::POST, "tokens/revoke", Value::Null).await;
    assert_eq!(
        error_code(&m.get("/v1/leads/describe.json", &[]).await),
        "601",
        "Marketo refuses a revoked token"
    );
    m.renew_token().await;
    ok(&m.get("/v1/leads/describe.json", &[]).await);
}

#[tokio::test]
async fn limits_change_at_run_time_numbers_and_enforcement_alike() {
    let m = Marketo::start_with(Limits::default()).await;
    let control = m.sandbox.info().control_url.clone();
    set_limits(&m.http, &control, |l| {
        l["marketo"]["callsPerWindow"] = json!(3)
    })
    .await;
    for _ in 0..3 {
        ok(&m.get("/v1/leads/describe.json", &[]).await);
    }
    assert_eq!(
        error_code(&m.get("/v1/leads/describe.json", &[]).await),
        "606",
        "the fourth call in the window is over a limit of 3"
    );
    set_limits(&m.http, &control, |l| {
        l["marketo"]["enforced"] = json!(false)
    })
    .await;
    ok(&m.get("/v1/leads/describe.json", &[]).await);
    set_limits(&m.http, &control, |l| {
        l["marketo"]["enforced"] = json!(true)
    })
    .await;
    assert_eq!(
        error_code(&m.get("/v1/leads/describe.json", &[]).await),
        "606",
        "enforced again, the window is still full"
    );
}

#[tokio::test]
async fn token_lifetimes_set_at_run_time_expire_by_the_sandbox_clock() {
    let mut org = Org::start().await;
    org.set_limits(|l| l["tokens"]["entraSecs"] = json!(120))
        .await;
    org.token = app_token(&org.http, &org.sandbox).await;
    assert_eq!(who_am_i(&org).await.unwrap(), 200);
    org.control(Method::POST, "clock/advance", json!({"seconds": 121}))
        .await;
    assert_eq!(
        who_am_i(&org).await.unwrap(),
        401,
        "a 120 s Entra token is expired 121 s later by the sandbox clock"
    );

    let mut m = Marketo::start().await;
    set_limits(&m.http, &m.sandbox.info().control_url, |l| {
        l["tokens"]["marketoSecs"] = json!(60);
    })
    .await;
    // Identity hands out the same token until it expires: the new lifetime applies to the next.
    m.advance_clock(3_601).await;
    m.renew_token().await;
    ok(&m.get("/v1/leads/describe.json", &[]).await);
    m.advance_clock(61).await;
    assert_eq!(
        error_code(&m.get("/v1/leads/describe.json", &[]).await),
        "602",
        "a 60 s Marketo token is expired 61 s later"
    );
}

//! Identity and access tokens over raw HTTP (`authentication.md`, `error-codes.md`, samples m01,
//! m02, m10, m11).

mod marketo_support;

use dynasync_sandbox::Limits;
use marketo_support::{Marketo, error_code, http, ok, token};
use serde_json::Value;

async fn identity(m: &Marketo, method: reqwest::Method, secret: &str) -> reqwest::Response {
    let info = &m.sandbox.info().marketo;
    http()
        .request(method, format!("{}/oauth/token", info.identity_url))
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", &info.client_id.to_string()),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn identity_returns_the_same_bearer_token_by_get_or_post_until_it_expires() {
    let m = Marketo::start().await;
    let secret = m.sandbox.info().marketo.client_secret.clone();
    let first: Value = identity(&m, reqwest::Method::GET, &secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["token_type"], "bearer");
    let life = first["expires_in"].as_i64().unwrap();
    assert!(
        (3595..=3600).contains(&life),
        "a token lives 3,600 s and this one was issued moments ago: {life}"
    );
    assert!(
        first["scope"].as_str().unwrap().contains('@'),
        "scope is the API user: {first}"
    );
    let again: Value = identity(&m, reqwest::Method::POST, &secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["access_token"], first["access_token"],
        "calling Identity before expiry returns the same token"
    );
    m.advance_clock(1800).await;
    let later: Value = identity(&m, reqwest::Method::GET, &secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(later["access_token"], first["access_token"]);
    let left = later["expires_in"].as_i64().unwrap();
    assert!(
        (1795..=1800).contains(&left),
        "expires_in is the remaining lifetime, got {left}"
    );
}

#[tokio::test]
async fn a_bad_client_secret_gets_401_with_an_oauth_error_body() {
    let m = Marketo::start().await;
    let response = identity(&m, reqwest::Method::GET, "wrong").await;
    assert_eq!(
        response.status(),
        401,
        "Identity answers bad credentials with 401"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_description"], "Bad client credentials");
}

#[tokio::test]
async fn an_unknown_token_gets_601_and_an_expired_one_602_with_http_200() {
    let mut limits = Limits::unthrottled();
    limits.tokens.marketo_secs = 60;
    let m = Marketo::start_with(limits).await;
    let url = m.rest("/v1/leads/describe.json");
    let garbage = http()
        .get(&url)
        .bearer_auth("nonsense:int")
        .send()
        .await
        .unwrap();
    assert_eq!(
        garbage.status(),
        200,
        "token errors are API errors, HTTP 200"
    );
    assert_eq!(error_code(&garbage.json().await.unwrap()), "601");
    assert_eq!(
        error_code(&http().get(&url).send().await.unwrap().json().await.unwrap()),
        "601"
    );
    ok(&m.get("/v1/leads/describe.json", &[]).await);
    m.advance_clock(61).await;
    let expired: Value = http()
        .get(&url)
        .bearer_auth(&m.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        error_code(&expired),
        "602",
        "the token lifetime is configurable: {expired}"
    );
    assert_eq!(expired["errors"][0]["message"], "Access token expired");
    let renewed = token(&http(), &m.sandbox).await;
    assert_ne!(
        renewed, m.token,
        "an expired token is replaced by a new one"
    );
}

#[tokio::test]
async fn the_deprecated_access_token_parameter_is_still_accepted() {
    let m = Marketo::start().await;
    let body: Value = http()
        .get(m.rest("/v1/leads/describe.json"))
        .query(&[("access_token", m.token.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !ok(&body).is_empty(),
        "until 2026-08-31 the query parameter still authenticates"
    );
}

#[tokio::test]
async fn identity_calls_and_token_errors_are_not_counted_in_usage() {
    let m = Marketo::start().await;
    for _ in 0..3 {
        token(&http(), &m.sandbox).await;
        http()
            .get(m.rest("/v1/leads/describe.json"))
            .bearer_auth("bad")
            .send()
            .await
            .unwrap();
    }
    let usage = m.get("/v1/stats/usage.json", &[]).await;
    assert_eq!(
        ok(&usage)[0]["total"],
        0,
        "Identity calls and 601s do not count against the quota (the usage call counts once answered): {usage}"
    );
    let errors = m.get("/v1/stats/errors.json", &[]).await;
    assert_eq!(ok(&errors)[0]["errors"][0]["errorCode"], "601");
    assert_eq!(ok(&errors)[0]["errors"][0]["count"], 3);
}

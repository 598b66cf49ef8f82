//! Identity: token reuse, renewal on 601/602, bad credentials and HTTPS with the sandbox CA.

mod support;

use dynasync_marketo::{Limits, MarketoClient, Secret};
use dynasync_sandbox::{Sandbox, SandboxConfig, TlsOptions};
use reqwest::Method;
use serde_json::Value;
use support::{Fixture, client};
use url::Url;

const IDENTITY: &str = "GET /identity/oauth/token";

#[tokio::test]
async fn one_token_serves_many_calls() {
    let f = Fixture::unthrottled().await;
    for _ in 0..5 {
        f.client.describe_leads().await.unwrap();
    }
    assert_eq!(
        f.calls(IDENTITY).await,
        1,
        "the token is reused until it expires"
    );
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_renewed_once_and_the_run_goes_on() {
    let f = Fixture::unthrottled().await;
    f.client.describe_leads().await.unwrap();
    f.advance_clock(3_601).await;
    f.client
        .describe_leads()
        .await
        .expect("602, a new token, and the call again");
    let metrics = f.metrics().await;
    let describe = &metrics["endpoints"]["GET /rest/v1/leads/describe2.json"];
    assert_eq!(
        describe["total"], 3,
        "the first call, the 602 and the retry: {describe}"
    );
    assert_eq!(f.calls(IDENTITY).await, 2);
    f.control(Method::POST, "marketo/tokens/revoke", Value::Null)
        .await;
    f.client
        .describe_leads()
        .await
        .expect("601, a new token, and the call again");
    assert_eq!(f.calls(IDENTITY).await, 3);
}

#[tokio::test]
async fn a_bad_secret_is_an_auth_error() {
    let f = Fixture::unthrottled().await;
    let wrong = client(&f.sandbox, Limits::unlimited(), "not-the-secret");
    let error = wrong.describe_leads().await.unwrap_err();
    assert!(error.is_auth(), "{error}");
    assert!(
        error.to_string().contains("Bad client credentials"),
        "{error}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn https_works_with_the_sandbox_ca() {
    let dir = std::env::temp_dir().join(format!("dynasync-marketo-tls-{}", std::process::id()));
    let sandbox = Sandbox::start(SandboxConfig {
        tls: Some(TlsOptions {
            dir: dir.clone(),
            extra_names: vec![],
        }),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let info = &sandbox.info().marketo;
    assert!(info.rest_url.starts_with("https://"));
    let ca = std::fs::read(sandbox.info().ca_cert.as_ref().unwrap()).unwrap();
    let client = MarketoClient::builder(
        Url::parse(&info.rest_url).unwrap(),
        Url::parse(&info.identity_url).unwrap(),
        info.client_id.to_string(),
        Secret::new(info.client_secret.clone()),
    )
    .root_certificate(&ca)
    .build()
    .unwrap();
    client
        .describe_leads()
        .await
        .expect("trusting the sandbox CA");
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

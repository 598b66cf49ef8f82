//! A sandbox and a client pointed at it, and the control API calls the tests make.

#![allow(dead_code, unreachable_pub)]

use dynasync_marketo::{Limits, MarketoClient, Secret};
use dynasync_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use url::Url;

pub struct Fixture {
    pub sandbox: Sandbox,
    pub client: MarketoClient,
    http: reqwest::Client,
}

impl Fixture {
    /// A sandbox with its limits switched off, and a client with no rate limit.
    pub async fn unthrottled() -> Fixture {
        Fixture::start(dynasync_sandbox::Limits::unthrottled(), Limits::unlimited()).await
    }

    /// A sandbox and a client both with Marketo's documented limits.
    pub async fn documented() -> Fixture {
        Fixture::start(dynasync_sandbox::Limits::default(), Limits::default()).await
    }

    pub async fn start(sandbox_limits: dynasync_sandbox::Limits, limits: Limits) -> Fixture {
        let sandbox = Sandbox::start(SandboxConfig {
            limits: sandbox_limits,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let client = client(
            &sandbox,
            limits,
            &sandbox.info().marketo.client_secret.clone(),
        );
        let _ = rustls::crypto::ring::default_provider().install_default();
        Fixture {
            sandbox,
            client,
            http: reqwest::Client::new(),
        }
    }

    pub fn control_url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.info().control_url)
    }

    /// A control API call that must succeed; its JSON answer, if any.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method.clone(), self.control_url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn metrics(&self) -> Value {
        self.http
            .get(self.control_url("metrics"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["marketo"]
            .clone()
    }

    /// Calls of one endpoint label answered with HTTP 200.
    pub async fn calls(&self, endpoint: &str) -> u64 {
        self.metrics().await["endpoints"][endpoint]["byStatus"]["200"]
            .as_u64()
            .unwrap_or(0)
    }

    pub async fn faults(&self, faults: Value) {
        self.control(reqwest::Method::PUT, "faults", faults).await;
    }

    pub async fn advance_clock(&self, seconds: u64) {
        self.control(
            reqwest::Method::POST,
            "clock/advance",
            json!({ "seconds": seconds }),
        )
        .await;
    }
}

/// A client for the sandbox with the given limits and secret.
pub fn client(sandbox: &Sandbox, limits: Limits, secret: &str) -> MarketoClient {
    let info = &sandbox.info().marketo;
    MarketoClient::builder(
        Url::parse(&info.rest_url).unwrap(),
        Url::parse(&info.identity_url).unwrap(),
        info.client_id.to_string(),
        Secret::new(secret),
    )
    .limits(limits)
    .build()
    .expect("the client builds")
}

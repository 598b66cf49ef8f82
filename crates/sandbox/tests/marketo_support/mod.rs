//! A raw-HTTP Marketo caller for the conformance tests: it authenticates with the Identity service,
//! sends REST calls with `Authorization: Bearer`, and keeps every exchange so that the Swagger test
//! can check what went over the wire.

#![allow(dead_code, unreachable_pub)]

use std::sync::Mutex;

use dynasync_sandbox::{Limits, Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// One REST call as it went over the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub status: u16,
    pub response: Value,
}

pub struct Marketo {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
    pub exchanges: Mutex<Vec<Exchange>>,
}

/// A plain HTTP client (ring is the workspace's one TLS crypto provider).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

impl Marketo {
    /// A sandbox whose limits are not enforced (sizes still are), authenticated.
    pub async fn start() -> Marketo {
        Marketo::start_with(Limits::unthrottled()).await
    }

    pub async fn start_with(limits: Limits) -> Marketo {
        let sandbox = Sandbox::start(SandboxConfig {
            limits,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let http = http();
        let token = token(&http, &sandbox).await;
        Marketo {
            sandbox,
            http,
            token,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    /// A fresh token, after the clock moved past the old one's lifetime.
    pub async fn renew_token(&mut self) {
        self.token = token(&self.http, &self.sandbox).await;
    }

    /// `{rest_url}{path}`, e.g. `rest("/v1/leads.json")`.
    pub fn rest(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.info().marketo.rest_url)
    }

    pub fn control(&self, path: &str) -> String {
        format!("{}marketo/{path}", self.sandbox.info().control_url)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method.clone(), self.rest(path))
            .bearer_auth(&self.token)
            .query(query);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let response: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path} answered non-JSON ({e}): {text}"));
        self.exchanges.lock().unwrap().push(Exchange {
            method: method.to_string(),
            path: format!("/rest{path}"),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body,
            status,
            response: response.clone(),
        });
        assert_eq!(
            status, 200,
            "Marketo answers API errors with HTTP 200: {response}"
        );
        response
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, &[], Some(body))
            .await
    }

    pub async fn post_query(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        self.send(reqwest::Method::POST, path, query, body).await
    }

    pub async fn delete(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.send(reqwest::Method::DELETE, path, query, None).await
    }

    /// A control API call; panics unless it succeeds.
    pub async fn act(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method.clone(), self.control(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(
            status.is_success(),
            "control {method} {path}: {status} {text}"
        );
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    /// Creates people through the sync API (createOnly by email) and returns their ids.
    pub async fn create_leads(&self, leads: Vec<Value>) -> Vec<i64> {
        let response = self
            .post(
                "/v1/leads.json",
                json!({ "action": "createOnly", "lookupField": "email", "input": leads }),
            )
            .await;
        ok(&response)
            .iter()
            .map(|r| {
                assert_eq!(r["status"], "created", "{response}");
                r["id"].as_i64().unwrap()
            })
            .collect()
    }

    pub async fn snapshot(&self) -> Value {
        self.http
            .get(format!("{}snapshot", self.sandbox.info().control_url))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["marketo"]
            .clone()
    }

    pub async fn metrics(&self) -> Value {
        self.http
            .get(format!("{}metrics", self.sandbox.info().control_url))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["marketo"]
            .clone()
    }

    pub async fn advance_clock(&self, seconds: u64) {
        self.http
            .post(format!("{}clock/advance", self.sandbox.info().control_url))
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
    }
}

/// A token from the Identity service.
pub async fn token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    let info = &sandbox.info().marketo;
    let response: Value = http
        .get(format!("{}/oauth/token", info.identity_url))
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", &info.client_id.to_string()),
            ("client_secret", &info.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// The `result` of a successful response.
pub fn ok(response: &Value) -> &Vec<Value> {
    assert_eq!(response["success"], true, "expected success: {response}");
    response["result"].as_array().expect("a result array")
}

/// The one response-level error code of a failed response.
pub fn error_code(response: &Value) -> String {
    assert_eq!(response["success"], false, "expected a failure: {response}");
    response["errors"][0]["code"]
        .as_str()
        .expect("codes are quoted integers")
        .to_owned()
}

/// The record-level reason code of a skipped result item.
pub fn reason(item: &Value) -> String {
    assert_eq!(
        item["status"], "skipped",
        "expected a skipped record: {item}"
    );
    item["reasons"][0]["code"].as_str().unwrap().to_owned()
}

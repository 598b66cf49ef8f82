//! What the Dataverse conformance tests share: a running sandbox, a token for the sync user got
//! from its Entra ID over HTTP, and requests with the headers the docs put on every call.

#![allow(dead_code, unreachable_pub)]

use dynasync_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub struct Org {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
}

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Gets a token with the client-credentials grant, as the server-to-server app.
pub async fn app_token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    let info = sandbox.info();
    let response = http
        .post(&info.entra.token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &info.app.client_id.to_string()),
            ("client_secret", &info.app.client_secret),
            ("scope", &info.dataverse.scope),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the sync app gets a token");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

impl Org {
    pub async fn start() -> Org {
        Org::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Org {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let http = http();
        let token = app_token(&http, &sandbox).await;
        Org {
            sandbox,
            http,
            token,
        }
    }

    /// `{web api url}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.info().dataverse.web_api_url)
    }

    pub fn control_url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.info().control_url)
    }

    /// A Web API request with the sync user's token and the OData headers.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("OData-MaxVersion", "4.0")
            .header("OData-Version", "4.0")
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// A control API call, asserting it succeeds.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
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
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    /// Creates a record as Dana Whitfield through the control API and returns its id.
    pub async fn seed(&self, set: &str, fields: Value) -> String {
        let record = self
            .control(
                Method::POST,
                &format!("dynamics/{set}"),
                json!({ "as": "Dana Whitfield", "fields": fields }),
            )
            .await;
        let key = primary_key(set);
        record[key.as_str()].as_str().unwrap().to_owned()
    }

    /// Loads `n` contacts in bulk and returns their ids.
    pub async fn seed_contacts(&self, n: usize) -> Vec<String> {
        let rows: Vec<Value> = (0..n)
            .map(|i| json!({ "firstname": format!("First{i:05}"), "lastname": format!("Last{i:05}"), "emailaddress1": format!("person{i:05}@example.com") }))
            .collect();
        let answer = self
            .control(
                Method::POST,
                "dynamics/contacts/bulk",
                json!({ "as": "Dana Whitfield", "rows": rows }),
            )
            .await;
        answer["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn set_limits(&self, change: impl FnOnce(&mut Value)) {
        let mut limits = self.control(Method::GET, "limits", Value::Null).await;
        change(&mut limits);
        self.control(Method::PUT, "limits", limits).await;
    }
}

pub fn primary_key(set: &str) -> String {
    let singular = match set {
        "opportunities" => "opportunity",
        other => other.strip_suffix('s').unwrap_or(other),
    };
    format!("{singular}id")
}

/// Reads a Dataverse error body and checks its documented shape.
pub async fn error_of(response: Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("an error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code is a string")
        .to_owned();
    let message = body["error"]["message"]
        .as_str()
        .expect("error.message is a string")
        .to_owned();
    (status, code, message)
}

//! A sandbox and a client pointed at it, for the client's tests over real HTTP.

#![allow(dead_code, unreachable_pub)]

use dynasync_dynamics::{Auth, DataverseClient, Secret, ServiceProtection};
use dynasync_sandbox::{Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

pub struct Org {
    pub sandbox: Sandbox,
    pub client: DataverseClient,
    http: reqwest::Client,
}

pub fn app_auth(sandbox: &Sandbox) -> Auth {
    let info = sandbox.info();
    Auth::ClientCredentials {
        authority_host: Url::parse(&info.entra.authority_host).unwrap(),
        tenant: info.entra.tenant_id.to_string(),
        client_id: info.app.client_id.to_string(),
        client_secret: Secret::new(info.app.client_secret.clone()),
    }
}

pub fn client(sandbox: &Sandbox, auth: Auth, protection: ServiceProtection) -> DataverseClient {
    DataverseClient::builder(Url::parse(&sandbox.info().dataverse.org_url).unwrap(), auth)
        .protection(protection)
        .build()
        .unwrap()
}

impl Org {
    pub async fn start() -> Org {
        Org::start_with(ServiceProtection::default()).await
    }

    pub async fn start_with(protection: ServiceProtection) -> Org {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let client = client(&sandbox, app_auth(&sandbox), protection);
        Org {
            sandbox,
            client,
            http: reqwest::Client::new(),
        }
    }

    /// A control API call, asserting it succeeds.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.sandbox.info().control_url);
        let response = self
            .http
            .request(method.clone(), url)
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

    pub async fn seed_contacts(&self, n: usize) -> Vec<String> {
        let rows: Vec<Value> = (0..n).map(|i| json!({ "firstname": format!("First{i:04}"), "lastname": format!("Last{i:04}") })).collect();
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

    /// Calls of one endpoint (`GET WhoAmI`) by status, from the sandbox's metrics.
    pub async fn calls(&self, service: &str, endpoint: &str, status: u16) -> u64 {
        let metrics = self.control(Method::GET, "metrics", Value::Null).await;
        metrics[service]["endpoints"][endpoint]["byStatus"][status.to_string()]
            .as_u64()
            .unwrap_or(0)
    }
}

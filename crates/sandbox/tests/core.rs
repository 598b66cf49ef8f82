//! The sandbox's own machinery over real HTTP: start-up, the control API, metrics and HTTPS
//! (network faults are in `faults.rs`). The emulators' behaviour is pinned by their own conformance tests.

use dynasync_sandbox::{Sandbox, SandboxConfig, TlsOptions};
use serde_json::{Value, json};

/// A plain HTTP client (ring is the workspace's one TLS crypto provider).
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    http().get(url).send().await
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn control(sandbox: &Sandbox, path: &str) -> String {
    format!("{}{path}", sandbox.info().control_url)
}

#[tokio::test]
async fn the_control_api_describes_the_running_sandbox() {
    let sandbox = start().await;
    let info: Value = get(control(&sandbox, ""))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info, serde_json::to_value(sandbox.info()).unwrap());
    assert!(
        info["dataverse"]["webApiUrl"]
            .as_str()
            .unwrap()
            .ends_with("/api/data/v9.2/")
    );
    assert_eq!(
        info["dataverse"]["scope"],
        json!(format!(
            "{}/.default",
            info["dataverse"]["orgUrl"].as_str().unwrap()
        ))
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_clock_only_moves_forward_when_told() {
    let sandbox = start().await;
    let client = http();
    let now = |v: Value| chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap();
    let before = now(client
        .get(control(&sandbox, "clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap());
    let after: Value = client
        .post(control(&sandbox, "clock/advance"))
        .json(&json!({"seconds": 86_400}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(now(after) - before >= chrono::Duration::days(1));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn metrics_count_calls_per_endpoint_and_status_and_reset() {
    let sandbox = start().await;
    let url = format!("{}/v1/leads.json", sandbox.info().marketo.rest_url);
    for _ in 0..3 {
        get(&url).await.unwrap();
    }
    let metrics: Value = get(control(&sandbox, "metrics"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metrics["marketo"]["total"], json!(3));
    assert_eq!(metrics["marketo"]["maxIn20s"], json!(3));
    assert_eq!(metrics["dataverse"]["total"], json!(0));
    let counted: u64 = metrics["marketo"]["endpoints"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["total"].as_u64().unwrap())
        .sum();
    assert_eq!(
        counted, 3,
        "every call is counted under an endpoint: {metrics}"
    );
    http()
        .post(control(&sandbox, "metrics/reset"))
        .send()
        .await
        .unwrap();
    let metrics: Value = get(control(&sandbox, "metrics"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metrics["marketo"]["total"], json!(0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn https_is_trusted_through_the_generated_ca_only() {
    let dir = std::env::temp_dir().join(format!("dynasync-sandbox-tls-{}", std::process::id()));
    let config = SandboxConfig {
        tls: Some(TlsOptions {
            dir: dir.clone(),
            extra_names: vec!["sandbox.test".into()],
        }),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let url = sandbox.info().entra.token_url.clone();
    assert!(url.starts_with("https://localhost:"), "{url}");
    assert!(
        get(&url).await.is_err(),
        "without the sandbox CA the certificate must not be trusted"
    );
    let ca = std::fs::read(
        sandbox
            .info()
            .ca_cert
            .as_ref()
            .expect("CA path in the info"),
    )
    .unwrap();
    let _ = http();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    client
        .get(&url)
        .send()
        .await
        .expect("with the CA, HTTPS works");
    assert!(
        sandbox.info().control_url.starts_with("http://127.0.0.1:"),
        "the control API stays plain HTTP"
    );
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

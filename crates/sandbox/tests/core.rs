//! The sandbox's own machinery over real HTTP: start-up, the control API, network faults, metrics
//! and HTTPS. The emulators' behaviour is pinned by their own conformance tests.

use std::time::{Duration, Instant};

use dynasync_sandbox::{FaultConfig, Sandbox, SandboxConfig, TlsOptions};
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

async fn set_faults(sandbox: &Sandbox, faults: Value) {
    let response = http()
        .put(control(sandbox, "faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
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
async fn injected_server_errors_hit_every_request_and_stop_when_switched_off() {
    let sandbox = start().await;
    let url = format!("{}WhoAmI", sandbox.info().dataverse.web_api_url);
    set_faults(&sandbox, json!({"dataverse": {"serverErrorRate": 1.0}})).await;
    for _ in 0..5 {
        let status = get(&url).await.unwrap().status().as_u16();
        assert!(
            [500, 502, 503].contains(&status),
            "got {status} with every request set to fail"
        );
    }
    set_faults(&sandbox, json!({})).await;
    let status = get(&url).await.unwrap().status().as_u16();
    assert!(
        ![500, 502, 503].contains(&status),
        "faults are off again, yet the answer is {status}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_gives_the_client_no_answer() {
    let sandbox = start().await;
    set_faults(&sandbox, json!({"marketo": {"dropRate": 1.0}})).await;
    let url = format!("{}/v1/leads.json", sandbox.info().marketo.rest_url);
    let outcome = match get(&url).await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(
        outcome.is_err(),
        "a dropped connection must surface as a transport error"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn added_latency_delays_every_answer() {
    let sandbox = start().await;
    set_faults(&sandbox, json!({"entra": {"latencyMs": 300}})).await;
    let started = Instant::now();
    get(&sandbox.info().entra.token_url).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_bodies_trickle_out() {
    let sandbox = start().await;
    let url = format!("{}WhoAmI", sandbox.info().dataverse.web_api_url);
    let size = get(&url).await.unwrap().bytes().await.unwrap().len();
    set_faults(&sandbox, json!({"dataverse": {"slowBodyBytesPerSec": 10}})).await;
    let started = Instant::now();
    let slow = get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(slow.len(), size, "a slow body is still the whole body");
    // 10 bytes per second go out in one-byte chunks every 100 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(100 * size as u64),
        "{size} bytes came in {:?}",
        started.elapsed()
    );
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
async fn rates_outside_zero_to_one_are_refused() {
    let sandbox = start().await;
    let response = http()
        .put(control(&sandbox, "faults"))
        .json(&json!({"marketo": {"serverErrorRate": 1.5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let current: FaultConfig = get(control(&sandbox, "faults"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        current,
        FaultConfig::default(),
        "a refused change must change nothing"
    );
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

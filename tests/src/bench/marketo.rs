//! Marketo throughput and memory.
//!
//! - `marketo_sync`: leads synced through `MarketoClient::sync_leads` in 300-record calls against
//!   a release-built sandbox, (a) 100,000 with the limits switched off (the engine-only ceiling),
//!   and (b) with Marketo's limits on, compared with the 1,500 records/s that 100 calls per 20 s of
//!   300 records allow (goal: at least 0.95 of it). The client lets the first 100 calls of a run go
//!   at once, so (b) first fills the window (30,000 leads) and then measures whole windows: 30,000
//!   leads in quick mode, 90,000 in full — the sustained rate, not the opening burst.
//! - `marketo_memory`: the resident memory a million persons take in the sandbox.

use std::time::Instant;

use dynasync_marketo::{Lead, Limits, MarketoClient, Secret, SyncAction};
use dynasync_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use url::Url;

use super::{Figure, Options, Outcome, Scenario};

pub(super) const SYNC: Scenario = Scenario {
    name: "marketo_sync",
    in_quick: true,
    run: |options| Box::pin(sync(options)),
};

pub(super) const MEMORY: Scenario = Scenario {
    name: "marketo_memory",
    in_quick: false,
    run: |options| Box::pin(memory(options)),
};

const BOUND: f64 = 100.0 / 20.0 * 300.0;

async fn sandbox(limits: dynasync_sandbox::Limits) -> Result<Sandbox, String> {
    Sandbox::start(SandboxConfig {
        limits,
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| e.to_string())
}

fn client(sandbox: &Sandbox, limits: Limits) -> Result<MarketoClient, String> {
    let info = &sandbox.info().marketo;
    let url = |u: &str| Url::parse(u).map_err(|e| e.to_string());
    MarketoClient::builder(
        url(&info.rest_url)?,
        url(&info.identity_url)?,
        info.client_id.to_string(),
        Secret::new(info.client_secret.clone()),
    )
    .limits(limits)
    .build()
    .map_err(|e| e.to_string())
}

/// People as a CRM sync writes them, ten fields each, numbered from `first`.
fn people(first: usize, count: usize) -> Vec<Lead> {
    (first..first + count)
        .map(|i| {
            Lead::new()
                .with("email", format!("person{i}@example.com"))
                .with("firstName", format!("First{i}"))
                .with("lastName", format!("Last{i}"))
                .with("title", "Buyer")
                .with("phone", format!("+1 555 {:07}", i))
                .with("city", "Chicago")
                .with("country", "United States")
                .with("leadSource", "Dynamics")
                .with(
                    "externalPersonId",
                    format!("00000000-0000-4000-8000-{i:012}"),
                )
                .with("externalCompanyId", format!("account-{}", i % 5_000))
        })
        .collect()
}

/// Syncs `count` people from number `first` on and returns records per second, checking every
/// record was created.
async fn rate(client: &MarketoClient, first: usize, count: usize) -> Result<f64, String> {
    let leads = people(first, count);
    let started = Instant::now();
    let outcomes = client
        .sync_leads(SyncAction::CreateOrUpdate, "email", leads)
        .await
        .map_err(|e| e.to_string())?;
    let took = started.elapsed().as_secs_f64();
    if let Some(bad) = outcomes.iter().find(|o| o.is_skipped()) {
        return Err(format!("a lead was skipped: {bad:?}"));
    }
    Ok(count as f64 / took)
}

async fn max_in_20s(sandbox: &Sandbox) -> Result<f64, String> {
    let metrics: Value = reqwest::get(format!("{}metrics", sandbox.info().control_url))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    metrics["marketo"]["maxIn20s"]
        .as_f64()
        .ok_or_else(|| format!("no maxIn20s in {metrics}"))
}

async fn sync(options: Options) -> Outcome {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let off = sandbox(dynasync_sandbox::Limits::unthrottled()).await?;
    let unlimited = rate(&client(&off, Limits::unlimited())?, 0, 100_000).await?;
    off.shutdown().await;

    const WINDOW: usize = 100 * 300;
    let count = if options.quick { WINDOW } else { 3 * WINDOW };
    let on = sandbox(dynasync_sandbox::Limits::default()).await?;
    let limited = client(&on, Limits::default())?;
    rate(&limited, 0, WINDOW).await?;
    let paced = rate(&limited, WINDOW, count).await?;
    let busiest = max_in_20s(&on).await?;
    on.shutdown().await;
    if busiest > 100.0 {
        return Err(format!(
            "{busiest} calls in one 20 s window: over the limit"
        ));
    }
    Ok(vec![
        Figure::new(
            "marketo_sync",
            "100k leads, limits off",
            unlimited,
            "records/s",
        ),
        Figure::new(
            "marketo_sync",
            &format!("{}k leads, limits on, sustained", count / 1000),
            paced,
            "records/s",
        )
        .against(BOUND, "100 calls/20 s × 300 records (goal ≥ 0.95)"),
        Figure::new("marketo_sync", "most calls in any 20 s", busiest, "calls")
            .against(100.0, "Marketo's rate limit"),
    ])
}

/// The process's resident memory, in MiB (Linux).
fn resident_mib() -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("the memory figure reads /proc/self/status: {e}"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(kb / 1024.0)
}

async fn memory(_: Options) -> Outcome {
    let _ = rustls::crypto::ring::default_provider().install_default();
    const PERSONS: usize = 1_000_000;
    const ROWS_PER_CALL: usize = 20_000;
    let sandbox = sandbox(dynasync_sandbox::Limits::unthrottled()).await?;
    let http = reqwest::Client::new();
    let url = format!("{}marketo/leads/bulk", sandbox.info().control_url);
    let before = resident_mib()?;
    for start in (0..PERSONS).step_by(ROWS_PER_CALL) {
        let rows = people(start, ROWS_PER_CALL);
        let response = http
            .post(&url)
            .json(&json!({ "rows": rows }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!(
                "the bulk load failed: {}",
                response.text().await.unwrap_or_default()
            ));
        }
    }
    let grown = resident_mib()? - before;
    sandbox.shutdown().await;
    Ok(vec![
        Figure::new("marketo_memory", "1M persons, resident", grown, "MiB")
            .against(1024.0, "well under 1 GiB for the Marketo side"),
    ])
}

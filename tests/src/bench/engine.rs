//! The engine end to end: a Dynasync installation set up against a sandbox holding only contacts,
//! synced over real HTTP with the engine's own throttling.
//!
//! - `engine_initial_sync`: the first sync of 100,000 contacts (30,000 with `--quick`) with both
//!   APIs' limits on, against the API-bound time: the least time the documented limits allow for
//!   the calls the sync made (100 Marketo calls in any 20 s, 6,000 Dataverse requests in any 300 s).
//! - `engine_only`: the same first sync with every limit off, on both sides (records/s: what the
//!   engine itself costs); then a cycle with no change and a cycle after 1,000 contacts were edited
//!   in Dynamics (calls to each side, per endpoint for the no-change cycle; wall time).
//! - `engine_peak_rss`: the engine's peak resident memory over the first sync of 1,000,000
//!   contacts, limits off. The engine runs in a child process (this binary again, see [`child`]) so
//!   the sandbox's own memory is not counted. Not in `--quick`.

use std::time::Instant;

use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::{ClientLimits, Engine};
use dynasync_sandbox::{Limits, Sandbox, SandboxConfig, SandboxInfo};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Figure, Options, Outcome, Scenario};
use crate::control::Control;
use crate::setup;

pub(super) const INITIAL_SYNC: Scenario = Scenario {
    name: "engine_initial_sync",
    in_quick: true,
    run: |options| Box::pin(initial_sync(options)),
};

pub(super) const ENGINE_ONLY: Scenario = Scenario {
    name: "engine_only",
    in_quick: true,
    run: |options| Box::pin(engine_only(options)),
};

pub(super) const PEAK_RSS: Scenario = Scenario {
    name: "engine_peak_rss",
    in_quick: false,
    run: |options| Box::pin(peak_rss(options)),
};

/// The environment variable that makes `dynasync-bench` the engine child of `engine_peak_rss`.
pub const CHILD: &str = "DYNASYNC_BENCH_ENGINE_CHILD";

/// A sandbox holding `count` contacts, with its limits on or off.
async fn sandbox(count: usize, limits: Limits) -> Result<(Sandbox, Control), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(SandboxConfig {
        limits,
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let control = Control::new(&sandbox.info().control_url);
    const CHUNK: usize = 5_000;
    for first in (0..count).step_by(CHUNK) {
        let rows = (first..count.min(first + CHUNK))
            .map(|i| {
                json!({
                    "firstname": format!("First{i}"),
                    "lastname": format!("Last{i}"),
                    "emailaddress1": format!("person{i}@example.com"),
                    "jobtitle": "Buyer",
                    "telephone1": format!("+1 555 {i:07}"),
                    "address1_city": "Chicago",
                })
            })
            .collect();
        control.dynamics_bulk("contacts", rows).await;
    }
    Ok((sandbox, control))
}

/// An engine on a fresh data directory, set up against `info` with the default fields.
async fn installed(
    info: &SandboxInfo,
    limits: ClientLimits,
) -> Result<(Engine, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let engine = setup::engine(dir.path(), limits);
    setup::configure(&engine, info, &[]).await;
    Ok((engine, dir))
}

/// Runs cycles until one ends with nothing left to do.
async fn sync_to_end(engine: &Engine) -> Result<(), String> {
    loop {
        match engine
            .sync_once("the benchmark", false)
            .await
            .map_err(|e| e.to_string())?
        {
            CycleOutcome::Done { more: false } => return Ok(()),
            CycleOutcome::Done { more: true } => {}
            other => return Err(format!("the sync did not complete: {other:?}")),
        }
    }
}

/// Calls per endpoint of one service since the last reset, identity calls left out (they do not
/// count against Marketo's limits).
fn calls(metrics: &Value, service: &str) -> Vec<(String, f64)> {
    metrics[service]["endpoints"]
        .as_object()
        .map(|endpoints| {
            endpoints
                .iter()
                .filter(|(name, _)| !name.contains("/identity/"))
                .map(|(name, e)| (name.clone(), e["total"].as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default()
}

fn total(calls: &[(String, f64)]) -> f64 {
    calls.iter().map(|c| c.1).sum()
}

/// The least time a sliding-window limit of `per_window` calls allows `count` calls in.
fn window_bound(count: f64, per_window: f64, window_secs: f64) -> f64 {
    ((count - 1.0) / per_window).floor().max(0.0) * window_secs
}

async fn reset(control: &Control) {
    control.call(Method::POST, "metrics/reset", None).await;
}

async fn initial_sync(options: Options) -> Outcome {
    let count = if options.quick { 30_000 } else { 100_000 };
    let (sandbox, control) = sandbox(count, Limits::default()).await?;
    let (engine, _dir) = installed(sandbox.info(), ClientLimits::default()).await?;
    reset(&control).await;
    let started = Instant::now();
    sync_to_end(&engine).await?;
    let took = started.elapsed().as_secs_f64();
    let metrics = control.metrics().await;
    let marketo = total(&calls(&metrics, "marketo"));
    let dataverse = total(&calls(&metrics, "dataverse"));
    let bound = window_bound(marketo, 100.0, 20.0).max(window_bound(dataverse, 6_000.0, 300.0));
    sandbox.shutdown().await;
    let scenario = INITIAL_SYNC.name;
    let label = format!("{}k contacts, limits on", count / 1000);
    Ok(vec![
        Figure::new(scenario, &format!("{label}: wall time"), took, "s").against(
            bound,
            &format!(
                "API-bound time of its {marketo} Marketo calls (100 in any 20 s) and \
                 {dataverse} Dataverse requests (goal ≤ 1.05)"
            ),
        ),
        Figure::new(
            scenario,
            &format!("{label}: rate"),
            count as f64 / took,
            "records/s",
        ),
        Figure::new(
            scenario,
            &format!("{label}: Marketo calls"),
            marketo,
            "calls",
        )
        .against(
            (count as f64 / 300.0).ceil() * 3.0,
            "the dedupe pre-flight's lookups by Dynamics id and by email, and one write, per 300 records",
        ),
    ])
}

async fn engine_only(options: Options) -> Outcome {
    let count = if options.quick { 10_000 } else { 100_000 };
    let scenario = ENGINE_ONLY.name;
    let (sandbox, control) = sandbox(count, Limits::unthrottled()).await?;
    let (engine, _dir) = installed(sandbox.info(), ClientLimits::unthrottled()).await?;
    let started = Instant::now();
    sync_to_end(&engine).await?;
    let rate = count as f64 / started.elapsed().as_secs_f64();
    let mut figures = vec![Figure::new(
        scenario,
        &format!("{}k contacts, limits off", count / 1000),
        rate,
        "records/s",
    )];

    // The next cycle reads back Marketo's change log of the first sync's own writes; the one
    // after has nothing to do: what the engine asks both sides for every 5 minutes.
    sync_to_end(&engine).await?;
    reset(&control).await;
    let started = Instant::now();
    sync_to_end(&engine).await?;
    let metrics = control.metrics().await;
    figures.extend(cycle_figures(
        scenario,
        "no-change cycle",
        started.elapsed(),
        &metrics,
    ));
    for service in ["dataverse", "marketo"] {
        for (endpoint, n) in calls(&metrics, service) {
            figures.push(Figure::new(
                scenario,
                &format!("no-change cycle: {endpoint}"),
                n,
                "calls",
            ));
        }
    }

    // 1,000 contacts edited by a person in Dynamics.
    let snapshot = control.snapshot().await;
    let ids: Vec<String> = crate::control::rows(&snapshot, "contacts")
        .iter()
        .take(1_000)
        .filter_map(|r| r["contactid"].as_str().map(str::to_owned))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        control
            .dynamics_update("contacts", id, json!({"jobtitle": format!("Director {i}")}))
            .await;
    }
    reset(&control).await;
    let started = Instant::now();
    sync_to_end(&engine).await?;
    figures.extend(cycle_figures(
        scenario,
        "1,000-change cycle",
        started.elapsed(),
        &control.metrics().await,
    ));
    sandbox.shutdown().await;
    Ok(figures)
}

/// Wall time, and calls to each side, of one cycle.
fn cycle_figures(
    scenario: &str,
    cycle: &str,
    took: std::time::Duration,
    metrics: &Value,
) -> Vec<Figure> {
    vec![
        Figure::new(
            scenario,
            &format!("{cycle}: wall time"),
            took.as_secs_f64() * 1000.0,
            "ms",
        ),
        Figure::new(
            scenario,
            &format!("{cycle}: Dataverse requests"),
            total(&calls(metrics, "dataverse")),
            "calls",
        ),
        Figure::new(
            scenario,
            &format!("{cycle}: Marketo calls"),
            total(&calls(metrics, "marketo")),
            "calls",
        ),
    ]
}

async fn peak_rss(_: Options) -> Outcome {
    const COUNT: usize = 1_000_000;
    let (sandbox, _control) = sandbox(COUNT, Limits::unthrottled()).await?;
    let info = serde_json::to_string(sandbox.info()).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = tokio::process::Command::new(exe)
        .env(CHILD, info)
        .output()
        .await
        .map_err(|e| format!("cannot start the engine child: {e}"))?;
    sandbox.shutdown().await;
    if !output.status.success() {
        return Err(format!(
            "the engine child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("the engine child's report is not JSON: {e}"))?;
    let figure = |key: &str| {
        report[key]
            .as_f64()
            .ok_or_else(|| format!("no {key} in {report}"))
    };
    let scenario = PEAK_RSS.name;
    Ok(vec![
        Figure::new(
            scenario,
            "1M contacts, limits off: peak RSS",
            figure("peakMib")?,
            "MiB",
        )
        .against(1_024.0, "goal: under 1 GiB"),
        Figure::new(
            scenario,
            "1M contacts, limits off: rate",
            COUNT as f64 / figure("seconds")?,
            "records/s",
        ),
    ])
}

/// The engine child of `engine_peak_rss`: sets up an engine against the sandbox described by
/// `info` (JSON), runs the first sync to its end, and prints its peak resident memory.
pub async fn child(info: &str) -> Result<(), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let info: SandboxInfo = serde_json::from_str(info).map_err(|e| e.to_string())?;
    let (engine, _dir) = installed(&info, ClientLimits::unthrottled()).await?;
    let started = Instant::now();
    sync_to_end(&engine).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"peakMib": super::status_mib("VmHWM")?, "seconds": seconds})
    );
    Ok(())
}

//! `sandbox_generate`: how long the seeded generator takes to fill a sandbox, and the most memory
//! the process holds while it does, for the `100k` and `1m` presets (the bound for `1m`:
//! under 30 s and under 2 GiB). `--quick` measures `100k` only.
//!
//! The peak is the process's high-water mark (`VmHWM`), reset before each preset through
//! `/proc/self/clear_refs`, so each figure is that preset's own peak, the sandbox's emulators and
//! the bench process included.

use std::time::Instant;

use dynasync_sandbox::{Generate, Preset, Sandbox, SandboxConfig};
use serde_json::Value;

use super::{Figure, Options, Outcome, Scenario};

pub(super) const GENERATE: Scenario = Scenario {
    name: "sandbox_generate",
    in_quick: true,
    run: |options| Box::pin(generate(options)),
};

/// Starts the high-water mark again from the current resident size.
fn reset_peak() -> Result<(), String> {
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|e| format!("cannot reset the peak through /proc/self/clear_refs: {e}"))
}

async fn generate(options: Options) -> Outcome {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let presets: &[Preset] = if options.quick {
        &[Preset::Hundred]
    } else {
        &[Preset::Hundred, Preset::Million]
    };
    let mut figures = Vec::new();
    for preset in presets {
        reset_peak()?;
        let started = Instant::now();
        let sandbox = Sandbox::start(SandboxConfig {
            data: Some(Generate {
                preset: *preset,
                seed: 1,
            }),
            ..SandboxConfig::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let took = started.elapsed().as_secs_f64();
        let peak = super::status_mib("VmHWM")?;
        let records = records(&sandbox).await?;
        sandbox.shutdown().await;
        let (time_bound, memory_bound, label) = match preset {
            Preset::Million => (30.0, 2048.0, "the issue's bound for 1m"),
            _ => (3.0, 204.8, "a tenth of the 1m bound"),
        };
        figures.extend([
            Figure::new(
                "sandbox_generate",
                &format!("{preset}: records"),
                records,
                "records",
            ),
            Figure::new("sandbox_generate", &format!("{preset}: time"), took, "s")
                .against(time_bound, label),
            Figure::new(
                "sandbox_generate",
                &format!("{preset}: peak resident"),
                peak,
                "MiB",
            )
            .against(memory_bound, label),
        ]);
    }
    Ok(figures)
}

/// Every generated record on both sides, from the control API's counts.
async fn records(sandbox: &Sandbox) -> Result<f64, String> {
    let counts: Value = reqwest::get(format!("{}counts", sandbox.info().control_url))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let sum = |side: &Value, skip: &[&str]| -> f64 {
        side.as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .filter_map(|(_, v)| v.as_f64())
            .sum()
    };
    Ok(sum(
        &counts["dynamics"],
        &[
            "systemusers",
            "teams",
            "businessunits",
            "connectionroles",
            "connectionroleobjecttypecodes",
        ],
    ) + counts["marketo"]["leads"].as_f64().unwrap_or_default())
}

//! How the CLI prints: short human lines on a terminal or in a log, or one JSON document with
//! `--json` for scripts.

use chrono::{DateTime, Local, Utc};
use dynasync_engine::store::runs::{Run, RunStatus};

/// An instant in local time, to the second.
pub(crate) fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub(crate) fn run_line(run: &Run) -> String {
    let status = match run.status {
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::PartlyFailed => "partly failed",
        RunStatus::Failed => "failed",
        RunStatus::Stopped => "stopped",
    };
    let kind = serde_json::to_value(run.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let flows: Vec<String> = run
        .stats
        .flows
        .iter()
        .filter(|(_, c)| c.created + c.updated + c.skipped + c.failed > 0)
        .map(|(flow, c)| {
            format!(
                "{flow}: {} created, {} updated, {} skipped, {} failed",
                c.created, c.updated, c.skipped, c.failed
            )
        })
        .collect();
    let mut line = format!("#{} {kind} {} {status}", run.id, when(run.started_at));
    if !flows.is_empty() {
        line.push_str(&format!(" ({})", flows.join("; ")));
    }
    if let Some(message) = &run.message {
        line.push_str(&format!(" — {message}"));
    }
    line
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

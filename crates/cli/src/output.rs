//! How the CLI prints: short human lines on a terminal or in a log, or one JSON document with
//! `--json` for scripts.

use chrono::{DateTime, Local, Utc};
use dynasync_engine::setup::checks::{CheckReport, CheckStatus, ProblemCode};
use dynasync_engine::setup::form::FieldError;
use dynasync_engine::store::runs::{Run, RunStatus};

use crate::exit::Exit;
use crate::text;

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

/// Prints one side's check results, a line each, with the fix for a failure.
pub(crate) fn checks(side: &str, report: &CheckReport) {
    println!("{side}:");
    for check in &report.checks {
        let mark = match check.status {
            CheckStatus::Passed => "ok  ",
            CheckStatus::Warning => "warn",
            CheckStatus::Failed => "FAIL",
            CheckStatus::Skipped => "skip",
        };
        let name = text::of("checks", "name", check.id);
        match &check.problem {
            Some(problem) => println!(
                "  {mark} {name}: {} ({})",
                text::of("checks", "problem", problem.code),
                problem.detail
            ),
            None => println!("  {mark} {name}"),
        }
    }
}

/// The exit code for a report with a failed check: a refused sign-in is an authentication error,
/// a host that cannot be reached is unreachable, the rest is the setup's to fix.
pub(crate) fn checks_exit(report: &CheckReport) -> Exit {
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .filter_map(|c| c.problem.as_ref().map(|p| p.code));
    let mut exit = Exit::Config;
    for code in failed {
        match code {
            ProblemCode::Unreachable | ProblemCode::TlsFailure => return Exit::Unreachable,
            ProblemCode::UnknownTenant
            | ProblemCode::AppNotFound
            | ProblemCode::WrongSecret
            | ProblemCode::SecretExpired
            | ProblemCode::WrongPassword
            | ProblemCode::UserNotFound
            | ProblemCode::MfaRequired
            | ProblemCode::ConsentMissing
            | ProblemCode::SignInRefused
            | ProblemCode::MarketoClientRefused => exit = Exit::Auth,
            _ => {}
        }
    }
    exit
}

/// Prints the fields a form refused.
pub(crate) fn form_errors(side: &str, errors: &[FieldError]) {
    eprintln!("dynasync: the {side} settings need attention:");
    for error in errors {
        eprintln!(
            "  {}: {}",
            text::of("form", "field", error.field),
            text::of("form", "problem", error.problem)
        );
    }
}

//! `dynasync sync [--once] [--dry-run] [--confirm]`: runs the sync on this machine, as the desktop
//! app does (first sync, then a cycle 5 minutes after each one ends). Ctrl-C stops it after the
//! current batch, so nothing is left half done.

use std::path::PathBuf;

use dynasync_engine::Engine;
use dynasync_engine::preview::Preview;
use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::store::runs::RunStatus;
use tokio_util::sync::CancellationToken;

use crate::exit::Exit;
use crate::output;
use crate::progress::Reporter;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Run one cycle (the first sync if it has not completed, and any back-fill it leaves), then
    /// exit with its outcome.
    #[arg(long)]
    once: bool,
    /// Show what the next cycle would do (the first sync: creates, matches, ambiguous matches)
    /// without writing anything anywhere.
    #[arg(long, conflicts_with_all = ["once", "confirm"])]
    dry_run: bool,
    /// Let a cycle the circuit breaker stopped go on.
    #[arg(long)]
    confirm: bool,
    /// With --dry-run: print one JSON document.
    #[arg(long, requires = "dry_run")]
    json: bool,
}

fn who() -> String {
    format!("dynasync sync (pid {})", std::process::id())
}

/// Cancels `cancel` at the first Ctrl-C.
fn stop_on_ctrl_c(cancel: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping after the current batch…");
            cancel.cancel();
        }
    });
}

pub(crate) async fn run(data_dir: Option<PathBuf>, args: Args) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    if args.dry_run {
        return match engine.preview(None).await {
            Ok(preview) if args.json => {
                output::json(&preview);
                Exit::Ok
            }
            Ok(preview) => {
                print_preview(&preview);
                Exit::Ok
            }
            Err(error) => crate::fail(&error),
        };
    }
    let cancel = CancellationToken::new();
    stop_on_ctrl_c(cancel.clone());
    if args.once {
        once(&engine, args.confirm, cancel).await
    } else {
        forever(&engine, args.confirm, cancel).await
    }
}

async fn once(engine: &Engine, confirm: bool, cancel: CancellationToken) -> Exit {
    let mut reporter = Reporter::new();
    let mut status = engine.status();
    let mut confirmed = confirm;
    let who = who();
    loop {
        let cycle = engine.sync_once_until(&who, confirmed, cancel.clone());
        tokio::pin!(cycle);
        let outcome = loop {
            tokio::select! {
                outcome = &mut cycle => break outcome,
                Ok(()) = status.changed() => reporter.show(&status.borrow_and_update()),
            }
        };
        reporter.finish();
        confirmed = false;
        match outcome {
            Err(error) => return crate::fail(&error),
            Ok(CycleOutcome::Done { more: true }) if !cancel.is_cancelled() => {
                print_last_run(engine).await;
            }
            Ok(outcome) => return ended(engine, outcome).await,
        }
    }
}

async fn forever(engine: &Engine, confirm: bool, cancel: CancellationToken) -> Exit {
    if let Err(error) = engine.start(&who()).await {
        return crate::fail(&error);
    }
    if confirm {
        engine.confirm();
    }
    eprintln!("syncing; Ctrl-C stops after the current batch");
    let mut reporter = Reporter::new();
    let mut status = engine.status();
    let mut last_ended = status.borrow().last_run_ended_at;
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            Ok(()) = status.changed() => {
                let now = status.borrow_and_update().clone();
                reporter.show(&now);
                if now.last_run_ended_at != last_ended {
                    last_ended = now.last_run_ended_at;
                    reporter.finish();
                    print_last_run(engine).await;
                    if let Some(reason) = &now.reason {
                        eprintln!("dynasync: {}", reason.detail);
                    }
                }
            }
        }
    }
    engine.shutdown().await;
    reporter.finish();
    Exit::Ok
}

async fn print_last_run(engine: &Engine) {
    if let Ok(runs) = engine.runs(1).await
        && let Some(run) = runs.first()
    {
        println!("{}", output::run_line(run));
    }
}

async fn ended(engine: &Engine, outcome: CycleOutcome) -> Exit {
    print_last_run(engine).await;
    match outcome {
        CycleOutcome::Done { .. } => {
            let partial = engine
                .runs(1)
                .await
                .ok()
                .and_then(|runs| runs.first().map(|r| r.status == RunStatus::PartlyFailed))
                .unwrap_or(false);
            if partial {
                eprintln!("dynasync: some records failed: see `dynasync errors`");
                Exit::Partial
            } else {
                Exit::Ok
            }
        }
        CycleOutcome::Stopped(reason) | CycleOutcome::Failed(reason) => {
            eprintln!("dynasync: {}", reason.detail);
            Exit::from(reason.code)
        }
        CycleOutcome::QuotaExhausted { resets_at } => {
            eprintln!(
                "dynasync: Marketo's daily API quota (less the reserve) is used up until {}; the sync goes on after that",
                output::when(resets_at)
            );
            Exit::Quota
        }
        CycleOutcome::Cancelled => {
            eprintln!("stopped on request; the next run goes on from there");
            Exit::Ok
        }
    }
}

fn print_preview(preview: &Preview) {
    println!(
        "{}",
        if preview.first_sync {
            "the first sync would:"
        } else {
            "the next cycle would:"
        }
    );
    for e in &preview.examined {
        println!(
            "  read {} {}{}",
            e.records,
            e.entity,
            if e.truncated { " (a sample)" } else { "" }
        );
    }
    for op in &preview.operations {
        let what = serde_json::to_value(op.operation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!("  {} {}: {}", op.entity, what, op.count);
    }
    if preview.pending_requests > 0 {
        println!(
            "  send {} person(s) to Dynamics on request",
            preview.pending_requests
        );
    }
    if !preview.matches.is_empty() {
        println!("matches with people already in Marketo:");
        for m in &preview.matches {
            let rule = serde_json::to_value(m.rule)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            println!(
                "  {} {}: {rule}{}{}",
                m.entity,
                m.record,
                m.marketo_id
                    .as_deref()
                    .map(|id| format!(" → person {id}"))
                    .unwrap_or_default(),
                m.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
        }
    }
    if !preview.samples.is_empty() {
        println!("some field changes:");
        for s in &preview.samples {
            let show = |v: &Option<dynasync_engine::value::Value>| {
                v.as_ref().map_or_else(|| "—".to_owned(), |v| v.to_string())
            };
            println!(
                "  {} {} {}: {} → {}",
                s.entity,
                s.record,
                s.field,
                show(&s.before),
                show(&s.after)
            );
        }
    }
}

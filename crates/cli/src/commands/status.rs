//! `dynasync status [--json]`.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(data_dir: Option<PathBuf>, args: Args) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    let overview = match engine.overview().await {
        Ok(overview) => overview,
        Err(error) => return crate::fail(&error),
    };
    if args.json {
        output::json(&overview);
        return Exit::Ok;
    }
    println!("data: {}", engine.data_dir().display());
    if !overview.configured {
        println!("not set up: run `dynasync setup --from FILE`, or the desktop app's setup");
        return Exit::Ok;
    }
    println!(
        "connection: Dynamics {} ⇄ Marketo {}{}",
        overview.dynamics_url.as_deref().unwrap_or("?"),
        overview.marketo_url.as_deref().unwrap_or("?"),
        if overview.sandbox {
            " (built-in sandbox)"
        } else {
            ""
        }
    );
    match &overview.syncing_process {
        Some(process) => println!("syncing: yes, in {process}"),
        None => println!("syncing: no process is syncing this data"),
    }
    println!(
        "first sync: {}",
        if overview.first_sync_done {
            "done"
        } else {
            "not done yet"
        }
    );
    let pending: u64 = overview.backlog.iter().map(|b| b.pending).sum();
    println!("backlog: {pending} change(s) pulled and not yet applied");
    for b in overview.backlog.iter().filter(|b| b.pending > 0) {
        println!("  {} {}: {}", b.side.name(), b.entity, b.pending);
    }
    println!(
        "open errors: {}{}",
        overview.open_errors,
        if overview.open_errors > 0 {
            " (dynasync errors)"
        } else {
            ""
        }
    );
    if overview.recent_runs.is_empty() {
        println!("runs: none yet");
    } else {
        println!("latest runs:");
        for run in &overview.recent_runs {
            println!("  {}", output::run_line(run));
        }
    }
    Exit::Ok
}

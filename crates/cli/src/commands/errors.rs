//! `dynasync errors [--search TEXT] [--retry] [--json]`.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only errors whose record, entity, code or message contains this text.
    #[arg(long)]
    search: Option<String>,
    /// Let the next cycle try these records again.
    #[arg(long)]
    retry: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(data_dir: Option<PathBuf>, args: Args) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    let errors = match engine.errors(args.search.clone(), 10_000).await {
        Ok(errors) => errors,
        Err(error) => return crate::fail(&error),
    };
    if args.retry {
        let ids: Vec<i64> = errors.iter().map(|e| e.id).collect();
        return match engine.retry_errors(Some(ids)).await {
            Ok(n) => {
                println!("{n} record(s) will be tried again at the next cycle");
                Exit::Ok
            }
            Err(error) => crate::fail(&error),
        };
    }
    if args.json {
        output::json(&errors);
        return Exit::Ok;
    }
    if errors.is_empty() {
        println!("no open errors");
    }
    for e in &errors {
        let direction = serde_json::to_value(e.direction)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!(
            "{} {} {} {} [{}] {} (attempts: {}, last: {})",
            e.entity,
            e.record,
            direction,
            e.operation,
            e.code,
            e.message,
            e.attempts,
            output::when(e.last_at)
        );
    }
    Exit::Ok
}

//! `dynasync why <record> [field]`: every decision about a record's fields, with its rule.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The record's Dynamics id (GUID) or Marketo id.
    record: String,
    /// A Marketo field name (e.g. `email`); all fields when left out.
    field: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(data_dir: Option<PathBuf>, args: Args) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    let entries = match engine.why(args.record.clone(), args.field.clone()).await {
        Ok(entries) => entries,
        Err(error) => return crate::fail(&error),
    };
    if args.json {
        output::json(&entries);
        return Exit::Ok;
    }
    if entries.is_empty() {
        println!(
            "no decision recorded for {}{}",
            args.record,
            args.field.map(|f| format!(" / {f}")).unwrap_or_default()
        );
        return Exit::Ok;
    }
    for e in &entries {
        let what = match (&e.field, &e.before, &e.after) {
            (Some(field), before, Some(after)) => format!(
                "{field}: {} → {after}",
                before
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "?".into())
            ),
            (Some(field), _, None) => field.clone(),
            (None, _, _) => "record".into(),
        };
        let reference = e
            .rule
            .reference()
            .map(|r| format!(" [{r}]"))
            .unwrap_or_default();
        println!(
            "{} run #{} {} {what}: {}{reference}",
            output::when(e.at),
            e.run_id,
            e.entity,
            e.rule.explain()
        );
    }
    Exit::Ok
}

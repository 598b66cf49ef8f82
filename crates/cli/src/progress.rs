//! How `dynasync sync` shows a run going on: a bar per entity on a terminal, a plain line every few
//! seconds otherwise (logs, CI, systemd), both on standard error so standard output stays for
//! results.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use dynasync_engine::status::{EntityProgress, Phase, Status};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// A plain line per entity at most this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) struct Reporter {
    bars: Option<MultiProgress>,
    by_entity: HashMap<(String, Phase), ProgressBar>,
    last_line: HashMap<(String, Phase), Instant>,
}

fn phase(p: Phase) -> &'static str {
    match p {
        Phase::FirstCopy => "first copy",
        Phase::Changes => "changes",
        Phase::Backfill => "back-fill",
    }
}

/// "1,200/5,000 (ETA 40 s)" or "1,200".
fn counts(e: &EntityProgress) -> String {
    let eta = e
        .eta_seconds
        .map(|s| format!(" (ETA {s} s)"))
        .unwrap_or_default();
    match e.total {
        Some(total) => format!("{}/{total}{eta}", e.done),
        None => format!("{}{eta}", e.done),
    }
}

impl Reporter {
    pub(crate) fn new() -> Reporter {
        Reporter {
            bars: std::io::stderr().is_terminal().then(MultiProgress::new),
            by_entity: HashMap::new(),
            last_line: HashMap::new(),
        }
    }

    pub(crate) fn show(&mut self, status: &Status) {
        let Some(run) = &status.run else {
            return;
        };
        for entity in &run.entities {
            let key = (entity.entity.clone(), entity.phase);
            let label = format!("{} {}", entity.entity, phase(entity.phase));
            match &self.bars {
                Some(bars) => {
                    let bar = self.by_entity.entry(key).or_insert_with(|| {
                        let bar = bars.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("{spinner} {prefix:<24} {wide_bar} {msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_bar()),
                        );
                        bar.set_prefix(label);
                        bar
                    });
                    if let Some(total) = entity.total {
                        bar.set_length(total);
                    }
                    bar.set_position(entity.done);
                    bar.set_message(counts(entity));
                }
                None => {
                    let due = self
                        .last_line
                        .get(&key)
                        .is_none_or(|at| at.elapsed() >= LINE_EVERY);
                    if due {
                        eprintln!("run #{}: {label}: {}", run.run_id, counts(entity));
                        self.last_line.insert(key, Instant::now());
                    }
                }
            }
        }
    }

    pub(crate) fn finish(&mut self) {
        for bar in self.by_entity.values() {
            bar.finish_and_clear();
        }
        self.by_entity.clear();
        self.last_line.clear();
    }
}

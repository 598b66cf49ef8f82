//! The benchmark scenarios behind `cargo xtask bench`: each measures one speed or memory claim
//! against the sandbox over real HTTP and reports figures with the bound they are compared to.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

mod app;
mod dataverse;
mod engine;
mod generate;
mod marketo;
mod size;

pub use engine::{CHILD as ENGINE_CHILD, child as engine_child};

/// How much to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The CI-sized subset: smaller volumes, heavy scenarios skipped.
    pub quick: bool,
}

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub scenario: String,
    pub metric: String,
    pub value: f64,
    pub unit: String,
    /// What the figure is compared to (a documented limit, a goal), if anything.
    pub bound: Option<Bound>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bound {
    pub value: f64,
    /// Where the bound comes from, e.g. "100 calls/20 s × 300 records".
    pub label: String,
}

impl Figure {
    pub fn new(scenario: &str, metric: &str, value: f64, unit: &str) -> Figure {
        Figure {
            scenario: scenario.into(),
            metric: metric.into(),
            value,
            unit: unit.into(),
            bound: None,
        }
    }

    pub fn against(mut self, bound: f64, label: &str) -> Figure {
        self.bound = Some(Bound {
            value: bound,
            label: label.into(),
        });
        self
    }

    /// `value / bound`, when there is a bound.
    pub fn ratio(&self) -> Option<f64> {
        self.bound.as_ref().map(|b| self.value / b.value)
    }
}

pub type Outcome = Result<Vec<Figure>, String>;
pub type Run = fn(Options) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A named scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// Whether `--quick` runs it.
    pub in_quick: bool,
    pub run: Run,
}

/// Every scenario, in the order the report lists them.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        dataverse::READ,
        marketo::SYNC,
        marketo::MEMORY,
        generate::GENERATE,
        engine::INITIAL_SYNC,
        engine::ENGINE_ONLY,
        engine::PEAK_RSS,
        app::STARTUP,
        size::BINARIES,
    ]
}

/// A line of `/proc/self/status`, in MiB (Linux).
fn status_mib(field: &str) -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("the memory figures read /proc/self/status: {e}"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("no {field} in /proc/self/status"))?;
    Ok(kb / 1024.0)
}

//! `dynasync-bench [--quick] [--out FILE] [FILTER]`: runs the benchmark scenarios (release build,
//! through `cargo xtask bench`), prints one table and writes the figures as JSON.

use std::time::Instant;

use dynasync_tests::bench::{ENGINE_CHILD, Figure, Options, engine_child, scenarios};
use serde_json::json;

#[tokio::main]
async fn main() {
    if let Some(info) = std::env::var_os(ENGINE_CHILD) {
        if let Err(e) = engine_child(&info.to_string_lossy()).await {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let out = args
        .windows(2)
        .find(|w| w[0] == "--out")
        .map(|w| w[1].clone())
        .unwrap_or_else(|| "target/bench/bench.json".into());
    let filter = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--out"))
        .map(|(_, a)| a.clone());
    let options = Options { quick };
    let started = Instant::now();
    let mut figures: Vec<Figure> = Vec::new();
    let mut failures = Vec::new();
    for scenario in scenarios() {
        if quick && !scenario.in_quick
            || filter
                .as_ref()
                .is_some_and(|f| !scenario.name.contains(f.as_str()))
        {
            continue;
        }
        eprintln!("running {} ...", scenario.name);
        let t0 = Instant::now();
        match (scenario.run)(options).await {
            Ok(mut found) => figures.append(&mut found),
            Err(e) => failures.push(format!("{}: {e}", scenario.name)),
        }
        eprintln!(
            "  {} took {:.1} s",
            scenario.name,
            t0.elapsed().as_secs_f64()
        );
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "{:<20} {:<50} {:>12} {:<10} {:>10} {:>7}",
        "scenario", "metric", "value", "unit", "bound", "ratio"
    );
    for f in &figures {
        let bound = f
            .bound
            .as_ref()
            .map(|b| format!("{:.1}", b.value))
            .unwrap_or_else(|| "-".into());
        let ratio = f
            .ratio()
            .map(|r| format!("{r:.3}"))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<20} {:<50} {:>12.1} {:<10} {:>10} {:>7}",
            f.scenario, f.metric, f.value, f.unit, bound, ratio
        );
    }
    for f in figures.iter().filter_map(|f| Some((f, f.bound.as_ref()?))) {
        println!("  {} / {}: bound = {}", f.0.scenario, f.0.metric, f.1.label);
    }
    println!(
        "mode: {}; the whole run took {took:.0} s",
        if quick { "quick" } else { "full" }
    );
    let report =
        json!({ "quick": quick, "seconds": took, "figures": figures, "failures": failures });
    if let Some(dir) = std::path::Path::new(&out).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap())
        .expect("write the JSON report");
    println!("wrote {out}");
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        std::process::exit(1);
    }
}

//! `binary_size`: the size on disk of what a user installs, the desktop app (UI embedded) and the
//! `dynasync` CLI, both release builds (`cargo xtask bench` builds them and names them through
//! `DYNASYNC_APP_BIN` and `DYNASYNC_CLI_BIN`).

use std::path::{Path, PathBuf};

use super::{Figure, Options, Outcome, Scenario};

pub(super) const BINARIES: Scenario = Scenario {
    name: "binary_size",
    in_quick: true,
    run: |_: Options| Box::pin(async { sizes() }),
};

fn binary(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/release")
                .join(name)
        })
}

fn sizes() -> Outcome {
    [
        ("desktop app", binary("DYNASYNC_APP_BIN", "dynasync-app")),
        ("dynasync CLI", binary("DYNASYNC_CLI_BIN", "dynasync")),
    ]
    .into_iter()
    .map(|(what, path)| {
        let bytes = std::fs::metadata(&path)
            .map_err(|e| format!("{} is not built ({e})", path.display()))?
            .len();
        Ok(Figure::new(
            BINARIES.name,
            &format!("{what}, release"),
            bytes as f64 / (1024.0 * 1024.0),
            "MiB",
        ))
    })
    .collect()
}

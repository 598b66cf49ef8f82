//! `cargo xtask`: the two commands a newcomer runs, and the helpers they are built from.
//!
//! `demo` installs what is missing, builds the UI and the app, and opens the app. `test` installs
//! what is missing (including Xvfb, WebKitWebDriver, tauri-driver and gnome-keyring) and runs every
//! test: Rust, UI, keychain and WebDriver end to end, then prints one summary. Std-only on purpose.

mod prereqs;
mod process;
mod suite;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

Commands:
  demo       install what is missing, build the UI and the app, and open the app on its built-in
             sandbox
  test       install what is missing and run every test (Rust, UI, keychain, WebDriver e2e);
             prints one summary and fails if any part fails or runs no test
  ui         install the UI's npm packages and build the UI into ui/dist
  bench      build in release mode and run the benchmarks; prints one table and writes
             target/bench/bench.json (`--quick` runs the CI-sized subset; a word runs only
             the scenarios whose name contains it, e.g. `cargo xtask bench engine`)
  bindings   regenerate ui/src/lib/ipc/bindings.ts from the Rust IPC types

Options:
  --no-install   do not install system packages (report what is missing instead)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let install = !args.iter().any(|a| a == "--no-install");
    let command = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str);
    let result = match command {
        Some("demo") => demo(install),
        Some("test") => suite::run(install),
        Some("ui") => prereqs::ui(install).and_then(|()| build_ui()),
        Some("bindings") => bindings(),
        Some("bench") => bench(&args),
        Some("window-check") => match &args[1..] {
            [app, png, ..] => suite::window_check(app, png),
            _ => Err("usage: xtask window-check <app> <png>".into()),
        },
        Some("help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this crate lives in `crates/xtask`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

pub(crate) fn cargo() -> process::Cmd {
    process::Cmd::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).dir(root())
}

pub(crate) fn build_ui() -> Result<(), String> {
    process::Cmd::new("npm")
        .args(["run", "build"])
        .dir(root().join("ui"))
        .run()
}

fn demo(install: bool) -> Result<(), String> {
    prereqs::demo(install)?;
    build_ui()?;
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(
            "there is no display to open the app on: run `cargo xtask demo` from a desktop \
                    session (or under `xvfb-run -a` to check that it starts)"
                .into(),
        );
    }
    println!(
        "\nStarting Dynasync on its built-in sandbox. Quit it from the tray (closing the window \
         keeps it syncing) or press Ctrl-C here."
    );
    cargo()
        .args([
            "run",
            "--locked",
            "--package",
            "dynasync-app",
            "--",
            "--sandbox",
        ])
        .run()
}

fn bench(args: &[String]) -> Result<(), String> {
    // One release build of everything measured, features unified once: the app as it ships (UI
    // embedded), the CLI and the bench runner.
    build_ui()?;
    cargo()
        .args([
            "build",
            "--locked",
            "--release",
            "--package",
            "dynasync-app",
            "--package",
            "dynasync-cli",
            "--package",
            "dynasync-tests",
            "--bins",
            "--features",
            "dynasync-app/custom-protocol",
        ])
        .run()?;
    let passed: Vec<&String> = args
        .iter()
        .filter(|a| a.as_str() != "bench" && a.as_str() != "--no-install")
        .collect();
    let release = root().join("target/release");
    process::Cmd::new(release.join("dynasync-bench"))
        .args(passed)
        .dir(root())
        .env("DYNASYNC_APP_BIN", release.join("dynasync-app"))
        .env("DYNASYNC_CLI_BIN", release.join("dynasync"))
        .run()
}

fn bindings() -> Result<(), String> {
    cargo()
        .args(["test", "--locked", "--workspace", "--test", "bindings"])
        .env("DYNASYNC_UPDATE_BINDINGS", "1")
        .run()?;
    println!("wrote ui/src/lib/ipc/bindings.ts");
    Ok(())
}

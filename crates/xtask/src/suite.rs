//! `cargo xtask test`: every test, in the environment each one needs, and one summary.
//!
//! Parts: the UI build, one feature-unified `--workspace` test build, Rust tests with no display
//! and no D-Bus, the UI type check and Vitest, keychain tests against a real gnome-keyring in a
//! private D-Bus session, WebDriver tests of the built app under Xvfb, a plain launch of the app
//! that must map and paint its window, then rustfmt and clippy. Every GUI part has a time limit.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::process::{Cmd, stop_group};
use crate::{build_ui, cargo, prereqs, root};

const XVFB: &[&str] = &[
    "xvfb-run",
    "--auto-servernum",
    "--server-args=-screen 0 1280x800x24",
];

/// A private session bus with gnome-keyring's Secret Service unlocked in it.
const KEYRING_SESSION: &[&str] = &[
    "dbus-run-session",
    "--",
    "sh",
    "-c",
    "printf %s dynasync-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
    "keyring-session",
];

/// The colour of the app's top bar (`--brand` in ui/src/app.css), looked for in the screenshot.
const TOP_BAR_COLOUR: &str = "1E3A5F";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Must report at least one passed test.
    Tests,
    /// A build or a check that reports no tests.
    Check,
}

#[derive(Debug)]
struct Outcome {
    name: &'static str,
    result: Result<Option<u32>, String>,
    took: Duration,
}

#[derive(Debug, Default)]
struct Summary {
    outcomes: Vec<Outcome>,
}

impl Summary {
    fn part(
        &mut self,
        name: &'static str,
        kind: Kind,
        run: impl FnOnce() -> Result<u32, String>,
    ) -> bool {
        println!("\n===== {name} =====");
        let started = Instant::now();
        let result = match run() {
            Ok(0) if kind == Kind::Tests => Err("ran no test".to_owned()),
            Ok(passed) => Ok((kind == Kind::Tests).then_some(passed)),
            Err(e) => Err(e),
        };
        let ok = result.is_ok();
        self.outcomes.push(Outcome {
            name,
            result,
            took: started.elapsed(),
        });
        ok
    }

    fn skip(&mut self, name: &'static str, why: &str) {
        self.outcomes.push(Outcome {
            name,
            result: Err(format!("skipped: {why}")),
            took: Duration::ZERO,
        });
    }

    fn print(&self, total: Duration) -> bool {
        println!("\n===== cargo xtask test: summary =====");
        println!(
            "{:<18} {:<7} {:>6} {:>7}",
            "part", "result", "tests", "time"
        );
        for o in &self.outcomes {
            let (result, tests) = match &o.result {
                Ok(Some(n)) => ("ok", n.to_string()),
                Ok(None) => ("ok", "-".to_owned()),
                Err(_) => ("FAILED", "-".to_owned()),
            };
            println!(
                "{:<18} {:<7} {:>6} {:>6}s",
                o.name,
                result,
                tests,
                o.took.as_secs()
            );
        }
        let tests: u32 = self
            .outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().copied().flatten())
            .sum();
        println!(
            "{:<18} {:<7} {:>6} {:>6}s",
            "total",
            "",
            tests,
            total.as_secs()
        );
        let failures: Vec<_> = self
            .outcomes
            .iter()
            .filter_map(|o| Some((o.name, o.result.as_ref().err()?)))
            .collect();
        for (name, why) in &failures {
            println!("  {name}: {why}");
        }
        failures.is_empty()
    }
}

/// Fresh XDG directories for everything the app, WebKit, Mesa and gnome-keyring write, so runs
/// leave nothing in $HOME and never see a previous run's keyring.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let dir = root().join("target/xtask-scratch");
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["cache", "config", "data", "runtime"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let _ = Cmd::new("chmod")
            .args(["700"])
            .args([dir.join("runtime")])
            .output();
        Ok(Scratch(dir))
    }

    fn apply(&self, cmd: Cmd) -> Cmd {
        cmd.env("XDG_CACHE_HOME", self.0.join("cache"))
            .env("XDG_CONFIG_HOME", self.0.join("config"))
            .env("XDG_DATA_HOME", self.0.join("data"))
            .env("XDG_RUNTIME_DIR", self.0.join("runtime"))
            .env("NO_AT_BRIDGE", "1")
    }

    /// No display and no session bus: what plain unit and integration tests must not depend on.
    fn headless(&self, cmd: Cmd) -> Cmd {
        self.apply(cmd)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
    }
}

fn app_binary() -> PathBuf {
    root().join("target/debug/dynasync-app")
}

fn screenshots() -> PathBuf {
    root().join("target/screenshots")
}

pub(crate) fn run(install: bool) -> Result<(), String> {
    let started = Instant::now();
    prereqs::test(install)?;
    let scratch = Scratch::new()?;
    std::fs::create_dir_all(screenshots()).map_err(|e| e.to_string())?;
    let mut summary = Summary::default();
    let min = |m: u64| Duration::from_secs(60 * m);

    let ui_built = summary.part("UI build", Kind::Check, || build_ui().map(|()| 0));
    // One feature-unified build of every test target (and of the app binary, which the app's own
    // integration tests need): later steps reuse it instead of rebuilding with other features.
    let built = ui_built
        && summary.part("Rust build", Kind::Check, || {
            cargo()
                .args(["test", "--locked", "--workspace", "--no-run"])
                .limit(min(45))
                .run()
                .map(|()| 0)
        });
    if built {
        summary.part("Rust tests", Kind::Tests, || {
            scratch
                .headless(cargo().args(["test", "--locked", "--workspace", "--no-fail-fast"]))
                .limit(min(20))
                .run_counting()
        });
    } else {
        summary.skip("Rust tests", "the build failed");
    }
    summary.part("UI type check", Kind::Check, || {
        Cmd::new("npm")
            .args(["run", "check"])
            .dir(root().join("ui"))
            .limit(min(5))
            .run()
            .map(|()| 0)
    });
    summary.part("UI tests", Kind::Tests, || {
        Cmd::new("npm")
            .args(["test"])
            .dir(root().join("ui"))
            .limit(min(5))
            .run_counting()
    });
    if built {
        summary.part("Keychain", Kind::Tests, || {
            scratch
                .apply(cargo().args([
                    "test",
                    "--locked",
                    "--workspace",
                    "--test",
                    "keychain",
                    "--test",
                    "crash",
                    "--",
                    "--ignored",
                ]))
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .wrapped_in(KEYRING_SESSION)
                .limit(min(15))
                .run_counting()
        });
        summary.part("WebDriver e2e", Kind::Tests, || {
            let test = cargo().args([
                "test",
                "--locked",
                "--workspace",
                "--test",
                "webdriver",
                "--",
            ]);
            scratch
                .apply(test.args(["--ignored", "--test-threads=1"]))
                .env("DYNASYNC_APP_BIN", app_binary())
                .env("TAURI_DRIVER", prereqs::tauri_driver_path())
                .env("DYNASYNC_SCREENSHOTS", screenshots())
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .wrapped_in(XVFB)
                .wrapped_in(KEYRING_SESSION)
                .limit(min(15))
                .run_counting()
        });
        summary.part("App window", Kind::Tests, || {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            scratch
                .apply(
                    Cmd::new(exe)
                        .args(["window-check"])
                        .args([app_binary(), screenshots().join("app-window.png")]),
                )
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .wrapped_in(XVFB)
                .wrapped_in(KEYRING_SESSION)
                .limit(min(2))
                .run()
                .map(|()| 1)
        });
    } else {
        for part in ["Keychain", "WebDriver e2e", "App window"] {
            summary.skip(part, "the build failed");
        }
    }
    summary.part("Format", Kind::Check, || {
        cargo().args(["fmt", "--all", "--check"]).run().map(|()| 0)
    });
    summary.part("Clippy", Kind::Check, || {
        cargo()
            .args([
                "clippy",
                "--locked",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .limit(min(45))
            .run()
            .map(|()| 0)
    });

    if summary.print(started.elapsed()) {
        println!("\nscreenshots: {}", screenshots().display());
        Ok(())
    } else {
        Err("some parts failed (see the summary above)".into())
    }
}

/// `xtask window-check <app> <png>`, run under Xvfb: starts the app as a user would, waits for its
/// window, takes a screenshot of the screen and checks that the UI painted its top bar.
pub(crate) fn window_check(app: &str, png: &str) -> Result<(), String> {
    let mut child = Cmd::new(app).spawn()?;
    let result = (|| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let tree = Cmd::new("xwininfo")
                .args(["-root", "-tree"])
                .output()
                .unwrap_or_default();
            if tree.contains("\"Dynasync\"") {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("the app exited before showing a window ({status})"));
            }
            if Instant::now() > deadline {
                return Err("no window titled \"Dynasync\" appeared within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // The window maps before WebKit has painted; poll the screenshot until the top bar shows.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            Cmd::new("import").args(["-window", "root", png]).run()?;
            let pixel = Cmd::new("convert")
                .args([png, "-format", "%[hex:p{20,20}]", "info:"])
                .output();
            let pixel = pixel.unwrap_or_default();
            if pixel.trim().starts_with(TOP_BAR_COLOUR) {
                println!("window painted; screenshot: {png}");
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the window never painted its top bar (pixel at 20,20 is #{pixel})"
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })();
    stop_group(child.id());
    let _ = child.wait();
    result
}

//! The desktop app's startup and footprint.
//!
//! - `app_startup`: the time from starting the app's process to the wizard painted on a fresh
//!   profile (the UI reports its first painted frame; `DYNASYNC_REPORT_READY` makes the app print
//!   it), and the app's idle memory 5 s later: the proportional set size (PSS, so shared libraries
//!   are not counted twice) of the app and its WebKit processes together. Runs on a private Xvfb
//!   display inside a private D-Bus session with gnome-keyring, as `cargo xtask test` does; the
//!   launch time therefore includes starting that session (tens of milliseconds).
//!
//! The app binary is `DYNASYNC_APP_BIN` (`cargo xtask bench` builds it in release mode with the
//! embedded UI), else `target/release/dynasync-app`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Figure, Options, Outcome, Scenario};

pub(super) const STARTUP: Scenario = Scenario {
    name: "app_startup",
    in_quick: true,
    run: |options| {
        Box::pin(async move {
            tokio::task::spawn_blocking(move || startup(options))
                .await
                .map_err(|e| e.to_string())?
        })
    },
};

/// The line the app prints when the UI has painted its first screen.
const READY: &str = "dynasync: ui-ready";

/// Unlocks a fresh gnome-keyring in the private session, then runs the app.
const SESSION: &str =
    "printf %s bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec \"$@\"";

fn app_binary() -> PathBuf {
    std::env::var_os("DYNASYNC_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/dynasync-app")
        })
}

/// A child process stopped (with its process group) when dropped.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// A private X server; answers it and its display name.
fn xvfb() -> Result<(Group, String), String> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start Xvfb (install xvfb): {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let display = format!(":{}", line.trim());
    Ok((Group(child), display))
}

/// One launch: milliseconds to the wizard painted, and idle PSS in MiB.
fn launch(display: &str) -> Result<(f64, f64), String> {
    use std::os::unix::process::CommandExt;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    for dir in ["cache", "config", "data", "runtime"] {
        std::fs::create_dir_all(profile.path().join(dir)).map_err(|e| e.to_string())?;
    }
    let binary = app_binary();
    if !binary.exists() {
        return Err(format!(
            "the app is not built: {} is missing",
            binary.display()
        ));
    }
    let started = Instant::now();
    let mut child = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", SESSION, "session"])
        .arg(&binary)
        .env("DISPLAY", display)
        .env("DYNASYNC_REPORT_READY", "1")
        .env("NO_AT_BRIDGE", "1")
        .env("XDG_CACHE_HOME", profile.path().join("cache"))
        .env("XDG_CONFIG_HOME", profile.path().join("config"))
        .env("XDG_DATA_HOME", profile.path().join("data"))
        .env("XDG_RUNTIME_DIR", profile.path().join("runtime"))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start the app: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let group = Group(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with(READY) {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the app never reported its first screen painted within 60 s".to_owned())?;
    let painted = started.elapsed().as_secs_f64() * 1000.0;
    std::thread::sleep(Duration::from_secs(5));
    let pss = app_pss_kib(group.0.id());
    drop(group);
    Ok((painted, pss? as f64 / 1024.0))
}

/// The PSS of the app and the WebKit processes under `root`, in KiB.
fn app_pss_kib(root: u32) -> Result<u64, String> {
    let processes: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The name is in parentheses and may hold spaces; the parent id follows it.
            let close = stat.rfind(')')?;
            let name = stat[stat.find('(')? + 1..close].to_owned();
            let parent = stat[close + 2..].split(' ').nth(1)?.parse().ok()?;
            Some((pid, parent, name))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(processes.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    let measured: Vec<u32> = processes
        .iter()
        .filter(|(pid, _, name)| {
            tree.contains(pid) && (name.starts_with("dynasync-app") || name.starts_with("WebKit"))
        })
        .map(|p| p.0)
        .collect();
    if !measured.iter().any(|pid| {
        processes
            .iter()
            .any(|p| p.0 == *pid && p.2.starts_with("dynasync-app"))
    }) {
        return Err("the app process was not found to measure".into());
    }
    Ok(measured
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|rollup| {
            rollup
                .lines()
                .find(|l| l.starts_with("Pss:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .sum())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn startup(options: Options) -> Outcome {
    let (_xvfb, display) = xvfb()?;
    let runs = if options.quick { 1 } else { 5 };
    let mut painted = Vec::new();
    let mut memory = Vec::new();
    // A first launch warms the disk cache and Mesa's shader cache, as any earlier use would.
    launch(&display)?;
    for _ in 0..runs {
        let (ms, mib) = launch(&display)?;
        painted.push(ms);
        memory.push(mib);
    }
    Ok(vec![
        Figure::new(
            "app_startup",
            "process start to wizard painted (median)",
            median(painted),
            "ms",
        )
        .against(1_000.0, "goal: the wizard within 1 s"),
        Figure::new(
            "app_startup",
            "idle memory, app + WebKit (PSS, median)",
            median(memory),
            "MiB",
        )
        .against(300.0, "goal: under 300 MiB idle"),
    ])
}

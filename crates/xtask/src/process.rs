//! Running child processes: a small builder, time limits that kill the whole process group, and
//! counting the tests a run reports while its output streams through.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A command to run, with its directory, environment and time limit.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    env: Vec<(OsString, Option<OsString>)>,
    limit: Option<Duration>,
}

impl Cmd {
    pub(crate) fn new(program: impl Into<OsString>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            dir: None,
            env: Vec::new(),
            limit: None,
        }
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub(crate) fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    pub(crate) fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    pub(crate) fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Kills the command (and everything it started) if it runs longer than `limit`.
    pub(crate) fn limit(mut self, limit: Duration) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Runs this command wrapped in another, e.g. `dbus-run-session -- <self>`.
    pub(crate) fn wrapped_in(self, wrapper: &[&str]) -> Self {
        let mut args: Vec<OsString> = wrapper[1..].iter().map(Into::into).collect();
        args.push(self.program);
        args.extend(self.args);
        Cmd {
            program: wrapper[0].into(),
            args,
            ..self
        }
    }

    pub(crate) fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        // Own process group, so a time limit can stop wrappers and everything under them.
        command.process_group(0);
        command
    }

    /// Runs to completion; an error says which command failed and how.
    pub(crate) fn run(&self) -> Result<(), String> {
        self.run_counting().map(|_| ())
    }

    /// Runs to completion, streaming stdout through, and returns the number of tests the output
    /// reports as passed (Rust's libtest summary lines and Vitest's summary).
    pub(crate) fn run_counting(&self) -> Result<u32, String> {
        println!("$ {}", self.display());
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start `{}`: {e}", self.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut passed = 0;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                passed += passed_in(&line);
            }
            passed
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if self.limit.is_some_and(|limit| started.elapsed() > limit) {
                stop_group(child.id());
                let _ = child.wait();
                return Err(format!(
                    "`{}` ran longer than its {} s limit and was stopped",
                    self.display(),
                    self.limit.unwrap_or_default().as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let passed = reader.join().unwrap_or(0);
        if status.success() {
            Ok(passed)
        } else {
            Err(format!("`{}` failed ({status})", self.display()))
        }
    }

    /// Runs and returns stdout, or `None` if the command failed or could not start.
    pub(crate) fn output(&self) -> Option<String> {
        let output = self.command().stderr(Stdio::null()).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts the command in the background.
    pub(crate) fn spawn(&self) -> Result<std::process::Child, String> {
        self.command()
            .spawn()
            .map_err(|e| format!("could not start `{}`: {e}", self.display()))
    }
}

/// SIGTERM to the group, then SIGKILL if it is still there after 10 s. tauri-driver only stops its
/// WebKitWebDriver child on SIGTERM, so SIGKILL first would leave that orphan holding the pipe.
pub(crate) fn stop_group(pid: u32) {
    let group = format!("-{pid}");
    let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
    for _ in 0..100 {
        let alive = Command::new("kill")
            .args(["-0", "--", &group])
            .stderr(Stdio::null())
            .status();
        if !alive.is_ok_and(|s| s.success()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
}

/// Tests reported as passed by one output line.
fn passed_in(line: &str) -> u32 {
    let plain = strip_ansi(line);
    let line = plain.trim();
    // libtest: "test result: ok. 12 passed; 0 failed; 1 ignored; ..."
    if let Some(rest) = line.strip_prefix("test result: ") {
        return rest
            .split(';')
            .find_map(|part| number_before(part, "passed"))
            .unwrap_or(0);
    }
    // Vitest: "Tests  7 passed (7)" or "Tests  1 failed | 6 passed (7)"
    if let Some(rest) = line.strip_prefix("Tests ") {
        return rest
            .split('|')
            .find_map(|part| number_before(part, "passed"))
            .unwrap_or(0);
    }
    0
}

/// Drops terminal colour sequences (`ESC [ ... letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn number_before(part: &str, word: &str) -> Option<u32> {
    let words: Vec<&str> = part.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::passed_in;

    #[test]
    fn counts_libtest_and_vitest_summaries() {
        assert_eq!(
            passed_in("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured"),
            12
        );
        assert_eq!(
            passed_in("test result: FAILED. 3 passed; 1 failed; 0 ignored"),
            3
        );
        assert_eq!(passed_in("      Tests  7 passed (7)"), 7);
        assert_eq!(passed_in(" Tests  1 failed | 6 passed (7)"), 6);
        assert_eq!(passed_in("running 12 tests"), 0);
        assert_eq!(
            passed_in(
                "\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m5 passed\u{1b}[39m\u{1b}[22m (5)"
            ),
            5
        );
    }
}

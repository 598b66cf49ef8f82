//! The `dynasync` binary on a data directory of its own: what it prints, in text and JSON, and the
//! exit codes scripts rely on.

use std::process::{Command, Output};

use serde_json::Value;

fn dynasync(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dynasync"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn status_of_a_fresh_data_directory_says_it_is_not_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dynasync(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("not set up"), "{}", stdout(&out));
    let out = dynasync(dir.path(), &["status", "--json"]);
    let status: Value =
        serde_json::from_slice(&out.stdout).expect("--json prints one JSON document");
    assert_eq!(status["configured"], Value::Bool(false));
    assert_eq!(status["syncingProcess"], Value::Null);
}

#[test]
fn errors_and_why_answer_on_an_empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let out = dynasync(dir.path(), &["errors", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        Value::Array(vec![])
    );
    let out = dynasync(
        dir.path(),
        &["why", "7d8a6c2e-3b1f-4c55-9e0e-0d2f5a0e9b11", "email"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no decision recorded"));
}

#[test]
fn a_wrong_command_line_exits_with_2_and_help_lists_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(dynasync(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let help = stdout(&dynasync(dir.path(), &["--help"]));
    for line in [
        "3  configuration error",
        "4  authentication error",
        "5  Marketo daily quota exhausted",
        "6  partial failure",
    ] {
        assert!(help.contains(line), "--help must document: {line}");
    }
}

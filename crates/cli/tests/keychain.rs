//! `dynasync doctor` against the real keychain (run by `cargo xtask test` with gnome-keyring).

use std::process::Command;

#[test]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
fn doctor_finds_a_working_secret_service() {
    let out = Command::new(env!("CARGO_BIN_EXE_dynasync"))
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "doctor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "keychain: ok (Secret Service)");
}

//! `dynasync doctor` tells the user plainly when secrets cannot be kept.

use std::process::Command;

#[cfg(target_os = "linux")]
#[test]
fn doctor_names_the_missing_secret_service() {
    let out = Command::new(env!("CARGO_BIN_EXE_dynasync"))
        .arg("doctor")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/dynasync-no-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "with no session bus there is no keychain, so doctor must fail"
    );
    assert!(
        stderr.contains("no Secret Service on this desktop session"),
        "the message must say what is missing, not just fail: {stderr}"
    );
}

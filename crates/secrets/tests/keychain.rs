//! The real OS keychain. `cargo xtask test` runs these inside a private D-Bus session with an
//! unlocked gnome-keyring; a plain `cargo test` skips them (there may be no keyring, or the
//! developer's own).

use std::process::Command;

use dynasync_secrets::{Backend, Keychain, Secret, SecretStore};

fn service() -> String {
    format!("dynasync-test-{}", std::process::id())
}

/// The secret as libsecret's own command-line tool sees it, from outside this process.
fn secret_tool_lookup(service: &str, name: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", name])
        .output()
        .expect("secret-tool (package libsecret-tools) must be installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
fn stores_reads_back_and_deletes_a_secret_in_the_secret_service() {
    let service = service();
    let keychain = Keychain::open(&service);
    assert_eq!(
        keychain.backend(),
        Backend::SecretService,
        "secrets must go to the Secret Service, not a mock"
    );
    let name = "dynamics/client-secret";

    keychain.store(name, &Secret::new("first value")).unwrap();
    assert_eq!(
        secret_tool_lookup(&service, name).as_deref(),
        Some("first value"),
        "another program must find the secret in gnome-keyring: it is really stored there"
    );
    assert_eq!(
        keychain.read(name).unwrap().expect("stored").expose(),
        "first value"
    );

    keychain.store(name, &Secret::new("rotated value")).unwrap();
    assert_eq!(
        keychain.read(name).unwrap().expect("replaced").expose(),
        "rotated value"
    );

    keychain.delete(name).unwrap();
    assert!(
        keychain.read(name).unwrap().is_none(),
        "a deleted secret must be gone"
    );
    assert_eq!(
        secret_tool_lookup(&service, name),
        None,
        "gnome-keyring must no longer hold it"
    );
    keychain
        .delete(name)
        .expect("deleting a missing secret is not an error");
}

#[test]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
fn startup_check_passes_on_an_unlocked_keyring() {
    assert_eq!(
        Keychain::open(service()).check().expect("round trip"),
        Backend::SecretService
    );
}

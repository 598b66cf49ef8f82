//! The committed TypeScript bindings match the Rust IPC types.

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/bindings.ts");
    let expected = dynasync_app::ipc::typescript_bindings();
    if std::env::var_os("DYNASYNC_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is stale: run `cargo xtask bindings` and commit the result",
        path.display()
    );
}

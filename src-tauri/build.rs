//! Embeds the built web UI. It must exist before the app compiles.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    if !dist.exists() {
        panic!(
            "the web UI is not built ({} is missing): run `cargo xtask ui` (or `npm --prefix ui ci && \
             npm --prefix ui run build`) first",
            dist.display()
        );
    }
    tauri_build::build();
}

//! The Dynasync desktop shell: the window, the commands the web UI calls, and the events it hears.
//!
//! This crate only adapts: every command is a few lines that call one API crate and map its answer
//! to the IPC types in [`ipc`]. Long work is spawned and reported through events.

pub mod commands;
pub mod ipc;

use std::sync::Arc;

use dynasync_secrets::{Keychain, SecretStore};
use tauri::{Builder, Runtime};

/// The keychain service name every Dynasync secret is stored under.
pub const KEYCHAIN_SERVICE: &str = "dynasync";

/// Registers the managed state and the commands. Shared by [`run`] and the mock-runtime tests.
pub fn setup<R: Runtime>(builder: Builder<R>, secrets: Arc<dyn SecretStore>) -> Builder<R> {
    builder
        .manage(secrets)
        .invoke_handler(tauri::generate_handler![commands::startup_check])
}

/// Starts the desktop app.
pub fn run() {
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::open(KEYCHAIN_SERVICE));
    if let Err(error) = setup(tauri::Builder::default(), secrets).run(tauri::generate_context!()) {
        eprintln!("Dynasync could not start: {error}");
        std::process::exit(1);
    }
}

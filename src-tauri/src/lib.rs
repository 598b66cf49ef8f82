//! The Dynasync desktop shell: the window, the tray, the commands the web UI calls, and the events
//! it hears.
//!
//! This crate only adapts: every command is a few lines that call the engine and map its answer to
//! the IPC types in [`ipc`]. Long work runs in the engine; the UI hears about it through events.

pub mod commands;
mod events;
mod i18n;
pub mod ipc;
mod tray;

use std::sync::Arc;

use dynasync_engine::{Engine, default_data_dir, keychain_service};
use dynasync_secrets::{Keychain, SecretStore};
use tauri::{Builder, Manager, Runtime, WindowEvent};

/// Registers the managed engine and the commands. Shared by [`run`] and the mock-runtime tests.
pub fn setup<R: Runtime>(builder: Builder<R>, engine: Engine) -> Builder<R> {
    builder
        .manage(engine)
        .invoke_handler(tauri::generate_handler![
            commands::startup_check,
            commands::status,
            commands::quick_sync,
            commands::pause,
            commands::resume,
            commands::runs,
            commands::errors,
            commands::retry_errors,
            commands::why,
            commands::language,
            commands::set_language,
        ])
}

/// Starts the desktop app.
pub fn run() {
    let data_dir = default_data_dir();
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::open(keychain_service(&data_dir)));
    let engine = match Engine::open(&data_dir, secrets) {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!(
                "Dynasync could not open its data in {}: {error}",
                default_data_dir().display()
            );
            std::process::exit(1);
        }
    };
    let builder = Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app)
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init());
    let started = engine.clone();
    let app = setup(builder, engine.clone())
        .setup(move |app| {
            let language = tauri::async_runtime::block_on(started.language())
                .ok()
                .flatten()
                .unwrap_or_else(|| "en".into());
            if let Err(error) = tray::install(app.handle(), &language) {
                eprintln!(
                    "no tray icon on this desktop ({error}); closing the window will quit Dynasync"
                );
            }
            events::forward_status(app.handle().clone(), started.clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            // With a tray, closing the window keeps the sync running in the background.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id(tray::TRAY_ID).is_some()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(move |_, event| {
            if let tauri::RunEvent::Exit = event {
                tauri::async_runtime::block_on(engine.shutdown());
            }
        }),
        Err(error) => {
            eprintln!("Dynasync could not start: {error}");
            std::process::exit(1);
        }
    }
}

//! The Dynasync desktop shell: the window, the tray, the commands the web UI calls, and the events
//! it hears.
//!
//! This crate only adapts: every command is a few lines that call the engine and map its answer to
//! the IPC types in [`ipc`]. Long work runs in the engine; the UI hears about it through events.

pub mod commands;
mod events;
mod i18n;
pub mod ipc;
pub mod sandbox;
pub mod sandbox_control;
mod tray;
pub mod wizard;

use std::sync::Arc;

use dynasync_engine::{Engine, default_data_dir, keychain_service};
use dynasync_secrets::{Keychain, SecretStore};
use tauri::{Builder, Manager, Runtime, WindowEvent};

use crate::ipc::LaunchOptions;
use crate::sandbox::SandboxHost;
use crate::sandbox_control::SandboxData;

/// Registers the managed engine, the sandbox host and the commands. Shared by [`run`] and the
/// mock-runtime tests.
pub fn setup<R: Runtime>(
    builder: Builder<R>,
    engine: Engine,
    sandbox: SandboxHost,
    launch: LaunchOptions,
) -> Builder<R> {
    builder
        .manage(engine)
        .manage(sandbox)
        .manage(launch)
        .invoke_handler(tauri::generate_handler![
            commands::startup_check,
            commands::ui_ready,
            commands::status,
            commands::overview,
            commands::quick_sync,
            commands::pause,
            commands::resume,
            commands::confirm,
            commands::disconnect,
            commands::runs,
            commands::errors,
            commands::retry_errors,
            commands::export_errors,
            commands::why,
            commands::language,
            commands::set_language,
            commands::find_marketo_people,
            commands::dynamics_users,
            commands::sync_person_to_dynamics,
            commands::person_requests,
            commands::sandbox_view,
            commands::sandbox_edit,
            commands::sandbox_simulate,
            commands::sandbox_faults,
            wizard::setup_state,
            wizard::choose_sandbox,
            wizard::choose_own_systems,
            wizard::check_dynamics,
            wizard::check_marketo,
            wizard::catalog,
            wizard::custom_entities,
            wizard::save_selection,
            wizard::options,
            wizard::set_options,
            wizard::marketo_lists,
            wizard::preview,
            wizard::finish_setup,
        ])
}

/// Resumes what the last launch left: a sandbox setup is set up again on this launch's fresh
/// sandbox; a real one starts syncing.
async fn resume(engine: Engine, app: tauri::AppHandle) {
    let host = app.state::<SandboxHost>();
    sandbox::restore(&engine, &host, wizard::PROCESS_NAME).await;
    let configured = engine.overview().await.is_ok_and(|o| o.configured);
    if configured
        && !engine.is_running()
        && let Err(error) = engine.start(wizard::PROCESS_NAME).await
    {
        eprintln!("Dynasync could not start syncing: {error}");
    }
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
    let sandbox = SandboxHost::new(SandboxData::from_env()).restoring();
    let app = setup(builder, engine.clone(), sandbox, LaunchOptions::from_env())
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
            tauri::async_runtime::spawn(resume(started.clone(), app.handle().clone()));
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

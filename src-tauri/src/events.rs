//! What the Rust side tells the UI and the desktop on its own: every status change goes to the UI as
//! a `status` event and refreshes the tray; the end of the first sync and a failed cycle raise an
//! OS notification.

use dynasync_engine::Engine;
use dynasync_engine::status::SyncState;
use dynasync_engine::store::runs::{RunKind, RunStatus};
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

use crate::i18n::text;
use crate::tray;

/// The event the UI listens to for status changes.
pub(crate) const STATUS_EVENT: &str = "status";

/// Follows the engine's status until the app ends.
pub(crate) fn forward_status(app: AppHandle, engine: Engine) {
    tauri::async_runtime::spawn(async move {
        let mut status = engine.status();
        let mut was_syncing = false;
        loop {
            let current = status.borrow_and_update().clone();
            let _ = app.emit(STATUS_EVENT, &current);
            let language = engine
                .language()
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| "en".into());
            tray::refresh(&app, &language, current.state);
            if was_syncing && current.state != SyncState::Syncing {
                notify_run_end(&app, &engine, &language).await;
            }
            was_syncing = current.state == SyncState::Syncing;
            if status.changed().await.is_err() {
                break;
            }
        }
    });
}

async fn notify_run_end(app: &AppHandle, engine: &Engine, language: &str) {
    let Ok(runs) = engine.runs(1).await else {
        return;
    };
    let Some(run) = runs.first() else { return };
    let key = match (run.kind, run.status) {
        (RunKind::FirstSync, RunStatus::Succeeded | RunStatus::PartlyFailed) => {
            "notification.firstSyncDone"
        }
        (_, RunStatus::Failed) => "notification.cycleFailed",
        _ => return,
    };
    let body = match &run.message {
        Some(message) if run.status == RunStatus::Failed => {
            format!("{} {message}", text(language, &format!("{key}.body")))
        }
        _ => text(language, &format!("{key}.body")),
    };
    // No notification daemon (a bare desktop, CI) is not an error worth more than silence.
    let _ = app
        .notification()
        .builder()
        .title(text(language, &format!("{key}.title")))
        .body(body)
        .show();
}

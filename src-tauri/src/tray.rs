//! The tray icon: the sync keeps running when the window is closed, and the menu opens it again,
//! runs a Quick Sync, pauses or resumes, and quits.

use dynasync_engine::Engine;
use dynasync_engine::status::SyncState;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::i18n::text;

pub(crate) const TRAY_ID: &str = "dynasync";

/// Builds the tray menu in `language`; the pause item reads Resume while the sync is paused.
fn menu(app: &AppHandle, language: &str, paused: bool) -> tauri::Result<Menu<Wry>> {
    let item =
        |id: &str, key: &str| MenuItem::with_id(app, id, text(language, key), true, None::<&str>);
    let pause = if paused {
        item("resume", "tray.resume")?
    } else {
        item("pause", "tray.pause")?
    };
    Menu::with_items(
        app,
        &[
            &item("open", "tray.open")?,
            &item("quick-sync", "tray.quickSync")?,
            &pause,
            &item("quit", "tray.quit")?,
        ],
    )
}

/// Adds the tray icon. A desktop without a tray still runs the app; the window's close button then
/// quits instead of hiding.
pub(crate) fn install(app: &AppHandle, language: &str) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Dynasync")
        .menu(&menu(app, language, false)?);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| {
        let engine = app.state::<Engine>();
        match event.id().as_ref() {
            "open" => show_window(app),
            "quick-sync" => engine.quick_sync(),
            "pause" => engine.pause(),
            "resume" => engine.resume(),
            "quit" => app.exit(0),
            _ => {}
        }
    })
    .build(app)?;
    Ok(())
}

/// Refreshes the menu's labels for the sync state and language.
pub(crate) fn refresh(app: &AppHandle, language: &str, state: SyncState) {
    if let (Some(tray), Ok(menu)) = (
        app.tray_by_id(TRAY_ID),
        menu(app, language, state == SyncState::Paused),
    ) {
        let _ = tray.set_menu(Some(menu));
    }
}

/// Shows, unminimises and focuses the main window.
pub(crate) fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

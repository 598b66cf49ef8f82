//! The commands the web UI invokes. Each one calls an API crate and maps the answer to [`crate::ipc`].

use std::sync::Arc;

use dynasync_secrets::SecretStore;
use tauri::State;

use crate::ipc::{IpcError, StartupReport};

/// Checks what Dynasync needs before the first screen: today, that the OS keychain keeps secrets.
#[tauri::command]
pub async fn startup_check(
    secrets: State<'_, Arc<dyn SecretStore>>,
) -> Result<StartupReport, IpcError> {
    let store = Arc::clone(&secrets);
    let keychain = tauri::async_runtime::spawn_blocking(move || store.check()).await?;
    Ok(StartupReport::new(keychain))
}

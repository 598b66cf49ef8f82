//! The commands the web UI invokes. Each calls the engine and maps its answer to [`crate::ipc`].

use dynasync_engine::Engine;
use dynasync_engine::status::Status;
use dynasync_engine::store::errors::RecordError;
use dynasync_engine::store::journal::Entry;
use dynasync_engine::store::runs::Run;
use tauri::State;

use crate::ipc::{IpcError, StartupReport};

type Answer<T> = Result<T, IpcError>;

/// Checks what Dynasync needs before the first screen: today, that the OS keychain keeps secrets.
#[tauri::command]
pub async fn startup_check(engine: State<'_, Engine>) -> Answer<StartupReport> {
    let secrets = engine.secrets().clone();
    let keychain = tauri::async_runtime::spawn_blocking(move || secrets.check()).await?;
    Ok(StartupReport::new(keychain))
}

/// The sync's status now; changes arrive as `status` events.
#[tauri::command]
pub async fn status(engine: State<'_, Engine>) -> Answer<Status> {
    Ok(engine.status().borrow().clone())
}

#[tauri::command]
pub async fn quick_sync(engine: State<'_, Engine>) -> Answer<()> {
    engine.quick_sync();
    Ok(())
}

#[tauri::command]
pub async fn pause(engine: State<'_, Engine>) -> Answer<()> {
    engine.pause();
    Ok(())
}

#[tauri::command]
pub async fn resume(engine: State<'_, Engine>) -> Answer<()> {
    engine.resume();
    Ok(())
}

#[tauri::command]
pub async fn runs(engine: State<'_, Engine>, limit: u32) -> Answer<Vec<Run>> {
    Ok(engine.runs(limit as usize).await?)
}

#[tauri::command]
pub async fn errors(engine: State<'_, Engine>, search: Option<String>) -> Answer<Vec<RecordError>> {
    Ok(engine.errors(search, 500).await?)
}

#[tauri::command]
pub async fn retry_errors(engine: State<'_, Engine>, ids: Option<Vec<i64>>) -> Answer<u32> {
    Ok(engine.retry_errors(ids).await? as u32)
}

#[tauri::command]
pub async fn why(
    engine: State<'_, Engine>,
    record: String,
    field: Option<String>,
) -> Answer<Vec<Entry>> {
    Ok(engine.why(record, field).await?)
}

#[tauri::command]
pub async fn language(engine: State<'_, Engine>) -> Answer<Option<String>> {
    Ok(engine.language().await?)
}

#[tauri::command]
pub async fn set_language(engine: State<'_, Engine>, language: String) -> Answer<()> {
    Ok(engine.set_language(language).await?)
}

//! The dashboard's commands. Each calls the engine (or the sandbox's control API) and maps its
//! answer to [`crate::ipc`]; the setup wizard's are in [`crate::wizard`].

use dynasync_engine::people::{DynamicsUser, MarketoPersonSummary, PersonRequest};
use dynasync_engine::status::Status;
use dynasync_engine::store::errors::RecordError;
use dynasync_engine::store::journal::Entry;
use dynasync_engine::store::requests::SyncAs;
use dynasync_engine::store::runs::Run;
use dynasync_engine::{Engine, Overview};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::ipc::{IpcError, LaunchOptions, StartupReport};
use crate::sandbox::SandboxHost;
use crate::sandbox_control::{SandboxEdit, SandboxFaults, SandboxView};

type Answer<T> = Result<T, IpcError>;

/// Checks what Dynasync needs before the first screen (the OS keychain keeps secrets), after a
/// sandbox setup from an earlier launch was set up again on this launch's sandbox.
#[tauri::command]
pub async fn startup_check(
    engine: State<'_, Engine>,
    host: State<'_, SandboxHost>,
    launch: State<'_, LaunchOptions>,
) -> Answer<StartupReport> {
    let secrets = engine.secrets().clone();
    let keychain = tauri::async_runtime::spawn_blocking(move || secrets.check()).await?;
    Ok(StartupReport::new(keychain, host.restored().await, &launch))
}

/// The UI has painted its first screen; `cargo xtask bench` measures the time to this line.
#[tauri::command]
pub async fn ui_ready(launch: State<'_, LaunchOptions>) -> Answer<()> {
    if launch.report_ready {
        println!("dynasync: ui-ready");
    }
    Ok(())
}

#[tauri::command]
pub async fn overview(engine: State<'_, Engine>) -> Answer<Overview> {
    Ok(engine.overview().await?)
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

/// Lets the cycle the circuit breaker stopped go on.
#[tauri::command]
pub async fn confirm(engine: State<'_, Engine>) -> Answer<()> {
    engine.confirm();
    Ok(())
}

/// Stops syncing, removes the secrets from the keychain and forgets the setup.
#[tauri::command]
pub async fn disconnect(engine: State<'_, Engine>) -> Answer<()> {
    Ok(engine.disconnect().await?)
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

/// Writes the open errors matching `search` as CSV into the Downloads folder; answers the path.
#[tauri::command]
pub async fn export_errors<R: Runtime>(
    app: AppHandle<R>,
    engine: State<'_, Engine>,
    search: Option<String>,
) -> Answer<String> {
    let csv = engine.errors_csv(search).await?;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir())?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("dynasync-errors-{stamp}.csv"));
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || std::fs::write(written, csv)).await??;
    Ok(path.display().to_string())
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

#[tauri::command]
pub async fn find_marketo_people(
    engine: State<'_, Engine>,
    email: String,
) -> Answer<Vec<MarketoPersonSummary>> {
    Ok(engine.find_marketo_people(email).await?)
}

#[tauri::command]
pub async fn dynamics_users(engine: State<'_, Engine>) -> Answer<Vec<DynamicsUser>> {
    Ok(engine.dynamics_users().await?)
}

/// "Sync person to Dynamics": answers `false` when a request for the person is already waiting.
#[tauri::command]
pub async fn sync_person_to_dynamics(
    engine: State<'_, Engine>,
    marketo_id: i64,
    sync_as: SyncAs,
    owner: Option<uuid::Uuid>,
) -> Answer<bool> {
    Ok(engine
        .sync_person_to_dynamics(marketo_id, sync_as, owner)
        .await?)
}

#[tauri::command]
pub async fn person_requests(engine: State<'_, Engine>) -> Answer<Vec<PersonRequest>> {
    Ok(engine.person_requests(20).await?)
}

#[tauri::command]
pub async fn sandbox_view(host: State<'_, SandboxHost>) -> Answer<SandboxView> {
    host.control().await?.view().await
}

/// Edits a person "as a user" of its side; the next cycle syncs it like any change.
#[tauri::command]
pub async fn sandbox_edit(host: State<'_, SandboxHost>, edit: SandboxEdit) -> Answer<()> {
    host.control().await?.edit(edit).await
}

#[tauri::command]
pub async fn sandbox_simulate(host: State<'_, SandboxHost>) -> Answer<()> {
    host.control().await?.simulate().await
}

#[tauri::command]
pub async fn sandbox_faults(host: State<'_, SandboxHost>, faults: SandboxFaults) -> Answer<()> {
    host.control().await?.set_faults(faults).await
}

//! The setup wizard's commands, one per step action, each calling the engine's setup flow. Secrets
//! arrive in the forms once and go to the keychain; nothing here ever returns one.

use dynasync_engine::preview::Preview;
use dynasync_engine::setup::catalog::{CustomEntityOption, EntityFields};
use dynasync_engine::setup::checks::CheckReport;
use dynasync_engine::setup::flow::{Selection, SetupState, SyncOptions};
use dynasync_engine::setup::form::{DynamicsForm, MarketoForm};
use dynasync_engine::{Engine, MarketoList};
use tauri::State;

use crate::ipc::IpcError;
use crate::sandbox::{self, SandboxHost, SandboxPrefill};

type Answer<T> = Result<T, IpcError>;

/// Records the dry-run preview of the first sync looks at per entity.
const PREVIEW_LIMIT: u64 = 500;

/// The name this app gives itself to another process that wants the data directory.
pub(crate) const PROCESS_NAME: &str = "the Dynasync app";

/// Where the setup is, to reopen any step with what was entered (secrets only as "saved").
#[tauri::command]
pub async fn setup_state(engine: State<'_, Engine>) -> Answer<SetupState> {
    Ok(engine.setup_state().await?)
}

/// "Try with the built-in sandbox": starts it and answers what the forms are pre-filled with.
#[tauri::command]
pub async fn choose_sandbox(
    engine: State<'_, Engine>,
    host: State<'_, SandboxHost>,
) -> Answer<SandboxPrefill> {
    sandbox::choose(&engine, &host).await
}

/// "Connect my systems".
#[tauri::command]
pub async fn choose_own_systems(engine: State<'_, Engine>) -> Answer<()> {
    Ok(engine.set_sandbox(false).await?)
}

#[tauri::command]
pub async fn check_dynamics(engine: State<'_, Engine>, form: DynamicsForm) -> Answer<CheckReport> {
    Ok(engine.check_dynamics(form).await?)
}

#[tauri::command]
pub async fn check_marketo(engine: State<'_, Engine>, form: MarketoForm) -> Answer<CheckReport> {
    Ok(engine.check_marketo(form).await?)
}

#[tauri::command]
pub async fn catalog(engine: State<'_, Engine>) -> Answer<Vec<EntityFields>> {
    Ok(engine.catalog().await?)
}

#[tauri::command]
pub async fn custom_entities(engine: State<'_, Engine>) -> Answer<Vec<CustomEntityOption>> {
    Ok(engine.custom_entities().await?)
}

/// Saves the chosen fields and custom entities. After the first sync, new fields are back-filled
/// and new custom entities copied, starting now rather than at the next cycle (R46).
#[tauri::command]
pub async fn save_selection(engine: State<'_, Engine>, selection: Selection) -> Answer<()> {
    engine.save_selection(selection).await?;
    engine.quick_sync();
    Ok(())
}

#[tauri::command]
pub async fn options(engine: State<'_, Engine>) -> Answer<SyncOptions> {
    Ok(engine.options().await?)
}

#[tauri::command]
pub async fn set_options(engine: State<'_, Engine>, options: SyncOptions) -> Answer<()> {
    Ok(engine.set_options(options).await?)
}

#[tauri::command]
pub async fn marketo_lists(engine: State<'_, Engine>) -> Answer<Vec<MarketoList>> {
    Ok(engine.marketo_lists().await?)
}

/// The dry run of the first sync (or of the next cycle once set up).
#[tauri::command]
pub async fn preview(engine: State<'_, Engine>) -> Answer<Preview> {
    Ok(engine.preview(Some(PREVIEW_LIMIT)).await?)
}

/// "Start first sync": finishes the setup and starts syncing; progress arrives as `status` events.
#[tauri::command]
pub async fn finish_setup(engine: State<'_, Engine>) -> Answer<()> {
    engine.finish_setup().await?;
    Ok(engine.start(PROCESS_NAME).await?)
}

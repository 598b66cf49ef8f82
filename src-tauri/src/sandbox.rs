//! The built-in sandbox, run inside the app's process when the user picks "Try with the built-in
//! sandbox". It lives as long as the app: each launch starts a fresh one, so a sandbox setup saved
//! by an earlier launch is set up again on the new sandbox with the same choices, then synced.

use std::sync::Arc;

use dynasync_engine::Engine;
use dynasync_engine::config::secret_names;
use dynasync_engine::setup::form::{ConnectionKind, DynamicsForm, MarketoForm};
use dynasync_sandbox::{Sandbox, SandboxConfig, SandboxInfo};
use dynasync_secrets::Secret;
use serde::Serialize;
use tokio::sync::{Mutex, watch};
use ts_rs::TS;

use crate::ipc::{ErrorCode, IpcError};
use crate::sandbox_control::{Control, SandboxData};

/// Everything the wizard pre-fills for the sandbox, secrets excepted: they go straight to the
/// keychain, as if typed once.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxPrefill {
    pub org_url: String,
    pub tenant: String,
    pub client_id: String,
    pub authority_host: String,
    pub rest_url: String,
    pub identity_url: String,
    pub marketo_client_id: String,
    /// The sandbox's control API, to act on it "as a user" from outside the app.
    pub control_url: String,
}

/// What became of a sandbox setup saved by an earlier launch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SandboxRestore {
    /// Nothing to do: no setup, or not a sandbox one.
    NotNeeded,
    Restoring,
    /// Set up again on a fresh sandbox with the same choices; its first sync runs.
    Restored,
    Failed {
        message: String,
    },
}

/// The app's sandbox, once started.
#[derive(Debug)]
pub struct SandboxHost {
    running: Mutex<Option<(Sandbox, Control)>>,
    data: SandboxData,
    restore: watch::Sender<SandboxRestore>,
}

impl SandboxHost {
    pub fn new(data: SandboxData) -> SandboxHost {
        SandboxHost {
            running: Mutex::new(None),
            data,
            restore: watch::Sender::new(SandboxRestore::NotNeeded),
        }
    }

    /// A host whose earlier sandbox setup, if any, [`restore`] is about to set up again: the
    /// startup check waits for it.
    pub fn restoring(self) -> SandboxHost {
        self.restore.send_replace(SandboxRestore::Restoring);
        self
    }

    /// Starts the sandbox (once) with its sample data; answers its URLs and credentials.
    async fn start(&self) -> Result<SandboxInfo, IpcError> {
        let mut running = self.running.lock().await;
        if let Some((sandbox, _)) = running.as_ref() {
            return Ok(sandbox.info().clone());
        }
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .map_err(|e| internal(format!("the sandbox could not start: {e}")))?;
        let control = Control::new(&sandbox.info().control_url);
        control.seed(self.data).await?;
        let info = sandbox.info().clone();
        *running = Some((sandbox, control));
        Ok(info)
    }

    /// The control API of the running sandbox.
    pub async fn control(&self) -> Result<Control, IpcError> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|(_, control)| control.clone())
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::NotConfigured,
                    "the built-in sandbox is not running: choose it on the welcome step",
                )
            })
    }

    /// Waits for the restore of an earlier sandbox setup to end, and says how it went.
    pub async fn restored(&self) -> SandboxRestore {
        let mut watch = self.restore.subscribe();
        let state = watch
            .wait_for(|s| *s != SandboxRestore::Restoring)
            .await
            .map(|s| s.clone());
        state.unwrap_or(SandboxRestore::NotNeeded)
    }
}

fn internal(message: String) -> IpcError {
    IpcError::new(ErrorCode::Internal, message)
}

/// "Try with the built-in sandbox": starts it, marks the setup as a sandbox one and keeps its
/// secrets in the keychain.
pub async fn choose(engine: &Engine, host: &SandboxHost) -> Result<SandboxPrefill, IpcError> {
    let info = host.start().await?;
    engine.set_sandbox(true).await?;
    let secrets = Arc::clone(engine.secrets());
    let (dynamics, marketo) = (
        Secret::new(info.app.client_secret.clone()),
        Secret::new(info.marketo.client_secret.clone()),
    );
    tauri::async_runtime::spawn_blocking(move || {
        secrets.store(secret_names::DYNAMICS_CLIENT_SECRET, &dynamics)?;
        secrets.store(secret_names::MARKETO_CLIENT_SECRET, &marketo)
    })
    .await?
    .map_err(dynasync_engine::EngineError::from)?;
    Ok(prefill(&info))
}

fn prefill(info: &SandboxInfo) -> SandboxPrefill {
    SandboxPrefill {
        org_url: info.dataverse.org_url.clone(),
        tenant: info.entra.tenant_id.to_string(),
        client_id: info.app.client_id.to_string(),
        authority_host: info.entra.authority_host.clone(),
        rest_url: info.marketo.rest_url.clone(),
        identity_url: info.marketo.identity_url.clone(),
        marketo_client_id: info.marketo.client_id.to_string(),
        control_url: info.control_url.clone(),
    }
}

/// Sets a saved sandbox setup up again on this launch's fresh sandbox, keeping the fields, custom
/// entities, options and language, then starts its first sync. Does nothing for a real setup.
pub async fn restore(engine: &Engine, host: &SandboxHost, who: &str) {
    if !matches!(engine.overview().await, Ok(o) if o.configured && o.sandbox) {
        host.restore.send_replace(SandboxRestore::NotNeeded);
        return;
    }
    host.restore.send_replace(SandboxRestore::Restoring);
    let outcome = match set_up_again(engine, host, who).await {
        Ok(()) => SandboxRestore::Restored,
        Err(error) => SandboxRestore::Failed {
            message: error.message,
        },
    };
    host.restore.send_replace(outcome);
}

async fn set_up_again(engine: &Engine, host: &SandboxHost, who: &str) -> Result<(), IpcError> {
    let selection = engine.selection().await?;
    let options = engine.options().await?;
    engine.disconnect().await?;
    let prefill = choose(engine, host).await?;
    let report = engine.check_dynamics(dynamics_form(&prefill)).await?;
    let marketo = engine.check_marketo(marketo_form(&prefill)).await?;
    if !report.ok || !marketo.ok {
        return Err(internal(
            "the fresh sandbox refused its own credentials".into(),
        ));
    }
    engine.set_options(options).await?;
    engine.save_selection(selection).await?;
    engine.finish_setup().await?;
    Ok(engine.start(who).await?)
}

/// The Dynamics form for the sandbox, its secret already in the keychain.
pub fn dynamics_form(prefill: &SandboxPrefill) -> DynamicsForm {
    DynamicsForm {
        org_url: prefill.org_url.clone(),
        connection: ConnectionKind::App,
        tenant: prefill.tenant.clone(),
        client_id: prefill.client_id.clone(),
        authority_host: Some(prefill.authority_host.clone()),
        client_secret: None,
        username: None,
        password: None,
    }
}

/// The Marketo form for the sandbox, its secret already in the keychain.
pub fn marketo_form(prefill: &SandboxPrefill) -> MarketoForm {
    MarketoForm {
        rest_url: prefill.rest_url.clone(),
        identity_url: prefill.identity_url.clone(),
        client_id: prefill.marketo_client_id.clone(),
        client_secret: None,
    }
}

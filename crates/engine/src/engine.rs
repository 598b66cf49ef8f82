//! [`Engine`]: the one API the desktop app and the CLI call. It owns the data directory (the SQLite
//! store and the lock), reaches the keychain, runs the scheduler, and answers every question the
//! dashboard and `dynasync status|errors|why` ask.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dynasync_secrets::SecretStore;
use tokio::sync::watch;

use crate::clients::ClientLimits;
use crate::error::EngineError;
use crate::lock::DataDirLock;
use crate::schedule::Scheduler;
use crate::setup::flow::SyncOptions;
use crate::status::Status;
use crate::store::errors::RecordError;
use crate::store::journal::Entry;
use crate::store::runs::Run;
use crate::store::{self, Store};

/// The data directory the app and the CLI share unless told otherwise: the platform's data
/// directory under the app's identifier (what Tauri calls the app data dir).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("com.dynasync.desktop")
}

/// The OS keychain service a data directory's secrets are stored under: `dynasync` for the default
/// data directory (the app's, shared with the CLI), and one of its own for any other, so that two
/// installations on one machine (two orgs on a server) never read each other's secrets.
pub fn keychain_service(data_dir: &Path) -> String {
    if data_dir == default_data_dir() {
        "dynasync".to_owned()
    } else {
        format!("dynasync ({})", data_dir.display())
    }
}

/// The database file in a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("dynasync.db")
}

/// What is known of an installation without running it: for `dynasync status` and the dashboard.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub configured: bool,
    pub sandbox: bool,
    pub dynamics_url: Option<String>,
    pub marketo_url: Option<String>,
    pub first_sync_done: bool,
    /// The process syncing this data right now, if any.
    pub syncing_process: Option<String>,
    pub recent_runs: Vec<Run>,
    pub open_errors: u64,
    /// Changes pulled and not yet applied, per side and entity.
    pub backlog: Vec<Backlog>,
}

/// Pending changes of one side and entity.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Backlog {
    pub side: crate::model::Side,
    pub entity: String,
    pub pending: u64,
}

/// A Dynasync installation: its data directory, its secrets and its sync.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) data_dir: PathBuf,
    pub(crate) store: Arc<Store>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) status: Arc<watch::Sender<Status>>,
    pub(crate) scheduler: parking_lot::Mutex<Option<Scheduler>>,
    pub(crate) lock: parking_lot::Mutex<Option<DataDirLock>>,
    pub(crate) limits: ClientLimits,
}

impl Engine {
    /// Opens (creating if needed) the data directory's store. Reading needs no lock; syncing and
    /// changing the setup take the data directory's lock.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Engine, EngineError> {
        Engine::open_with(data_dir, secrets, ClientLimits::default())
    }

    /// Opens with other client limits than the documented ones (engine-only benchmarks against an
    /// unthrottled sandbox).
    pub fn open_with(
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        limits: ClientLimits,
    ) -> Result<Engine, EngineError> {
        let store = Store::open(&database_path(data_dir))?;
        let configured = store.read(store::connection::get)?.is_some();
        let mut status = Status::not_configured();
        if configured {
            status.state = crate::status::SyncState::Stopped;
        }
        let (status, _) = watch::channel(status);
        Ok(Engine {
            inner: Arc::new(Inner {
                data_dir: data_dir.to_owned(),
                store: Arc::new(store),
                secrets,
                status: Arc::new(status),
                scheduler: parking_lot::Mutex::new(None),
                lock: parking_lot::Mutex::new(None),
                limits,
            }),
        })
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The keychain this installation keeps its secrets in.
    pub fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.inner.secrets
    }

    /// The live status; `changed().await` wakes on every change.
    pub fn status(&self) -> watch::Receiver<Status> {
        self.inner.status.subscribe()
    }

    /// Runs store queries on a blocking thread.
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> store::Result<T> + Send + 'static,
    ) -> Result<T, EngineError> {
        let store = Arc::clone(&self.inner.store);
        Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
    }

    /// What the store knows, and who is syncing.
    pub async fn overview(&self) -> Result<Overview, EngineError> {
        let holder = crate::lock::holder(&self.inner.data_dir);
        self.db(move |s| {
            s.read(|c| {
                let saved = store::connection::get(c)?;
                let open_errors: i64 = c.query_row(
                    "SELECT COUNT(*) FROM record_error WHERE resolved_at IS NULL",
                    [],
                    |r| r.get(0),
                )?;
                Ok(Overview {
                    configured: saved.is_some(),
                    sandbox: saved.as_ref().is_some_and(|s| s.sandbox),
                    dynamics_url: saved.as_ref().map(|s| s.dynamics.org_url.clone()),
                    marketo_url: saved.as_ref().map(|s| s.marketo.rest_url.clone()),
                    first_sync_done: store::runs::first_sync_done(c)?,
                    syncing_process: holder,
                    recent_runs: store::runs::recent(c, 10)?,
                    open_errors: open_errors as u64,
                    backlog: store::inbox::backlog(c)?
                        .into_iter()
                        .map(|(side, entity, pending)| Backlog {
                            side,
                            entity,
                            pending,
                        })
                        .collect(),
                })
            })
        })
        .await
    }

    /// The latest runs, newest first.
    pub async fn runs(&self, limit: usize) -> Result<Vec<Run>, EngineError> {
        self.db(move |s| s.read(|c| store::runs::recent(c, limit)))
            .await
    }

    /// Records that failed to sync and are not fixed yet, matching `search` if given.
    pub async fn errors(
        &self,
        search: Option<String>,
        limit: usize,
    ) -> Result<Vec<RecordError>, EngineError> {
        self.db(move |s| s.read(|c| store::errors::open(c, search.as_deref(), limit)))
            .await
    }

    /// Lets the next cycle try these failed records again (all of them when `ids` is `None`), and
    /// runs a cycle now if the sync is running.
    pub async fn retry_errors(&self, ids: Option<Vec<i64>>) -> Result<usize, EngineError> {
        let retried = self
            .db(move |s| s.write(|tx| store::errors::retry(tx, ids.as_deref())))
            .await?;
        self.quick_sync();
        Ok(retried)
    }

    /// The decisions about a record (by Dynamics id or Marketo id), newest first: why each field
    /// holds its value.
    pub async fn why(
        &self,
        record: String,
        field: Option<String>,
    ) -> Result<Vec<Entry>, EngineError> {
        self.db(move |s| {
            s.read(|c| store::journal::for_record(c, record.trim(), field.as_deref(), 200))
        })
        .await
    }

    /// The interface language chosen by the user (`en`, `fr`), if any.
    pub async fn language(&self) -> Result<Option<String>, EngineError> {
        self.db(|s| s.read(|c| store::settings::get(c, "language")))
            .await
    }

    /// Remembers the interface language for the app, its tray and its notifications.
    pub async fn set_language(&self, language: String) -> Result<(), EngineError> {
        self.db(move |s| s.write(|tx| store::settings::set(tx, "language", &language)))
            .await
    }

    /// Starts syncing: takes the data directory's lock (naming this process `who` to others),
    /// closes the runs a previous process left open, and schedules the first sync or the next
    /// cycle. Calling it again while running does nothing.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`] before the setup is finished; [`EngineError::Locked`] when
    /// another process syncs this data.
    pub async fn start(&self, who: &str) -> Result<(), EngineError> {
        if self.inner.scheduler.lock().is_some() {
            return Ok(());
        }
        let saved = self
            .db(|s| s.read(store::connection::get))
            .await?
            .ok_or(EngineError::NotConfigured)?;
        let lock = DataDirLock::acquire(&self.inner.data_dir, who)?;
        let now = chrono::Utc::now();
        let (first_sync_done, options) = self
            .db(move |s| {
                s.write(|tx| {
                    store::runs::close_abandoned(tx, now)?;
                    Ok((
                        store::runs::first_sync_done(tx)?,
                        store::settings::get::<SyncOptions>(tx, "options")?.unwrap_or_default(),
                    ))
                })
            })
            .await?;
        let start = crate::schedule::Start {
            interval: std::time::Duration::from_secs(u64::from(options.interval_minutes) * 60),
            first_sync_done,
            paused: false,
            sandbox: saved.sandbox,
        };
        let runner = Arc::new(crate::exec::Runner::new(self.clone()));
        let scheduler = Scheduler::spawn(runner, start, Arc::clone(&self.inner.status));
        *self.inner.lock.lock() = Some(lock);
        *self.inner.scheduler.lock() = Some(scheduler);
        Ok(())
    }

    /// Runs one cycle now, in the foreground (the first sync if it has not completed), and
    /// returns how it ended. For `dynasync sync --once` and tests; the app uses [`Engine::start`].
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`], [`EngineError::Locked`], or [`EngineError::Setup`] when
    /// this engine is already running its scheduler.
    pub async fn sync_once(
        &self,
        who: &str,
        confirmed: bool,
    ) -> Result<crate::schedule::CycleOutcome, EngineError> {
        self.sync_once_until(who, confirmed, tokio_util::sync::CancellationToken::new())
            .await
    }

    /// [`Engine::sync_once`], stopping after the current batch once `cancel` is cancelled (Ctrl-C).
    ///
    /// # Errors
    /// As [`Engine::sync_once`].
    pub async fn sync_once_until(
        &self,
        who: &str,
        confirmed: bool,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Result<crate::schedule::CycleOutcome, EngineError> {
        use crate::schedule::Cycles;
        if self.is_running() {
            return Err(EngineError::Setup(
                "the sync is already running here: use Quick Sync".into(),
            ));
        }
        self.db(|s| s.read(store::connection::get))
            .await?
            .ok_or(EngineError::NotConfigured)?;
        let _lock = DataDirLock::acquire(&self.inner.data_dir, who)?;
        let now = chrono::Utc::now();
        let first_sync_done = self
            .db(move |s| {
                s.write(|tx| {
                    store::runs::close_abandoned(tx, now)?;
                    store::runs::first_sync_done(tx)
                })
            })
            .await?;
        let kind = if first_sync_done {
            store::runs::RunKind::QuickSync
        } else {
            store::runs::RunKind::FirstSync
        };
        let runner = crate::exec::Runner::new(self.clone());
        let request = crate::schedule::CycleRequest { kind, confirmed };
        Ok(runner.run(request, cancel).await)
    }

    /// Whether this process is syncing (holds the data directory).
    pub fn is_running(&self) -> bool {
        self.inner.scheduler.lock().is_some()
    }

    /// Runs a cycle now, if the sync is running.
    pub fn quick_sync(&self) {
        if let Some(scheduler) = self.inner.scheduler.lock().as_ref() {
            scheduler.quick_sync();
        }
    }

    /// Pauses the sync after the current batch.
    pub fn pause(&self) {
        if let Some(scheduler) = self.inner.scheduler.lock().as_ref() {
            scheduler.pause();
        }
    }

    /// Resumes a paused or stopped sync.
    pub fn resume(&self) {
        if let Some(scheduler) = self.inner.scheduler.lock().as_ref() {
            scheduler.resume();
        }
    }

    /// Lets the cycle the circuit breaker stopped go on.
    pub fn confirm(&self) {
        if let Some(scheduler) = self.inner.scheduler.lock().as_ref() {
            scheduler.confirm();
        }
    }

    /// Forgets this installation: stops the sync, removes the secrets from the keychain and empties
    /// the store (links, history, choices), keeping only the interface language. Nothing is changed
    /// in Dynamics or Marketo. The setup wizard comes next.
    ///
    /// # Errors
    /// [`EngineError::Locked`] when another process syncs this data; [`EngineError::Keychain`]
    /// when a secret cannot be removed (the store is then left as it was).
    pub async fn disconnect(&self) -> Result<(), EngineError> {
        self.shutdown().await;
        let _lock = DataDirLock::acquire(&self.inner.data_dir, "disconnecting")?;
        let secrets = Arc::clone(&self.inner.secrets);
        tokio::task::spawn_blocking(move || {
            crate::config::secret_names::ALL
                .iter()
                .try_for_each(|name| secrets.delete(name))
        })
        .await??;
        self.db(|s| s.write(|tx| store::forget(tx))).await?;
        self.inner
            .status
            .send_replace(crate::status::Status::not_configured());
        Ok(())
    }

    /// Stops the sync after the current batch and waits for it.
    pub async fn shutdown(&self) {
        let scheduler = self.inner.scheduler.lock().take();
        if let Some(scheduler) = scheduler {
            scheduler.shutdown().await;
        }
        self.inner.lock.lock().take();
    }
}

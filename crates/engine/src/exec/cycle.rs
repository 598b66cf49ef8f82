//! One cycle: guards, pulls, the circuit breaker, batches, and how the run ends.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use chrono::{DateTime, Utc};
use dynasync_dynamics::DataverseClient;
use dynasync_marketo::MarketoClient;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::pull::{Listing, PERSON};
use crate::activities::ActivityTypes;
use crate::clients::{dynamics_stop, marketo_stop};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::mapping::Mappings;
use crate::model::{Entity, SYNC_FILTER_COLUMN, Side};
use crate::schedule::{CycleOutcome, CycleRequest, Cycles};
use crate::setup::flow::SyncOptions;
use crate::status::{EntityProgress, Phase, RunProgress, StopCode, StopReason};
use crate::store::connection::{Fingerprint, Saved};
use crate::store::runs::{RunKind, RunStats, RunStatus};
use crate::store::schema::{EnabledEntity, EntityState};
use crate::store::{self, StoreError, inbox, links, runs, schema, settings};

/// Why a cycle ends early.
#[derive(Debug)]
pub(crate) enum Halt {
    /// A guard or a fatal error: the sync waits for the user.
    Stop(StopReason),
    /// A passing failure: the next cycle retries.
    Fail(StopReason),
    /// Marketo's quota (less the reserve) is used up until then.
    Quota(DateTime<Utc>),
    Cancelled,
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Fail(StopReason::new(StopCode::Internal, error.to_string()))
    }
}

impl From<EngineError> for Halt {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Store(e) => e.into(),
            EngineError::Keychain(e) => {
                Halt::Stop(StopReason::new(StopCode::AuthFailed, e.to_string()))
            }
            other => Halt::Stop(StopReason::new(StopCode::Internal, other.to_string())),
        }
    }
}

impl From<dynasync_marketo::Error> for Halt {
    fn from(error: dynasync_marketo::Error) -> Self {
        if let Some(resets_at) = error.quota_resets_at() {
            return Halt::Quota(resets_at);
        }
        match marketo_stop(&error) {
            (reason, true) => Halt::Stop(reason),
            (reason, false) => Halt::Fail(reason),
        }
    }
}

impl From<dynasync_dynamics::Error> for Halt {
    fn from(error: dynasync_dynamics::Error) -> Self {
        match dynamics_stop(&error) {
            (reason, true) => Halt::Stop(reason),
            (reason, false) => Halt::Fail(reason),
        }
    }
}

/// What a cycle works with, read from the store at its start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) saved: Saved,
    pub(crate) mappings: Mappings,
    pub(crate) entities: Vec<EnabledEntity>,
    pub(crate) filter_entities: BTreeSet<Entity>,
    pub(crate) sync_user: Option<Uuid>,
    pub(crate) options: SyncOptions,
    pub(crate) activity_types: Option<ActivityTypes>,
    pub(crate) dynamics_print: Option<Fingerprint>,
    pub(crate) marketo_print: Option<Fingerprint>,
}

async fn load(engine: &Engine) -> Result<Config, Halt> {
    let config = engine
        .db(|s| {
            s.read(|c| {
                let saved = store::connection::get(c)?;
                Ok((
                    saved,
                    schema::mapping_set(c)?,
                    schema::entities(c)?,
                    settings::get::<Uuid>(c, "syncUser")?,
                    settings::get::<SyncOptions>(c, "options")?.unwrap_or_default(),
                    settings::get::<ActivityTypes>(c, "activityTypes")?,
                    store::connection::fingerprint(c, Side::Dynamics)?,
                    store::connection::fingerprint(c, Side::Marketo)?,
                ))
            })
        })
        .await?;
    let (
        saved,
        mappings,
        entities,
        sync_user,
        options,
        activity_types,
        dynamics_print,
        marketo_print,
    ) = config;
    let saved = saved.ok_or_else(|| {
        Halt::Stop(StopReason::new(
            StopCode::Internal,
            "Dynasync is not set up",
        ))
    })?;
    let filter_entities = entities
        .iter()
        .filter(|e| options.use_sync_filter && e.columns.iter().any(|c| c == SYNC_FILTER_COLUMN))
        .map(|e| e.entity.clone())
        .collect();
    Ok(Config {
        saved,
        mappings,
        entities,
        filter_entities,
        sync_user,
        options,
        activity_types,
        dynamics_print,
        marketo_print,
    })
}

/// What the scheduler drives.
#[derive(Debug)]
pub(crate) struct Runner {
    engine: Engine,
}

impl Runner {
    pub(crate) fn new(engine: Engine) -> Runner {
        Runner { engine }
    }
}

impl Cycles for Runner {
    fn run(
        &self,
        request: CycleRequest,
        cancel: CancellationToken,
    ) -> impl Future<Output = CycleOutcome> + Send {
        let engine = self.engine.clone();
        async move { run(engine, request, cancel).await }
    }
}

async fn run(engine: Engine, request: CycleRequest, cancel: CancellationToken) -> CycleOutcome {
    let config = match load(&engine).await {
        Ok(config) => config,
        Err(halt) => return outcome(halt),
    };
    let clients = async {
        let dynamics = engine.dynamics_client_for(&config.saved.dynamics).await?;
        let marketo = engine.marketo_client_for(&config.saved.marketo).await?;
        Ok::<_, EngineError>((dynamics, marketo))
    };
    let (dynamics, marketo) = match clients.await {
        Ok(clients) => clients,
        Err(error) => return outcome(error.into()),
    };
    let started = Utc::now();
    let dynamics_before = dynamics.usage();
    let run_id = match engine
        .db(move |s| s.write(|tx| runs::start(tx, request.kind, started)))
        .await
    {
        Ok(id) => id,
        Err(error) => {
            return outcome(Halt::Fail(StopReason::new(
                StopCode::Internal,
                error.to_string(),
            )));
        }
    };
    let mut cycle = Cycle {
        engine: engine.clone(),
        dynamics,
        marketo,
        config,
        run_id,
        request,
        cancel,
        stats: RunStats::default(),
        started,
        progress: BTreeMap::new(),
        dry_run: None,
        marketo_calls_before: 0,
    };
    cycle.publish();
    let result = cycle.run().await;
    cycle.stats.marketo_calls = cycle
        .marketo
        .budget()
        .used_today
        .saturating_sub(cycle.marketo_calls_before);
    let dynamics_used = cycle.dynamics.usage();
    cycle.stats.dynamics_requests = dynamics_used.requests - dynamics_before.requests;
    cycle.stats.dynamics_throttled = dynamics_used.throttled - dynamics_before.throttled;
    let failed = cycle.stats.failed() > 0;
    let (status, message) = match &result {
        Ok(_) if failed => (RunStatus::PartlyFailed, None),
        Ok(_) => (RunStatus::Succeeded, None),
        Err(Halt::Cancelled) => (RunStatus::Stopped, Some("stopped on request".to_owned())),
        Err(Halt::Quota(at)) => (
            RunStatus::Stopped,
            Some(format!("Marketo's daily quota is used up until {at}")),
        ),
        Err(Halt::Stop(reason) | Halt::Fail(reason)) => {
            (RunStatus::Failed, Some(reason.detail.clone()))
        }
    };
    let stats = cycle.stats.clone();
    let ended = Utc::now();
    let _ = engine
        .db(move |s| {
            s.write(|tx| runs::finish(tx, run_id, status, &stats, message.as_deref(), ended))
        })
        .await;
    match result {
        Ok(more) => CycleOutcome::Done { more },
        Err(halt) => outcome(halt),
    }
}

/// Runs a dry-run cycle on `engine`, a throw-away copy of the store, and returns what the cycle
/// would have done; `limit` caps the records planned per entity.
pub(crate) async fn dry_run(
    engine: Engine,
    limit: Option<u64>,
) -> Result<crate::preview::Preview, EngineError> {
    let stopped = |halt: Halt| match halt {
        Halt::Stop(reason) | Halt::Fail(reason) => EngineError::Stopped(reason),
        Halt::Quota(at) => EngineError::Stopped(StopReason::new(
            StopCode::QuotaExhausted,
            format!("Marketo's daily quota is used up until {at}"),
        )),
        Halt::Cancelled => EngineError::Internal("the preview was cancelled".into()),
    };
    let config = load(&engine).await.map_err(stopped)?;
    let dynamics = engine.dynamics_client_for(&config.saved.dynamics).await?;
    let marketo = engine.marketo_client_for(&config.saved.marketo).await?;
    let (first_sync_done, pending_requests) = engine
        .db(|s| {
            s.read(|c| {
                Ok((
                    crate::store::runs::first_sync_done(c)?,
                    crate::store::requests::pending(c)?.len() as u64,
                ))
            })
        })
        .await?;
    let kind = if first_sync_done {
        RunKind::QuickSync
    } else {
        RunKind::FirstSync
    };
    let started = Utc::now();
    let run_id = engine
        .db(move |s| s.write(|tx| runs::start(tx, kind, started)))
        .await?;
    // Fields the setup has not created in Marketo yet cannot be read there.
    let existing: BTreeSet<String> = marketo
        .describe_leads()
        .await?
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let mut cycle = Cycle {
        engine,
        dynamics,
        marketo,
        config,
        run_id,
        request: CycleRequest {
            kind,
            confirmed: true,
        },
        cancel: CancellationToken::new(),
        stats: RunStats::default(),
        started,
        progress: BTreeMap::new(),
        dry_run: Some(DryRun {
            limit,
            marketo_fields: Some(existing),
            ..DryRun::default()
        }),
        marketo_calls_before: 0,
    };
    cycle.run().await.map_err(stopped)?;
    let dry_run = cycle.dry_run.take().unwrap_or_default();
    let mut examined: BTreeMap<String, u64> = BTreeMap::new();
    for ((name, phase), tracked) in &cycle.progress {
        if *phase != Phase::Backfill {
            *examined.entry(name.clone()).or_default() += tracked.progress.done;
        }
    }
    let examined = examined
        .into_iter()
        .map(|(entity, records)| crate::preview::Examined {
            truncated: dry_run.truncated.contains(&entity),
            entity,
            records,
        })
        .collect();
    Ok(dry_run
        .collector
        .finish(!first_sync_done, examined, pending_requests))
}

fn outcome(halt: Halt) -> CycleOutcome {
    match halt {
        Halt::Stop(reason) => CycleOutcome::Stopped(reason),
        Halt::Fail(reason) => CycleOutcome::Failed(reason),
        Halt::Quota(resets_at) => CycleOutcome::QuotaExhausted { resets_at },
        Halt::Cancelled => CycleOutcome::Cancelled,
    }
}

/// One cycle in progress.
#[derive(Debug)]
pub(crate) struct Cycle {
    pub(crate) engine: Engine,
    pub(crate) dynamics: DataverseClient,
    pub(crate) marketo: MarketoClient,
    pub(crate) config: Config,
    pub(crate) run_id: i64,
    pub(crate) request: CycleRequest,
    pub(crate) cancel: CancellationToken,
    pub(crate) stats: RunStats,
    pub(crate) started: DateTime<Utc>,
    progress: BTreeMap<(String, Phase), Tracked>,
    /// Set for a dry run: writes are planned and counted, not made.
    pub(crate) dry_run: Option<DryRun>,
    /// Marketo's count of today's calls when the cycle started, to report the cycle's own.
    marketo_calls_before: u64,
}

/// A dry run in progress (on a copy of the store).
#[derive(Debug, Default)]
pub(crate) struct DryRun {
    pub(crate) collector: crate::preview::Collector,
    /// Records planned per entity before moving on; none: all.
    pub(crate) limit: Option<u64>,
    /// Entities with more records than the limit let through.
    pub(crate) truncated: BTreeSet<String>,
    /// Stand-in ids for records a write would create.
    pub(crate) next_id: i64,
    /// The person fields Marketo has: a dry run before the setup is finished reads only those.
    pub(crate) marketo_fields: Option<BTreeSet<String>>,
}

/// An entity's progress and the pace it is measured from.
#[derive(Debug)]
struct Tracked {
    progress: EntityProgress,
    since: std::time::Instant,
    base: u64,
}

impl Cycle {
    pub(crate) fn check_cancel(&self) -> Result<(), Halt> {
        if self.cancel.is_cancelled() {
            Err(Halt::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Stops before eating into the reserve of Marketo's daily quota kept for others (the client
    /// refuses such a call anyway; stopping between batches leaves none half pushed).
    pub(crate) fn ensure_budget(&self, client: &MarketoClient) -> Result<(), Halt> {
        let budget = client.budget();
        if budget.available() == 0 {
            return Err(Halt::Quota(budget.resets_at));
        }
        Ok(())
    }

    /// Counts records processed for an entity (or `person` for Marketo's changes) and publishes
    /// the progress.
    pub(crate) fn advance(&mut self, name: &str, phase: Phase, by: usize) {
        let so_far = self
            .progress
            .get(&(name.to_owned(), phase))
            .map_or(0, |p| p.progress.done);
        self.progress_to(name, phase, so_far + by as u64, None);
    }

    /// The phase an entity's changes are in.
    pub(crate) fn phase(&self, entity: &EnabledEntity) -> Phase {
        if self.first_copy(entity) {
            Phase::FirstCopy
        } else {
            Phase::Changes
        }
    }

    /// Sets how far an entity is (`done` records of `total`, when known) and publishes it, with an
    /// ETA from the pace of this run.
    pub(crate) fn progress_to(&mut self, name: &str, phase: Phase, done: u64, total: Option<u64>) {
        let key = (name.to_owned(), phase);
        let entry = self.progress.entry(key).or_insert_with(|| Tracked {
            progress: EntityProgress {
                entity: name.to_owned(),
                phase,
                done,
                total: None,
                eta_seconds: None,
            },
            since: std::time::Instant::now(),
            base: done,
        });
        entry.progress.done = done;
        if total.is_some() {
            entry.progress.total = total;
        }
        // A total is an estimate (a daily snapshot of the counts): records created since then
        // raise it rather than overflow the bar.
        entry.progress.total = entry.progress.total.map(|t| t.max(done));
        let elapsed = entry.since.elapsed().as_secs_f64();
        let moved = done.saturating_sub(entry.base) as f64;
        entry.progress.eta_seconds = match entry.progress.total {
            Some(total) if moved > 0.0 && elapsed > 0.0 => {
                let rate = moved / elapsed;
                Some((total.saturating_sub(done) as f64 / rate).ceil() as u64)
            }
            _ => None,
        };
        self.publish();
    }

    fn publish(&self) {
        let progress = RunProgress {
            run_id: self.run_id,
            kind: self.request.kind,
            started_at: self.started,
            entities: self.progress.values().map(|t| t.progress.clone()).collect(),
        };
        let budget = self.marketo.budget();
        self.engine.inner().status.send_modify(|s| {
            s.run = Some(progress);
            s.budget = Some(crate::status::Budget {
                used_today: u32::try_from(budget.used_today).unwrap_or(u32::MAX),
                quota: budget.daily_quota,
                reserve: budget.reserve,
                resets_at: budget.resets_at,
            });
        });
    }

    /// What a Dataverse error means here: a column of `entity` gone from Dynamics stops the sync
    /// with its name (R50); the rest as [`dynamics_stop`] says.
    pub(crate) async fn dynamics_failure(
        &self,
        error: dynasync_dynamics::Error,
        entity: &EnabledEntity,
    ) -> Halt {
        if error.status() == Some(400)
            && let Ok(attributes) = self.dynamics.attributes(entity.entity.logical_name()).await
        {
            let existing: BTreeSet<String> = attributes
                .iter()
                .map(crate::setup::catalog::read_property)
                .collect();
            let gone: Vec<&String> = entity
                .columns
                .iter()
                .filter(|c| !existing.contains(*c))
                .collect();
            if !gone.is_empty() {
                let names: Vec<String> = gone
                    .iter()
                    .map(|c| format!("{}.{c}", entity.entity.logical_name()))
                    .collect();
                return Halt::Stop(StopReason::new(
                    StopCode::FieldDeleted,
                    format!(
                        "{} no longer exist(s) in Dynamics: remove it from the synced fields, then resume",
                        names.join(", ")
                    ),
                ));
            }
        }
        match dynamics_stop(&error) {
            (reason, true) => Halt::Stop(reason),
            (reason, false) => Halt::Fail(reason),
        }
    }

    /// Refuses to touch a side that is not the one set up: a refreshed sandbox, another org, a
    /// copied or replaced Marketo instance (R90-R93). Nothing is changed then.
    async fn guards(&self) -> Result<(), Halt> {
        if let Some(expected) = &self.config.dynamics_print {
            let org =
                self.dynamics.current_organization().await.map_err(|e| {
                    match dynamics_stop(&e) {
                        (reason, true) => Halt::Stop(reason),
                        (reason, false) => Halt::Fail(reason),
                    }
                })?;
            if org.organization_id.to_string() != expected.value {
                return Err(Halt::Stop(StopReason::new(
                    StopCode::OrganizationChanged,
                    format!(
                        "Dynasync was set up with the Dynamics organization {} ({}), but {} now answers as {} ({}). \
                         After a sandbox refresh or with another org, disconnect and set up again: nothing was synced.",
                        expected.label,
                        expected.value,
                        self.config.saved.dynamics.org_url,
                        org.unique_name,
                        org.organization_id
                    ),
                )));
            }
        }
        if let Some(expected) = &self.config.marketo_print {
            let types = self
                .marketo
                .custom_activity_types()
                .await
                .map_err(Halt::from)?;
            let id = types
                .iter()
                .find(|t| t.api_name == "dynasyncAccountChanged")
                .and_then(|t| t.id);
            let found = format!(
                "{}|{}",
                expected.label,
                id.map(|i| i.to_string()).unwrap_or_default()
            );
            if found != expected.value {
                return Err(Halt::Stop(StopReason::new(
                    StopCode::MarketoInstanceChanged,
                    format!(
                        "The Marketo instance at {} is not the one Dynasync was set up with (a copied or replaced instance). \
                         Disconnect and set up again: nothing was synced.",
                        expected.label
                    ),
                )));
            }
        }
        Ok(())
    }

    /// Whether an entity is having its first copy (the first sync, or a newly enabled custom entity).
    pub(crate) fn first_copy(&self, entity: &EnabledEntity) -> bool {
        self.request.kind == RunKind::FirstSync || entity.state == EntityState::Initial
    }

    pub(crate) async fn run(&mut self) -> Result<bool, Halt> {
        self.guards().await?;
        // Today's calls by every integration, so the reserve left for others is really left.
        self.marketo.usage_today().await.map_err(Halt::from)?;
        self.ensure_budget(&self.marketo)?;
        self.marketo_calls_before = self.marketo.budget().used_today;
        if self.dry_run.is_none() {
            self.process_requests().await?;
        }
        self.first_copy_totals().await;
        let dynamics = self.dynamics.clone();
        let marketo = self.marketo.clone();
        for entity in self.config.entities.clone() {
            self.check_cancel()?;
            let mut listing = self.listing(&entity).await?;
            let first_copy = self.first_copy(&entity) || matches!(listing, Listing::Start(_));
            loop {
                let request = match listing {
                    Listing::Going(r) | Listing::Delta(r) | Listing::Start(r) => r,
                };
                let (_, done) = self.pull_page(&dynamics, &entity, request).await?;
                if first_copy {
                    // A first copy goes page by page: nothing to merge with on the Marketo side.
                    self.process_entity(&entity).await?;
                }
                if done {
                    break;
                }
                if self.dry_run_limit_reached(&entity) {
                    break;
                }
                self.check_cancel()?;
                listing = self.listing(&entity).await?;
            }
            if entity.state == EntityState::Initial {
                let e = entity.entity.clone();
                self.engine
                    .db(move |s| s.write(|tx| schema::set_entity_state(tx, &e, EntityState::Live)))
                    .await?;
            }
        }
        self.pull_marketo(&marketo).await?;
        if !self.request.confirmed
            && self.request.kind != RunKind::FirstSync
            && self.dry_run.is_none()
        {
            self.circuit_breaker().await?;
        }
        if self.dry_run.is_none() {
            self.retry_ambiguous().await?;
        }
        for entity in self.config.entities.clone() {
            self.check_cancel()?;
            self.process_entity(&entity).await?;
        }
        self.process_marketo_people().await?;
        self.backfill_step().await
    }

    /// Gives the entities in their first copy a total for their progress bar and ETA: Dataverse's
    /// record counts, from a snapshot taken within the last day (API-FACTS A7), so an estimate.
    /// An org that cannot count only leaves the bars without a total: the copy does not depend on it.
    async fn first_copy_totals(&mut self) {
        let names: Vec<String> = self
            .config
            .entities
            .iter()
            .filter(|e| self.first_copy(e))
            .map(|e| e.entity.logical_name().to_owned())
            .collect();
        if names.is_empty() {
            return;
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Ok(totals) = self.dynamics.total_record_counts(&names).await {
            for (name, total) in totals {
                self.progress_to(&name, Phase::FirstCopy, 0, Some(total));
            }
        }
    }

    /// In a dry run with a limit, whether an entity had its share (and is marked truncated).
    fn dry_run_limit_reached(&mut self, entity: &EnabledEntity) -> bool {
        let name = entity.entity.logical_name().to_owned();
        let done: u64 = self
            .progress
            .iter()
            .filter(|((n, _), _)| *n == name)
            .map(|(_, t)| t.progress.done)
            .sum();
        let Some(dry_run) = &mut self.dry_run else {
            return false;
        };
        let reached = dry_run.limit.is_some_and(|limit| done >= limit);
        if reached {
            dry_run.truncated.insert(name);
        }
        reached
    }

    /// Queues again the records left alone because several Marketo people shared their email, so
    /// that once one is left (or carries the Dynamics id) this cycle links it (R29).
    async fn retry_ambiguous(&self) -> Result<(), Halt> {
        let now = Utc::now();
        self.engine
            .db(move |s| {
                s.write(|tx| {
                    for (entity, record, state) in store::errors::ambiguous(tx)? {
                        inbox::put_if_absent(tx, Side::Dynamics, &entity, &record, &state, now)?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    /// Stops a cycle that would overwrite more than the allowed share of a side's people at once
    /// (a bulk edit, an import gone wrong), until the user confirms.
    async fn circuit_breaker(&self) -> Result<(), Halt> {
        let percent = u64::from(self.config.options.breaker_percent);
        let (changed_in_dynamics, changed_in_marketo, people) = self
            .engine
            .db(|s| {
                s.read(|c| {
                    let pending = inbox::backlog(c)?;
                    let dynamics: u64 = pending
                        .iter()
                        .filter(|(side, e, _)| {
                            *side == Side::Dynamics && (e == "lead" || e == "contact")
                        })
                        .map(|b| b.2)
                        .sum();
                    let marketo: u64 = pending
                        .iter()
                        .filter(|(side, e, _)| *side == Side::Marketo && e == PERSON)
                        .map(|b| b.2)
                        .sum();
                    let people = links::count(c, &Entity::Lead, links::LinkState::Live)?
                        + links::count(c, &Entity::Contact, links::LinkState::Live)?;
                    Ok((dynamics, marketo, people))
                })
            })
            .await?;
        const FLOOR: u64 = 50;
        for (changed, side, other) in [
            (changed_in_dynamics, "Dynamics", "Marketo"),
            (changed_in_marketo, "Marketo", "Dynamics"),
        ] {
            if changed > FLOOR && people > 0 && changed * 100 > people * percent {
                return Err(Halt::Stop(StopReason::new(
                    StopCode::CircuitBreaker,
                    format!(
                        "{changed} of {people} synced people changed in {side} since the last cycle, more than the {percent} % allowed at once. \
                         Their values would overwrite those in {other}. Confirm to go on, or pause and check what happened."
                    ),
                )));
            }
        }
        Ok(())
    }
}

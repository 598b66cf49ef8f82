//! The scheduler: the first sync (the full copy), then a cycle `interval` after the previous one
//! ended, never on a fixed clock (R1-R3); Quick Sync runs one now; a back-fill with work left goes
//! on at once (each cycle takes live changes first, so they are never starved); a quota pause
//! resumes by itself after Marketo's reset; a guard's stop waits for the user.
//!
//! It owns no sync logic: it drives a [`Cycles`] implementation and publishes [`Status`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::status::{Status, StopCode, StopReason, SyncState};
use crate::store::runs::RunKind;

/// One cycle to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleRequest {
    pub kind: RunKind,
    /// The user confirmed a cycle the circuit breaker stopped: let it overwrite that much.
    pub confirmed: bool,
}

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleOutcome {
    /// Done; `more` when a back-fill still has work, so the next cycle starts at once.
    Done { more: bool },
    /// Marketo's quota (less the reserve) is used up until `resets_at`.
    QuotaExhausted { resets_at: DateTime<Utc> },
    /// A guard stopped the sync; it waits for the user.
    Stopped(StopReason),
    /// A passing failure; the next cycle retries.
    Failed(StopReason),
    /// Asked to stop (pause, shutdown) and stopped after a batch.
    Cancelled,
}

/// What runs a cycle.
pub trait Cycles: Send + Sync + 'static {
    fn run(
        &self,
        request: CycleRequest,
        cancel: CancellationToken,
    ) -> impl Future<Output = CycleOutcome> + Send;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    QuickSync,
    Pause,
    Resume,
    Confirm,
    SetInterval(Duration),
}

/// Where the scheduler starts from.
#[derive(Debug, Clone)]
pub struct Start {
    pub interval: Duration,
    pub first_sync_done: bool,
    pub paused: bool,
    pub sandbox: bool,
}

/// A running scheduler.
#[derive(Debug)]
pub struct Scheduler {
    commands: mpsc::UnboundedSender<Command>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts scheduling; the first cycle runs at once unless paused. Status goes to `status`.
    pub fn spawn<C: Cycles>(
        cycles: Arc<C>,
        start: Start,
        status: Arc<watch::Sender<Status>>,
    ) -> Scheduler {
        let (commands, rx) = mpsc::unbounded_channel();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run(cycles, start, status, rx, shutdown.clone()));
        Scheduler {
            commands,
            shutdown,
            task,
        }
    }

    /// Runs a cycle now (after the current one, if one is running).
    pub fn quick_sync(&self) {
        let _ = self.commands.send(Command::QuickSync);
    }

    /// Stops after the current batch and waits for [`Scheduler::resume`].
    pub fn pause(&self) {
        let _ = self.commands.send(Command::Pause);
    }

    /// Resumes after a pause or a guard's stop, with a cycle at once.
    pub fn resume(&self) {
        let _ = self.commands.send(Command::Resume);
    }

    /// Lets the cycle the circuit breaker stopped go on.
    pub fn confirm(&self) {
        let _ = self.commands.send(Command::Confirm);
    }

    pub fn set_interval(&self, interval: Duration) {
        let _ = self.commands.send(Command::SetInterval(interval));
    }

    /// Stops after the current batch and waits for the scheduler to end.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

fn wall_clock(at: Instant) -> DateTime<Utc> {
    let ahead = at.saturating_duration_since(Instant::now());
    Utc::now() + chrono::Duration::from_std(ahead).unwrap_or_default()
}

fn instant_at(at: DateTime<Utc>) -> Instant {
    Instant::now() + (at - Utc::now()).to_std().unwrap_or_default()
}

async fn run<C: Cycles>(
    cycles: Arc<C>,
    start: Start,
    status: Arc<watch::Sender<Status>>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    shutdown: CancellationToken,
) {
    let mut interval = start.interval;
    let mut first_sync_done = start.first_sync_done;
    // The user's pause; a guard's stop (waits for Resume or Confirm); a notice (the quota pause or
    // the last passing failure), shown while the schedule goes on.
    let mut paused = start.paused;
    let mut stopped: Option<StopReason> = None;
    let mut notice: Option<StopReason> = None;
    let mut next = Instant::now();
    let mut last_end: Option<Instant> = None;
    let mut confirmed = false;
    let mut quick_pending = false;
    status.send_modify(|s| s.sandbox = start.sandbox);
    loop {
        status.send_modify(|s| {
            (s.state, s.reason) = match (&stopped, paused, &notice) {
                (Some(stop), _, _) => (SyncState::Stopped, Some(stop.clone())),
                (None, true, _) => (
                    SyncState::Paused,
                    Some(StopReason::new(StopCode::PausedByUser, "")),
                ),
                (None, false, Some(n)) if n.code == StopCode::QuotaExhausted => {
                    (SyncState::Paused, Some(n.clone()))
                }
                (None, false, notice) => (SyncState::Idle, notice.clone()),
            };
            s.next_cycle_at = (stopped.is_none() && !paused).then(|| wall_clock(next));
            s.run = None;
        });
        let kind = if quick_pending && !paused {
            quick_pending = false;
            RunKind::QuickSync
        } else {
            quick_pending = false;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep_until(next), if stopped.is_none() && !paused => RunKind::Cycle,
                command = commands.recv() => match command {
                    None => return,
                    Some(Command::QuickSync) => RunKind::QuickSync,
                    Some(Command::Pause) => {
                        paused = true;
                        continue;
                    }
                    Some(Command::Resume) => {
                        paused = false;
                        stopped = None;
                        next = Instant::now();
                        continue;
                    }
                    Some(Command::Confirm) => {
                        if stopped.as_ref().is_some_and(|r| r.code == StopCode::CircuitBreaker) {
                            confirmed = true;
                            stopped = None;
                            next = Instant::now();
                        }
                        continue;
                    }
                    Some(Command::SetInterval(new)) => {
                        interval = new;
                        if let Some(end) = last_end {
                            next = end + interval;
                        }
                        continue;
                    }
                },
            }
        };
        let kind = if first_sync_done {
            kind
        } else {
            RunKind::FirstSync
        };
        status.send_modify(|s| {
            s.state = SyncState::Syncing;
            s.next_cycle_at = None;
        });
        let cancel = shutdown.child_token();
        let cycle = cycles.run(CycleRequest { kind, confirmed }, cancel.clone());
        tokio::pin!(cycle);
        let outcome = loop {
            tokio::select! {
                outcome = &mut cycle => break outcome,
                command = commands.recv() => match command {
                    Some(Command::QuickSync) => quick_pending = true,
                    Some(Command::Pause) => {
                        paused = true;
                        cancel.cancel();
                    }
                    Some(Command::SetInterval(new)) => interval = new,
                    Some(Command::Resume | Command::Confirm) => {}
                    None => cancel.cancel(),
                },
            }
        };
        confirmed = false;
        let end = Instant::now();
        last_end = Some(end);
        status.send_modify(|s| s.last_run_ended_at = Some(Utc::now()));
        next = end + interval;
        match outcome {
            CycleOutcome::Done { more } => {
                if kind == RunKind::FirstSync {
                    first_sync_done = true;
                }
                notice = None;
                if more {
                    next = end;
                }
            }
            CycleOutcome::QuotaExhausted { resets_at } => {
                notice = Some(StopReason::new(
                    StopCode::QuotaExhausted,
                    format!("Marketo's daily quota resets at {resets_at}"),
                ));
                next = instant_at(resets_at);
            }
            CycleOutcome::Stopped(stop) => stopped = Some(stop),
            CycleOutcome::Failed(failure) => notice = Some(failure),
            CycleOutcome::Cancelled if shutdown.is_cancelled() => return,
            CycleOutcome::Cancelled => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records when each cycle started (on tokio's paused clock) and answers with scripted outcomes.
    struct Script {
        started: Instant,
        runs: Mutex<Vec<(Duration, CycleRequest)>>,
        outcomes: Mutex<Vec<CycleOutcome>>,
        takes: Duration,
    }

    impl Script {
        fn new(takes: Duration, outcomes: Vec<CycleOutcome>) -> Arc<Script> {
            Arc::new(Script {
                started: Instant::now(),
                runs: Mutex::new(Vec::new()),
                outcomes: Mutex::new(outcomes),
                takes,
            })
        }

        fn runs(&self) -> Vec<(u64, RunKind)> {
            self.runs
                .lock()
                .unwrap()
                .iter()
                .map(|(at, r)| (at.as_secs(), r.kind))
                .collect()
        }
    }

    impl Cycles for Script {
        fn run(
            &self,
            request: CycleRequest,
            cancel: CancellationToken,
        ) -> impl Future<Output = CycleOutcome> + Send {
            self.runs
                .lock()
                .unwrap()
                .push((self.started.elapsed(), request));
            let outcome = {
                let mut outcomes = self.outcomes.lock().unwrap();
                if outcomes.is_empty() {
                    CycleOutcome::Done { more: false }
                } else {
                    outcomes.remove(0)
                }
            };
            let takes = self.takes;
            async move {
                tokio::select! {
                    () = tokio::time::sleep(takes) => outcome,
                    () = cancel.cancelled() => CycleOutcome::Cancelled,
                }
            }
        }
    }

    fn start(first_sync_done: bool) -> Start {
        Start {
            interval: Duration::from_secs(300),
            first_sync_done,
            paused: false,
            sandbox: false,
        }
    }

    fn channel() -> (Arc<watch::Sender<Status>>, watch::Receiver<Status>) {
        let (tx, rx) = watch::channel(Status::not_configured());
        (Arc::new(tx), rx)
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_sync_runs_at_once_then_cycles_start_5_minutes_after_the_previous_end_r1() {
        let script = Script::new(Duration::from_secs(40), vec![]);
        let (status, _rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(false), status);
        tokio::time::sleep(Duration::from_secs(1000)).await;
        // First sync 0-40 s, then at 340 (40 + 300), ends 380, next at 680, ends 720...
        assert_eq!(
            script.runs(),
            [
                (0, RunKind::FirstSync),
                (340, RunKind::Cycle),
                (680, RunKind::Cycle)
            ]
        );
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn quick_sync_runs_a_cycle_now_and_the_wait_restarts_from_its_end() {
        let script = Script::new(Duration::from_secs(10), vec![]);
        let (status, _rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(100)).await;
        scheduler.quick_sync();
        tokio::time::sleep(Duration::from_secs(400)).await;
        assert_eq!(
            script.runs(),
            [
                (0, RunKind::Cycle),
                (100, RunKind::QuickSync),
                (410, RunKind::Cycle)
            ]
        );
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_backfill_with_work_left_goes_on_at_once() {
        let more = CycleOutcome::Done { more: true };
        let script = Script::new(Duration::from_secs(10), vec![more.clone(), more]);
        let (status, _rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert_eq!(
            script.runs(),
            [
                (0, RunKind::Cycle),
                (10, RunKind::Cycle),
                (20, RunKind::Cycle)
            ]
        );
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn pause_stops_the_running_cycle_and_nothing_runs_until_resume() {
        let script = Script::new(Duration::from_secs(60), vec![]);
        let (status, rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(5)).await;
        scheduler.pause();
        tokio::time::sleep(Duration::from_secs(2000)).await;
        assert_eq!(script.runs().len(), 1, "nothing runs while paused");
        assert_eq!(rx.borrow().state, SyncState::Paused);
        assert_eq!(
            rx.borrow().reason.as_ref().map(|r| r.code),
            Some(StopCode::PausedByUser)
        );
        scheduler.resume();
        settle().await;
        assert_eq!(script.runs().len(), 2, "resume runs a cycle at once");
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_quota_pause_resumes_by_itself_after_the_reset() {
        let resets_at = Utc::now() + chrono::Duration::hours(3);
        let script = Script::new(
            Duration::from_secs(1),
            vec![CycleOutcome::QuotaExhausted { resets_at }],
        );
        let (status, rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(rx.borrow().state, SyncState::Paused);
        assert_eq!(
            rx.borrow().reason.as_ref().map(|r| r.code),
            Some(StopCode::QuotaExhausted)
        );
        assert_eq!(script.runs().len(), 1);
        tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
        assert_eq!(
            script.runs().len(),
            2,
            "the sync resumes once the quota is reset"
        );
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_guard_stop_waits_for_the_user_and_a_circuit_breaker_needs_a_confirmation() {
        let breaker = CycleOutcome::Stopped(StopReason::new(
            StopCode::CircuitBreaker,
            "would update 90 % of Marketo people",
        ));
        let script = Script::new(Duration::from_secs(1), vec![breaker]);
        let (status, rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(
            script.runs().len(),
            1,
            "a stopped sync does not run again by itself"
        );
        assert_eq!(rx.borrow().state, SyncState::Stopped);
        scheduler.confirm();
        settle().await;
        let runs = script.runs.lock().unwrap().clone();
        assert_eq!(runs.len(), 2);
        assert!(runs[1].1.confirmed, "the confirmed cycle may go on");
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_passing_failure_is_retried_at_the_next_cycle() {
        let failure =
            CycleOutcome::Failed(StopReason::new(StopCode::Unreachable, "connection refused"));
        let script = Script::new(Duration::from_secs(1), vec![failure]);
        let (status, rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            rx.borrow().state,
            SyncState::Idle,
            "still scheduled, with the reason shown"
        );
        assert_eq!(
            rx.borrow().reason.as_ref().map(|r| r.code),
            Some(StopCode::Unreachable)
        );
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert_eq!(script.runs().len(), 2);
        scheduler.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_status_shows_syncing_then_the_next_cycle_time() {
        let script = Script::new(Duration::from_secs(30), vec![]);
        let (status, rx) = channel();
        let scheduler = Scheduler::spawn(script.clone(), start(true), status);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(rx.borrow().state, SyncState::Syncing);
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(rx.borrow().state, SyncState::Idle);
        assert!(rx.borrow().next_cycle_at.is_some());
        assert!(rx.borrow().last_run_ended_at.is_some());
        scheduler.shutdown().await;
    }
}

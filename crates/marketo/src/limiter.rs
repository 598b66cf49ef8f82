//! Rate limiting in one place: at most `calls_per_20s` calls in any sliding 20-second window, at
//! most `concurrent` calls at once, and a count of the day's calls against the daily quota.
//!
//! Marketo's limits are 100 calls per 20 s (606), 10 concurrent calls (615) and a daily quota
//! (607) that resets at 12:00 AM US Central (`rest-api.md`). The window is a log of send times,
//! not a token bucket (a bucket with a burst allowance would let up to twice the limit through in
//! one 20 s window) and not an even pace (a Quick Sync of a few dozen calls goes through at once;
//! only a long run is held to the limit). Marketo counts a call when it arrives, which is some time
//! between its sending and its answer; so a call's slot in the window runs from its answer, not its
//! sending, and the call 100 places later is sent at least 20 s after that answer: it cannot arrive
//! within 20 s of the first, whatever the network delays. A sustained run loses one answer's latency
//! per window and nothing else.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Chicago;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::Error;

/// The limits the client keeps under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls in any 20 s window (Marketo: 100).
    pub calls_per_20s: u32,
    /// Calls in flight at once (Marketo: 10).
    pub concurrent: u32,
    /// Calls per day (50,000 by default; at least 10,000 on every subscription).
    pub daily_quota: u32,
    /// Calls of the daily quota this client leaves to the instance's other integrations: it
    /// refuses a call that would use one ([`crate::Error::Reserved`]).
    pub reserve: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            calls_per_20s: 100,
            concurrent: 10,
            daily_quota: 50_000,
            reserve: 0,
        }
    }
}

impl Limits {
    /// No rate limit, for a sandbox whose limits are switched off (engine-only benchmarks).
    pub fn unlimited() -> Limits {
        Limits {
            calls_per_20s: u32::MAX,
            concurrent: 10,
            daily_quota: u32::MAX,
            reserve: 0,
        }
    }
}

/// The day's call budget as the client knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Calls counted today: the client's own, raised to what `stats/usage.json` last reported
    /// (other integrations share the quota).
    pub used_today: u64,
    pub daily_quota: u32,
    /// Calls left to other integrations ([`Limits::reserve`]).
    pub reserve: u32,
    /// The next 12:00 AM US Central.
    pub resets_at: DateTime<Utc>,
}

impl Budget {
    pub fn remaining(&self) -> u64 {
        u64::from(self.daily_quota).saturating_sub(self.used_today)
    }

    /// Calls this client may still make today: the remaining ones less the reserve.
    pub fn available(&self) -> u64 {
        self.remaining().saturating_sub(u64::from(self.reserve))
    }
}

/// The quota day of a moment: the calendar date in US Central time.
pub(crate) fn quota_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Chicago).date_naive()
}

/// The next midnight US Central after `at` (DST-aware).
pub(crate) fn next_quota_reset(at: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = quota_day(at) + chrono::Duration::days(1);
    let midnight = tomorrow.and_hms_opt(0, 0, 0).expect("midnight exists");
    Chicago
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(at + chrono::Duration::days(1), |d| d.with_timezone(&Utc))
}

const WINDOW: Duration = Duration::from_secs(20);
/// Marketo and the sandbox count arrivals in whole milliseconds: a slot is kept this much longer
/// so that rounding cannot put two calls exactly a window apart into the same window.
const ROUNDING: Duration = Duration::from_millis(2);
/// How often a caller looks again when every slot of a full window is still waiting for its answer.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(20);

/// One call's place in the window: taken when it is sent, ending a window after its answer.
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u64,
    /// When the answer came; `None` while the call is in flight.
    answered: Option<Instant>,
}

#[derive(Debug, Default)]
struct Window {
    slots: VecDeque<Slot>,
    next_id: u64,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Limits,
    window: Arc<Mutex<Window>>,
    permits: Arc<Semaphore>,
    day: Mutex<(NaiveDate, u64)>,
}

/// Held while a call is in flight: a concurrency permit and the call's slot in the window, whose
/// 20 s start when it is dropped (once the answer is read).
#[derive(Debug)]
pub(crate) struct Permit {
    _concurrency: OwnedSemaphorePermit,
    window: Arc<Mutex<Window>>,
    slot: Option<u64>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(id) = self.slot else { return };
        let mut window = self.window.lock().expect("never poisoned");
        if let Some(slot) = window.slots.iter_mut().find(|s| s.id == id) {
            slot.answered = Some(Instant::now());
        }
    }
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            window: Arc::new(Mutex::new(Window::default())),
            permits: Arc::new(Semaphore::new(limits.concurrent.max(1) as usize)),
            day: Mutex::new((quota_day(Utc::now()), 0)),
        }
    }

    /// Waits for a concurrency permit and a free slot in the window, then takes the slot. The
    /// permit is held until the answer is read. A call `counted` against the quota is added to
    /// the day's budget (Identity calls are not, though they take a window slot: the window is
    /// counted conservatively).
    pub(crate) async fn acquire(&self, counted: bool) -> Result<Permit, Error> {
        if counted {
            let budget = self.budget();
            if budget.available() == 0 {
                return Err(Error::Reserved {
                    used_today: budget.used_today,
                    reserve: self.limits.reserve,
                    resets_at: budget.resets_at,
                });
            }
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let slot = loop {
            let wait = {
                let mut window = self.window.lock().expect("never poisoned");
                let now = Instant::now();
                let ended = |s: &Slot| {
                    s.answered
                        .is_some_and(|at| now.duration_since(at) >= WINDOW + ROUNDING)
                };
                window.slots.retain(|s| !ended(s));
                if self.limits.calls_per_20s == u32::MAX {
                    break None;
                }
                if window.slots.len() < self.limits.calls_per_20s as usize {
                    let id = window.next_id;
                    window.next_id += 1;
                    window.slots.push_back(Slot { id, answered: None });
                    break Some(id);
                }
                window
                    .slots
                    .iter()
                    .filter_map(|s| s.answered)
                    .min()
                    .map_or(IN_FLIGHT_POLL, |first| {
                        WINDOW + ROUNDING - now.duration_since(first)
                    })
            };
            tokio::time::sleep(wait).await;
        };
        if counted {
            let mut day = self.day.lock().expect("never poisoned");
            let today = quota_day(Utc::now());
            if day.0 != today {
                *day = (today, 0);
            }
            day.1 += 1;
        }
        Ok(Permit {
            _concurrency: permit,
            window: self.window.clone(),
            slot,
        })
    }

    /// Raises today's count to what Marketo reported for `date`.
    pub(crate) fn correct(&self, date: NaiveDate, reported: u64) {
        let mut day = self.day.lock().expect("never poisoned");
        if day.0 == date {
            day.1 = day.1.max(reported);
        } else if date > day.0 {
            *day = (date, reported);
        }
    }

    pub(crate) fn budget(&self) -> Budget {
        let now = Utc::now();
        let day = *self.day.lock().expect("never poisoned");
        Budget {
            used_today: if day.0 == quota_day(now) { day.1 } else { 0 },
            daily_quota: self.limits.daily_quota,
            reserve: self.limits.reserve,
            resets_at: next_quota_reset(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_ever_holds_more_than_the_limit_and_the_limit_is_reached() {
        let limiter = Arc::new(Limiter::new(Limits {
            calls_per_20s: 100,
            concurrent: 10,
            daily_quota: 50_000,
            reserve: 0,
        }));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..350 {
            drop(limiter.acquire(true).await.unwrap());
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate().skip(100) {
            assert!(
                *t - times[i - 100] >= WINDOW,
                "call {i} came {:?} after call {}",
                *t - times[i - 100],
                i - 100
            );
        }
        let took = times[349];
        assert!(
            took <= (WINDOW + ROUNDING) * 3 + Duration::from_millis(10),
            "the limiter waits no longer than it must: {took:?}"
        );
        assert_eq!(limiter.budget().used_today, 350);
    }

    #[tokio::test(start_paused = true)]
    async fn a_calls_window_runs_from_its_answer_so_a_slow_call_cannot_crowd_the_next_window() {
        let limiter = Limiter::new(Limits {
            calls_per_20s: 1,
            concurrent: 10,
            daily_quota: 50_000,
            reserve: 0,
        });
        let start = Instant::now();
        let slow = limiter.acquire(true).await.unwrap();
        // Marketo may count the call at any time until its answer, 3 s after it was sent.
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(slow);
        drop(limiter.acquire(true).await.unwrap());
        assert!(
            start.elapsed() >= Duration::from_secs(3) + WINDOW,
            "the next call waits a whole window after the answer: {:?}",
            start.elapsed()
        );
        assert!(start.elapsed() <= Duration::from_secs(3) + WINDOW + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_the_concurrent_limit_is_in_flight() {
        let limiter = Arc::new(Limiter::new(Limits {
            calls_per_20s: 1000,
            concurrent: 3,
            daily_quota: 100,
            reserve: 0,
        }));
        let held: Vec<_> =
            futures_util::future::join_all((0..3).map(|_| limiter.acquire(false))).await;
        let fourth = tokio::time::timeout(Duration::from_secs(5), limiter.acquire(false)).await;
        assert!(
            fourth.is_err(),
            "a fourth call waits while three are in flight"
        );
        drop(held);
        assert!(
            tokio::time::timeout(Duration::from_secs(5), limiter.acquire(false))
                .await
                .is_ok()
        );
        assert_eq!(
            limiter.budget().used_today,
            0,
            "uncounted calls leave the budget alone"
        );
    }

    #[test]
    fn the_budget_resets_at_midnight_us_central() {
        let noon = Utc.with_ymd_and_hms(2025, 3, 8, 18, 0, 0).unwrap();
        // The night of 8-9 March 2025 is still CST (UTC-6).
        assert_eq!(
            next_quota_reset(noon),
            Utc.with_ymd_and_hms(2025, 3, 9, 6, 0, 0).unwrap()
        );
        let summer = Utc.with_ymd_and_hms(2025, 7, 1, 18, 0, 0).unwrap();
        assert_eq!(
            next_quota_reset(summer),
            Utc.with_ymd_and_hms(2025, 7, 2, 5, 0, 0).unwrap()
        );
        let limiter = Limiter::new(Limits::default());
        limiter.correct(quota_day(Utc::now()), 1234);
        assert_eq!(limiter.budget().used_today, 1234);
        assert_eq!(limiter.budget().remaining(), 50_000 - 1234);
    }

    #[tokio::test]
    async fn a_call_that_would_use_the_reserve_is_refused_before_it_is_sent() {
        let limiter = Limiter::new(Limits {
            daily_quota: 10,
            reserve: 3,
            ..Limits::default()
        });
        for _ in 0..7 {
            drop(limiter.acquire(true).await.unwrap());
        }
        let refused = limiter.acquire(true).await.unwrap_err();
        assert!(refused.is_quota(), "{refused}");
        assert!(refused.quota_resets_at().is_some());
        assert!(
            limiter.acquire(false).await.is_ok(),
            "identity calls do not count against the quota"
        );
        assert_eq!(
            limiter.budget().used_today,
            7,
            "three calls stay for others"
        );
    }
}

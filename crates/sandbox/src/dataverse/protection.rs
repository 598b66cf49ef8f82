//! Service protection limits, per user over a sliding window (api-limits.md; API-FACTS A11):
//! requests (6,000 per 300 s, `0x80072322`), combined execution time (1,200,000 ms per 300 s,
//! `0x80072321`) and concurrent requests (52, `0x80072326`), each answered with 429 and
//! `Retry-After`. The numbers come from the sandbox's limits and can be switched off; a fault storm
//! answers 429 whatever the limits. A `$batch` counts as one request.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::http::StatusCode;
use parking_lot::Mutex;
use uuid::Uuid;

use super::errors::{Answer, ApiError};
use super::values::group_thousands;
use crate::metrics::Service;
use crate::world::World;

#[derive(Debug, Default)]
struct Usage {
    /// Arrival times (sandbox clock, ms) of the requests counted in the window.
    arrivals: VecDeque<i64>,
    /// When each request ended and how long it ran (ms).
    executions: VecDeque<(i64, u64)>,
    in_flight: u32,
}

impl Usage {
    fn prune(&mut self, now: i64, window: i64) {
        while self.arrivals.front().is_some_and(|t| now - t >= window) {
            self.arrivals.pop_front();
        }
        while self
            .executions
            .front()
            .is_some_and(|(t, _)| now - t >= window)
        {
            self.executions.pop_front();
        }
    }

    fn execution_ms(&self) -> u64 {
        self.executions.iter().map(|(_, ms)| ms).sum()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Protection {
    users: Mutex<HashMap<Uuid, Usage>>,
}

/// A request admitted for a user; hand it back to [`Protection::finish`]. It stops counting as
/// in flight when dropped, even if the request is abandoned.
#[derive(Debug)]
pub(crate) struct Ticket<'p> {
    protection: &'p Protection,
    user: Uuid,
    counted: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.counted
            && let Some(usage) = self.protection.users.lock().get_mut(&self.user)
        {
            usage.in_flight = usage.in_flight.saturating_sub(1);
        }
    }
}

fn throttled(code: &'static str, message: String, retry_after: u64) -> ApiError {
    ApiError {
        retry_after: Some(retry_after.max(1)),
        ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }
}

impl Protection {
    /// Admits one request of `user`, or refuses it with the documented 429.
    pub(crate) fn admit(&self, world: &World, user: Uuid) -> Result<Ticket<'_>, ApiError> {
        if let Some(storm) = world.faults.take_storm(Service::Dataverse) {
            let limits = world.limits.read().dataverse.clone();
            return Err(throttled(
                "0x80072322",
                format!(
                    "Number of requests exceeded the limit of {} over time window of {} seconds.",
                    limits.requests_per_window, limits.window_secs
                ),
                u64::from(storm.retry_after_secs),
            ));
        }
        let limits = world.limits.read().dataverse.clone();
        if !limits.enforced {
            return Ok(Ticket {
                protection: self,
                user,
                counted: false,
            });
        }
        let now = world.clock.now().timestamp_millis();
        let window = i64::from(limits.window_secs) * 1000;
        let mut users = self.users.lock();
        let usage = users.entry(user).or_default();
        usage.prune(now, window);
        let seconds_until = |t: i64| u64::try_from((t + window - now + 999) / 1000).unwrap_or(1);
        if usage.in_flight >= limits.concurrent_requests {
            return Err(throttled(
                "0x80072326",
                format!(
                    "Number of concurrent requests exceeded the limit of {}.",
                    limits.concurrent_requests
                ),
                1,
            ));
        }
        if usage.arrivals.len() >= limits.requests_per_window as usize {
            let oldest = usage.arrivals.front().copied().unwrap_or(now);
            return Err(throttled(
                "0x80072322",
                format!(
                    "Number of requests exceeded the limit of {} over time window of {} seconds.",
                    limits.requests_per_window, limits.window_secs
                ),
                seconds_until(oldest),
            ));
        }
        if usage.execution_ms() >= limits.execution_ms_per_window {
            let oldest = usage.executions.front().map_or(now, |(t, _)| *t);
            return Err(throttled(
                "0x80072321",
                format!(
                    "Combined execution time of incoming requests exceeded limit of {}  milliseconds over time window of {} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
                    group_thousands(&limits.execution_ms_per_window.to_string()),
                    limits.window_secs
                ),
                seconds_until(oldest),
            ));
        }
        usage.arrivals.push_back(now);
        usage.in_flight += 1;
        Ok(Ticket {
            protection: self,
            user,
            counted: true,
        })
    }

    /// Ends an admitted request: charges its execution time and adds the documented debug headers.
    pub(crate) fn finish(
        &self,
        world: &World,
        ticket: &Ticket<'_>,
        took: Duration,
        answer: Answer,
    ) -> Answer {
        if !ticket.counted {
            return answer;
        }
        let limits = world.limits.read().dataverse.clone();
        let now = world.clock.now().timestamp_millis();
        let mut users = self.users.lock();
        let usage = users.entry(ticket.user).or_default();
        usage
            .executions
            .push_back((now, u64::try_from(took.as_millis()).unwrap_or(u64::MAX)));
        usage.prune(now, i64::from(limits.window_secs) * 1000);
        let requests_left =
            (limits.requests_per_window as usize).saturating_sub(usage.arrivals.len());
        let time_left = limits
            .execution_ms_per_window
            .saturating_sub(usage.execution_ms());
        answer
            .header(
                "x-ms-ratelimit-burst-remaining-xrm-requests",
                requests_left.to_string(),
            )
            .header(
                "x-ms-ratelimit-time-remaining-xrm-requests",
                time_left.to_string(),
            )
    }
}

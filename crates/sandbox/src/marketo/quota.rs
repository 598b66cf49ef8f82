//! The instance's call limits and usage statistics.
//!
//! - 100 calls per 20 s (606), 10 concurrent calls (615) and the daily quota (607, reset at 12:00 AM
//!   US Central) — `rest-api.md`, `marketo-integration-best-practices.md`, `error-codes.md`.
//! - Calls answered with a starred code of `error-codes.md` (601, 602, 604, 605, 608, 611) count
//!   against neither quota nor rate; Identity calls never do.
//! - `stats/usage.json` and `stats/errors.json` (`usage.md`) report the counted calls per day and
//!   API user, and the errors per day and code.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Chicago;
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::api::{self, Answer, ApiError, Call, Ctx};
use crate::faults::StormKind;
use crate::limits::MarketoLimits;
use crate::metrics::Service;

/// Codes whose calls are not counted against the daily quota or the rate limit.
const UNCOUNTED: [u32; 6] = [601, 602, 604, 605, 608, 611];

#[derive(Debug, Default)]
pub(crate) struct Quota {
    inner: Mutex<Ledger>,
}

#[derive(Debug, Default)]
struct Ledger {
    /// Arrival times (ms) of the counted calls of the last window.
    window: VecDeque<i64>,
    days: BTreeMap<NaiveDate, Day>,
}

#[derive(Debug, Default)]
struct Day {
    total: u64,
    users: BTreeMap<String, u64>,
    errors: BTreeMap<u32, u64>,
}

/// The quota day a moment falls in: the calendar date in US Central time (DST-aware).
pub(crate) fn quota_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Chicago).date_naive()
}

/// When the quota day of `at` ends: the next midnight US Central, in UTC.
pub(crate) fn next_reset(at: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = quota_day(at) + Duration::days(1);
    let midnight = tomorrow.and_hms_opt(0, 0, 0).expect("midnight exists");
    Chicago
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(at + Duration::days(1), |d| d.with_timezone(&Utc))
}

/// The 606 message, with the limit and window as the error table's template fills them.
pub(crate) fn rate_error(limits: &MarketoLimits) -> ApiError {
    ApiError::new(
        606,
        format!(
            "Max rate limit '{}' exceeded with in '{}' secs",
            limits.calls_per_window, limits.window_secs
        ),
    )
}

pub(crate) fn concurrency_error() -> ApiError {
    ApiError::new(615, "Concurrent access limit reached")
}

impl Quota {
    /// Admits a call or refuses it with the limit it would break. `in_flight` counts the calls
    /// in flight when this one arrived, itself included. A fault-injected storm refuses first.
    pub(crate) fn admit(
        &self,
        ctx: &Ctx<'_>,
        limits: &MarketoLimits,
        in_flight: u32,
    ) -> Result<(), ApiError> {
        if let Some(storm) = ctx.world.faults.take_storm(Service::Marketo) {
            return Err(match storm.kind {
                StormKind::Concurrency => concurrency_error(),
                StormKind::Rate | StormKind::Throttle => rate_error(limits),
            });
        }
        if !limits.enforced {
            return Ok(());
        }
        if in_flight > limits.concurrent_calls {
            return Err(concurrency_error());
        }
        let mut ledger = self.inner.lock();
        let now = ctx.now.timestamp_millis();
        let width = i64::from(limits.window_secs) * 1000;
        while ledger.window.front().is_some_and(|at| now - at >= width) {
            ledger.window.pop_front();
        }
        if ledger.window.len() >= limits.calls_per_window as usize {
            return Err(rate_error(limits));
        }
        let today = ledger.days.get(&quota_day(ctx.now)).map_or(0, |d| d.total);
        if today >= u64::from(limits.daily_quota) {
            return Err(ApiError::new(607, "Daily quota reached"));
        }
        Ok(())
    }

    /// Records an answered call: counted unless its code is starred, and its error if any.
    pub(crate) fn record(
        &self,
        at: DateTime<Utc>,
        limits: &MarketoLimits,
        user: &str,
        error: Option<u32>,
    ) {
        let mut ledger = self.inner.lock();
        let counted = error.is_none_or(|code| !UNCOUNTED.contains(&code));
        if counted {
            let now = at.timestamp_millis();
            let width = i64::from(limits.window_secs) * 1000;
            while ledger.window.front().is_some_and(|t| now - t >= width) {
                ledger.window.pop_front();
            }
            ledger.window.push_back(now);
        }
        let day = ledger.days.entry(quota_day(at)).or_default();
        if counted {
            day.total += 1;
            *day.users.entry(user.to_owned()).or_default() += 1;
        }
        if let Some(code) = error {
            *day.errors.entry(code).or_default() += 1;
        }
    }

    /// Uses up the quota of the day `at` falls in: 607 until the next midnight US Central.
    pub(crate) fn exhaust(&self, at: DateTime<Utc>, user: &str, quota: u32) {
        let mut ledger = self.inner.lock();
        let day = ledger.days.entry(quota_day(at)).or_default();
        let missing = u64::from(quota).saturating_sub(day.total);
        day.total += missing;
        *day.users.entry(user.to_owned()).or_default() += missing;
    }

    fn usage(&self, days: &[NaiveDate]) -> Vec<Value> {
        let ledger = self.inner.lock();
        days.iter()
            .map(|date| {
                let day = ledger.days.get(date);
                json!({
                    "date": date.format("%Y-%m-%d").to_string(),
                    "total": day.map_or(0, |d| d.total),
                    "users": day.map(|d| d.users.iter()
                        .map(|(user, count)| json!({ "userId": user, "count": count }))
                        .collect::<Vec<_>>()).unwrap_or_default(),
                })
            })
            .collect()
    }

    fn errors(&self, days: &[NaiveDate]) -> Vec<Value> {
        let ledger = self.inner.lock();
        days.iter()
            .map(|date| {
                let day = ledger.days.get(date);
                json!({
                    "date": date.format("%Y-%m-%d").to_string(),
                    "total": day.map_or(0, |d| d.errors.values().sum::<u64>()),
                    "errors": day.map(|d| d.errors.iter()
                        .map(|(code, count)| json!({ "errorCode": code.to_string(), "count": count }))
                        .collect::<Vec<_>>()).unwrap_or_default(),
                })
            })
            .collect()
    }
}

fn last_7_days(now: DateTime<Utc>) -> Vec<NaiveDate> {
    (0..7)
        .map(|back| quota_day(now - Duration::days(back)))
        .collect()
}

/// `GET /rest/v1/stats/usage.json`: today's calls.
pub(crate) fn usage_today(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(ctx.state.quota.usage(&[quota_day(ctx.now)])))
}

/// `GET /rest/v1/stats/usage/last7days.json`.
pub(crate) fn usage_last_7_days(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(ctx.state.quota.usage(&last_7_days(ctx.now))))
}

/// `GET /rest/v1/stats/errors.json`.
pub(crate) fn errors_today(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(ctx.state.quota.errors(&[quota_day(ctx.now)])))
}

/// `GET /rest/v1/stats/errors/last7days.json`.
pub(crate) fn errors_last_7_days(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    Ok(api::ok(ctx.state.quota.errors(&last_7_days(ctx.now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_day_turns_at_midnight_us_central_in_summer_and_winter() {
        // CDT (UTC-5) in July: 04:59 UTC is still the previous day, 05:00 UTC the next.
        let july = |h, m| Utc.with_ymd_and_hms(2025, 7, 2, h, m, 0).unwrap();
        assert_eq!(quota_day(july(4, 59)).to_string(), "2025-07-01");
        assert_eq!(quota_day(july(5, 0)).to_string(), "2025-07-02");
        // CST (UTC-6) in January.
        let january = |h, m| Utc.with_ymd_and_hms(2025, 1, 2, h, m, 0).unwrap();
        assert_eq!(quota_day(january(5, 59)).to_string(), "2025-01-01");
        assert_eq!(quota_day(january(6, 0)).to_string(), "2025-01-02");
    }

    #[test]
    fn starred_codes_are_not_counted_but_appear_in_error_stats() {
        let quota = Quota::default();
        let now = Utc::now();
        let limits = MarketoLimits::default();
        quota.record(now, &limits, "api", None);
        quota.record(now, &limits, "api", Some(601));
        quota.record(now, &limits, "api", Some(1003));
        let usage = quota.usage(&[quota_day(now)]);
        assert_eq!(usage[0]["total"], 2, "601 does not count, 1003 does");
        let errors = quota.errors(&[quota_day(now)]);
        assert_eq!(errors[0]["total"], 2);
    }
}

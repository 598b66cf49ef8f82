//! When to try a request again: a pure decision from what came back, table-tested. Dataverse's
//! 429 carries `Retry-After` (api-limits.md), which is honoured exactly; server errors back off
//! exponentially with jitter; a refused record (4xx) is never retried.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Send it again after this long.
    After(Duration),
    /// Give up and report the error.
    Stop,
}

/// Attempts at most, the first one included, for throttling (429).
pub(crate) const MAX_THROTTLED_ATTEMPTS: u32 = 8;
/// Attempts at most, the first one included, for server and transport errors.
pub(crate) const MAX_FAILED_ATTEMPTS: u32 = 5;
/// The first backoff; it doubles per attempt up to [`MAX_BACKOFF`].
pub(crate) const BASE_BACKOFF: Duration = Duration::from_millis(500);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Decides whether to retry after the `attempt`-th attempt (1-based) came back with `status`.
/// `body_code` is the Dataverse hex code of the error, `jitter` a number in `[0, 1)` that spreads
/// the backoff so that many clients do not retry in step.
pub fn retry_decision(
    status: StatusCode,
    headers: &HeaderMap,
    body_code: Option<&str>,
    attempt: u32,
    jitter: f64,
) -> Retry {
    if status == StatusCode::TOO_MANY_REQUESTS {
        if attempt >= MAX_THROTTLED_ATTEMPTS {
            return Retry::Stop;
        }
        return Retry::After(retry_after(headers).unwrap_or_else(|| backoff(attempt, jitter)));
    }
    let transient = matches!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    );
    // Duplicate detection answers 500, but the record itself is refused: retrying cannot help.
    let refused_record = body_code == Some("0x80040333");
    if !transient || refused_record || attempt >= MAX_FAILED_ATTEMPTS {
        return Retry::Stop;
    }
    match retry_after(headers) {
        Some(wait) => Retry::After(wait),
        None => Retry::After(backoff(attempt, jitter)),
    }
}

/// The decision for a request that got no answer (connection refused, dropped, timed out).
pub fn transport_decision(attempt: u32, jitter: f64) -> Retry {
    if attempt >= MAX_FAILED_ATTEMPTS {
        Retry::Stop
    } else {
        Retry::After(backoff(attempt, jitter))
    }
}

/// `Retry-After` in seconds (Dataverse sends seconds, not a date).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds >= 0.0 && seconds.is_finite()).then(|| Duration::from_secs_f64(seconds))
}

/// Exponential backoff with "equal jitter": half the step is fixed, half is random.
fn backoff(attempt: u32, jitter: f64) -> Duration {
    let step = BASE_BACKOFF
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(MAX_BACKOFF);
    step.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(reqwest::header::RETRY_AFTER, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_decision_table() {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        // status, Retry-After, body code, attempt, jitter, decision, why
        type Case = (
            u16,
            Option<&'static str>,
            Option<&'static str>,
            u32,
            f64,
            Retry,
            &'static str,
        );
        let cases: &[Case] = &[
            (
                429,
                Some("12"),
                Some("0x80072322"),
                1,
                0.3,
                Retry::After(s(12)),
                "429 waits exactly Retry-After",
            ),
            (
                429,
                Some("0"),
                None,
                2,
                0.3,
                Retry::After(s(0)),
                "Retry-After 0 means now",
            ),
            (
                429,
                None,
                None,
                1,
                0.0,
                Retry::After(ms(250)),
                "429 without Retry-After backs off",
            ),
            (
                429,
                Some("5"),
                None,
                MAX_THROTTLED_ATTEMPTS,
                0.5,
                Retry::Stop,
                "throttling gives up eventually",
            ),
            (
                503,
                None,
                None,
                1,
                0.0,
                Retry::After(ms(250)),
                "first backoff: half of 500 ms with no jitter",
            ),
            (
                503,
                None,
                None,
                1,
                1.0,
                Retry::After(ms(500)),
                "full jitter doubles the fixed half",
            ),
            (
                502,
                None,
                None,
                3,
                0.0,
                Retry::After(ms(1000)),
                "the step doubles per attempt",
            ),
            (
                500,
                None,
                None,
                4,
                1.0,
                Retry::After(ms(4000)),
                "500 without a code is transient",
            ),
            (
                503,
                Some("3"),
                None,
                1,
                0.9,
                Retry::After(s(3)),
                "a server's Retry-After wins over backoff",
            ),
            (
                504,
                None,
                None,
                MAX_FAILED_ATTEMPTS,
                0.0,
                Retry::Stop,
                "server errors give up after five attempts",
            ),
            (
                500,
                None,
                Some("0x80040333"),
                1,
                0.0,
                Retry::Stop,
                "duplicate detection is the record's fault",
            ),
            (
                400,
                None,
                Some("0x80040265"),
                1,
                0.0,
                Retry::Stop,
                "a plug-in rejection is never retried",
            ),
            (
                400,
                None,
                Some("0x80044331"),
                1,
                0.0,
                Retry::Stop,
                "a too-long value is never retried",
            ),
            (
                401,
                None,
                None,
                1,
                0.0,
                Retry::Stop,
                "401 is for the token cache, not for retries",
            ),
            (
                403,
                None,
                None,
                1,
                0.0,
                Retry::Stop,
                "forbidden stays forbidden",
            ),
            (
                404,
                None,
                None,
                1,
                0.0,
                Retry::Stop,
                "missing stays missing",
            ),
            (
                412,
                None,
                None,
                1,
                0.0,
                Retry::Stop,
                "a failed condition stays failed",
            ),
        ];
        for (status, after, code, attempt, jitter, expected, why) in cases {
            let got = retry_decision(
                StatusCode::from_u16(*status).unwrap(),
                &headers(*after),
                *code,
                *attempt,
                *jitter,
            );
            assert_eq!(got, *expected, "{status} attempt {attempt}: {why}");
        }
    }

    #[test]
    fn backoff_never_exceeds_the_cap() {
        for attempt in 1..40 {
            assert!(backoff(attempt, 1.0) <= MAX_BACKOFF);
        }
        assert_eq!(
            transport_decision(1, 0.0),
            Retry::After(Duration::from_millis(250))
        );
        assert_eq!(transport_decision(MAX_FAILED_ATTEMPTS, 0.0), Retry::Stop);
    }
}

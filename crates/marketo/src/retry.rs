//! When to send a refused call again: a pure function of what went wrong, the attempt number and
//! a jitter, so that it is tested by a table.
//!
//! Marketo asks for exponential backoff on the rate and concurrency limits
//! (`marketo-integration-best-practices.md`) and on 502 and transient errors (`error-codes.md`).
//! Token errors (601/602) are not retried here: the caller renews the token once.

use std::time::Duration;

/// What a call ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An HTTP status other than 200.
    Status(u16),
    /// A response-level Marketo error code.
    Code(u32),
    /// No answer: the connection failed or broke.
    Transport,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    After(Duration),
    Stop,
}

/// Attempts after which a call is given up.
pub const MAX_ATTEMPTS: u32 = 6;

/// Exponential backoff from `base`, capped, stretched by up to half again by `jitter` (0 to 1).
fn backoff(base: Duration, cap: Duration, attempt: u32, jitter: f64) -> Retry {
    let exponential = base.saturating_mul(1 << attempt.min(16)).min(cap);
    Retry::After(exponential.mul_f64(1.0 + 0.5 * jitter.clamp(0.0, 1.0)))
}

/// Whether and when to retry after `signal` on `attempt` (0 for the first retry).
pub fn retry_decision(signal: Signal, attempt: u32, jitter: f64) -> Retry {
    if attempt >= MAX_ATTEMPTS {
        return Retry::Stop;
    }
    let s = Duration::from_secs;
    let ms = Duration::from_millis;
    match signal {
        // 606: the 20 s window is full; back off toward one window.
        Signal::Code(606) => backoff(s(1), s(20), attempt, jitter),
        // 615: ten calls are being processed; they end within seconds.
        Signal::Code(615) => backoff(ms(500), s(5), attempt, jitter),
        // 502, 604, 608, 611, 713: the service is briefly unavailable.
        Signal::Code(502 | 604 | 608 | 611 | 713) => backoff(s(1), s(30), attempt, jitter),
        Signal::Status(500 | 502 | 503 | 504) => backoff(s(1), s(30), attempt, jitter),
        Signal::Transport => backoff(ms(500), s(10), attempt, jitter),
        _ => Retry::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_table() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        #[rustfmt::skip]
        let cases: &[(Signal, u32, f64, Retry, &str)] = &[
            (Signal::Code(606), 0, 0.0, Retry::After(s(1)), "606 waits a second first"),
            (Signal::Code(606), 3, 0.0, Retry::After(s(8)), "then doubles"),
            (Signal::Code(606), 5, 0.0, Retry::After(s(20)), "up to one 20 s window"),
            (Signal::Code(606), 5, 1.0, Retry::After(s(30)), "jitter stretches by half at most"),
            (Signal::Code(615), 0, 0.0, Retry::After(ms(500)), "615 waits briefly"),
            (Signal::Code(615), 4, 0.0, Retry::After(s(5)), "615 caps at 5 s"),
            (Signal::Code(604), 1, 0.0, Retry::After(s(2)), "time-outs back off"),
            (Signal::Code(713), 0, 0.5, Retry::After(ms(1250)), "transient errors back off"),
            (Signal::Status(503), 2, 0.0, Retry::After(s(4)), "gateway errors back off"),
            (Signal::Transport, 0, 0.0, Retry::After(ms(500)), "a broken connection is retried"),
            (Signal::Code(606), MAX_ATTEMPTS, 0.0, Retry::Stop, "attempts are bounded"),
            (Signal::Code(607), 0, 0.0, Retry::Stop, "the daily quota will not come back today"),
            (Signal::Code(601), 0, 0.0, Retry::Stop, "token errors are renewed, not retried"),
            (Signal::Code(1003), 0, 0.0, Retry::Stop, "invalid data stays invalid"),
            (Signal::Code(610), 0, 0.0, Retry::Stop, "a wrong path stays wrong"),
            (Signal::Status(413), 0, 0.0, Retry::Stop, "a body over 1 MB must be split"),
            (Signal::Status(414), 0, 0.0, Retry::Stop, "a URI over 8 KB must be resent as POST"),
            (Signal::Status(401), 0, 0.0, Retry::Stop, "bad credentials stay bad"),
        ];
        for (signal, attempt, jitter, expected, why) in cases {
            assert_eq!(
                retry_decision(*signal, *attempt, *jitter),
                *expected,
                "{why}"
            );
        }
    }
}

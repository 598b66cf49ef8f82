//! The sandbox's clock: real time plus an offset that the control API can only move forward, so
//! tests can expire tokens, delta links and daily quotas without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward; it never goes back.
    pub(crate) fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_at_least_that_much() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(std::time::Duration::from_secs(3600));
        assert!(clock.now() - before >= Duration::seconds(3600));
    }
}

//! Keeps one client under Dataverse's service protection limits (api-limits.md): at most N
//! requests in any sliding window and M at once, and nothing at all until a `Retry-After` has
//! passed, whichever request received it. The window is an exact log of send times, so the
//! client never sends more than the limit in any window, however the requests bunch up.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The limits to stay under. Defaults are the documented ones: 6,000 requests per 300 s and 52
/// concurrent requests per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceProtection {
    pub requests_per_window: u32,
    pub window: Duration,
    pub concurrent_requests: u32,
}

impl Default for ServiceProtection {
    fn default() -> Self {
        ServiceProtection {
            requests_per_window: 6_000,
            window: Duration::from_secs(300),
            concurrent_requests: 52,
        }
    }
}

#[derive(Debug)]
struct Gate {
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    limits: ServiceProtection,
    /// How long a request counts against the window: a little longer than the window itself,
    /// because the server stamps arrivals a moment after the client sends them.
    held: Duration,
    concurrency: Arc<Semaphore>,
    gate: Mutex<Gate>,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Limiter {
    pub(crate) fn new(limits: ServiceProtection) -> Limiter {
        Limiter {
            limits,
            held: limits.window + (limits.window / 20).min(Duration::from_secs(1)),
            concurrency: Arc::new(Semaphore::new(limits.concurrent_requests.max(1) as usize)),
            gate: Mutex::new(Gate {
                sent: VecDeque::new(),
                paused_until: None,
            }),
        }
    }

    /// Waits until a request may be sent now, and counts it as sent.
    pub(crate) async fn acquire(&self) -> Slot {
        let permit = self
            .concurrency
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        loop {
            let wait_until = {
                let mut gate = self.gate.lock();
                let now = Instant::now();
                while gate
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.held)
                {
                    gate.sent.pop_front();
                }
                match gate.paused_until {
                    Some(until) if until > now => Some(until),
                    _ if gate.sent.len() >= self.limits.requests_per_window as usize => {
                        gate.sent.front().map(|oldest| *oldest + self.held)
                    }
                    _ => {
                        gate.sent.push_back(now);
                        None
                    }
                }
            };
            match wait_until {
                Some(until) => tokio::time::sleep_until(until).await,
                None => return Slot { _permit: permit },
            }
        }
    }

    /// Holds every request of this client until `wait` has passed (a 429's `Retry-After`).
    pub(crate) fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut gate = self.gate.lock();
        if gate.paused_until.is_none_or(|current| current < until) {
            gate.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_ever_holds_more_than_the_limit() {
        let limiter = Limiter::new(ServiceProtection {
            requests_per_window: 3,
            window: Duration::from_secs(10),
            concurrent_requests: 10,
        });
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..7 {
            drop(limiter.acquire().await);
            sent.push(start.elapsed());
        }
        let ms: Vec<u128> = sent.iter().map(Duration::as_millis).collect();
        assert_eq!(
            ms,
            [0, 0, 0, 10_500, 10_500, 10_500, 21_000],
            "three per ten seconds and a safety margin, no more"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_until_it_ends() {
        let limiter = Limiter::new(ServiceProtection::default());
        limiter.pause(Duration::from_secs(12));
        limiter.pause(Duration::from_secs(3));
        let start = Instant::now();
        drop(limiter.acquire().await);
        assert_eq!(
            start.elapsed().as_secs(),
            12,
            "a shorter pause never shortens a longer one"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_capped() {
        let limiter = Arc::new(Limiter::new(ServiceProtection {
            concurrent_requests: 2,
            ..ServiceProtection::default()
        }));
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let waiting = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire().await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            !waiting.is_finished(),
            "a third request waits for a free slot"
        );
        drop(a);
        waiting.await.unwrap();
    }
}

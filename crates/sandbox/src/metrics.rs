//! Call accounting: per-endpoint counts by status, calls per 20-second bucket, the most calls seen
//! in any sliding window, and the most concurrent requests. Tests and benchmarks read it to prove a
//! client stayed under the documented limits.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// One of the emulated services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Service {
    Entra,
    Dataverse,
    Marketo,
}

impl Service {
    pub(crate) const ALL: [Service; 3] = [Service::Entra, Service::Dataverse, Service::Marketo];

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Default)]
struct Ledger {
    endpoints: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Arrival time of every call, in milliseconds of the sandbox clock, in arrival order.
    arrivals: Vec<i64>,
    max_in_flight: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    ledgers: [Mutex<Ledger>; 3],
    in_flight: [AtomicU32; 3],
}

/// Held while a request is being answered; counts it as in flight until dropped.
#[derive(Debug)]
pub(crate) struct InFlight<'a> {
    metrics: &'a Metrics,
    service: Service,
    endpoint: String,
}

impl Metrics {
    /// Counts the arrival of a call.
    pub(crate) fn begin(
        &self,
        service: Service,
        endpoint: String,
        at: DateTime<Utc>,
    ) -> InFlight<'_> {
        let now = self.in_flight[service.index()].fetch_add(1, Ordering::SeqCst) + 1;
        let mut ledger = self.ledgers[service.index()].lock();
        ledger.arrivals.push(at.timestamp_millis());
        ledger.max_in_flight = ledger.max_in_flight.max(now);
        InFlight {
            metrics: self,
            service,
            endpoint,
        }
    }

    /// Requests of `service` being answered right now (including the caller's own).
    #[expect(dead_code, reason = "for the emulators")]
    pub(crate) fn in_flight(&self, service: Service) -> u32 {
        self.in_flight[service.index()].load(Ordering::SeqCst)
    }

    pub(crate) fn reset(&self) {
        for ledger in &self.ledgers {
            *ledger.lock() = Ledger::default();
        }
    }

    pub(crate) fn snapshot(&self) -> BTreeMap<Service, ServiceMetrics> {
        Service::ALL
            .into_iter()
            .map(|service| {
                let ledger = self.ledgers[service.index()].lock();
                let mut buckets: BTreeMap<i64, u64> = BTreeMap::new();
                for at in &ledger.arrivals {
                    *buckets.entry(at.div_euclid(20_000)).or_default() += 1;
                }
                let metrics = ServiceMetrics {
                    total: ledger.arrivals.len() as u64,
                    endpoints: ledger
                        .endpoints
                        .iter()
                        .map(|(name, statuses)| {
                            let by_status =
                                statuses.iter().map(|(s, n)| (s.to_string(), *n)).collect();
                            (
                                name.clone(),
                                EndpointMetrics {
                                    total: statuses.values().sum(),
                                    by_status,
                                },
                            )
                        })
                        .collect(),
                    per_20s: buckets
                        .into_iter()
                        .map(|(bucket, calls)| Bucket {
                            start: DateTime::from_timestamp_millis(bucket * 20_000)
                                .unwrap_or_default(),
                            calls,
                        })
                        .collect(),
                    max_in_20s: max_in_window(&ledger.arrivals, 20_000),
                    max_in_300s: max_in_window(&ledger.arrivals, 300_000),
                    max_in_flight: ledger.max_in_flight,
                };
                (service, metrics)
            })
            .collect()
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight[self.service.index()].fetch_sub(1, Ordering::SeqCst);
    }
}

impl InFlight<'_> {
    /// Records the status the call was answered with.
    pub(crate) fn answered(&self, status: u16) {
        let mut ledger = self.metrics.ledgers[self.service.index()].lock();
        *ledger
            .endpoints
            .entry(self.endpoint.clone())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }
}

/// The most arrivals within any window of `width_ms` (arrivals are sorted by construction, give or
/// take the clock's resolution, so they are sorted again here).
fn max_in_window(arrivals: &[i64], width_ms: i64) -> u64 {
    let mut sorted = arrivals.to_vec();
    sorted.sort_unstable();
    let mut start = 0;
    let mut best = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= width_ms {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best as u64
}

/// What the control API reports for one service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMetrics {
    pub total: u64,
    /// Per endpoint (`"GET /rest/v1/leads.json"`, `"PATCH contacts(id)"`), calls by HTTP status.
    pub endpoints: BTreeMap<String, EndpointMetrics>,
    /// Calls per fixed 20-second bucket of the sandbox clock.
    pub per_20s: Vec<Bucket>,
    /// The most calls within any sliding 20 s window.
    pub max_in_20s: u64,
    /// The most calls within any sliding 300 s window.
    pub max_in_300s: u64,
    /// The most requests answered at the same time.
    pub max_in_flight: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointMetrics {
    pub total: u64,
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub calls: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sliding_window_maximum_spans_bucket_boundaries() {
        // 60 calls at the end of one bucket and 60 at the start of the next: each fixed bucket holds
        // 60, but a sliding 20 s window holds all 120.
        let arrivals: Vec<i64> = (0..60)
            .map(|i| 19_000 + i)
            .chain((0..60).map(|i| 20_000 + i))
            .collect();
        assert_eq!(max_in_window(&arrivals, 20_000), 120);
        let spaced: Vec<i64> = (0..300).map(|i| i * 200).collect();
        assert_eq!(
            max_in_window(&spaced, 20_000),
            100,
            "one call every 200 ms is exactly 100 per 20 s"
        );
    }
}

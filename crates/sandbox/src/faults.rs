//! Fault injection, switchable at run time through the control API.
//!
//! Network faults (latency, dropped connections, slow bodies, a share of 5xx) are applied to every
//! request of a service by [`crate::server`]'s middleware. Storms (Dataverse 429, Marketo 606/615) are
//! consumed by the emulators themselves, because only they know the documented shape of those errors.

use std::time::Duration;

use parking_lot::Mutex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::metrics::Service;

/// The faults of every service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultConfig {
    pub entra: ServiceFaults,
    pub dataverse: ServiceFaults,
    pub marketo: ServiceFaults,
}

impl FaultConfig {
    fn service(&mut self, service: Service) -> &mut ServiceFaults {
        match service {
            Service::Entra => &mut self.entra,
            Service::Dataverse => &mut self.dataverse,
            Service::Marketo => &mut self.marketo,
        }
    }
}

/// The faults of one service. All off by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceFaults {
    /// Share (0 to 1) of requests answered with a 5xx in the service's own error shape.
    pub server_error_rate: f64,
    /// Added before every answer.
    pub latency_ms: u64,
    /// Share (0 to 1) of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Answer bodies trickle out at this many bytes per second.
    pub slow_body_bytes_per_sec: Option<u32>,
    /// The next requests are refused as if a limit were exceeded.
    pub storm: Option<Storm>,
}

/// A burst of limit errors: the next `requests` requests are refused.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Storm {
    pub kind: StormKind,
    pub requests: u32,
    /// For Dataverse throttling, the `Retry-After` seconds to announce.
    #[serde(default = "one")]
    pub retry_after_secs: u32,
}

fn one() -> u32 {
    1
}

/// Which limit a storm imitates.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum StormKind {
    /// Dataverse 429 service protection (request count).
    Throttle,
    /// Marketo 606: rate limit.
    Rate,
    /// Marketo 615: concurrency limit.
    Concurrency,
}

/// What the middleware does to one request.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) latency: Option<Duration>,
    pub(crate) drop: bool,
    pub(crate) server_error: Option<u16>,
    pub(crate) slow_body_bytes_per_sec: Option<u32>,
}

/// The live fault configuration and the dice it is rolled with (seeded, for repeatable runs).
#[derive(Debug)]
pub(crate) struct Faults {
    config: Mutex<FaultConfig>,
    rng: Mutex<ChaCha8Rng>,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            config: Mutex::new(FaultConfig::default()),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    pub(crate) fn get(&self) -> FaultConfig {
        self.config.lock().clone()
    }

    pub(crate) fn set(&self, config: FaultConfig) {
        *self.config.lock() = config;
    }

    /// Rolls the network faults for one request of `service`.
    pub(crate) fn plan(&self, service: Service) -> Plan {
        let mut config = self.config.lock();
        let faults = config.service(service);
        let mut rng = self.rng.lock();
        let mut roll = |rate: f64| rate > 0.0 && rng.random::<f64>() < rate;
        Plan {
            latency: (faults.latency_ms > 0).then(|| Duration::from_millis(faults.latency_ms)),
            drop: roll(faults.drop_rate),
            server_error: roll(faults.server_error_rate)
                .then(|| [500, 502, 503][rng.random_range(0..3)]),
            slow_body_bytes_per_sec: faults.slow_body_bytes_per_sec,
        }
    }

    /// Takes one request out of the service's storm, if one is blowing.
    pub(crate) fn take_storm(&self, service: Service) -> Option<Storm> {
        let mut config = self.config.lock();
        let slot = &mut config.service(service).storm;
        let storm = (*slot)?;
        *slot = (storm.requests > 1).then(|| Storm {
            requests: storm.requests - 1,
            ..storm
        });
        (storm.requests > 0).then_some(storm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_refuses_exactly_its_number_of_requests() {
        let faults = Faults::new(1);
        let mut config = FaultConfig::default();
        config.marketo.storm = Some(Storm {
            kind: StormKind::Rate,
            requests: 3,
            retry_after_secs: 1,
        });
        faults.set(config);
        let taken = (0..5)
            .filter(|_| faults.take_storm(Service::Marketo).is_some())
            .count();
        assert_eq!(taken, 3);
        assert!(
            faults.take_storm(Service::Dataverse).is_none(),
            "storms are per service"
        );
    }

    #[test]
    fn an_error_rate_hits_about_that_share_of_requests() {
        let faults = Faults::new(42);
        let mut config = FaultConfig::default();
        config.dataverse.server_error_rate = 0.1;
        faults.set(config);
        let errors = (0..10_000)
            .filter(|_| faults.plan(Service::Dataverse).server_error.is_some())
            .count();
        assert!(
            (800..1200).contains(&errors),
            "{errors} of 10,000 requests failed with a 10 % rate"
        );
        assert!(faults.plan(Service::Marketo).server_error.is_none());
    }
}

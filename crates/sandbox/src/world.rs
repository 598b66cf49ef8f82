//! Everything a running sandbox knows: its clock, limits, faults, metrics, and the state of each
//! emulated service. Shared by every server task.

use parking_lot::RwLock;

use crate::clock::Clock;
use crate::faults::Faults;
use crate::info::SandboxInfo;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::{dataverse, entra, marketo};

#[derive(Debug)]
pub(crate) struct World {
    pub(crate) info: SandboxInfo,
    pub(crate) clock: Clock,
    pub(crate) limits: RwLock<Limits>,
    pub(crate) faults: Faults,
    pub(crate) metrics: Metrics,
    pub(crate) entra: entra::State,
    pub(crate) dataverse: dataverse::State,
    pub(crate) marketo: marketo::State,
}

impl World {
    pub(crate) fn new(info: SandboxInfo, limits: Limits, seed: u64) -> World {
        World {
            entra: entra::State::new(&info),
            dataverse: dataverse::State::new(&info),
            marketo: marketo::State::new(&info),
            info,
            clock: Clock::default(),
            limits: RwLock::new(limits),
            faults: Faults::new(seed),
            metrics: Metrics::default(),
        }
    }
}

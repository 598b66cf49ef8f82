//! The seeded data generator: realistic, messy orgs on both sides, the same byte for byte for the
//! same seed.
//!
//! It fills the Dynamics org (accounts, contacts, leads, opportunities and their stakeholders, the
//! four custom tables) as the named people, never the sync user, and the Marketo instance with
//! persons that exist only there and persons that already match Dynamics records by email (some
//! ambiguously), so that a first sync has a dedupe pre-flight to make. Rows go straight into the stores through the
//! in-process loaders, streamed so that a million records stay well under the memory budget.
//!
//! History (`createdon`, `modifiedon`, `createdAt`, `updatedAt`) is spread over the two years before
//! the start of the sandbox clock's current UTC day: the same seed on the same day gives the same
//! bytes, and no record is ever dated in the future.

mod custom;
mod dynamics;
mod marketo;
mod people;
mod persons;
mod stakeholders;
#[rustfmt::skip]
mod words;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::world::World;

/// How big an org to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// About 50 records: for UI tests.
    Tiny,
    /// About 10,000 records: the default, for the demo.
    Demo,
    /// About 100,000 records, with one account of more than 5,000 contacts.
    Hundred,
    /// About 1,000,000 records, with one account of more than 5,000 contacts.
    Million,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Tiny, Preset::Demo, Preset::Hundred, Preset::Million];

    /// The name `from_str` reads: `tiny`, `demo`, `100k`, `1m`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Demo => "demo",
            Preset::Hundred => "100k",
            Preset::Million => "1m",
        }
    }

    pub(crate) fn sizes(self) -> Sizes {
        match self {
            Preset::Tiny => Sizes {
                accounts: 4,
                contacts: 14,
                big_account: 0,
                leads: 8,
                opportunities: 4,
                registrations: 6,
                venues: 2,
                marketo_only: 6,
                marketo_matching: 5,
            },
            Preset::Demo => Sizes {
                accounts: 400,
                contacts: 4_400,
                big_account: 0,
                leads: 2_000,
                opportunities: 700,
                registrations: 900,
                venues: 25,
                marketo_only: 1_200,
                marketo_matching: 700,
            },
            Preset::Hundred => Sizes {
                accounts: 4_000,
                contacts: 44_000,
                big_account: 5_200,
                leads: 20_000,
                opportunities: 7_000,
                registrations: 9_000,
                venues: 100,
                marketo_only: 12_000,
                marketo_matching: 7_000,
            },
            Preset::Million => Sizes {
                accounts: 40_000,
                contacts: 440_000,
                big_account: 12_000,
                leads: 200_000,
                opportunities: 70_000,
                registrations: 90_000,
                venues: 500,
                marketo_only: 120_000,
                marketo_matching: 70_000,
            },
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A preset name that is not one of `tiny`, `demo`, `100k`, `1m`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown preset '{0}': choose tiny, demo, 100k or 1m")]
pub struct UnknownPreset(pub String);

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(s: &str) -> Result<Preset, UnknownPreset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPreset(s.to_owned()))
    }
}

/// Data to generate when the sandbox starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generate {
    pub preset: Preset,
    /// The same seed gives the same records, byte for byte.
    pub seed: u64,
}

/// How many records of each kind a preset makes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    pub(crate) accounts: usize,
    /// All contacts, including those of the big account.
    pub(crate) contacts: usize,
    /// Contacts of the one account over R12's 5,000 (0: no such account).
    pub(crate) big_account: usize,
    pub(crate) leads: usize,
    pub(crate) opportunities: usize,
    /// Event registrations; session feedback and follow-ups hang off a share of them.
    pub(crate) registrations: usize,
    pub(crate) venues: usize,
    /// Persons that exist only in Marketo.
    pub(crate) marketo_only: usize,
    /// Marketo persons whose email matches a Dynamics lead or contact.
    pub(crate) marketo_matching: usize,
}

/// Why generation failed: a generated row the emulator refused, which is a bug in the generator.
#[derive(Debug, thiserror::Error)]
#[error("the generated {what} do not fit the emulator: {message}")]
pub struct GenerateError {
    what: &'static str,
    message: String,
}

/// A seeded generator for one concern, so that adding a field to one kind of record leaves the
/// others unchanged.
pub(crate) fn rng(seed: u64, concern: &str) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    for (i, b) in concern.bytes().enumerate() {
        key[8 + i % 24] ^= b;
    }
    ChaCha8Rng::from_seed(key)
}

/// A record id drawn from the generator (a version 4 GUID, as Dataverse makes).
pub(crate) fn guid(rng: &mut ChaCha8Rng) -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// When records were created and last changed: within two years before `anchor`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct History {
    anchor: DateTime<Utc>,
}

impl History {
    pub(crate) fn new(now: DateTime<Utc>) -> History {
        History {
            anchor: now
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map_or(now, |d| d.and_utc()),
        }
    }

    /// `(created, modified)`, modified no earlier than created; recent changes are more common.
    pub(crate) fn stamps(&self, rng: &mut ChaCha8Rng) -> (DateTime<Utc>, DateTime<Utc>) {
        let age = rng.random_range(3_600..730 * 86_400_i64);
        let created = self.anchor - Duration::seconds(age);
        let since: f64 = rng.random::<f64>().powi(2);
        let modified = self.anchor - Duration::seconds((age as f64 * since) as i64);
        (created, modified)
    }

    /// A day within `days` either side of the anchor (event dates, close dates).
    pub(crate) fn around(&self, rng: &mut ChaCha8Rng, days: i64) -> DateTime<Utc> {
        self.anchor + Duration::days(rng.random_range(-days..=days))
    }
}

/// ISO 8601 in UTC to the second, as both APIs write it.
pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Fills the sandbox's org and instance with the preset's records.
pub(crate) fn run(world: &World, generate: Generate) -> Result<(), GenerateError> {
    let sizes = generate.preset.sizes();
    let history = History::new(world.clock.now());
    let persons = dynamics::fill(world, generate.seed, &sizes, &history)?;
    marketo::fill(world, generate.seed, &sizes, &history, persons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_read_their_names_and_nothing_else() {
        for preset in Preset::ALL {
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        }
        assert_eq!("1M".parse::<Preset>(), Ok(Preset::Million));
        let wrong = "huge".parse::<Preset>().unwrap_err();
        assert!(
            wrong.to_string().contains("tiny, demo, 100k or 1m"),
            "the error must list the choices: {wrong}"
        );
    }

    #[test]
    fn history_is_never_in_the_future_and_modified_follows_created() {
        let now = Utc::now();
        let history = History::new(now);
        let mut rng = rng(1, "history");
        for _ in 0..10_000 {
            let (created, modified) = history.stamps(&mut rng);
            assert!(created <= modified, "a record changes after it is created");
            assert!(modified <= now, "no record is dated after the clock");
        }
    }
}

//! The Marketo instance's persons before any sync: people who exist only in Marketo (form fills,
//! list imports; a few without an email, a few duplicated within Marketo) and people who already
//! match a Dynamics lead or contact by email, sometimes with other capitals or another spelling of
//! the name, and sometimes matching more than one Dynamics record.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::people::{self, Name, chance};
use super::persons::Match;
use super::words::SOURCES;
use super::{GenerateError, History, Sizes, iso, rng};
use crate::world::World;

/// Rows go to the lead store this many at a time, so a large preset never holds them all.
const CHUNK: usize = 5_000;

fn person(
    rng: &mut ChaCha8Rng,
    history: &History,
    name: &Name,
    email: Option<&str>,
    company: Option<&str>,
) -> Map<String, Value> {
    let mut row = Map::new();
    if let Some(email) = email {
        row.insert("email".into(), json!(email));
    }
    if let Some(first) = &name.first {
        row.insert("firstName".into(), json!(first));
    }
    row.insert("lastName".into(), json!(name.last));
    if let Some(company) = company {
        row.insert("company".into(), json!(company));
    }
    if chance(rng, 0.6) {
        row.insert("title".into(), json!(people::title(rng)));
    }
    let address = people::address(rng);
    if chance(rng, 0.5) {
        row.insert("phone".into(), json!(people::phone(rng, address.dial)));
    }
    if chance(rng, 0.6) {
        row.insert("city".into(), json!(address.city));
        row.insert("country".into(), json!(address.country));
        if !address.state.is_empty() {
            row.insert("state".into(), json!(address.state));
        }
        row.insert("postalCode".into(), json!(address.postal));
    }
    row.insert(
        "leadSource".into(),
        json!(SOURCES.choose(rng).copied().unwrap_or_default()),
    );
    if chance(rng, 0.04) {
        row.insert("unsubscribed".into(), json!(true));
    }
    let (created, updated) = history.stamps(rng);
    row.insert("createdAt".into(), json!(iso(created)));
    row.insert("updatedAt".into(), json!(iso(updated)));
    row
}

/// Fills the instance: the persons matching `matches` (Dynamics people), then Marketo-only ones.
pub(super) fn fill(
    world: &World,
    seed: u64,
    sizes: &Sizes,
    history: &History,
    matches: Vec<Match>,
) -> Result<(), GenerateError> {
    let mut rng = rng(seed, "marketo");
    let load = |rows: Vec<Map<String, Value>>| {
        world
            .marketo
            .insert_leads(rows, world.clock.now())
            .map(drop)
            .map_err(|message| GenerateError {
                what: "Marketo persons",
                message,
            })
    };
    let mut rows = Vec::with_capacity(CHUNK);
    for m in &matches {
        // The same person as Dynamics knows them, typed again: the case of the email or the
        // spelling of the name may differ.
        let email = if chance(&mut rng, 0.15) {
            people::recase(&m.email)
        } else {
            m.email.clone()
        };
        let mut name = m.name.clone();
        if chance(&mut rng, 0.1) {
            name.first = name.first.map(|f| f.trim().to_lowercase());
        }
        rows.push(person(
            &mut rng,
            history,
            &name,
            Some(&email),
            m.company.as_deref(),
        ));
        if rows.len() == CHUNK {
            load(std::mem::take(&mut rows))?;
        }
    }
    let mut recent: Vec<String> = Vec::new();
    for n in 0..sizes.marketo_only {
        let name = people::name(&mut rng);
        let company = chance(&mut rng, 0.7).then(|| people::company(&mut rng, n));
        let email = match rng.random_range(0..100) {
            0..2 => None,
            2..3 if !recent.is_empty() => recent.choose(&mut rng).cloned(),
            _ => {
                // Numbered apart from Dynamics' mailboxes so that a Marketo-only person matches
                // no Dynamics record by accident.
                let email = people::email(&mut rng, &name, company.as_deref(), 10_000_000 + n);
                if recent.len() < 64 {
                    recent.push(email.clone());
                }
                Some(email)
            }
        };
        rows.push(person(
            &mut rng,
            history,
            &name,
            email.as_deref(),
            company.as_deref(),
        ));
        if rows.len() == CHUNK {
            load(std::mem::take(&mut rows))?;
        }
    }
    if !rows.is_empty() {
        load(rows)?;
    }
    Ok(())
}

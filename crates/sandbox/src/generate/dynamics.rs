//! The Dynamics org's records, each created by one of the named people and owned by a person or a
//! team, about 55 % marked for Marketo (`new_synctomkto` Yes), 15 % No and the rest left empty
//! (R32–R35): accounts and opportunities here, people in `persons.rs`, opportunity stakeholders
//! in `stakeholders.rs`, the custom tables in `custom.rs`.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::people::{self, chance};
use super::persons::{self, Emails, Match, Matches};
use super::words::PRODUCTS;
use super::{GenerateError, History, Sizes, custom, guid, iso, rng, stakeholders};
use crate::dataverse::load::insert_rows;
use crate::world::World;

/// Who acts in the org: the named people create; people and teams own.
pub(super) struct Cast {
    people: Vec<Uuid>,
    teams: Vec<Uuid>,
}

impl Cast {
    fn of(world: &World) -> Cast {
        let state = &world.dataverse;
        let schema = state.schema.read();
        let store = state.store.read();
        let teams = schema
            .by_logical("team")
            .map(|(i, _)| store.tables[i].rows.keys().copied().collect())
            .unwrap_or_default();
        Cast {
            people: state
                .directory
                .people
                .iter()
                .map(|p| p.systemuserid)
                .collect(),
            teams,
        }
    }

    pub(super) fn creator(&self, rng: &mut ChaCha8Rng) -> Uuid {
        *self.people.choose(rng).unwrap_or(&Uuid::nil())
    }

    /// A person most of the time, a team sometimes.
    fn owner(&self, rng: &mut ChaCha8Rng) -> String {
        match self.teams.choose(rng) {
            Some(team) if chance(rng, 0.2) => format!("/teams({team})"),
            _ => format!("/systemusers({})", self.creator(rng)),
        }
    }
}

/// Loads generated rows one by one, each as its creator.
pub(super) struct Loader<'w> {
    world: &'w World,
    pub(super) cast: Cast,
    pub(super) history: History,
}

impl Loader<'_> {
    /// Adds the history, the owner and, where the table has it, the sync filter.
    pub(super) fn dress(&self, rng: &mut ChaCha8Rng, row: &mut Map<String, Value>, filter: bool) {
        let (created, modified) = self.history.stamps(rng);
        row.insert("createdon".into(), json!(iso(created)));
        row.insert("modifiedon".into(), json!(iso(modified)));
        row.insert("ownerid@odata.bind".into(), json!(self.cast.owner(rng)));
        if filter {
            match rng.random_range(0..100) {
                0..55 => row.insert("new_synctomkto".into(), json!(true)),
                55..70 => row.insert("new_synctomkto".into(), json!(false)),
                _ => None,
            };
        }
    }

    /// Loads a dressed row as `creator`, one of the named people.
    pub(super) fn load(
        &self,
        creator: Uuid,
        set: &'static str,
        row: Map<String, Value>,
    ) -> Result<(), GenerateError> {
        insert_rows(self.world, Some(creator), set, [row])
            .map(drop)
            .map_err(|e| GenerateError {
                what: set,
                message: e.to_string(),
            })
    }

    pub(super) fn put(
        &self,
        rng: &mut ChaCha8Rng,
        set: &'static str,
        mut row: Map<String, Value>,
        filter: bool,
    ) -> Result<(), GenerateError> {
        self.dress(rng, &mut row, filter);
        let creator = self.cast.creator(rng);
        self.load(creator, set, row)
    }
}

/// Fills the org; answers the Dynamics people Marketo will already know.
pub(super) fn fill(
    world: &World,
    seed: u64,
    sizes: &Sizes,
    history: &History,
) -> Result<Vec<Match>, GenerateError> {
    let loader = Loader {
        world,
        cast: Cast::of(world),
        history: *history,
    };
    let mut emails = Emails::new();
    let pool = sizes.contacts + sizes.leads;
    let mut matches = Matches {
        share: (sizes.marketo_matching as f64 * 1.3 / pool.max(1) as f64).min(1.0),
        wanted: sizes.marketo_matching,
        found: Vec::with_capacity(sizes.marketo_matching),
    };

    let accounts = accounts(&loader, seed, sizes)?;
    let qualified = persons::leads(&loader, seed, sizes, &accounts, &mut emails, &mut matches)?;
    let contacts = persons::contacts(
        &loader,
        seed,
        sizes,
        &accounts,
        &qualified,
        &mut emails,
        &mut matches,
    )?;
    persons::relink_qualified(&loader, qualified, &contacts.ids)?;
    let deals = opportunities(&loader, seed, sizes, &accounts, &contacts.ids)?;
    stakeholders::fill(&loader, seed, &deals, &contacts, accounts.ids.len())?;
    custom::fill(&loader, seed, sizes, &contacts.ids)?;
    Ok(matches.found)
}

/// The accounts: ids and names, for the contacts and opportunities that hang off them.
pub(super) struct Accounts {
    pub(super) ids: Vec<Uuid>,
    pub(super) names: Vec<String>,
}

fn accounts(loader: &Loader<'_>, seed: u64, sizes: &Sizes) -> Result<Accounts, GenerateError> {
    let mut rng = rng(seed, "accounts");
    let mut out = Accounts {
        ids: Vec::with_capacity(sizes.accounts),
        names: Vec::with_capacity(sizes.accounts),
    };
    for n in 0..sizes.accounts {
        let id = guid(&mut rng);
        let name = people::company(&mut rng, n);
        let address = people::address(&mut rng);
        let domain = people::domain(&name);
        let mut row = Map::new();
        row.insert("accountid".into(), json!(id));
        row.insert("name".into(), json!(name));
        row.insert("accountnumber".into(), json!(format!("ACC-{:06}", n + 1)));
        if chance(&mut rng, 0.9) {
            row.insert(
                "telephone1".into(),
                json!(people::phone(&mut rng, address.dial)),
            );
        }
        if chance(&mut rng, 0.6) {
            row.insert("emailaddress1".into(), json!(format!("info@{domain}")));
        }
        if chance(&mut rng, 0.8) {
            row.insert("websiteurl".into(), json!(format!("https://www.{domain}")));
        }
        address.write(&mut row);
        if chance(&mut rng, 0.85) {
            row.insert("industrycode".into(), json!(rng.random_range(1..=33)));
        }
        if chance(&mut rng, 0.7) {
            row.insert(
                "revenue".into(),
                json!(f64::from(rng.random_range(50u32..500_000)) * 1_000.0),
            );
            row.insert(
                "numberofemployees".into(),
                json!(rng.random_range(1..50_000)),
            );
        }
        if chance(&mut rng, 0.05) {
            row.insert("statecode".into(), json!(1));
        }
        if n > 10 && chance(&mut rng, 0.08) {
            let parent = out.ids[rng.random_range(0..n)];
            row.insert(
                "parentaccountid@odata.bind".into(),
                json!(format!("/accounts({parent})")),
            );
        }
        loader.put(&mut rng, "accounts", row, true)?;
        out.ids.push(id);
        out.names.push(name);
    }
    Ok(out)
}

/// An opportunity and its potential customer (R56), for its stakeholders.
pub(super) struct Deal {
    pub(super) id: Uuid,
    pub(super) customer: Customer,
}

pub(super) enum Customer {
    /// Index into the accounts.
    Account(usize),
    Contact(Uuid),
    None,
}

fn opportunities(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    accounts: &Accounts,
    contacts: &[Uuid],
) -> Result<Vec<Deal>, GenerateError> {
    let mut rng = rng(seed, "opportunities");
    let mut deals = Vec::with_capacity(sizes.opportunities);
    for n in 0..sizes.opportunities {
        let mut row = Map::new();
        let id = guid(&mut rng);
        row.insert("opportunityid".into(), json!(id));
        let mut customer = Customer::None;
        let product = PRODUCTS.choose(&mut rng).copied().unwrap_or_default();
        // The potential customer is an account or a contact (R56).
        let by_account = !accounts.ids.is_empty() && (contacts.is_empty() || chance(&mut rng, 0.7));
        if by_account {
            let a = rng.random_range(0..accounts.ids.len());
            row.insert(
                "name".into(),
                json!(format!("{}: {product}", accounts.names[a])),
            );
            row.insert(
                "customerid_account@odata.bind".into(),
                json!(format!("/accounts({})", accounts.ids[a])),
            );
            row.insert(
                "parentaccountid@odata.bind".into(),
                json!(format!("/accounts({})", accounts.ids[a])),
            );
            customer = Customer::Account(a);
        } else if let Some(contact) = contacts.choose(&mut rng) {
            customer = Customer::Contact(*contact);
            row.insert("name".into(), json!(format!("{product} #{}", n + 1)));
            row.insert(
                "customerid_contact@odata.bind".into(),
                json!(format!("/contacts({contact})")),
            );
            row.insert(
                "parentcontactid@odata.bind".into(),
                json!(format!("/contacts({contact})")),
            );
        } else {
            row.insert("name".into(), json!(product));
        }
        row.insert(
            "estimatedvalue".into(),
            json!(f64::from(rng.random_range(10u32..2_000)) * 500.0),
        );
        row.insert(
            "estimatedclosedate".into(),
            json!(iso(loader.history.around(&mut rng, 180))),
        );
        let (state, status, probability) = match rng.random_range(0..100) {
            0..60 => (0, rng.random_range(1..=2), rng.random_range(10..=90)),
            60..80 => (1, 3, 100),
            _ => (2, rng.random_range(4..=5), 0),
        };
        row.insert("statecode".into(), json!(state));
        row.insert("statuscode".into(), json!(status));
        row.insert("closeprobability".into(), json!(probability));
        if state != 0 {
            row.insert(
                "actualclosedate".into(),
                json!(iso(loader.history.around(&mut rng, 0)
                    - chrono::Duration::days(rng.random_range(1..365)))),
            );
        }
        if state == 1 {
            row.insert("actualvalue".into(), row["estimatedvalue"].clone());
        }
        if chance(&mut rng, 0.2) {
            row.insert(
                "description".into(),
                json!("Discussed pricing; waiting on procurement."),
            );
        }
        loader.put(&mut rng, "opportunities", row, true)?;
        deals.push(Deal { id, customer });
    }
    Ok(deals)
}

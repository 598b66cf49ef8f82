//! The Dynamics org's records: accounts, leads (some qualified, some disqualified), contacts (0 to
//! N per account, one account over 5,000 in the larger presets), opportunities for an account or a
//! contact, and the custom tables (event registrations → contacts, session feedback →
//! registrations, follow-ups → feedback, venues on their own).
//!
//! Each row is created by one of the named people and owned by a person or a team; about 55 % are
//! marked for Marketo (`new_synctomkto` Yes), 15 % No and the rest left empty (R32–R35).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::people::{self, Address, Name, chance};
use super::{GenerateError, History, Sizes, guid, iso, rng};
use crate::dataverse::load::insert_rows;
use crate::world::World;

/// A Dynamics person a Marketo person may match by email.
#[derive(Debug, Clone)]
pub(super) struct Match {
    pub(super) email: String,
    pub(super) name: Name,
    pub(super) company: Option<String>,
}

/// Who acts in the org: the named people create; people and teams own.
struct Cast {
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

    fn creator(&self, rng: &mut ChaCha8Rng) -> Uuid {
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
struct Loader<'w> {
    world: &'w World,
    cast: Cast,
    history: History,
}

impl Loader<'_> {
    /// Adds the history, the owner and, where the table has it, the sync filter.
    fn dress(&self, rng: &mut ChaCha8Rng, row: &mut Map<String, Value>, filter: bool) {
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
    fn load(
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

    fn put(
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

/// Emails as they are in a real org: some missing, some shared by two records, some differing
/// only in case.
struct Emails {
    recent: VecDeque<String>,
    made: usize,
}

enum Email {
    Missing,
    New(String),
    /// Another record's email, byte for byte or with other capitals.
    Shared(String),
}

impl Emails {
    fn new() -> Emails {
        Emails {
            recent: VecDeque::with_capacity(256),
            made: 0,
        }
    }

    fn next(&mut self, rng: &mut ChaCha8Rng, name: &Name, company: Option<&str>) -> Email {
        let roll = rng.random_range(0..1000);
        let earlier = self
            .recent
            .get(rng.random_range(0..self.recent.len().max(1)))
            .cloned();
        match (roll, earlier) {
            (0..60, _) => Email::Missing,
            (60..85, Some(email)) => Email::Shared(email),
            (85..100, Some(email)) => Email::Shared(people::recase(&email)),
            _ => {
                self.made += 1;
                let email = people::email(rng, name, company, self.made);
                if self.recent.len() == 256 {
                    self.recent.pop_front();
                }
                self.recent.push_back(email.clone());
                Email::New(email)
            }
        }
    }
}

/// Picks the Dynamics people that Marketo will already know, about `wanted` of `pool`.
struct Matches {
    share: f64,
    wanted: usize,
    found: Vec<Match>,
}

impl Matches {
    fn offer(&mut self, rng: &mut ChaCha8Rng, email: &Email, name: &Name, company: Option<&str>) {
        // An email shared by two records makes an ambiguous match. Those are rare, so they are
        // taken more often: the pre-flight must meet some.
        let (email, share) = match email {
            Email::Missing => return,
            Email::New(e) => (e, self.share),
            Email::Shared(e) => (e, (self.share * 8.0).min(1.0)),
        };
        if self.found.len() < self.wanted && chance(rng, share) {
            self.found.push(Match {
                email: email.clone(),
                name: name.clone(),
                company: company.map(str::to_owned),
            });
        }
    }
}

fn email_text(email: &Email) -> Option<&str> {
    match email {
        Email::Missing => None,
        Email::New(e) | Email::Shared(e) => Some(e),
    }
}

/// A person's columns shared by leads and contacts.
fn person_row(
    rng: &mut ChaCha8Rng,
    name: &Name,
    email: Option<&str>,
    address: &Address,
) -> Map<String, Value> {
    let mut row = Map::new();
    if let Some(first) = &name.first {
        row.insert("firstname".into(), json!(first));
    }
    row.insert("lastname".into(), json!(name.last));
    if let Some(email) = email {
        row.insert("emailaddress1".into(), json!(email));
    }
    if chance(rng, 0.8) {
        row.insert("jobtitle".into(), json!(people::title(rng)));
    }
    if chance(rng, 0.85) {
        row.insert("telephone1".into(), json!(people::phone(rng, address.dial)));
    }
    if chance(rng, 0.3) {
        let mobile = people::phone(rng, address.dial);
        if mobile.len() <= 20 {
            row.insert("mobilephone".into(), json!(mobile));
        }
    }
    if chance(rng, 0.75) {
        row.insert("address1_line1".into(), json!(address.street));
        row.insert("address1_city".into(), json!(address.city));
        if !address.state.is_empty() {
            row.insert("address1_stateorprovince".into(), json!(address.state));
        }
        row.insert("address1_postalcode".into(), json!(address.postal));
        row.insert("address1_country".into(), json!(address.country));
    } else if chance(rng, 0.5) {
        row.insert("address1_city".into(), json!(address.city));
    }
    row.insert(
        "preferredcontactmethodcode".into(),
        json!(rng.random_range(1..=5)),
    );
    for flag in ["donotemail", "donotphone", "donotbulkemail"] {
        if chance(rng, 0.05) {
            row.insert(flag.into(), json!(true));
        }
    }
    if chance(rng, 0.2) {
        row.insert("mkt_leadscore".into(), json!(rng.random_range(0..150)));
    }
    row
}

/// A qualified lead, remembered until its contact exists.
struct Qualified {
    id: Uuid,
    creator: Uuid,
    row: Map<String, Value>,
    name: Name,
    email: Option<String>,
    account: Option<usize>,
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
    let qualified = leads(&loader, seed, sizes, &accounts, &mut emails, &mut matches)?;
    let contacts = contacts(
        &loader,
        seed,
        sizes,
        &accounts,
        &qualified,
        &mut emails,
        &mut matches,
    )?;
    relink_qualified(&loader, qualified, &contacts)?;
    opportunities(&loader, seed, sizes, &accounts, &contacts)?;
    custom(&loader, seed, sizes, &contacts)?;
    Ok(matches.found)
}

/// The accounts: ids and names, for the contacts and opportunities that hang off them.
struct Accounts {
    ids: Vec<Uuid>,
    names: Vec<String>,
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
        let host: String = name
            .split_whitespace()
            .next()
            .unwrap_or("corp")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
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
            row.insert(
                "emailaddress1".into(),
                json!(format!("info@{host}.example.com")),
            );
        }
        if chance(&mut rng, 0.8) {
            row.insert(
                "websiteurl".into(),
                json!(format!("https://www.{host}.example.com")),
            );
        }
        row.insert("address1_line1".into(), json!(address.street));
        row.insert("address1_city".into(), json!(address.city));
        if !address.state.is_empty() {
            row.insert("address1_stateorprovince".into(), json!(address.state));
        }
        row.insert("address1_postalcode".into(), json!(address.postal));
        row.insert("address1_country".into(), json!(address.country));
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

fn leads(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    accounts: &Accounts,
    emails: &mut Emails,
    matches: &mut Matches,
) -> Result<Vec<Qualified>, GenerateError> {
    let mut rng = rng(seed, "leads");
    let mut qualified = Vec::new();
    for n in 0..sizes.leads {
        let id = guid(&mut rng);
        let name = people::name(&mut rng);
        // A lead names its company as text; a third of them work at a known account.
        let account = (!accounts.ids.is_empty() && chance(&mut rng, 0.3))
            .then(|| rng.random_range(0..accounts.ids.len()));
        let company = match account {
            Some(a) => accounts.names[a].clone(),
            None => people::company(&mut rng, sizes.accounts + n),
        };
        let email = emails.next(&mut rng, &name, Some(&company));
        matches.offer(&mut rng, &email, &name, Some(&company));
        let address = people::address(&mut rng);
        let mut row = person_row(&mut rng, &name, email_text(&email), &address);
        row.insert("leadid".into(), json!(id));
        row.insert(
            "subject".into(),
            json!(format!(
                "Interest in {}",
                [
                    "Platform",
                    "Analytics",
                    "Support plan",
                    "Training",
                    "Integration"
                ][n % 5]
            )),
        );
        if chance(&mut rng, 0.9) {
            row.insert("companyname".into(), json!(company));
        }
        row.insert("leadsourcecode".into(), json!(rng.random_range(1..=10)));
        row.insert("leadqualitycode".into(), json!(rng.random_range(1..=3)));
        if chance(&mut rng, 0.3) {
            row.insert("industrycode".into(), json!(rng.random_range(1..=33)));
        }
        let roll = rng.random_range(0..100);
        let is_qualified = roll < 15;
        match roll {
            0..15 => {
                row.insert("statecode".into(), json!(1));
                row.insert("statuscode".into(), json!(3));
            }
            15..25 => {
                row.insert("statecode".into(), json!(2));
                row.insert("statuscode".into(), json!(rng.random_range(4..=7)));
            }
            _ => {
                row.insert("statuscode".into(), json!(rng.random_range(1..=2)));
            }
        }
        loader.dress(&mut rng, &mut row, true);
        let creator = loader.cast.creator(&mut rng);
        if is_qualified {
            let account = account.filter(|_| chance(&mut rng, 0.7));
            if let Some(a) = account {
                row.insert(
                    "parentaccountid@odata.bind".into(),
                    json!(format!("/accounts({})", accounts.ids[a])),
                );
            }
            qualified.push(Qualified {
                id,
                creator,
                row: row.clone(),
                name,
                email: email_text(&email).map(str::to_owned),
                account,
            });
        }
        loader.load(creator, "leads", row)?;
    }
    Ok(qualified)
}

/// The contacts, in id order of creation; index 0.. are the contacts of qualified leads.
fn contacts(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    accounts: &Accounts,
    qualified: &[Qualified],
    emails: &mut Emails,
    matches: &mut Matches,
) -> Result<Vec<Uuid>, GenerateError> {
    let mut rng = rng(seed, "contacts");
    let mut ids = Vec::with_capacity(sizes.contacts);
    let regular = sizes.contacts.saturating_sub(qualified.len());
    for n in 0..qualified.len() + regular {
        let id = guid(&mut rng);
        let lead = qualified.get(n);
        let account = match lead {
            Some(lead) => lead.account,
            // The big account's contacts come first, then a skewed spread over all but the last
            // eighth of the accounts, which keep none.
            None if n - qualified.len() < sizes.big_account => Some(0),
            None if accounts.ids.is_empty() || chance(&mut rng, 0.08) => None,
            None => {
                let with_contacts = (accounts.ids.len() * 7).div_ceil(8);
                Some((rng.random::<f64>().powf(1.7) * with_contacts as f64) as usize)
            }
        };
        let company = account.map(|a| accounts.names[a].as_str());
        let (name, email) = match lead {
            Some(lead) => (
                lead.name.clone(),
                lead.email.clone().map_or(Email::Missing, Email::New),
            ),
            None => {
                let name = people::name(&mut rng);
                let email = emails.next(&mut rng, &name, company);
                matches.offer(&mut rng, &email, &name, company);
                (name, email)
            }
        };
        let address = people::address(&mut rng);
        let mut row = person_row(&mut rng, &name, email_text(&email), &address);
        row.insert("contactid".into(), json!(id));
        if let Some(a) = account {
            row.insert(
                "parentcustomerid_account@odata.bind".into(),
                json!(format!("/accounts({})", accounts.ids[a])),
            );
        }
        if let Some(lead) = lead {
            row.insert(
                "originatingleadid@odata.bind".into(),
                json!(format!("/leads({})", lead.id)),
            );
        }
        if chance(&mut rng, 0.04) {
            row.insert("statecode".into(), json!(1));
        }
        if chance(&mut rng, 0.1) {
            let born: DateTime<Utc> =
                loader.history.around(&mut rng, 365 * 60) - chrono::Duration::days(365 * 30);
            row.insert(
                "birthdate".into(),
                json!(born.format("%Y-%m-%d").to_string()),
            );
        }
        loader.put(&mut rng, "contacts", row, true)?;
        ids.push(id);
    }
    Ok(ids)
}

/// A qualified lead points at the contact made from it, as QualifyLead leaves it (R41); the
/// lead keeps its creator, history, owner and filter.
fn relink_qualified(
    loader: &Loader<'_>,
    qualified: Vec<Qualified>,
    contacts: &[Uuid],
) -> Result<(), GenerateError> {
    for (lead, contact) in qualified.into_iter().zip(contacts) {
        let mut row = lead.row;
        row.insert(
            "parentcontactid@odata.bind".into(),
            json!(format!("/contacts({contact})")),
        );
        loader.load(lead.creator, "leads", row)?;
    }
    Ok(())
}

fn opportunities(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    accounts: &Accounts,
    contacts: &[Uuid],
) -> Result<(), GenerateError> {
    const PRODUCTS: &[&str] = &[
        "Platform licence",
        "Analytics add-on",
        "Premium support",
        "Onboarding",
        "Renewal",
        "Expansion seats",
    ];
    let mut rng = rng(seed, "opportunities");
    for n in 0..sizes.opportunities {
        let mut row = Map::new();
        row.insert("opportunityid".into(), json!(guid(&mut rng)));
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
        } else if let Some(contact) = contacts.choose(&mut rng) {
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
    }
    Ok(())
}

/// The custom tables: registrations of contacts to events, feedback on a share of attended ones,
/// follow-ups on a share of the feedback, and venues linked to nothing (R60, R62).
fn custom(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    contacts: &[Uuid],
) -> Result<(), GenerateError> {
    const EVENTS: &[&str] = &[
        "Summit 2025",
        "Roadshow Chicago",
        "Partner Day",
        "Webinar: Data Quality",
        "User Group London",
        "Launch Event",
    ];
    let mut rng = rng(seed, "custom");
    let mut feedback_ids = Vec::new();
    for n in 0..sizes.registrations {
        let id = guid(&mut rng);
        let mut row = Map::new();
        row.insert("new_event_registrationid".into(), json!(id));
        row.insert("new_name".into(), json!(format!("REG-{:06}", n + 1)));
        row.insert(
            "new_eventname".into(),
            json!(EVENTS.choose(&mut rng).copied().unwrap_or_default()),
        );
        let date = loader.history.around(&mut rng, 300);
        row.insert("new_eventdate".into(), json!(iso(date)));
        let past = date < loader.history.around(&mut rng, 0);
        let attendance = match (past, rng.random_range(0..100)) {
            (true, 0..65) => 100_000_001,
            (true, 65..90) => 100_000_002,
            _ => 100_000_000,
        };
        row.insert("new_attendancestatus".into(), json!(attendance));
        if chance(&mut rng, 0.6) {
            row.insert(
                "new_ticketprice".into(),
                json!(f64::from(rng.random_range(0u32..40)) * 25.0),
            );
        }
        if let Some(contact) = contacts.choose(&mut rng) {
            row.insert(
                "new_contactid@odata.bind".into(),
                json!(format!("/contacts({contact})")),
            );
        }
        if chance(&mut rng, 0.05) {
            row.insert("statecode".into(), json!(1));
        }
        loader.put(&mut rng, "new_event_registrations", row, false)?;
        if attendance == 100_000_001 && chance(&mut rng, 0.5) {
            let feedback = guid(&mut rng);
            let rating = rng.random_range(1..=5);
            let mut row = Map::new();
            row.insert("new_session_feedbackid".into(), json!(feedback));
            row.insert("new_name".into(), json!(format!("FB-{:06}", n + 1)));
            row.insert("new_rating".into(), json!(rating));
            if chance(&mut rng, 0.4) {
                row.insert(
                    "new_comments".into(),
                    json!(
                        [
                            "Great sessions.",
                            "Too long; the demo was good.",
                            "Audio issues in room B.",
                            "More hands-on labs, please!"
                        ][rng.random_range(0..4)]
                    ),
                );
            }
            row.insert(
                "new_registrationid@odata.bind".into(),
                json!(format!("/new_event_registrations({id})")),
            );
            loader.put(&mut rng, "new_session_feedbacks", row, false)?;
            if rating <= 3 {
                feedback_ids.push(feedback);
            }
        }
    }
    for (n, feedback) in feedback_ids.iter().enumerate() {
        if !chance(&mut rng, 0.6) {
            continue;
        }
        let mut row = Map::new();
        row.insert("new_feedback_followupid".into(), json!(guid(&mut rng)));
        row.insert("new_name".into(), json!(format!("FU-{:06}", n + 1)));
        row.insert(
            "new_followupdate".into(),
            json!(iso(loader.history.around(&mut rng, 30))),
        );
        row.insert(
            "new_feedbackid@odata.bind".into(),
            json!(format!("/new_session_feedbacks({feedback})")),
        );
        loader.put(&mut rng, "new_feedback_followups", row, false)?;
    }
    for n in 0..sizes.venues {
        let address = people::address(&mut rng);
        let mut row = Map::new();
        row.insert("new_venueid".into(), json!(guid(&mut rng)));
        row.insert(
            "new_name".into(),
            json!(format!("{} Convention Centre {}", address.city, n + 1)),
        );
        row.insert("new_city".into(), json!(address.city));
        row.insert("new_capacity".into(), json!(rng.random_range(50..5_000)));
        loader.put(&mut rng, "new_venues", row, false)?;
    }
    Ok(())
}

//! Leads and contacts as a real org has them: emails missing, shared or differing only in case;
//! leads open, qualified as QualifyLead leaves them (R41) or disqualified; contacts spread 0 to N
//! per account, the big account's first. Some of them Marketo already knows (see `marketo.rs`).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::dynamics::{Accounts, Loader};
use super::people::{self, Address, Name, chance};
use super::words::SUBJECTS;
use super::{GenerateError, Sizes, guid, rng};

/// A Dynamics person a Marketo person may match by email.
#[derive(Debug, Clone)]
pub(super) struct Match {
    pub(super) email: String,
    pub(super) name: Name,
    pub(super) company: Option<String>,
}

/// Emails as they are in a real org: some missing, some shared by two records, some differing
/// only in case.
pub(super) struct Emails {
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
    pub(super) fn new() -> Emails {
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
pub(super) struct Matches {
    pub(super) share: f64,
    pub(super) wanted: usize,
    pub(super) found: Vec<Match>,
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
        address.write(&mut row);
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
pub(super) struct Qualified {
    id: Uuid,
    creator: Uuid,
    row: Map<String, Value>,
    name: Name,
    email: Option<String>,
    account: Option<usize>,
}

pub(super) fn leads(
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
            json!(format!("Interest in {}", SUBJECTS[n % SUBJECTS.len()])),
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

/// The contacts, in order of creation (the contacts of qualified leads first), with the account
/// each belongs to.
pub(super) struct Contacts {
    pub(super) ids: Vec<Uuid>,
    /// Index into the accounts, per contact.
    pub(super) accounts: Vec<Option<usize>>,
}

pub(super) fn contacts(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    accounts: &Accounts,
    qualified: &[Qualified],
    emails: &mut Emails,
    matches: &mut Matches,
) -> Result<Contacts, GenerateError> {
    let mut rng = rng(seed, "contacts");
    let mut ids = Vec::with_capacity(sizes.contacts);
    let mut of_account = Vec::with_capacity(sizes.contacts);
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
        of_account.push(account);
    }
    Ok(Contacts {
        ids,
        accounts: of_account,
    })
}

/// A qualified lead points at the contact made from it, as QualifyLead leaves it (R41); the
/// lead keeps its creator, history, owner and filter.
pub(super) fn relink_qualified(
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

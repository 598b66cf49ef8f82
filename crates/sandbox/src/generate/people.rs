//! Realistic, messy person and company details: names (accents, apostrophes, hyphens, odd
//! capitalisation), company names and domains, emails at the company or a mail provider and the
//! same email in other capitals, phones in the formats people actually type, and postal addresses
//! from eleven countries.
//!
//! Everything is drawn from the caller's seeded generator, so the same seed gives the same people.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::words::{COMPANY_HEAD, COMPANY_TAIL, DOMAINS, FIRST, LAST, PLACES, STREETS, TITLES};

/// One person's name.
#[derive(Debug, Clone)]
pub(super) struct Name {
    pub(super) first: Option<String>,
    pub(super) last: String,
}

pub(super) fn chance(rng: &mut ChaCha8Rng, share: f64) -> bool {
    rng.random::<f64>() < share
}

fn pick(rng: &mut ChaCha8Rng, from: &[&'static str]) -> &'static str {
    from.choose(rng).copied().unwrap_or_default()
}

/// A name as people type it: mostly clean, sometimes all capitals, all lower case, padded with
/// spaces, or with no first name at all.
pub(super) fn name(rng: &mut ChaCha8Rng) -> Name {
    let first = pick(rng, FIRST).to_owned();
    let last = pick(rng, LAST).to_owned();
    let (first, last) = match rng.random_range(0..100) {
        0..=2 => (first.to_uppercase(), last.to_uppercase()),
        3..=5 => (first.to_lowercase(), last.to_lowercase()),
        6 => (format!("{first} "), format!(" {last}")),
        _ => (first, last),
    };
    Name {
        first: (!chance(rng, 0.03)).then_some(first),
        last,
    }
}

pub(super) fn title(rng: &mut ChaCha8Rng) -> &'static str {
    pick(rng, TITLES)
}

/// A company name: `Acme Industries`, `Contoso Ltd`, sometimes with a location suffix.
pub(super) fn company(rng: &mut ChaCha8Rng, n: usize) -> String {
    let head = pick(rng, COMPANY_HEAD);
    let tail = pick(rng, COMPANY_TAIL);
    // The number keeps names of a large org distinct enough to be told apart in a list.
    match rng.random_range(0..4) {
        0 => format!("{head} {tail}"),
        1 => format!(
            "{head} {} {tail}",
            pick(
                rng,
                &["North", "Global", "West", "Digital", "Europe", "Health"]
            )
        ),
        _ => format!("{head} {tail} #{n}"),
    }
}

/// An ASCII, lower-case mailbox part made from a name.
fn mailbox(name: &Name, n: usize) -> String {
    let fold = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'a'..='z' | '0'..='9' => Some(c),
                'A'..='Z' => Some(c.to_ascii_lowercase()),
                'à' | 'á' | 'â' | 'ä' | 'å' | 'ã' => Some('a'),
                'é' | 'è' | 'ê' | 'ë' | 'É' => Some('e'),
                'í' | 'ï' | 'î' | 'Î' => Some('i'),
                'ó' | 'ö' | 'ô' | 'ø' | 'Ø' => Some('o'),
                'ú' | 'ü' => Some('u'),
                'ç' => Some('c'),
                'ñ' => Some('n'),
                'Ł' | 'ł' => Some('l'),
                _ => None,
            })
            .collect()
    };
    let last = fold(&name.last);
    match name.first.as_deref().map(fold) {
        Some(first) if !first.is_empty() => format!("{first}.{last}{n}"),
        _ => format!("{last}{n}"),
    }
}

/// The company's web domain: `acme.example.com` for "Acme Industries".
pub(super) fn domain(company: &str) -> String {
    let host: String = company
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    format!(
        "{}.example.com",
        if host.is_empty() { "corp" } else { &host }
    )
}

/// A work email at the company's domain, or a personal one.
pub(super) fn email(rng: &mut ChaCha8Rng, name: &Name, company: Option<&str>, n: usize) -> String {
    let mailbox = mailbox(name, n);
    let domain = match company {
        Some(company) if !chance(rng, 0.2) => domain(company),
        _ => pick(rng, DOMAINS).to_owned(),
    };
    format!("{mailbox}@{domain}")
}

/// The same address with its capitals changed: Dynamics and Marketo match emails without regard
/// to case, so such pairs must be seen as the same person.
pub(super) fn recase(email: &str) -> String {
    let upper = email.chars().any(|c| c.is_ascii_lowercase());
    let mut out = String::with_capacity(email.len());
    let mut first = true;
    for c in email.chars() {
        out.push(if first && upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        first = c == '.' || c == '@';
    }
    if out == email {
        email.to_uppercase()
    } else {
        out
    }
}

/// A phone number in one of the ways people type them, for a place's country code.
pub(super) fn phone(rng: &mut ChaCha8Rng, dial: &str) -> String {
    let area: u16 = rng.random_range(201..990);
    let line: u16 = rng.random_range(100..200);
    match (dial, rng.random_range(0..6)) {
        ("1", 0) => format!("({area}) 555-0{line}"),
        ("1", 1) => format!("{area}.555.0{line}"),
        ("1", 2) => format!("+1 {area} 555 0{line}"),
        ("1", 3) => format!("{area}-555-0{line} x{}", rng.random_range(10..999)),
        ("1", _) => format!("+1 ({area}) 555-0{line}"),
        (_, 0) => format!(
            "00{dial} {} {:04} {:04}",
            area % 100,
            line,
            rng.random_range(0..9999)
        ),
        (_, _) => format!(
            "+{dial} {} {:04} {:04}",
            area % 100,
            line,
            rng.random_range(0..9999)
        ),
    }
}

/// A postal address.
#[derive(Debug, Clone)]
pub(super) struct Address {
    pub(super) street: String,
    pub(super) city: &'static str,
    pub(super) state: &'static str,
    pub(super) postal: String,
    pub(super) country: &'static str,
    pub(super) dial: &'static str,
}

impl Address {
    /// Writes the address into a Dynamics row's first address (`address1_*`).
    pub(super) fn write(&self, row: &mut Map<String, Value>) {
        row.insert("address1_line1".into(), json!(self.street));
        row.insert("address1_city".into(), json!(self.city));
        if !self.state.is_empty() {
            row.insert("address1_stateorprovince".into(), json!(self.state));
        }
        row.insert("address1_postalcode".into(), json!(self.postal));
        row.insert("address1_country".into(), json!(self.country));
    }
}

pub(super) fn address(rng: &mut ChaCha8Rng) -> Address {
    let place = PLACES.choose(rng).unwrap_or(&PLACES[0]);
    let postal = place
        .postal
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.random_range(0..10u8)),
            '@' => char::from(b'A' + rng.random_range(0..26u8)),
            c => c,
        })
        .collect();
    let street = match rng.random_range(0..8) {
        0 => format!(
            "{} {}, Suite {}",
            rng.random_range(1..9999),
            pick(rng, STREETS),
            rng.random_range(100..990)
        ),
        1 => format!("PO Box {}", rng.random_range(100..99_999)),
        _ => format!("{} {}", rng.random_range(1..9999), pick(rng, STREETS)),
    };
    Address {
        street,
        city: place.city,
        state: place.state,
        postal,
        country: pick(rng, place.countries),
        dial: place.dial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_recased_email_differs_only_in_case() {
        for email in ["ana.lee4@gmail.com", "KIM7@ACME.EXAMPLE.COM", "x@y.z"] {
            let other = recase(email);
            assert_ne!(other, email, "the copy must be told apart byte for byte");
            assert!(
                other.eq_ignore_ascii_case(email),
                "{other} must match {email} without case"
            );
        }
    }

    #[test]
    fn emails_are_ascii_and_well_formed_whatever_the_name() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in 0..2_000 {
            let name = name(&mut rng);
            let email = email(&mut rng, &name, Some("Ødegaard & Co."), n);
            let (local, domain) = email.split_once('@').unwrap();
            assert!(email.is_ascii(), "{email} must be ASCII");
            assert!(
                !local.is_empty() && domain.contains('.'),
                "{email} must be an address"
            );
        }
    }
}

//! Realistic, messy person and company details: names (accents, apostrophes, hyphens, odd
//! capitalisation), emails (missing, duplicated, differing only in case), phones in the formats
//! people actually type, and postal addresses from a handful of countries.
//!
//! Everything is drawn from the caller's seeded generator, so the same seed gives the same people.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Wei",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "José",
    "Zoë",
    "Björn",
    "Siobhán",
    "François",
    "Anaïs",
    "Łukasz",
    "Priya",
    "Aarav",
    "Yuki",
    "Hiroshi",
    "Mei",
    "Olumide",
    "Chiamaka",
    "Mohammed",
    "Fatima",
    "Sven",
    "Ingrid",
    "Mateo",
    "Valentina",
    "Noah",
    "Amélie",
    "Jean-Luc",
    "Mary Ann",
    "Kai",
    "Ana Sofía",
];

const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "O'Brien",
    "O'Neil",
    "McDonald",
    "MacLeod",
    "Smith-Jones",
    "García Márquez",
    "Müller",
    "Schröder",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Zhang",
    "Tanaka",
    "Suzuki",
    "Okafor",
    "Adeyemi",
    "Kowalski",
    "Nowak",
    "Andersson",
    "Johansson",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Lefèvre",
    "van der Berg",
    "de la Cruz",
    "D'Angelo",
    "St. John",
    "Ødegaard",
];

const COMPANY_HEAD: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Pied Piper",
    "Massive Dynamic",
    "Aperture",
    "Black Mesa",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adventure Works",
    "Proseware",
    "Wingtip",
    "Blue Yonder",
    "Alpine Ski",
    "Coho",
    "Lucerne",
    "Margie's",
    "Trey",
    "Fourth Coffee",
    "Humongous",
    "Woodgrove",
    "Graphic Design",
    "Southridge",
    "Relecloud",
    "Bellows",
    "Nod",
    "Zenith",
    "Summit",
    "Pinnacle",
    "Evergreen",
    "Riverbend",
    "Ironwood",
    "Bluebird",
    "Redstone",
];

const COMPANY_TAIL: &[&str] = &[
    "Inc.",
    "LLC",
    "Ltd",
    "GmbH",
    "S.A.",
    "Corporation",
    "Group",
    "Holdings",
    "Partners",
    "Industries",
    "Systems",
    "Labs",
    "Solutions",
    "& Co.",
    "AG",
    "B.V.",
    "Pty Ltd",
    "K.K.",
];

const TITLES: &[&str] = &[
    "Marketing Manager",
    "VP Sales",
    "CFO",
    "Chief Executive Officer",
    "Procurement Lead",
    "IT Director",
    "Office Manager",
    "Head of Operations",
    "Software Engineer",
    "Account Executive",
    "Buyer",
    "Director, Demand Generation",
    "Founder",
    "Consultant",
    "HR Business Partner",
];

/// City, state or province, postal code pattern (`#` a digit, `@` a letter), country variants and
/// the phone country code.
struct Place {
    city: &'static str,
    state: &'static str,
    postal: &'static str,
    countries: &'static [&'static str],
    dial: &'static str,
}

const PLACES: &[Place] = &[
    Place {
        city: "Chicago",
        state: "IL",
        postal: "606##",
        countries: &["United States", "USA", "US"],
        dial: "1",
    },
    Place {
        city: "Seattle",
        state: "WA",
        postal: "981##",
        countries: &["United States", "U.S.A."],
        dial: "1",
    },
    Place {
        city: "Austin",
        state: "Texas",
        postal: "787##",
        countries: &["United States", "usa"],
        dial: "1",
    },
    Place {
        city: "New York",
        state: "NY",
        postal: "100##",
        countries: &["United States"],
        dial: "1",
    },
    Place {
        city: "San José",
        state: "CA",
        postal: "951##",
        countries: &["United States"],
        dial: "1",
    },
    Place {
        city: "Boston",
        state: "MA",
        postal: "021##",
        countries: &["US"],
        dial: "1",
    },
    Place {
        city: "Toronto",
        state: "ON",
        postal: "M5V #@#",
        countries: &["Canada"],
        dial: "1",
    },
    Place {
        city: "Montréal",
        state: "QC",
        postal: "H2X #@#",
        countries: &["Canada", "CA"],
        dial: "1",
    },
    Place {
        city: "London",
        state: "",
        postal: "EC1A #@@",
        countries: &["United Kingdom", "UK", "England"],
        dial: "44",
    },
    Place {
        city: "Manchester",
        state: "Greater Manchester",
        postal: "M1 #@@",
        countries: &["United Kingdom"],
        dial: "44",
    },
    Place {
        city: "Dublin",
        state: "",
        postal: "D0# @###",
        countries: &["Ireland"],
        dial: "353",
    },
    Place {
        city: "München",
        state: "Bayern",
        postal: "80###",
        countries: &["Germany", "Deutschland"],
        dial: "49",
    },
    Place {
        city: "Berlin",
        state: "",
        postal: "10###",
        countries: &["Germany"],
        dial: "49",
    },
    Place {
        city: "Paris",
        state: "Île-de-France",
        postal: "750##",
        countries: &["France"],
        dial: "33",
    },
    Place {
        city: "Lyon",
        state: "",
        postal: "690##",
        countries: &["France"],
        dial: "33",
    },
    Place {
        city: "Amsterdam",
        state: "Noord-Holland",
        postal: "10## @@",
        countries: &["Netherlands", "The Netherlands"],
        dial: "31",
    },
    Place {
        city: "Stockholm",
        state: "",
        postal: "11# ##",
        countries: &["Sweden"],
        dial: "46",
    },
    Place {
        city: "Sydney",
        state: "NSW",
        postal: "2###",
        countries: &["Australia"],
        dial: "61",
    },
    Place {
        city: "Tokyo",
        state: "東京都",
        postal: "1##-####",
        countries: &["Japan"],
        dial: "81",
    },
    Place {
        city: "São Paulo",
        state: "SP",
        postal: "01###-###",
        countries: &["Brazil", "Brasil"],
        dial: "55",
    },
];

const STREETS: &[&str] = &[
    "Main St",
    "Oak Avenue",
    "Maple Dr.",
    "2nd Street",
    "Park Ave",
    "Elm St",
    "Lake Shore Drive",
    "Rue de Rivoli",
    "Hauptstraße",
    "King's Road",
    "Market Street",
    "Sunset Blvd",
    "Via Roma",
    "Calle Mayor",
    "Broadway",
    "High Street",
    "Station Rd",
    "Keizersgracht",
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.co.uk",
    "icloud.com",
    "proton.me",
];

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

/// A work email at the company's domain, or a personal one.
pub(super) fn email(rng: &mut ChaCha8Rng, name: &Name, company: Option<&str>, n: usize) -> String {
    let mailbox = mailbox(name, n);
    let domain = match company {
        Some(company) if !chance(rng, 0.2) => {
            let host: String = company
                .split_whitespace()
                .next()
                .unwrap_or("example")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            format!(
                "{}.example.com",
                if host.is_empty() { "corp" } else { &host }
            )
        }
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

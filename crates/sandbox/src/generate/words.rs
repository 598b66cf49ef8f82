//! The words generated records are made of: names, companies, titles, places, streets, mail
//! domains, and the few phrases of opportunities, events and Marketo sources.

pub(super) const FIRST: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Carlos", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
    "Wei", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "José", "Zoë", "Björn", "Siobhán", "François", "Anaïs", "Łukasz", "Priya", "Aarav", "Yuki",
    "Hiroshi", "Mei", "Olumide", "Chiamaka", "Mohammed", "Fatima", "Sven", "Ingrid", "Mateo",
    "Valentina", "Noah", "Amélie", "Jean-Luc", "Mary Ann", "Kai", "Ana Sofía",
];

pub(super) const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "O'Brien", "O'Neil", "McDonald", "MacLeod", "Smith-Jones", "García Márquez", "Müller",
    "Schröder", "Nguyen", "Tran", "Kim", "Park", "Chen", "Wang", "Zhang", "Tanaka", "Suzuki",
    "Okafor", "Adeyemi", "Kowalski", "Nowak", "Andersson", "Johansson", "Rossi", "Bianchi",
    "Dubois", "Lefèvre", "van der Berg", "de la Cruz", "D'Angelo", "St. John", "Ødegaard",
];

pub(super) const COMPANY_HEAD: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
    "Soylent", "Hooli", "Vandelay", "Pied Piper", "Massive Dynamic", "Aperture", "Black Mesa",
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works", "Proseware",
    "Wingtip", "Blue Yonder", "Alpine Ski", "Coho", "Lucerne", "Margie's", "Trey", "Fourth Coffee",
    "Humongous", "Woodgrove", "Graphic Design", "Southridge", "Relecloud", "Bellows", "Nod",
    "Zenith", "Summit", "Pinnacle", "Evergreen", "Riverbend", "Ironwood", "Bluebird", "Redstone",
];

pub(super) const COMPANY_TAIL: &[&str] = &[
    "Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Corporation", "Group", "Holdings", "Partners",
    "Industries", "Systems", "Labs", "Solutions", "& Co.", "AG", "B.V.", "Pty Ltd", "K.K.",
];

pub(super) const TITLES: &[&str] = &[
    "Marketing Manager", "VP Sales", "CFO", "Chief Executive Officer", "Procurement Lead",
    "IT Director", "Office Manager", "Head of Operations", "Software Engineer", "Account Executive",
    "Buyer", "Director, Demand Generation", "Founder", "Consultant", "HR Business Partner",
];

/// City, state or province, postal code pattern (`#` a digit, `@` a letter), country variants and
/// the phone country code.
pub(super) struct Place {
    pub(super) city: &'static str,
    pub(super) state: &'static str,
    pub(super) postal: &'static str,
    pub(super) countries: &'static [&'static str],
    pub(super) dial: &'static str,
}

pub(super) const PLACES: &[Place] = &[
    Place { city: "Chicago", state: "IL", postal: "606##", countries: &["United States", "USA", "US"], dial: "1" },
    Place { city: "Seattle", state: "WA", postal: "981##", countries: &["United States", "U.S.A."], dial: "1" },
    Place { city: "Austin", state: "Texas", postal: "787##", countries: &["United States", "usa"], dial: "1" },
    Place { city: "New York", state: "NY", postal: "100##", countries: &["United States"], dial: "1" },
    Place { city: "San José", state: "CA", postal: "951##", countries: &["United States"], dial: "1" },
    Place { city: "Boston", state: "MA", postal: "021##", countries: &["US"], dial: "1" },
    Place { city: "Toronto", state: "ON", postal: "M5V #@#", countries: &["Canada"], dial: "1" },
    Place { city: "Montréal", state: "QC", postal: "H2X #@#", countries: &["Canada", "CA"], dial: "1" },
    Place { city: "London", state: "", postal: "EC1A #@@", countries: &["United Kingdom", "UK", "England"], dial: "44" },
    Place { city: "Manchester", state: "Greater Manchester", postal: "M1 #@@", countries: &["United Kingdom"], dial: "44" },
    Place { city: "Dublin", state: "", postal: "D0# @###", countries: &["Ireland"], dial: "353" },
    Place { city: "München", state: "Bayern", postal: "80###", countries: &["Germany", "Deutschland"], dial: "49" },
    Place { city: "Berlin", state: "", postal: "10###", countries: &["Germany"], dial: "49" },
    Place { city: "Paris", state: "Île-de-France", postal: "750##", countries: &["France"], dial: "33" },
    Place { city: "Lyon", state: "", postal: "690##", countries: &["France"], dial: "33" },
    Place { city: "Amsterdam", state: "Noord-Holland", postal: "10## @@", countries: &["Netherlands", "The Netherlands"], dial: "31" },
    Place { city: "Stockholm", state: "", postal: "11# ##", countries: &["Sweden"], dial: "46" },
    Place { city: "Sydney", state: "NSW", postal: "2###", countries: &["Australia"], dial: "61" },
    Place { city: "Tokyo", state: "東京都", postal: "1##-####", countries: &["Japan"], dial: "81" },
    Place { city: "São Paulo", state: "SP", postal: "01###-###", countries: &["Brazil", "Brasil"], dial: "55" },
];

pub(super) const STREETS: &[&str] = &[
    "Main St", "Oak Avenue", "Maple Dr.", "2nd Street", "Park Ave", "Elm St", "Lake Shore Drive",
    "Rue de Rivoli", "Hauptstraße", "King's Road", "Market Street", "Sunset Blvd", "Via Roma",
    "Calle Mayor", "Broadway", "High Street", "Station Rd", "Keizersgracht",
];

pub(super) const DOMAINS: &[&str] = &[
    "gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "icloud.com", "proton.me",
];

pub(super) const PRODUCTS: &[&str] = &[
    "Platform licence", "Analytics add-on", "Premium support", "Onboarding", "Renewal",
    "Expansion seats",
];

pub(super) const SUBJECTS: &[&str] = &[
    "Platform", "Analytics", "Support plan", "Training", "Integration",
];

pub(super) const EVENTS: &[&str] = &[
    "Summit 2025", "Roadshow Chicago", "Partner Day", "Webinar: Data Quality", "User Group London",
    "Launch Event",
];

pub(super) const COMMENTS: &[&str] = &[
    "Great sessions.", "Too long; the demo was good.", "Audio issues in room B.",
    "More hands-on labs, please!",
];

pub(super) const SOURCES: &[&str] = &[
    "Website", "Webinar", "Trade Show", "List Import", "Content Syndication", "Paid Social",
    "Referral",
];

//! The sandbox panel's side of the sandbox's control API (`/_sandbox/...`): counts on both sides,
//! editing a record "as a user", simulated activity and faults, and the sample data a fresh
//! sandbox starts with. The web UI never reaches the network: it asks these commands.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use crate::ipc::{ErrorCode, IpcError};

/// The person edits are made as in Dynamics (never the sync user).
const DYNAMICS_PERSON: &str = "Dana Whitfield";
/// The person edits are made as in Marketo.
const MARKETO_PERSON: &str = "Morgan Marketer";
/// Records listed per side in the panel.
const LISTED: usize = 40;

/// How much sample data a fresh sandbox gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxData {
    /// A handful of each, for tests that must finish in seconds.
    Tiny,
    /// Enough to watch a first sync's progress.
    Demo,
}

impl SandboxData {
    /// `DYNASYNC_SANDBOX_DATA=tiny` picks the tiny set; the demo set otherwise.
    pub fn from_env() -> SandboxData {
        match std::env::var("DYNASYNC_SANDBOX_DATA").as_deref() {
            Ok("tiny") => SandboxData::Tiny,
            _ => SandboxData::Demo,
        }
    }

    fn sizes(self) -> (usize, usize, usize, usize) {
        // (accounts, contacts, leads, Marketo-only people)
        match self {
            SandboxData::Tiny => (3, 8, 5, 3),
            SandboxData::Demo => (25, 240, 120, 20),
        }
    }
}

/// Records of one side and entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxCount {
    pub side: String,
    pub entity: String,
    pub count: u64,
}

/// A person as the sandbox panel lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxPerson {
    /// `dynamics` or `marketo`.
    pub side: String,
    /// `contacts`, `leads` (Dynamics entity sets) or `leads` (Marketo people).
    pub entity: String,
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub job_title: String,
    /// For a Marketo person: the Dynamics record it syncs with.
    pub dynamics_id: Option<String>,
}

/// What the sandbox panel shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    pub control_url: String,
    pub counts: Vec<SandboxCount>,
    pub people: Vec<SandboxPerson>,
    pub faults: SandboxFaults,
}

/// An edit made "as a user" on one side.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxEdit {
    pub side: String,
    pub entity: String,
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub job_title: String,
}

/// The faults the panel can switch on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxFaults {
    /// Every answer of both sides takes 300 ms longer.
    pub slow: bool,
    /// One answer in ten is a server error.
    pub server_errors: bool,
    /// The next 20 Dynamics requests are throttled (429).
    pub dynamics_throttling: bool,
    /// The next 20 Marketo calls hit the rate limit (606).
    pub marketo_rate_limit: bool,
}

/// A client of one sandbox's control API.
#[derive(Debug, Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
    simulated: Arc<AtomicU32>,
}

fn unavailable(error: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Service,
        format!("the sandbox did not answer: {error}"),
    )
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

impl Control {
    pub fn new(control_url: &str) -> Control {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Control {
            http: reqwest::Client::new(),
            base: control_url.trim_end_matches('/').to_owned(),
            simulated: Arc::new(AtomicU32::new(0)),
        }
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, IpcError> {
        let mut request = self.http.request(method, format!("{}/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(unavailable)?;
        let status = response.status();
        let answer = response.text().await.map_err(unavailable)?;
        if !status.is_success() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!("the sandbox refused the change ({status}): {answer}"),
            ));
        }
        Ok(serde_json::from_str(&answer).unwrap_or(Value::Null))
    }

    async fn create_in_dynamics(&self, set: &str, fields: Value) -> Result<String, IpcError> {
        let record = self
            .call(
                Method::POST,
                &format!("dynamics/{set}"),
                Some(json!({"as": DYNAMICS_PERSON, "fields": fields})),
            )
            .await?;
        let key = format!("{}id", set.trim_end_matches('s'));
        Ok(text(&record, &key))
    }

    async fn create_in_marketo(&self, fields: Value) -> Result<(), IpcError> {
        self.call(
            Method::POST,
            "marketo/leads",
            Some(json!({"as": MARKETO_PERSON, "fields": fields})),
        )
        .await
        .map(drop)
    }

    /// The sample data of a fresh sandbox: accounts with their contacts, leads, and a few people
    /// only Marketo knows (to try "Sync person to Dynamics").
    pub async fn seed(&self, data: SandboxData) -> Result<(), IpcError> {
        const CITIES: [&str; 5] = ["Lyon", "Austin", "Leeds", "Porto", "Osaka"];
        const TITLES: [&str; 4] = ["Buyer", "Engineer", "Director", "Analyst"];
        let (accounts, contacts, leads, marketo_only) = data.sizes();
        let mut account_ids = Vec::new();
        for a in 0..accounts {
            let fields = json!({"name": format!("Northwind {}", a + 1),
                                "address1_city": CITIES[a % CITIES.len()]});
            account_ids.push(self.create_in_dynamics("accounts", fields).await?);
        }
        for c in 0..contacts {
            let mut fields = json!({"firstname": format!("Ada{c}"), "lastname": "Lovelace",
                "emailaddress1": format!("ada{c}@northwind.example"),
                "jobtitle": TITLES[c % TITLES.len()]});
            if let Some(account) = account_ids.get(c % accounts.max(1)) {
                fields["parentcustomerid_account@odata.bind"] =
                    json!(format!("/accounts({account})"));
            }
            self.create_in_dynamics("contacts", fields).await?;
        }
        for l in 0..leads {
            let fields = json!({"firstname": format!("Grace{l}"), "lastname": "Hopper",
                "emailaddress1": format!("grace{l}@prospect.example"),
                "companyname": format!("Prospect {l}"), "jobtitle": TITLES[l % TITLES.len()]});
            self.create_in_dynamics("leads", fields).await?;
        }
        for m in 0..marketo_only {
            let fields = json!({"firstName": format!("Katherine{m}"), "lastName": "Johnson",
                "email": format!("katherine{m}@webinar.example")});
            self.create_in_marketo(fields).await?;
        }
        Ok(())
    }

    /// Counts on both sides, the first people of each, and the faults switched on.
    pub async fn view(&self) -> Result<SandboxView, IpcError> {
        let snapshot = self.call(Method::GET, "snapshot", None).await?;
        let faults = self.call(Method::GET, "faults", None).await?;
        Ok(SandboxView {
            control_url: self.base.clone(),
            counts: counts(&snapshot),
            people: people(&snapshot),
            faults: SandboxFaults {
                slow: faults["dataverse"]["latencyMs"].as_u64().unwrap_or(0) > 0,
                server_errors: faults["dataverse"]["serverErrorRate"]
                    .as_f64()
                    .unwrap_or(0.0)
                    > 0.0,
                dynamics_throttling: !faults["dataverse"]["storm"].is_null(),
                marketo_rate_limit: !faults["marketo"]["storm"].is_null(),
            },
        })
    }

    /// Changes a person's name and job title "as a user" of that side.
    pub async fn edit(&self, edit: SandboxEdit) -> Result<(), IpcError> {
        let (path, body) = match edit.side.as_str() {
            "dynamics" if matches!(edit.entity.as_str(), "contacts" | "leads") => (
                format!("dynamics/{}/{}", edit.entity, edit.id),
                json!({"as": DYNAMICS_PERSON, "fields": {"firstname": edit.first_name,
                    "lastname": edit.last_name, "jobtitle": edit.job_title}}),
            ),
            "marketo" => (
                format!("marketo/leads/{}", edit.id),
                json!({"as": MARKETO_PERSON, "fields": {"firstName": edit.first_name,
                    "lastName": edit.last_name, "title": edit.job_title}}),
            ),
            _ => {
                return Err(IpcError::new(
                    ErrorCode::InvalidInput,
                    format!("no such sandbox record: {} {}", edit.side, edit.entity),
                ));
            }
        };
        self.call(Method::PATCH, &path, Some(body)).await.map(drop)
    }

    /// What a busy day looks like: new contacts and job changes in Dynamics, new people in Marketo.
    pub async fn simulate(&self) -> Result<(), IpcError> {
        let round = self.simulated.fetch_add(1, Ordering::Relaxed) + 1;
        for i in 0..3 {
            let fields = json!({"firstname": format!("New{round}x{i}"), "lastname": "Contact",
                "emailaddress1": format!("new{round}x{i}@northwind.example")});
            self.create_in_dynamics("contacts", fields).await?;
        }
        let snapshot = self.call(Method::GET, "snapshot", None).await?;
        let contacts = snapshot["dynamics"]["contacts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for contact in contacts.iter().take(3) {
            let id = text(contact, "contactid");
            let fields = json!({"as": DYNAMICS_PERSON, "fields": {"jobtitle": format!("Promoted ({round})")}});
            self.call(
                Method::PATCH,
                &format!("dynamics/contacts/{id}"),
                Some(fields),
            )
            .await?;
        }
        for i in 0..2 {
            let fields = json!({"firstName": format!("Visitor{round}x{i}"), "lastName": "Web",
                "email": format!("visitor{round}x{i}@web.example")});
            self.create_in_marketo(fields).await?;
        }
        Ok(())
    }

    /// Switches the panel's faults on or off.
    pub async fn set_faults(&self, faults: SandboxFaults) -> Result<(), IpcError> {
        let service = |storm: Option<Value>| {
            json!({
                "latencyMs": if faults.slow { 300 } else { 0 },
                "serverErrorRate": if faults.server_errors { 0.1 } else { 0.0 },
                "storm": storm,
            })
        };
        let storm = |on: bool, kind: &str| {
            on.then(|| json!({"kind": kind, "requests": 20, "retryAfterSecs": 2}))
        };
        let config = json!({
            "entra": {},
            "dataverse": service(storm(faults.dynamics_throttling, "throttle")),
            "marketo": service(storm(faults.marketo_rate_limit, "rate")),
        });
        self.call(Method::PUT, "faults", Some(config))
            .await
            .map(drop)
    }
}

/// Records per side and entity in a snapshot (custom objects per object name).
fn counts(snapshot: &Value) -> Vec<SandboxCount> {
    let mut out = Vec::new();
    for side in ["dynamics", "marketo"] {
        let Some(tables) = snapshot[side].as_object() else {
            continue;
        };
        let mut per_entity: BTreeMap<String, u64> = BTreeMap::new();
        for (name, table) in tables {
            match table {
                Value::Array(rows) => {
                    per_entity.insert(name.clone(), rows.len() as u64);
                }
                Value::Object(objects) if name == "customObjects" => {
                    for (object, rows) in objects {
                        let n = rows.as_array().map_or(0, Vec::len) as u64;
                        per_entity.insert(object.clone(), n);
                    }
                }
                _ => {}
            }
        }
        out.extend(per_entity.into_iter().map(|(entity, count)| SandboxCount {
            side: side.into(),
            entity,
            count,
        }));
    }
    out
}

fn people(snapshot: &Value) -> Vec<SandboxPerson> {
    let rows = |side: &str, set: &str| -> Vec<Map<String, Value>> {
        snapshot[side][set]
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r.as_object().cloned()).collect())
            .unwrap_or_default()
    };
    let field = |row: &Map<String, Value>, key: &str| match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for set in ["contacts", "leads"] {
        let key = format!("{}id", set.trim_end_matches('s'));
        out.extend(
            rows("dynamics", set)
                .iter()
                .take(LISTED)
                .map(|r| SandboxPerson {
                    side: "dynamics".into(),
                    entity: set.into(),
                    id: field(r, &key),
                    first_name: field(r, "firstname"),
                    last_name: field(r, "lastname"),
                    email: field(r, "emailaddress1"),
                    job_title: field(r, "jobtitle"),
                    dynamics_id: None,
                }),
        );
    }
    out.extend(
        rows("marketo", "leads")
            .iter()
            .take(LISTED)
            .map(|r| SandboxPerson {
                side: "marketo".into(),
                entity: "leads".into(),
                id: field(r, "id"),
                first_name: field(r, "firstName"),
                last_name: field(r, "lastName"),
                email: field(r, "email"),
                job_title: field(r, "title"),
                dynamics_id: Some(field(r, "externalPersonId")).filter(|s| !s.is_empty()),
            }),
    );
    out
}

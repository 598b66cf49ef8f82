//! The org's people: the business unit, the sync users (the application user bound to the
//! server-to-server app, and the licensed user that signs in with ROPC), the MFA user, the named
//! persons tests and the demo act as, and two owner teams.

use chrono::Utc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::schema::Schema;
use super::store::{Cell, Row, Store};
use crate::info::SandboxInfo;

/// A person one can act as through the control API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Person {
    pub(crate) systemuserid: Uuid,
    pub(crate) fullname: String,
    pub(crate) title: String,
    /// How the person is shown, e.g. "Dana Whitfield (Sales)".
    pub(crate) label: String,
}

#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) business_unit: Uuid,
    pub(crate) people: Vec<Person>,
}

const PEOPLE: &[(&str, &str, &str)] = &[
    ("Dana", "Whitfield", "Sales"),
    ("Sam", "Ortiz", "Marketing"),
    ("Priya", "Raman", "Sales Manager"),
    ("Jordan", "Blake", "Customer Success"),
];

impl Directory {
    pub(crate) fn seed(info: &SandboxInfo, schema: &Schema, store: &mut Store) -> Directory {
        let mut rng = ChaCha8Rng::from_seed(
            *info
                .dataverse
                .organization_id
                .as_bytes()
                .repeat(2)
                .first_chunk()
                .unwrap_or(&[0; 32]),
        );
        let mut guid = || uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        // Dated from the start of the day, so that the same seed gives the same rows all day long.
        let today = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc());
        let now = Cell::time(today.unwrap_or_else(Utc::now) - chrono::Duration::days(400));
        let index = |entity: &str| {
            schema
                .by_logical(entity)
                .map(|(i, _)| i)
                .unwrap_or_default()
        };
        let (bu_table, user_table, team_table) =
            (index("businessunit"), index("systemuser"), index("team"));
        let domain = &info.entra.tenant_domain;

        let business_unit = guid();
        let put = |store: &mut Store, table: usize, id: Uuid, fields: Value| {
            let entity = &schema.entities[table];
            let mut row = Row {
                id,
                version: 0,
                cells: Vec::new(),
            };
            for (name, value) in fields.as_object().into_iter().flatten() {
                let Some((i, column)) = entity.column(name) else {
                    continue;
                };
                let cell = match (column.kind.is_lookup(), value) {
                    (true, Value::String(s)) => {
                        let (target, id) = s.split_once(':').unwrap_or(("systemuser", s));
                        Uuid::parse_str(id)
                            .ok()
                            .map(|id| Cell::Ref(id, u16::try_from(index(target)).unwrap_or(0)))
                    }
                    (_, Value::String(s)) if matches!(column.kind, super::schema::K::Guid) => {
                        Uuid::parse_str(s).ok().map(Cell::Guid)
                    }
                    (_, Value::String(s)) => Some(Cell::text(s)),
                    (_, Value::Bool(b)) => Some(Cell::Bool(*b)),
                    (_, Value::Number(n)) => n.as_i64().map(Cell::Int),
                    _ => None,
                };
                row.set(i, cell);
            }
            for (name, cell) in [("createdon", now.clone()), ("modifiedon", now.clone())] {
                if let Some((i, _)) = entity.column(name) {
                    row.set(i, Some(cell));
                }
            }
            store.put(table, row);
        };
        put(
            store,
            bu_table,
            business_unit,
            json!({ "name": "Contoso Sandbox" }),
        );

        let bu = format!("businessunit:{business_unit}");
        let mut user = |store: &mut Store,
                        first: &str,
                        last: &str,
                        username: String,
                        title: &str,
                        extra: Value| {
            let id = guid();
            let mut fields = json!({
                "firstname": first,
                "lastname": last,
                "fullname": if first.is_empty() { last.to_owned() } else { format!("{first} {last}") },
                "domainname": username,
                "internalemailaddress": username,
                "title": title,
                "isdisabled": false,
                "accessmode": 0,
                "businessunitid": bu,
                "azureactivedirectoryobjectid": guid().to_string(),
            });
            if let (Some(fields), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
                fields.extend(extra.clone());
            }
            put(store, user_table, id, fields);
            id
        };
        user(
            store,
            "",
            "# Dynasync Sync",
            format!("{}@{domain}", info.app.client_id),
            "Application user",
            json!({ "applicationid": info.app.client_id.to_string(), "accessmode": 4 }),
        );
        user(
            store,
            "Marketo",
            "Sync",
            info.ropc.username.clone(),
            "Integration",
            json!({}),
        );
        user(
            store,
            "Alex",
            "Morgan",
            info.mfa_username.clone(),
            "Administrator",
            json!({}),
        );
        let people: Vec<Person> = PEOPLE
            .iter()
            .map(|(first, last, title)| {
                let username = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
                let id = user(store, first, last, username, title, json!({}));
                Person {
                    systemuserid: id,
                    fullname: format!("{first} {last}"),
                    title: (*title).to_owned(),
                    label: format!("{first} {last} ({title})"),
                }
            })
            .collect();
        for (name, admin) in [
            ("Sales Team", people[0].systemuserid),
            ("Marketing Team", people[1].systemuserid),
        ] {
            put(
                store,
                team_table,
                guid(),
                json!({ "name": name, "teamtype": 0, "businessunitid": bu, "administratorid": format!("systemuser:{admin}") }),
            );
        }
        Directory {
            business_unit,
            people,
        }
    }

    /// The systemuser a token stands for: the user with that user name, or the application user
    /// bound to the app.
    pub(crate) fn user_for(
        &self,
        schema: &Schema,
        store: &Store,
        app: Uuid,
        username: Option<&str>,
    ) -> Option<Uuid> {
        let (table, entity) = schema.by_logical("systemuser")?;
        let (domain, _) = entity.column("domainname")?;
        let (application, _) = entity.column("applicationid")?;
        store.tables[table].rows.values().find_map(|row| {
            let matches = match username {
                Some(name) => row
                    .get(domain)
                    .and_then(Cell::as_text)
                    .is_some_and(|d| d.eq_ignore_ascii_case(name)),
                None => row.get(application) == Some(&Cell::Guid(app)),
            };
            matches.then_some(row.id)
        })
    }

    /// Finds a person by systemuserid, full name or label ("Dana Whitfield (Sales)").
    pub(crate) fn person(&self, who: &str) -> Option<&Person> {
        let who = who.trim();
        let id = Uuid::parse_str(who).ok();
        self.people.iter().find(|p| {
            Some(p.systemuserid) == id
                || p.fullname.eq_ignore_ascii_case(who)
                || p.label.eq_ignore_ascii_case(who)
        })
    }
}

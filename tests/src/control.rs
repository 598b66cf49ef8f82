//! The sandbox's control API, for tests that act "as a user" on either side and read the truth
//! back (docs/sandbox.md).

use reqwest::Method;
use serde_json::{Value, json};

/// A client of one sandbox's control API.
#[derive(Debug, Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

/// The person tests act as in Dynamics (never the sync user).
pub const DYNAMICS_PERSON: &str = "Dana Whitfield";
/// The person tests act as in Marketo.
pub const MARKETO_PERSON: &str = "Morgan Marketer";

impl Control {
    pub fn new(control_url: &str) -> Control {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Control {
            http: reqwest::Client::new(),
            base: control_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends a control request and returns its JSON answer; panics on an error answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(
            method.clone(),
            format!("{}/{}", self.base, path.trim_start_matches('/')),
        );
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{method} {path} answered {status}: {text}"
        );
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    }

    /// Creates a Dynamics record as a person; returns its id.
    pub async fn dynamics_create(&self, set: &str, fields: Value) -> String {
        let record = self
            .call(
                Method::POST,
                &format!("dynamics/{set}"),
                Some(json!({"as": DYNAMICS_PERSON, "fields": fields})),
            )
            .await;
        let key = format!("{}id", singular(set));
        record[&key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {record}"))
            .to_owned()
    }

    /// Creates many Dynamics records at once; returns their ids.
    pub async fn dynamics_bulk(&self, set: &str, rows: Vec<Value>) -> Vec<String> {
        let answer = self
            .call(
                Method::POST,
                &format!("dynamics/{set}/bulk"),
                Some(json!({"as": DYNAMICS_PERSON, "rows": rows})),
            )
            .await;
        answer["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn dynamics_update(&self, set: &str, id: &str, fields: Value) {
        self.call(
            Method::PATCH,
            &format!("dynamics/{set}/{id}"),
            Some(json!({"as": DYNAMICS_PERSON, "fields": fields})),
        )
        .await;
    }

    pub async fn dynamics_delete(&self, set: &str, id: &str) {
        self.call(
            Method::DELETE,
            &format!("dynamics/{set}/{id}?as={DYNAMICS_PERSON}"),
            None,
        )
        .await;
    }

    /// Merges `subordinate` into `target` in Dynamics, as a person (the Merge action).
    pub async fn dynamics_merge(&self, set: &str, target: &str, subordinate: &str) {
        self.call(
            Method::POST,
            &format!("dynamics/{set}/merge"),
            Some(json!({"as": DYNAMICS_PERSON, "target": target, "subordinate": subordinate})),
        )
        .await;
    }

    /// Qualifies a lead into a contact only, as a person; returns the new contact's id.
    pub async fn dynamics_qualify(&self, lead: &str) -> String {
        let answer = self
            .call(
                Method::POST,
                &format!("dynamics/leads/{lead}/qualify"),
                Some(json!({"as": DYNAMICS_PERSON, "createContact": true})),
            )
            .await;
        answer["created"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["entity"] == "contact")
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no contact created in {answer}"))
            .to_owned()
    }

    /// Edits a company in Marketo as a marketer (an account field edited in Marketo, R21).
    pub async fn marketo_edit_company(&self, external_company_id: &str, fields: Value) {
        self.call(
            Method::PATCH,
            &format!("marketo/companies/{external_company_id}"),
            Some(json!({"as": MARKETO_PERSON, "fields": fields})),
        )
        .await;
    }

    /// Loads Marketo people in bulk (no limits, no activities); their ids in row order.
    pub async fn marketo_bulk(&self, rows: Vec<Value>) -> Vec<i64> {
        let answer = self
            .call(
                Method::POST,
                "marketo/leads/bulk",
                Some(json!({"rows": rows})),
            )
            .await;
        answer["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("no ids in {answer}"))
            .iter()
            .filter_map(Value::as_i64)
            .collect()
    }

    /// Creates a Marketo person as a marketer; returns its id.
    pub async fn marketo_create(&self, fields: Value) -> i64 {
        let lead = self
            .call(
                Method::POST,
                "marketo/leads",
                Some(json!({"as": MARKETO_PERSON, "fields": fields})),
            )
            .await;
        lead["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {lead}"))
    }

    pub async fn marketo_update(&self, id: i64, fields: Value) {
        self.call(
            Method::PATCH,
            &format!("marketo/leads/{id}"),
            Some(json!({"as": MARKETO_PERSON, "fields": fields})),
        )
        .await;
    }

    pub async fn marketo_delete(&self, id: i64) {
        self.call(Method::DELETE, &format!("marketo/leads/{id}"), None)
            .await;
    }

    /// Every record of both sides.
    pub async fn snapshot(&self) -> Value {
        self.call(Method::GET, "snapshot", None).await
    }

    pub async fn set_faults(&self, faults: Value) {
        self.call(Method::PUT, "faults", Some(faults)).await;
    }

    pub async fn metrics(&self) -> Value {
        self.call(Method::GET, "metrics", None).await
    }
}

fn singular(set: &str) -> &str {
    match set {
        "opportunities" => "opportunity",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

/// The Marketo people of a snapshot.
pub fn people(snapshot: &Value) -> &Vec<Value> {
    snapshot["marketo"]["leads"]
        .as_array()
        .expect("a snapshot lists Marketo leads")
}

/// The Marketo person syncing with a Dynamics record, if any.
pub fn person_of<'a>(snapshot: &'a Value, dynamics_id: &str) -> Option<&'a Value> {
    people(snapshot).iter().find(|p| {
        p["externalPersonId"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(dynamics_id))
    })
}

/// The Dynamics records of one entity set in a snapshot.
pub fn rows<'a>(snapshot: &'a Value, set: &str) -> &'a Vec<Value> {
    snapshot["dynamics"][set]
        .as_array()
        .unwrap_or_else(|| panic!("a snapshot lists {set}: {}", snapshot["dynamics"]))
}

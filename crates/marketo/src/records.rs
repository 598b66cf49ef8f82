//! Records as Marketo exchanges them: a lead or another object is a JSON object of fields (the
//! field set is the instance's own), and a write answers one outcome per record, in input order
//! (`error-codes.md`, Record-Level).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::envelope::Message;

macro_rules! json_record {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Map<String, Value>);

        impl $name {
            pub fn new() -> Self {
                Self(Map::new())
            }

            /// Sets a field (builder style).
            pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
                self.0.insert(field.to_owned(), value.into());
                self
            }

            pub fn set(&mut self, field: &str, value: impl Into<Value>) {
                self.0.insert(field.to_owned(), value.into());
            }

            /// A field's value; an absent field and `null` are both `None` (a field not returned
            /// is implied null, `leads.md`).
            pub fn get(&self, field: &str) -> Option<&Value> {
                self.0.get(field).filter(|v| !v.is_null())
            }

            pub fn str(&self, field: &str) -> Option<&str> {
                self.get(field)?.as_str()
            }

            /// An integer field, given as a number or a numeric string.
            pub fn i64(&self, field: &str) -> Option<i64> {
                let value = self.get(field)?;
                value.as_i64().or_else(|| value.as_str()?.parse().ok())
            }

            pub fn f64(&self, field: &str) -> Option<f64> {
                let value = self.get(field)?;
                value.as_f64().or_else(|| value.as_str()?.parse().ok())
            }

            pub fn bool(&self, field: &str) -> Option<bool> {
                self.get(field)?.as_bool()
            }

            /// A datetime field, in either of the forms Marketo prints.
            pub fn datetime(&self, field: &str) -> Option<DateTime<Utc>> {
                crate::activities::parse_datetime(self.str(field)?)
            }

            /// Every field as given.
            pub fn fields(&self) -> &Map<String, Value> {
                &self.0
            }

            pub fn into_fields(self) -> Map<String, Value> {
                self.0
            }
        }

        impl From<Map<String, Value>> for $name {
            fn from(fields: Map<String, Value>) -> Self {
                Self(fields)
            }
        }
    };
}

json_record!(
    /// A person: a JSON object of lead fields by REST name.
    Lead
);

json_record!(
    /// A company, opportunity, role, sales person or custom-object record.
    Record
);

impl Lead {
    pub fn id(&self) -> Option<i64> {
        self.i64("id")
    }

    pub fn email(&self) -> Option<&str> {
        self.str("email")
    }
}

impl Record {
    pub fn id(&self) -> Option<i64> {
        self.i64("id")
    }

    pub fn marketo_guid(&self) -> Option<&str> {
        self.str("marketoGUID")
    }

    /// Which filter value or input a queried record answers (`seq`).
    pub fn seq(&self) -> Option<usize> {
        self.i64("seq").and_then(|s| usize::try_from(s).ok())
    }
}

/// `action` of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncAction {
    CreateOnly,
    UpdateOnly,
    CreateOrUpdate,
    /// Leads only: create even when the lookup value exists.
    CreateDuplicate,
}

/// `dedupeBy` / `deleteBy` of the objects other than leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DedupeBy {
    /// The type's dedupe fields (`externalCompanyId`, ...).
    DedupeFields,
    /// The type's id field (`id` or `marketoGUID`).
    IdField,
}

/// The key Marketo gives a written record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    /// A lead, company or sales person id.
    Id(i64),
    /// An opportunity, role or custom-object `marketoGUID`.
    Guid(String),
    /// A field's name (field creation).
    Name(String),
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeStatus {
    Created,
    Updated,
    Deleted,
    Skipped,
    Added,
    Removed,
    MemberOf,
    NotMemberOf,
    Other(String),
}

impl OutcomeStatus {
    fn parse(text: &str) -> OutcomeStatus {
        match text {
            "created" => OutcomeStatus::Created,
            "updated" => OutcomeStatus::Updated,
            "deleted" => OutcomeStatus::Deleted,
            "skipped" => OutcomeStatus::Skipped,
            "added" => OutcomeStatus::Added,
            "removed" => OutcomeStatus::Removed,
            "memberof" => OutcomeStatus::MemberOf,
            "notmemberof" => OutcomeStatus::NotMemberOf,
            other => OutcomeStatus::Other(other.to_owned()),
        }
    }
}

/// A record-level reason (codes are 1xxx).
pub type Reason = Message;

/// The outcome of one input record, `seq` being its index in the input given to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub seq: usize,
    pub id: Option<RecordId>,
    pub status: OutcomeStatus,
    pub reasons: Vec<Reason>,
}

impl RecordOutcome {
    pub fn is_skipped(&self) -> bool {
        self.status == OutcomeStatus::Skipped
    }

    /// The first reason's code, for a skipped record.
    pub fn reason_code(&self) -> Option<u32> {
        self.reasons.first().map(|r| r.code)
    }
}

/// A result item of a write as it comes over the wire.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireOutcome {
    seq: Option<usize>,
    id: Option<i64>,
    #[serde(rename = "marketoGUID")]
    marketo_guid: Option<String>,
    name: Option<String>,
    status: Option<String>,
    #[serde(default)]
    reasons: Vec<Message>,
    /// Custom activities report a skip in `errors` (`activities.md`).
    #[serde(default)]
    errors: Vec<Message>,
}

impl WireOutcome {
    /// The outcome of input record `offset + position`; a record with reasons and no status is
    /// skipped (the Push Lead example of `leads.md` prints one).
    fn into_outcome(self, offset: usize, position: usize) -> RecordOutcome {
        let mut reasons = self.reasons;
        reasons.extend(self.errors);
        let status = match self.status {
            Some(text) => OutcomeStatus::parse(&text),
            None if !reasons.is_empty() => OutcomeStatus::Skipped,
            None => OutcomeStatus::Other(String::new()),
        };
        let id = match (self.id, self.marketo_guid, self.name) {
            (Some(id), _, _) => Some(RecordId::Id(id)),
            (None, Some(guid), _) => Some(RecordId::Guid(guid)),
            (None, None, Some(name)) => Some(RecordId::Name(name)),
            _ => None,
        };
        RecordOutcome {
            seq: offset + self.seq.unwrap_or(position),
            id,
            status,
            reasons,
        }
    }
}

/// The outcomes of one call's `count` input records starting at input index `offset`: exactly one
/// per record, in input order.
pub(crate) fn outcomes(
    wire: Vec<WireOutcome>,
    offset: usize,
    count: usize,
) -> Result<Vec<RecordOutcome>, Error> {
    if wire.len() != count {
        return Err(Error::Decode {
            path: "result".into(),
            message: format!("{} outcomes for {count} records", wire.len()),
        });
    }
    Ok(wire
        .into_iter()
        .enumerate()
        .map(|(position, w)| w.into_outcome(offset, position))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_keep_input_order_with_global_seq_and_read_skips_without_status() {
        let wire: Vec<WireOutcome> = serde_json::from_value(json!([
            {"id": 483894, "status": "created"},
            {"marketoGUID": "dff2", "seq": 1, "status": "updated"},
            {"id": 3525, "reasons": [{"code": "501", "message": "Bad stuff happened"}]},
            {"status": "skipped", "errors": [{"code": "1004", "message": "Lead not found"}]}
        ]))
        .unwrap();
        let out = outcomes(wire, 300, 4).unwrap();
        assert_eq!(out[0].seq, 300);
        assert_eq!(out[1].id, Some(RecordId::Guid("dff2".into())));
        assert_eq!(out[1].seq, 301);
        assert!(out[2].is_skipped(), "reasons without a status mean skipped");
        assert_eq!(out[3].reason_code(), Some(1004));
        let short: Vec<WireOutcome> =
            serde_json::from_value(json!([{"id": 1, "status": "created"}])).unwrap();
        assert!(
            outcomes(short, 0, 2).is_err(),
            "one outcome per record, or the answer is wrong"
        );
    }

    #[test]
    fn typed_getters_read_numbers_given_as_strings_and_ignore_nulls() {
        let record = Record::new()
            .with("amount", "1604.47")
            .with("leadId", json!(42))
            .with("closed", Value::Null);
        assert_eq!(record.f64("amount"), Some(1604.47));
        assert_eq!(record.i64("leadId"), Some(42));
        assert!(record.get("closed").is_none());
    }
}

//! One Dataverse row as JSON, with the Web API's conventions made explicit: the ETag, formatted
//! values (`x@OData.Community.Display.V1.FormattedValue`), lookups read as `_x_value` and written as
//! `nav@odata.bind`, and typed getters whose errors name the field.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::Error;

const FORMATTED: &str = "@OData.Community.Display.V1.FormattedValue";
const LOOKUP_TABLE: &str = "@Microsoft.Dynamics.CRM.lookuplogicalname";

/// A row read from or written to Dataverse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    fields: Map<String, Value>,
    id: Option<Uuid>,
}

/// A lookup's value: the row it points to and, when annotations were asked for, its table and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub id: Uuid,
    /// `lead`, `account`, `systemuser`, `team`, ... (`lookuplogicalname` annotation).
    pub logical_name: Option<String>,
    /// The target's primary name (formatted value annotation).
    pub name: Option<String>,
}

impl Record {
    /// An empty record, to fill with [`Record::set`] and [`Record::bind`] before a write.
    pub fn new() -> Record {
        Record::default()
    }

    /// A record from a JSON object; `primary_key` (e.g. `contactid`) gives [`Record::id`].
    pub fn from_json(fields: Map<String, Value>, primary_key: Option<&str>) -> Record {
        let id = primary_key
            .and_then(|key| fields.get(key))
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        Record { fields, id }
    }

    /// Decodes one record (`return=representation`, a single-record GET).
    ///
    /// # Errors
    /// A body that is not a JSON object.
    pub fn parse(body: &[u8], primary_key: Option<&str>) -> Result<Record, Error> {
        let fields: Map<String, Value> = crate::wire::decode(body, "record")?;
        Ok(Record::from_json(fields, primary_key))
    }

    /// The row's primary key, when it was read from Dataverse.
    pub fn id(&self) -> Option<Uuid> {
        self.id
    }

    /// The row version (`@odata.etag`, e.g. `W/"536530"`), for `If-Match`.
    pub fn etag(&self) -> Option<&str> {
        self.fields.get("@odata.etag").and_then(Value::as_str)
    }

    /// A property as sent (`firstname`, `_parentcustomerid_value`, ...).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// Sets a column for a write; `Value::Null` clears it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Record {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Points a lookup at a row for a write: `"<navigation>@odata.bind": "/<entity_set>(<id>)"`,
    /// e.g. `bind("parentcustomerid_account", "accounts", id)`.
    pub fn bind(&mut self, navigation: &str, entity_set: &str, id: Uuid) -> &mut Record {
        self.fields.insert(
            format!("{navigation}@odata.bind"),
            Value::String(format!("/{entity_set}({id})")),
        );
        self
    }

    /// The display text of a value, when annotations were asked for: the label of a choice, the name
    /// of a lookup's target. `name` is the property (`statuscode`, `_ownerid_value`).
    pub fn formatted(&self, name: &str) -> Option<&str> {
        self.fields
            .get(&format!("{name}{FORMATTED}"))
            .and_then(Value::as_str)
    }

    /// A lookup column (`parentcustomerid`, read from `_parentcustomerid_value`).
    pub fn lookup(&self, column: &str) -> Result<Option<Lookup>, Error> {
        let property = format!("_{column}_value");
        let Some(id) = self.guid(&property)? else {
            return Ok(None);
        };
        Ok(Some(Lookup {
            id,
            logical_name: self
                .fields
                .get(&format!("{property}{LOOKUP_TABLE}"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            name: self.formatted(&property).map(str::to_owned),
        }))
    }

    /// Every property, annotations included.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The properties to send in a write: everything except read-side annotations.
    pub(crate) fn write_body(&self) -> Map<String, Value> {
        self.fields
            .iter()
            .filter(|(k, _)| {
                !k.starts_with("@odata.") && (!k.contains('@') || k.ends_with("@odata.bind"))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn into_json(self) -> Map<String, Value> {
        self.fields
    }

    fn wrong(&self, name: &str, expected: &str, found: &Value) -> Error {
        let at = match self.id {
            Some(id) => format!("record {id}: {name}"),
            None => name.to_owned(),
        };
        Error::Decode {
            path: at,
            message: format!("expected {expected}, found {found}"),
        }
    }

    fn typed<T>(
        &self,
        name: &str,
        expected: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| self.wrong(name, expected, value)),
        }
    }

    /// A text column. `Ok(None)` when absent or null; an error naming the field when not text.
    pub fn string(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(name, "a string", other)),
        }
    }

    /// A whole number column (integer, choice, state, status, big int).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, Error> {
        self.typed(name, "an integer", Value::as_i64)
    }

    /// A decimal, double or money column.
    pub fn number(&self, name: &str) -> Result<Option<f64>, Error> {
        self.typed(name, "a number", Value::as_f64)
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, Error> {
        self.typed(name, "a Boolean", Value::as_bool)
    }

    /// A unique identifier, or a lookup's `_x_value`.
    pub fn guid(&self, name: &str) -> Result<Option<Uuid>, Error> {
        self.typed(name, "a GUID", |v| {
            v.as_str().and_then(|s| Uuid::parse_str(s).ok())
        })
    }

    /// A date-time (ISO 8601, UTC in the Web API); a date-only value is midnight UTC.
    pub fn datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, Error> {
        self.typed(name, "a date-time", |v| {
            let s = v.as_str()?;
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()?
                        .and_hms_opt(0, 0, 0)
                        .map(|d| d.and_utc())
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_getters_name_the_field_that_does_not_fit() {
        let id = Uuid::from_u128(9);
        let record = Record::from_json(
            json!({ "contactid": id.to_string(), "mkt_leadscore": "high", "firstname": "Ada" })
                .as_object()
                .unwrap()
                .clone(),
            Some("contactid"),
        );
        assert_eq!(record.id(), Some(id));
        assert_eq!(record.string("firstname").unwrap(), Some("Ada"));
        assert_eq!(record.integer("missing").unwrap(), None);
        let err = record.integer("mkt_leadscore").unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("record {id}: mkt_leadscore")),
            "{err}"
        );
    }

    #[test]
    fn writes_carry_binds_but_not_read_annotations() {
        let mut record = Record::from_json(
            json!({ "@odata.etag": "W/\"1\"", "name@OData.Community.Display.V1.FormattedValue": "x", "name": "Contoso" }).as_object().unwrap().clone(),
            None,
        );
        record.bind("primarycontactid", "contacts", Uuid::from_u128(1));
        let body = record.write_body();
        assert_eq!(body.len(), 2, "{body:?}");
        assert_eq!(
            body["primarycontactid@odata.bind"],
            "/contacts(00000000-0000-0000-0000-000000000001)"
        );
    }
}

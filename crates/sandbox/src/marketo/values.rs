//! Field values: Marketo's data types, how an input value is coerced to one, and the compact row
//! every record keeps its values in.
//!
//! A million persons must fit well under a gibibyte, so a row is one boxed byte string of
//! `(field id, tag, payload)` entries sorted by field id instead of a map of JSON values.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// The data types of `field-types.md` (plus `link`, the custom-object reference type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataType {
    String,
    Text,
    Email,
    Phone,
    Url,
    Integer,
    Float,
    Currency,
    Percent,
    Score,
    Boolean,
    Date,
    Datetime,
    Reference,
    Formula,
    Link,
}

impl DataType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            DataType::String => "string",
            DataType::Text => "text",
            DataType::Email => "email",
            DataType::Phone => "phone",
            DataType::Url => "url",
            DataType::Integer => "integer",
            DataType::Float => "float",
            DataType::Currency => "currency",
            DataType::Percent => "percent",
            DataType::Score => "score",
            DataType::Boolean => "boolean",
            DataType::Date => "date",
            DataType::Datetime => "datetime",
            DataType::Reference => "reference",
            DataType::Formula => "formula",
            DataType::Link => "link",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<DataType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => DataType::String,
            "text" => DataType::Text,
            "email" => DataType::Email,
            "phone" => DataType::Phone,
            "url" => DataType::Url,
            "integer" => DataType::Integer,
            "float" => DataType::Float,
            "currency" => DataType::Currency,
            "percent" => DataType::Percent,
            "score" => DataType::Score,
            "boolean" => DataType::Boolean,
            "date" => DataType::Date,
            "datetime" => DataType::Datetime,
            "reference" => DataType::Reference,
            "formula" => DataType::Formula,
            "link" => DataType::Link,
            _ => return None,
        })
    }

    /// Whether a custom field of this type can be a `filterType` (`leads.md`: string, email and
    /// integer custom fields are searchable).
    pub(crate) fn searchable_when_custom(self) -> bool {
        matches!(self, DataType::String | DataType::Email | DataType::Integer)
    }

    /// The stored value for an input value: `Ok(None)` clears the field (`null` and `""` are
    /// written as null, `lead-database.md`), `Err` is the record-level 1001.
    pub(crate) fn coerce(self, input: &Value) -> Result<Option<Val>, Invalid> {
        let invalid = || Invalid {
            value: match input {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            data_type: self,
        };
        let text = match input {
            Value::Null => return Ok(None),
            Value::String(s) if s.is_empty() => return Ok(None),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        Ok(Some(match self {
            DataType::String
            | DataType::Text
            | DataType::Phone
            | DataType::Url
            | DataType::Reference
            | DataType::Formula
            | DataType::Link => match input {
                Value::String(s) => Val::Str(s.as_str().into()),
                Value::Number(n) => Val::Str(n.to_string().into()),
                Value::Bool(b) => Val::Str(b.to_string().into()),
                _ => return Err(invalid()),
            },
            // Only ASCII is accepted in email addresses (`leads.md`, Create and Update).
            DataType::Email => match text {
                Some(s) if s.is_ascii() && !s.contains(char::is_whitespace) => Val::Str(s.into()),
                _ => return Err(invalid()),
            },
            DataType::Integer | DataType::Percent | DataType::Score => {
                let n = match input {
                    Value::Number(n) => n.as_i64(),
                    _ => text.and_then(|s| s.trim().parse::<i64>().ok()),
                };
                Val::Int(n.ok_or_else(invalid)?)
            }
            DataType::Float | DataType::Currency => {
                let n = match input {
                    Value::Number(n) => n.as_f64(),
                    _ => text.and_then(|s| s.trim().parse::<f64>().ok()),
                };
                Val::Float(n.filter(|f| f.is_finite()).ok_or_else(invalid)?)
            }
            DataType::Boolean => match input {
                Value::Bool(b) => Val::Bool(*b),
                Value::Number(n) if n.as_i64() == Some(1) => Val::Bool(true),
                Value::Number(n) if n.as_i64() == Some(0) => Val::Bool(false),
                _ => match text.map(str::to_ascii_lowercase).as_deref() {
                    Some("true" | "1") => Val::Bool(true),
                    Some("false" | "0") => Val::Bool(false),
                    _ => return Err(invalid()),
                },
            },
            DataType::Date => {
                let s = text.ok_or_else(invalid)?;
                let date = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                    .map_err(|_| invalid())?;
                Val::Str(date.format("%Y-%m-%d").to_string().into())
            }
            DataType::Datetime => {
                let at = parse_datetime(text.ok_or_else(invalid)?).ok_or_else(invalid)?;
                Val::Str(format_datetime(at).into())
            }
        }))
    }
}

/// An input value that does not fit its field's type.
#[derive(Debug, Clone)]
pub(crate) struct Invalid {
    pub(crate) value: String,
    pub(crate) data_type: DataType,
}

impl Invalid {
    /// The record-level 1001 message of `error-codes.md`.
    pub(crate) fn message(&self) -> String {
        format!(
            "Invalid value '{}'. Required of type '{}'",
            self.value,
            self.data_type.name()
        )
    }
}

/// Parses the datetimes Marketo accepts and prints: RFC 3339 (`Z` or `+hh:mm`) and the `+0000`
/// offset form (`activities.md` shows both).
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}

/// Datetimes as the REST API prints them: `2015-03-17T00:18:40Z`.
pub(crate) fn format_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn format_millis(ms: i64) -> String {
    format_datetime(DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

/// A stored value. Absence is null.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Str(Box<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Val {
    pub(crate) fn as_ref(&self) -> ValRef<'_> {
        match self {
            Val::Str(s) => ValRef::Str(s),
            Val::Int(n) => ValRef::Int(*n),
            Val::Float(f) => ValRef::Float(*f),
            Val::Bool(b) => ValRef::Bool(*b),
        }
    }
}

/// A value borrowed from a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ValRef<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl ValRef<'_> {
    pub(crate) fn to_owned(self) -> Val {
        match self {
            ValRef::Str(s) => Val::Str(s.into()),
            ValRef::Int(n) => Val::Int(n),
            ValRef::Float(f) => Val::Float(f),
            ValRef::Bool(b) => Val::Bool(b),
        }
    }

    pub(crate) fn to_json(self) -> Value {
        match self {
            ValRef::Str(s) => Value::String(s.to_owned()),
            ValRef::Int(n) => Value::from(n),
            ValRef::Float(f) => Value::from(f),
            ValRef::Bool(b) => Value::Bool(b),
        }
    }

    /// The text of the value, as activity logs and filter matching see it.
    pub(crate) fn text(self) -> String {
        match self {
            ValRef::Str(s) => s.to_owned(),
            ValRef::Int(n) => n.to_string(),
            ValRef::Float(f) => f.to_string(),
            ValRef::Bool(b) => b.to_string(),
        }
    }
}

const TAG_STR: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_FLOAT: u8 = 2;
const TAG_BOOL: u8 = 3;

/// The values of one record, keyed by the field's numeric id within its object type.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Row(Box<[u8]>);

impl Row {
    pub(crate) fn from_values(mut values: Vec<(u16, Val)>) -> Row {
        values.sort_by_key(|(field, _)| *field);
        values.dedup_by_key(|(field, _)| *field);
        let mut bytes = Vec::with_capacity(values.len() * 12);
        for (field, value) in &values {
            encode(&mut bytes, *field, value.as_ref());
        }
        Row(bytes.into_boxed_slice())
    }

    pub(crate) fn iter(&self) -> RowIter<'_> {
        RowIter { rest: &self.0 }
    }

    pub(crate) fn get(&self, field: u16) -> Option<ValRef<'_>> {
        self.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    /// The row with `changes` applied (`None` clears a field).
    pub(crate) fn with(&self, changes: &[(u16, Option<Val>)]) -> Row {
        let mut bytes = Vec::with_capacity(self.0.len() + changes.len() * 12);
        let mut sorted: Vec<&(u16, Option<Val>)> = changes.iter().collect();
        sorted.sort_by_key(|(field, _)| *field);
        let mut pending = sorted.into_iter().peekable();
        for (field, value) in self.iter() {
            while let Some((f, v)) = pending.next_if(|(f, _)| *f < field) {
                if let Some(v) = v {
                    encode(&mut bytes, *f, v.as_ref());
                }
            }
            match pending.next_if(|(f, _)| *f == field) {
                Some((_, Some(v))) => encode(&mut bytes, field, v.as_ref()),
                Some((_, None)) => {}
                None => encode(&mut bytes, field, value),
            }
        }
        for (f, v) in pending {
            if let Some(v) = v {
                encode(&mut bytes, *f, v.as_ref());
            }
        }
        Row(bytes.into_boxed_slice())
    }
}

fn encode(bytes: &mut Vec<u8>, field: u16, value: ValRef<'_>) {
    bytes.extend_from_slice(&field.to_le_bytes());
    match value {
        ValRef::Str(s) => {
            bytes.push(TAG_STR);
            let mut len = s.len();
            loop {
                let byte = (len & 0x7f) as u8;
                len >>= 7;
                if len == 0 {
                    bytes.push(byte);
                    break;
                }
                bytes.push(byte | 0x80);
            }
            bytes.extend_from_slice(s.as_bytes());
        }
        ValRef::Int(n) => {
            bytes.push(TAG_INT);
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        ValRef::Float(f) => {
            bytes.push(TAG_FLOAT);
            bytes.extend_from_slice(&f.to_le_bytes());
        }
        ValRef::Bool(b) => {
            bytes.push(TAG_BOOL);
            bytes.push(u8::from(b));
        }
    }
}

#[derive(Debug)]
pub(crate) struct RowIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RowIter<'a> {
    type Item = (u16, ValRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (head, rest) = self.rest.split_first_chunk::<3>()?;
        let field = u16::from_le_bytes([head[0], head[1]]);
        let (value, rest) = match head[2] {
            TAG_STR => {
                let mut len = 0usize;
                let mut shift = 0;
                let mut at = 0;
                loop {
                    let byte = *rest.get(at)?;
                    len |= usize::from(byte & 0x7f) << shift;
                    at += 1;
                    shift += 7;
                    if byte & 0x80 == 0 {
                        break;
                    }
                }
                let text = std::str::from_utf8(rest.get(at..at + len)?).ok()?;
                (ValRef::Str(text), &rest[at + len..])
            }
            TAG_INT => {
                let (n, rest) = rest.split_first_chunk::<8>()?;
                (ValRef::Int(i64::from_le_bytes(*n)), rest)
            }
            TAG_FLOAT => {
                let (n, rest) = rest.split_first_chunk::<8>()?;
                (ValRef::Float(f64::from_le_bytes(*n)), rest)
            }
            _ => {
                let (b, rest) = rest.split_first()?;
                (ValRef::Bool(*b != 0), rest)
            }
        };
        self.rest = rest;
        Some((field, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_row_keeps_every_value_and_applies_changes_in_field_order() {
        let long = "x".repeat(300);
        let row = Row::from_values(vec![
            (7, Val::Str(long.as_str().into())),
            (2, Val::Int(-5)),
            (4, Val::Bool(true)),
        ]);
        assert_eq!(row.get(7), Some(ValRef::Str(&long)));
        assert_eq!(row.get(2), Some(ValRef::Int(-5)));
        let changed = row.with(&[
            (4, None),
            (1, Some(Val::Float(2.5))),
            (9, Some(Val::Str("é".into()))),
        ]);
        let fields: Vec<u16> = changed.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec![1, 2, 7, 9],
            "cleared fields vanish, new ones slot in by id"
        );
        assert_eq!(changed.get(9), Some(ValRef::Str("é")));
        assert_eq!(changed.get(4), None);
    }

    #[test]
    fn inputs_are_coerced_to_the_field_type_or_refused_with_1001() {
        assert_eq!(
            DataType::Integer.coerce(&json!("42")).unwrap(),
            Some(Val::Int(42))
        );
        assert_eq!(DataType::String.coerce(&json!("")).unwrap(), None);
        assert_eq!(
            DataType::Boolean.coerce(&json!("TRUE")).unwrap(),
            Some(Val::Bool(true))
        );
        assert_eq!(
            DataType::Datetime
                .coerce(&json!("2014-09-17T22:31:49+0000"))
                .unwrap(),
            Some(Val::Str("2014-09-17T22:31:49Z".into()))
        );
        let refused = DataType::Integer.coerce(&json!("forty")).unwrap_err();
        assert_eq!(
            refused.message(),
            "Invalid value 'forty'. Required of type 'integer'"
        );
        assert!(
            DataType::Email.coerce(&json!("zoë@example.com")).is_err(),
            "only ASCII email addresses are accepted (leads.md)"
        );
    }
}

//! Field values in one canonical form, so that a value read from Dynamics, one read from Marketo and
//! one stored as "last synced" compare equal exactly when a person would call them equal.
//!
//! Each [`FieldKind`] converts between the two APIs' JSON and [`Value`]: option sets travel as codes
//! in Dynamics and labels in Marketo, money as decimals, dates with second precision, lookups as ids.
//! An empty string is no value at all (Dataverse stores "" as null), so "" and null never ping-pong.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;
use uuid::Uuid;

/// A field value, independent of the API it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "t", content = "v", rename_all = "camelCase")]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    /// Money, decimals and floats, normalised (`12.50` and `12.5` are the same value).
    Decimal(#[ts(type = "string")] Decimal),
    Bool(bool),
    /// An instant, to the second (both APIs keep seconds).
    DateTime(DateTime<Utc>),
    Date(#[ts(type = "string")] NaiveDate),
    /// An option-set code (Dynamics' value; Marketo carries its label).
    Choice(i32),
    /// The id of the record a lookup points to.
    Ref(Uuid),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn text(s: &str) -> Value {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_owned())
        }
    }

    fn decimal(d: Decimal) -> Value {
        Value::Decimal(d.normalize())
    }

    fn instant(at: DateTime<Utc>) -> Value {
        Value::DateTime(DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("(empty)"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{}", if *b { "Yes" } else { "No" }),
            Value::DateTime(at) => f.write_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            Value::Date(d) => write!(f, "{d}"),
            Value::Choice(code) => write!(f, "option {code}"),
            Value::Ref(id) => write!(f, "{id}"),
        }
    }
}

/// What a mapped field holds, which decides how its values convert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FieldKind {
    /// Single and multiple lines of text; Dataverse refuses longer values (0x80044331).
    #[serde(rename_all = "camelCase")]
    Text {
        max_length: Option<u32>,
    },
    Integer,
    /// Decimal, floating point and money columns; Marketo float, currency and percent fields.
    Decimal,
    Boolean,
    DateTime,
    DateOnly,
    /// Option sets, including state and status: codes in Dynamics, labels in Marketo.
    Choice {
        options: Vec<ChoiceOption>,
    },
    /// A lookup (or owner, or customer) to one of the target tables.
    Lookup {
        targets: Vec<String>,
    },
}

/// One option of an option set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: i32,
    pub label: String,
}

/// A value that does not fit the field it is meant for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{found} is not a valid {expected}")]
pub struct ConversionError {
    pub expected: String,
    pub found: String,
}

fn mismatch(expected: impl Into<String>, found: &Json) -> ConversionError {
    ConversionError {
        expected: expected.into(),
        found: found.to_string(),
    }
}

impl FieldKind {
    fn name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Integer => "whole number",
            FieldKind::Decimal => "number",
            FieldKind::Boolean => "yes/no value",
            FieldKind::DateTime => "date and time",
            FieldKind::DateOnly => "date",
            FieldKind::Choice { .. } => "option",
            FieldKind::Lookup { .. } => "record id",
        }
    }

    /// A value as the Dataverse Web API returns it (for a lookup, the `_x_value` property).
    ///
    /// # Errors
    /// When the JSON is not of the column's type.
    pub fn from_dynamics(&self, json: &Json) -> Result<Value, ConversionError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        let bad = || mismatch(self.name(), json);
        Ok(match self {
            FieldKind::Text { .. } => Value::text(json.as_str().ok_or_else(bad)?),
            FieldKind::Integer => Value::Int(json.as_i64().ok_or_else(bad)?),
            FieldKind::Decimal => Value::decimal(number(json).ok_or_else(bad)?),
            FieldKind::Boolean => Value::Bool(json.as_bool().ok_or_else(bad)?),
            FieldKind::DateTime => {
                Value::instant(instant(json.as_str().ok_or_else(bad)?).ok_or_else(bad)?)
            }
            FieldKind::DateOnly => {
                Value::Date(date(json.as_str().ok_or_else(bad)?).ok_or_else(bad)?)
            }
            FieldKind::Choice { .. } => Value::Choice(
                json.as_i64()
                    .and_then(|c| i32::try_from(c).ok())
                    .ok_or_else(bad)?,
            ),
            FieldKind::Lookup { .. } => Value::Ref(guid(json).ok_or_else(bad)?),
        })
    }

    /// The JSON to write to Dataverse. A lookup gives the target id; the writer turns it into an
    /// `@odata.bind` reference because only it knows the target's entity set.
    pub fn to_dynamics(&self, value: &Value) -> Json {
        match value {
            Value::Null => Json::Null,
            Value::Text(s) => Json::from(s.as_str()),
            Value::Int(i) => Json::from(*i),
            Value::Decimal(d) => decimal_json(*d),
            Value::Bool(b) => Json::from(*b),
            Value::DateTime(at) => Json::from(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            Value::Date(d) => Json::from(d.to_string()),
            Value::Choice(code) => Json::from(*code),
            Value::Ref(id) => Json::from(id.to_string()),
        }
    }

    /// A value as Marketo returns it.
    ///
    /// # Errors
    /// When the JSON is not of the field's type, or an option label is not one of the option set's
    /// (Dynamics would refuse it).
    pub fn from_marketo(&self, json: &Json) -> Result<Value, ConversionError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        let bad = || mismatch(self.name(), json);
        if json.as_str() == Some("") {
            return Ok(Value::Null);
        }
        Ok(match self {
            FieldKind::Text { .. } => match json {
                Json::String(s) => Value::text(s),
                Json::Number(n) => Value::Text(n.to_string()),
                Json::Bool(b) => Value::Text(b.to_string()),
                _ => return Err(bad()),
            },
            FieldKind::Integer => Value::Int(match json {
                Json::String(s) => s.trim().parse().map_err(|_| bad())?,
                _ => json.as_i64().ok_or_else(bad)?,
            }),
            FieldKind::Decimal => Value::decimal(number(json).ok_or_else(bad)?),
            FieldKind::Boolean => Value::Bool(match json {
                Json::Bool(b) => *b,
                Json::String(s) if s.eq_ignore_ascii_case("true") || s == "1" => true,
                Json::String(s) if s.eq_ignore_ascii_case("false") || s == "0" => false,
                Json::Number(n) if n.as_i64() == Some(1) => true,
                Json::Number(n) if n.as_i64() == Some(0) => false,
                _ => return Err(bad()),
            }),
            FieldKind::DateTime => {
                Value::instant(instant(json.as_str().ok_or_else(bad)?).ok_or_else(bad)?)
            }
            FieldKind::DateOnly => {
                Value::Date(date(json.as_str().ok_or_else(bad)?).ok_or_else(bad)?)
            }
            FieldKind::Choice { options } => {
                let label = match json {
                    Json::String(s) => s.trim().to_owned(),
                    Json::Number(n) => n.to_string(),
                    _ => return Err(bad()),
                };
                let option = options
                    .iter()
                    .find(|o| o.label.eq_ignore_ascii_case(&label))
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                        ConversionError {
                            expected: format!("option ({})", allowed.join(", ")),
                            found: json.to_string(),
                        }
                    })?;
                Value::Choice(option.value)
            }
            FieldKind::Lookup { .. } => Value::Ref(guid(json).ok_or_else(bad)?),
        })
    }

    /// The JSON to write to Marketo: option sets as their label, instants in UTC with seconds.
    pub fn to_marketo(&self, value: &Value) -> Json {
        match (self, value) {
            (FieldKind::Choice { options }, Value::Choice(code)) => {
                match options.iter().find(|o| o.value == *code) {
                    Some(option) => Json::from(option.label.as_str()),
                    None => Json::from(code.to_string()),
                }
            }
            _ => self.to_dynamics(value),
        }
    }
}

fn number(json: &Json) -> Option<Decimal> {
    match json {
        Json::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        Json::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn decimal_json(d: Decimal) -> Json {
    if d.scale() == 0
        && let Ok(i) = i64::try_from(d)
    {
        return Json::from(i);
    }
    serde_json::Number::from_str(&d.to_string())
        .map(Json::Number)
        .unwrap_or_else(|_| Json::from(d.to_string()))
}

/// ISO 8601 instants as both APIs write them: `Z`, `+00:00` or Marketo's `+0000`.
fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|at| at.with_timezone(&Utc))
        .ok()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| instant(s).map(|at| at.date_naive()))
}

fn guid(json: &Json) -> Option<Uuid> {
    json.as_str()
        .and_then(|s| Uuid::parse_str(s.trim_matches(|c| c == '{' || c == '}')).ok())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn lead_source() -> FieldKind {
        FieldKind::Choice {
            options: vec![
                ChoiceOption {
                    value: 1,
                    label: "Advertisement".into(),
                },
                ChoiceOption {
                    value: 8,
                    label: "Web".into(),
                },
            ],
        }
    }

    fn dec(s: &str) -> Value {
        Value::Decimal(Decimal::from_str(s).unwrap().normalize())
    }

    #[rstest]
    #[case::text(FieldKind::Text { max_length: Some(100) }, json!("Ada"), json!("Ada"))]
    #[case::empty_text_is_no_value(FieldKind::Text { max_length: None }, json!(""), json!(null))]
    #[case::integer(FieldKind::Integer, json!(250), json!("250"))]
    #[case::money(FieldKind::Decimal, json!(1500000.0), json!(1500000))]
    #[case::money_with_cents(FieldKind::Decimal, json!(12.5), json!("12.50"))]
    #[case::boolean(FieldKind::Boolean, json!(true), json!("true"))]
    #[case::instant(FieldKind::DateTime, json!("2024-03-01T09:30:00Z"), json!("2024-03-01T09:30:00+0000"))]
    #[case::instant_millis_dropped(FieldKind::DateTime, json!("2024-03-01T09:30:00.250Z"), json!("2024-03-01T09:30:00Z"))]
    #[case::date(FieldKind::DateOnly, json!("2024-03-01"), json!("2024-03-01"))]
    #[case::option_code_and_label(lead_source(), json!(8), json!("web"))]
    #[case::lookup(FieldKind::Lookup { targets: vec!["account".into()] }, json!("7d8a6c2e-3b1f-4c55-9e0e-0d2f5a0e9b11"), json!("7D8A6C2E-3B1F-4C55-9E0E-0D2F5A0E9B11"))]
    #[case::null(FieldKind::Integer, json!(null), json!(""))]
    fn the_same_value_from_either_api_compares_equal(
        #[case] kind: FieldKind,
        #[case] dynamics: Json,
        #[case] marketo: Json,
    ) {
        let from_dynamics = kind.from_dynamics(&dynamics).unwrap();
        let from_marketo = kind.from_marketo(&marketo).unwrap();
        assert_eq!(
            from_dynamics, from_marketo,
            "{dynamics} (Dynamics) and {marketo} (Marketo) are one value"
        );
    }

    #[rstest]
    #[case::text(FieldKind::Text { max_length: None }, Value::Text("Ada".into()))]
    #[case::integer(FieldKind::Integer, Value::Int(-3))]
    #[case::money(FieldKind::Decimal, dec("1234.56"))]
    #[case::whole_money(FieldKind::Decimal, dec("1500000"))]
    #[case::boolean(FieldKind::Boolean, Value::Bool(false))]
    #[case::instant(FieldKind::DateTime, Value::DateTime("2024-03-01T09:30:00Z".parse().unwrap()))]
    #[case::date(FieldKind::DateOnly, Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()))]
    #[case::option(lead_source(), Value::Choice(1))]
    #[case::lookup(FieldKind::Lookup { targets: vec![] }, Value::Ref(Uuid::from_u128(42)))]
    #[case::null(FieldKind::DateTime, Value::Null)]
    fn a_value_survives_the_round_trip_through_each_api(
        #[case] kind: FieldKind,
        #[case] value: Value,
    ) {
        assert_eq!(
            kind.from_dynamics(&kind.to_dynamics(&value)).unwrap(),
            value,
            "through Dynamics"
        );
        assert_eq!(
            kind.from_marketo(&kind.to_marketo(&value)).unwrap(),
            value,
            "through Marketo"
        );
    }

    #[test]
    fn option_sets_travel_as_labels_to_marketo_and_codes_to_dynamics() {
        assert_eq!(lead_source().to_marketo(&Value::Choice(8)), json!("Web"));
        assert_eq!(lead_source().to_dynamics(&Value::Choice(8)), json!(8));
    }

    #[test]
    fn an_unknown_option_label_is_refused_with_the_allowed_ones() {
        let error = lead_source()
            .from_marketo(&json!("Trade show"))
            .unwrap_err();
        assert!(error.to_string().contains("Advertisement, Web"), "{error}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused() {
        assert!(
            FieldKind::Integer.from_dynamics(&json!("12")).is_err(),
            "Dataverse sends numbers as numbers"
        );
        assert!(FieldKind::Boolean.from_marketo(&json!("maybe")).is_err());
        assert!(
            FieldKind::DateTime
                .from_marketo(&json!("yesterday"))
                .is_err()
        );
    }

    #[test]
    fn stored_values_read_back_identically() {
        for value in [
            Value::Null,
            Value::Text("x".into()),
            dec("0.1"),
            Value::Choice(3),
            Value::Ref(Uuid::from_u128(7)),
        ] {
            let stored = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), value);
        }
    }
}

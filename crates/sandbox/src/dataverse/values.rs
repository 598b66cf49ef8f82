//! Column values between JSON and the store: what a write may send for each column type, and how a
//! row is rendered (`@odata.etag`, lookups as `_x_value`, annotations on request, secured columns
//! as null for a caller without read access).

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::errors::{ApiError, ApiResult};
use super::filter::Val;
use super::schema::{Column, Entity, K, Schema};
use super::store::{Cell, Row, Store};

/// Converts a JSON value sent for a column. Lookups are written through `@odata.bind` only.
pub(crate) fn cell_from_json(
    entity: &Entity,
    column: &Column,
    value: &Value,
) -> ApiResult<Option<Cell>> {
    if value.is_null() {
        return Ok(None);
    }
    let wrong = || {
        ApiError::bad_body(format!(
            "Cannot convert the literal '{value}' to the expected type '{}'.",
            column.kind.edm()
        ))
    };
    let cell = match column.kind {
        K::Text(_) | K::Memo(_) => Cell::text(value.as_str().ok_or_else(wrong)?),
        K::Integer => {
            let i = value.as_i64().ok_or_else(wrong)?;
            i32::try_from(i).map_err(|_| wrong())?;
            Cell::Int(i)
        }
        K::BigInt => Cell::Int(value.as_i64().ok_or_else(wrong)?),
        K::Money => Cell::Num(value.as_f64().ok_or_else(wrong)?),
        K::Boolean => Cell::Bool(value.as_bool().ok_or_else(wrong)?),
        K::DateTime => Cell::Time(parse_time(value.as_str().ok_or_else(wrong)?).ok_or_else(wrong)?),
        K::Picklist | K::State | K::Status => {
            let v = value.as_i64().ok_or_else(wrong)?;
            if column.label(v).is_none() {
                let accepted: Vec<String> = column
                    .options
                    .iter()
                    .map(|(v, _, _)| v.to_string())
                    .collect();
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "0x8004431a",
                    format!(
                        "A validation error occurred. The value {v} of '{}' on record of type '{}' is outside the valid range. Accepted Values: {}",
                        column.name,
                        entity.logical,
                        accepted.join(",")
                    ),
                ));
            }
            Cell::Int(v)
        }
        K::Guid => Cell::Guid(
            value
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(wrong)?,
        ),
        K::Lookup | K::Customer | K::Owner => {
            return Err(ApiError::bad_body(
                "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.",
            ));
        }
    };
    Ok(Some(cell))
}

/// A date-time as the Web API accepts it: RFC 3339, or a date alone (midnight UTC).
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
}

pub(crate) fn format_time(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A cell as JSON (lookups give their GUID: the `_x_value` form).
pub(crate) fn cell_to_json(cell: &Cell) -> Value {
    match cell {
        Cell::Short { .. } | Cell::Text(_) => {
            Value::String(cell.as_text().unwrap_or_default().to_owned())
        }
        Cell::Int(i) => Value::from(*i),
        Cell::Num(n) => Value::from(*n),
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Guid(g) | Cell::Ref(g, _) => Value::String(g.to_string()),
        Cell::Time(t) => Value::String(format_time(*t)),
    }
}

/// A cell as a filter operand.
pub(crate) fn cell_val(cell: Option<&Cell>) -> Val<'_> {
    match cell {
        None => Val::Null,
        Some(text @ (Cell::Short { .. } | Cell::Text(_))) => Val::Str(std::borrow::Cow::Borrowed(
            text.as_text().unwrap_or_default(),
        )),
        Some(Cell::Int(i)) => Val::Int(*i),
        Some(Cell::Num(n)) => Val::Num(*n),
        Some(Cell::Bool(b)) => Val::Bool(*b),
        Some(Cell::Guid(g) | Cell::Ref(g, _)) => Val::Guid(*g),
        Some(Cell::Time(t)) => Val::Time(*t),
    }
}

/// Finds the column a row property (`firstname`, `_parentcustomerid_value`) names.
pub(crate) fn column_of_property<'e>(
    entity: &'e Entity,
    property: &str,
) -> Option<(usize, &'e Column)> {
    if let Some(inner) = property
        .strip_prefix('_')
        .and_then(|p| p.strip_suffix("_value"))
    {
        return entity.column(inner).filter(|(_, c)| c.kind.is_lookup());
    }
    entity.column(property).filter(|(_, c)| !c.kind.is_lookup())
}

/// Which annotations `Prefer: odata.include-annotations` asked for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Annotations {
    pub(crate) formatted: bool,
    pub(crate) lookups: bool,
}

impl Annotations {
    pub(crate) fn parse(preference: Option<&str>) -> Annotations {
        let Some(value) = preference else {
            return Annotations::default();
        };
        let wants = |name: &str| {
            value
                .split(',')
                .map(|p| p.trim().trim_matches('"'))
                .any(|p| {
                    p == "*"
                        || p == name
                        || p.strip_suffix('*')
                            .is_some_and(|prefix| name.starts_with(prefix))
                })
        };
        Annotations {
            formatted: wants("OData.Community.Display.V1.FormattedValue"),
            lookups: wants("Microsoft.Dynamics.CRM.lookuplogicalname"),
        }
    }
}

/// How rows are rendered for one request.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// Selected columns, in `$select` order; every live column when there is no `$select`.
    pub(crate) columns: Vec<usize>,
    pub(crate) annotations: Annotations,
    /// Field security applies (the caller is the sync user, not a person acting in the UI).
    pub(crate) secured: bool,
}

impl View {
    pub(crate) fn all(entity: &Entity, annotations: Annotations, secured: bool) -> View {
        View {
            columns: entity
                .live_columns()
                .filter(|(_, c)| !c.primary_id)
                .map(|(i, _)| i)
                .collect(),
            annotations,
            secured,
        }
    }
}

pub(crate) fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// Writes one row as a JSON object.
pub(crate) fn write_row(
    out: &mut Vec<u8>,
    schema: &Schema,
    store: &Store,
    entity: &Entity,
    row: &Row,
    view: &View,
) {
    let _ = write!(out, "{{\"@odata.etag\":\"W/\\\"{}\\\"\"", row.version);
    for &i in &view.columns {
        let column = &entity.columns[i];
        if column.deleted {
            continue;
        }
        let hidden = view.secured && !column.readable_by_sync_user();
        let cell = if hidden { None } else { row.get(i) };
        let name = &column.property;
        if view.annotations.formatted
            && let Some(text) = cell.and_then(|c| formatted(schema, store, column, c))
        {
            out.push(b',');
            write_json_str(
                out,
                &format!("{name}@OData.Community.Display.V1.FormattedValue"),
            );
            out.push(b':');
            write_json_str(out, &text);
        }
        if view.annotations.lookups
            && let Some(Cell::Ref(_, target)) = cell
            && let Some(target) = schema.entities.get(usize::from(*target))
        {
            out.push(b',');
            write_json_str(
                out,
                &format!("{name}@Microsoft.Dynamics.CRM.associatednavigationproperty"),
            );
            out.push(b':');
            write_json_str(out, &column.navigation(&target.logical));
            out.push(b',');
            write_json_str(
                out,
                &format!("{name}@Microsoft.Dynamics.CRM.lookuplogicalname"),
            );
            out.push(b':');
            write_json_str(out, &target.logical);
        }
        out.extend_from_slice(&column.member);
        match cell {
            None => out.extend_from_slice(b"null"),
            Some(text @ (Cell::Short { .. } | Cell::Text(_))) => {
                write_json_str(out, text.as_text().unwrap_or_default());
            }
            Some(Cell::Int(n)) => {
                let _ = write!(out, "{n}");
            }
            Some(Cell::Guid(g) | Cell::Ref(g, _)) => write_guid(out, g),
            Some(other) => {
                let _ = serde_json::to_writer(&mut *out, &cell_to_json(other));
            }
        }
    }
    out.push(b',');
    write_json_str(out, &entity.primary_id);
    out.push(b':');
    write_guid(out, &row.id);
    out.push(b'}');
}

fn write_guid(out: &mut Vec<u8>, id: &Uuid) {
    let mut buffer = [0; uuid::fmt::Hyphenated::LENGTH];
    out.push(b'"');
    out.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
    out.push(b'"');
}

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A row as a JSON value (control API, `return=representation`).
pub(crate) fn row_json(
    schema: &Schema,
    store: &Store,
    entity: &Entity,
    row: &Row,
    view: &View,
) -> Value {
    let mut out = Vec::new();
    write_row(&mut out, schema, store, entity, row, view);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

/// The display text of a value (`OData.Community.Display.V1.FormattedValue`).
fn formatted(schema: &Schema, store: &Store, column: &Column, cell: &Cell) -> Option<String> {
    match (column.kind, cell) {
        (K::Picklist | K::State | K::Status, Cell::Int(v)) => column.label(*v).map(str::to_owned),
        (K::Boolean, Cell::Bool(b)) => column.label(i64::from(*b)).map(str::to_owned),
        (_, Cell::Ref(id, target)) => {
            let entity = schema.entities.get(usize::from(*target))?;
            let (name, _) = entity.column(&entity.primary_name)?;
            store
                .row(usize::from(*target), *id)?
                .get(name)?
                .as_text()
                .map(str::to_owned)
        }
        (K::Money, Cell::Num(n)) => Some(money(*n)),
        (K::Integer | K::BigInt, Cell::Int(n)) => Some(group_thousands(&n.to_string())),
        (K::DateTime, Cell::Time(t)) => DateTime::<Utc>::from_timestamp(*t, 0)
            .map(|d| d.format("%-m/%-d/%Y %-I:%M %p").to_string()),
        _ => None,
    }
}

fn money(n: f64) -> String {
    let cents = format!("{:.2}", n.abs());
    let (whole, fraction) = cents.split_once('.').unwrap_or((&cents, "00"));
    format!(
        "{}${}.{fraction}",
        if n < 0.0 { "-" } else { "" },
        group_thousands(whole)
    )
}

/// `1200000` → `1,200,000`, as Dataverse writes numbers for people.
pub(crate) fn group_thousands(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_formatted_with_currency_and_thousands() {
        assert_eq!(money(5_000_000.0), "$5,000,000.00");
        assert_eq!(money(-12.5), "-$12.50");
        assert_eq!(group_thousands("-1234"), "-1,234");
    }

    #[test]
    fn annotation_preferences_accept_wildcards_and_lists() {
        let all = Annotations::parse(
            Some("odata.include-annotations=\"*\"").map(|p| p.split_once('=').unwrap().1),
        );
        assert!(all.formatted && all.lookups);
        let some = Annotations::parse(Some("\"OData.Community.Display.V1.FormattedValue\""));
        assert!(some.formatted && !some.lookups);
        let crm = Annotations::parse(Some("\"Microsoft.Dynamics.CRM.*\""));
        assert!(!crm.formatted && crm.lookups);
    }
}

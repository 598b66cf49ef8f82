//! `RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account","contact"]` (API-FACTS A7): the
//! number of records per table, from a snapshot of the counts that is refreshed once it is more
//! than a day old by the sandbox clock, as the service's are ("taken within the last 24 h"), so a
//! client cannot take them for exact live counts.

use std::collections::HashMap;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::errors::{Answer, ApiError};
use super::{Ctx, Request};

/// Record counts by logical name, and when they were taken.
type Taken = (DateTime<Utc>, HashMap<String, u64>);

/// The last snapshot of the record counts.
#[derive(Debug, Default)]
pub(crate) struct Snapshot(Mutex<Option<Taken>>);

impl Snapshot {
    fn counts(&self, ctx: &Ctx<'_>, now: DateTime<Utc>) -> HashMap<String, u64> {
        let mut taken = self.0.lock();
        match &*taken {
            Some((at, counts)) if now - *at < Duration::hours(24) => counts.clone(),
            _ => {
                let state = ctx.state();
                let schema = state.schema.read();
                let store = state.store.read();
                let counts: HashMap<String, u64> = schema
                    .entities
                    .iter()
                    .zip(&store.tables)
                    .map(|(e, t)| (e.logical.clone(), t.rows.len() as u64))
                    .collect();
                *taken = Some((now, counts.clone()));
                counts
            }
        }
    }
}

/// The `EntityNames` argument: a parameter alias (`@p1`) resolved from the query, or a literal.
fn entity_names(path: &str, request: &Request<'_>) -> Result<Vec<String>, ApiError> {
    let argument = path
        .strip_prefix("RetrieveTotalRecordCount(")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|args| args.trim().strip_prefix("EntityNames="))
        .ok_or_else(|| {
            ApiError::bad_query(
                "RetrieveTotalRecordCount takes one parameter: EntityNames, e.g. RetrieveTotalRecordCount(EntityNames=@p1)?@p1=[\"account\"].",
            )
        })?;
    let literal = match argument.strip_prefix('@') {
        Some(_) => request.param(argument).ok_or_else(|| {
            ApiError::bad_query(format!(
                "The parameter alias '{argument}' has no value in the query."
            ))
        })?,
        None => argument,
    };
    serde_json::from_str::<Vec<String>>(literal).map_err(|_| {
        ApiError::bad_query(format!(
            "The value '{literal}' of 'EntityNames' is not a collection of strings, e.g. [\"account\",\"contact\"]."
        ))
    })
}

/// Answers `RetrieveTotalRecordCount` for the tables named, in the order named.
pub(crate) fn retrieve(
    ctx: &Ctx<'_>,
    path: &str,
    request: &Request<'_>,
) -> Result<Answer, ApiError> {
    let names = entity_names(path, request)?;
    let counts = ctx.state().record_counts.counts(ctx, ctx.world.clock.now());
    let values = names
        .iter()
        .map(|name| {
            counts.get(name).copied().ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "0x80040217",
                    format!("The entity with a name = '{name}' with namemapping = 'Logical' was not found in the MetadataCache."),
                )
            })
        })
        .collect::<Result<Vec<u64>, ApiError>>()?;
    Ok(Answer::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse", ctx.base),
            "EntityRecordCountCollection": {
                "Count": names.len(),
                "IsReadOnly": false,
                "Keys": names,
                "Values": values.into_iter().map(Value::from).collect::<Vec<_>>(),
            },
        }),
    ))
}

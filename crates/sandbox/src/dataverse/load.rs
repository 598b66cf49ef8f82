//! Loading rows straight into the org, for the data generator and benchmarks.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::ApiError;
use super::store::{Cell, Row};
use super::values::cell_from_json;
use super::write::{Mode, apply, stamp};
use super::{Ctx, connections};
use crate::world::World;

/// Why rows could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("the org has no entity set '{0}'")]
    UnknownEntitySet(String),
    #[error("row {row}: {message}")]
    Row { row: usize, message: String },
}

/// Loads rows straight into a table, for the data generator and benchmarks: the same column
/// checks as the Web API, but no validation rules, no field security and no API limits, and one
/// lock for the whole load. Each row is a JSON object keyed like a Web API body (lookups as
/// `<navigation>@odata.bind`); unlike the API it may also set `createdon` and `modifiedon`, to
/// make history. Rows are created by `creator`, a systemuserid (the first named person when
/// `None`). Answers the new ids in row order.
pub(crate) fn insert_rows(
    world: &World,
    creator: Option<Uuid>,
    entity_set: &str,
    rows: impl IntoIterator<Item = Map<String, Value>>,
) -> Result<Vec<Uuid>, InsertError> {
    let state = &world.dataverse;
    let ctx = Ctx {
        world,
        caller: creator.unwrap_or(state.directory.people[0].systemuserid),
        secured: false,
        base: format!("{}/api/data/v9.2/", world.info.dataverse.org_url),
    };
    let ctx = &ctx;
    let schema = state.schema.read();
    let mut store = state.store.write();
    let (entity, e) = schema
        .by_set(entity_set)
        .ok_or_else(|| InsertError::UnknownEntitySet(entity_set.to_owned()))?;
    let history: Vec<(usize, &str)> = ["createdon", "modifiedon"]
        .into_iter()
        .filter_map(|n| e.column(n).map(|(i, _)| (i, n)))
        .collect();
    let mut ids = Vec::new();
    for (n, mut body) in rows.into_iter().enumerate() {
        let failed = |e: ApiError| InsertError::Row {
            row: n,
            message: e.message,
        };
        let id = match body.remove(&e.primary_id) {
            Some(Value::String(s)) => Uuid::parse_str(&s).map_err(|_| InsertError::Row {
                row: n,
                message: format!("'{s}' is not a GUID"),
            })?,
            _ => Uuid::new_v4(),
        };
        let given: Vec<(usize, Option<Cell>)> = history
            .iter()
            .filter_map(|(i, name)| body.remove(*name).map(|v| (*i, v)))
            .map(|(i, v)| {
                cell_from_json(e, &e.columns[i], &v)
                    .map(|c| (i, c))
                    .map_err(failed)
            })
            .collect::<Result<_, _>>()?;
        let mut row = Row {
            id,
            version: 0,
            cells: Vec::new(),
        };
        apply(ctx, &schema, &store, entity, &mut row, &body, Mode::Create).map_err(failed)?;
        stamp(ctx, &schema, entity, &mut row, Mode::Create).map_err(failed)?;
        for (i, cell) in given {
            row.set(i, cell);
        }
        let reciprocal = connections::complete(&schema, &store, entity, &mut row, Mode::Create)
            .map_err(failed)?;
        connections::put(&mut store, entity, row, reciprocal);
        ids.push(id);
    }
    Ok(ids)
}

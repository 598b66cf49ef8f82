//! Writes: create (`POST`), update and upsert (`PATCH` with `If-Match` / `If-None-Match`), delete,
//! and reading one record with its ETag (webapi/create-entity-web-api.md,
//! update-delete-entities-using-web-api.md, perform-conditional-operations-using-web-api.md).
//!
//! Every write is checked against the table (unknown properties, types, choices, lengths, lookups
//! through `@odata.bind` only), against field security for the sync user (403), and against the
//! org's validation rules, which the control API configures per table: required columns, shorter
//! maximum lengths (`0x80044331`), plug-in style rejections (400 `0x80040265` with the plug-in's
//! message) and duplicate detection on request (`MSCRM.SuppressDuplicateDetection: false`, 500
//! `0x80040333`). `modifiedby` is the caller, so echo suppression can work on real data.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::{Answer, ApiError, ApiResult};
use super::filter::Expr;
use super::query::{bind_filter, context, matches, select};
use super::schema::{Entity, Schema};
use super::store::{Cell, Row, Store};
use super::values::{self, Annotations, View, cell_from_json, etag};
use super::{Ctx, Request};

/// A table's validation rules, as `PUT /_sandbox/dynamics/rules/{entity}` sets them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Rules {
    /// Columns that must have a value after every write.
    pub(crate) required: Vec<String>,
    /// Maximum lengths shorter than the column's own.
    pub(crate) max_lengths: BTreeMap<String, u32>,
    /// Plug-in style rejections: when the `$filter`-syntax condition holds for the record being
    /// written, the write fails with the message.
    pub(crate) rejections: Vec<Rejection>,
    /// Columns whose values together identify a duplicate when detection is requested.
    pub(crate) duplicate_detection: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rejection {
    pub(crate) when: String,
    pub(crate) message: String,
}

impl Rules {
    /// Checks the rules against the table, so a bad rule is refused when it is set.
    pub(crate) fn check(&self, schema: &Schema, entity: &Entity) -> Result<(), String> {
        let column = |name: &String| {
            entity
                .column(name)
                .map(|_| ())
                .ok_or_else(|| format!("{} has no column '{name}'", entity.logical))
        };
        self.required.iter().try_for_each(column)?;
        self.max_lengths.keys().try_for_each(column)?;
        self.duplicate_detection.iter().try_for_each(column)?;
        for rejection in &self.rejections {
            bind_filter(schema, entity, &rejection.when, false).map_err(|e| {
                format!(
                    "the condition '{}' is not valid: {}",
                    rejection.when, e.message
                )
            })?;
        }
        Ok(())
    }
}

/// How a write reaches the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Update,
}

fn forbidden(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, code, message)
}

/// Applies a JSON body to a row (a fresh one for a create), checking every property.
fn apply(
    ctx: &Ctx<'_>,
    schema: &Schema,
    store: &Store,
    entity: usize,
    row: &mut Row,
    body: &Map<String, Value>,
    mode: Mode,
) -> ApiResult<()> {
    let e = &schema.entities[entity];
    for (key, value) in body {
        if let Some(nav) = key.strip_suffix("@odata.bind") {
            let (column, _, _) = e
                .navigation(nav)
                .or_else(|| e.live_columns().find(|(_, c)| c.kind.is_lookup() && c.name == nav).map(|(i, c)| (i, c, String::new())))
                .ok_or_else(|| ApiError::bad_body(format!("An undeclared property '{nav}' which only has property annotations in the payload but no property value was found in the payload.")))?;
            let target = bind_target(schema, store, e, column, nav, value)?;
            check_access(ctx, e, column, mode)?;
            row.set(column, Some(target));
            continue;
        }
        if key.starts_with('@') || key.contains('@') {
            continue;
        }
        let Some((i, column)) = values::column_of_property(e, key) else {
            if let Some(inner) = key.strip_prefix('_').and_then(|k| k.strip_suffix("_value"))
                && e.column(inner).is_some()
            {
                return Err(ApiError::bad_body(
                    "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.",
                ));
            }
            return Err(ApiError::bad_body(format!(
                "The property '{key}' does not exist on type 'Microsoft.Dynamics.CRM.{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                e.logical
            )));
        };
        if column.primary_id {
            let given = value.as_str().and_then(|s| Uuid::parse_str(s).ok());
            if given != Some(row.id) {
                return Err(ApiError::bad_body(format!(
                    "The value of '{key}' must be the key of the record being written."
                )));
            }
            continue;
        }
        let writable = match mode {
            Mode::Create => column.valid_for_create || column.name == "statecode",
            Mode::Update => column.valid_for_update,
        };
        if !writable {
            continue;
        }
        check_access(ctx, e, i, mode)?;
        let cell = cell_from_json(e, column, value)?;
        if let (Some(Cell::Text(text)), Some(max)) = (&cell, column.kind.max_length()) {
            check_length(e, &column.name, text, max)?;
        }
        row.set(i, cell);
    }
    Ok(())
}

fn check_length(entity: &Entity, column: &str, text: &str, max: u32) -> ApiResult<()> {
    if text.chars().count() > max as usize {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80044331",
            format!(
                "A validation error occurred.  The length of the '{column}' attribute of the '{}' entity exceeded the maximum allowed length of '{max}'.",
                entity.logical
            ),
        ));
    }
    Ok(())
}

/// Field security for the sync user: a secured column needs the profile's create or update right.
fn check_access(ctx: &Ctx<'_>, entity: &Entity, column: usize, mode: Mode) -> ApiResult<()> {
    let column = &entity.columns[column];
    if !ctx.secured || !column.secured {
        return Ok(());
    }
    match mode {
        Mode::Create if !column.sync_user.create => Err(forbidden(
            "0x8004F509",
            format!(
                "AttributePrivilegeCreateIsMissing: the user does not have create permissions to the {} attribute of the {} entity.",
                column.name, entity.logical
            ),
        )),
        Mode::Update if !column.sync_user.update => Err(forbidden(
            "0x8004F50A",
            format!(
                "AttributePermissionUpdateIsMissingDuringUpdate: the user does not have update permissions to the {} attribute of the {} entity.",
                column.name, entity.logical
            ),
        )),
        _ => Ok(()),
    }
}

/// Resolves an `@odata.bind` value (`/contacts(<id>)`, `contacts(<id>)` or an absolute URL) to a
/// lookup cell, checking the target table and that the record exists.
fn bind_target(
    schema: &Schema,
    store: &Store,
    entity: &Entity,
    column: usize,
    nav: &str,
    value: &Value,
) -> ApiResult<Cell> {
    let text = value.as_str().ok_or_else(|| {
        ApiError::bad_body(format!(
            "The value of '{nav}@odata.bind' must be an entity URI."
        ))
    })?;
    let reference = text
        .rsplit_once("/api/data/")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, r)| r))
        .unwrap_or(text)
        .trim_start_matches('/');
    let invalid = || {
        ApiError::bad_body(format!(
            "The URI '{text}' in '{nav}@odata.bind' is not a valid entity reference."
        ))
    };
    let (set, key) = reference.split_once('(').ok_or_else(invalid)?;
    let id = key
        .strip_suffix(')')
        .and_then(|k| Uuid::parse_str(k.split_once('=').map_or(k, |(_, v)| v)).ok())
        .ok_or_else(invalid)?;
    let (target, target_entity) = schema.by_set(set).ok_or_else(invalid)?;
    let col = &entity.columns[column];
    let allowed = col
        .targets
        .iter()
        .any(|t| *t == target_entity.logical && col.navigation(t) == nav);
    if !allowed {
        return Err(ApiError::bad_body(format!(
            "The navigation property '{nav}' cannot point to a '{}' record.",
            target_entity.logical
        )));
    }
    if store.row(target, id).is_none() {
        return Err(ApiError::not_found(&target_entity.logical, id));
    }
    Ok(Cell::Ref(id, u16::try_from(target).unwrap_or(0)))
}

/// Platform-maintained columns: audit, owner and state defaults, the full name.
fn stamp(
    ctx: &Ctx<'_>,
    schema: &Schema,
    entity: usize,
    row: &mut Row,
    mode: Mode,
) -> ApiResult<()> {
    let e = &schema.entities[entity];
    let now = Cell::time(ctx.world.clock.now());
    let users = schema
        .by_logical("systemuser")
        .map(|(i, _)| u16::try_from(i).unwrap_or(0))
        .unwrap_or(0);
    let caller = Cell::Ref(ctx.caller, users);
    let set = |row: &mut Row, name: &str, cell: Cell| {
        if let Some((i, _)) = e.column(name) {
            row.set(i, Some(cell));
        }
    };
    if mode == Mode::Create {
        set(row, "createdon", now.clone());
        set(row, "createdby", caller.clone());
        if let Some((owner, _)) = e.column("ownerid")
            && row.get(owner).is_none()
        {
            row.set(owner, Some(caller.clone()));
        }
    }
    set(row, "modifiedon", now);
    set(row, "modifiedby", caller);
    // A status reason decides the state it belongs to; a state alone takes its default reason.
    if let (Some((state_i, _)), Some((status_i, status))) =
        (e.column("statecode"), e.column("statuscode"))
    {
        let state = match row.get(state_i) {
            Some(Cell::Int(s)) => Some(*s),
            _ => None,
        };
        let reason = match row.get(status_i) {
            Some(Cell::Int(s)) => Some(*s),
            _ => None,
        };
        let state_of = |reason: i64| {
            status
                .options
                .iter()
                .find(|(v, _, _)| i64::from(*v) == reason)
                .map(|(_, _, s)| i64::from(*s))
        };
        match (state, reason) {
            (Some(state), Some(reason)) if state_of(reason) != Some(state) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "0x8004431a",
                    format!(
                        "{reason} is not a valid status code for state code {}State.{state} on {} with Id {}.",
                        e.schema_name, e.logical, row.id
                    ),
                ));
            }
            (None, Some(reason)) => row.set(state_i, state_of(reason).map(Cell::Int)),
            (state, None) => {
                let state = state.unwrap_or(0);
                row.set(state_i, Some(Cell::Int(state)));
                let default = status
                    .options
                    .iter()
                    .find(|(_, _, s)| i64::from(*s) == state)
                    .map(|(v, _, _)| i64::from(*v));
                row.set(status_i, default.map(Cell::Int));
            }
            _ => {}
        }
    }
    if let Some((full, _)) = e.column("fullname")
        && let (Some((first, _)), Some((last, _))) = (e.column("firstname"), e.column("lastname"))
    {
        let text = |i| match row.get(i) {
            Some(Cell::Text(t)) => t.to_string(),
            _ => String::new(),
        };
        let name = format!("{} {}", text(first), text(last)).trim().to_owned();
        row.set(full, (!name.is_empty()).then(|| Cell::Text(name.into())));
    }
    Ok(())
}

/// The org's rules for the written row.
fn validate(
    ctx: &Ctx<'_>,
    schema: &Schema,
    store: &Store,
    entity: usize,
    row: &Row,
    detect_duplicates: bool,
) -> ApiResult<()> {
    let e = &schema.entities[entity];
    let rules = ctx
        .state()
        .rules
        .read()
        .get(&e.logical)
        .cloned()
        .unwrap_or_default();
    for name in &rules.required {
        if let Some((i, _)) = e.column(name)
            && row.get(i).is_none()
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80040203",
                format!(
                    "A validation error occurred. The value of '{name}' on record of type '{}' is required.",
                    e.logical
                ),
            ));
        }
    }
    for (name, max) in &rules.max_lengths {
        if let Some((i, _)) = e.column(name)
            && let Some(Cell::Text(text)) = row.get(i)
        {
            check_length(e, name, text, *max)?;
        }
    }
    for rejection in &rules.rejections {
        let expr: Expr = bind_filter(schema, e, &rejection.when, false)?;
        if matches(schema, store, e, row, &expr) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80040265",
                rejection.message.clone(),
            ));
        }
    }
    if detect_duplicates && !rules.duplicate_detection.is_empty() {
        let columns: Vec<usize> = rules
            .duplicate_detection
            .iter()
            .filter_map(|n| e.column(n).map(|(i, _)| i))
            .collect();
        let key = |r: &Row| -> Option<Vec<String>> {
            columns
                .iter()
                .map(|&i| {
                    r.get(i)
                        .map(|c| values::cell_to_json(c).to_string().to_lowercase())
                })
                .collect()
        };
        if let Some(mine) = key(row) {
            let state = e.column("statecode").map(|(i, _)| i);
            let duplicate = store.tables[entity].rows.values().any(|other| {
                other.id != row.id
                    && state.is_none_or(|s| matches!(other.get(s), Some(Cell::Int(0)) | None))
                    && key(other).as_ref() == Some(&mine)
            });
            if duplicate {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "0x80040333",
                    "A record was not created or updated because a duplicate of the current record already exists.",
                ));
            }
        }
    }
    Ok(())
}

fn detect_duplicates(request: Option<&Request<'_>>) -> bool {
    request
        .and_then(|r| r.header("mscrm.suppressduplicatedetection"))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
}

/// Creates a record and returns its id.
pub(crate) fn create(
    ctx: &Ctx<'_>,
    entity: usize,
    body: &Map<String, Value>,
    id: Option<Uuid>,
    request: Option<&Request<'_>>,
) -> ApiResult<Uuid> {
    let state = ctx.state();
    let schema = state.schema.read();
    let mut store = state.store.write();
    let e = &schema.entities[entity];
    let id = match id {
        Some(id) => id,
        None => match body.get(&e.primary_id).and_then(Value::as_str) {
            Some(given) => Uuid::parse_str(given).map_err(|_| {
                ApiError::bad_body(format!(
                    "Cannot convert the literal '{given}' to the expected type 'Edm.Guid'."
                ))
            })?,
            None => Uuid::new_v4(),
        },
    };
    if store.row(entity, id).is_some() {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "0x80040237",
            "A record with matching key values already exists.",
        ));
    }
    let mut row = Row {
        id,
        version: 0,
        cells: Vec::new(),
    };
    apply(ctx, &schema, &store, entity, &mut row, body, Mode::Create)?;
    stamp(ctx, &schema, entity, &mut row, Mode::Create)?;
    validate(
        ctx,
        &schema,
        &store,
        entity,
        &row,
        detect_duplicates(request),
    )?;
    store.put(entity, row);
    Ok(id)
}

/// Updates an existing record.
pub(crate) fn update(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    body: &Map<String, Value>,
    request: Option<&Request<'_>>,
) -> ApiResult<()> {
    let state = ctx.state();
    let schema = state.schema.read();
    let mut store = state.store.write();
    let e = &schema.entities[entity];
    let mut row = store
        .row(entity, id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&e.logical, id))?;
    apply(ctx, &schema, &store, entity, &mut row, body, Mode::Update)?;
    stamp(ctx, &schema, entity, &mut row, Mode::Update)?;
    validate(
        ctx,
        &schema,
        &store,
        entity,
        &row,
        detect_duplicates(request),
    )?;
    store.put(entity, row);
    Ok(())
}

/// Sets cells directly (actions: state changes, merge bookkeeping), stamping the caller.
pub(crate) fn set_cells(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    cells: &[(&str, Option<Cell>)],
) -> ApiResult<()> {
    let state = ctx.state();
    let schema = state.schema.read();
    let mut store = state.store.write();
    let e = &schema.entities[entity];
    let mut row = store
        .row(entity, id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&e.logical, id))?;
    for (name, cell) in cells {
        if let Some((i, _)) = e.column(name) {
            row.set(i, cell.clone());
        }
    }
    stamp(ctx, &schema, entity, &mut row, Mode::Update)?;
    store.put(entity, row);
    Ok(())
}

pub(crate) fn remove(ctx: &Ctx<'_>, entity: usize, id: Uuid) -> ApiResult<()> {
    let state = ctx.state();
    let schema = state.schema.read();
    let mut store = state.store.write();
    store
        .delete(entity, id)
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(&schema.entities[entity].logical, id))
}

fn entity_url(ctx: &Ctx<'_>, entity: usize, id: Uuid) -> String {
    let schema = ctx.state().schema.read();
    format!("{}{}({id})", ctx.base, schema.entities[entity].set)
}

/// The record as `return=representation` gives it (`$select` on the request URL applies).
fn representation(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    request: &Request<'_>,
    status: StatusCode,
) -> ApiResult<Answer> {
    let state = ctx.state();
    let schema = state.schema.read();
    let store = state.store.read();
    let e = &schema.entities[entity];
    let prefer = request.prefer();
    let view = select(
        e,
        request.param("$select"),
        Annotations::parse(prefer.annotations.as_deref()),
        ctx.secured,
    )?;
    let row = store
        .row(entity, id)
        .ok_or_else(|| ApiError::not_found(&e.logical, id))?;
    let mut body = values::row_json(&schema, &store, e, row, &view);
    if let Value::Object(map) = &mut body {
        let mut with_context = Map::new();
        with_context.insert(
            "@odata.context".into(),
            Value::String(format!(
                "{}/$entity",
                context(&ctx.base, e, request.param("$select"))
            )),
        );
        with_context.extend(std::mem::take(map));
        *map = with_context;
    }
    Ok(Answer::json(status, &body)
        .header("Preference-Applied", "return=representation")
        .header("ETag", etag(row.version)))
}

pub(crate) fn post(ctx: &Ctx<'_>, entity: usize, request: &Request<'_>) -> ApiResult<Answer> {
    let body = request.json_body()?;
    let id = create(ctx, entity, &body, None, Some(request))?;
    if request.prefer().return_representation {
        return representation(ctx, entity, id, request, StatusCode::CREATED);
    }
    let url = entity_url(ctx, entity, id);
    Ok(Answer::empty(StatusCode::NO_CONTENT)
        .header("Location", url.clone())
        .header("OData-EntityId", url))
}

/// `If-Match: *` only updates, `If-Match: W/"n"` only updates that version, `If-None-Match: *`
/// only creates; without either, PATCH upserts.
pub(crate) fn patch(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    request: &Request<'_>,
) -> ApiResult<Answer> {
    let body = request.json_body()?;
    let (exists, version, logical) = {
        let state = ctx.state();
        let schema = state.schema.read();
        let store = state.store.read();
        let row = store.row(entity, id);
        (
            row.is_some(),
            row.map(|r| r.version),
            schema.entities[entity].logical.clone(),
        )
    };
    let if_match = request.header("if-match").map(str::trim);
    let if_none_match = request.header("if-none-match").map(str::trim);
    match if_match {
        Some("*") if !exists => return Err(ApiError::not_found(&logical, id)),
        Some(tag) if tag != "*" => {
            let Some(version) = version else {
                return Err(ApiError::not_found(&logical, id));
            };
            if !etag_matches(tag, version) {
                return Err(version_mismatch());
            }
        }
        _ => {}
    }
    if if_none_match == Some("*") && exists {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "0x80040237",
            "A record with matching key values already exists.",
        ));
    }
    let created = !exists;
    if exists {
        update(ctx, entity, id, &body, Some(request))?;
    } else {
        create(ctx, entity, &body, Some(id), Some(request))?;
    }
    if request.prefer().return_representation {
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return representation(ctx, entity, id, request, status);
    }
    Ok(Answer::empty(StatusCode::NO_CONTENT).header("OData-EntityId", entity_url(ctx, entity, id)))
}

fn etag_matches(tag: &str, version: u64) -> bool {
    tag.split(',')
        .any(|t| t.trim() == etag(version) || t.trim() == format!("\"{version}\""))
}

fn version_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    request: &Request<'_>,
) -> ApiResult<Answer> {
    if let Some(tag) = request.header("if-match").map(str::trim)
        && tag != "*"
    {
        let state = ctx.state();
        let version = state.store.read().row(entity, id).map(|r| r.version);
        match version {
            None => {
                return Err(ApiError::not_found(
                    &state.schema.read().entities[entity].logical,
                    id,
                ));
            }
            Some(v) if !etag_matches(tag, v) => return Err(version_mismatch()),
            Some(_) => {}
        }
    }
    remove(ctx, entity, id)?;
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

/// One record, with its `ETag`; `If-None-Match` with the current ETag gives 304 when no
/// annotations are asked for (perform-conditional-operations-using-web-api.md).
pub(crate) fn get_one(
    ctx: &Ctx<'_>,
    entity: usize,
    id: Uuid,
    request: &Request<'_>,
) -> ApiResult<Answer> {
    let state = ctx.state();
    let version = {
        let schema = state.schema.read();
        let store = state.store.read();
        store
            .row(entity, id)
            .map(|r| r.version)
            .ok_or_else(|| ApiError::not_found(&schema.entities[entity].logical, id))?
    };
    if let Some(tag) = request.header("if-none-match")
        && tag.trim() != "null"
        && etag_matches(tag, version)
        && request.prefer().annotations.is_none()
    {
        return Ok(Answer::empty(StatusCode::NOT_MODIFIED)
            .header("Content-Type", "application/json; odata.metadata=minimal"));
    }
    let mut answer = representation(ctx, entity, id, request, StatusCode::OK)?;
    answer
        .headers
        .retain(|(name, _)| name != "Preference-Applied");
    Ok(answer)
}

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
/// `<navigation>@odata.bind`); unlike the API it may also set `createdon`, `modifiedon` and
/// `statecode`/`statuscode`, to make history. Rows are created by `creator`.
pub(crate) fn insert_rows(
    ctx: &Ctx<'_>,
    entity_set: &str,
    rows: impl IntoIterator<Item = Map<String, Value>>,
) -> Result<Vec<Uuid>, InsertError> {
    let state = ctx.state();
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
        store.put(entity, row);
        ids.push(id);
    }
    Ok(ids)
}

/// The row as the control API shows it: every column, no field security.
pub(crate) fn record_json(ctx: &Ctx<'_>, entity: usize, id: Uuid) -> Option<Value> {
    let state = ctx.state();
    let schema = state.schema.read();
    let store = state.store.read();
    let e = &schema.entities[entity];
    let row = store.row(entity, id)?;
    Some(values::row_json(
        &schema,
        &store,
        e,
        row,
        &View::all(
            e,
            Annotations {
                formatted: true,
                lookups: true,
            },
            false,
        ),
    ))
}

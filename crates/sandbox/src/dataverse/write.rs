//! Writes: create (`POST`), update and upsert (`PATCH` with `If-Match` / `If-None-Match`), delete,
//! and reading one record with its ETag (webapi/create-entity-web-api.md,
//! update-delete-entities-using-web-api.md, perform-conditional-operations-using-web-api.md).
//!
//! Every write is checked against the table (unknown properties, types, choices, lengths, lookups
//! through `@odata.bind` only), against field security for the sync user (403), and against the
//! org's validation rules (`validation.rs`). `modifiedby` is the caller, so echo suppression can
//! work on real data.

use axum::http::StatusCode;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::connections;
use super::errors::{Answer, ApiError, ApiResult};
use super::query::{context, select};
use super::schema::{Entity, Schema};
use super::store::{Cell, Row, Store};
use super::validation::{check_length, detect_duplicates, validate};
use super::values::{self, Annotations, View, cell_from_json, etag};
use super::{Ctx, Request};

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
pub(crate) fn apply(
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
                .ok_or_else(|| ApiError::bad_body(format!("An undeclared property '{nav}' which only has property annotations in the payload but no property value was found in the payload.")))?;
            // A lookup the platform maintains is not the caller's to set: ignored, like its
            // other columns.
            let writable = match mode {
                Mode::Create => e.columns[column].valid_for_create,
                Mode::Update => e.columns[column].valid_for_update,
            };
            if !writable {
                continue;
            }
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
        if let (Some(text), Some(max)) = (
            cell.as_ref().and_then(Cell::as_text),
            column.kind.max_length(),
        ) {
            check_length(e, &column.name, text, max)?;
        }
        row.set(i, cell);
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
pub(crate) fn stamp(
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
        let text = |i| {
            row.get(i)
                .and_then(Cell::as_text)
                .unwrap_or_default()
                .to_owned()
        };
        let name = format!("{} {}", text(first), text(last)).trim().to_owned();
        row.set(full, (!name.is_empty()).then(|| Cell::text(&name)));
    }
    Ok(())
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
    let row = Row {
        id,
        version: 0,
        cells: Vec::new(),
    };
    write(
        ctx,
        &schema,
        &mut store,
        entity,
        row,
        body,
        Mode::Create,
        request,
    )?;
    Ok(id)
}

/// Applies a body to a row, stamps it, checks the org's rules and stores it.
#[expect(
    clippy::too_many_arguments,
    reason = "the locked schema and store travel with the write"
)]
fn write(
    ctx: &Ctx<'_>,
    schema: &Schema,
    store: &mut Store,
    entity: usize,
    mut row: Row,
    body: &Map<String, Value>,
    mode: Mode,
    request: Option<&Request<'_>>,
) -> ApiResult<()> {
    apply(ctx, schema, store, entity, &mut row, body, mode)?;
    stamp(ctx, schema, entity, &mut row, mode)?;
    let reciprocal = connections::complete(schema, store, entity, &mut row, mode)?;
    validate(ctx, schema, store, entity, &row, detect_duplicates(request))?;
    connections::put(store, entity, row, reciprocal);
    Ok(())
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
    let row = store
        .row(entity, id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&e.logical, id))?;
    write(
        ctx,
        &schema,
        &mut store,
        entity,
        row,
        body,
        Mode::Update,
        request,
    )
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
    let reciprocal = connections::complete(&schema, &store, entity, &mut row, Mode::Update)?;
    connections::put(&mut store, entity, row, reciprocal);
    Ok(())
}

/// Deletes a record, and what goes with it (a connection's reciprocal, a record's connections).
pub(crate) fn remove(ctx: &Ctx<'_>, entity: usize, id: Uuid) -> ApiResult<()> {
    let state = ctx.state();
    let schema = state.schema.read();
    let mut store = state.store.write();
    let row = store
        .delete(entity, id)
        .ok_or_else(|| ApiError::not_found(&schema.entities[entity].logical, id))?;
    connections::after_delete(&schema, &mut store, entity, &row);
    Ok(())
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

//! The control API for the Dynamics side, under `/_sandbox/dynamics/`: act in the org as a named
//! person (not the sync user) and change the org the way an admin would. Every write goes through
//! the same code as the Web API, so change tracking, `modifiedby` and validation rules see it; none
//! of it counts against the API limits.

use std::sync::Arc;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::ApiError;
use super::schema::stable_id;
use super::validation::Rules;
use super::{Ctx, actions};
use super::{load, write};
use crate::control::{Control, ControlError};
use crate::world::World;

/// The routes, nested under `/_sandbox/dynamics`:
///
/// - `GET /people`: the named persons one can act as (`systemuserid`, `fullname`, `title`, `label`).
/// - `POST /{entity_set}` `{"as": "<systemuserid or name>", "fields": {...}}`: creates a record
///   as that person (created and modified by them; change tracking sees it); answers the record.
///   `fields` is keyed like a Web API body (lookups as `nav@odata.bind`).
/// - `PATCH /{entity_set}/{id}` `{"as", "fields"}`: updates a record; answers it.
/// - `DELETE /{entity_set}/{id}?as=<person>`: deletes a record.
/// - `POST /{entity_set}/bulk` `{"as", "rows": [{...}]}`: creates many records at once (no
///   validation rules, no limits); answers `{"ids": [...]}`.
/// - `POST /leads/{id}/qualify` `{"as", "createAccount", "createContact", "createOpportunity"}`:
///   qualifies a lead; answers `{"created": [{"entity", "id"}]}`.
/// - `POST /{entity_set}/merge` `{"as", "target": id, "subordinate": id}`: merges two accounts,
///   contacts or leads.
/// - `POST /refresh`: a sandbox refresh of the org: it gets a new organization id.
/// - `POST /columns/{entity}/{column}/delete`: removes a column from metadata and data.
/// - `PUT /columns/{entity}/{column}/security` `{"secured", "syncUserCanRead", "syncUserCanUpdate"}`:
///   field security of a column and what the sync user's profile grants on it.
/// - `GET|PUT /rules/{entity}`: the table's validation rules (`required`, `maxLengths`,
///   `rejections: [{"when": "<$filter condition>", "message"}]`, `duplicateDetection`).
pub(crate) fn control_routes() -> Router<Arc<World>> {
    Router::new()
        .route("/people", get(people))
        .route("/refresh", post(refresh))
        .route("/columns/{entity}/{column}/delete", post(delete_column))
        .route("/columns/{entity}/{column}/security", put(secure_column))
        .route("/rules/{entity}", get(rules).put(set_rules))
        .route("/leads/{id}/qualify", post(qualify))
        .route("/{entity_set}", post(create))
        .route("/{entity_set}/bulk", post(bulk))
        .route("/{entity_set}/merge", post(merge))
        .route(
            "/{entity_set}/{id}",
            axum::routing::patch(update).delete(delete),
        )
}

fn api(e: ApiError) -> ControlError {
    let status = if e.status == StatusCode::NOT_FOUND {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    ControlError(status, format!("{} ({})", e.message, e.code))
}

/// A context acting as the person named by `who`: a person's name or label, or any systemuserid.
fn acting<'w>(world: &'w World, who: Option<&str>) -> Result<Ctx<'w>, ControlError> {
    let state = &world.dataverse;
    let who = who.ok_or_else(|| {
        ControlError::bad_request("say who acts: \"as\": \"<systemuserid or person name>\"")
    })?;
    let caller = match state.directory.person(who) {
        Some(person) => person.systemuserid,
        None => {
            let id = Uuid::parse_str(who.trim()).ok();
            let schema = state.schema.read();
            let store = state.store.read();
            let users = schema
                .by_logical("systemuser")
                .map(|(i, _)| i)
                .unwrap_or_default();
            id.filter(|id| store.row(users, *id).is_some())
                .ok_or_else(|| {
                    let names: Vec<&str> = state
                        .directory
                        .people
                        .iter()
                        .map(|p| p.label.as_str())
                        .collect();
                    ControlError::bad_request(format!(
                        "no person or user '{who}'; people: {}",
                        names.join(", ")
                    ))
                })?
        }
    };
    Ok(Ctx {
        world,
        caller,
        secured: false,
        base: format!("{}/api/data/v9.2/", world.info.dataverse.org_url),
    })
}

fn entity_index(world: &World, set: &str) -> Result<usize, ControlError> {
    let schema = world.dataverse.schema.read();
    schema.by_set(set).map(|(i, _)| i).ok_or_else(|| {
        let sets: Vec<&str> = schema.entities.iter().map(|e| e.set.as_str()).collect();
        ControlError::not_found(format!(
            "no entity set '{set}'; the org has {}",
            sets.join(", ")
        ))
    })
}

fn record(ctx: &Ctx<'_>, entity: usize, id: Uuid) -> Control<Value> {
    write::record_json(ctx, entity, id)
        .map(Json)
        .ok_or_else(|| ControlError::not_found(format!("no record {id}")))
}

async fn people(AxumState(world): AxumState<Arc<World>>) -> Json<Value> {
    Json(json!(world.dataverse.directory.people))
}

#[derive(Debug, Deserialize)]
struct Act {
    #[serde(rename = "as")]
    who: Option<String>,
    #[serde(default)]
    fields: Map<String, Value>,
}

async fn create(
    AxumState(world): AxumState<Arc<World>>,
    Path(set): Path<String>,
    Json(act): Json<Act>,
) -> Control<Value> {
    let entity = entity_index(&world, &set)?;
    let ctx = acting(&world, act.who.as_deref())?;
    let id = write::create(&ctx, entity, &act.fields, None, None).map_err(api)?;
    record(&ctx, entity, id)
}

async fn update(
    AxumState(world): AxumState<Arc<World>>,
    Path((set, id)): Path<(String, Uuid)>,
    Json(act): Json<Act>,
) -> Control<Value> {
    let entity = entity_index(&world, &set)?;
    let ctx = acting(&world, act.who.as_deref())?;
    write::update(&ctx, entity, id, &act.fields, None).map_err(api)?;
    record(&ctx, entity, id)
}

#[derive(Debug, Deserialize)]
struct As {
    #[serde(rename = "as")]
    who: Option<String>,
}

async fn delete(
    AxumState(world): AxumState<Arc<World>>,
    Path((set, id)): Path<(String, Uuid)>,
    Query(who): Query<As>,
) -> Result<StatusCode, ControlError> {
    let entity = entity_index(&world, &set)?;
    let ctx = acting(&world, who.who.as_deref())?;
    write::remove(&ctx, entity, id).map_err(api)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct Bulk {
    #[serde(rename = "as")]
    who: Option<String>,
    rows: Vec<Map<String, Value>>,
}

async fn bulk(
    AxumState(world): AxumState<Arc<World>>,
    Path(set): Path<String>,
    Json(bulk): Json<Bulk>,
) -> Control<Value> {
    let ctx = acting(&world, bulk.who.as_deref())?;
    let ids =
        load::insert_rows(&world, Some(ctx.caller), &set, bulk.rows).map_err(|e| match e {
            load::InsertError::UnknownEntitySet(_) => ControlError::not_found(e.to_string()),
            load::InsertError::Row { .. } => ControlError::bad_request(e.to_string()),
        })?;
    Ok(Json(json!({ "ids": ids })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Qualify {
    #[serde(rename = "as")]
    who: Option<String>,
    #[serde(default)]
    create_account: bool,
    #[serde(default = "yes")]
    create_contact: bool,
    #[serde(default)]
    create_opportunity: bool,
}

fn yes() -> bool {
    true
}

async fn qualify(
    AxumState(world): AxumState<Arc<World>>,
    Path(id): Path<Uuid>,
    Json(q): Json<Qualify>,
) -> Control<Value> {
    let ctx = acting(&world, q.who.as_deref())?;
    let created = actions::qualify(
        &ctx,
        id,
        q.create_account,
        q.create_contact,
        q.create_opportunity,
        3,
    )
    .map_err(api)?;
    let created: Vec<Value> = created
        .into_iter()
        .map(|(entity, id)| json!({ "entity": entity, "id": id }))
        .collect();
    Ok(Json(json!({ "created": created })))
}

#[derive(Debug, Deserialize)]
struct Merge {
    #[serde(rename = "as")]
    who: Option<String>,
    target: Uuid,
    subordinate: Uuid,
}

async fn merge(
    AxumState(world): AxumState<Arc<World>>,
    Path(set): Path<String>,
    Json(m): Json<Merge>,
) -> Control<Value> {
    let entity = entity_index(&world, &set)?;
    let ctx = acting(&world, m.who.as_deref())?;
    let logical = world.dataverse.schema.read().entities[entity]
        .logical
        .clone();
    actions::merge_records(&ctx, &logical, m.target, m.subordinate, &Map::new()).map_err(api)?;
    record(&ctx, entity, m.target)
}

async fn refresh(AxumState(world): AxumState<Arc<World>>) -> Json<Value> {
    let mut org = world.dataverse.org.write();
    org.id = Uuid::new_v4();
    Json(json!({ "organizationId": org.id }))
}

fn column_of(
    schema: &super::schema::Schema,
    entity: &str,
    column: &str,
) -> Result<(usize, usize), ControlError> {
    let (e, table) = schema
        .by_logical(entity)
        .ok_or_else(|| ControlError::not_found(format!("no table '{entity}'")))?;
    let (c, _) = table
        .column(column)
        .ok_or_else(|| ControlError::not_found(format!("{entity} has no column '{column}'")))?;
    Ok((e, c))
}

async fn delete_column(
    AxumState(world): AxumState<Arc<World>>,
    Path((entity, column)): Path<(String, String)>,
) -> Result<StatusCode, ControlError> {
    let state = &world.dataverse;
    let mut schema = state.schema.write();
    let (e, c) = column_of(&schema, &entity, &column)?;
    let col = &schema.entities[e].columns[c];
    if col.primary_id || col.primary_name || !col.custom {
        return Err(ControlError::bad_request(format!(
            "{entity}.{column} is a system column and cannot be deleted"
        )));
    }
    schema.entities[e].columns[c].deleted = true;
    let mut store = state.store.write();
    for row in store.tables[e].rows.values_mut() {
        row.set(c, None);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Security {
    secured: bool,
    #[serde(default)]
    sync_user_can_read: bool,
    #[serde(default)]
    sync_user_can_update: bool,
}

async fn secure_column(
    AxumState(world): AxumState<Arc<World>>,
    Path((entity, column)): Path<(String, String)>,
    Json(security): Json<Security>,
) -> Control<Value> {
    let mut schema = world.dataverse.schema.write();
    let (e, c) = column_of(&schema, &entity, &column)?;
    let col = &mut schema.entities[e].columns[c];
    if col.primary_id {
        return Err(ControlError::bad_request(format!(
            "{entity}.{column} is the primary key and cannot be secured"
        )));
    }
    col.secured = security.secured;
    col.sync_user.read = security.sync_user_can_read;
    col.sync_user.create = security.sync_user_can_update;
    col.sync_user.update = security.sync_user_can_update;
    Ok(Json(json!({
        "entity": entity,
        "column": column,
        "secured": col.secured,
        "syncUserCanRead": col.sync_user.read,
        "syncUserCanUpdate": col.sync_user.update,
        "attributeId": stable_id(&[&entity, &column]),
    })))
}

async fn rules(AxumState(world): AxumState<Arc<World>>, Path(entity): Path<String>) -> Json<Rules> {
    Json(
        world
            .dataverse
            .rules
            .read()
            .get(&entity)
            .cloned()
            .unwrap_or_default(),
    )
}

async fn set_rules(
    AxumState(world): AxumState<Arc<World>>,
    Path(entity): Path<String>,
    Json(rules): Json<Rules>,
) -> Control<Rules> {
    {
        let schema = world.dataverse.schema.read();
        let (_, table) = schema
            .by_logical(&entity)
            .ok_or_else(|| ControlError::not_found(format!("no table '{entity}'")))?;
        rules
            .check(&schema, table)
            .map_err(ControlError::bad_request)?;
    }
    world.dataverse.rules.write().insert(entity, rules.clone());
    Ok(Json(rules))
}

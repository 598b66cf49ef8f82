//! The control API's Marketo operations, under `/_sandbox/marketo/`: a named person working in the
//! Marketo UI (not the API user) creates, edits, deletes and merges people, edits a company, makes
//! static lists; tests load people in bulk, exhaust the daily quota and revoke tokens.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{Actor, ApiError};
use super::schema::Source;
use super::{API_USER, leads, quota};
use crate::control::{Control, ControlError};
use crate::world::World;

/// A bulk load's largest body: big loads are what it is for.
const BULK_BODY_BYTES: usize = 256 << 20;

/// The routes nested under `/_sandbox/marketo`.
pub(crate) fn control_routes() -> Router<Arc<World>> {
    Router::new()
        .route("/leads", post(create_lead))
        .route(
            "/leads/bulk",
            post(bulk_leads).layer(DefaultBodyLimit::max(BULK_BODY_BYTES)),
        )
        .route("/leads/merge", post(merge_leads))
        .route("/leads/{id}", patch(update_lead).delete(delete_lead))
        .route("/companies/{external_company_id}", patch(edit_company))
        .route("/lists", post(create_list))
        .route("/lists/{id}/members", post(add_members))
        .route("/quota/exhaust", post(exhaust_quota))
        .route("/tokens/revoke", post(revoke_tokens))
}

/// A change made by a named person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AsPerson {
    #[serde(rename = "as")]
    person: String,
    fields: Map<String, Value>,
}

fn person(name: &str) -> Result<Actor, ControlError> {
    if name.trim().is_empty() {
        return Err(ControlError::bad_request(
            "\"as\" names the person making the change",
        ));
    }
    Ok(Actor::Person(name.to_owned()))
}

fn api_error(e: ApiError) -> ControlError {
    let status = if matches!(e.code, 1004 | 1013) {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    ControlError(status, e.message)
}

/// `POST /_sandbox/marketo/leads` `{"as", "fields"}`: a person created in the Marketo UI (New
/// Lead activity). Answers `{"id"}`.
async fn create_lead(
    State(world): State<Arc<World>>,
    Json(change): Json<AsPerson>,
) -> Control<Value> {
    let actor = person(&change.person)?;
    let mut db = world.marketo.db.write();
    let values = leads::coerce(&db.schema, &change.fields)
        .map_err(|(_, why)| ControlError::bad_request(why))?;
    let company_fields = values.iter().any(|(f, _)| {
        db.schema
            .by_id(*f)
            .is_some_and(|d| d.source == Source::Company)
    });
    let link = db.schema.get("externalCompanyId").map(|f| f.id);
    let linked = values
        .iter()
        .filter(|(f, _)| Some(*f) == link)
        .filter_map(|(_, v)| v.as_ref())
        .any(|v| {
            db.companies
                .find_by_key(&[&Value::String(v.as_ref().text())])
                .is_some()
        });
    if company_fields && linked {
        return Err(ControlError::bad_request(
            "a person linked to a company shows the company's values: edit the company instead",
        ));
    }
    let id = db.create_lead(values, &actor, world.clock.now());
    Ok(Json(json!({ "id": id })))
}

/// `PATCH /_sandbox/marketo/leads/{id}` `{"as", "fields"}`: Change Data Value activities with
/// source "Marketo UI". Company fields of a person linked to a company change the company for all
/// its people (SPEC R21).
async fn update_lead(
    State(world): State<Arc<World>>,
    Path(id): Path<i64>,
    Json(change): Json<AsPerson>,
) -> Control<Value> {
    let actor = person(&change.person)?;
    let now = world.clock.now();
    let mut db = world.marketo.db.write();
    let lead = db
        .leads
        .get(id)
        .ok_or_else(|| ControlError::not_found(format!("no lead {id}")))?
        .clone();
    let company_key = db
        .company_of(&lead.values)
        .and_then(|c| db.companies.value(c, "externalCompanyId"))
        .and_then(|v| v.as_str().map(str::to_owned));
    // A linked person's company fields are the company's; everything else is the person's own.
    let (company, own): (Map<String, Value>, Map<String, Value>) =
        change.fields.into_iter().partition(|(name, _)| {
            company_key.is_some()
                && db
                    .schema
                    .get(name)
                    .is_some_and(|f| f.source == Source::Company)
        });
    let values =
        leads::coerce(&db.schema, &own).map_err(|(_, why)| ControlError::bad_request(why))?;
    if let (Some(key), false) = (company_key, company.is_empty()) {
        db.edit_company(&key, &company, &actor, now)
            .map_err(ControlError::bad_request)?;
    }
    db.update_lead(id, &values, &actor, now);
    let lead = db.leads.get(id).expect("still there");
    Ok(Json(db.lead_all(id, lead)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Who {
    #[serde(rename = "as")]
    person: String,
}

/// `DELETE /_sandbox/marketo/leads/{id}` (optional body `{"as"}`): Delete Lead activity.
async fn delete_lead(
    State(world): State<Arc<World>>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let actor = if body.is_empty() {
        Actor::Person("Marketo user".to_owned())
    } else {
        let who: Who = serde_json::from_slice(&body)
            .map_err(|e| ControlError::bad_request(format!("body: {e}")))?;
        person(&who.person)?
    };
    let mut db = world.marketo.db.write();
    if db.delete_lead(id, &actor, world.clock.now()) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ControlError::not_found(format!("no lead {id}")))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Merge {
    #[serde(rename = "as")]
    person: String,
    winner: i64,
    losers: Vec<i64>,
}

/// `POST /_sandbox/marketo/leads/merge` `{"as", "winner", "losers"}`: merges as in the Marketo
/// UI (the same rules as Merge Leads).
async fn merge_leads(
    State(world): State<Arc<World>>,
    Json(merge): Json<Merge>,
) -> Result<StatusCode, ControlError> {
    let actor = person(&merge.person)?;
    world
        .marketo
        .db
        .write()
        .merge(merge.winner, &merge.losers, &actor, world.clock.now())
        .map_err(api_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bulk {
    rows: Vec<Map<String, Value>>,
}

/// `POST /_sandbox/marketo/leads/bulk` `{"rows": [...]}`: loads people with no limits (tests and
/// benchmarks). Answers `{"ids"}` in row order.
async fn bulk_leads(State(world): State<Arc<World>>, Json(bulk): Json<Bulk>) -> Control<Value> {
    let ids = world
        .marketo
        .insert_leads(bulk.rows, world.clock.now())
        .map_err(ControlError::bad_request)?;
    Ok(Json(json!({ "ids": ids })))
}

/// `PATCH /_sandbox/marketo/companies/{externalCompanyId}` `{"as", "fields"}`: a marketer edits an
/// account field in Marketo; every person of the company shows the change (SPEC R21).
async fn edit_company(
    State(world): State<Arc<World>>,
    Path(external_id): Path<String>,
    Json(change): Json<AsPerson>,
) -> Result<StatusCode, ControlError> {
    let actor = person(&change.person)?;
    let mut db = world.marketo.db.write();
    if db.companies.find_by_key(&[&json!(external_id)]).is_none() {
        return Err(ControlError::not_found(format!("no company {external_id}")));
    }
    db.edit_company(&external_id, &change.fields, &actor, world.clock.now())
        .map_err(ControlError::bad_request)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewList {
    name: String,
}

/// `POST /_sandbox/marketo/lists` `{"name"}`: a static list. Answers `{"id"}`.
async fn create_list(State(world): State<Arc<World>>, Json(list): Json<NewList>) -> Control<Value> {
    let id = world
        .marketo
        .db
        .write()
        .lists
        .create(&list.name, world.clock.now())
        .map_err(ControlError::bad_request)?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Members {
    lead_ids: Vec<i64>,
}

/// `POST /_sandbox/marketo/lists/{id}/members` `{"leadIds": [...]}`: adds people to a list.
async fn add_members(
    State(world): State<Arc<World>>,
    Path(id): Path<i64>,
    Json(members): Json<Members>,
) -> Result<StatusCode, ControlError> {
    let mut db = world.marketo.db.write();
    if let Some(missing) = members
        .lead_ids
        .iter()
        .find(|l| db.leads.get(**l).is_none())
    {
        return Err(ControlError::bad_request(format!("no lead {missing}")));
    }
    db.lists
        .add(id, &members.lead_ids, world.clock.now())
        .map_err(api_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_sandbox/marketo/quota/exhaust`: uses up today's quota; calls get 607 until the next
/// midnight US Central, which the answer gives as `{"resetsAt"}`.
async fn exhaust_quota(State(world): State<Arc<World>>) -> Json<Value> {
    let now = world.clock.now();
    let quota = world.limits.read().marketo.daily_quota;
    world.marketo.quota.exhaust(now, API_USER, quota);
    Json(json!({ "resetsAt": quota::next_reset(now) }))
}

/// `POST /_sandbox/marketo/tokens/revoke`: every issued token is invalid from now on (601).
async fn revoke_tokens(State(world): State<Arc<World>>) -> StatusCode {
    world.marketo.tokens.revoke_all();
    StatusCode::NO_CONTENT
}

//! The records of approved custom object types (`custom-objects.md`): list the types, describe,
//! query, sync and delete. A record whose link field names a lead that does not exist is skipped
//! with 1004 (the docs' sync example).

use serde_json::{Map, Value};

use super::api::{self, Answer, ApiError, Call, Ctx};
use super::custom_objects::{CoType, Version};
use super::objects::{self, SeenKeys};

/// `GET /rest/v1/customobjects.json[?names=]`: the approved types.
pub(crate) fn list(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let names = call.list("names");
    let db = ctx.state.db.read();
    let result = db
        .custom_objects
        .types
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.api_name.as_str()))
        .filter_map(|t| {
            let mut body = t.records.as_ref()?.kind.describe();
            body.as_object_mut()?.remove("fields");
            Some(body)
        })
        .collect();
    Ok(api::ok(result))
}

/// `GET /rest/v1/customobjects/{apiName}/describe.json`.
pub(crate) fn describe(ctx: &Ctx<'_>, _: &Call, captures: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    Ok(api::ok(vec![
        db.custom_objects.store(captures[0])?.kind.describe(),
    ]))
}

/// `GET /rest/v1/customobjects/{apiName}.json` (or `POST ...?_method=GET`).
pub(crate) fn query(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let max = ctx.world.limits.read().marketo.max_filter_values as usize;
    let db = ctx.state.db.read();
    db.custom_objects.store(captures[0])?.query(call, max)
}

/// Whether a record links to a lead (by id) that does not exist.
fn missing_lead(db: &super::Db, version: &Version, record: &Map<String, Value>) -> bool {
    CoType::links(version)
        .filter(|f| {
            f.related_to
                .as_ref()
                .is_some_and(|(name, field)| name == "lead" && field == "id")
        })
        .filter_map(|f| {
            record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&f.name))
                .map(|(_, v)| v)
        })
        .any(|v| {
            let id = v.as_i64().or_else(|| v.as_str()?.parse().ok());
            id.is_none_or(|id| db.leads.get(id).is_none())
        })
}

/// `POST /rest/v1/customobjects/{apiName}.json`.
pub(crate) fn sync(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let max = ctx.world.limits.read().marketo.max_batch_records as usize;
    let (action, by, input) = objects::sync_request(call, max)?;
    let mut db = ctx.state.db.write();
    let version = db
        .custom_objects
        .find(captures[0])?
        .approved
        .clone()
        .ok_or_else(|| {
            ApiError::not_found(format!("custom object '{}' is not approved", captures[0]))
        })?;
    let now = ctx.now.timestamp_millis();
    let mut seen = SeenKeys::default();
    let mut result = Vec::with_capacity(input.len());
    for (seq, item) in input.iter().enumerate() {
        let outcome = (|| {
            let record = item
                .as_object()
                .ok_or((1003, "Invalid data: a record is a JSON object".to_owned()))?;
            let store = db
                .custom_objects
                .store(captures[0])
                .map_err(|e| (e.code, e.message))?;
            seen.check(store, by, record)?;
            if missing_lead(&db, &version, record) {
                return Err((1004, "Lead not found".to_owned()));
            }
            let store = db
                .custom_objects
                .store_mut(captures[0])
                .map_err(|e| (e.code, e.message))?;
            let written = store.write(action, by, record, now)?;
            let record = store.record(written.index).expect("written");
            let (id_name, id) = store.id_json(record);
            Ok((
                id_name,
                id,
                if written.created {
                    "created"
                } else {
                    "updated"
                },
            ))
        })();
        result.push(objects::outcome(seq, outcome));
    }
    Ok(api::ok(result))
}

/// `POST /rest/v1/customobjects/{apiName}/delete.json`.
pub(crate) fn delete(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let max = ctx.world.limits.read().marketo.max_batch_records as usize;
    let (by, input) = objects::delete_request(call, max)?;
    let mut db = ctx.state.db.write();
    let store = db.custom_objects.store_mut(captures[0])?;
    let result = input
        .iter()
        .enumerate()
        .map(|(seq, item)| {
            let removed = item
                .as_object()
                .ok_or((1003, "Invalid data: a record is a JSON object".to_owned()))
                .and_then(|record| store.remove(by, record))
                .map(|record| {
                    let (id_name, id) = store.id_json(&record);
                    (id_name, id, "deleted")
                });
            objects::outcome(seq, removed)
        })
        .collect();
    Ok(api::ok(result))
}

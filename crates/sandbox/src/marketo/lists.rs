//! Static lists and their members (`list-membership.md`; list records as the Swagger's
//! `StaticList`). Lists are made by a marketer (control API); the REST API reads them and adds,
//! removes and checks members, at most 300 lead ids a call. The list-driven "Sync Person to
//! Microsoft" (SPEC R24–R27) reads a list's members.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::activities::{ADD_TO_LIST, Detail, REMOVE_FROM_LIST};
use super::api::{self, Answer, ApiError, Call, Ctx};
use super::paging;
use super::values::format_millis;

#[derive(Debug)]
struct StaticList {
    id: i64,
    name: String,
    created_ms: i64,
    updated_ms: i64,
    members: BTreeSet<i64>,
}

impl StaticList {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "workspaceName": "Default",
            "createdAt": format_millis(self.created_ms),
            "updatedAt": format_millis(self.updated_ms),
        })
    }
}

#[derive(Debug, Default)]
pub(crate) struct Lists {
    lists: Vec<StaticList>,
}

/// List ids start where a real instance's do, well above zero.
const FIRST_ID: i64 = 1001;

impl Lists {
    /// A new, empty list; names are unique.
    pub(crate) fn create(&mut self, name: &str, now: DateTime<Utc>) -> Result<i64, String> {
        if name.trim().is_empty() {
            return Err("a list needs a name".to_owned());
        }
        if self.lists.iter().any(|l| l.name.eq_ignore_ascii_case(name)) {
            return Err(format!("a list named '{name}' already exists"));
        }
        let id = FIRST_ID + self.lists.len() as i64;
        let ms = now.timestamp_millis();
        self.lists.push(StaticList {
            id,
            name: name.to_owned(),
            created_ms: ms,
            updated_ms: ms,
            members: BTreeSet::new(),
        });
        Ok(id)
    }

    fn get(&self, id: i64) -> Result<&StaticList, ApiError> {
        self.lists
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| ApiError::not_found(format!("list {id}")))
    }

    fn get_mut(&mut self, id: i64) -> Result<&mut StaticList, ApiError> {
        self.lists
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or_else(|| ApiError::not_found(format!("list {id}")))
    }

    /// The members of a list (1013 when there is no such list).
    pub(crate) fn members(&self, id: i64) -> Result<BTreeSet<i64>, ApiError> {
        Ok(self.get(id)?.members.clone())
    }

    /// Adds members without the REST checks (control API); unknown lists are an error.
    pub(crate) fn add(
        &mut self,
        id: i64,
        leads: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let list = self.get_mut(id)?;
        list.members.extend(leads);
        list.updated_ms = now.timestamp_millis();
        Ok(())
    }

    /// Drops a deleted lead from every list.
    pub(crate) fn forget(&mut self, lead: i64) {
        for list in &mut self.lists {
            list.members.remove(&lead);
        }
    }

    /// Moves a merged loser's memberships to the winner.
    pub(crate) fn move_member(&mut self, from: i64, to: i64) {
        for list in &mut self.lists {
            if list.members.remove(&from) {
                list.members.insert(to);
            }
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<Value> {
        self.lists
            .iter()
            .map(|l| {
                let mut item = l.json();
                item["members"] = json!(l.members);
                item
            })
            .collect()
    }
}

/// `GET /rest/v1/lists.json[?id=&name=]`.
pub(crate) fn list(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let ids = call.ints("id")?;
    let names = call.list("name");
    let size = call.batch_size(300)?;
    let after = paging::position(call.param("nextPageToken"))?;
    let db = ctx.state.db.read();
    let matching: Vec<&StaticList> = db
        .lists
        .lists
        .iter()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| names.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(&l.name)))
        .filter(|l| l.id > after)
        .collect();
    let page = &matching[..size.min(matching.len())];
    let more = matching.len() > page.len();
    let token = more.then(|| paging::position_token(page.last().map_or(0, |l| l.id)));
    Ok(api::page(
        page.iter().map(|l| l.json()).collect(),
        more,
        token,
    ))
}

/// `GET /rest/v1/lists/{listId}.json`.
pub(crate) fn get(ctx: &Ctx<'_>, _: &Call, captures: &[&str]) -> Answer {
    let id = list_id(captures[0])?;
    Ok(api::ok(vec![ctx.state.db.read().lists.get(id)?.json()]))
}

/// `GET /rest/v1/lists/{listId}/leads.json`: the members, 300 a page.
pub(crate) fn members(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let id = list_id(captures[0])?;
    let size = call.batch_size(300)?;
    let after = paging::position(call.param("nextPageToken"))?;
    let db = ctx.state.db.read();
    let fields = db.schema.selection(call)?;
    let list = db.lists.get(id)?;
    let page: Vec<i64> = list
        .members
        .range(after + 1..)
        .take(size)
        .copied()
        .collect();
    let more = page
        .last()
        .is_some_and(|last| list.members.range(last + 1..).next().is_some());
    let result = page
        .iter()
        .filter_map(|id| Some(db.lead_json(*id, db.leads.get(*id)?, &fields)))
        .collect();
    let token = more.then(|| paging::position_token(*page.last().expect("more implies a page")));
    Ok(api::page(result, more, token))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListOperation {
    input: Option<Vec<LeadRef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadRef {
    id: i64,
}

fn list_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::invalid(format!("list id '{text}' is not an integer")))
}

/// The lead ids of a membership call: `id` parameters and/or a JSON `input`, at most 300.
fn lead_ids(ctx: &Ctx<'_>, call: &Call) -> Result<Vec<i64>, ApiError> {
    let mut ids = call.ints("id")?;
    if call.json_body && call.has_body() {
        let body: ListOperation = call.json()?;
        ids.extend(body.input.unwrap_or_default().into_iter().map(|r| r.id));
    }
    if ids.is_empty() {
        return Err(ApiError::blank("id"));
    }
    let max = ctx.world.limits.read().marketo.max_batch_records as usize;
    if ids.len() > max {
        return Err(ApiError::invalid(format!(
            "at most {max} lead ids per call, got {}",
            ids.len()
        )));
    }
    Ok(ids)
}

fn result(id: i64, status: Result<&str, (u32, &str)>) -> Value {
    let mut item = Map::new();
    item.insert("id".into(), json!(id));
    match status {
        Ok(status) => {
            item.insert("status".into(), json!(status));
        }
        Err((code, message)) => item.append(&mut api::skipped(code, message)),
    }
    Value::Object(item)
}

/// `POST /rest/v1/lists/{listId}/leads.json?id=`: adds members (Add to List activity).
pub(crate) fn add(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let id = list_id(captures[0])?;
    let leads = lead_ids(ctx, call)?;
    let mut db = ctx.state.db.write();
    let name = db.lists.get(id)?.name.clone();
    let mut out = Vec::with_capacity(leads.len());
    for lead in leads {
        if db.leads.get(lead).is_none() {
            out.push(result(lead, Err((1004, "Lead not found"))));
            continue;
        }
        let list = db.lists.get_mut(id)?;
        if list.members.insert(lead) {
            list.updated_ms = ctx.now.timestamp_millis();
            let detail = Detail::Named(name.as_str().into());
            db.log
                .record(ctx.now, lead, ADD_TO_LIST, &ctx.actor, id, Some(detail));
        }
        out.push(result(lead, Ok("added")));
    }
    Ok(api::ok(out))
}

/// `DELETE /rest/v1/lists/{listId}/leads.json?id=`: removes members (Remove from List activity).
pub(crate) fn remove(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let id = list_id(captures[0])?;
    let leads = lead_ids(ctx, call)?;
    let mut db = ctx.state.db.write();
    let name = db.lists.get(id)?.name.clone();
    let mut out = Vec::with_capacity(leads.len());
    for lead in leads {
        if db.leads.get(lead).is_none() {
            out.push(result(lead, Err((1004, "Lead not found"))));
            continue;
        }
        let list = db.lists.get_mut(id)?;
        if list.members.remove(&lead) {
            list.updated_ms = ctx.now.timestamp_millis();
            let detail = Detail::Named(name.as_str().into());
            db.log.record(
                ctx.now,
                lead,
                REMOVE_FROM_LIST,
                &ctx.actor,
                id,
                Some(detail),
            );
            out.push(result(lead, Ok("removed")));
        } else {
            out.push(result(lead, Err((1015, "Lead not in list"))));
        }
    }
    Ok(api::ok(out))
}

/// `GET /rest/v1/lists/{listId}/leads/ismember.json?id=`.
pub(crate) fn is_member(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let id = list_id(captures[0])?;
    let leads = lead_ids(ctx, call)?;
    let db = ctx.state.db.read();
    let list = db.lists.get(id)?;
    let out = leads
        .into_iter()
        .map(
            |lead| match (db.leads.get(lead), list.members.contains(&lead)) {
                (None, _) => result(lead, Err((1004, "Lead not found"))),
                (Some(_), true) => result(lead, Ok("memberof")),
                (Some(_), false) => result(lead, Ok("notmemberof")),
            },
        )
        .collect();
    Ok(api::ok(out))
}

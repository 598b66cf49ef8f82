//! The activity log and its endpoints (`activities.md`, `paging-tokens.md`).
//!
//! Every lead creation leaves "New Lead" (12), every field change "Change Data Value" (13) with old
//! and new values and `Reason`/`Source` attributes, every deletion "Delete Lead" (37). The log is
//! append-only in time order, so an activity's id is its position and a paging token is a
//! position: `activities.json`, `activities/leadchanges.json` and `activities/deletedleads.json`
//! page through it, and a stored token resumes exactly where it stopped.
//!
//! One activity is 32 bytes plus, for a change, its old and new values: a million New Lead
//! activities cost about 32 MB.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::api::{self, Actor, Answer, ApiError, Call, Ctx};
use super::paging;
use super::values::{Val, format_millis, parse_datetime};
use super::{Db, custom_activities};

pub(crate) const NEW_LEAD: u32 = 12;
pub(crate) const CHANGE_DATA_VALUE: u32 = 13;
pub(crate) const ADD_TO_LIST: u32 = 24;
pub(crate) const REMOVE_FROM_LIST: u32 = 25;
pub(crate) const MERGE_LEADS: u32 = 32;
pub(crate) const DELETE_LEAD: u32 = 37;

/// Activity type ids one Get Lead Activities call may ask for.
const MAX_TYPES: usize = 10;
/// Lead ids one activity query may narrow to.
const MAX_LEAD_IDS: usize = 30;

#[derive(Debug)]
pub(crate) struct Activity {
    pub(crate) lead: i64,
    pub(crate) type_id: u32,
    pub(crate) at_ms: i64,
    /// Who acted, an index into the log's actor table.
    actor: u32,
    /// The field id (13), list id (24, 25) or winning lead (32).
    pub(crate) primary: i64,
    pub(crate) detail: Option<Box<Detail>>,
}

#[derive(Debug)]
pub(crate) enum Detail {
    Change {
        old: Option<Val>,
        new: Option<Val>,
    },
    /// The deleted lead's or the list's name.
    Named(Box<str>),
    Merge {
        name: Box<str>,
        losers: Vec<i64>,
    },
    Custom(custom_activities::Recorded),
}

#[derive(Debug, Default)]
pub(crate) struct Log {
    activities: Vec<Activity>,
    actors: Vec<(String, String)>,
    actor_ids: HashMap<(String, String), u32>,
}

impl Log {
    /// Appends an activity; its date never runs before the last one's, so the log stays sorted.
    pub(crate) fn record(
        &mut self,
        at: DateTime<Utc>,
        lead: i64,
        type_id: u32,
        actor: &Actor,
        primary: i64,
        detail: Option<Detail>,
    ) -> i64 {
        let key = (actor.source(), actor.reason());
        let next = self.actors.len() as u32;
        let actor = *self.actor_ids.entry(key.clone()).or_insert_with(|| {
            self.actors.push(key);
            next
        });
        let at_ms = at
            .timestamp_millis()
            .max(self.activities.last().map_or(i64::MIN, |a| a.at_ms));
        self.activities.push(Activity {
            lead,
            type_id,
            at_ms,
            actor,
            primary,
            detail: detail.map(Box::new),
        });
        self.activities.len() as i64
    }

    /// Makes room for `more` activities.
    pub(crate) fn reserve(&mut self, more: usize) {
        self.activities.reserve(more);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (i64, &Activity)> {
        self.activities
            .iter()
            .enumerate()
            .map(|(i, a)| (i as i64 + 1, a))
    }

    fn source(&self, activity: &Activity) -> &str {
        &self.actors[activity.actor as usize].0
    }

    fn reason(&self, activity: &Activity) -> &str {
        &self.actors[activity.actor as usize].1
    }

    /// The index of the first activity a token points at.
    fn start(&self, since: DateTime<Utc>, after_id: i64) -> usize {
        if after_id > 0 {
            return usize::try_from(after_id)
                .unwrap_or(usize::MAX)
                .min(self.activities.len());
        }
        let since = since.timestamp_millis();
        self.activities.partition_point(|a| a.at_ms < since)
    }

    /// Up to `size` activities from the token's position that `keep` keeps.
    fn page(
        &self,
        token: &str,
        size: usize,
        keep: &dyn Fn(&Activity) -> bool,
    ) -> Result<Page<'_>, ApiError> {
        let (since, after) = paging::parse_date_token(token)?;
        let mut at = self.start(since, after);
        let mut kept = Vec::new();
        while at < self.activities.len() && kept.len() < size {
            let activity = &self.activities[at];
            at += 1;
            if keep(activity) {
                kept.push((at as i64, activity));
            }
        }
        Ok(Page {
            kept,
            next: paging::date_token(since, at as i64),
            more: at < self.activities.len(),
        })
    }
}

/// One page of the log.
struct Page<'a> {
    kept: Vec<(i64, &'a Activity)>,
    /// The same date, and the last activity looked at: where the next page starts.
    next: String,
    /// Whether activities follow the last one looked at.
    more: bool,
}

fn attribute(name: &str, value: impl Into<Value>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn text(value: Option<&Val>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.as_ref().text()))
}

impl Db {
    /// An activity as `activities.json` returns it.
    fn activity_json(&self, id: i64, a: &Activity) -> Value {
        let mut item = json!({
            "id": id,
            "marketoGUID": id.to_string(),
            "leadId": a.lead,
            "activityDate": format_millis(a.at_ms),
            "activityTypeId": a.type_id,
        });
        let source = self.log.source(a);
        let reason = self.log.reason(a);
        let (primary, attributes): (Option<(i64, Value)>, Vec<Value>) = match a.detail.as_deref() {
            Some(Detail::Change { old, new }) => {
                let field = self.schema.by_id(a.primary as u16);
                let mut attributes = Vec::new();
                if let Some(new) = new {
                    attributes.push(attribute("New Value", new.as_ref().text()));
                }
                if let Some(old) = old {
                    attributes.push(attribute("Old Value", old.as_ref().text()));
                }
                attributes.push(attribute("Reason", reason));
                attributes.push(attribute("Source", source));
                (
                    Some((a.primary, json!(field.map_or("", |f| f.display.as_str())))),
                    attributes,
                )
            }
            Some(Detail::Named(name)) => (Some((a.primary, json!(name.as_ref()))), Vec::new()),
            Some(Detail::Merge { name, losers }) => (
                Some((a.primary, json!(name.as_ref()))),
                vec![
                    attribute("Merge ids", json!(losers).to_string()),
                    attribute("Source", source),
                ],
            ),
            Some(Detail::Custom(custom)) => {
                item["activityDate"] = json!(format_millis(custom.at_ms));
                (
                    Some((a.primary, json!(custom.primary.as_ref()))),
                    custom.attributes_json(),
                )
            }
            None => (None, vec![attribute("Source Type", source)]),
        };
        if let Some((id, value)) = primary {
            item["primaryAttributeValueId"] = json!(id);
            item["primaryAttributeValue"] = value;
        }
        item["attributes"] = Value::Array(attributes);
        item
    }

    /// A New Lead or Change Data Value activity as `leadchanges.json` returns it.
    fn lead_change_json(&self, id: i64, a: &Activity) -> Value {
        let fields = match a.detail.as_deref() {
            Some(Detail::Change { old, new }) => {
                let name = self
                    .schema
                    .by_id(a.primary as u16)
                    .map_or("", |f| f.name.as_str());
                vec![json!({
                    "id": a.primary,
                    "name": name,
                    "newValue": text(new.as_ref()),
                    "oldValue": text(old.as_ref()),
                })]
            }
            _ => Vec::new(),
        };
        let attributes = if a.type_id == CHANGE_DATA_VALUE {
            vec![
                attribute("Reason", self.log.reason(a)),
                attribute("Source", self.log.source(a)),
                attribute("Lead ID", a.lead),
            ]
        } else {
            vec![attribute("Source Type", self.log.source(a))]
        };
        json!({
            "id": id,
            "marketoGUID": id.to_string(),
            "leadId": a.lead,
            "activityDate": format_millis(a.at_ms),
            "activityTypeId": a.type_id,
            "fields": fields,
            "attributes": attributes,
        })
    }

    /// Every custom activity, for the snapshot.
    pub(crate) fn custom_activities(&self) -> Vec<Value> {
        self.log
            .iter()
            .filter(|(_, a)| matches!(a.detail.as_deref(), Some(Detail::Custom(_))))
            .map(|(id, a)| self.activity_json(id, a))
            .collect()
    }

    /// The leads an activity query narrows to (`leadIds`, ≤ 30; `listId`), if any.
    fn lead_scope(&self, call: &Call) -> Result<Option<Vec<i64>>, ApiError> {
        let lead_ids = call.ints("leadIds")?;
        if lead_ids.len() > MAX_LEAD_IDS {
            return Err(ApiError::invalid(format!(
                "at most {MAX_LEAD_IDS} leadIds, got {}",
                lead_ids.len()
            )));
        }
        let mut scope = (!lead_ids.is_empty()).then_some(lead_ids);
        if let Some(list) = call.int("listId")? {
            let members = self.lists.members(list)?;
            scope = Some(match scope {
                Some(ids) => ids.into_iter().filter(|id| members.contains(id)).collect(),
                None => members.into_iter().collect(),
            });
        }
        if let Some(ids) = &mut scope {
            ids.sort_unstable();
        }
        Ok(scope)
    }
}

fn in_scope(scope: &Option<Vec<i64>>, lead: i64) -> bool {
    scope
        .as_ref()
        .is_none_or(|ids| ids.binary_search(&lead).is_ok())
}

/// `GET /rest/v1/activities/pagingtoken.json?sinceDatetime=`: a date-based token, no `result`.
pub(crate) fn paging_token(_: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let since = call.required("sinceDatetime")?;
    let since = parse_datetime(since).ok_or_else(|| {
        ApiError::new(
            704,
            format!("Invalid date format: sinceDatetime '{since}' is not ISO 8601"),
        )
    })?;
    let mut body = api::ok_without_result();
    body["nextPageToken"] = Value::String(paging::date_token(since, 0));
    Ok(body)
}

/// `GET /rest/v1/activities.json?nextPageToken=&activityTypeIds=`.
pub(crate) fn activities(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let token = call.required("nextPageToken")?;
    let types: Vec<u32> = call
        .ints("activityTypeIds")?
        .into_iter()
        .map(|t| u32::try_from(t).unwrap_or(0))
        .collect();
    if types.is_empty() {
        return Err(ApiError::blank("activityTypeIds"));
    }
    if types.len() > MAX_TYPES {
        return Err(ApiError::invalid(format!(
            "at most {MAX_TYPES} activityTypeIds, got {}",
            types.len()
        )));
    }
    let size = call.batch_size(300)?;
    let db = ctx.state.db.read();
    let scope = db.lead_scope(call)?;
    let keep = |a: &Activity| types.contains(&a.type_id) && in_scope(&scope, a.lead);
    let page = db.log.page(token, size, &keep)?;
    let result = page
        .kept
        .iter()
        .map(|(id, a)| db.activity_json(*id, a))
        .collect();
    Ok(api::page(result, page.more, Some(page.next)))
}

/// `GET /rest/v1/activities/leadchanges.json?nextPageToken=&fields=`: New Lead activities, and
/// Change Data Value activities of the named fields.
pub(crate) fn lead_changes(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let token = call.required("nextPageToken")?;
    let names = call.list("fields");
    if names.is_empty() {
        return Err(ApiError::blank("fields"));
    }
    let size = call.batch_size(300)?;
    let db = ctx.state.db.read();
    let mut watched: Vec<i64> = names
        .iter()
        .map(|n| db.schema.require(n).map(|f| i64::from(f.id)))
        .collect::<Result<_, _>>()?;
    watched.sort_unstable();
    let scope = db.lead_scope(call)?;
    let keep = |a: &Activity| {
        in_scope(&scope, a.lead)
            && (a.type_id == NEW_LEAD
                || a.type_id == CHANGE_DATA_VALUE && watched.binary_search(&a.primary).is_ok())
    };
    let page = db.log.page(token, size, &keep)?;
    let result = page
        .kept
        .iter()
        .map(|(id, a)| db.lead_change_json(*id, a))
        .collect();
    Ok(api::page(result, page.more, Some(page.next)))
}

/// `GET /rest/v1/activities/deletedleads.json?nextPageToken=`.
pub(crate) fn deleted_leads(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let token = call.required("nextPageToken")?;
    let size = call.batch_size(300)?;
    let db = ctx.state.db.read();
    let keep = |a: &Activity| a.type_id == DELETE_LEAD;
    let page = db.log.page(token, size, &keep)?;
    let result = page
        .kept
        .iter()
        .map(|(id, a)| db.activity_json(*id, a))
        .collect();
    Ok(api::page(result, page.more, Some(page.next)))
}

/// The standard activity types this instance logs.
fn standard_types() -> Vec<Value> {
    let t =
        |id: u32, name: &str, description: &str, primary: (&str, &str), attrs: &[(&str, &str)]| {
            json!({
                "id": id,
                "name": name,
                "description": description,
                "primaryAttribute": { "name": primary.0, "dataType": primary.1 },
                "attributes": attrs.iter()
                    .map(|(n, t)| json!({ "name": n, "dataType": t }))
                    .collect::<Vec<_>>(),
            })
        };
    vec![
        t(
            NEW_LEAD,
            "New Lead",
            "New person",
            ("Lead ID", "integer"),
            &[
                ("Source Type", "string"),
                ("Lead Source", "string"),
                ("Created Date", "date"),
            ],
        ),
        t(
            CHANGE_DATA_VALUE,
            "Change Data Value",
            "Changed attribute value for a person",
            ("Attribute Name", "reference"),
            &[
                ("New Value", "text"),
                ("Old Value", "text"),
                ("Reason", "text"),
                ("Source", "string"),
            ],
        ),
        t(
            ADD_TO_LIST,
            "Add to List",
            "Person added to a static list",
            ("List ID", "integer"),
            &[("Source", "string")],
        ),
        t(
            REMOVE_FROM_LIST,
            "Remove from List",
            "Person removed from a static list",
            ("List ID", "integer"),
            &[("Source", "string")],
        ),
        t(
            MERGE_LEADS,
            "Merge Leads",
            "Merged people",
            ("Lead ID", "integer"),
            &[("Merge ids", "text"), ("Source", "string")],
        ),
        t(
            DELETE_LEAD,
            "Delete Lead",
            "Delete person",
            ("Lead ID", "integer"),
            &[("Remove from CRM", "boolean")],
        ),
    ]
}

/// `GET /rest/v1/activities/types.json`: the standard types and the approved custom ones.
pub(crate) fn types(ctx: &Ctx<'_>, _: &Call, _: &[&str]) -> Answer {
    let db = ctx.state.db.read();
    let mut result = standard_types();
    result.extend(db.custom_types.approved_as_activity_types());
    Ok(api::ok(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_page_stops_at_its_size_and_its_token_resumes_after_the_last_activity_seen() {
        let mut log = Log::default();
        let t0 = Utc::now();
        for lead in 1..=5 {
            log.record(t0, lead, NEW_LEAD, &Actor::Api, lead, None);
        }
        let keep_all = |_: &Activity| true;
        let token = paging::date_token(t0 - Duration::seconds(1), 0);
        let ids = |page: &Page<'_>| page.kept.iter().map(|(id, _)| *id).collect::<Vec<_>>();
        let first = log.page(&token, 2, &keep_all).unwrap();
        assert_eq!(ids(&first), vec![1, 2]);
        assert!(first.more);
        let next = first.next.clone();
        let rest = log.page(&next, 10, &keep_all).unwrap();
        assert_eq!(ids(&rest), vec![3, 4, 5]);
        assert!(!rest.more);
        let last = rest.next.clone();
        log.record(t0, 9, NEW_LEAD, &Actor::Api, 9, None);
        let later = log.page(&last, 10, &keep_all).unwrap();
        assert_eq!(
            ids(&later),
            vec![6],
            "a stored last token sees only what was logged after it"
        );
    }

    #[test]
    fn a_date_token_starts_at_the_first_activity_on_or_after_its_date() {
        let mut log = Log::default();
        let t0 = Utc::now();
        log.record(t0, 1, NEW_LEAD, &Actor::Api, 1, None);
        log.record(
            t0 + Duration::seconds(10),
            2,
            NEW_LEAD,
            &Actor::Api,
            2,
            None,
        );
        let keep_all = |_: &Activity| true;
        let token = paging::date_token(t0 + Duration::seconds(5), 0);
        let page = log.page(&token, 10, &keep_all).unwrap();
        assert_eq!(page.kept.len(), 1);
        assert_eq!(page.kept[0].1.lead, 2);
    }
}

//! Leads (persons): Get Lead by Id, Get Leads by Filter Type, Sync Leads, Delete Leads and Merge
//! Leads (`leads.md`), company and sales-person inheritance, and the bulk load.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::activities::{CHANGE_DATA_VALUE, DELETE_LEAD, Detail, MERGE_LEADS, NEW_LEAD};
use super::api::{self, Actor, Answer, ApiError, Call, Ctx};
use super::lead_store::Lead;
use super::objects::{Record, Skip, missing};
use super::schema::{FieldDef, LeadSchema, Source};
use super::values::{Row, Val, ValRef, format_millis, parse_datetime};
use super::{Db, paging};

/// Leads matching one Get Leads by Filter Type call before it fails with 1003 (`leads.md`).
const MAX_MATCHES: usize = 1000;
/// Losing leads in one merge; more is 1080 from 2026-03-31 (`leads.md`).
const MAX_MERGE: usize = 25;

/// A person's values given as a JSON object, coerced; `Err` is the record-level reason.
pub(crate) fn coerce(
    schema: &LeadSchema,
    input: &Map<String, Value>,
) -> Result<Vec<(u16, Option<Val>)>, Skip> {
    let mut values = Vec::with_capacity(input.len());
    for (name, value) in input {
        let field = schema
            .get(name)
            .ok_or_else(|| (1006, format!("Field '{name}' not found")))?;
        if !field.updateable || matches!(field.source, Source::System | Source::Owner) {
            return Err((
                1003,
                format!("Invalid data: field '{}' is read-only", field.name),
            ));
        }
        let value = field
            .data_type
            .coerce(value)
            .map_err(|e| (1001, e.message()))?;
        values.push((field.id, value));
    }
    Ok(values)
}

impl Db {
    fn field_id(&self, name: &str) -> u16 {
        self.schema.get(name).map_or(0, |f| f.id)
    }

    /// The company a lead is linked to through `externalCompanyId`, if it exists.
    pub(crate) fn company_of(&self, values: &Row) -> Option<&Record> {
        let key = values.get(self.field_id("externalCompanyId"))?;
        self.companies.find_by_key(&[&Value::String(key.text())])
    }

    fn owner_of(&self, values: &Row) -> Option<&Record> {
        let key = values.get(self.field_id("externalSalesPersonId"))?;
        self.sales_persons
            .find_by_key(&[&Value::String(key.text())])
    }

    /// A lead field's value as reads see it: inherited from the company or the sales person
    /// where the field comes from them.
    pub(crate) fn lead_value(&self, id: i64, lead: &Lead, field: &FieldDef) -> Option<Value> {
        match field.source {
            Source::System => match field.name.as_str() {
                "id" => Some(json!(id)),
                "createdAt" => Some(json!(format_millis(lead.created_ms))),
                "updatedAt" => Some(json!(format_millis(lead.updated_ms))),
                _ => None,
            },
            Source::Person => match field.name.as_str() {
                "leadPartitionId" => Some(json!(1)),
                _ => lead.values.get(field.id).map(ValRef::to_json),
            },
            Source::Company => match self.company_of(&lead.values) {
                Some(company) => self.companies.value(company, &field.name),
                None => lead.values.get(field.id).map(ValRef::to_json),
            },
            Source::Owner => {
                let owner = self.owner_of(&lead.values)?;
                let name = match field.name.as_str() {
                    "leadOwnerEmail" => "email",
                    "leadOwnerFirstName" => "firstName",
                    "leadOwnerLastName" => "lastName",
                    _ => "phone",
                };
                self.sales_persons.value(owner, name)
            }
        }
    }

    /// A lead with the selected fields; absent values are left out (implied null, `leads.md`).
    pub(crate) fn lead_json(&self, id: i64, lead: &Lead, fields: &[&FieldDef]) -> Value {
        let mut item = Map::with_capacity(fields.len());
        for field in fields {
            if let Some(value) = self.lead_value(id, lead, field) {
                item.insert(field.name.clone(), value);
            }
        }
        Value::Object(item)
    }

    /// Every visible value of a lead, for the snapshot and merge.
    pub(crate) fn lead_all(&self, id: i64, lead: &Lead) -> Value {
        let all: Vec<&FieldDef> = self.schema.all().iter().collect();
        self.lead_json(id, lead, &all)
    }

    fn lead_name(&self, lead: &Lead) -> String {
        let part = |name| {
            lead.values
                .get(self.field_id(name))
                .map(ValRef::text)
                .unwrap_or_default()
        };
        format!("{} {}", part("firstName"), part("lastName"))
            .trim()
            .to_owned()
    }

    /// Creates a person, logging New Lead.
    pub(crate) fn create_lead(
        &mut self,
        values: Vec<(u16, Option<Val>)>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> i64 {
        let now_ms = now.timestamp_millis();
        let row = Row::from_values(
            values
                .into_iter()
                .filter_map(|(f, v)| Some((f, v?)))
                .collect(),
        );
        let id = self.leads.insert(Lead {
            created_ms: now_ms,
            updated_ms: now_ms,
            values: row,
        });
        self.log.record(now, id, NEW_LEAD, actor, id, None);
        id
    }

    /// Applies changes to a person, logging one Change Data Value per changed field. Returns
    /// whether anything changed.
    pub(crate) fn update_lead(
        &mut self,
        id: i64,
        values: &[(u16, Option<Val>)],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(lead) = self.leads.get(id) else {
            return false;
        };
        let changed: Vec<(u16, Option<Val>, Option<Val>)> = values
            .iter()
            .filter_map(|(field, new)| {
                let old = lead.values.get(*field).map(ValRef::to_owned);
                (old != *new).then(|| (*field, old, new.clone()))
            })
            .collect();
        if changed.is_empty() {
            return false;
        }
        let row = lead.values.with(
            &changed
                .iter()
                .map(|(f, _, new)| (*f, new.clone()))
                .collect::<Vec<_>>(),
        );
        self.leads.set_values(id, row, now.timestamp_millis());
        for (field, old, new) in changed {
            self.log.record(
                now,
                id,
                CHANGE_DATA_VALUE,
                actor,
                i64::from(field),
                Some(Detail::Change { old, new }),
            );
        }
        true
    }

    /// Deletes a person, logging Delete Lead with the name it had.
    pub(crate) fn delete_lead(&mut self, id: i64, actor: &Actor, now: DateTime<Utc>) -> bool {
        let Some(lead) = self.leads.remove(id) else {
            return false;
        };
        let name = self.lead_name(&lead);
        self.lists.forget(id);
        self.log.record(
            now,
            id,
            DELETE_LEAD,
            actor,
            id,
            Some(Detail::Named(name.into())),
        );
        true
    }

    /// Company fields in a write to a lead linked to an existing company are 1021: company
    /// values change through Sync Companies (`leads.md`, `error-codes.md`).
    fn check_company_fields(
        &self,
        existing: Option<&Row>,
        values: &[(u16, Option<Val>)],
    ) -> Result<(), Skip> {
        let link = self.field_id("externalCompanyId");
        let writes_company = values.iter().any(|(f, _)| {
            self.schema
                .by_id(*f)
                .is_some_and(|d| d.source == Source::Company)
        });
        if !writes_company {
            return Ok(());
        }
        let key = match values.iter().find(|(f, _)| *f == link) {
            Some((_, v)) => v.as_ref().map(|v| v.as_ref().text()),
            None => existing.and_then(|r| r.get(link)).map(ValRef::text),
        };
        let linked =
            key.is_some_and(|k| self.companies.find_by_key(&[&Value::String(k)]).is_some());
        if linked {
            return Err((1021, "Company update not allowed".to_owned()));
        }
        Ok(())
    }

    /// One record of a Sync Leads call.
    fn sync_one(
        &mut self,
        action: LeadAction,
        lookup: &FieldDef,
        input: &Value,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(i64, &'static str), Skip> {
        let input = input
            .as_object()
            .ok_or((1003, "Invalid data: a lead is a JSON object".to_owned()))?;
        let mut rest = input.clone();
        let by_id = match rest.remove("id") {
            None => None,
            // `id` is system managed: only updateOnly may name it (`leads.md`, 1003).
            Some(_) if action != LeadAction::UpdateOnly => {
                return Err((
                    1003,
                    "Invalid data: id is accepted only with action updateOnly".to_owned(),
                ));
            }
            Some(id) => Some(id.as_i64().or_else(|| id.as_str()?.parse().ok()).ok_or((
                1001,
                format!("Invalid value '{id}'. Required of type 'integer'"),
            ))?),
        };
        let values = coerce(&self.schema, &rest)?;
        let matches: Vec<i64> = match (action, by_id) {
            (LeadAction::CreateDuplicate, _) => Vec::new(),
            (_, Some(id)) => self.leads.get(id).map(|_| id).into_iter().collect(),
            _ => match values.iter().find(|(f, _)| *f == lookup.id) {
                Some((_, Some(key))) => self.leads.find(lookup.id, &key.as_ref().text()),
                _ if action == LeadAction::UpdateOnly => return Err(missing(&lookup.name)),
                _ => Vec::new(),
            },
        };
        match (action, matches.as_slice()) {
            (LeadAction::CreateOnly, [_, ..]) => Err((1005, "Lead already exists".to_owned())),
            (LeadAction::UpdateOnly, []) => Err((1004, "Lead not found".to_owned())),
            (LeadAction::UpdateOnly | LeadAction::CreateOrUpdate, [_, _, ..]) => {
                Err((1007, "Multiple leads match the lookup criteria".to_owned()))
            }
            (_, [id]) => {
                let id = *id;
                self.check_company_fields(self.leads.get(id).map(|l| &l.values), &values)?;
                self.update_lead(id, &values, actor, now);
                Ok((id, "updated"))
            }
            (_, _) => {
                self.check_company_fields(None, &values)?;
                Ok((self.create_lead(values, actor, now), "created"))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum LeadAction {
    CreateOnly,
    UpdateOnly,
    CreateOrUpdate,
    CreateDuplicate,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SyncLeads {
    action: Option<LeadAction>,
    lookup_field: Option<String>,
    partition_name: Option<String>,
    #[expect(
        dead_code,
        reason = "accepted as documented; the sandbox always answers synchronously"
    )]
    async_processing: Option<bool>,
    input: Option<Vec<Value>>,
}

fn lead_outcome(result: Result<(i64, &str), Skip>) -> Value {
    match result {
        Ok((id, status)) => json!({ "id": id, "status": status }),
        Err((code, message)) => Value::Object(api::skipped(code, message)),
    }
}

fn max_records(ctx: &Ctx<'_>) -> usize {
    ctx.world.limits.read().marketo.max_batch_records as usize
}

/// `POST /rest/v1/leads.json`: up to 300 leads, one outcome each, in input order.
pub(crate) fn sync(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let request: SyncLeads = call.json()?;
    let action = request.action.unwrap_or(LeadAction::CreateOrUpdate);
    let input = request
        .input
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::blank("input"))?;
    let max = max_records(ctx);
    if input.len() > max {
        return Err(ApiError::invalid(format!(
            "at most {max} leads per call, got {}",
            input.len()
        )));
    }
    let mut db = ctx.state.db.write();
    let lookup = db
        .schema
        .searchable(request.lookup_field.as_deref().unwrap_or("email"))?
        .clone();
    if let Some(partition) = &request.partition_name
        && !partition.eq_ignore_ascii_case("Default")
    {
        let denied = (1008, format!("Access denied to partition '{partition}'"));
        return Ok(api::ok(
            input
                .iter()
                .map(|_| lead_outcome(Err(denied.clone())))
                .collect(),
        ));
    }
    let result = input
        .iter()
        .map(|lead| lead_outcome(db.sync_one(action, &lookup, lead, &ctx.actor, ctx.now)))
        .collect();
    Ok(api::ok(result))
}

/// `GET /rest/v1/lead/{id}.json`: the lead in `result[0]`, or an empty `result`.
pub(crate) fn get_by_id(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let id: i64 = captures[0]
        .parse()
        .map_err(|_| ApiError::invalid(format!("lead id '{}' is not an integer", captures[0])))?;
    let db = ctx.state.db.read();
    let fields = db.schema.selection(call)?;
    let result = db
        .leads
        .get(id)
        .map(|lead| db.lead_json(id, lead, &fields))
        .into_iter()
        .collect();
    Ok(api::ok(result))
}

/// `GET /rest/v1/leads.json?filterType=&filterValues=`: searchable fields only, at most 300 values,
/// at most 1,000 matches, 300 a page.
pub(crate) fn get_by_filter(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let filter_type = call.required("filterType")?;
    let values = call.list("filterValues");
    if values.is_empty() {
        return Err(ApiError::blank("filterValues"));
    }
    let max_values = ctx.world.limits.read().marketo.max_filter_values as usize;
    if values.len() > max_values {
        return Err(ApiError::invalid(format!(
            "at most {max_values} filterValues, got {}",
            values.len()
        )));
    }
    let size = call.batch_size(300)?;
    let after = paging::position(call.param("nextPageToken"))?;
    let db = ctx.state.db.read();
    let field = db.schema.searchable(filter_type)?;
    let fields = db.schema.selection(call)?;
    let mut ids: Vec<i64> = match field.name.as_str() {
        "id" => values
            .iter()
            .filter_map(|v| v.parse().ok())
            .filter(|id| db.leads.get(*id).is_some())
            .collect(),
        // Every person is in the one default partition.
        "leadPartitionId" if values.contains(&"1") => db.leads.iter().map(|(id, _)| id).collect(),
        "leadPartitionId" => Vec::new(),
        _ => values
            .iter()
            .flat_map(|v| db.leads.find(field.id, v))
            .collect(),
    };
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_MATCHES {
        return Err(ApiError::new(1003, "Too many results match the filter"));
    }
    let page: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| *id > after)
        .take(size)
        .collect();
    let more = page.last().is_some_and(|last| ids.last() != Some(last));
    let result = page
        .iter()
        .filter_map(|id| Some(db.lead_json(*id, db.leads.get(*id)?, &fields)))
        .collect();
    let token = more.then(|| paging::position_token(*page.last().expect("more implies a page")));
    Ok(api::page(result, more, token))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteLeads {
    input: Option<Vec<LeadRef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadRef {
    id: i64,
}

/// `POST /rest/v1/leads/delete.json`: ids in the body (`input[{id}]`) or as `id` parameters.
pub(crate) fn delete(ctx: &Ctx<'_>, call: &Call, _: &[&str]) -> Answer {
    let mut ids = call.ints("id")?;
    if call.has_body() {
        let request: DeleteLeads = call.json()?;
        ids.extend(request.input.unwrap_or_default().into_iter().map(|r| r.id));
    }
    if ids.is_empty() {
        return Err(ApiError::blank("input"));
    }
    let max = max_records(ctx);
    if ids.len() > max {
        return Err(ApiError::invalid(format!(
            "at most {max} leads per call, got {}",
            ids.len()
        )));
    }
    let mut db = ctx.state.db.write();
    let result = ids
        .into_iter()
        .map(|id| {
            if db.delete_lead(id, &ctx.actor, ctx.now) {
                json!({ "id": id, "status": "deleted" })
            } else {
                let mut item = Map::new();
                item.insert("id".into(), json!(id));
                item.append(&mut api::skipped(1004, "Lead not found"));
                Value::Object(item)
            }
        })
        .collect();
    Ok(api::ok(result))
}

impl Db {
    /// Merges `losers` into `winner` (`leads.md`, Merge): a winner's empty field takes the first
    /// loser value; list memberships move to the winner; the losers are deleted.
    pub(crate) fn merge(
        &mut self,
        winner: i64,
        losers: &[i64],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if losers.is_empty() {
            return Err(ApiError::blank("leadId"));
        }
        if losers.len() > MAX_MERGE {
            return Err(ApiError::new(
                1080,
                format!(
                    "At most {MAX_MERGE} leads can be merged in one call, got {}",
                    losers.len()
                ),
            ));
        }
        let winner_row = self
            .leads
            .get(winner)
            .ok_or_else(|| ApiError::new(1004, format!("Lead not found: {winner}")))?
            .values
            .clone();
        let mut taken: Vec<(u16, Option<Val>)> = Vec::new();
        for &loser in losers {
            if loser == winner {
                return Err(ApiError::invalid("a lead cannot be merged into itself"));
            }
            let lead = self
                .leads
                .get(loser)
                .ok_or_else(|| ApiError::new(1004, format!("Lead not found: {loser}")))?;
            for (field, value) in lead.values.iter() {
                if winner_row.get(field).is_none() && !taken.iter().any(|(f, _)| *f == field) {
                    taken.push((field, Some(value.to_owned())));
                }
            }
        }
        self.update_lead(winner, &taken, actor, now);
        let name = self
            .leads
            .get(winner)
            .map(|l| self.lead_name(l))
            .unwrap_or_default();
        self.log.record(
            now,
            winner,
            MERGE_LEADS,
            actor,
            winner,
            Some(Detail::Merge {
                name: name.into(),
                losers: losers.to_vec(),
            }),
        );
        for &loser in losers {
            self.lists.move_member(loser, winner);
            self.delete_lead(loser, actor, now);
        }
        Ok(())
    }
}

/// `POST /rest/v1/leads/{id}/merge.json?leadId=|leadIds=`: no `result`.
pub(crate) fn merge(ctx: &Ctx<'_>, call: &Call, captures: &[&str]) -> Answer {
    let winner: i64 = captures[0]
        .parse()
        .map_err(|_| ApiError::invalid(format!("lead id '{}' is not an integer", captures[0])))?;
    let mut losers = call.ints("leadId")?;
    losers.extend(call.ints("leadIds")?);
    ctx.state
        .db
        .write()
        .merge(winner, &losers, &ctx.actor, ctx.now)?;
    Ok(api::ok_without_result())
}

impl super::State {
    /// Loads many persons at once, for the data generator and benchmarks: no limits, no HTTP,
    /// one lock. Each row is a JSON object of lead fields (standard or custom, company fields
    /// included) and may carry `createdAt`/`updatedAt`. Every person gets a New Lead activity.
    ///
    /// # Errors
    /// The first row that names an unknown or read-only field or holds a value that does not fit
    /// its type; nothing is loaded then.
    pub(crate) fn insert_leads(
        &self,
        rows: Vec<Map<String, Value>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, String> {
        let mut db = self.db.write();
        let mut prepared = Vec::with_capacity(rows.len());
        for (n, mut row) in rows.into_iter().enumerate() {
            let mut stamp = |name: &str| -> Result<Option<i64>, String> {
                row.remove(name)
                    .map(|v| {
                        v.as_str()
                            .and_then(parse_datetime)
                            .map(|d| d.timestamp_millis())
                            .ok_or_else(|| {
                                format!("row {n}: {name} {v} is not an ISO 8601 datetime")
                            })
                    })
                    .transpose()
            };
            let created = stamp("createdAt")?;
            let updated = stamp("updatedAt")?;
            let values = coerce(&db.schema, &row).map_err(|(_, why)| format!("row {n}: {why}"))?;
            prepared.push((values, created, updated));
        }
        let actor = Actor::Import;
        let now_ms = now.timestamp_millis();
        db.leads.reserve(prepared.len());
        db.log.reserve(prepared.len());
        let mut ids = Vec::with_capacity(prepared.len());
        for (values, created, updated) in prepared {
            let created_ms = created.unwrap_or(now_ms);
            let id = db.leads.insert(Lead {
                created_ms,
                updated_ms: updated.unwrap_or(created_ms),
                values: Row::from_values(
                    values
                        .into_iter()
                        .filter_map(|(f, v)| Some((f, v?)))
                        .collect(),
                ),
            });
            db.log.record(now, id, NEW_LEAD, &actor, id, None);
            ids.push(id);
        }
        Ok(ids)
    }
}

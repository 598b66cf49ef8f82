//! Pulling changes into the inbox. Dynamics: per entity, change tracking pages (the first listing
//! copies every row, R3), each page stored with the cursor that follows it in one transaction.
//! Marketo: lead changes since the stored paging token; a person whose changed values all equal
//! what Dynasync last synced is Dynasync's own write coming back and is not fetched; the others are
//! fetched 300 a call and stored with the next token.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use dynasync_dynamics::{Change, ChangePage, ChangeRequest, DataverseClient};
use dynasync_marketo::{MarketoClient, PagingToken};
use serde_json::{Value as Json, json};

use super::cycle::{Cycle, Halt};
use crate::model::{Direction, Entity, MarketoObject, Side};
use crate::store::schema::EnabledEntity;
use crate::store::{cursors, inbox, links};

/// The inbox entity under which Marketo people are kept.
pub(crate) const PERSON: &str = "person";

/// The marker a deleted record's inbox payload carries.
pub(crate) const DELETED: &str = "@deleted";

pub(crate) fn next_cursor(entity: &Entity) -> String {
    format!("dynamics:{}:next", entity.logical_name())
}

pub(crate) fn delta_cursor(entity: &Entity) -> String {
    format!("dynamics:{}:delta", entity.logical_name())
}

const LEAD_CHANGES: &str = "marketo:leadchanges";
const DELETED_LEADS: &str = "marketo:deletedleads";

/// Where a listing of an entity stands.
pub(crate) enum Listing {
    /// Pages remain (first copy, or a delta listing cut short).
    Going(ChangeRequest),
    /// The delta since the last listing.
    Delta(ChangeRequest),
    /// Never listed.
    Start(ChangeRequest),
}

impl Cycle {
    /// What to ask next for an entity, from its cursors.
    pub(crate) async fn listing(&self, entity: &EnabledEntity) -> Result<Listing, Halt> {
        let next_key = next_cursor(&entity.entity);
        let delta_key = delta_cursor(&entity.entity);
        let (next, delta) = self
            .engine
            .db(move |s| {
                s.read(|c| Ok((cursors::get(c, &next_key)?, cursors::get(c, &delta_key)?)))
            })
            .await?;
        Ok(match (next, delta) {
            (Some(next), _) => Listing::Going(ChangeRequest::Next(next.into())),
            (None, Some(delta)) => Listing::Delta(ChangeRequest::Delta(delta.into())),
            (None, None) => Listing::Start(ChangeRequest::Start {
                entity_set: entity.entity_set.clone(),
                select: entity.columns.clone(),
                page_size: Some(self.page_size()),
            }),
        })
    }

    /// Rows per page: the most Dataverse gives, or a dry run's sample size when smaller.
    fn page_size(&self) -> u32 {
        let max = dynasync_dynamics::MAX_PAGE_SIZE;
        self.dry_run
            .as_ref()
            .and_then(|d| d.limit)
            .map_or(max, |limit| {
                u32::try_from(limit).unwrap_or(max).clamp(1, max)
            })
    }

    /// Reads one page and stores it with the cursor that follows it. Returns the page's size and
    /// whether the listing is over.
    pub(crate) async fn pull_page(
        &self,
        client: &DataverseClient,
        entity: &EnabledEntity,
        request: ChangeRequest,
    ) -> Result<(usize, bool), Halt> {
        let page: ChangePage = match client.changes(request).await {
            Ok(page) => page,
            Err(error) => return Err(self.dynamics_failure(error, entity).await),
        };
        let size = page.changes.len();
        let done = page.next.is_none();
        let logical = entity.entity.logical_name().to_owned();
        let primary = entity.primary_id.clone();
        let (next_key, delta_key) = (next_cursor(&entity.entity), delta_cursor(&entity.entity));
        let now = Utc::now();
        self.engine
            .db(move |s| {
                s.write(|tx| {
                    for change in &page.changes {
                        match change {
                            Change::Upsert(record) => {
                                let Some(id) =
                                    record.id().or_else(|| record.guid(&primary).ok().flatten())
                                else {
                                    continue;
                                };
                                inbox::put(
                                    tx,
                                    Side::Dynamics,
                                    &logical,
                                    &id.to_string(),
                                    &Json::Object(record.fields().clone()),
                                    now,
                                )?;
                            }
                            Change::Deleted { id } => {
                                inbox::put(
                                    tx,
                                    Side::Dynamics,
                                    &logical,
                                    &id.to_string(),
                                    &json!({ DELETED: true }),
                                    now,
                                )?;
                            }
                        }
                    }
                    match &page.next {
                        Some(next) => cursors::set(tx, &next_key, next.as_str(), now)?,
                        None => cursors::clear(tx, &next_key)?,
                    }
                    if let Some(delta) = &page.delta {
                        cursors::set(tx, &delta_key, delta.as_str(), now)?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok((size, done))
    }

    /// The Marketo fields a cycle reads of people: the two-way mapped ones and the system ones.
    pub(crate) fn person_fields(&self) -> Vec<String> {
        let mut fields: BTreeSet<String> = [
            "id",
            "email",
            crate::model::person_fields::DYNAMICS_ID,
            crate::model::person_fields::MICROSOFT_TYPE,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        for entity in [Entity::Lead, Entity::Contact] {
            fields.extend(
                self.config
                    .mappings
                    .of(&entity)
                    .iter()
                    .map(|m| m.marketo.clone()),
            );
        }
        if let Some(existing) = self
            .dry_run
            .as_ref()
            .and_then(|d| d.marketo_fields.as_ref())
        {
            fields.retain(|f| existing.contains(f));
        }
        fields.into_iter().collect()
    }

    fn two_way_person_fields(&self) -> BTreeSet<String> {
        [Entity::Lead, Entity::Contact]
            .iter()
            .flat_map(|e| {
                self.config
                    .mappings
                    .of(e)
                    .iter()
                    .filter(|m| m.direction == Direction::TwoWay)
                    .map(|m| m.marketo.clone())
            })
            .collect()
    }

    /// Pulls Marketo's lead changes and deletions since the stored tokens into the inbox.
    pub(crate) async fn pull_marketo(&mut self, client: &MarketoClient) -> Result<(), Halt> {
        let tokens = self
            .engine
            .db(|s| {
                s.read(|c| {
                    Ok((
                        cursors::get(c, LEAD_CHANGES)?,
                        cursors::get(c, DELETED_LEADS)?,
                    ))
                })
            })
            .await?;
        let (changes_token, deleted_token) = match tokens {
            (Some(changes), Some(deleted)) => {
                (PagingToken::from(changes), PagingToken::from(deleted))
            }
            _ => {
                // The first sync starts the Marketo feeds: what happened before is the first copy's.
                let token = client
                    .paging_token(self.started)
                    .await
                    .map_err(Halt::from)?;
                let now = Utc::now();
                let t = token.as_str().to_owned();
                self.engine
                    .db(move |s| {
                        s.write(|tx| {
                            cursors::set(tx, LEAD_CHANGES, &t, now)?;
                            cursors::set(tx, DELETED_LEADS, &t, now)
                        })
                    })
                    .await?;
                return Ok(());
            }
        };
        let fields = self.person_fields();
        let two_way = self.two_way_person_fields();
        let watched: Vec<&str> = fields
            .iter()
            .map(String::as_str)
            .filter(|f| two_way.contains(*f))
            .collect();
        let mut token = changes_token;
        loop {
            self.check_cancel()?;
            self.ensure_budget(client)?;
            let page = client
                .lead_changes(&token, &watched)
                .await
                .map_err(Halt::from)?;
            // Per person, the last new value of each field in this page.
            let mut latest: BTreeMap<i64, BTreeMap<String, Option<String>>> = BTreeMap::new();
            for change in page.changes() {
                let entry = latest.entry(change.lead_id).or_default();
                for field in &change.fields {
                    entry.insert(field.name.clone(), field.new_value.clone());
                }
            }
            let candidates: Vec<(i64, BTreeMap<String, Option<String>>)> =
                latest.into_iter().collect();
            let config = self.config.clone();
            let to_fetch: Vec<i64> = self
                .engine
                .db(move |s| {
                    s.read(|c| {
                        let mut fetch = Vec::new();
                        for (person, changed) in &candidates {
                            let Some(link) =
                                links::by_marketo(c, &MarketoObject::Person, &person.to_string())?
                            else {
                                continue;
                            };
                            // Against what Marketo last held, which a sync user's edit in
                            // Dynamics did not change (R6).
                            let bases = links::bases(c, link.id)?;
                            let news = changed.iter().any(|(field, new)| {
                                let Some(mapping) = config.mappings.field(&link.entity, field)
                                else {
                                    return false;
                                };
                                let value = mapping
                                    .kind
                                    .from_marketo(&new.clone().map_or(Json::Null, Json::String));
                                let base = bases.marketo.get(field).or(bases.synced.get(field));
                                value.ok().as_ref()
                                    != Some(base.unwrap_or(&crate::value::Value::Null))
                            });
                            if news {
                                fetch.push(*person);
                            }
                        }
                        Ok(fetch)
                    })
                })
                .await?;
            let fetched = if to_fetch.is_empty() {
                Vec::new()
            } else {
                let ids: Vec<String> = to_fetch.iter().map(i64::to_string).collect();
                let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                client
                    .get_leads("id", &ids, &field_refs)
                    .await
                    .map_err(Halt::from)?
            };
            let next = page.next.as_str().to_owned();
            let now = Utc::now();
            self.engine
                .db(move |s| {
                    s.write(|tx| {
                        for lead in &fetched {
                            if let Some(id) = lead.id() {
                                inbox::put(
                                    tx,
                                    Side::Marketo,
                                    PERSON,
                                    &id.to_string(),
                                    &Json::Object(lead.fields().clone()),
                                    now,
                                )?;
                            }
                        }
                        cursors::set(tx, LEAD_CHANGES, &next, now)
                    })
                })
                .await?;
            token = page.next.clone();
            if !page.more {
                break;
            }
        }
        let mut token = deleted_token;
        loop {
            self.check_cancel()?;
            self.ensure_budget(client)?;
            let page = client.deleted_leads(&token).await.map_err(Halt::from)?;
            let deleted: Vec<i64> = page.items().iter().map(|d| d.lead_id).collect();
            let next = page.next.as_str().to_owned();
            let now = Utc::now();
            self.engine
                .db(move |s| {
                    s.write(|tx| {
                        for id in &deleted {
                            if links::by_marketo(tx, &MarketoObject::Person, &id.to_string())?
                                .is_some()
                            {
                                inbox::put(
                                    tx,
                                    Side::Marketo,
                                    PERSON,
                                    &id.to_string(),
                                    &json!({ DELETED: true }),
                                    now,
                                )?;
                            }
                        }
                        cursors::set(tx, DELETED_LEADS, &next, now)
                    })
                })
                .await?;
            token = page.next.clone();
            if !page.more {
                break;
            }
        }
        Ok(())
    }
}

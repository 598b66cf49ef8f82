//! Carrying out "Sync Person to Microsoft" requests (R24-R27), first in a cycle so that a request
//! cut short by a crash is finished before the records it created come back through change
//! tracking. The lead is created with the id the request names (`If-None-Match: *`), so a retry
//! finds it instead of making a second one; as a contact it is then qualified with no account
//! (R26). The created record is read back and linked to the person like any matched pair, the
//! request completing in the same transaction.

use std::collections::HashMap;

use chrono::Utc;
use dynasync_dynamics::{Precondition, QualifyOptions, Query, Record};
use futures_util::StreamExt;
use serde_json::Value as Json;
use uuid::Uuid;

use super::cycle::{Cycle, Halt};
use crate::clients::dynamics_stop;
use crate::model::{Entity, MarketoObject, person_fields};
use crate::plan::objects::{ActivityKind, ActivityWrite};
use crate::plan::people::{PeopleInput, plan_people};
use crate::plan::requests::{RequestDecision, plan_request};
use crate::plan::{DynamicsRecord, KnownSet, LinkChange, Lookup, MarketoId};
use crate::store::errors::{self, Failure};
use crate::store::journal::Flow;
use crate::store::links::{self, LinkState};
use crate::store::requests::{self, Request, SyncAs};

/// People read per Marketo call (its batch limit).
const CHUNK: usize = 300;

async fn first_record(query: Query) -> Result<Option<Record>, dynasync_dynamics::Error> {
    let page = std::pin::pin!(query.pages()).next().await.transpose()?;
    Ok(page.and_then(|p| p.records.into_iter().next()))
}

fn halt(error: &dynasync_dynamics::Error) -> Halt {
    match dynamics_stop(error) {
        (reason, true) => Halt::Stop(reason),
        (reason, false) => Halt::Fail(reason),
    }
}

impl Cycle {
    /// Queues members of the chosen static list that exist only in Marketo, then carries out every
    /// pending request.
    pub(crate) async fn process_requests(&mut self) -> Result<(), Halt> {
        self.queue_list_members().await?;
        let pending = self.engine.db(|s| s.read(requests::pending)).await?;
        for chunk in pending.chunks(CHUNK) {
            self.check_cancel()?;
            self.ensure_budget(&self.marketo)?;
            let fields = self.person_fields();
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            let ids: Vec<String> = chunk.iter().map(|r| r.marketo_id.to_string()).collect();
            let people: HashMap<i64, Json> = self
                .marketo
                .get_leads("id", &ids, &fields)
                .await
                .map_err(Halt::from)?
                .iter()
                .filter_map(|lead| Some((lead.id()?, Json::Object(lead.fields().clone()))))
                .collect();
            for request in chunk {
                self.fulfil(request, people.get(&request.marketo_id))
                    .await?;
            }
        }
        Ok(())
    }

    async fn queue_list_members(&mut self) -> Result<(), Halt> {
        let Some(list) = self.config.options.person_list_id else {
            return Ok(());
        };
        self.ensure_budget(&self.marketo)?;
        let members = self
            .marketo
            .list_members(
                list,
                &[
                    "id",
                    person_fields::MICROSOFT_TYPE,
                    person_fields::DYNAMICS_ID,
                ],
            )
            .await
            .map_err(Halt::from)?;
        let marketo_only: Vec<i64> = members
            .iter()
            .filter(|m| {
                let empty = |field: &str| {
                    m.fields()
                        .get(field)
                        .and_then(Json::as_str)
                        .is_none_or(str::is_empty)
                };
                empty(person_fields::MICROSOFT_TYPE) && empty(person_fields::DYNAMICS_ID)
            })
            .filter_map(dynasync_marketo::Lead::id)
            .collect();
        let sync_as = if self.config.options.person_list_as_contact {
            SyncAs::Contact
        } else {
            SyncAs::Lead
        };
        let owner = self.config.options.person_list_owner;
        let source = format!("list:{list}");
        let now = Utc::now();
        self.engine
            .db(move |s| {
                s.write(|tx| {
                    for person in marketo_only {
                        // A member is sent once: taking it off the list and back on does not
                        // send it again.
                        let linked =
                            links::by_marketo(tx, &MarketoObject::Person, &person.to_string())?
                                .is_some();
                        if !linked && !requests::ever_requested(tx, person)? {
                            requests::add(tx, person, sync_as, owner, &source, now)?;
                        }
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    async fn fulfil(&mut self, request: &Request, person: Option<&Json>) -> Result<(), Halt> {
        let marketo_id = request.marketo_id;
        let linked = self
            .engine
            .db(move |s| {
                s.read(|c| links::by_marketo(c, &MarketoObject::Person, &marketo_id.to_string()))
            })
            .await?
            .is_some();
        let decision = plan_request(&self.context(), request, person, linked);
        let (lead_id, lead, as_contact) = match decision {
            RequestDecision::Done { outcome, message } => {
                return self.end_request(request, outcome, &message).await;
            }
            RequestDecision::Create {
                lead_id,
                lead,
                as_contact,
            } => (lead_id, lead, as_contact),
        };
        let Some(person) = person else {
            return Ok(());
        };
        let created = self
            .create_in_dynamics(lead_id, Record::from_json(lead, None), as_contact)
            .await;
        let (entity, id) = match created {
            Ok(created) => created,
            Err(error) if error.is_retryable() || error.is_auth() => return Err(halt(&error)),
            Err(error) => return self.refused(request, &error).await,
        };
        let json = self
            .read_back(&entity, id)
            .await
            .map_err(|e| halt(&e))?
            .ok_or_else(|| {
                Halt::Fail(crate::status::StopReason::new(
                    crate::status::StopCode::Internal,
                    format!(
                        "the {} {id} created on request cannot be read back",
                        entity.logical_name()
                    ),
                ))
            })?;
        let records = [DynamicsRecord {
            entity: entity.clone(),
            id,
            json: Some(json),
        }];
        let lookups = HashMap::from([(
            id,
            Lookup::Requested {
                id: request.marketo_id,
                json: person.clone(),
            },
        )]);
        let known = KnownSet::default();
        let blocked = HashMap::new();
        let mut plan = plan_people(
            &self.context(),
            &PeopleInput {
                dynamics: &records,
                marketo: &[],
                known: &known,
                lookups: &lookups,
                blocked: &blocked,
            },
        );
        let Some(link) = plan.marketo.first_mut() else {
            return self
                .end_request(
                    request,
                    "failed",
                    "the created record could not be linked to the person",
                )
                .await;
        };
        link.commit.fulfils = Some(request.id);
        if entity == Entity::Contact {
            // The lead it was qualified from stays out of Marketo: its person is the contact's.
            link.commit.links.push(LinkChange::Upsert {
                entity: Entity::Lead,
                dynamics_id: lead_id,
                object: MarketoObject::Person,
                marketo_id: MarketoId::None,
                state: LinkState::Converted,
            });
        }
        self.stats
            .flow(&format!("{} → Dynamics", entity.logical_name()))
            .created += 1;
        self.execute(plan, Vec::new(), Vec::new()).await
    }

    /// Creates the lead (or finds it, created by an attempt that did not finish) and qualifies it
    /// into a contact when asked. Returns the record the person now syncs with.
    async fn create_in_dynamics(
        &self,
        lead_id: Uuid,
        lead: Record,
        as_contact: bool,
    ) -> Result<(Entity, Uuid), dynasync_dynamics::Error> {
        let leads = self.entity_set(&Entity::Lead);
        match self
            .dynamics
            .update(&leads, lead_id, &lead, Precondition::MustNotExist)
            .await
        {
            Ok(_) => {}
            Err(error) if error.is_precondition_failed() => {}
            Err(error) => return Err(error),
        }
        if !as_contact {
            return Ok((Entity::Lead, lead_id));
        }
        if let Some(contact) = self.qualified_contact(lead_id).await? {
            return Ok((Entity::Contact, contact));
        }
        let created = self
            .dynamics
            .qualify_lead(lead_id, QualifyOptions::default())
            .await?;
        let contact = created
            .iter()
            .find(|r| r.logical_name == "contact")
            .map(|r| r.id);
        match contact {
            Some(contact) => Ok((Entity::Contact, contact)),
            None => Ok((Entity::Lead, lead_id)),
        }
    }

    /// The contact an earlier attempt qualified the lead into.
    async fn qualified_contact(
        &self,
        lead_id: Uuid,
    ) -> Result<Option<Uuid>, dynasync_dynamics::Error> {
        let contacts = self.entity_set(&Entity::Contact);
        let query = self
            .dynamics
            .query(&contacts)
            .select(["contactid"])
            .filter(format!("_originatingleadid_value eq {lead_id}"))
            .top(1);
        Ok(first_record(query)
            .await?
            .and_then(|r| r.guid("contactid").ok().flatten()))
    }

    async fn read_back(
        &self,
        entity: &Entity,
        id: Uuid,
    ) -> Result<Option<Json>, dynasync_dynamics::Error> {
        let Some(enabled) = self.config.entities.iter().find(|e| &e.entity == entity) else {
            return Ok(None);
        };
        let query = self
            .dynamics
            .query(&enabled.entity_set)
            .select(&enabled.columns)
            .filter(format!("{} eq {id}", enabled.primary_id))
            .with_annotations();
        Ok(first_record(query)
            .await?
            .map(|r| Json::Object(r.into_json())))
    }

    /// Dynamics refused the record (a validation rule, a required field, an unknown owner): the
    /// request ends, the refusal goes to the error list and to the person's activity log (R28).
    async fn refused(
        &mut self,
        request: &Request,
        error: &dynasync_dynamics::Error,
    ) -> Result<(), Halt> {
        if let Some(types) = self.config.activity_types {
            self.ensure_budget(&self.marketo)?;
            let activity = ActivityWrite {
                person: request.marketo_id,
                kind: ActivityKind::DynamicsRejected,
                primary: "Sync Person to Microsoft".into(),
                attributes: vec![
                    ("code", error.code().unwrap_or_default().to_owned()),
                    ("message", error.message()),
                ],
            };
            // The activity log is a courtesy: a refusal here must not keep the request open.
            let _ = self
                .marketo
                .add_custom_activities(types.activities(&[activity], Utc::now()))
                .await;
        }
        self.end_request(request, "rejected", &error.message())
            .await
    }

    async fn end_request(
        &mut self,
        request: &Request,
        outcome: &'static str,
        message: &str,
    ) -> Result<(), Halt> {
        let (id, person) = (request.id, request.marketo_id.to_string());
        let run_id = self.run_id;
        let message = message.to_owned();
        let now = Utc::now();
        let failed = outcome == "rejected" || outcome == "failed";
        self.engine
            .db(move |s| {
                s.write(|tx| {
                    requests::complete(tx, id, outcome, None, now)?;
                    if failed {
                        errors::record(
                            tx,
                            &Failure {
                                run_id: Some(run_id),
                                direction: Flow::ToDynamics,
                                entity: "person",
                                record: &person,
                                operation: "create",
                                code: outcome,
                                message: &message,
                                blocked: None,
                            },
                            now,
                        )?;
                    }
                    Ok(())
                })
            })
            .await?;
        if failed {
            self.stats.flow("person → Dynamics").failed += 1;
        }
        Ok(())
    }

    fn entity_set(&self, entity: &Entity) -> String {
        self.config
            .entities
            .iter()
            .find(|e| &e.entity == entity)
            .map(|e| e.entity_set.clone())
            .unwrap_or_else(|| format!("{}s", entity.logical_name()))
    }
}

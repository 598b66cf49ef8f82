//! Processing the inbox batch by batch: gather what the planner needs (links, synced values,
//! lookups, refused values), plan, push, and commit everything the batch caused in one
//! transaction, the inbox items it consumed included.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use serde_json::Value as Json;
use uuid::Uuid;

use super::cycle::{Cycle, Halt};
use super::pull::{DELETED, PERSON};
use super::{commit, push};
use crate::model::{Entity, MarketoObject, Side, person_fields};
use crate::plan::objects::{
    ActivityKind, ActivityWrite, ContactRef, ObjectsInput, Parent, plan_objects,
};
use crate::plan::people::{PeopleInput, classify_lookup, lookups_needed, plan_people};
use crate::plan::{
    Commit, Context, DynamicsRecord, KnownSet, LinkChange, LinkRef, Lookup, MarketoAction,
    MarketoId, MarketoPerson, MarketoWrite, Plan,
};
use crate::rules::Rule;
use crate::status::Phase;
use crate::store::errors::{self, Failure};
use crate::store::inbox::{self, Item};
use crate::store::journal::{self, Entry, Flow};
use crate::store::links::{self, LinkState};
use crate::store::runs::RunStats;
use crate::store::schema::{EnabledEntity, PathStep};
use crate::store::{self, runs};
use crate::value::Value;

/// Records per batch: one Marketo call's worth (R99: 300 records a call).
const BATCH: usize = 300;

fn deleted(item: &Item) -> bool {
    item.payload.get(DELETED).is_some()
}

fn dynamics_record(item: &Item) -> Option<DynamicsRecord> {
    Some(DynamicsRecord {
        entity: Entity::from_logical_name(&item.entity),
        id: Uuid::parse_str(&item.record_id).ok()?,
        json: (!deleted(item)).then(|| item.payload.clone()),
    })
}

fn guid(json: &Json, property: &str) -> Option<Uuid> {
    json.get(property)
        .and_then(Json::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// The entity and record a write is about, for the error list.
fn subject(commit: &Commit, record: &serde_json::Map<String, Json>) -> (String, String) {
    for change in &commit.links {
        match change {
            LinkChange::Upsert {
                entity,
                dynamics_id,
                ..
            }
            | LinkChange::Relink {
                entity,
                dynamics_id,
                ..
            } => {
                return (entity.logical_name().to_owned(), dynamics_id.to_string());
            }
            _ => {}
        }
    }
    if let Some(entry) = commit.journal.first()
        && let Some(id) = entry.dynamics_id
    {
        return (entry.entity.clone(), id.to_string());
    }
    let key = [
        "id",
        person_fields::DYNAMICS_ID,
        "externalCompanyId",
        "externalOpportunityId",
        "externalSalesPersonId",
    ]
    .iter()
    .find_map(|k| record.get(*k))
    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    .unwrap_or_default();
    (
        commit
            .journal
            .first()
            .map(|e| e.entity.clone())
            .unwrap_or_else(|| "person".into()),
        key,
    )
}

/// A dry run's stand-in for a Marketo write's outcome: created records get a negative id, so the
/// rest of the run links to them as it would to real ones.
fn simulated(write: &MarketoWrite, next_id: &mut i64) -> (push::Outcome, bool) {
    let creates = write.commit.links.iter().any(|l| {
        matches!(
            l,
            LinkChange::Upsert {
                marketo_id: MarketoId::FromOutcome,
                ..
            }
        )
    });
    if creates {
        *next_id -= 1;
        return (Ok(Some(next_id.to_string())), true);
    }
    let id = write
        .record
        .get("id")
        .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_owned));
    (Ok(id), false)
}

fn flow_name(entity: &str, to: &str) -> String {
    format!("{entity} → {to}")
}

impl Cycle {
    pub(super) fn context(&self) -> Context<'_> {
        Context {
            now: Utc::now(),
            run_id: self.run_id,
            mappings: &self.config.mappings,
            sync_user: self.config.sync_user,
            filter_entities: &self.config.filter_entities,
        }
    }

    /// Processes every pulled change of one Dynamics entity.
    pub(crate) async fn process_entity(&mut self, entity: &EnabledEntity) -> Result<(), Halt> {
        loop {
            self.check_cancel()?;
            let logical = entity.entity.logical_name().to_owned();
            let items = self
                .engine
                .db(move |s| s.read(|c| inbox::oldest(c, Side::Dynamics, &logical, BATCH)))
                .await?;
            if items.is_empty() {
                return Ok(());
            }
            let count = items.len();
            if entity.entity.is_person() {
                self.people_batch(items, Vec::new()).await?;
            } else {
                self.objects_batch(entity, items).await?;
            }
            let phase = self.phase(entity);
            self.advance(entity.entity.logical_name(), phase, count);
        }
    }

    /// Processes the Marketo people changes left once every Dynamics change is applied.
    pub(crate) async fn process_marketo_people(&mut self) -> Result<(), Halt> {
        loop {
            self.check_cancel()?;
            let items = self
                .engine
                .db(|s| s.read(|c| inbox::oldest(c, Side::Marketo, PERSON, BATCH)))
                .await?;
            if items.is_empty() {
                return Ok(());
            }
            let count = items.len();
            self.people_batch(Vec::new(), items).await?;
            self.advance(PERSON, Phase::Changes, count);
        }
    }

    async fn people_batch(
        &mut self,
        dynamics_items: Vec<Item>,
        marketo_items: Vec<Item>,
    ) -> Result<(), Halt> {
        let dynamics: Vec<DynamicsRecord> =
            dynamics_items.iter().filter_map(dynamics_record).collect();
        let records = dynamics.clone();
        let people: Vec<i64> = marketo_items
            .iter()
            .filter_map(|i| i.record_id.parse().ok())
            .collect();
        let (known, extra, blocked) = self
            .engine
            .db(move |s| {
                s.read(|c| {
                    let mut known = KnownSet::default();
                    let mut extra = Vec::new();
                    let add = |c: &rusqlite::Connection,
                               link: links::Link,
                               known: &mut KnownSet|
                     -> store::Result<()> {
                        known.insert(super::known(c, link)?);
                        Ok(())
                    };
                    for d in &records {
                        if let Some(link) = links::by_dynamics(c, &d.entity, d.id)? {
                            if let Some(person) = &link.marketo_id {
                                extra.extend(inbox::find(c, Side::Marketo, PERSON, person)?);
                            }
                            add(c, link, &mut known)?;
                        }
                        let related = d
                            .json
                            .as_ref()
                            .map(|j| {
                                (
                                    guid(j, "_originatingleadid_value"),
                                    guid(j, "_masterid_value"),
                                )
                            })
                            .unwrap_or_default();
                        if let (Some(lead), Entity::Contact) = (related.0, &d.entity)
                            && let Some(link) = links::by_dynamics(c, &Entity::Lead, lead)?
                        {
                            add(c, link, &mut known)?;
                        }
                        if let Some(winner) = related.1
                            && let Some(link) = links::by_dynamics(c, &d.entity, winner)?
                        {
                            add(c, link, &mut known)?;
                        }
                    }
                    for person in &people {
                        if let Some(link) =
                            links::by_marketo(c, &MarketoObject::Person, &person.to_string())?
                        {
                            add(c, link, &mut known)?;
                        }
                    }
                    let mut blocked: HashMap<i64, BTreeMap<String, Value>> = HashMap::new();
                    for d in &records {
                        if let (Some(link), Some(json)) = (
                            links::by_dynamics(c, &d.entity, d.id)?,
                            errors::blocked(
                                c,
                                Flow::ToDynamics,
                                d.entity.logical_name(),
                                &d.id.to_string(),
                                "update",
                            )?,
                        ) {
                            blocked
                                .insert(link.id, serde_json::from_value(json).unwrap_or_default());
                        }
                    }
                    for person in &people {
                        if let Some(link) =
                            links::by_marketo(c, &MarketoObject::Person, &person.to_string())?
                            && let Some(json) = errors::blocked(
                                c,
                                Flow::ToDynamics,
                                link.entity.logical_name(),
                                &link.dynamics_id.to_string(),
                                "update",
                            )?
                        {
                            blocked
                                .insert(link.id, serde_json::from_value(json).unwrap_or_default());
                        }
                    }
                    Ok((known, extra, blocked))
                })
            })
            .await?;
        let mut consumed: Vec<i64> = dynamics_items
            .iter()
            .chain(&marketo_items)
            .map(|i| i.id)
            .collect();
        let mut marketo_all = marketo_items;
        for item in extra {
            if !consumed.contains(&item.id) {
                consumed.push(item.id);
                marketo_all.push(item);
            }
        }
        let marketo: Vec<MarketoPerson> = marketo_all
            .iter()
            .filter_map(|i| {
                Some(MarketoPerson {
                    id: i.record_id.parse().ok()?,
                    json: (!deleted(i)).then(|| i.payload.clone()),
                })
            })
            .collect();
        let no_lookups = HashMap::new();
        let needed = {
            let ctx = self.context();
            let input = PeopleInput {
                dynamics: &dynamics,
                marketo: &marketo,
                known: &known,
                lookups: &no_lookups,
                blocked: &blocked,
            };
            lookups_needed(&ctx, &input)
        };
        let lookups = self.lookup(&needed).await?;
        let plan = {
            let ctx = self.context();
            let input = PeopleInput {
                dynamics: &dynamics,
                marketo: &marketo,
                known: &known,
                lookups: &lookups,
                blocked: &blocked,
            };
            plan_people(&ctx, &input)
        };
        self.execute(plan, Vec::new(), consumed).await
    }

    /// Looks new Dynamics people up in Marketo: by Dynamics id, then by email.
    async fn lookup(
        &self,
        needed: &[(Uuid, Option<String>)],
    ) -> Result<HashMap<Uuid, Lookup>, Halt> {
        if needed.is_empty() {
            return Ok(HashMap::new());
        }
        self.ensure_budget(&self.marketo)?;
        let fields = self.person_fields();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let ids: Vec<String> = needed.iter().map(|(id, _)| id.to_string()).collect();
        let by_id = self
            .marketo
            .get_leads(person_fields::DYNAMICS_ID, &ids, &fields)
            .await
            .map_err(Halt::from)?;
        let mut emails: Vec<String> = needed.iter().filter_map(|(_, e)| e.clone()).collect();
        emails.sort_by_key(|e| e.to_lowercase());
        emails.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let by_email = if emails.is_empty() {
            Vec::new()
        } else {
            self.marketo
                .get_leads("email", &emails, &fields)
                .await
                .map_err(Halt::from)?
        };
        let pair =
            |lead: &dynasync_marketo::Lead| Some((lead.id()?, Json::Object(lead.fields().clone())));
        let by_id: Vec<(i64, Json)> = by_id.iter().filter_map(pair).collect();
        let by_email: Vec<(i64, Json)> = by_email.iter().filter_map(pair).collect();
        let candidates: Vec<i64> = by_email.iter().map(|(id, _)| *id).collect();
        let linked: HashSet<i64> = self
            .engine
            .db(move |s| {
                s.read(|c| {
                    let mut linked = HashSet::new();
                    for id in candidates {
                        if links::by_marketo(c, &MarketoObject::Person, &id.to_string())?.is_some()
                        {
                            linked.insert(id);
                        }
                    }
                    Ok(linked)
                })
            })
            .await?;
        Ok(needed
            .iter()
            .map(|(id, email)| {
                (
                    *id,
                    classify_lookup(*id, email.as_deref(), &by_id, &by_email, |p| {
                        linked.contains(&p)
                    }),
                )
            })
            .collect())
    }

    async fn objects_batch(
        &mut self,
        entity: &EnabledEntity,
        items: Vec<Item>,
    ) -> Result<(), Halt> {
        let records: Vec<DynamicsRecord> = items.iter().filter_map(dynamics_record).collect();
        let consumed: Vec<i64> = items.iter().map(|i| i.id).collect();
        let query = records.clone();
        let (known, people_of_account, contacts) = self
            .engine
            .db(move |s| {
                s.read(|c| {
                    let mut known = KnownSet::default();
                    let mut people: HashMap<Uuid, Vec<i64>> = HashMap::new();
                    let mut contacts: HashMap<Uuid, ContactRef> = HashMap::new();
                    for d in &query {
                        if let Some(link) = links::by_dynamics(c, &d.entity, d.id)? {
                            known.insert(super::known(c, link)?);
                        }
                        if d.entity == Entity::Account {
                            let linked = links::with_synced_value(
                                c,
                                person_fields::COMPANY,
                                &Value::Ref(d.id),
                            )?;
                            people.insert(
                                d.id,
                                linked
                                    .iter()
                                    .filter(|l| {
                                        l.object == MarketoObject::Person
                                            && l.state == LinkState::Live
                                    })
                                    .filter_map(|l| l.marketo_id.as_deref()?.parse().ok())
                                    .collect(),
                            );
                        }
                        // An opportunity's customer contact (R56), a stakeholder's contact (R57).
                        let contact = d.json.as_ref().and_then(|j| match d.entity {
                            Entity::Connection => guid(j, "_record2id_value"),
                            _ => guid(j, "_customerid_value"),
                        });
                        if let Some(customer) = contact
                            && let Some(link) = links::by_dynamics(c, &Entity::Contact, customer)?
                        {
                            let synced = links::synced(c, link.id)?;
                            let account = match synced.get(person_fields::COMPANY) {
                                Some(Value::Ref(id)) => Some(*id),
                                _ => None,
                            };
                            contacts.insert(
                                customer,
                                ContactRef {
                                    person: link.marketo_id.as_deref().and_then(|p| p.parse().ok()),
                                    account,
                                },
                            );
                        }
                    }
                    Ok((known, people, contacts))
                })
            })
            .await?;
        let parents = self.custom_parents(entity, &records).await?;
        let roles = if entity.entity == Entity::Connection {
            self.connection_roles().await?
        } else {
            HashMap::new()
        };
        let (plan, activities) = {
            let ctx = self.context();
            let input = ObjectsInput {
                records: &records,
                known: &known,
                people_of_account: &people_of_account,
                contacts: &contacts,
                parents: &parents,
                roles: &roles,
            };
            plan_objects(&ctx, &input)
        };
        self.execute(plan, activities, consumed).await
    }

    /// What each record of a custom entity hangs off in Marketo: the person or company of the
    /// lead, contact or account at the top of its path, read through the table in between when it
    /// is two levels down (R60).
    async fn custom_parents(
        &self,
        entity: &EnabledEntity,
        records: &[DynamicsRecord],
    ) -> Result<HashMap<Uuid, Parent>, Halt> {
        let (Some(top), Some(last)) = (entity.path.first(), entity.path.last()) else {
            return Ok(HashMap::new());
        };
        let property = format!("_{}_value", last.lookup);
        let mut roots: HashMap<Uuid, Option<Uuid>> = records
            .iter()
            .filter_map(|r| Some((r.id, guid(r.json.as_ref()?, &property))))
            .collect();
        if entity.path.len() == 2 {
            let middle: Vec<Uuid> = roots.values().flatten().copied().collect();
            let above = self.read_parents(&entity.path[1], top, &middle).await?;
            for root in roots.values_mut() {
                *root = root.and_then(|m| above.get(&m).copied().flatten());
            }
        }
        let root_entity = Entity::from_logical_name(&top.parent);
        self.engine
            .db(move |s| {
                s.read(|c| {
                    let mut parents = HashMap::new();
                    for (record, root) in roots {
                        let parent = match root {
                            None => Parent::NotSynced(format!(
                                "it is linked to no {}",
                                root_entity.logical_name()
                            )),
                            Some(root) => {
                                let link = links::by_dynamics(c, &root_entity, root)?;
                                match (&root_entity, link.and_then(|l| l.marketo_id)) {
                                    (Entity::Account, Some(_)) => Parent::Company(root),
                                    (_, Some(person)) => match person.parse() {
                                        Ok(person) => Parent::Person(person),
                                        Err(_) => Parent::NotSynced(format!(
                                            "its {} {root} has no Marketo person",
                                            root_entity.logical_name()
                                        )),
                                    },
                                    (_, None) => Parent::NotSynced(format!(
                                        "its {} {root} does not sync to Marketo",
                                        root_entity.logical_name()
                                    )),
                                }
                            }
                        };
                        parents.insert(record, parent);
                    }
                    Ok(parents)
                })
            })
            .await
            .map_err(Halt::from)
    }

    /// Connection role names by id, which stakeholders' roles in Marketo are named after (R57).
    async fn connection_roles(&self) -> Result<HashMap<Uuid, String>, Halt> {
        use futures_util::TryStreamExt;
        let pages: Vec<dynasync_dynamics::Page> = self
            .dynamics
            .query("connectionroles")
            .select(["connectionroleid", "name"])
            .pages()
            .try_collect()
            .await
            .map_err(Halt::from)?;
        Ok(pages
            .iter()
            .flat_map(|p| &p.records)
            .filter_map(|r| {
                let name = r.get("name")?.as_str()?.to_owned();
                Some((r.guid("connectionroleid").ok()??, name))
            })
            .collect())
    }

    /// The `top` lookup of the `step.parent` rows with these ids.
    async fn read_parents(
        &self,
        step: &PathStep,
        top: &PathStep,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Option<Uuid>>, Halt> {
        use futures_util::TryStreamExt;
        let Some(set) = &step.parent_set else {
            return Ok(HashMap::new());
        };
        let key = format!("{}id", step.parent);
        let lookup = format!("_{}_value", top.lookup);
        let mut found = HashMap::new();
        let mut unique: Vec<Uuid> = ids.to_vec();
        unique.sort();
        unique.dedup();
        // Short filters keep the URL well under Dataverse's length limit.
        for chunk in unique.chunks(50) {
            let filter = chunk
                .iter()
                .map(|id| format!("{key} eq {id}"))
                .collect::<Vec<_>>()
                .join(" or ");
            let pages: Vec<dynasync_dynamics::Page> = self
                .dynamics
                .query(set)
                .select([key.as_str(), lookup.as_str()])
                .filter(filter)
                .pages()
                .try_collect()
                .await
                .map_err(Halt::from)?;
            for record in pages.iter().flat_map(|p| &p.records) {
                if let Ok(Some(id)) = record.guid(&key) {
                    found.insert(id, record.guid(&lookup).ok().flatten());
                }
            }
        }
        Ok(found)
    }

    /// Pushes a plan and commits what it caused, with the inbox items it consumed, in one
    /// transaction.
    pub(super) async fn execute(
        &mut self,
        plan: Plan,
        mut activities: Vec<ActivityWrite>,
        consumed: Vec<i64>,
    ) -> Result<(), Halt> {
        let now = Utc::now();
        if let Some(dry_run) = &mut self.dry_run {
            dry_run.collector.add(&plan);
        }
        let marketo_results = if plan.marketo.is_empty() {
            Vec::new()
        } else if let Some(dry_run) = &mut self.dry_run {
            plan.marketo
                .iter()
                .map(|write| simulated(write, &mut dry_run.next_id))
                .collect()
        } else {
            self.ensure_budget(&self.marketo)?;
            push::marketo(&self.marketo, &plan.marketo)
                .await
                .map_err(Halt::from)?
        };
        // A Dynamics write of a pair linked in this batch goes only if the link was made.
        let linked_now: HashSet<(String, String)> = plan
            .marketo
            .iter()
            .zip(&marketo_results)
            .filter(|(_, (r, _))| r.is_ok())
            .filter_map(|(w, _)| {
                w.commit.links.iter().find_map(|l| match l {
                    LinkChange::Upsert {
                        entity,
                        dynamics_id,
                        ..
                    } => Some((entity.logical_name().to_owned(), dynamics_id.to_string())),
                    _ => None,
                })
            })
            .collect();
        let dynamics_writes: Vec<_> = plan
            .dynamics
            .iter()
            .filter(|w| match &w.commit.link {
                Some(LinkRef::Record(entity, id)) => {
                    linked_now.contains(&(entity.logical_name().to_owned(), id.to_string()))
                }
                _ => true,
            })
            .cloned()
            .collect();
        let sets: HashMap<Entity, String> = self
            .config
            .entities
            .iter()
            .map(|e| (e.entity.clone(), e.entity_set.clone()))
            .collect();
        let dynamics_results = if dynamics_writes.is_empty() {
            Vec::new()
        } else if self.dry_run.is_some() {
            vec![Ok(None); dynamics_writes.len()]
        } else {
            match push::dynamics(&self.dynamics, &dynamics_writes, |e| {
                sets.get(e).cloned().unwrap_or_default()
            })
            .await
            {
                Ok(results) => results,
                Err(error) => return Err(Halt::from(error)),
            }
        };
        for (write, result) in dynamics_writes.iter().zip(&dynamics_results) {
            if let (Err(refusal), Some(person)) = (result, write.person)
                && refusal.validation
            {
                activities.push(ActivityWrite {
                    person,
                    kind: ActivityKind::DynamicsRejected,
                    primary: write
                        .commit
                        .synced
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    attributes: vec![
                        ("code", refusal.code.clone()),
                        ("message", refusal.message.clone()),
                    ],
                });
            }
        }
        if self.dry_run.is_some() {
            activities.clear();
        }
        if let (false, Some(types)) = (activities.is_empty(), self.config.activity_types) {
            self.ensure_budget(&self.marketo)?;
            // The activity log is a courtesy: a refusal here must not undo the batch.
            let _ = self
                .marketo
                .add_custom_activities(types.activities(&activities, now))
                .await;
        }

        let mut stats = RunStats::default();
        let run_id = self.run_id;
        let marketo_writes = plan.marketo;
        let local = plan.local;
        let skipped = plan.skipped;
        let after = self.stats.clone();
        self.stats = self
            .engine
            .db(move |s| {
                s.write(|tx| {
                    for (write, (result, created)) in marketo_writes.iter().zip(&marketo_results) {
                        let (entity, record) = subject(&write.commit, &write.record);
                        let flow = stats.flow(&flow_name(&entity, "Marketo"));
                        match result {
                            Ok(id) => {
                                commit::apply(tx, &write.commit, id.as_deref(), None, now)?;
                                errors::resolve(
                                    tx,
                                    Flow::ToMarketo,
                                    &entity,
                                    &record,
                                    "sync",
                                    now,
                                )?;
                                errors::resolve(
                                    tx,
                                    Flow::None,
                                    &entity,
                                    &record,
                                    errors::AMBIGUOUS_MATCH,
                                    now,
                                )?;
                                if write.action == MarketoAction::Delete || *created {
                                    flow.created += u64::from(*created);
                                } else {
                                    flow.updated += 1;
                                }
                            }
                            Err(refusal) => {
                                flow.failed += 1;
                                errors::record(
                                    tx,
                                    &Failure {
                                        run_id: Some(run_id),
                                        direction: Flow::ToMarketo,
                                        entity: &entity,
                                        record: &record,
                                        operation: "sync",
                                        code: &refusal.code,
                                        message: &refusal.message,
                                        blocked: None,
                                    },
                                    now,
                                )?;
                            }
                        }
                    }
                    for (write, result) in dynamics_writes.iter().zip(&dynamics_results) {
                        let entity = write.entity.logical_name().to_owned();
                        let record = write.id.to_string();
                        let flow = stats.flow(&flow_name(&entity, "Dynamics"));
                        match result {
                            Ok(version) => {
                                commit::apply(tx, &write.commit, None, version.as_deref(), now)?;
                                errors::resolve(
                                    tx,
                                    Flow::ToDynamics,
                                    &entity,
                                    &record,
                                    "update",
                                    now,
                                )?;
                                flow.updated += 1;
                            }
                            Err(refusal) => {
                                flow.failed += 1;
                                let tried =
                                    serde_json::to_value(&write.commit.synced).unwrap_or_default();
                                errors::record(
                                    tx,
                                    &Failure {
                                        run_id: Some(run_id),
                                        direction: Flow::ToDynamics,
                                        entity: &entity,
                                        record: &record,
                                        operation: "update",
                                        code: &refusal.code,
                                        message: &refusal.message,
                                        blocked: refusal.validation.then_some(&tried),
                                    },
                                    now,
                                )?;
                                let entries: Vec<Entry> = write
                                    .commit
                                    .journal
                                    .iter()
                                    .map(|e| Entry {
                                        rule: Rule::RejectedByDynamics,
                                        note: Some(refusal.message.clone()),
                                        ..e.clone()
                                    })
                                    .collect();
                                journal::append(tx, &entries)?;
                            }
                        }
                    }
                    for commit in &local {
                        commit::apply(tx, commit, None, None, now)?;
                    }
                    for skip in &skipped {
                        stats
                            .flow(&flow_name(skip.entity.logical_name(), "Marketo"))
                            .skipped += 1;
                        // Kept to be tried again at each cycle until the ambiguity is resolved (R29).
                        let kept = if skip.code == errors::AMBIGUOUS_MATCH {
                            inbox::find(
                                tx,
                                Side::Dynamics,
                                skip.entity.logical_name(),
                                &skip.record,
                            )?
                            .map(|item| item.payload)
                        } else {
                            None
                        };
                        errors::record(
                            tx,
                            &Failure {
                                run_id: Some(run_id),
                                direction: Flow::None,
                                entity: skip.entity.logical_name(),
                                record: &skip.record,
                                operation: skip.code,
                                code: skip.code,
                                message: &skip.message,
                                blocked: kept.as_ref(),
                            },
                            now,
                        )?;
                    }
                    inbox::remove(tx, &consumed)?;
                    let mut total = after;
                    for (name, counts) in &stats.flows {
                        let into = total.flow(name);
                        into.created += counts.created;
                        into.updated += counts.updated;
                        into.skipped += counts.skipped;
                        into.failed += counts.failed;
                    }
                    runs::save_stats(tx, run_id, &total)?;
                    Ok(total)
                })
            })
            .await?;
        Ok(())
    }
}

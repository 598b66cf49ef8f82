//! Leads and contacts ⇄ Marketo people: both ways, field by field (R18, R19, R22, R23), with the
//! sync filter (R32-R37), deletes (R66-R68), qualify (R41), merges (R40) and echo suppression (R6).
//! A Dynamics person not linked yet is first looked up in Marketo by its Dynamics id, then by email,
//! so nothing is created blindly (R29).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;
use uuid::Uuid;

use super::merge::merge_field;
use super::record::{COMPANY_FIELDS, FieldSpec, marketo_values, person_fields};
use super::{
    Commit, Context, DynamicsOp, DynamicsRecord, DynamicsWrite, Echo, Filter, Known, KnownSet,
    LinkChange, LinkRef, Lookup, MarketoAction, MarketoId, MarketoPerson, MarketoWrite, PersonRow,
    Plan, Skip,
};
use crate::model::{Entity, MarketoObject, Side, person_fields as system};
use crate::rules::Rule;
use crate::store::journal::{Entry, Flow};
use crate::store::links::LinkState;
use crate::value::Value;

/// The changes of one batch of people.
#[derive(Debug, Clone, Copy)]
pub struct PeopleInput<'a> {
    /// Changed (or deleted) leads and contacts.
    pub dynamics: &'a [DynamicsRecord],
    /// Changed (or deleted) Marketo people, fetched after their change.
    pub marketo: &'a [MarketoPerson],
    /// Links (and their synced values) of every record involved, including the leads contacts were
    /// qualified from.
    pub known: &'a KnownSet,
    /// Lookup results for the records [`lookups_needed`] named.
    pub lookups: &'a HashMap<Uuid, Lookup>,
    /// Values Dynamics refused, per link: not sent again until they change (R28).
    pub blocked: &'a HashMap<i64, BTreeMap<String, Value>>,
}

/// The Dynamics people of a batch that must be looked up in Marketo before planning: those with no
/// usable link. Gives each one's email, if any.
pub fn lookups_needed(ctx: &Context<'_>, input: &PeopleInput<'_>) -> Vec<(Uuid, Option<String>)> {
    let deleted_in_marketo: Vec<i64> = input
        .marketo
        .iter()
        .filter(|m| m.json.is_none())
        .map(|m| m.id)
        .collect();
    input
        .dynamics
        .iter()
        .filter_map(|d| {
            let json = d.json.as_ref()?;
            let usable_link = input.known.by_dynamics(&d.entity, d.id).is_some_and(|k| {
                let person = k
                    .link
                    .marketo_id
                    .as_deref()
                    .and_then(|id| id.parse::<i64>().ok());
                !person.is_some_and(|p| deleted_in_marketo.contains(&p))
            });
            if usable_link {
                return None;
            }
            let row = PersonRow::from_dynamics(ctx, &d.entity, json);
            if row.filter == Filter::No || row.merged_into.is_some() {
                return None;
            }
            let email = match row.values.get(system::EMAIL) {
                Some(Value::Text(email)) => Some(email.clone()),
                _ => None,
            };
            Some((d.id, email))
        })
        .collect()
}

/// Decides what a lookup found, from the people found by Dynamics id and by email.
///
/// A person is taken if it already carries another Dynamics id or is linked (`is_linked`).
pub fn classify_lookup(
    dynamics_id: Uuid,
    email: Option<&str>,
    by_dynamics_id: &[(i64, Json)],
    by_email: &[(i64, Json)],
    is_linked: impl Fn(i64) -> bool,
) -> Lookup {
    let carries = |json: &Json, id: Uuid| {
        json.get(system::DYNAMICS_ID)
            .and_then(Json::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            == Some(id)
    };
    if let Some((id, json)) = by_dynamics_id
        .iter()
        .find(|(_, json)| carries(json, dynamics_id))
    {
        return Lookup::ByDynamicsId {
            id: *id,
            json: json.clone(),
        };
    }
    let Some(email) = email else {
        return Lookup::NotFound;
    };
    let same_email: Vec<&(i64, Json)> = by_email
        .iter()
        .filter(|(_, json)| {
            json.get(system::EMAIL)
                .and_then(Json::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .collect();
    let free: Vec<&&(i64, Json)> = same_email
        .iter()
        .filter(|(id, json)| {
            let other_id = json
                .get(system::DYNAMICS_ID)
                .and_then(Json::as_str)
                .is_some_and(|s| !s.is_empty());
            !other_id && !is_linked(*id)
        })
        .collect();
    match (same_email.len(), free.as_slice()) {
        (0, _) => Lookup::NotFound,
        (_, [one]) => Lookup::ByEmail {
            id: one.0,
            json: one.1.clone(),
        },
        (_, []) => Lookup::EmailTaken,
        (_, many) => Lookup::Ambiguous(many.iter().map(|(id, _)| *id).collect()),
    }
}

/// Plans a batch of people.
pub fn plan_people(ctx: &Context<'_>, input: &PeopleInput<'_>) -> Plan {
    let mut planner = Planner {
        ctx,
        input,
        plan: Plan::default(),
    };
    let mut pairs: BTreeMap<i64, (Option<&DynamicsRecord>, Option<&MarketoPerson>, &Known)> =
        BTreeMap::new();
    let mut new_records = Vec::new();
    for d in input.dynamics {
        match input.known.by_dynamics(&d.entity, d.id) {
            Some(known) => pairs.entry(known.link.id).or_insert((None, None, known)).0 = Some(d),
            None => new_records.push(d),
        }
    }
    for m in input.marketo {
        // A Marketo person with no link exists only in Marketo: it reaches Dynamics only when asked
        // (Sync Person to Microsoft, R24).
        if let Some(known) = input.known.by_person(m.id) {
            pairs.entry(known.link.id).or_insert((None, None, known)).1 = Some(m);
        }
    }
    for (d, m, known) in pairs.into_values() {
        planner.linked(known, d, m);
    }
    for d in new_records {
        planner.unlinked(d);
    }
    planner.plan
}

/// What the journal says about one field.
struct FieldNote<'n> {
    field: &'n str,
    flow: Flow,
    before: Option<Value>,
    after: Option<Value>,
    rule: Rule,
}

struct Planner<'a, 'b> {
    ctx: &'a Context<'b>,
    input: &'a PeopleInput<'b>,
    plan: Plan,
}

fn microsoft_type(entity: &Entity) -> &'static str {
    if *entity == Entity::Contact {
        "Contact"
    } else {
        "Lead"
    }
}

/// The person field holding the Dynamics id of a lead or a contact.
fn id_field(entity: &Entity) -> &'static str {
    if *entity == Entity::Contact {
        system::CONTACT_ID
    } else {
        system::LEAD_ID
    }
}

fn person_id(known: &Known) -> Option<i64> {
    known
        .link
        .marketo_id
        .as_deref()
        .and_then(|id| id.parse().ok())
}

/// Values by Marketo field.
type Values = BTreeMap<String, Value>;

/// Writes and synced values a set of field decisions comes to.
#[derive(Default)]
struct Outcome {
    to_marketo: serde_json::Map<String, Json>,
    to_dynamics: serde_json::Map<String, Json>,
    marketo_synced: BTreeMap<String, Value>,
    dynamics_synced: BTreeMap<String, Value>,
    agreed: BTreeMap<String, Value>,
    /// Marketo's own last-synced values of fields of `agreed` it does not hold (R6).
    marketo_kept: BTreeMap<String, Value>,
    marketo_journal: Vec<Entry>,
    dynamics_journal: Vec<Entry>,
    local_journal: Vec<Entry>,
}

impl<'a, 'b> Planner<'a, 'b> {
    fn field_entry(
        &self,
        entity: &Entity,
        dynamics_id: Uuid,
        person: Option<i64>,
        note: FieldNote<'_>,
    ) -> Entry {
        Entry {
            field: Some(note.field.to_owned()),
            flow: note.flow,
            before: note.before,
            after: note.after,
            ..self.record_entry(entity, dynamics_id, person, note.rule)
        }
    }

    fn record_entry(
        &self,
        entity: &Entity,
        dynamics_id: Uuid,
        person: Option<i64>,
        rule: Rule,
    ) -> Entry {
        Entry {
            run_id: self.ctx.run_id,
            at: self.ctx.now,
            entity: entity.logical_name().to_owned(),
            dynamics_id: Some(dynamics_id),
            marketo_id: person.map(|p| p.to_string()),
            field: None,
            flow: Flow::None,
            before: None,
            after: None,
            rule,
            note: None,
        }
    }

    fn fields(&self, entity: &Entity, company: bool) -> Vec<FieldSpec> {
        person_fields(self.ctx, entity)
            .into_iter()
            .filter(|f| !(company && COMPANY_FIELDS.contains(&f.marketo.as_str())))
            .collect()
    }

    fn skip_errors(
        &mut self,
        entity: &Entity,
        record: String,
        errors: Vec<(String, crate::value::ConversionError)>,
    ) {
        for (field, error) in errors {
            self.plan.skipped.push(Skip {
                entity: entity.clone(),
                record: record.clone(),
                code: "invalid-value",
                message: format!("{field}: {error}"),
            });
        }
    }

    /// Merges every field of a pair and sorts the decisions into writes.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &self,
        entity: &Entity,
        dynamics_id: Uuid,
        person: Option<i64>,
        base: Option<(&Values, &Values)>,
        dynamics: Option<&BTreeMap<String, Value>>,
        marketo: Option<&BTreeMap<String, Value>>,
        blocked: Option<&BTreeMap<String, Value>>,
    ) -> Outcome {
        let company = [dynamics, base.map(|(b, _)| b)]
            .into_iter()
            .flatten()
            .find_map(|v| v.get(system::COMPANY))
            .is_some_and(|c| !c.is_null());
        let mut out = Outcome::default();
        for field in self.fields(entity, company) {
            let name = field.marketo.as_str();
            let winner = entity.collision_winner();
            let Some(decision) = merge_field(
                base.map(|(dynamics, marketo)| {
                    (
                        dynamics.get(name).unwrap_or(&Value::Null),
                        marketo.get(name).unwrap_or(&Value::Null),
                    )
                }),
                dynamics.and_then(|d| d.get(name)),
                marketo.and_then(|m| m.get(name)),
                field.direction,
                winner,
            ) else {
                continue;
            };
            match &decision.write {
                Some((Side::Marketo, value)) => {
                    out.to_marketo
                        .insert(name.to_owned(), field.kind.to_marketo(value));
                    out.marketo_synced
                        .insert(name.to_owned(), decision.synced.clone());
                    out.marketo_journal.push(self.field_entry(
                        entity,
                        dynamics_id,
                        person,
                        FieldNote {
                            field: name,
                            flow: Flow::ToMarketo,
                            before: Some(decision.before),
                            after: Some(decision.synced),
                            rule: decision.rule,
                        },
                    ));
                }
                Some((Side::Dynamics, value)) => {
                    if blocked.and_then(|b| b.get(name)) == Some(value) {
                        continue; // Refused before with this very value: wait for a change or a retry.
                    }
                    let Some(mapping) = self.ctx.mappings.field(entity, name) else {
                        continue;
                    };
                    out.to_dynamics
                        .insert(mapping.dynamics.clone(), mapping.kind.to_dynamics(value));
                    out.dynamics_synced
                        .insert(name.to_owned(), decision.synced.clone());
                    out.dynamics_journal.push(self.field_entry(
                        entity,
                        dynamics_id,
                        person,
                        FieldNote {
                            field: name,
                            flow: Flow::ToDynamics,
                            before: Some(decision.before),
                            after: Some(decision.synced),
                            rule: decision.rule,
                        },
                    ));
                }
                None => {
                    out.agreed.insert(name.to_owned(), decision.synced.clone());
                    if decision.rule != Rule::SameOnBothSides || base.is_some() {
                        out.local_journal.push(self.field_entry(
                            entity,
                            dynamics_id,
                            person,
                            FieldNote {
                                field: name,
                                flow: Flow::None,
                                before: None,
                                after: Some(decision.synced),
                                rule: decision.rule,
                            },
                        ));
                    }
                }
            }
        }
        out
    }

    /// Turns merge outcomes into writes on an existing pair.
    fn emit(
        &mut self,
        entity: &Entity,
        dynamics_id: Uuid,
        known: &Known,
        mut out: Outcome,
        saw_dynamics: bool,
    ) {
        let link_id = known.link.id;
        let person = person_id(known);
        if !out.to_marketo.is_empty()
            && let Some(person) = person
        {
            out.to_marketo.insert("id".into(), Json::from(person));
            self.plan.marketo.push(MarketoWrite {
                object: MarketoObject::Person,
                action: MarketoAction::UpdatePerson,
                record: out.to_marketo,
                commit: Commit {
                    link: Some(LinkRef::Id(link_id)),
                    synced: out.marketo_synced,
                    journal: out.marketo_journal,
                    ..Commit::default()
                },
            });
        }
        let wrote_dynamics = !out.to_dynamics.is_empty();
        if wrote_dynamics {
            self.plan.dynamics.push(DynamicsWrite {
                entity: entity.clone(),
                id: dynamics_id,
                op: DynamicsOp::Update {
                    fields: out.to_dynamics,
                },
                person,
                commit: Commit {
                    link: Some(LinkRef::Id(link_id)),
                    synced: out.dynamics_synced,
                    journal: out.dynamics_journal,
                    dynamics_echo: Some(Echo::Expect),
                    ..Commit::default()
                },
            });
        }
        let echo = (saw_dynamics && !wrote_dynamics && known.link.dynamics_echo.is_some())
            .then_some(Echo::Seen);
        if !out.agreed.is_empty() || !out.local_journal.is_empty() || echo.is_some() {
            self.plan.local.push(Commit {
                link: Some(LinkRef::Id(link_id)),
                synced: out.agreed,
                marketo_synced: out.marketo_kept,
                journal: out.local_journal,
                dynamics_echo: echo,
                ..Commit::default()
            });
        }
    }

    fn local(&mut self, commit: Commit) {
        self.plan.local.push(commit);
    }

    fn linked(&mut self, known: &Known, d: Option<&DynamicsRecord>, m: Option<&MarketoPerson>) {
        let entity = known.link.entity.clone();
        let dynamics_id = known.link.dynamics_id;
        let person = person_id(known);
        let link_id = known.link.id;

        if let Some(m) = m.filter(|m| m.json.is_none()) {
            // Deleted in Marketo: only there (R67). A later Dynamics change creates a new person
            // (R68): with the link gone, it is planned as new (and was looked up already).
            self.local(Commit {
                links: vec![LinkChange::Remove { link_id }],
                journal: vec![self.record_entry(
                    &entity,
                    dynamics_id,
                    Some(m.id),
                    Rule::DeletedInMarketo,
                )],
                ..Commit::default()
            });
            // Dynasync's own write coming back, or the sync user's edit, is no such change (R6).
            if let Some(d) = d.filter(|d| {
                d.json.as_ref().is_some_and(|json| {
                    let modified_by = PersonRow::from_dynamics(self.ctx, &entity, json).modified_by;
                    modified_by.is_none() || modified_by != self.ctx.sync_user
                })
            }) {
                self.unlinked(d);
            }
            return;
        }
        if matches!(known.link.state, LinkState::Deleted | LinkState::Converted) {
            return;
        }
        if let Some(d) = d.filter(|d| d.json.is_none()) {
            // Deleted in Dynamics: flag, never delete (R66).
            if let Some(person) = person {
                let mut record = serde_json::Map::new();
                record.insert("id".into(), Json::from(person));
                record.insert(system::IS_DELETED.into(), Json::Bool(true));
                self.plan.marketo.push(MarketoWrite {
                    object: MarketoObject::Person,
                    action: MarketoAction::UpdatePerson,
                    record,
                    commit: Commit {
                        links: vec![LinkChange::State {
                            link_id,
                            state: LinkState::Deleted,
                        }],
                        journal: vec![self.record_entry(
                            &entity,
                            d.id,
                            Some(person),
                            Rule::DeletedInDynamics,
                        )],
                        ..Commit::default()
                    },
                });
            }
            return;
        }

        let row = d
            .and_then(|d| d.json.as_ref())
            .map(|json| PersonRow::from_dynamics(self.ctx, &entity, json));
        if let Some(row) = &row {
            self.skip_errors(&entity, dynamics_id.to_string(), row.errors.clone());
            if let Some(winner) = row.merged_into {
                self.merged(known, winner);
                return;
            }
            match (row.filter, known.link.state) {
                (Filter::No, LinkState::Live) => {
                    // Stops getting updates and goes stale; nothing is deleted (R37).
                    self.local(Commit {
                        links: vec![LinkChange::State {
                            link_id,
                            state: LinkState::Stale,
                        }],
                        journal: vec![self.record_entry(
                            &entity,
                            dynamics_id,
                            person,
                            Rule::FilterNo,
                        )],
                        dynamics_echo: Some(Echo::Seen),
                        ..Commit::default()
                    });
                    return;
                }
                (Filter::Blank, LinkState::Live) => {
                    self.local(Commit {
                        links: vec![LinkChange::State {
                            link_id,
                            state: LinkState::Stale,
                        }],
                        journal: vec![self.record_entry(
                            &entity,
                            dynamics_id,
                            person,
                            Rule::FilterBlank,
                        )],
                        dynamics_echo: Some(Echo::Seen),
                        ..Commit::default()
                    });
                    return;
                }
                (Filter::Yes | Filter::Absent, LinkState::Stale) => {
                    self.resume(known, row);
                    return;
                }
                (_, LinkState::Stale) => return,
                _ => {}
            }
        } else if known.link.state != LinkState::Live {
            return; // A stale record gets no updates, from either side.
        }

        let mut base = known.synced.clone();
        let mut local_journal = Vec::new();
        let mut dynamics_values = row.as_ref().map(|r| r.values.clone());
        // Signed by the sync user, and not at the version Dynasync's own last write made.
        let by_sync_user = row.as_ref().is_some_and(|r| {
            r.modified_by.is_some()
                && r.modified_by == self.ctx.sync_user
                && !Echo::is_awaited(known.link.dynamics_echo.as_deref(), r.version.as_deref())
        });
        if by_sync_user {
            // Edited by the sync user itself, not by Dynasync: not synced back (R6). Dynamics' values
            // become Dynamics' base so they do not resurface as changes later, while Marketo's base
            // stays what Marketo holds.
            for (field, value) in dynamics_values.take().unwrap_or_default() {
                if base.get(&field).unwrap_or(&Value::Null) != &value {
                    local_journal.push(self.field_entry(
                        &entity,
                        dynamics_id,
                        person,
                        FieldNote {
                            field: &field,
                            flow: Flow::None,
                            before: base.get(&field).cloned(),
                            after: Some(value.clone()),
                            rule: Rule::ChangedBySyncUser,
                        },
                    ));
                    base.insert(field, value);
                }
            }
        }
        let marketo_values = m.and_then(|m| m.json.as_ref()).map(|json| {
            let (values, errors) = marketo_values(self.ctx, &entity, json);
            self.skip_errors(
                &entity,
                m.map(|m| m.id.to_string()).unwrap_or_default(),
                errors,
            );
            values
        });
        let marketo_base = known.marketo_base();
        let mut out = self.merge(
            &entity,
            dynamics_id,
            person,
            Some((&base, &marketo_base)),
            dynamics_values.as_ref(),
            marketo_values.as_ref(),
            self.input.blocked.get(&link_id),
        );
        if !local_journal.is_empty() {
            for entry in &local_journal {
                let (Some(field), Some(after)) = (&entry.field, &entry.after) else {
                    continue;
                };
                let decided = out.agreed.contains_key(field)
                    || out.marketo_synced.contains_key(field)
                    || out.dynamics_synced.contains_key(field);
                if decided {
                    continue; // Marketo changed it too: both sides now hold what was decided.
                }
                let marketo = marketo_base.get(field).unwrap_or(&Value::Null);
                if marketo != after {
                    out.marketo_kept.insert(field.clone(), marketo.clone());
                }
                out.agreed.insert(field.clone(), after.clone());
            }
            local_journal.append(&mut out.local_journal);
            out.local_journal = local_journal;
        }
        self.emit(&entity, dynamics_id, known, out, row.is_some());
    }

    /// The sync filter went back to Yes: the record syncs again, Dynamics' values first (R36).
    fn resume(&mut self, known: &Known, row: &PersonRow) {
        let entity = known.link.entity.clone();
        let person = person_id(known);
        let mut out = self.merge(
            &entity,
            known.link.dynamics_id,
            person,
            None,
            Some(&row.values),
            None,
            None,
        );
        for entry in out.marketo_journal.iter_mut().chain(&mut out.local_journal) {
            entry.rule = Rule::FilterYes;
        }
        let mut commit_links = vec![LinkChange::State {
            link_id: known.link.id,
            state: LinkState::Live,
        }];
        if out.to_marketo.is_empty() {
            self.local(Commit {
                links: std::mem::take(&mut commit_links),
                link: Some(LinkRef::Id(known.link.id)),
                synced: std::mem::take(&mut out.agreed),
                journal: vec![self.record_entry(
                    &entity,
                    known.link.dynamics_id,
                    person,
                    Rule::FilterYes,
                )],
                dynamics_echo: Some(Echo::Seen),
                ..Commit::default()
            });
            return;
        }
        out.marketo_synced.extend(std::mem::take(&mut out.agreed));
        if let Some(person) = person {
            out.to_marketo.insert("id".into(), Json::from(person));
            self.plan.marketo.push(MarketoWrite {
                object: MarketoObject::Person,
                action: MarketoAction::UpdatePerson,
                record: out.to_marketo,
                commit: Commit {
                    links: commit_links,
                    link: Some(LinkRef::Id(known.link.id)),
                    synced: out.marketo_synced,
                    journal: out.marketo_journal,
                    dynamics_echo: Some(Echo::Seen),
                    ..Commit::default()
                },
            });
        }
    }

    /// A record merged into `winner` in Dynamics (R40): its person follows the winner if the winner
    /// has none, else it is flagged deleted like any record that left Dynamics.
    fn merged(&mut self, known: &Known, winner: Uuid) {
        let entity = known.link.entity.clone();
        let person = person_id(known);
        let link_id = known.link.id;
        let winner_linked = self.input.known.by_dynamics(&entity, winner).is_some();
        let Some(person) = person else { return };
        let mut record = serde_json::Map::new();
        record.insert("id".into(), Json::from(person));
        let (links, mut entry) = if winner_linked {
            record.insert(system::IS_DELETED.into(), Json::Bool(true));
            (
                vec![LinkChange::State {
                    link_id,
                    state: LinkState::Deleted,
                }],
                self.record_entry(&entity, known.link.dynamics_id, Some(person), Rule::Merged),
            )
        } else {
            record.insert(system::DYNAMICS_ID.into(), Json::from(winner.to_string()));
            record.insert(id_field(&entity).into(), Json::from(winner.to_string()));
            (
                vec![LinkChange::Relink {
                    link_id,
                    entity: entity.clone(),
                    dynamics_id: winner,
                }],
                self.record_entry(&entity, winner, Some(person), Rule::Merged),
            )
        };
        entry.note = Some(format!(
            "{} was merged into {winner}",
            known.link.dynamics_id
        ));
        self.plan.marketo.push(MarketoWrite {
            object: MarketoObject::Person,
            action: MarketoAction::UpdatePerson,
            record,
            commit: Commit {
                links,
                journal: vec![entry],
                ..Commit::default()
            },
        });
    }

    fn unlinked(&mut self, d: &DynamicsRecord) {
        let Some(json) = &d.json else { return }; // Deleted before it ever synced.
        let entity = d.entity.clone();
        let row = PersonRow::from_dynamics(self.ctx, &entity, json);
        if row.merged_into.is_some() {
            return;
        }
        if entity == Entity::Contact
            && let Some(lead) = row
                .originating_lead
                .and_then(|l| self.input.known.by_dynamics(&Entity::Lead, l))
            && self.qualified(lead, d.id, &row)
        {
            return;
        }
        if row.filter == Filter::No {
            self.plan.local.push(Commit {
                journal: vec![self.record_entry(&entity, d.id, None, Rule::FilterNo)],
                ..Commit::default()
            });
            return;
        }
        self.skip_errors(&entity, d.id.to_string(), row.errors.clone());
        let state = if row.filter == Filter::Blank {
            LinkState::Stale
        } else {
            LinkState::Live
        };
        let lookup = self
            .input
            .lookups
            .get(&d.id)
            .cloned()
            .unwrap_or(Lookup::NotFound);
        match lookup {
            Lookup::Ambiguous(ids) => {
                let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
                self.plan.skipped.push(Skip {
                    entity: entity.clone(),
                    record: d.id.to_string(),
                    code: crate::store::errors::AMBIGUOUS_MATCH,
                    message: format!(
                        "{} Marketo people share this email address ({}); merge them in Marketo and Dynasync will link the one left",
                        ids.len(),
                        listed.join(", ")
                    ),
                });
                self.plan.local.push(Commit {
                    journal: vec![self.record_entry(&entity, d.id, None, Rule::AmbiguousMatch)],
                    ..Commit::default()
                });
            }
            Lookup::ByDynamicsId { id, json } => {
                let rule = Rule::MatchedByDynamicsId;
                self.link_existing(&entity, d.id, &row, id, &json, state, rule);
            }
            Lookup::ByEmail { id, json } => {
                let rule = Rule::MatchedByEmail;
                self.link_existing(&entity, d.id, &row, id, &json, state, rule);
            }
            Lookup::Requested { id, json } => {
                let rule = Rule::SyncPersonToMicrosoft;
                self.link_existing(&entity, d.id, &row, id, &json, state, rule);
            }
            Lookup::EmailTaken => self.create(
                &entity,
                d.id,
                &row,
                state,
                MarketoAction::CreateDuplicatePerson,
            ),
            Lookup::NotFound => self.create(
                &entity,
                d.id,
                &row,
                state,
                MarketoAction::UpsertPersonByDynamicsId,
            ),
        }
    }

    /// Links a new Dynamics person to the Marketo person the lookup found, merging their values with
    /// no base: an empty side takes the other's value, differing ones follow the collision rule.
    #[allow(clippy::too_many_arguments)]
    fn link_existing(
        &mut self,
        entity: &Entity,
        dynamics_id: Uuid,
        row: &PersonRow,
        person: i64,
        json: &Json,
        state: LinkState,
        rule: Rule,
    ) {
        let (marketo, errors) = marketo_values(self.ctx, entity, json);
        self.skip_errors(entity, person.to_string(), errors);
        let mut out = self.merge(
            entity,
            dynamics_id,
            Some(person),
            None,
            Some(&row.values),
            Some(&marketo),
            None,
        );
        out.to_marketo.insert("id".into(), Json::from(person));
        out.to_marketo.insert(
            system::DYNAMICS_ID.into(),
            Json::from(dynamics_id.to_string()),
        );
        out.to_marketo.insert(
            system::MICROSOFT_TYPE.into(),
            Json::from(microsoft_type(entity)),
        );
        out.to_marketo
            .insert(system::IS_DELETED.into(), Json::Bool(false));
        let mut synced = out.agreed;
        synced.extend(out.marketo_synced);
        let mut journal = vec![self.record_entry(entity, dynamics_id, Some(person), rule)];
        journal.append(&mut out.local_journal);
        journal.append(&mut out.marketo_journal);
        let link = LinkChange::Upsert {
            entity: entity.clone(),
            dynamics_id,
            object: MarketoObject::Person,
            marketo_id: MarketoId::Known(person.to_string()),
            state,
        };
        let wrote_dynamics = !out.to_dynamics.is_empty();
        self.plan.marketo.push(MarketoWrite {
            object: MarketoObject::Person,
            action: MarketoAction::UpdatePerson,
            record: out.to_marketo,
            commit: Commit {
                links: vec![link],
                synced,
                journal,
                ..Commit::default()
            },
        });
        if wrote_dynamics {
            // Planned together with the link: the executor pushes Marketo first, so the link exists.
            self.plan.dynamics.push(DynamicsWrite {
                entity: entity.clone(),
                id: dynamics_id,
                op: DynamicsOp::Update {
                    fields: out.to_dynamics,
                },
                person: Some(person),
                commit: Commit {
                    link: Some(LinkRef::Record(entity.clone(), dynamics_id)),
                    synced: out.dynamics_synced,
                    journal: out.dynamics_journal,
                    dynamics_echo: Some(Echo::Expect),
                    ..Commit::default()
                },
            });
        }
    }

    /// Creates the Marketo person of a Dynamics person (R3 for the first copy, R36 for a new record).
    fn create(
        &mut self,
        entity: &Entity,
        dynamics_id: Uuid,
        row: &PersonRow,
        state: LinkState,
        action: MarketoAction,
    ) {
        let company = row
            .values
            .get(system::COMPANY)
            .is_some_and(|c| !c.is_null());
        let mut record = serde_json::Map::new();
        let mut synced = BTreeMap::new();
        for field in self.fields(entity, company) {
            if let Some(value) = row.values.get(&field.marketo) {
                if !value.is_null() {
                    record.insert(field.marketo.clone(), field.kind.to_marketo(value));
                }
                synced.insert(field.marketo.clone(), value.clone());
            }
        }
        record.insert(
            system::DYNAMICS_ID.into(),
            Json::from(dynamics_id.to_string()),
        );
        record.insert(
            system::MICROSOFT_TYPE.into(),
            Json::from(microsoft_type(entity)),
        );
        record.insert(system::IS_DELETED.into(), Json::Bool(false));
        let rule = if state == LinkState::Stale {
            Rule::FilterBlank
        } else {
            Rule::FirstCopy
        };
        self.plan.marketo.push(MarketoWrite {
            object: MarketoObject::Person,
            action,
            record,
            commit: Commit {
                links: vec![LinkChange::Upsert {
                    entity: entity.clone(),
                    dynamics_id,
                    object: MarketoObject::Person,
                    marketo_id: MarketoId::FromOutcome,
                    state,
                }],
                synced,
                journal: vec![self.record_entry(entity, dynamics_id, None, rule)],
                ..Commit::default()
            },
        });
    }

    /// A contact qualified from a linked lead (R41). Returns whether the contact is dealt with.
    fn qualified(&mut self, lead: &Known, contact_id: Uuid, row: &PersonRow) -> bool {
        let lead_syncs = lead.link.state == LinkState::Live;
        let contact_syncs = row.filter != Filter::No;
        match (lead_syncs, contact_syncs) {
            // The person keeps its history and becomes the contact.
            (true, true) => {
                let Some(person) = person_id(lead) else {
                    return false;
                };
                let mut out = self.merge(
                    &Entity::Contact,
                    contact_id,
                    Some(person),
                    Some((&lead.synced, &lead.marketo_base())),
                    Some(&row.values),
                    None,
                    None,
                );
                out.to_marketo.insert("id".into(), Json::from(person));
                out.to_marketo.insert(
                    system::DYNAMICS_ID.into(),
                    Json::from(contact_id.to_string()),
                );
                out.to_marketo
                    .insert(system::MICROSOFT_TYPE.into(), Json::from("Contact"));
                let mut synced = out.agreed;
                synced.extend(out.marketo_synced);
                let mut journal = vec![self.record_entry(
                    &Entity::Contact,
                    contact_id,
                    Some(person),
                    Rule::Qualified,
                )];
                journal.append(&mut out.marketo_journal);
                journal.append(&mut out.local_journal);
                self.plan.marketo.push(MarketoWrite {
                    object: MarketoObject::Person,
                    action: MarketoAction::UpdatePerson,
                    record: out.to_marketo,
                    commit: Commit {
                        links: vec![
                            LinkChange::Relink {
                                link_id: lead.link.id,
                                entity: Entity::Contact,
                                dynamics_id: contact_id,
                            },
                            LinkChange::Upsert {
                                entity: Entity::Lead,
                                dynamics_id: lead.link.dynamics_id,
                                object: MarketoObject::Person,
                                marketo_id: MarketoId::None,
                                state: LinkState::Converted,
                            },
                        ],
                        link: Some(LinkRef::Id(lead.link.id)),
                        synced,
                        journal,
                        ..Commit::default()
                    },
                });
                true
            }
            // The lead keeps syncing (its own change updates it); the contact does not sync.
            (true, false) => {
                self.plan.local.push(Commit {
                    journal: vec![self.record_entry(
                        &Entity::Contact,
                        contact_id,
                        None,
                        Rule::FilterNo,
                    )],
                    ..Commit::default()
                });
                true
            }
            // A new contact record is created in Marketo (handled as any new contact)...
            (false, true) => false,
            // ...or nothing syncs.
            (false, false) => true,
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod simulation;

//! The dry run: what the next cycle (the first sync, before it starts) would do, produced by the same
//! pulls and the same planner on a throw-away copy of the store, with every write left out. It
//! counts operations per entity, lists how unlinked people would be matched (the dedupe
//! pre-flight: by Dynamics id, then email; ambiguous ones are never created) and shows a sample of
//! per-field changes with the rule behind each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::EngineError;
use crate::plan::{DynamicsOp, LinkChange, MarketoAction, MarketoId, MarketoWrite, Plan};
use crate::rules::Rule;
use crate::store::journal::{Entry, Flow};
use crate::value::Value;

/// What a write would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    CreateInMarketo,
    /// Link to a Marketo record that already exists (matched by Dynamics id or email).
    LinkExisting,
    UpdateInMarketo,
    /// Set "Microsoft is Deleted" on a person (R66).
    FlagDeleted,
    DeleteInMarketo,
    UpdateInDynamics,
    CreateInDynamics,
    /// Left alone, with why (in the error list once it runs).
    Skip,
}

/// How many records of an entity an operation would touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperationCount {
    pub entity: String,
    pub operation: Operation,
    pub count: u64,
}

/// How the dedupe pre-flight would match an unlinked Dynamics person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Match {
    pub entity: String,
    pub record: String,
    /// `matchedByDynamicsId`, `matchedByEmail` or `ambiguousMatch`.
    pub rule: Rule,
    /// The Marketo person it would be linked to, when one is.
    pub marketo_id: Option<String>,
    pub note: Option<String>,
}

/// One field a write would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub entity: String,
    pub record: String,
    pub field: String,
    pub flow: Flow,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub rule: Rule,
}

/// Records read and planned for an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Examined {
    pub entity: String,
    pub records: u64,
    /// The entity has more records than the preview looked at.
    pub truncated: bool,
}

/// The preview of a cycle.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The cycle previewed is the first sync.
    pub first_sync: bool,
    pub examined: Vec<Examined>,
    pub operations: Vec<OperationCount>,
    /// The dedupe pre-flight's findings, ambiguous ones first.
    pub matches: Vec<Match>,
    /// A few field changes per entity.
    pub samples: Vec<FieldChange>,
    /// "Sync Person to Microsoft" requests the cycle would carry out.
    pub pending_requests: u64,
}

/// Field changes kept per entity.
const SAMPLES_PER_ENTITY: usize = 10;

/// Matches listed in full; beyond, only counted.
const MATCHES_LISTED: usize = 200;

/// Gathers a preview from the plans of a dry-run cycle.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    operations: BTreeMap<(String, Operation), u64>,
    matches: Vec<Match>,
    samples: BTreeMap<String, Vec<FieldChange>>,
}

fn entity_of(journal: &[Entry], links: &[LinkChange]) -> String {
    links
        .iter()
        .find_map(|l| match l {
            LinkChange::Upsert { entity, .. } | LinkChange::Relink { entity, .. } => {
                Some(entity.logical_name().to_owned())
            }
            _ => None,
        })
        .or_else(|| journal.first().map(|e| e.entity.clone()))
        .unwrap_or_else(|| "person".into())
}

impl Collector {
    pub(crate) fn add(&mut self, plan: &Plan) {
        for write in &plan.marketo {
            let creates = write.commit.links.iter().any(|l| {
                matches!(
                    l,
                    LinkChange::Upsert {
                        marketo_id: MarketoId::FromOutcome,
                        ..
                    }
                )
            });
            let links_existing = write.commit.links.iter().any(|l| {
                matches!(
                    l,
                    LinkChange::Upsert {
                        marketo_id: MarketoId::Known(_),
                        ..
                    }
                )
            });
            let operation = match write.action {
                MarketoAction::Delete => Operation::DeleteInMarketo,
                _ if creates => Operation::CreateInMarketo,
                _ if links_existing => Operation::LinkExisting,
                _ if write
                    .commit
                    .journal
                    .iter()
                    .any(|e| e.rule == Rule::DeletedInDynamics) =>
                {
                    Operation::FlagDeleted
                }
                _ => Operation::UpdateInMarketo,
            };
            let entity = entity_of(&write.commit.journal, &write.commit.links);
            self.count(&entity, operation);
            self.note(&write.commit.journal);
            if operation == Operation::CreateInMarketo
                && !write.commit.journal.iter().any(|e| e.field.is_some())
            {
                self.sample_record(&entity, write);
            }
        }
        for write in &plan.dynamics {
            let operation = match write.op {
                DynamicsOp::Update { .. } => Operation::UpdateInDynamics,
                DynamicsOp::CreateLead { .. } => Operation::CreateInDynamics,
            };
            self.count(write.entity.logical_name(), operation);
            self.note(&write.commit.journal);
        }
        for commit in &plan.local {
            self.note(&commit.journal);
        }
        for skip in &plan.skipped {
            self.count(skip.entity.logical_name(), Operation::Skip);
            if skip.code == crate::store::errors::AMBIGUOUS_MATCH {
                self.matches.push(Match {
                    entity: skip.entity.logical_name().to_owned(),
                    record: skip.record.clone(),
                    rule: Rule::AmbiguousMatch,
                    marketo_id: None,
                    note: Some(skip.message.clone()),
                });
            }
        }
    }

    /// A created person's journal has one entry for the record, not one per field: its values are
    /// sampled from the record sent.
    fn sample_record(&mut self, entity: &str, write: &MarketoWrite) {
        let rule = write
            .commit
            .journal
            .first()
            .map_or(Rule::FirstCopy, |e| e.rule);
        let record = write
            .commit
            .journal
            .first()
            .and_then(|e| e.dynamics_id)
            .map(|d| d.to_string())
            .unwrap_or_default();
        let samples = self.samples.entry(entity.to_owned()).or_default();
        for (field, value) in &write.record {
            if samples.len() >= SAMPLES_PER_ENTITY {
                break;
            }
            let after = match value {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::String(text) => Value::Text(text.clone()),
                other => Value::Text(other.to_string()),
            };
            samples.push(FieldChange {
                entity: entity.to_owned(),
                record: record.clone(),
                field: field.clone(),
                flow: Flow::ToMarketo,
                before: None,
                after: Some(after),
                rule,
            });
        }
    }

    fn count(&mut self, entity: &str, operation: Operation) {
        *self
            .operations
            .entry((entity.to_owned(), operation))
            .or_default() += 1;
    }

    fn note(&mut self, journal: &[Entry]) {
        for entry in journal {
            if entry.field.is_none()
                && matches!(entry.rule, Rule::MatchedByDynamicsId | Rule::MatchedByEmail)
                && self.matches.len() < MATCHES_LISTED
            {
                self.matches.push(Match {
                    entity: entry.entity.clone(),
                    record: entry.dynamics_id.map(|d| d.to_string()).unwrap_or_default(),
                    rule: entry.rule,
                    marketo_id: entry.marketo_id.clone(),
                    note: entry.note.clone(),
                });
            }
            if let Some(field) = &entry.field
                && entry.flow != Flow::None
            {
                let samples = self.samples.entry(entry.entity.clone()).or_default();
                if samples.len() < SAMPLES_PER_ENTITY {
                    samples.push(FieldChange {
                        entity: entry.entity.clone(),
                        record: entry
                            .dynamics_id
                            .map(|d| d.to_string())
                            .or_else(|| entry.marketo_id.clone())
                            .unwrap_or_default(),
                        field: field.clone(),
                        flow: entry.flow,
                        before: entry.before.clone(),
                        after: entry.after.clone(),
                        rule: entry.rule,
                    });
                }
            }
        }
    }

    pub(crate) fn finish(
        mut self,
        first_sync: bool,
        examined: Vec<Examined>,
        pending_requests: u64,
    ) -> Preview {
        self.matches
            .sort_by_key(|m| (m.rule != Rule::AmbiguousMatch, m.entity.clone()));
        Preview {
            first_sync,
            examined,
            operations: self
                .operations
                .into_iter()
                .map(|((entity, operation), count)| OperationCount {
                    entity,
                    operation,
                    count,
                })
                .collect(),
            matches: self.matches,
            samples: self.samples.into_values().flatten().collect(),
            pending_requests,
        }
    }
}

impl crate::Engine {
    /// Previews the next cycle (the first sync, before the setup is finished or the sync started)
    /// without writing anything anywhere: it reads both sides and plans on a copy of the store.
    /// `limit` caps the records read per entity (the wizard's review looks at a sample; `None`
    /// reads everything, as `dynasync sync --dry-run` does).
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`] before both connections are checked and the fields chosen;
    /// [`EngineError::Stopped`] when a side refuses or a guard stops the preview.
    pub async fn preview(&self, limit: Option<u64>) -> Result<Preview, EngineError> {
        let copy = tempfile::tempdir()
            .map_err(|e| EngineError::Internal(format!("no room for the preview's copy: {e}")))?;
        let target = crate::database_path(copy.path());
        let ready = self
            .db(move |s| {
                s.read(|c| {
                    c.execute("VACUUM INTO ?1", [target.to_string_lossy().as_ref()])?;
                    Ok(crate::store::schema::mappings(c)?.is_empty())
                })
            })
            .await?;
        if ready {
            return Err(EngineError::NotConfigured);
        }
        let engine = crate::Engine::open_with(
            copy.path(),
            std::sync::Arc::clone(self.secrets()),
            self.inner().limits.clone(),
        )?;
        engine
            .db(|s| s.write(|tx| crate::Engine::adopt_drafts(tx)))
            .await?;
        crate::exec::dry_run(engine, limit).await
    }
}

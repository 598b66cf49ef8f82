//! Pushing a plan's writes: Marketo's grouped by object and action in dependency order (R99),
//! 300 records a call; Dynamics' in `$batch`es that go on after an error. Each write's outcome
//! comes back in the plan's order.

use std::collections::BTreeMap;

use dynasync_dynamics::{BatchOp, DataverseClient, Precondition};
use dynasync_marketo::{
    DedupeBy, Lead, MarketoClient, OutcomeStatus, Record, RecordId, RecordOutcome, SyncAction,
};

use crate::model::{Entity, MarketoObject};
use crate::plan::{DynamicsOp, DynamicsWrite, MarketoAction, MarketoWrite};

/// Why one record was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: String,
    pub(crate) message: String,
    /// A Dynamics validation rule (R28): blocked until the value changes or a retry.
    pub(crate) validation: bool,
}

/// A write's outcome: done (with the Marketo id it created or touched), or refused.
pub(crate) type Outcome = Result<Option<String>, Refusal>;

fn refusal(outcome: &RecordOutcome) -> Refusal {
    let reason = outcome.reasons.first();
    Refusal {
        code: reason
            .map(|r| r.code.to_string())
            .unwrap_or_else(|| "skipped".into()),
        message: reason
            .map(|r| r.message.clone())
            .unwrap_or_else(|| "Marketo skipped the record".into()),
        validation: false,
    }
}

fn marketo_id(outcome: &RecordOutcome) -> Option<String> {
    match &outcome.id {
        Some(RecordId::Id(id)) => Some(id.to_string()),
        Some(RecordId::Guid(guid) | RecordId::Name(guid)) => Some(guid.clone()),
        None => None,
    }
}

/// Pushes Marketo writes, objects in dependency order. Whether a record was created shows in the
/// second value of each outcome pair.
///
/// # Errors
/// A response-level error of any call (the batch is then not committed and retried later).
pub(crate) async fn marketo(
    client: &MarketoClient,
    writes: &[MarketoWrite],
) -> Result<Vec<(Outcome, bool)>, dynasync_marketo::Error> {
    let mut groups: BTreeMap<(u8, String, MarketoAction), Vec<usize>> = BTreeMap::new();
    for (i, write) in writes.iter().enumerate() {
        let key = (
            write.object.push_rank(),
            crate::store::links::object_key(&write.object),
            write.action,
        );
        groups.entry(key).or_default().push(i);
    }
    let mut results: Vec<(Outcome, bool)> = vec![(Ok(None), false); writes.len()];
    for ((_, _, action), indices) in groups {
        let object = &writes[indices[0]].object;
        let records = || {
            indices
                .iter()
                .map(|&i| Record::from(writes[i].record.clone()))
                .collect::<Vec<_>>()
        };
        let leads = || {
            indices
                .iter()
                .map(|&i| Lead::from(writes[i].record.clone()))
                .collect::<Vec<_>>()
        };
        let outcomes = match (object, action) {
            (MarketoObject::Person, MarketoAction::UpdatePerson) => {
                client
                    .sync_leads(SyncAction::UpdateOnly, "id", leads())
                    .await?
            }
            (MarketoObject::Person, MarketoAction::UpsertPersonByDynamicsId) => {
                client
                    .sync_leads(SyncAction::CreateOrUpdate, "externalPersonId", leads())
                    .await?
            }
            (MarketoObject::Person, MarketoAction::CreateDuplicatePerson) => {
                client
                    .sync_leads(SyncAction::CreateDuplicate, "email", leads())
                    .await?
            }
            (MarketoObject::Person, _) => continue,
            (MarketoObject::Company, MarketoAction::Delete) => {
                client
                    .delete_companies(DedupeBy::DedupeFields, records())
                    .await?
            }
            (MarketoObject::Company, _) => {
                client
                    .sync_companies(
                        SyncAction::CreateOrUpdate,
                        DedupeBy::DedupeFields,
                        records(),
                    )
                    .await?
            }
            (MarketoObject::SalesPerson, MarketoAction::Delete) => {
                client
                    .delete_sales_persons(DedupeBy::DedupeFields, records())
                    .await?
            }
            (MarketoObject::SalesPerson, _) => {
                client
                    .sync_sales_persons(
                        SyncAction::CreateOrUpdate,
                        DedupeBy::DedupeFields,
                        records(),
                    )
                    .await?
            }
            (MarketoObject::Opportunity, MarketoAction::Delete) => {
                client
                    .delete_opportunities(DedupeBy::DedupeFields, records())
                    .await?
            }
            (MarketoObject::Opportunity, _) => {
                client
                    .sync_opportunities(
                        SyncAction::CreateOrUpdate,
                        DedupeBy::DedupeFields,
                        records(),
                    )
                    .await?
            }
            (MarketoObject::OpportunityRole, MarketoAction::Delete) => {
                client
                    .delete_opportunity_roles(DedupeBy::DedupeFields, records())
                    .await?
            }
            (MarketoObject::OpportunityRole, _) => {
                client
                    .sync_opportunity_roles(
                        SyncAction::CreateOrUpdate,
                        DedupeBy::DedupeFields,
                        records(),
                    )
                    .await?
            }
            (MarketoObject::CustomObject(name), MarketoAction::Delete) => {
                client
                    .delete_custom_objects(name, DedupeBy::DedupeFields, records())
                    .await?
            }
            (MarketoObject::CustomObject(name), _) => {
                client
                    .sync_custom_objects(
                        name,
                        SyncAction::CreateOrUpdate,
                        DedupeBy::DedupeFields,
                        records(),
                    )
                    .await?
            }
        };
        for (position, &i) in indices.iter().enumerate() {
            let outcome = outcomes
                .iter()
                .find(|o| o.seq == position)
                .or_else(|| outcomes.get(position));
            results[i] = match outcome {
                Some(o) if o.is_skipped() => (Err(refusal(o)), false),
                Some(o) => (Ok(marketo_id(o)), o.status == OutcomeStatus::Created),
                None => (
                    Err(Refusal {
                        code: "missing".into(),
                        message: "Marketo gave no outcome for this record".into(),
                        validation: false,
                    }),
                    false,
                ),
            };
        }
    }
    Ok(results)
}

/// Pushes Dynamics updates in `$batch`es (creates on request go through [`crate::exec`]'s own path);
/// each done update answers the version it made.
///
/// # Errors
/// A failure of a whole batch, or a part that failed for a passing reason (the batch is then not
/// committed and retried later).
pub(crate) async fn dynamics(
    client: &DataverseClient,
    writes: &[DynamicsWrite],
    entity_set: impl Fn(&Entity) -> String,
) -> Result<Vec<Outcome>, dynasync_dynamics::Error> {
    let ops: Vec<BatchOp> = writes
        .iter()
        .filter_map(|w| match &w.op {
            DynamicsOp::Update { fields } => Some(BatchOp::Update {
                entity_set: entity_set(&w.entity),
                id: w.id,
                record: dynasync_dynamics::Record::from_json(fields.clone(), None),
                precondition: Precondition::MustExist,
                // Its echo is told from a later edit by the sync user by this version (R6).
                return_version: true,
            }),
            DynamicsOp::CreateLead { .. } => None,
        })
        .collect();
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let outcomes = client.batch(ops).await?;
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(written) => Ok(Ok(written.etag)),
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => Ok(Err(Refusal {
                code: e.code().unwrap_or_default().to_owned(),
                message: e.message(),
                validation: e.is_validation(),
            })),
        })
        .collect()
}

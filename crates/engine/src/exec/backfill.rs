//! Back-fills running beside the live sync (R46-R48). Each cycle first applies the live changes,
//! then back-fills one page of one entity (5,000 records, keyset-paged by primary key so the job
//! resumes anywhere) and reports that more remains: the scheduler then runs the next cycle at once,
//! so live changes keep going first and are never starved. A job covers the fields pending when it
//! started; a field added meanwhile restarts it with the new set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use super::cycle::{Cycle, Halt};
use crate::mapping::FieldMapping;
use crate::model::Entity;
use crate::plan::KnownSet;
use crate::plan::backfill::{BackfillInput, plan_backfill};
use crate::status::Phase;
use crate::store::schema::{self, Backfill, EnabledEntity};
use crate::store::{cursors, links};

/// Records read per step: one Web API page.
const PAGE: u32 = 5_000;

/// Records planned and pushed together: one Marketo call.
const CHUNK: usize = 300;

/// Where an entity's back-fill is, kept as a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Job {
    /// The Dynamics columns being back-filled.
    pub(crate) columns: Vec<String>,
    /// The last primary key done.
    pub(crate) after: Option<Uuid>,
    pub(crate) done: u64,
    /// Advanced Sync: only records updated in this range (R48).
    pub(crate) updated_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

pub(crate) fn job_cursor(entity: &Entity) -> String {
    format!("backfill:{}", entity.logical_name())
}

impl Cycle {
    /// Back-fills one page of the first entity with pending fields; returns whether any back-fill
    /// work remains.
    pub(crate) async fn backfill_step(&mut self) -> Result<bool, Halt> {
        let pending = self
            .engine
            .db(|s| s.read(schema::mappings))
            .await?
            .into_iter()
            .filter(|(_, b)| *b == Backfill::Pending)
            .map(|(m, _)| m)
            .collect::<Vec<FieldMapping>>();
        let Some(first) = pending.first() else {
            return Ok(false);
        };
        let entity = first.entity.clone();
        let Some(enabled) = self
            .config
            .entities
            .iter()
            .find(|e| e.entity == entity)
            .cloned()
        else {
            return Ok(false);
        };
        let fields: Vec<FieldMapping> =
            pending.into_iter().filter(|m| m.entity == entity).collect();
        let mut columns: Vec<String> = fields.iter().map(|m| m.dynamics.clone()).collect();
        columns.sort();
        let key = job_cursor(&entity);
        let saved: Option<Job> = self
            .engine
            .db({
                let key = key.clone();
                move |s| s.read(|c| cursors::get(c, &key))
            })
            .await?
            .and_then(|text| serde_json::from_str(&text).ok());
        let mut job = match saved {
            Some(job) if job.columns == columns => job,
            _ => Job {
                columns,
                ..Job::default()
            },
        };
        self.check_cancel()?;
        let rows = self.backfill_page(&enabled, &fields, &job).await?;
        let last = rows.last().map(|(id, _)| *id);
        let finished = rows.len() < PAGE as usize;
        for chunk in rows.chunks(CHUNK) {
            self.check_cancel()?;
            self.backfill_chunk(&entity, &fields, chunk).await?;
            job.done += chunk.len() as u64;
            self.progress_to(entity.logical_name(), Phase::Backfill, job.done, None);
        }
        job.after = last.or(job.after);
        let now = Utc::now();
        let done_columns = job.columns.clone();
        let text = serde_json::to_string(&job).map_err(|e| {
            Halt::Fail(crate::status::StopReason::new(
                crate::status::StopCode::Internal,
                e.to_string(),
            ))
        })?;
        self.engine
            .db(move |s| {
                s.write(|tx| {
                    if finished {
                        for column in &done_columns {
                            schema::set_backfill(tx, &entity, column, Backfill::Done)?;
                        }
                        cursors::clear(tx, &key)
                    } else {
                        cursors::set(tx, &key, &text, now)
                    }
                })
            })
            .await?;
        if !finished {
            return Ok(true);
        }
        // Another entity may have fields waiting too.
        let more = self
            .engine
            .db(|s| s.read(schema::mappings))
            .await?
            .iter()
            .any(|(_, b)| *b == Backfill::Pending);
        Ok(more)
    }

    async fn backfill_page(
        &self,
        enabled: &EnabledEntity,
        fields: &[FieldMapping],
        job: &Job,
    ) -> Result<Vec<(Uuid, Json)>, Halt> {
        use futures_util::StreamExt;
        let key = &enabled.primary_id;
        let mut select = vec![key.clone()];
        select.extend(fields.iter().map(FieldMapping::read_property));
        let mut filter = Vec::new();
        if let Some(after) = job.after {
            filter.push(format!("{key} gt {after}"));
        }
        if let Some((from, to)) = job.updated_between {
            filter.push(format!(
                "modifiedon ge {} and modifiedon le {}",
                from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        let mut query = self
            .dynamics
            .query(&enabled.entity_set)
            .select(&select)
            .order_by(key.as_str())
            .top(PAGE)
            .with_annotations();
        if !filter.is_empty() {
            query = query.filter(filter.join(" and "));
        }
        let page = match std::pin::pin!(query.pages()).next().await.transpose() {
            Ok(page) => page,
            Err(error) => return Err(self.dynamics_failure(error, enabled).await),
        };
        Ok(page
            .map(|p| p.records)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|record| {
                let id = record.guid(key).ok().flatten().or_else(|| record.id())?;
                Some((id, Json::Object(record.into_json())))
            })
            .collect())
    }

    async fn backfill_chunk(
        &mut self,
        entity: &Entity,
        fields: &[FieldMapping],
        rows: &[(Uuid, Json)],
    ) -> Result<(), Halt> {
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let of = entity.clone();
        let known = self
            .engine
            .db(move |s| {
                s.read(|c| {
                    let mut known = KnownSet::default();
                    for id in ids {
                        if let Some(link) = links::by_dynamics(c, &of, id)? {
                            known.insert(super::known(c, link)?);
                        }
                    }
                    Ok(known)
                })
            })
            .await?;
        let plan = plan_backfill(
            &self.context(),
            &BackfillInput {
                entity,
                fields,
                rows,
                known: &known,
            },
        );
        self.execute(plan, Vec::new(), Vec::new()).await
    }
}

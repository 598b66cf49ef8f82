//! Sending a Marketo-only person to Dynamics from the app ("Sync Person to Microsoft", R24-R27):
//! find the person, pick how (lead or contact) and an owner, and ask; the next cycle, run at once,
//! creates it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::model::{MarketoObject, person_fields};
use crate::store::requests::{self, SyncAs};
use crate::store::{self, links};

/// A Marketo person found by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarketoPersonSummary {
    pub id: i64,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    /// `Lead` or `Contact` when the person already syncs with Dynamics.
    pub microsoft_type: Option<String>,
    /// Exists only in Marketo: it can be sent to Dynamics.
    pub marketo_only: bool,
    /// A request to send it is waiting for the next cycle.
    pub requested: bool,
}

/// A Dynamics user who can own the records created on request (R27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DynamicsUser {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
}

/// A request and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonRequest {
    pub id: i64,
    pub marketo_id: i64,
    pub sync_as: SyncAs,
    pub owner_id: Option<Uuid>,
    /// `app`, or `list:<id>` for a member of the chosen static list.
    pub source: String,
    pub requested_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// `created-lead`, `created-contact`, `exists`, `not-found`, `rejected`; none while pending.
    pub outcome: Option<String>,
    pub dynamics_id: Option<Uuid>,
}

impl Engine {
    /// The Marketo people with this email address, and whether each can be sent to Dynamics.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`], or Marketo's refusal.
    pub async fn find_marketo_people(
        &self,
        email: String,
    ) -> Result<Vec<MarketoPersonSummary>, EngineError> {
        let email = email.trim().to_owned();
        if email.is_empty() {
            return Err(EngineError::Setup(
                "type the email address of the person to find".into(),
            ));
        }
        let saved = self.saved().await?;
        let client = self.marketo_client_for(&saved.marketo).await?;
        let fields = [
            "id",
            "email",
            "firstName",
            "lastName",
            "company",
            person_fields::MICROSOFT_TYPE,
            person_fields::DYNAMICS_ID,
        ];
        let found = client.get_leads("email", &[email], &fields).await?;
        let people: Vec<(i64, serde_json::Map<String, serde_json::Value>)> = found
            .iter()
            .filter_map(|lead| Some((lead.id()?, lead.fields().clone())))
            .collect();
        self.db(move |s| {
            s.read(|c| {
                let pending = requests::pending(c)?;
                people
                    .into_iter()
                    .map(|(id, fields)| {
                        let text = |name: &str| {
                            fields
                                .get(name)
                                .and_then(serde_json::Value::as_str)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                        };
                        let linked = links::by_marketo(c, &MarketoObject::Person, &id.to_string())?
                            .is_some();
                        let microsoft_type = text(person_fields::MICROSOFT_TYPE);
                        Ok(MarketoPersonSummary {
                            id,
                            email: text("email"),
                            first_name: text("firstName"),
                            last_name: text("lastName"),
                            company: text("company"),
                            marketo_only: !linked
                                && microsoft_type.is_none()
                                && text(person_fields::DYNAMICS_ID).is_none(),
                            microsoft_type,
                            requested: pending.iter().any(|r| r.marketo_id == id),
                        })
                    })
                    .collect()
            })
        })
        .await
    }

    /// The enabled Dynamics users, by name, to choose an owner from.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`], or Dynamics' refusal.
    pub async fn dynamics_users(&self) -> Result<Vec<DynamicsUser>, EngineError> {
        use futures_util::TryStreamExt;
        let saved = self.saved().await?;
        let client = self.dynamics_client_for(&saved.dynamics).await?;
        let pages: Vec<dynasync_dynamics::Page> = client
            .query("systemusers")
            .select(["systemuserid", "fullname", "internalemailaddress"])
            .filter("isdisabled eq false and accessmode ne 4")
            .order_by("fullname")
            .pages()
            .try_collect()
            .await?;
        Ok(pages
            .iter()
            .flat_map(|p| &p.records)
            .filter_map(|r| {
                Some(DynamicsUser {
                    id: r.guid("systemuserid").ok()??,
                    name: r.string("fullname").ok()??.to_owned(),
                    email: r
                        .string("internalemailaddress")
                        .ok()
                        .flatten()
                        .map(str::to_owned),
                })
            })
            .collect())
    }

    /// Asks for a Marketo-only person to be created in Dynamics, and runs a cycle now if the sync
    /// is running. Returns `false` when a request for the person is already waiting.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`]; [`EngineError::Setup`] for a person that already syncs.
    pub async fn sync_person_to_dynamics(
        &self,
        marketo_id: i64,
        sync_as: SyncAs,
        owner: Option<Uuid>,
    ) -> Result<bool, EngineError> {
        self.saved().await?;
        let now = Utc::now();
        let added = self
            .db(move |s| {
                s.write(|tx| {
                    if links::by_marketo(tx, &MarketoObject::Person, &marketo_id.to_string())?
                        .is_some()
                    {
                        return Ok(None);
                    }
                    Ok(Some(requests::add(
                        tx, marketo_id, sync_as, owner, "app", now,
                    )?))
                })
            })
            .await?
            .ok_or_else(|| {
                EngineError::Setup(format!(
                    "Marketo person {marketo_id} already syncs with Dynamics"
                ))
            })?;
        self.quick_sync();
        Ok(added)
    }

    /// The latest requests, newest first.
    pub async fn person_requests(&self, limit: usize) -> Result<Vec<PersonRequest>, EngineError> {
        self.db(move |s| s.read(|c| requests::recent(c, limit)))
            .await
    }

    pub(crate) async fn saved(&self) -> Result<store::connection::Saved, EngineError> {
        self.db(|s| s.read(store::connection::get))
            .await?
            .ok_or(EngineError::NotConfigured)
    }
}

//! The setup flow on [`Engine`]: the wizard's steps (and `dynasync setup`) in order. Each connection
//! is checked before it is kept; secrets go to the keychain as soon as they are entered and never
//! come back; the choices are saved as the field mapping and the enabled entities; finishing the
//! setup prepares Marketo and records both sides' identity (R90-R93).

use dynasync_dynamics::{AttributeMeta, DataverseClient};
use dynasync_marketo::MarketoClient;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::catalog::{self, CustomEntityOption, EntityFields, MarketoFields};
use super::checks::{self, CheckReport, OrganizationSummary};
use super::form::{ConnectionKind, DynamicsForm, FieldError, FieldProblem, FormField, MarketoForm};
use super::prepare;
use crate::clients;
use crate::config::{DynamicsAuth, DynamicsConnection, MarketoConnection, secret_names};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::mapping::FieldMapping;
use crate::model::{Entity, Side};
use crate::store::connection::{Fingerprint, Saved};
use crate::store::schema::{self, Backfill, EnabledEntity, EntityState, PathStep};
use crate::store::{self, runs, settings};

const DYNAMICS_DRAFT: &str = "setup.dynamics";
const ORGANIZATION: &str = "setup.organization";
const MARKETO_DRAFT: &str = "setup.marketo";
const SANDBOX: &str = "setup.sandbox";
const OPTIONS: &str = "options";

/// The choices of the Options step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, rename_all = "camelCase")]
pub struct SyncOptions {
    /// Minutes between the end of a cycle and the start of the next (R1: 5).
    pub interval_minutes: u32,
    /// Honour the `new_synctomkto` sync filter where Dynamics has it (R32-R35: it applies only once
    /// selected; an empty value then copies a record once and never updates it, R34).
    pub use_sync_filter: bool,
    /// Share of Marketo's daily quota kept for other integrations: the sync never uses it.
    pub reserve_percent: u32,
    /// The instance's daily API quota (50,000 unless the subscription says otherwise; Marketo's API
    /// does not tell).
    pub marketo_daily_quota: u32,
    /// The static list whose members are sent to Dynamics ("Sync Person to Microsoft", R24).
    pub person_list_id: Option<i64>,
    /// How members of that list are created in Dynamics.
    pub person_list_as_contact: bool,
    /// The Dynamics user who owns the records created for list members (R27); none: the sync user.
    pub person_list_owner: Option<Uuid>,
    /// OS notifications for the first sync's end and failed cycles.
    pub notifications: bool,
    /// A cycle that would overwrite more than this share of a side's records stops and asks.
    pub breaker_percent: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            interval_minutes: 5,
            use_sync_filter: false,
            reserve_percent: 10,
            marketo_daily_quota: 50_000,
            person_list_id: None,
            person_list_as_contact: false,
            person_list_owner: None,
            notifications: true,
            breaker_percent: 25,
        }
    }
}

/// The Dynamics connection as checked, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DynamicsDraft {
    pub org_url: String,
    pub connection: ConnectionKind,
    pub tenant: String,
    pub client_id: String,
    pub authority_host: String,
    pub username: Option<String>,
    pub client_secret_saved: bool,
    pub password_saved: bool,
    pub organization: Option<OrganizationSummary>,
    /// The org URL is fixed: the first sync ran (R90).
    pub locked: bool,
}

/// The Marketo connection as checked, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarketoDraft {
    pub rest_url: String,
    pub identity_url: String,
    pub client_id: String,
    pub client_secret_saved: bool,
}

/// Where the setup is, for the wizard to reopen any step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupState {
    /// The setup was finished: the sync runs.
    pub configured: bool,
    pub sandbox: bool,
    pub dynamics: Option<DynamicsDraft>,
    pub marketo: Option<MarketoDraft>,
    pub fields_saved: bool,
    pub options: SyncOptions,
}

/// A chosen column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldChoice {
    pub entity: String,
    pub column: String,
}

/// A chosen custom entity and its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomEntityChoice {
    pub logical_name: String,
    pub columns: Vec<String>,
}

/// What the Fields and Custom entities steps chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub fields: Vec<FieldChoice>,
    #[serde(default)]
    pub custom_entities: Vec<CustomEntityChoice>,
}

fn saved_secret(engine: &Engine, name: &'static str) -> Result<bool, EngineError> {
    Ok(engine
        .inner()
        .secrets
        .read(name)?
        .is_some_and(|s| !s.is_empty()))
}

fn setup_error(message: impl Into<String>) -> EngineError {
    EngineError::Setup(message.into())
}

impl Engine {
    async fn setting<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        key: &'static str,
    ) -> Result<Option<T>, EngineError> {
        self.db(move |s| s.read(|c| settings::get(c, key))).await
    }

    async fn set_setting<T: Serialize + Send + Sync + 'static>(
        &self,
        key: &'static str,
        value: T,
    ) -> Result<(), EngineError> {
        self.db(move |s| s.write(|tx| settings::set(tx, key, &value)))
            .await
    }

    /// Runs blocking keychain calls off the async threads.
    async fn keychain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || f(&engine)).await?
    }

    /// Makes a copy of the store look set up with the connection being set up, so that a dry run
    /// can preview the first sync before the setup is finished. Does nothing once it is.
    pub(crate) fn adopt_drafts(conn: &rusqlite::Connection) -> store::Result<()> {
        if store::connection::get(conn)?.is_some() {
            return Ok(());
        }
        let dynamics: Option<DynamicsConnection> = settings::get(conn, DYNAMICS_DRAFT)?;
        let marketo: Option<MarketoConnection> = settings::get(conn, MARKETO_DRAFT)?;
        let organization: Option<Option<OrganizationSummary>> = settings::get(conn, ORGANIZATION)?;
        if let (Some(dynamics), Some(marketo)) = (dynamics, marketo) {
            let sandbox = settings::get::<bool>(conn, SANDBOX)?.unwrap_or(false);
            let now = chrono::Utc::now();
            let saved = Saved {
                dynamics,
                marketo,
                sandbox,
            };
            store::connection::save(conn, &saved, now)?;
            if let Some(organization) = organization.flatten() {
                settings::set(conn, "syncUser", &organization.sync_user_id)?;
            }
        }
        Ok(())
    }

    /// Where the setup is.
    pub async fn setup_state(&self) -> Result<SetupState, EngineError> {
        let saved = self.db(|s| s.read(store::connection::get)).await?;
        let first_sync_done = self.db(|s| s.read(runs::first_sync_done)).await?;
        let dynamics: Option<DynamicsConnection> = self.setting(DYNAMICS_DRAFT).await?;
        let organization: Option<OrganizationSummary> = self.setting(ORGANIZATION).await?;
        let marketo: Option<MarketoConnection> = self.setting(MARKETO_DRAFT).await?;
        let (secret, password, marketo_secret) = self
            .keychain(|e| {
                Ok((
                    saved_secret(e, secret_names::DYNAMICS_CLIENT_SECRET)?,
                    saved_secret(e, secret_names::DYNAMICS_PASSWORD)?,
                    saved_secret(e, secret_names::MARKETO_CLIENT_SECRET)?,
                ))
            })
            .await?;
        let fields_saved = !self.db(|s| s.read(schema::mappings)).await?.is_empty();
        Ok(SetupState {
            configured: saved.is_some(),
            sandbox: self.setting::<bool>(SANDBOX).await?.unwrap_or(false),
            dynamics: dynamics.map(|d| DynamicsDraft {
                org_url: d.org_url,
                connection: match d.auth {
                    DynamicsAuth::App => ConnectionKind::App,
                    DynamicsAuth::Password { .. } => ConnectionKind::Password,
                },
                username: match d.auth {
                    DynamicsAuth::App => None,
                    DynamicsAuth::Password { username } => Some(username),
                },
                tenant: d.tenant,
                client_id: d.client_id,
                authority_host: d.authority_host,
                client_secret_saved: secret,
                password_saved: password,
                organization,
                locked: first_sync_done,
            }),
            marketo: marketo.map(|m| MarketoDraft {
                rest_url: m.rest_url,
                identity_url: m.identity_url,
                client_id: m.client_id,
                client_secret_saved: marketo_secret,
            }),
            fields_saved,
            options: self.options().await?,
        })
    }

    /// Says whether the connection being set up is the built-in sandbox.
    pub async fn set_sandbox(&self, sandbox: bool) -> Result<(), EngineError> {
        self.set_setting(SANDBOX, sandbox).await
    }

    /// Validates the Dynamics form, keeps its new secrets in the keychain, and runs the checks.
    /// A connection whose checks all pass is kept for the next steps.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] with every wrong field (nothing is contacted or saved then).
    pub async fn check_dynamics(&self, form: DynamicsForm) -> Result<CheckReport, EngineError> {
        let (saved_secret, saved_password) = self
            .keychain(|e| {
                Ok((
                    saved_secret(e, secret_names::DYNAMICS_CLIENT_SECRET)?,
                    saved_secret(e, secret_names::DYNAMICS_PASSWORD)?,
                ))
            })
            .await?;
        let connection = form
            .validate(saved_secret, saved_password)
            .map_err(EngineError::Invalid)?;
        let first_sync_done = self.db(|s| s.read(runs::first_sync_done)).await?;
        let previous: Option<DynamicsConnection> = self.setting(DYNAMICS_DRAFT).await?;
        if first_sync_done
            && previous
                .as_ref()
                .is_some_and(|p| p.org_url != connection.org_url)
        {
            // The org is fixed once synced (R90): another org is another setup.
            return Err(EngineError::Invalid(vec![FieldError {
                field: FormField::OrgUrl,
                problem: FieldProblem::Locked,
            }]));
        }
        let (secret, password) = (form.client_secret.clone(), form.password.clone());
        self.keychain(move |e| {
            let store = &e.inner().secrets;
            if let Some(secret) = secret.filter(|s| !s.is_empty()) {
                store.store(secret_names::DYNAMICS_CLIENT_SECRET, &secret)?;
            }
            if let Some(password) = password.filter(|s| !s.is_empty()) {
                store.store(secret_names::DYNAMICS_PASSWORD, &password)?;
            }
            Ok(())
        })
        .await?;
        let client = self.dynamics_client_for(&connection).await?;
        let known_org = self
            .db(|s| s.read(|c| store::connection::fingerprint(c, Side::Dynamics)))
            .await?
            .and_then(|f| Uuid::parse_str(&f.value).ok());
        let org_url = url::Url::parse(&connection.org_url)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let report = checks::check_dynamics(&org_url, &client, known_org).await;
        if report.ok {
            self.set_setting(DYNAMICS_DRAFT, connection).await?;
            self.set_setting(ORGANIZATION, report.organization.clone())
                .await?;
        }
        Ok(report)
    }

    /// Validates the Marketo form, keeps its new secret, and runs the checks (with today's budget).
    ///
    /// # Errors
    /// [`EngineError::Invalid`] with every wrong field.
    pub async fn check_marketo(&self, form: MarketoForm) -> Result<CheckReport, EngineError> {
        let saved = self
            .keychain(|e| saved_secret(e, secret_names::MARKETO_CLIENT_SECRET))
            .await?;
        let connection = form.validate(saved).map_err(EngineError::Invalid)?;
        let secret = form.client_secret.clone();
        self.keychain(move |e| {
            if let Some(secret) = secret.filter(|s| !s.is_empty()) {
                e.inner()
                    .secrets
                    .store(secret_names::MARKETO_CLIENT_SECRET, &secret)?;
            }
            Ok(())
        })
        .await?;
        let client = self.marketo_client_for(&connection).await?;
        let report = checks::check_marketo(&client).await;
        if report.ok {
            self.set_setting(MARKETO_DRAFT, connection).await?;
        }
        Ok(report)
    }

    pub(crate) async fn dynamics_client_for(
        &self,
        connection: &DynamicsConnection,
    ) -> Result<DataverseClient, EngineError> {
        let connection = connection.clone();
        self.keychain(move |e| {
            clients::dynamics(&connection, e.inner().secrets.as_ref(), &e.inner().limits)
        })
        .await
    }

    /// A Marketo client that leaves the reserve of the daily quota to other integrations.
    pub(crate) async fn marketo_client_for(
        &self,
        connection: &MarketoConnection,
    ) -> Result<MarketoClient, EngineError> {
        let connection = connection.clone();
        let options = self.options().await?;
        self.keychain(move |e| {
            let mut limits = e
                .inner()
                .limits
                .marketo
                .unwrap_or(dynasync_marketo::Limits {
                    daily_quota: options.marketo_daily_quota,
                    ..Default::default()
                });
            let share = u64::from(limits.daily_quota) * u64::from(options.reserve_percent.min(100));
            limits.reserve = u32::try_from(share / 100).unwrap_or(u32::MAX);
            clients::marketo(&connection, e.inner().secrets.as_ref(), limits)
        })
        .await
    }

    /// Both connections being set up; [`EngineError::NotConfigured`] until both are checked.
    async fn drafts(&self) -> Result<(DynamicsConnection, MarketoConnection), EngineError> {
        let dynamics = self
            .setting(DYNAMICS_DRAFT)
            .await?
            .ok_or(EngineError::NotConfigured)?;
        let marketo = self
            .setting(MARKETO_DRAFT)
            .await?
            .ok_or(EngineError::NotConfigured)?;
        Ok((dynamics, marketo))
    }

    /// Both clients of the connection being set up (or saved).
    pub(crate) async fn draft_clients(
        &self,
    ) -> Result<(DataverseClient, MarketoClient), EngineError> {
        let (dynamics, marketo) = self.drafts().await?;
        Ok((
            self.dynamics_client_for(&dynamics).await?,
            self.marketo_client_for(&marketo).await?,
        ))
    }

    pub async fn options(&self) -> Result<SyncOptions, EngineError> {
        Ok(self.setting(OPTIONS).await?.unwrap_or_default())
    }

    /// Saves the Options step (and the settings' changes later).
    pub async fn set_options(&self, options: SyncOptions) -> Result<(), EngineError> {
        if !(1..=1440).contains(&options.interval_minutes) {
            return Err(setup_error("the interval is between 1 and 1,440 minutes"));
        }
        if options.reserve_percent > 90 || !(1..=100).contains(&options.breaker_percent) {
            return Err(setup_error(
                "the reserve is at most 90 %, the circuit breaker between 1 and 100 %",
            ));
        }
        if options.marketo_daily_quota == 0 {
            return Err(setup_error(
                "Marketo's daily quota is at least 1 call (50,000 unless your subscription says otherwise)",
            ));
        }
        self.set_setting(OPTIONS, options.clone()).await?;
        if let Some(scheduler) = self.inner().scheduler.lock().as_ref() {
            scheduler.set_interval(std::time::Duration::from_secs(
                u64::from(options.interval_minutes) * 60,
            ));
        }
        Ok(())
    }

    /// What Marketo has, per object, for the field picker.
    async fn marketo_fields(client: &MarketoClient) -> Result<MarketoFields, EngineError> {
        use dynasync_marketo::ObjectKind;
        let marketo_error =
            |e: dynasync_marketo::Error| EngineError::Internal(format!("Marketo: {e}"));
        let person =
            MarketoFields::from_person(&client.describe_leads().await.map_err(marketo_error)?);
        let object = |kind| async move {
            client.describe_object(kind).await.map(|d| {
                d.fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.clone(),
                            (
                                f.display_name.clone().unwrap_or_else(|| f.name.clone()),
                                f.data_type.clone(),
                            ),
                        )
                    })
                    .collect()
            })
        };
        Ok(MarketoFields {
            person,
            company: object(ObjectKind::Company).await.map_err(marketo_error)?,
            opportunity: object(ObjectKind::Opportunity)
                .await
                .map_err(marketo_error)?,
            sales_person: object(ObjectKind::SalesPerson)
                .await
                .map_err(marketo_error)?,
        })
    }

    async fn attributes(
        client: &DataverseClient,
        entity: &str,
    ) -> Result<Vec<AttributeMeta>, EngineError> {
        client
            .attributes(entity)
            .await
            .map_err(|e| EngineError::Internal(format!("Dynamics: {e}")))
    }

    /// The Fields step: per standard entity, the columns the sync user can read, the default
    /// mapping preselected (or the saved choice), each with its Marketo field and direction.
    pub async fn catalog(&self) -> Result<Vec<EntityFields>, EngineError> {
        let (dynamics, marketo) = self.draft_clients().await?;
        let marketo_fields = Engine::marketo_fields(&marketo).await?;
        let saved = self.db(|s| s.read(schema::mapping_set)).await?;
        let entities = dynamics
            .entities()
            .await
            .map_err(|e| EngineError::Internal(format!("Dynamics: {e}")))?;
        let mut out = Vec::new();
        for entity in Entity::STANDARD.into_iter().filter(Entity::has_fields) {
            let attributes = Engine::attributes(&dynamics, entity.logical_name()).await?;
            let label = entities
                .iter()
                .find(|e| e.logical_name == entity.logical_name())
                .and_then(|e| e.display_name.clone())
                .unwrap_or_else(|| entity.logical_name().to_owned());
            out.push(catalog::entity_fields(
                &entity,
                &label,
                &attributes,
                &marketo_fields,
                saved.of(&entity),
            ));
        }
        Ok(out)
    }

    /// The Custom entities step: every custom entity, eligible or with the reason it is not.
    pub async fn custom_entities(&self) -> Result<Vec<CustomEntityOption>, EngineError> {
        let (dynamics, _) = self.draft_clients().await?;
        let links = dynamics
            .linked_custom_entities()
            .await
            .map_err(|e| EngineError::Internal(format!("Dynamics: {e}")))?;
        let saved = self.db(|s| s.read(schema::mapping_set)).await?;
        let enabled: Vec<Entity> = self
            .db(|s| s.read(schema::entities))
            .await?
            .into_iter()
            .map(|e| e.entity)
            .collect();
        let mut out = Vec::new();
        for link in links {
            let entity = Entity::Custom(link.logical_name.clone());
            let fields = match link.ineligible {
                None => {
                    let attributes = Engine::attributes(&dynamics, &link.logical_name).await?;
                    catalog::entity_fields(
                        &entity,
                        &link.logical_name,
                        &attributes,
                        &MarketoFields::default(),
                        saved.of(&entity),
                    )
                    .fields
                }
                Some(_) => Vec::new(),
            };
            let on = enabled.contains(&entity);
            out.push(catalog::custom_entity_option(&link, fields, on));
        }
        Ok(out)
    }

    /// Saves the chosen fields and custom entities. After the first sync, a newly chosen field is
    /// back-filled from Dynamics (R46) and a newly enabled custom entity gets its first copy (R62),
    /// both while the live sync goes on.
    ///
    /// # Errors
    /// [`EngineError::Setup`] naming a column that cannot be synced.
    pub async fn save_selection(&self, selection: Selection) -> Result<(), EngineError> {
        let (dynamics, marketo) = self.draft_clients().await?;
        let marketo_fields = Engine::marketo_fields(&marketo).await?;
        let entities_meta = dynamics
            .entities()
            .await
            .map_err(|e| EngineError::Internal(format!("Dynamics: {e}")))?;
        let custom_links = if selection.custom_entities.is_empty() {
            Vec::new()
        } else {
            dynamics
                .linked_custom_entities()
                .await
                .map_err(|e| EngineError::Internal(format!("Dynamics: {e}")))?
        };
        let mut wanted: Vec<(Entity, Vec<String>)> = Entity::STANDARD
            .iter()
            .map(|e| {
                let columns = selection
                    .fields
                    .iter()
                    .filter(|f| f.entity == e.logical_name())
                    .map(|f| f.column.clone())
                    .collect();
                (e.clone(), columns)
            })
            .collect();
        for choice in &selection.custom_entities {
            let link = custom_links
                .iter()
                .find(|l| l.logical_name == choice.logical_name)
                .ok_or_else(|| {
                    setup_error(format!("there is no custom entity {}", choice.logical_name))
                })?;
            if let Some(reason) = &link.ineligible {
                return Err(setup_error(format!(
                    "{} cannot be synced: {reason}",
                    choice.logical_name
                )));
            }
            wanted.push((
                Entity::Custom(choice.logical_name.clone()),
                choice.columns.clone(),
            ));
        }
        let mut mappings: Vec<FieldMapping> = Vec::new();
        let mut enabled: Vec<EnabledEntity> = Vec::new();
        for (entity, columns) in wanted {
            let attributes = Engine::attributes(&dynamics, entity.logical_name()).await?;
            let options = catalog::entity_fields(
                &entity,
                entity.logical_name(),
                &attributes,
                &marketo_fields,
                &[],
            )
            .fields;
            let mut mapped = Vec::new();
            for column in &columns {
                let option = options
                    .iter()
                    .find(|o| &o.column == column)
                    .ok_or_else(|| {
                        setup_error(format!(
                            "{} has no column {column} the sync user can read",
                            entity.logical_name()
                        ))
                    })?;
                if option.availability != catalog::Availability::Available {
                    return Err(setup_error(format!(
                        "{}.{column} cannot be synced ({:?})",
                        entity.logical_name(),
                        option.availability
                    )));
                }
                let attribute = attributes
                    .iter()
                    .find(|a| &a.logical_name == column)
                    .unwrap_or_else(|| unreachable!("options come from attributes"));
                mapped.extend(catalog::mapping_of(&entity, option, attribute));
            }
            let meta = entities_meta
                .iter()
                .find(|m| m.logical_name == entity.logical_name());
            let path: Vec<PathStep> = custom_links
                .iter()
                .find(|l| l.logical_name == entity.logical_name())
                .map(|l| {
                    l.path
                        .iter()
                        .map(|s| PathStep {
                            parent_set: entities_meta
                                .iter()
                                .find(|m| m.logical_name == s.parent)
                                .map(|m| m.entity_set_name.clone()),
                            parent: s.parent.clone(),
                            child: s.child.clone(),
                            lookup: s.lookup.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            enabled.push(EnabledEntity {
                entity_set: meta
                    .map(|m| m.entity_set_name.clone())
                    .or_else(|| entity.standard_entity_set().map(str::to_owned))
                    .unwrap_or_default(),
                primary_id: meta
                    .map(|m| m.primary_id.clone())
                    .unwrap_or_else(|| entity.primary_id()),
                columns: catalog::pull_columns(&entity, &attributes, &mapped, &path),
                path,
                label: meta.and_then(|m| m.display_name.clone()),
                state: EntityState::Live,
                entity,
            });
            mappings.extend(mapped);
        }
        let (first_sync_done, configured) = self
            .db(|s| {
                s.read(|c| {
                    Ok((
                        runs::first_sync_done(c)?,
                        store::connection::get(c)?.is_some(),
                    ))
                })
            })
            .await?;
        let queued: Vec<String> = self
            .db(|s| s.read(schema::mappings))
            .await?
            .into_iter()
            .filter(|(old, backfill)| {
                *backfill == Backfill::Pending
                    && !mappings
                        .iter()
                        .any(|m| m.entity == old.entity && m.dynamics == old.dynamics)
            })
            .map(|(old, _)| format!("{}.{}", old.entity.logical_name(), old.dynamics))
            .collect();
        if !queued.is_empty() {
            // R47: "When a field is in a queue for syncing, you can't deselect it."
            return Err(setup_error(format!(
                "{} cannot be removed while its values are being filled from Dynamics; remove it once that is done",
                queued.join(", ")
            )));
        }
        if configured {
            // Set up already: what the new fields write to must exist before the sync uses them.
            prepare::ensure_person_fields(&marketo, &mappings).await?;
            prepare::ensure_custom_objects(&marketo, &enabled, &mappings).await?;
        }
        let now = chrono::Utc::now();
        self.db(move |s| {
            s.write(|tx| {
                let before = schema::mappings(tx)?;
                let known_entities: Vec<Entity> = schema::entities(tx)?
                    .into_iter()
                    .map(|e| e.entity)
                    .collect();
                for (old, _) in &before {
                    if !mappings
                        .iter()
                        .any(|m| m.entity == old.entity && m.dynamics == old.dynamics)
                    {
                        schema::remove_mapping(tx, &old.entity, &old.dynamics)?;
                    }
                }
                for mapping in &mappings {
                    let existed = before
                        .iter()
                        .any(|(m, _)| m.entity == mapping.entity && m.dynamics == mapping.dynamics);
                    let backfill = if first_sync_done && !existed {
                        Backfill::Pending
                    } else {
                        Backfill::None
                    };
                    let backfill = before
                        .iter()
                        .find(|(m, _)| m.entity == mapping.entity && m.dynamics == mapping.dynamics)
                        .map_or(backfill, |(_, b)| *b);
                    schema::save_mapping(tx, mapping, backfill, now)?;
                }
                for mut entity in enabled {
                    if first_sync_done && !known_entities.contains(&entity.entity) {
                        entity.state = EntityState::Initial;
                    }
                    schema::save_entity(tx, &entity, now)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Refreshes synced fields from Dynamics for every synced record ("Quick Sync", R46; the fix
    /// for a field out of sync, R49), or only for records updated in a date range ("Advanced Sync",
    /// R48). It runs beside the live sync, starting with the next cycle (run now if the sync runs).
    ///
    /// # Errors
    /// [`EngineError::Setup`] for a field that is not synced, or before the first sync (which
    /// copies every field anyway).
    pub async fn refresh_fields(
        &self,
        entity: String,
        columns: Vec<String>,
        updated_between: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    ) -> Result<(), EngineError> {
        if let Some((from, to)) = updated_between
            && from > to
        {
            return Err(setup_error("the date range ends before it starts"));
        }
        let entity = Entity::from_logical_name(&entity);
        let now = chrono::Utc::now();
        self.db(move |s| {
            s.write(|tx| {
                if !runs::first_sync_done(tx)? {
                    return Ok(Err(setup_error(
                        "the first sync has not completed yet: it copies every field",
                    )));
                }
                let mapped = schema::mappings(tx)?;
                if let Some(missing) = columns.iter().find(|c| {
                    !mapped
                        .iter()
                        .any(|(m, _)| m.entity == entity && &m.dynamics == *c)
                }) {
                    return Ok(Err(setup_error(format!(
                        "{}.{missing} is not a synced field",
                        entity.logical_name()
                    ))));
                }
                for column in &columns {
                    schema::set_backfill(tx, &entity, column, Backfill::Pending)?;
                }
                let mut pending: Vec<String> = schema::mappings(tx)?
                    .into_iter()
                    .filter(|(m, b)| m.entity == entity && *b == Backfill::Pending)
                    .map(|(m, _)| m.dynamics)
                    .collect();
                pending.sort();
                let mut asked = columns.clone();
                asked.sort();
                // A range applies when it covers every field waiting; otherwise all are refreshed.
                let job = crate::exec::BackfillJob {
                    updated_between: updated_between.filter(|_| pending == asked),
                    columns: pending,
                    ..Default::default()
                };
                let text = serde_json::to_string(&job)?;
                store::cursors::set(tx, &crate::exec::backfill_cursor(&entity), &text, now)?;
                Ok(Ok(()))
            })
        })
        .await??;
        self.quick_sync();
        Ok(())
    }

    /// Finishes the setup: creates what the sync needs in Marketo, records both sides' identity and
    /// saves the connection. [`Engine::start`] then runs the first sync.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`] when a step is missing.
    pub async fn finish_setup(&self) -> Result<(), EngineError> {
        let (dynamics, marketo) = self.drafts().await?;
        let organization: OrganizationSummary = self
            .setting(ORGANIZATION)
            .await?
            .flatten()
            .ok_or(EngineError::NotConfigured)?;
        if self.db(|s| s.read(schema::mappings)).await?.is_empty() {
            return Err(setup_error("choose the fields to sync first"));
        }
        let client = self.marketo_client_for(&marketo).await?;
        let instance = self.prepare_marketo(&client).await?;
        let sandbox = self.setting::<bool>(SANDBOX).await?.unwrap_or(false);
        let now = chrono::Utc::now();
        self.db(move |s| {
            s.write(|tx| {
                store::connection::save(
                    tx,
                    &Saved {
                        dynamics,
                        marketo,
                        sandbox,
                    },
                    now,
                )?;
                let org = Fingerprint {
                    value: organization.id.to_string(),
                    label: organization.unique_name.clone(),
                };
                store::connection::set_fingerprint(tx, Side::Dynamics, &org, now)?;
                store::connection::set_fingerprint(tx, Side::Marketo, &instance, now)?;
                settings::set(tx, "syncUser", &organization.sync_user_id)
            })
        })
        .await?;
        let status = &self.inner().status;
        status.send_modify(|s| {
            s.state = crate::status::SyncState::Stopped;
            s.sandbox = sandbox;
        });
        Ok(())
    }

    /// Creates the person fields and custom activity types the sync writes; returns the instance's
    /// fingerprint: its REST host and the id of Dynasync's own activity type, which a copied or
    /// replaced instance would not have (R91, R93).
    async fn prepare_marketo(&self, client: &MarketoClient) -> Result<Fingerprint, EngineError> {
        let mappings: Vec<FieldMapping> = self
            .db(|s| s.read(schema::mappings))
            .await?
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        prepare::ensure_person_fields(client, &mappings).await?;
        let entities = self.db(|s| s.read(schema::entities)).await?;
        prepare::ensure_custom_objects(client, &entities, &mappings).await?;
        let types = crate::activities::ensure_types(client).await?;
        self.set_setting("activityTypes", types).await?;
        let host = url::Url::parse(client_rest_url(self).await?.as_str())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Fingerprint {
            value: format!("{host}|{}", types.account_changed),
            label: host,
        })
    }
}

async fn client_rest_url(engine: &Engine) -> Result<String, EngineError> {
    let marketo: MarketoConnection = engine
        .setting(MARKETO_DRAFT)
        .await?
        .ok_or(EngineError::NotConfigured)?;
    Ok(marketo.rest_url)
}

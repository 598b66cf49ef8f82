//! The checks that prove a connection works, before anything is saved: Marketo's seven "Validate
//! Sync Setup" checks (S45) adapted to an app registration, and Marketo's own. Each failure names a
//! problem the UI turns into a fix, with the API's own words as detail.

use std::collections::BTreeSet;

use dynasync_dynamics::{Authority, DataverseClient};
use dynasync_marketo::MarketoClient;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;
use uuid::Uuid;

use crate::clients::is_tls;
use crate::model::Entity;
use crate::status::Budget;

/// One check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CheckId {
    /// The URL answers as a Dataverse org (S45 check 1).
    OrgUrl,
    /// Entra ID signs the app (or the sync user) in (check 2).
    SignIn,
    /// The org knows the sync user (application user or user account) (checks 3, 6, 7).
    SyncUser,
    /// The sync user can read leads, contacts, accounts, opportunities, users and teams (R5).
    ReadAccess,
    /// Change tracking is on for those tables, so cycles only move what changed.
    ChangeTracking,
    /// Columns the sync user cannot read (field security) are not offered (R5, R44).
    FieldVisibility,
    /// The org is the one set up before, if any (R90-R93).
    OrgIdentity,
    /// The REST and identity endpoints answer as Marketo.
    MarketoEndpoint,
    /// Marketo's identity service accepts the client id and secret.
    MarketoSignIn,
    /// The API user may read and write people.
    MarketoAccess,
    /// The API user may read and create fields (Dynasync creates a few).
    MarketoSchema,
    /// How much of today's API quota is left.
    MarketoBudget,
}

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CheckStatus {
    Passed,
    /// Works, with something the user should know.
    Warning,
    Failed,
    /// Not run, because an earlier check failed.
    Skipped,
}

/// What is wrong, for the UI to explain and suggest a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ProblemCode {
    Unreachable,
    TlsFailure,
    NotDataverse,
    UnknownTenant,
    AppNotFound,
    WrongSecret,
    SecretExpired,
    WrongPassword,
    UserNotFound,
    MfaRequired,
    ConsentMissing,
    SignInRefused,
    NoSyncUser,
    NoReadAccess,
    ChangeTrackingOff,
    SecuredColumns,
    OrganizationChanged,
    NotMarketo,
    MarketoClientRefused,
    MarketoAccessDenied,
    NoSchemaAccess,
    QuotaLow,
    Other,
}

/// A problem and the API's own words about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub code: ProblemCode,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub id: CheckId,
    pub status: CheckStatus,
    pub problem: Option<Problem>,
}

/// The org the checks reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSummary {
    pub id: Uuid,
    pub name: String,
    pub unique_name: String,
    pub sync_user: String,
    pub sync_user_id: Uuid,
}

/// Every check of one side, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// All checks passed (warnings are fine).
    pub ok: bool,
    pub checks: Vec<Check>,
    pub organization: Option<OrganizationSummary>,
    pub budget: Option<Budget>,
}

struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn pass(&mut self, id: CheckId) {
        self.checks.push(Check {
            id,
            status: CheckStatus::Passed,
            problem: None,
        });
    }

    fn warn(&mut self, id: CheckId, code: ProblemCode, detail: impl Into<String>) {
        self.checks.push(Check {
            id,
            status: CheckStatus::Warning,
            problem: Some(Problem {
                code,
                detail: detail.into(),
            }),
        });
    }

    fn fail(&mut self, id: CheckId, code: ProblemCode, detail: impl Into<String>) {
        self.checks.push(Check {
            id,
            status: CheckStatus::Failed,
            problem: Some(Problem {
                code,
                detail: detail.into(),
            }),
        });
    }

    fn skip(&mut self, ids: &[CheckId]) {
        for id in ids {
            self.checks.push(Check {
                id: *id,
                status: CheckStatus::Skipped,
                problem: None,
            });
        }
    }

    fn finish(
        self,
        organization: Option<OrganizationSummary>,
        budget: Option<Budget>,
    ) -> CheckReport {
        let ok = self
            .checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Passed | CheckStatus::Warning));
        CheckReport {
            ok,
            checks: self.checks,
            organization,
            budget,
        }
    }
}

fn transport_problem(error: &(dyn std::error::Error + 'static)) -> ProblemCode {
    if is_tls(error) {
        ProblemCode::TlsFailure
    } else {
        ProblemCode::Unreachable
    }
}

/// What an Entra ID or Dataverse error says about signing in.
fn sign_in_problem(error: &dynasync_dynamics::Error) -> ProblemCode {
    use dynasync_dynamics::Error as E;
    match error {
        E::Auth {
            aadsts: Some(code), ..
        } => match code {
            7000215 | 7000218 => ProblemCode::WrongSecret,
            7000222 => ProblemCode::SecretExpired,
            700016 => ProblemCode::AppNotFound,
            90002 => ProblemCode::UnknownTenant,
            50126 => ProblemCode::WrongPassword,
            50034 => ProblemCode::UserNotFound,
            50076 | 50079 => ProblemCode::MfaRequired,
            65001 => ProblemCode::ConsentMissing,
            _ => ProblemCode::SignInRefused,
        },
        E::Auth { .. } => ProblemCode::SignInRefused,
        E::Transport { source, .. } => transport_problem(source),
        E::Api {
            status: 401 | 403, ..
        } => ProblemCode::NoSyncUser,
        _ => ProblemCode::Other,
    }
}

const DYNAMICS_CHECKS: [CheckId; 7] = [
    CheckId::OrgUrl,
    CheckId::SignIn,
    CheckId::SyncUser,
    CheckId::ReadAccess,
    CheckId::ChangeTracking,
    CheckId::FieldVisibility,
    CheckId::OrgIdentity,
];

/// Runs the Dynamics checks. `known_org` is the organization id recorded at setup, if any.
pub(crate) async fn check_dynamics(
    org_url: &Url,
    client: &DataverseClient,
    known_org: Option<Uuid>,
) -> CheckReport {
    let mut report = Report { checks: Vec::new() };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build();
    let discovered = match http {
        Ok(http) => Authority::discover(org_url, &http).await,
        Err(e) => Err(dynasync_dynamics::Error::InvalidInput(e.to_string())),
    };
    if let Err(error) = discovered {
        let code = match &error {
            dynasync_dynamics::Error::Transport { source, .. } => transport_problem(source),
            _ => ProblemCode::NotDataverse,
        };
        report.fail(CheckId::OrgUrl, code, error.to_string());
        report.skip(&DYNAMICS_CHECKS[1..]);
        return report.finish(None, None);
    }
    report.pass(CheckId::OrgUrl);

    let who = match client.who_am_i().await {
        Ok(who) => who,
        Err(error) => {
            let problem = sign_in_problem(&error);
            if problem == ProblemCode::NoSyncUser {
                report.pass(CheckId::SignIn);
                report.fail(CheckId::SyncUser, problem, error.to_string());
                report.skip(&DYNAMICS_CHECKS[3..]);
            } else {
                report.fail(CheckId::SignIn, problem, error.to_string());
                report.skip(&DYNAMICS_CHECKS[2..]);
            }
            return report.finish(None, None);
        }
    };
    report.pass(CheckId::SignIn);
    let user = client
        .query("systemusers")
        .select(["fullname", "domainname"])
        .filter(format!("systemuserid eq {}", who.user_id))
        .top(1);
    let sync_user = match futures_first_page(user).await {
        Ok(Some(record)) => {
            report.pass(CheckId::SyncUser);
            record
                .get("fullname")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        }
        Ok(None) => {
            report.fail(
                CheckId::SyncUser,
                ProblemCode::NoSyncUser,
                format!("no user {} in this org", who.user_id),
            );
            String::new()
        }
        Err(error) => {
            report.fail(
                CheckId::SyncUser,
                ProblemCode::NoSyncUser,
                error.to_string(),
            );
            String::new()
        }
    };

    let mut unreadable = Vec::new();
    for entity in Entity::STANDARD {
        let set = entity.standard_entity_set().unwrap_or_default();
        if let Err(error) =
            futures_first_page(client.query(set).select([entity.primary_id()]).top(1)).await
        {
            unreadable.push(format!("{set}: {error}"));
        }
    }
    if unreadable.is_empty() {
        report.pass(CheckId::ReadAccess);
    } else {
        report.fail(
            CheckId::ReadAccess,
            ProblemCode::NoReadAccess,
            unreadable.join("\n"),
        );
    }

    match client.entities().await {
        Ok(entities) => {
            let wanted: BTreeSet<&str> =
                Entity::STANDARD.iter().map(Entity::logical_name).collect();
            let off: Vec<&str> = entities
                .iter()
                .filter(|e| wanted.contains(e.logical_name.as_str()) && !e.change_tracking_enabled)
                .map(|e| e.logical_name.as_str())
                .collect();
            if off.is_empty() {
                report.pass(CheckId::ChangeTracking);
            } else {
                report.fail(
                    CheckId::ChangeTracking,
                    ProblemCode::ChangeTrackingOff,
                    off.join(", "),
                );
            }
        }
        Err(error) => report.fail(
            CheckId::ChangeTracking,
            ProblemCode::Other,
            error.to_string(),
        ),
    }

    let mut secured = Vec::new();
    for entity in [
        Entity::Lead,
        Entity::Contact,
        Entity::Account,
        Entity::Opportunity,
    ] {
        if let Ok(attributes) = client.attributes(entity.logical_name()).await {
            secured.extend(
                attributes
                    .iter()
                    .filter(|a| a.valid_for_read && !a.readable_by_caller)
                    .map(|a| format!("{}.{}", entity.logical_name(), a.logical_name)),
            );
        }
    }
    if secured.is_empty() {
        report.pass(CheckId::FieldVisibility);
    } else {
        report.warn(
            CheckId::FieldVisibility,
            ProblemCode::SecuredColumns,
            secured.join(", "),
        );
    }

    let organization = match client.current_organization().await {
        Ok(org) if known_org.is_some_and(|known| known != org.organization_id) => {
            report.fail(
                CheckId::OrgIdentity,
                ProblemCode::OrganizationChanged,
                format!(
                    "set up for organization {}, but this is {} ({})",
                    known_org.unwrap_or_default(),
                    org.organization_id,
                    org.unique_name
                ),
            );
            None
        }
        Ok(org) => {
            report.pass(CheckId::OrgIdentity);
            Some(OrganizationSummary {
                id: org.organization_id,
                name: org.friendly_name,
                unique_name: org.unique_name,
                sync_user,
                sync_user_id: who.user_id,
            })
        }
        Err(error) => {
            report.fail(CheckId::OrgIdentity, ProblemCode::Other, error.to_string());
            None
        }
    };
    report.finish(organization, None)
}

/// The first record of a query's first page.
async fn futures_first_page(
    query: dynasync_dynamics::Query,
) -> Result<Option<dynasync_dynamics::Record>, dynasync_dynamics::Error> {
    use futures_util::StreamExt;
    let mut pages = Box::pin(query.pages());
    match pages.next().await {
        Some(Ok(page)) => Ok(page.records.into_iter().next()),
        Some(Err(error)) => Err(error),
        None => Ok(None),
    }
}

const MARKETO_CHECKS: [CheckId; 5] = [
    CheckId::MarketoEndpoint,
    CheckId::MarketoSignIn,
    CheckId::MarketoAccess,
    CheckId::MarketoSchema,
    CheckId::MarketoBudget,
];

/// Runs the Marketo checks with a client that keeps its reserve of the daily quota for others.
pub(crate) async fn check_marketo(client: &MarketoClient) -> CheckReport {
    use dynasync_marketo::Error as E;
    let mut report = Report { checks: Vec::new() };
    match client.describe_leads().await {
        Ok(_) => {
            report.pass(CheckId::MarketoEndpoint);
            report.pass(CheckId::MarketoSignIn);
            report.pass(CheckId::MarketoAccess);
        }
        Err(error) => {
            let (at, code) = match &error {
                E::Transport(e) => (0, transport_problem(e)),
                E::Http { .. } | E::Decode { .. } => (0, ProblemCode::NotMarketo),
                E::Auth(_) => (1, ProblemCode::MarketoClientRefused),
                E::Api { code: 603, .. } => (2, ProblemCode::MarketoAccessDenied),
                _ => (2, ProblemCode::Other),
            };
            for id in &MARKETO_CHECKS[..at] {
                report.pass(*id);
            }
            report.fail(MARKETO_CHECKS[at], code, error.to_string());
            report.skip(&MARKETO_CHECKS[at + 1..]);
            return report.finish(None, None);
        }
    }
    match client.lead_fields().await {
        Ok(_) => report.pass(CheckId::MarketoSchema),
        Err(error) => report.fail(
            CheckId::MarketoSchema,
            ProblemCode::NoSchemaAccess,
            error.to_string(),
        ),
    }
    let budget = match client.usage_today().await {
        Ok(_) => {
            let known = client.budget();
            let budget = Budget {
                used_today: u32::try_from(known.used_today).unwrap_or(u32::MAX),
                quota: known.daily_quota,
                reserve: known.reserve,
                resets_at: known.resets_at,
            };
            if known.available() == 0 {
                report.warn(
                    CheckId::MarketoBudget,
                    ProblemCode::QuotaLow,
                    format!(
                        "{} of {} calls used today",
                        known.used_today, known.daily_quota
                    ),
                );
            } else {
                report.pass(CheckId::MarketoBudget);
            }
            Some(budget)
        }
        Err(error) => {
            report.warn(
                CheckId::MarketoBudget,
                ProblemCode::Other,
                error.to_string(),
            );
            None
        }
    };
    report.finish(None, budget)
}

//! The two API clients, built from a connection and its secrets, and what their errors mean for the
//! sync: a stop with a reason the user can act on, or a retry at the next cycle.

use std::time::Duration;

use dynasync_dynamics::{Auth, DataverseClient, ServiceProtection};
use dynasync_marketo::MarketoClient;
use dynasync_secrets::{Secret, SecretStore};
use url::Url;

use crate::config::{DynamicsAuth, DynamicsConnection, MarketoConnection, secret_names};
use crate::error::EngineError;
use crate::status::{StopCode, StopReason};

/// How hard the clients may push each API: the documented limits, or none for engine-only
/// benchmarks against an unthrottled sandbox.
#[derive(Debug, Clone, Default)]
pub struct ClientLimits {
    /// `None`: Marketo's documented limits (100 calls in 20 s, 10 at once, 50,000 a day).
    pub marketo: Option<dynasync_marketo::Limits>,
    /// `None`: Dataverse's documented service protection.
    pub dynamics: Option<ServiceProtection>,
}

impl ClientLimits {
    /// No client-side throttling at all.
    pub fn unthrottled() -> ClientLimits {
        ClientLimits {
            marketo: Some(dynasync_marketo::Limits {
                calls_per_20s: u32::MAX,
                concurrent: 64,
                daily_quota: u32::MAX,
                reserve: 0,
            }),
            dynamics: Some(ServiceProtection {
                requests_per_window: u32::MAX,
                window: Duration::from_secs(300),
                concurrent_requests: 64,
            }),
        }
    }
}

fn url(text: &str) -> Result<Url, EngineError> {
    Url::parse(text)
        .map_err(|e| EngineError::Internal(format!("saved URL {text:?} is not valid: {e}")))
}

/// The secret under `name`, or a clear error naming what is missing.
pub(crate) fn secret(store: &dyn SecretStore, name: &str) -> Result<Secret, EngineError> {
    store.read(name)?.ok_or_else(|| {
        EngineError::Internal(format!(
            "the keychain has no {name}: reconnect to enter it again"
        ))
    })
}

/// Builds the Dataverse client, reading the connection's secrets from the keychain.
pub(crate) fn dynamics(
    connection: &DynamicsConnection,
    secrets: &dyn SecretStore,
    limits: &ClientLimits,
) -> Result<DataverseClient, EngineError> {
    let client_secret = secret(secrets, secret_names::DYNAMICS_CLIENT_SECRET)?;
    let password = match connection.auth {
        DynamicsAuth::App => None,
        DynamicsAuth::Password { .. } => Some(secret(secrets, secret_names::DYNAMICS_PASSWORD)?),
    };
    dynamics_with(connection, client_secret, password, limits)
}

/// Builds the Dataverse client with the given secrets.
pub(crate) fn dynamics_with(
    connection: &DynamicsConnection,
    client_secret: Secret,
    password: Option<Secret>,
    limits: &ClientLimits,
) -> Result<DataverseClient, EngineError> {
    let authority_host = url(&connection.authority_host)?;
    let auth = match &connection.auth {
        DynamicsAuth::App => Auth::ClientCredentials {
            authority_host,
            tenant: connection.tenant.clone(),
            client_id: connection.client_id.clone(),
            client_secret,
        },
        DynamicsAuth::Password { username } => Auth::Password {
            authority_host,
            tenant: connection.tenant.clone(),
            client_id: connection.client_id.clone(),
            client_secret: Some(client_secret),
            username: username.clone(),
            password: password.ok_or_else(|| {
                EngineError::Internal("a password connection needs the password".into())
            })?,
        },
    };
    let mut builder = DataverseClient::builder(url(&connection.org_url)?, auth);
    if let Some(protection) = limits.dynamics {
        builder = builder.protection(protection);
    }
    builder
        .build()
        .map_err(|e| EngineError::Internal(format!("cannot set up the Dynamics client: {e}")))
}

/// Builds the Marketo client, reading its secret from the keychain.
pub(crate) fn marketo(
    connection: &MarketoConnection,
    secrets: &dyn SecretStore,
    limits: dynasync_marketo::Limits,
) -> Result<MarketoClient, EngineError> {
    MarketoClient::builder(
        url(&connection.rest_url)?,
        url(&connection.identity_url)?,
        connection.client_id.clone(),
        secret(secrets, secret_names::MARKETO_CLIENT_SECRET)?,
    )
    .limits(limits)
    .build()
    .map_err(|e| EngineError::Internal(format!("cannot set up the Marketo client: {e}")))
}

/// Whether a transport failure was the TLS handshake (an untrusted or mismatched certificate).
pub(crate) fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        source = e.source();
    }
    false
}

/// What a Dataverse error means for the cycle.
pub(crate) fn dynamics_stop(error: &dynasync_dynamics::Error) -> (StopReason, bool) {
    use dynasync_dynamics::Error as E;
    let detail = error.to_string();
    let fatal = |code| (StopReason::new(code, detail.clone()), true);
    match error {
        E::Auth { .. } if error.is_auth() => fatal(StopCode::AuthFailed),
        // Tokens refused right after being issued: revoked meanwhile; the next cycle retries.
        E::Api { status: 401, .. } => {
            (StopReason::new(StopCode::AuthFailed, detail.clone()), false)
        }
        E::Transport { .. } => (
            StopReason::new(StopCode::Unreachable, detail.clone()),
            false,
        ),
        _ => (StopReason::new(StopCode::Internal, detail.clone()), false),
    }
}

/// What a Marketo error means for the cycle.
pub(crate) fn marketo_stop(error: &dynasync_marketo::Error) -> (StopReason, bool) {
    use dynasync_marketo::Error as E;
    let detail = error.to_string();
    match error {
        E::Auth(_) | E::Api { code: 603, .. } => {
            (StopReason::new(StopCode::AuthFailed, detail), true)
        }
        // A token refused even after renewals: revoked again meanwhile; the next cycle retries.
        E::Api {
            code: 601 | 602, ..
        } => (StopReason::new(StopCode::AuthFailed, detail), false),
        E::Transport(_) | E::Http { .. } | E::RateLimited { .. } => {
            (StopReason::new(StopCode::Unreachable, detail), false)
        }
        _ => (StopReason::new(StopCode::Internal, detail), false),
    }
}

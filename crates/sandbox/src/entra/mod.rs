//! The Entra ID token endpoint emulator: `POST /{tenant}/oauth2/v2.0/token` with the
//! `client_credentials` and `password` (ROPC) grants, for the org's scope `<org url>/.default`
//! (ROPC also takes `<org url>/user_impersonation`).
//!
//! The directory holds one tenant (by id or domain), two app registrations (the server-to-server
//! app bound to an application user, and the confidential app used for ROPC), and users: the ROPC
//! sync user, a user whose policy demands MFA (ROPC refuses it: AADSTS50076; it shares the sync
//! user's password so that MFA is the only thing in its way) and the people of the org. Errors use
//! the documented shape and codes (entra reference-error-codes.md; API-FACTS A1). Issued tokens are
//! opaque to clients; the Dataverse emulator resolves them here.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::control::{Control, ControlError};
use crate::info::SandboxInfo;
use crate::metrics::Service;
use crate::server::{ServiceSpec, with_network};
use crate::world::World;

#[derive(Debug)]
struct App {
    client_id: Uuid,
    name: &'static str,
    secret: String,
    secret_expired: bool,
    /// Whether users consented to this app calling Dataverse on their behalf (ROPC).
    delegated_consent: bool,
}

#[derive(Debug)]
struct User {
    username: String,
    password: String,
    mfa: bool,
}

/// What a token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) app_id: Uuid,
    /// The signed-in user's name for a password grant; `None` for an app-only token.
    pub(crate) username: Option<String>,
    pub(crate) audience: String,
    pub(crate) expires: DateTime<Utc>,
}

/// The directory and the tokens it issued.
#[derive(Debug)]
pub(crate) struct State {
    tenant_id: Uuid,
    tenant_domain: String,
    resource: String,
    apps: Mutex<Vec<App>>,
    users: Vec<User>,
    tokens: Mutex<HashMap<String, Grant>>,
}

/// Why a bearer token is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Unknown,
    Expired,
}

impl State {
    pub(crate) fn new(info: &SandboxInfo) -> State {
        State {
            tenant_id: info.entra.tenant_id,
            tenant_domain: info.entra.tenant_domain.clone(),
            resource: info.dataverse.org_url.clone(),
            apps: Mutex::new(vec![
                App {
                    client_id: info.app.client_id,
                    name: "Dynasync Sync",
                    secret: info.app.client_secret.clone(),
                    secret_expired: false,
                    delegated_consent: false,
                },
                App {
                    client_id: info.ropc.client_id,
                    name: "Dynasync Desktop",
                    secret: info.ropc.client_secret.clone(),
                    secret_expired: false,
                    delegated_consent: true,
                },
            ]),
            users: vec![
                User {
                    username: info.ropc.username.clone(),
                    password: info.ropc.password.clone(),
                    mfa: false,
                },
                User {
                    username: info.mfa_username.clone(),
                    password: info.ropc.password.clone(),
                    mfa: true,
                },
            ],
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// What a bearer token grants, if this directory issued it and it is still valid at `now`.
    pub(crate) fn grant(&self, token: &str, now: DateTime<Utc>) -> Result<Grant, Refusal> {
        let tokens = self.tokens.lock();
        let grant = tokens.get(token).ok_or(Refusal::Unknown)?;
        if grant.expires <= now {
            return Err(Refusal::Expired);
        }
        Ok(grant.clone())
    }

    /// Forgets every issued token.
    pub(crate) fn revoke_all(&self) -> usize {
        let mut tokens = self.tokens.lock();
        let n = tokens.len();
        tokens.clear();
        n
    }

    fn knows_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.tenant_domain)
            || Uuid::parse_str(tenant).is_ok_and(|t| t == self.tenant_id)
    }
}

/// The service's API, behind the network middleware.
pub(crate) fn router(world: Arc<World>) -> Router {
    let routes = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(world.clone());
    with_network(
        routes,
        world,
        ServiceSpec {
            service: Service::Entra,
            endpoint,
            server_error,
        },
    )
}

/// The control API's routes for this service, nested under `/_sandbox/entra`:
///
/// - `POST /_sandbox/entra/revoke` revokes every issued token; Dataverse then answers 401 until
///   the client gets a new one. Answers `{"revoked": n}`.
/// - `PUT /_sandbox/entra/apps/{client_id}/secret` `{"expired": bool}` lets an app's client secret
///   expire (AADSTS7000222) or be valid again.
pub(crate) fn control_routes() -> Router<Arc<World>> {
    Router::new()
        .route("/revoke", post(revoke))
        .route("/apps/{client_id}/secret", axum::routing::put(set_secret))
}

async fn revoke(AxumState(world): AxumState<Arc<World>>) -> Json<Value> {
    Json(json!({ "revoked": world.entra.revoke_all() }))
}

#[derive(Debug, Deserialize)]
struct SecretState {
    expired: bool,
}

async fn set_secret(
    AxumState(world): AxumState<Arc<World>>,
    Path(client_id): Path<String>,
    Json(state): Json<SecretState>,
) -> Control<Value> {
    let id = Uuid::parse_str(&client_id)
        .map_err(|_| ControlError::bad_request(format!("'{client_id}' is not an app id")))?;
    let mut apps = world.entra.apps.lock();
    let app = apps
        .iter_mut()
        .find(|a| a.client_id == id)
        .ok_or_else(|| ControlError::not_found(format!("no app registration {id}")))?;
    app.secret_expired = state.expired;
    Ok(Json(json!({ "clientId": id, "expired": state.expired })))
}

fn endpoint(method: &Method, path: &str) -> String {
    if path.ends_with("/oauth2/v2.0/token") {
        format!("{method} /{{tenant}}/oauth2/v2.0/token")
    } else {
        format!("{method} {path}")
    }
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error = if status == StatusCode::SERVICE_UNAVAILABLE {
        "temporarily_unavailable"
    } else {
        "server_error"
    };
    let (body, _) = error_body(
        error,
        90033,
        "A transient error has occurred. Please try again.",
        Utc::now(),
        "",
    );
    (status, Json(body)).into_response()
}

/// A documented error: `error`, `error_description` (`AADSTSnnnnn: ...` plus trace, correlation and
/// timestamp lines), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
fn error_body(
    error: &str,
    code: u32,
    message: &str,
    now: DateTime<Utc>,
    authority: &str,
) -> (Value, Uuid) {
    let trace = Uuid::new_v4();
    let correlation = Uuid::new_v4();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("{authority}/error?code={code}"),
    });
    (body, trace)
}

struct Refused {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
    suberror: Option<&'static str>,
}

fn refuse(
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: impl Into<String>,
) -> Refused {
    Refused {
        status,
        error,
        code,
        message: message.into(),
        suberror: None,
    }
}

async fn token(
    AxumState(world): AxumState<Arc<World>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = world.clock.now();
    match issue(&world, &tenant, &headers, &body, now) {
        Ok(body) => (StatusCode::OK, Json(body)).into_response(),
        Err(refused) => {
            let (mut body, _) = error_body(
                refused.error,
                refused.code,
                &refused.message,
                now,
                &world.info.entra.authority_host,
            );
            if let Some(suberror) = refused.suberror {
                body["suberror"] = json!(suberror);
            }
            (refused.status, Json(body)).into_response()
        }
    }
}

fn issue(
    world: &World,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Value, Refused> {
    let entra = &world.entra;
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let missing = |name: &str| {
        refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let grant_type = field("grant_type").ok_or_else(|| missing("grant_type"))?;
    if !matches!(grant_type, "client_credentials" | "password") {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let multi_tenant = matches!(tenant, "common" | "consumers");
    if multi_tenant || (tenant == "organizations" && grant_type == "client_credentials") {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ));
    }
    if tenant != "organizations" && !entra.knows_tenant(tenant) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ));
    }
    // RFC 6749 §2.3.1: the client may authenticate with HTTP Basic instead of form fields.
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let client_id = field("client_id")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()))
        .ok_or_else(|| missing("client_id"))?;
    let secret = field("client_secret")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(_, secret)| secret.clone()));
    let scope = field("scope").ok_or_else(|| missing("scope"))?;

    let apps = entra.apps.lock();
    let app = Uuid::parse_str(&client_id)
        .ok()
        .and_then(|id| apps.iter().find(|a| a.client_id == id))
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", entra.tenant_domain),
            )
        })?;
    let Some(secret) = secret else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    if secret != app.secret {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.".replace("{client_id}", &client_id),
        ));
    }
    if app.secret_expired {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app or consider using certificate credentials for added security: https://aka.ms/certCreds"
            ),
        ));
    }
    let resource = check_scope(&entra.resource, scope, grant_type)?;

    let username = if grant_type == "password" {
        let username = field("username").ok_or_else(|| missing("username"))?;
        let password = field("password").ok_or_else(|| missing("password"))?;
        let user = entra
            .users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username) && u.password == password)
            .ok_or_else(|| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50126,
                    "Error validating credentials due to invalid username or password.",
                )
            })?;
        if user.mfa {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                50076,
                format!(
                    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'."
                ),
            ));
        }
        if !app.delegated_consent {
            return Err(Refused {
                suberror: Some("consent_required"),
                ..refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    65001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.",
                        app.name
                    ),
                )
            });
        }
        Some(user.username.clone())
    } else {
        None
    };

    let lifetime = world.limits.read().tokens.entra_secs;
    let expires = now + chrono::Duration::seconds(i64::from(lifetime));
    let token = jwt_like(
        &app.client_id,
        username.as_deref(),
        &resource,
        entra.tenant_id,
        now,
        expires,
    );
    entra.tokens.lock().insert(
        token.clone(),
        Grant {
            app_id: app.client_id,
            username: username.clone(),
            audience: resource.clone(),
            expires,
        },
    );
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    });
    if username.is_some() {
        body["scope"] = json!(format!("{resource}/user_impersonation"));
    }
    Ok(body)
}

/// The resource a scope asks for: exactly one, `<org url>/.default` (or `/user_impersonation` for
/// a user), and it must be the org this directory serves.
fn check_scope(org: &str, scope: &str, grant_type: &str) -> Result<String, Refused> {
    let scopes: Vec<&str> = scope
        .split(' ')
        .filter(|s| {
            !s.is_empty() && !matches!(*s, "openid" | "profile" | "offline_access" | "email")
        })
        .collect();
    let resources: Vec<(&str, &str)> = scopes.iter().filter_map(|s| s.rsplit_once('/')).collect();
    if resources.len() != scopes.len() || resources.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            format!(
                "The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid."
            ),
        ));
    }
    let first = resources[0].0.trim_end_matches('/');
    if resources
        .iter()
        .any(|(r, _)| r.trim_end_matches('/') != first)
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            700022,
            "The provided value for the input parameter scope isn't valid because it contains more than one resource.",
        ));
    }
    let permission_ok = resources
        .iter()
        .all(|(_, p)| *p == ".default" || (grant_type == "password" && *p == "user_impersonation"));
    if !permission_ok {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            format!(
                "The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid."
            ),
        ));
    }
    if !first.eq_ignore_ascii_case(org.trim_end_matches('/')) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {first} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
            ),
        ));
    }
    Ok(org.trim_end_matches('/').to_owned())
}

/// A token shaped like Entra's (header, claims, signature, base64url): clients must treat it as
/// opaque, and only this directory can tell what it grants.
fn jwt_like(
    app: &Uuid,
    user: Option<&str>,
    audience: &str,
    tenant: Uuid,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> String {
    let header = json!({ "typ": "JWT", "alg": "RS256", "kid": "sandbox" });
    let claims = json!({
        "aud": audience,
        "iss": format!("https://sts.windows.net/{tenant}/"),
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "exp": expires.timestamp(),
        "appid": app,
        "tid": tenant,
        "upn": user,
        "uti": Uuid::new_v4(),
    });
    let signature: [u8; 32] = rand::rng().random();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

//! The Marketo Engage REST API and Identity service emulator (`reference/API-FACTS.md` part B,
//! `marketo-rest-docs/`, `swagger-mapi.json`).
//!
//! Every call goes through one pipeline, in the order a real instance applies its rules:
//! 414 for a URI over 8 KB and 413 for a body over 1 MB (HTTP-level), the access token (601/602,
//! not counted), the route (610, or 605 for a known path with another method), the limits
//! (a fault-injected storm, then 615, 606 and 607 when enforced), the handler, and finally the usage
//! ledger. API errors are HTTP 200 with `success: false`.

mod activities;
mod api;
mod control;
mod crm;
mod custom_activities;
mod custom_object_records;
mod custom_objects;
mod identity;
mod lead_store;
mod leads;
mod lists;
mod object_query;
mod objects;
mod paging;
mod quota;
mod routes;
mod schema;
mod values;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::extract::{Request, State as Shared};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::RwLock;
use serde_json::{Value, json};

use crate::info::SandboxInfo;
use crate::metrics::Service;
use crate::server::{ServiceSpec, with_network};
use crate::world::World;
use api::{Actor, ApiError, Call, Ctx, Verb};
use crm::Crm;

pub(crate) use control::control_routes;

/// The REST operations the Marketo emulator answers, as `(method, path)` with the path in the
/// Swagger's template form (`/rest/v1/lead/{id}.json`): what a conformance check walks.
pub fn rest_routes() -> Vec<(&'static str, &'static str)> {
    routes::ROUTES
        .iter()
        .map(|r| (r.verb.name(), r.pattern))
        .collect()
}

/// The API-only user the LaunchPoint service belongs to: the token's `scope` and the user usage
/// statistics count calls under.
const API_USER: &str = "dynasync-api@sandbox.invalid";

/// Everything the instance holds, behind one lock so that a write and the activities it leaves
/// are seen together.
#[derive(Debug)]
pub(crate) struct Db {
    pub(crate) schema: schema::LeadSchema,
    pub(crate) leads: lead_store::Leads,
    pub(crate) log: activities::Log,
    pub(crate) custom_types: custom_activities::CustomTypes,
    pub(crate) companies: objects::Store,
    pub(crate) opportunities: objects::Store,
    pub(crate) roles: objects::Store,
    pub(crate) sales_persons: objects::Store,
    pub(crate) custom_objects: custom_objects::CustomObjects,
    pub(crate) lists: lists::Lists,
}

impl Db {
    fn new() -> Db {
        let schema = schema::LeadSchema::default();
        Db {
            leads: lead_store::Leads::new(&schema),
            schema,
            log: activities::Log::default(),
            custom_types: custom_activities::CustomTypes::default(),
            companies: crm::store(Crm::Company),
            opportunities: crm::store(Crm::Opportunity),
            roles: crm::store(Crm::Role),
            sales_persons: crm::store(Crm::SalesPerson),
            custom_objects: custom_objects::CustomObjects::default(),
            lists: lists::Lists::default(),
        }
    }
}

/// The emulated instance: credentials, tokens, the usage ledger and the data.
#[derive(Debug)]
pub(crate) struct State {
    client_id: String,
    client_secret: String,
    tokens: identity::Tokens,
    /// REST calls arrived and not yet answered (Identity calls are not limited).
    in_flight: AtomicU32,
    pub(crate) quota: quota::Quota,
    pub(crate) db: RwLock<Db>,
}

impl State {
    pub(crate) fn new(info: &SandboxInfo) -> State {
        State {
            client_id: info.marketo.client_id.to_string(),
            client_secret: info.marketo.client_secret.clone(),
            tokens: identity::Tokens::default(),
            in_flight: AtomicU32::new(0),
            quota: quota::Quota::default(),
            db: RwLock::new(Db::new()),
        }
    }
}

/// The service's API, behind the network middleware.
pub(crate) fn router(world: Arc<World>) -> Router {
    let routes = Router::new().fallback(serve).with_state(world.clone());
    with_network(
        routes,
        world.clone(),
        ServiceSpec {
            service: Service::Marketo,
            endpoint: routes::endpoint,
            server_error,
        },
    )
    .layer(axum::middleware::from_fn_with_state(world, arrive))
}

/// How many REST calls were in flight when a call arrived, itself included.
#[derive(Debug, Clone, Copy)]
struct Arrival(u32);

/// Counts a REST call in flight from its arrival (before any injected latency) to its answer:
/// the concurrency limit refuses a call that finds ten already being processed.
async fn arrive(Shared(world): Shared<Arc<World>>, mut request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/identity/") {
        return next.run(request).await;
    }
    struct Leave<'a>(&'a AtomicU32);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let counter = &world.marketo.in_flight;
    let count = counter.fetch_add(1, Ordering::SeqCst) + 1;
    let _leave = Leave(counter);
    request.extensions_mut().insert(Arrival(count));
    next.run(request).await
}

/// An injected 5xx: the gateway's bare status, as Marketo's edge answers when the API behind it
/// fails (the envelope codes 500/502 are for errors the API itself reports).
fn server_error(status: u16) -> Response {
    StatusCode::from_u16(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}

fn form_params(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

async fn serve(Shared(world): Shared<Arc<World>>, request: Request) -> Response {
    let limits = world.limits.read().clone();
    let (parts, body) = request.into_parts();
    let uri = parts.uri.path_and_query().map_or("", |p| p.as_str());
    if uri.len() > limits.marketo.max_uri_bytes as usize {
        return (StatusCode::URI_TOO_LONG, "Request-URI Too Long").into_response();
    }
    let Ok(body) = axum::body::to_bytes(body, limits.marketo.max_body_bytes as usize).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large").into_response();
    };
    let now = world.clock.now();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let mut params = form_params(parts.uri.query().unwrap_or_default().as_bytes());
    let state = &world.marketo;
    let path = parts.uri.path();
    if path == "/identity/oauth/token" {
        if parts.method == Method::POST && form {
            params.extend(form_params(&body));
        }
        if parts.method != Method::GET && parts.method != Method::POST {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        return identity::token(state, &params, now, limits.tokens.marketo_secs);
    }
    let mut verb = match parts.method {
        Method::GET => Some(Verb::Get),
        Method::POST => Some(Verb::Post),
        Method::DELETE => Some(Verb::Delete),
        _ => None,
    };
    // A long query goes in a POST body with `_method=GET` (`error-codes.md`, 414).
    let mut call_body = body;
    if verb == Some(Verb::Post) && params.iter().any(|(k, v)| k == "_method" && v == "GET") {
        verb = Some(Verb::Get);
        params.retain(|(k, _)| k != "_method");
        if form {
            params.extend(form_params(&call_body));
            call_body = Default::default();
        }
    }
    let bearer = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token = bearer.or_else(|| {
        params
            .iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.clone())
    });
    params.retain(|(k, _)| k != "access_token");
    let call = Call {
        path: path.to_owned(),
        params,
        body: call_body,
        json_body: content_type.starts_with("application/json"),
    };
    let ctx = Ctx {
        world: &world,
        state,
        now,
        actor: Actor::Api,
    };
    let in_flight = parts.extensions.get::<Arrival>().map_or(1, |a| a.0);
    let answer = answer(
        &ctx,
        &call,
        verb,
        token.as_deref(),
        &limits.marketo,
        in_flight,
    );
    let error = answer.as_ref().err().map(|e| e.code);
    state.quota.record(now, &limits.marketo, API_USER, error);
    api::json_response(&answer.unwrap_or_else(|e| e.body()))
}

fn answer(
    ctx: &Ctx<'_>,
    call: &Call,
    verb: Option<Verb>,
    token: Option<&str>,
    limits: &crate::limits::MarketoLimits,
    in_flight: u32,
) -> Result<Value, ApiError> {
    ctx.state.tokens.check(token, ctx.now)?;
    let found = routes::find(verb, &call.path);
    if let routes::Found::WrongMethod = found {
        return Err(ApiError::new(605, "HTTP Method not supported"));
    }
    ctx.state.quota.admit(ctx, limits, in_flight)?;
    match found {
        routes::Found::Route(route, captures) => (route.handler)(ctx, call, &captures),
        _ => Err(ApiError::no_resource()),
    }
}

/// Every record of the instance, for the control API's snapshot: persons (with inherited
/// values), companies, opportunities, roles, sales persons, custom-object records, lists with
/// their members, custom activity types and custom activities.
pub(crate) fn snapshot(world: &World) -> Value {
    let db = world.marketo.db.read();
    json!({
        "leads": db.leads.iter().map(|(id, lead)| db.lead_all(id, lead)).collect::<Vec<_>>(),
        "companies": db.companies.snapshot(),
        "opportunities": db.opportunities.snapshot(),
        "opportunityRoles": db.roles.snapshot(),
        "salesPersons": db.sales_persons.snapshot(),
        "customObjects": db.custom_objects.snapshot(),
        "lists": db.lists.snapshot(),
        "customActivityTypes": db.custom_types.snapshot(),
        "customActivities": db.custom_activities(),
    })
}

/// How many records of each kind the instance holds, for the control API's counts.
pub(crate) fn counts(world: &World) -> Value {
    let db = world.marketo.db.read();
    let custom: serde_json::Map<String, Value> = db
        .custom_objects
        .types
        .iter()
        .filter_map(|t| {
            Some((
                t.api_name.clone(),
                json!(t.records.as_ref()?.iter().count()),
            ))
        })
        .collect();
    json!({
        "leads": db.leads.iter().count(),
        "companies": db.companies.iter().count(),
        "opportunities": db.opportunities.iter().count(),
        "opportunityRoles": db.roles.iter().count(),
        "salesPersons": db.sales_persons.iter().count(),
        "customObjects": custom,
    })
}

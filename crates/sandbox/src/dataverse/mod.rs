//! The Dataverse Web API emulator, under `/api/data/v9.2/` (v9.0 and v9.1 accepted, API-FACTS A2).
//!
//! Every request goes through the same steps: a bearer token issued by the sandbox's Entra ID for
//! this org (401 with `WWW-Authenticate` otherwise), service protection for the calling user
//! (`protection.rs`), then [`dispatch`], which `$batch` also uses for each of its parts. The org's
//! tables, rows, field security, validation rules and people live in [`State`].

#[rustfmt::skip]
mod catalog;
mod actions;
mod batch;
mod changes;
/// Connections and their roles (opportunity stakeholders, R57); the data generator makes them.
pub(crate) mod connections;
mod control;
mod definitions;
mod errors;
mod filter;
/// In-process loading of rows (`load::insert_rows`), for the seeded data generator.
pub(crate) mod load;
mod metadata;
mod paging;
mod people;
mod protection;
mod query;
mod record_counts;
mod schema;
mod store;
mod validation;
mod values;
mod write;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use parking_lot::RwLock;
use serde_json::{Map, Value};
use uuid::Uuid;

pub(crate) use control::control_routes;
pub use load::InsertError;

use crate::info::SandboxInfo;
use crate::metrics::Service;
use crate::server::{ServiceSpec, with_network};
use crate::world::World;
use errors::{Answer, ApiError};
use people::Directory;
use schema::Schema;
use store::Store;
use validation::Rules;

/// The organization's identity, as `RetrieveCurrentOrganization` reports it.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) id: Uuid,
    pub(crate) unique_name: String,
    pub(crate) url_name: String,
    pub(crate) friendly_name: String,
    pub(crate) tenant_id: Uuid,
    pub(crate) url: String,
}

/// The emulated org.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) schema: RwLock<Schema>,
    pub(crate) store: RwLock<Store>,
    pub(crate) org: RwLock<Org>,
    pub(crate) rules: RwLock<HashMap<String, Rules>>,
    pub(crate) protection: protection::Protection,
    pub(crate) directory: Directory,
    pub(crate) record_counts: record_counts::Snapshot,
}

impl State {
    pub(crate) fn new(info: &SandboxInfo) -> State {
        let schema = Schema::shipped();
        let mut store = Store::new(schema.entities.len());
        let directory = Directory::seed(info, &schema, &mut store);
        connections::seed_roles(&schema, &mut store);
        State {
            org: RwLock::new(Org {
                id: info.dataverse.organization_id,
                unique_name: info.dataverse.unique_name.clone(),
                url_name: "contoso-sandbox".to_owned(),
                friendly_name: "Contoso Sandbox".to_owned(),
                tenant_id: info.entra.tenant_id,
                url: info.dataverse.org_url.clone(),
            }),
            schema: RwLock::new(schema),
            store: RwLock::new(store),
            rules: RwLock::new(HashMap::new()),
            protection: protection::Protection::default(),
            directory,
            record_counts: record_counts::Snapshot::default(),
        }
    }
}

/// Who is calling and how: the Web API's sync user (field security applies) or a person acting
/// through the control API.
#[derive(Debug, Clone)]
pub(crate) struct Ctx<'w> {
    pub(crate) world: &'w World,
    pub(crate) caller: Uuid,
    pub(crate) secured: bool,
    /// `{org url}/api/data/v9.x/`.
    pub(crate) base: String,
}

impl Ctx<'_> {
    pub(crate) fn state(&self) -> &State {
        &self.world.dataverse
    }
}

/// One request to dispatch: from the wire or from a `$batch` part.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: Method,
    /// The resource path after `/api/data/v9.x/`, percent-decoded.
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl Request<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn prefer(&self) -> Prefer {
        Prefer::parse(self.headers)
    }

    pub(crate) fn json_body(&self) -> Result<Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::bad_body(
                "The request body must be a JSON object.",
            )),
            Err(e) => Err(ApiError::bad_body(format!(
                "Error reading the request body as JSON: {e}"
            ))),
        }
    }
}

/// The `Prefer` header's preferences (RFC 7240; API-FACTS A2).
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefer {
    pub(crate) return_representation: bool,
    pub(crate) max_page_size: Option<u32>,
    pub(crate) track_changes: bool,
    pub(crate) continue_on_error: bool,
    pub(crate) annotations: Option<String>,
}

impl Prefer {
    fn parse(headers: &HeaderMap) -> Prefer {
        let mut prefer = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for item in split_preferences(value) {
                let (name, arg) = match item.split_once('=') {
                    Some((n, a)) => (n.trim(), Some(a.trim())),
                    None => (item.trim(), None),
                };
                match (name, arg) {
                    ("return", Some("representation")) => prefer.return_representation = true,
                    ("odata.maxpagesize", Some(n)) => prefer.max_page_size = n.parse().ok(),
                    ("odata.track-changes", _) => prefer.track_changes = true,
                    ("odata.continue-on-error", _) => prefer.continue_on_error = true,
                    ("odata.include-annotations", Some(a)) => {
                        prefer.annotations = Some(a.trim_matches('"').to_owned());
                    }
                    _ => {}
                }
            }
        }
        prefer
    }
}

/// Splits a `Prefer` value on the commas that separate preferences, not those inside quotes.
fn split_preferences(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

/// The service's API, behind the network middleware.
pub(crate) fn router(world: Arc<World>) -> Router {
    let routes = Router::new().fallback(handle).with_state(world.clone());
    with_network(
        routes,
        world,
        ServiceSpec {
            service: Service::Dataverse,
            endpoint,
            server_error,
        },
    )
}

/// Splits `/api/data/v9.x/<resource>` into the version and the resource path.
pub(crate) fn split_api_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/api/data/")?;
    let (version, resource) = rest.split_once('/').unwrap_or((rest, ""));
    matches!(version, "v9.0" | "v9.1" | "v9.2").then_some((version, resource))
}

pub(crate) fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

async fn handle(
    AxumState(world): AxumState<Arc<World>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((version, resource)) = split_api_path(uri.path()) else {
        return Answer::empty(StatusCode::NOT_FOUND).into_response();
    };
    let caller = match authenticate(&world, &headers) {
        Ok(caller) => caller,
        Err(answer) => return answer.into_response(),
    };
    let ticket = match world.dataverse.protection.admit(&world, caller) {
        Ok(ticket) => ticket,
        Err(e) => return e.answer().into_response(),
    };
    let started = Instant::now();
    let ctx = Ctx {
        world: &world,
        caller,
        secured: true,
        base: format!("{}/api/data/{version}/", world.info.dataverse.org_url),
    };
    let request = Request {
        method,
        path: decode(resource),
        query: parse_query(uri.query()),
        headers: &headers,
        body: &body,
    };
    let answer = if request.path == "$batch" {
        batch::run(&ctx, &request).await
    } else {
        dispatch(&ctx, &request)
    };
    let answer = world
        .dataverse
        .protection
        .finish(&world, &ticket, started.elapsed(), answer);
    drop(ticket);
    answer.into_response()
}

/// The caller's systemuserid, or the 401 the docs show: `WWW-Authenticate: Bearer
/// authorization_uri=<authority>/<tenant>/oauth2/authorize, resource_id=<org url>/` and no body.
fn authenticate(world: &World, headers: &HeaderMap) -> Result<Uuid, Answer> {
    let challenge = || {
        Answer::empty(StatusCode::UNAUTHORIZED).header(
            "WWW-Authenticate",
            format!(
                "Bearer authorization_uri={}/{}/oauth2/authorize, resource_id={}/",
                world.info.entra.authority_host,
                world.info.entra.tenant_id,
                world.info.dataverse.org_url
            ),
        )
    };
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(challenge)?;
    let grant = world
        .entra
        .grant(token.trim(), world.clock.now())
        .ok_or_else(challenge)?;
    if !grant
        .audience
        .eq_ignore_ascii_case(world.info.dataverse.org_url.trim_end_matches('/'))
    {
        return Err(challenge());
    }
    let state = &world.dataverse;
    let schema = state.schema.read();
    let store = state.store.read();
    state
        .directory
        .user_for(&schema, &store, grant.app_id, grant.username.as_deref())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "0x80040225",
                "The user is not a member of the organization.",
            )
            .answer()
        })
}

/// Answers one request of the Web API (also each part of a `$batch`).
pub(crate) fn dispatch(ctx: &Ctx<'_>, request: &Request<'_>) -> Answer {
    route(ctx, request).unwrap_or_else(|e| e.answer())
}

fn route(ctx: &Ctx<'_>, request: &Request<'_>) -> Result<Answer, ApiError> {
    let path = request.path.trim_end_matches('/');
    let method = &request.method;
    if path.is_empty() {
        return Ok(metadata::service_document(ctx));
    }
    if path == "WhoAmI" || path == "WhoAmI()" {
        return only_get(method, || actions::who_am_i(ctx));
    }
    if path.starts_with("RetrieveCurrentOrganization(") {
        return only_get(method, || actions::current_organization(ctx, request));
    }
    if path.starts_with("RetrieveTotalRecordCount(") {
        return only_get(method, || record_counts::retrieve(ctx, path, request));
    }
    if path == "Merge" {
        return if *method == Method::POST {
            actions::merge(ctx, request)
        } else {
            Err(ApiError::method_not_allowed(
                "Merge is an action: use POST.",
            ))
        };
    }
    if path == "EntityDefinitions" || path.starts_with("EntityDefinitions(") {
        return only_get(method, || metadata::entity_definitions(ctx, path, request));
    }
    let (segment, rest) = match path.split_once('/') {
        Some((s, r)) => (s, Some(r)),
        None => (path, None),
    };
    let (set, key) = match segment.split_once('(') {
        Some((set, key)) => (
            set,
            Some(
                key.strip_suffix(')')
                    .ok_or_else(|| ApiError::no_resource(segment))?,
            ),
        ),
        None => (segment, None),
    };
    let entity = {
        let schema = ctx.state().schema.read();
        schema.by_set(set).map(|(i, _)| i)
    };
    let Some(entity) = entity else {
        return Err(ApiError::no_resource(set));
    };
    match (key, rest) {
        (None, None) => match *method {
            Method::GET => query::collection(ctx, entity, request),
            Method::POST => write::post(ctx, entity, request),
            _ => Err(ApiError::method_not_allowed(format!(
                "The HTTP method '{method}' is not allowed on the collection '{set}'."
            ))),
        },
        (Some(key), None) => {
            let id = parse_key(key)?;
            match *method {
                Method::GET => write::get_one(ctx, entity, id, request),
                Method::PATCH => write::patch(ctx, entity, id, request),
                Method::DELETE => write::delete(ctx, entity, id, request),
                _ => Err(ApiError::method_not_allowed(format!(
                    "The HTTP method '{method}' is not allowed on a record."
                ))),
            }
        }
        (Some(key), Some("Microsoft.Dynamics.CRM.QualifyLead")) if set == "leads" => {
            let id = parse_key(key)?;
            if *method == Method::POST {
                actions::qualify_lead(ctx, id, request)
            } else {
                Err(ApiError::method_not_allowed(
                    "QualifyLead is an action: use POST.",
                ))
            }
        }
        _ => Err(ApiError::no_resource(path)),
    }
}

fn only_get(
    method: &Method,
    answer: impl FnOnce() -> Result<Answer, ApiError>,
) -> Result<Answer, ApiError> {
    if *method == Method::GET {
        answer()
    } else {
        Err(ApiError::method_not_allowed(format!(
            "The HTTP method '{method}' is not allowed on this resource."
        )))
    }
}

/// A record key: a GUID, or `<primary key>=<guid>`. Alternate keys are not defined in this org.
fn parse_key(key: &str) -> Result<Uuid, ApiError> {
    let value = key.split_once('=').map_or(key, |(_, v)| v);
    Uuid::parse_str(value.trim()).map_err(|_| {
        ApiError::bad_query(format!(
            "Bad Request - Error in query syntax: the key '{key}' is neither a GUID nor a defined alternate key."
        ))
    })
}

/// Counts calls per operation: ids inside parentheses are replaced, e.g. `PATCH contacts(id)`.
fn endpoint(method: &Method, path: &str) -> String {
    let resource = split_api_path(path).map_or(path, |(_, r)| r);
    let mut out = String::with_capacity(resource.len());
    let mut depth = 0;
    for c in resource.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    out.push_str("(id");
                }
                depth += 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    out.push(')');
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    format!("{method} {out}")
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiError::new(status, "0x80040216", "An unexpected error occurred.")
        .answer()
        .into_response()
}

impl crate::Sandbox {
    /// Loads rows straight into an entity set of the org, in-process and without API limits: for
    /// the data generator and benchmarks (a million contacts load in seconds). Each row is a JSON
    /// object keyed like a Web API body, lookups as `<navigation>@odata.bind`; `createdon` and
    /// `modifiedon` may be given to make history. The rows are created by the first named person.
    /// Answers the new ids in row order.
    ///
    /// # Errors
    /// An unknown entity set, or the first row that does not fit the table (unknown column, wrong
    /// type, invalid choice, too long, a lookup to a missing record).
    pub fn load_dataverse_rows(
        &self,
        entity_set: &str,
        rows: impl IntoIterator<Item = Map<String, Value>>,
    ) -> Result<Vec<Uuid>, InsertError> {
        load::insert_rows(&self.world, None, entity_set, rows)
    }
}

/// Every record of the org by entity set, for the control API's snapshot.
pub(crate) fn snapshot(world: &World) -> Value {
    let state = &world.dataverse;
    let schema = state.schema.read();
    let store = state.store.read();
    let mut out = Map::new();
    for (i, entity) in schema.entities.iter().enumerate() {
        let view = values::View::all(entity, values::Annotations::default(), false);
        let rows: Vec<Value> = store.tables[i]
            .rows
            .values()
            .map(|row| values::row_json(&schema, &store, entity, row, &view))
            .collect();
        out.insert(entity.set.clone(), Value::Array(rows));
    }
    Value::Object(out)
}

/// Live rows per entity set, for the control API's counts.
pub(crate) fn counts(world: &World) -> Value {
    let state = &world.dataverse;
    let schema = state.schema.read();
    let store = state.store.read();
    schema
        .entities
        .iter()
        .zip(&store.tables)
        .map(|(entity, table)| (entity.set.clone(), Value::from(table.rows.len())))
        .collect::<Map<String, Value>>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_count_one_operation_whatever_the_id() {
        let id = Uuid::new_v4();
        assert_eq!(
            endpoint(&Method::PATCH, &format!("/api/data/v9.2/contacts({id})")),
            "PATCH contacts(id)"
        );
        assert_eq!(
            endpoint(
                &Method::GET,
                "/api/data/v9.2/EntityDefinitions(LogicalName='contact')/Attributes"
            ),
            "GET EntityDefinitions(id)/Attributes"
        );
    }

    #[test]
    fn preferences_split_outside_quotes() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "prefer",
            "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*\", odata.maxpagesize=10"
                .parse()
                .unwrap(),
        );
        let prefer = Prefer::parse(&headers);
        assert_eq!(prefer.max_page_size, Some(10));
        assert_eq!(
            prefer.annotations.as_deref(),
            Some("OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*")
        );
    }
}

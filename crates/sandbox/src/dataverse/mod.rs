//! The Dataverse Web API emulator.

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::info::SandboxInfo;
use crate::metrics::Service;
use crate::server::{ServiceSpec, with_network};
use crate::world::World;

/// The emulated service's state.
#[derive(Debug, Default)]
pub(crate) struct State {}

impl State {
    pub(crate) fn new(_info: &SandboxInfo) -> State {
        State::default()
    }
}

/// The service's API, behind the network middleware.
pub(crate) fn router(world: Arc<World>) -> Router {
    let routes = Router::new()
        .fallback(|| async { StatusCode::NOT_IMPLEMENTED })
        .with_state(world.clone());
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

/// The control API's routes for this service, nested under `/_sandbox/`.
pub(crate) fn control_routes() -> Router<Arc<World>> {
    Router::new()
}

fn endpoint(method: &Method, path: &str) -> String {
    format!("{method} {path}")
}

fn server_error(status: u16) -> Response {
    StatusCode::from_u16(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}

/// Every record of the org, for the control API's snapshot.
pub(crate) fn snapshot(_world: &World) -> Value {
    Value::Null
}

//! The control API, plain HTTP under `/_sandbox/` on its own port: the sandbox's clock, limits,
//! faults and metrics, a snapshot of both sides, and each emulator's "act as a user" operations
//! (`/_sandbox/entra/...`, `/_sandbox/dynamics/...`, `/_sandbox/marketo/...`). See docs/sandbox.md.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::FaultConfig;
use crate::limits::Limits;
use crate::world::World;
use crate::{dataverse, entra, marketo};

/// A control request that cannot be done, answered as `{"error": "..."}`.
#[derive(Debug)]
pub(crate) struct ControlError(pub(crate) StatusCode, pub(crate) String);

impl ControlError {
    pub(crate) fn bad_request(message: impl Into<String>) -> ControlError {
        ControlError(StatusCode::BAD_REQUEST, message.into())
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ControlError {
        ControlError(StatusCode::NOT_FOUND, message.into())
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

pub(crate) type Control<T> = Result<Json<T>, ControlError>;

pub(crate) fn router(world: Arc<World>) -> Router {
    let api = Router::new()
        .route("/", get(info))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route("/limits", get(limits).put(set_limits))
        .route("/faults", get(faults).put(set_faults))
        .route("/metrics", get(metrics))
        .route("/metrics/reset", post(reset_metrics))
        .route("/snapshot", get(snapshot))
        .route("/counts", get(counts))
        .nest("/entra", entra::control_routes())
        .nest("/dynamics", dataverse::control_routes())
        .nest("/marketo", marketo::control_routes());
    Router::new()
        .route("/_sandbox/", get(info))
        .nest("/_sandbox", api)
        .with_state(world)
}

async fn info(State(world): State<Arc<World>>) -> Json<Value> {
    Json(serde_json::to_value(&world.info).unwrap_or_default())
}

async fn clock(State(world): State<Arc<World>>) -> Json<Value> {
    Json(json!({ "now": world.clock.now() }))
}

#[derive(Debug, Deserialize)]
struct Advance {
    seconds: u64,
}

async fn advance_clock(
    State(world): State<Arc<World>>,
    Json(advance): Json<Advance>,
) -> Json<Value> {
    world.clock.advance(Duration::from_secs(advance.seconds));
    Json(json!({ "now": world.clock.now() }))
}

async fn limits(State(world): State<Arc<World>>) -> Json<Limits> {
    Json(world.limits.read().clone())
}

async fn set_limits(State(world): State<Arc<World>>, Json(limits): Json<Limits>) -> Json<Limits> {
    *world.limits.write() = limits.clone();
    Json(limits)
}

async fn faults(State(world): State<Arc<World>>) -> Json<FaultConfig> {
    Json(world.faults.get())
}

async fn set_faults(
    State(world): State<Arc<World>>,
    Json(config): Json<FaultConfig>,
) -> Control<FaultConfig> {
    for rate in [&config.entra, &config.dataverse, &config.marketo]
        .iter()
        .flat_map(|f| [f.server_error_rate, f.drop_rate])
    {
        if !(0.0..=1.0).contains(&rate) {
            return Err(ControlError::bad_request(format!(
                "a rate is a share between 0 and 1, not {rate}"
            )));
        }
    }
    world.faults.set(config.clone());
    Ok(Json(config))
}

async fn metrics(State(world): State<Arc<World>>) -> Json<Value> {
    Json(serde_json::to_value(world.metrics.snapshot()).unwrap_or_default())
}

async fn reset_metrics(State(world): State<Arc<World>>) -> StatusCode {
    world.metrics.reset();
    StatusCode::NO_CONTENT
}

async fn snapshot(State(world): State<Arc<World>>) -> Json<Value> {
    Json(json!({ "dynamics": dataverse::snapshot(&world), "marketo": marketo::snapshot(&world) }))
}

/// How many records each side holds, without building a snapshot: for the demo panel.
async fn counts(State(world): State<Arc<World>>) -> Json<Value> {
    Json(json!({ "dynamics": dataverse::counts(&world), "marketo": marketo::counts(&world) }))
}

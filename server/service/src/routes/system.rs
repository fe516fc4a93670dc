//! `/healthz` and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cicada_protocol::{Health, PROTOCOL_VERSION, Usage, WorkersView};

use crate::app::AppState;
use crate::error::ApiError;
use crate::wire::{Accept, Reply};

/// `GET /healthz`: liveness plus the backend and pool at a glance.
pub async fn health(State(state): State<AppState>, Accept(format): Accept) -> Reply<Health> {
    let m = state.scheduler.metrics();
    Reply::ok(
        format,
        Health {
            status: if state.draining() { "draining" } else { "ok" }.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            protocol: PROTOCOL_VERSION,
            backend: state.backend.clone(),
            workers: m.workers_alive.load(Ordering::Relaxed) as u32,
            queue_depth: m.queue_depth.load(Ordering::Relaxed),
        },
    )
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.scheduler.metrics().render(),
    )
}

/// `GET /v1/workers`: the pool's settings and each worker's state, device and scenes.
pub async fn workers(
    State(state): State<AppState>,
    Accept(format): Accept,
) -> Result<Reply<WorkersView>, ApiError> {
    state
        .scheduler
        .workers()
        .await
        .map(|v| Reply::ok(format, v))
        .ok_or(ApiError::Draining)
}

/// `GET /v1/usage`: worker-seconds, start counts, utilisation and the serverless-versus-
/// dedicated comparison.
pub async fn usage(
    State(state): State<AppState>,
    Accept(format): Accept,
) -> Result<Reply<Usage>, ApiError> {
    state
        .scheduler
        .usage()
        .await
        .map(|v| Reply::ok(format, v))
        .ok_or(ApiError::Draining)
}

//! The HTTP application as a function of its state: routes plus one tower stack.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use cicada_protocol::{BackendInfo, Limits};
use cicada_sched::Scheduler;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::routes::{batches, blobs, jobs, system};

/// Limits and knobs of the HTTP layer.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Time limit for ordinary requests (not event streams or `/v1/run`).
    pub request_timeout: Duration,
    /// Most requests served at once.
    pub concurrency: usize,
    /// Longest wait `/v1/run` accepts.
    pub max_run_wait: Duration,
    /// Validation limits on jobs.
    pub limits: Limits,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The run loop's handle (and through it the store and metrics).
    pub scheduler: Scheduler,
    /// HTTP limits.
    pub config: Arc<HttpConfig>,
    /// The workers' backend, for /healthz.
    pub backend: BackendInfo,
    /// Flips to true when the service starts shutting down; long requests end then.
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// True once shutdown has begun.
    pub fn draining(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// The whole API.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    // Requests that finish quickly get a timeout; event streams and submit-and-wait manage
    // their own duration.
    let quick = Router::new()
        .route("/v1/jobs", post(jobs::submit))
        .route("/v1/jobs/{id}", get(jobs::status).delete(jobs::cancel))
        .route("/v1/jobs/{id}/result", get(jobs::result))
        .route("/v1/blobs/{hash}", put(blobs::put).head(blobs::head))
        .route("/v1/batches", post(batches::submit))
        .route("/v1/batches/{id}", get(batches::status))
        .route("/v1/workers", get(system::workers))
        .route("/v1/usage", get(system::usage))
        .route("/healthz", get(system::health))
        .route("/metrics", get(system::metrics))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ));
    let long = Router::new()
        .route("/v1/jobs/{id}/events", get(jobs::events))
        .route("/v1/batches/{id}/events", get(batches::events))
        .route("/v1/run", post(jobs::run));
    let request_id = HeaderName::from_static("x-request-id");
    quick
        .merge(long)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(GlobalConcurrencyLimitLayer::new(config.concurrency))
                .layer(DefaultBodyLimit::max(config.body_limit))
                .layer(middleware::from_fn_with_state(state.clone(), count_errors)),
        )
        .with_state(state)
}

async fn count_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status().is_client_error() || response.status().is_server_error() {
        state
            .scheduler
            .metrics()
            .http_errors
            .fetch_add(1, Ordering::Relaxed);
    }
    response
}

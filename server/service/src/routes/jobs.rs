//! `/v1/jobs`, `/v1/run`: submit, inspect, wait for, cancel jobs and fetch results.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use cicada_protocol::{
    Format, Job, JobEvent, JobResult, JobState, JobStatus, decode, decode_job, encode,
};
use cicada_sched::execute::{self, JobError};
use cicada_sched::{CancelError, now_unix_ms};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::app::AppState;
use crate::error::ApiError;
use crate::wire::{Accept, Reply, WireBody};

/// A job's inputs checked and resolved, with its keys: ready to record.
pub(crate) struct Checked {
    pub job: Job,
    pub key: String,
    pub scene: Option<String>,
}

/// Scene and context digests already taken in one request, by the blob inputs that name
/// them: the variants of a batch share one scene, which is then read, validated and hashed
/// once instead of once per variant.
pub(crate) type SceneMemo = std::collections::HashMap<String, (Vec<u8>, Vec<u8>)>;

/// Validates `job` and resolves its inputs (blocking work: decoding and hashing scenes),
/// reusing what `memo` holds for scenes given as blobs.
pub(crate) fn check(
    job: Job,
    store: &cicada_sched::Store,
    limits: &cicada_protocol::Limits,
    memo: &mut SceneMemo,
) -> Result<Checked, ApiError> {
    let by_blob = |i: &Option<cicada_protocol::Input<cicada_protocol::Scene>>| {
        !matches!(i, Some(cicada_protocol::Input::Inline(_)))
    };
    let memo_key = (by_blob(&job.inputs.scene) && by_blob(&job.inputs.context))
        .then(|| serde_json::to_string(&(&job.inputs.scene, &job.inputs.context)).ok())
        .flatten();
    let known = memo_key.as_ref().and_then(|k| memo.get(k)).cloned();
    let prepared = execute::prepare_with(&job, store.files(), limits, known.is_none()).map_err(
        |e| match e {
            JobError::Invalid(problems) => ApiError::Invalid(problems),
            JobError::MissingBlob { path, hash } => {
                ApiError::Invalid(vec![cicada_protocol::Problem {
                    path,
                    message: format!(
                        "blob {hash} not found; upload it first with PUT /v1/blobs/{hash}"
                    ),
                }])
            }
            other => ApiError::Internal(other.to_string()),
        },
    )?;
    let mut digests = execute::InputDigests::of(&prepared);
    match known {
        Some((scene, context)) => (digests.scene, digests.context) = (scene, context),
        None => {
            if let Some(k) = memo_key {
                memo.insert(k, (digests.scene.clone(), digests.context.clone()));
            }
        }
    }
    drop(prepared);
    Ok(Checked {
        key: execute::job_key_of(&job.task, &digests),
        scene: execute::scene_key_of(&job.task, &digests),
        job,
    })
}

/// Records a checked job (answered at once when the result cache has it), in `batch`.
pub(crate) fn record(
    checked: &Checked,
    store: &cicada_sched::Store,
    batch: Option<&str>,
) -> Result<JobStatus, ApiError> {
    let cached = store.files().has_result(&checked.key);
    let now = now_unix_ms();
    let mut status = JobStatus::queued(
        uuid::Uuid::now_v7().to_string(),
        checked.job.task.kind(),
        checked.key.clone(),
        now,
    );
    if cached {
        status.state = JobState::Succeeded;
        status.progress = 1.0;
        status.message = Some("answered from the result cache".into());
        status.finished_unix_ms = Some(now);
        status.cached = true;
    }
    status.priority = checked.job.priority;
    status.timeout_secs = checked.job.timeout_secs;
    status.scene = checked.scene.clone();
    status.batch = batch.map(str::to_string);
    let payload =
        encode(&checked.job, Format::MsgPack).map_err(|e| ApiError::Internal(e.to_string()))?;
    store.insert_job(&status, &payload)?;
    Ok(status)
}

/// Counts a recorded job, queues it unless the cache answered it, and tells subscribers.
pub(crate) fn announce(state: &AppState, status: &JobStatus) {
    let metrics = state.scheduler.metrics();
    metrics
        .jobs_submitted
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    metrics.transition(None, status.state);
    if status.cached {
        metrics
            .cache_hits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else {
        state.scheduler.enqueue(status);
    }
    state.scheduler.announce(status);
    tracing::info!(job = %status.id, kind = %status.kind, cached = status.cached, "job accepted");
}

/// The error of a body that does not decode as a job.
pub(crate) fn decode_error(e: cicada_protocol::CodecError) -> ApiError {
    match e {
        cicada_protocol::CodecError::Decode { path, message } => {
            ApiError::BadPayload { path, message }
        }
        other => ApiError::Internal(other.to_string()),
    }
}

/// Decodes, validates and records a job; answers it from the cache when it can.
async fn accept(state: &AppState, body: WireBody) -> Result<JobStatus, ApiError> {
    if state.draining() {
        return Err(ApiError::Draining);
    }
    let store = state.scheduler.store().clone();
    let limits = state.config.limits.clone();
    // Decoding, resolving blobs and hashing a large scene is CPU work: off the async threads.
    let status = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let job: Job = decode_job(&body.bytes, body.format).map_err(decode_error)?;
        record(
            &check(job, &store, &limits, &mut SceneMemo::new())?,
            &store,
            None,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    announce(state, &status);
    Ok(status)
}

/// `POST /v1/jobs`: 202 with the new job's status (200 when answered from the cache).
pub async fn submit(
    State(state): State<AppState>,
    Accept(format): Accept,
    body: WireBody,
) -> Result<Response, ApiError> {
    let status = accept(&state, body).await?;
    let code = if status.cached {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let location = format!("/v1/jobs/{}", status.id);
    Ok((
        [(header::LOCATION, location)],
        Reply {
            status: code,
            format,
            value: status,
        },
    )
        .into_response())
}

fn find(state: &AppState, id: &str) -> Result<JobStatus, ApiError> {
    state
        .scheduler
        .status(id)?
        .ok_or_else(|| ApiError::NotFound(format!("no job {id}")))
}

/// `GET /v1/jobs/{id}`.
pub async fn status(
    State(state): State<AppState>,
    Accept(format): Accept,
    Path(id): Path<String>,
) -> Result<Reply<JobStatus>, ApiError> {
    Ok(Reply::ok(format, find(&state, &id)?))
}

/// The result of a finished job, as this job's own (its id, and whether it was cached).
fn load_result(state: &AppState, status: &JobStatus) -> Result<JobResult, ApiError> {
    match status.state {
        JobState::Succeeded => {}
        JobState::Failed => {
            return Err(ApiError::JobFailed(
                status.error.clone().unwrap_or_else(|| "job failed".into()),
            ));
        }
        JobState::Cancelled => {
            return Err(ApiError::JobCancelled(format!(
                "job {} was cancelled",
                status.id
            )));
        }
        s => {
            return Err(ApiError::NotReady(format!(
                "job {} is {}; no result yet",
                status.id,
                s.as_str()
            )));
        }
    }
    let bytes = state
        .scheduler
        .store()
        .files()
        .result(&status.key)?
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "result of job {} is missing from the store",
                status.id
            ))
        })?;
    let mut result: JobResult =
        decode(&bytes, Format::MsgPack).map_err(|e| ApiError::Internal(e.to_string()))?;
    result.job_id = status.id.clone();
    result.cached = status.cached;
    Ok(result)
}

/// `GET /v1/jobs/{id}/result`.
pub async fn result(
    State(state): State<AppState>,
    Accept(format): Accept,
    Path(id): Path<String>,
) -> Result<Reply<JobResult>, ApiError> {
    let status = find(&state, &id)?;
    Ok(Reply::ok(format, load_result(&state, &status)?))
}

/// `DELETE /v1/jobs/{id}`: cancels a queued or running job.
pub async fn cancel(
    State(state): State<AppState>,
    Accept(format): Accept,
    Path(id): Path<String>,
) -> Result<Reply<JobStatus>, ApiError> {
    match state.scheduler.cancel(&id).await {
        Ok(status) => Ok(Reply::ok(format, status)),
        Err(CancelError::NotFound(_)) => Err(ApiError::NotFound(format!("no job {id}"))),
        Err(e @ CancelError::Finished(..)) => Err(ApiError::AlreadyFinished(e.to_string())),
        Err(CancelError::Stopped) => Err(ApiError::Draining),
        Err(CancelError::Store(e)) => Err(e.into()),
    }
}

/// Waits for job `id` to end, up to `timeout` or the service's shutdown; the final status,
/// or the latest when it is still going.
async fn wait_for_end(
    state: &AppState,
    mut events: broadcast::Receiver<JobEvent>,
    id: &str,
    timeout: Duration,
) -> Result<JobStatus, ApiError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut shutdown = state.shutdown.clone();
    loop {
        let status = find(state, id)?;
        if status.state.is_terminal() {
            return Ok(status);
        }
        tokio::select! {
            event = events.recv() => match event {
                Ok(e) if e.id != id || !e.state.is_terminal() => continue,
                // A terminal event, a lag or a closed channel: re-read the record.
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => return find(state, id),
            _ = shutdown.changed() => return find(state, id),
        }
    }
}

/// Query of `POST /v1/run`.
#[derive(Debug, Deserialize)]
pub struct RunQuery {
    /// Longest wait in seconds before answering with the status instead (default 60).
    pub wait_secs: Option<u64>,
}

/// `POST /v1/run`: submits and waits; the result when it comes in time, else 202 and the
/// status to poll.
pub async fn run(
    State(state): State<AppState>,
    Accept(format): Accept,
    Query(query): Query<RunQuery>,
    body: WireBody,
) -> Result<Response, ApiError> {
    // Subscribe before submitting so the end of a fast job cannot slip past.
    let events = state.scheduler.subscribe();
    let submitted = accept(&state, body).await?;
    let wait = Duration::from_secs(query.wait_secs.unwrap_or(60)).min(state.config.max_run_wait);
    let status = wait_for_end(&state, events, &submitted.id, wait).await?;
    if !status.state.is_terminal() {
        let location = format!("/v1/jobs/{}", status.id);
        return Ok((
            [(header::LOCATION, location)],
            Reply {
                status: StatusCode::ACCEPTED,
                format,
                value: status,
            },
        )
            .into_response());
    }
    Ok(Reply::ok(format, load_result(&state, &status)?).into_response())
}

/// `GET /v1/jobs/{id}/events`: server-sent events, one per change of the job, ending with
/// its terminal state. Each event is named after the state and carries a JSON [`JobEvent`].
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let rx = state.scheduler.subscribe();
    let current = find(&state, &id)?;
    let first = JobEvent {
        id: current.id.clone(),
        state: current.state,
        progress: current.progress,
        message: current.message.clone(),
    };
    struct Feed {
        rx: broadcast::Receiver<JobEvent>,
        pending: Option<JobEvent>,
        done: bool,
        shutdown: tokio::sync::watch::Receiver<bool>,
        state: AppState,
        id: String,
    }
    let feed = Feed {
        rx,
        pending: Some(first),
        done: false,
        shutdown: state.shutdown.clone(),
        state: state.clone(),
        id,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            if feed.done {
                return None;
            }
            if let Some(event) = feed.pending.take() {
                feed.done = event.state.is_terminal();
                let sse = Event::default()
                    .event(event.state.as_str())
                    .data(serde_json::to_string(&event).unwrap_or_default());
                return Some((Ok(sse), feed));
            }
            tokio::select! {
                received = feed.rx.recv() => match received {
                    Ok(e) if e.id == feed.id => feed.pending = Some(e),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Missed some: send the record as it is now.
                        let status = feed.state.scheduler.status(&feed.id).ok().flatten()?;
                        feed.pending = Some(JobEvent {
                            id: status.id,
                            state: status.state,
                            progress: status.progress,
                            message: status.message,
                        });
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = feed.shutdown.changed() => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

//! `/v1/batches`: one job and N variants of it (design options, periods, load cases),
//! fanned out into N jobs over the pool, with their ends streamed back as they come.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use cicada_protocol::{
    BatchCounts, BatchEvent, BatchRequest, BatchStatus, BlobHash, Format, Input, Job, JobState,
    Problem, decode, decode_job, encode,
};
use cicada_sched::now_unix_ms;
use futures_util::Stream;
use serde_json::Value;

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::jobs::{SceneMemo, announce, check, decode_error, record};
use crate::wire::{Accept, Reply, WireBody};

/// Most variants in one batch.
const MAX_VARIANTS: usize = 10_000;

/// Applies a JSON merge patch (RFC 7396) to `target`: objects merge key by key, `null`
/// removes a key, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Moves an inline input of the template into the blob store and points the template at
/// it, so N variants share one copy of the scene instead of storing N.
fn offload<T: serde::Serialize>(
    input: Option<&Input<T>>,
    name: &str,
    template: &mut Value,
    store: &cicada_sched::Store,
) -> Result<(), ApiError> {
    let Some(Input::Inline(value)) = input else {
        return Ok(());
    };
    let bytes = encode(value, Format::MsgPack).map_err(|e| ApiError::Internal(e.to_string()))?;
    let hash = BlobHash::of(&bytes);
    store.files().put_blob(&hash, &bytes)?;
    if let Some(inputs) = template.get_mut("inputs").and_then(Value::as_object_mut) {
        inputs.insert(name.into(), serde_json::json!({ "blob": hash.as_str() }));
    }
    Ok(())
}

/// Re-roots a job's problems under `prefix` (`/variants/3`, `/job`).
fn under(prefix: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::Invalid(problems) => ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| Problem {
                    path: format!("{prefix}{}", p.path),
                    message: p.message,
                })
                .collect(),
        ),
        ApiError::BadPayload { path, message } => ApiError::BadPayload {
            path: format!("{prefix}{path}"),
            message,
        },
        other => other,
    }
}

/// Checks and records every variant of `request`; nothing is recorded unless all are valid.
fn accept_batch(
    request: BatchRequest,
    store: &cicada_sched::Store,
    limits: &cicada_protocol::Limits,
) -> Result<(BatchStatus, Vec<cicada_protocol::JobStatus>), ApiError> {
    if request.variants.is_empty() {
        return Err(ApiError::Invalid(vec![Problem {
            path: "/variants".into(),
            message: "a batch needs at least one variant (an empty patch {} runs the job as is)"
                .into(),
        }]));
    }
    if request.variants.len() > MAX_VARIANTS {
        return Err(ApiError::Invalid(vec![Problem {
            path: "/variants".into(),
            message: format!(
                "{} variants; a batch takes at most {MAX_VARIANTS}",
                request.variants.len()
            ),
        }]));
    }
    let mut template = request.job;
    let text = serde_json::to_vec(&template).map_err(|e| ApiError::Internal(e.to_string()))?;
    let job: Job = decode_job(&text, Format::Json)
        .map_err(decode_error)
        .map_err(|e| under("/job", e))?;
    offload(job.inputs.scene.as_ref(), "scene", &mut template, store)?;
    offload(job.inputs.context.as_ref(), "context", &mut template, store)?;
    offload(job.inputs.rays.as_ref(), "rays", &mut template, store)?;
    offload(job.inputs.weather.as_ref(), "weather", &mut template, store)?;
    let mut checked = Vec::with_capacity(request.variants.len());
    let mut memo = SceneMemo::new();
    let mut problems = Vec::new();
    for (i, patch) in request.variants.iter().enumerate() {
        let mut variant = template.clone();
        merge_patch(&mut variant, patch);
        // A batch is bulk work unless it says otherwise: single jobs overtake it.
        if let Some(v) = variant.as_object_mut() {
            v.entry("priority").or_insert(Value::from("bulk"));
        }
        let at = format!("/variants/{i}");
        let outcome = serde_json::to_vec(&variant)
            .map_err(|e| ApiError::Internal(e.to_string()))
            .and_then(|text| decode_job(&text, Format::Json).map_err(decode_error))
            .and_then(|job| check(job, store, limits, &mut memo));
        match outcome.map_err(|e| under(&at, e)) {
            Ok(c) => checked.push(c),
            Err(ApiError::Invalid(p)) => problems.extend(p),
            Err(ApiError::BadPayload { path, message }) => problems.push(Problem { path, message }),
            Err(other) => return Err(other),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let statuses = checked
        .iter()
        .map(|c| record(c, store, Some(&id)))
        .collect::<Result<Vec<_>, _>>()?;
    let batch = BatchStatus {
        id,
        created_unix_ms: now_unix_ms(),
        jobs: statuses.iter().map(|s| s.id.clone()).collect(),
        counts: BatchCounts::default(),
    };
    store.put_batch(&batch)?;
    Ok((batch, statuses))
}

/// `POST /v1/batches`: 202 with the batch and its jobs in variant order.
pub async fn submit(
    State(state): State<AppState>,
    Accept(format): Accept,
    body: WireBody,
) -> Result<Response, ApiError> {
    if state.draining() {
        return Err(ApiError::Draining);
    }
    let store = state.scheduler.store().clone();
    let limits = state.config.limits.clone();
    let (batch, statuses) = tokio::task::spawn_blocking(move || {
        let request: BatchRequest = decode(&body.bytes, body.format).map_err(decode_error)?;
        accept_batch(request, &store, &limits)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    for status in &statuses {
        announce(&state, status);
    }
    tracing::info!(batch = %batch.id, jobs = batch.jobs.len(), "batch accepted");
    let batch = state.scheduler.store().batch(&batch.id)?.unwrap_or(batch);
    let location = format!("/v1/batches/{}", batch.id);
    Ok((
        [(header::LOCATION, location)],
        Reply {
            status: StatusCode::ACCEPTED,
            format,
            value: batch,
        },
    )
        .into_response())
}

fn find(state: &AppState, id: &str) -> Result<BatchStatus, ApiError> {
    state
        .scheduler
        .store()
        .batch(id)?
        .ok_or_else(|| ApiError::NotFound(format!("no batch {id}")))
}

/// `GET /v1/batches/{id}`: the batch with its jobs' states counted.
pub async fn status(
    State(state): State<AppState>,
    Accept(format): Accept,
    Path(id): Path<String>,
) -> Result<Reply<BatchStatus>, ApiError> {
    Ok(Reply::ok(format, find(&state, &id)?))
}

/// `GET /v1/batches/{id}/events`: one server-sent event per variant as its job ends (those
/// already ended first), then the stream closes.
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading the records, so no end falls between the two.
    let mut rx = state.scheduler.subscribe();
    let batch = find(&state, &id)?;
    let variant: HashMap<String, u32> = batch
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.clone(), i as u32))
        .collect();
    let scheduler = state.scheduler.clone();
    let mut shutdown = state.shutdown.clone();
    let stream = async_stream(move |tx| async move {
        let mut pending: HashMap<String, u32> = variant;
        let ended = |job: &str| -> Option<BatchEvent> {
            let status = scheduler.status(job).ok().flatten()?;
            status.state.is_terminal().then(|| BatchEvent {
                variant: 0,
                job: job.to_string(),
                state: status.state,
                error: status.error,
            })
        };
        let mut order: Vec<(String, u32)> = pending.iter().map(|(j, v)| (j.clone(), *v)).collect();
        order.sort_by_key(|(_, v)| *v);
        for (job, v) in order {
            if let Some(mut e) = ended(&job) {
                e.variant = v;
                pending.remove(&job);
                if tx.send(e).await.is_err() {
                    return;
                }
            }
        }
        while !pending.is_empty() {
            tokio::select! {
                event = rx.recv() => match event {
                    Ok(e) if !e.state.is_terminal() => continue,
                    Ok(e) => {
                        let Some(&v) = pending.get(&e.id) else { continue };
                        if let Some(mut end) = ended(&e.id) {
                            end.variant = v;
                            pending.remove(&e.id);
                            if tx.send(end).await.is_err() {
                                return;
                            }
                        }
                    }
                    // Missed events: look at every pending job again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let jobs: Vec<(String, u32)> =
                            pending.iter().map(|(j, v)| (j.clone(), *v)).collect();
                        for (job, v) in jobs {
                            if let Some(mut end) = ended(&job) {
                                end.variant = v;
                                pending.remove(&job);
                                if tx.send(end).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    Err(_) => return,
                },
                _ = shutdown.changed() => return,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A stream fed by `produce` through a channel: each sent event becomes one SSE event.
fn async_stream<F, Fut>(produce: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<BatchEvent>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<BatchEvent>(64);
    tokio::spawn(produce(tx));
    futures_util::stream::unfold(rx, |mut rx| async move {
        let e = rx.recv().await?;
        let event = Event::default()
            .event(match e.state {
                JobState::Succeeded => "succeeded",
                JobState::Failed => "failed",
                _ => "cancelled",
            })
            .json_data(&e)
            .unwrap_or_default();
        Some((Ok(event), rx))
    })
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn merge_patch_follows_rfc_7396() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }
}

//! `/v1/blobs/{hash}`: content-addressed uploads, checked against their hash.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cicada_protocol::{BlobHash, BlobStored};
use cicada_sched::StoreError;

use crate::app::AppState;
use crate::error::ApiError;
use crate::wire::{Accept, Reply};

fn parse(hash: String) -> Result<BlobHash, ApiError> {
    let hash = BlobHash(hash);
    if hash.is_well_formed() {
        Ok(hash)
    } else {
        Err(ApiError::InvalidHash(format!(
            "'{hash}' is not a BLAKE3 hash (64 lowercase hex digits)"
        )))
    }
}

/// `PUT /v1/blobs/{hash}`: 201 when stored, 200 when the service already had it.
pub async fn put(
    State(state): State<AppState>,
    Accept(format): Accept,
    Path(hash): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Reply<BlobStored>, ApiError> {
    let hash = parse(hash)?;
    let body = body.map_err(|r| ApiError::from_body_rejection(r, state.config.body_limit))?;
    let store = state.scheduler.store().clone();
    let size = body.len() as u64;
    let stored_hash = hash.clone();
    let created = tokio::task::spawn_blocking(move || store.files().put_blob(&stored_hash, &body))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| match e {
            StoreError::HashMismatch { claimed, actual } => {
                ApiError::HashMismatch(format!("the body hashes to {actual}, not {claimed}"))
            }
            other => other.into(),
        })?;
    if created {
        let m = state.scheduler.metrics();
        m.blobs_stored
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        m.blob_bytes_stored
            .fetch_add(size, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(Reply {
        status: if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        format,
        value: BlobStored {
            hash: hash.to_string(),
            size,
            created,
        },
    })
}

/// `HEAD /v1/blobs/{hash}`: 200 with the size when stored, 404 when not.
pub async fn head(
    State(state): State<AppState>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = parse(hash)?;
    match state.scheduler.store().files().blob_size(&hash) {
        Some(size) => {
            Ok((StatusCode::OK, [(header::CONTENT_LENGTH, size.to_string())]).into_response())
        }
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

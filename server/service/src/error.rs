//! Every error the API returns, and the one table that maps each to an HTTP status and a
//! stable code string that clients match on.
//!
//! Error bodies are always JSON ([`ErrorBody`]), whatever the request's `Accept`: every client
//! has a JSON parser, and an error must be readable by a person with curl.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cicada_protocol::{ErrorBody, ErrorInfo, Problem};

/// An API error.
#[derive(Debug)]
pub enum ApiError {
    /// The body does not decode; `path` names the field.
    BadPayload {
        /// JSON pointer of the field.
        path: String,
        /// The decoder's message.
        message: String,
    },
    /// The body's `Content-Type` is neither JSON nor MessagePack.
    UnsupportedMediaType(String),
    /// The body exceeds the size limit.
    PayloadTooLarge(usize),
    /// The job decodes but is invalid.
    Invalid(Vec<Problem>),
    /// No such job or blob.
    NotFound(String),
    /// The job has no result yet.
    NotReady(String),
    /// The job failed; its error.
    JobFailed(String),
    /// The job was cancelled.
    JobCancelled(String),
    /// The job has ended and cannot be cancelled.
    AlreadyFinished(String),
    /// A blob hash in a path is malformed.
    InvalidHash(String),
    /// A blob's bytes do not match its hash.
    HashMismatch(String),
    /// The service is shutting down and takes no new jobs.
    Draining,
    /// Something failed on our side.
    Internal(String),
}

impl ApiError {
    /// The status and stable code of this error: the whole table.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadPayload { .. } => (StatusCode::BAD_REQUEST, "invalid_payload"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_job"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NotReady(_) => (StatusCode::CONFLICT, "result_not_ready"),
            ApiError::JobFailed(_) => (StatusCode::CONFLICT, "job_failed"),
            ApiError::JobCancelled(_) => (StatusCode::CONFLICT, "job_cancelled"),
            ApiError::AlreadyFinished(_) => (StatusCode::CONFLICT, "already_finished"),
            ApiError::InvalidHash(_) => (StatusCode::BAD_REQUEST, "invalid_hash"),
            ApiError::HashMismatch(_) => (StatusCode::BAD_REQUEST, "hash_mismatch"),
            ApiError::Draining => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::BadPayload { path, message } if path.is_empty() => message.clone(),
            ApiError::BadPayload { path, message } => format!("{path}: {message}"),
            ApiError::UnsupportedMediaType(m) => format!(
                "content type '{m}' is not supported; send application/json or application/msgpack"
            ),
            ApiError::PayloadTooLarge(limit) => {
                format!("request body exceeds the limit of {limit} bytes")
            }
            ApiError::Invalid(problems) => match problems.len() {
                1 => problems[0].to_string(),
                n => format!("{n} problems; the first: {}", problems[0]),
            },
            ApiError::NotFound(m)
            | ApiError::NotReady(m)
            | ApiError::JobFailed(m)
            | ApiError::JobCancelled(m)
            | ApiError::AlreadyFinished(m)
            | ApiError::InvalidHash(m)
            | ApiError::HashMismatch(m)
            | ApiError::Internal(m) => m.clone(),
            ApiError::Draining => "the service is shutting down; retry shortly".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, message = %self.message(), "request failed");
        }
        let problems = match &self {
            ApiError::Invalid(p) => p.clone(),
            ApiError::BadPayload { path, message } => vec![Problem {
                path: path.clone(),
                message: message.clone(),
            }],
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorInfo {
                code: code.to_string(),
                message: self.message(),
                problems,
            },
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
    }
}

impl ApiError {
    /// The error for a request body that could not be read: too large, or cut off.
    pub fn from_body_rejection(
        rejection: axum::extract::rejection::BytesRejection,
        limit: usize,
    ) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::BadPayload {
                path: String::new(),
                message: rejection.body_text(),
            }
        }
    }
}

impl From<cicada_sched::StoreError> for ApiError {
    fn from(e: cicada_sched::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

//! Content negotiation: request bodies in JSON or MessagePack by `Content-Type`, responses by
//! `Accept`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cicada_protocol::{Format, encode};
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiError;

/// A request body with the format it was sent in.
pub struct WireBody {
    /// The encoding, from `Content-Type` (sniffed when absent).
    pub format: Format,
    /// The raw bytes.
    pub bytes: Bytes,
}

impl FromRequest<AppState> for WireBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::from_body_rejection(r, state.config.body_limit))?;
        let format = match content_type.as_deref() {
            None => Format::sniff(&bytes),
            Some(ct) => Format::from_mime(ct)
                .ok_or_else(|| ApiError::UnsupportedMediaType(ct.to_string()))?,
        };
        Ok(WireBody { format, bytes })
    }
}

/// The response format a client asked for in `Accept` (JSON unless it names MessagePack).
#[derive(Clone, Copy, Debug)]
pub struct Accept(pub Format);

impl<S: Send + Sync> FromRequestParts<S> for Accept {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let format = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .and_then(|accept| accept.split(',').find_map(Format::from_mime))
            .unwrap_or(Format::Json);
        Ok(Accept(format))
    }
}

/// A response body encoded in the negotiated format, with a status.
pub struct Reply<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Encoding.
    pub format: Format,
    /// The value.
    pub value: T,
}

impl<T> Reply<T> {
    /// `200 OK` with `value`.
    pub fn ok(format: Format, value: T) -> Self {
        Reply {
            status: StatusCode::OK,
            format,
            value,
        }
    }
}

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        match encode(&self.value, self.format) {
            Ok(bytes) => (
                self.status,
                [(header::CONTENT_TYPE, self.format.mime())],
                bytes,
            )
                .into_response(),
            Err(e) => ApiError::Internal(e.to_string()).into_response(),
        }
    }
}

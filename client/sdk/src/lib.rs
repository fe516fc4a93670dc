//! A client for the Cicada service (HTTP API v1), async ([`Client`]) and blocking
//! ([`blocking::Client`]).
//!
//! It speaks MessagePack, uploads large scenes once as content-addressed blobs (asking the
//! service with `HEAD` first), and retries transient failures (connection errors, 429, 502,
//! 503, 504) with exponential backoff. It has no Unix-only code and uses rustls, so it builds
//! for Windows.

pub mod blocking;
mod error;
pub mod false_colour;

use std::time::Duration;

use cicada_protocol::{
    BatchEvent, BatchRequest, BatchStatus, BlobHash, ErrorBody, Format, Health, Input, Job,
    JobResult, JobState, JobStatus, Usage, WorkersView, decode, encode,
};
use reqwest::{Method, StatusCode, header};

pub use error::ClientError;

/// How the client talks to the service.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:7878`.
    pub base_url: String,
    /// Attempts per request for transient failures (1 = no retry).
    pub attempts: u32,
    /// First retry delay; doubles each time, at most 5 s.
    pub backoff: Duration,
    /// Time limit for one HTTP request.
    pub request_timeout: Duration,
    /// Inline scenes at least this large (encoded) are sent as blobs instead.
    pub blob_threshold: usize,
}

impl ClientConfig {
    /// Defaults for a service at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            attempts: 5,
            backoff: Duration::from_millis(100),
            request_timeout: Duration::from_secs(300),
            blob_threshold: 64 * 1024,
        }
    }
}

/// What happened to a blob offered to the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobUpload {
    /// Its hash.
    pub hash: BlobHash,
    /// Its size in bytes.
    pub size: u64,
    /// False when the service already had it and nothing was sent.
    pub uploaded: bool,
}

/// The outcome of `POST /v1/run`.
#[derive(Clone, Debug, PartialEq)]
pub enum RunOutcome {
    /// The job finished in time.
    Finished(Box<JobResult>),
    /// Still going when the wait ended; poll this status.
    Pending(Box<JobStatus>),
}

/// An async client.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

impl Client {
    /// A client for the service at `base_url` with default settings.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        Self::with_config(ClientConfig::new(base_url))
    }

    /// A client with explicit settings.
    pub fn with_config(config: ClientConfig) -> Result<Self, ClientError> {
        // reqwest is built without a default crypto provider (no C toolchain for aws-lc on
        // Windows builds); ring is ours. A second install in one process is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .user_agent(concat!("cicada-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Client { http, config })
    }

    /// The settings in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }

    /// Sends a request, retrying transient failures; returns the response with any status.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut delay = self.config.backoff;
        let attempts = self.config.attempts.max(1);
        for attempt in 1..=attempts {
            let mut request = self
                .http
                .request(method.clone(), self.url(path))
                .header(header::ACCEPT, Format::MsgPack.mime());
            if let Some((mime, bytes)) = &body {
                request = request
                    .header(header::CONTENT_TYPE, *mime)
                    .body(bytes.clone());
            }
            let last = attempt == attempts;
            match request.send().await {
                Ok(response) if is_transient(response.status()) && !last => {}
                Ok(response) => return Ok(response),
                Err(e) if last || !(e.is_connect() || e.is_timeout() || e.is_request()) => {
                    return Err(ClientError::Transport(format!("{method} {path}: {e}")));
                }
                Err(_) => {}
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        Err(ClientError::Transport(format!(
            "{method} {path}: no attempt made"
        )))
    }

    /// Sends and decodes a successful response body as `T`.
    async fn call<T: decoding::Decode>(
        &self,
        method: Method,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<T, ClientError> {
        let response = self.send(method, path, body).await?;
        let status = response.status();
        let format = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Format::from_mime);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        let format = format.unwrap_or_else(|| Format::sniff(&bytes));
        T::decode(&bytes, format)
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.call(Method::GET, "/healthz", None).await
    }

    /// True when the service holds blob `hash` (`HEAD /v1/blobs/{hash}`).
    pub async fn has_blob(&self, hash: &BlobHash) -> Result<bool, ClientError> {
        let response = self
            .send(Method::HEAD, &format!("/v1/blobs/{hash}"), None)
            .await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => Err(api_error(s, &[])),
        }
    }

    /// Uploads `bytes` as a blob unless the service already has it.
    pub async fn upload_blob(&self, bytes: Vec<u8>) -> Result<BlobUpload, ClientError> {
        let hash = BlobHash::of(&bytes);
        let size = bytes.len() as u64;
        if self.has_blob(&hash).await? {
            return Ok(BlobUpload {
                hash,
                size,
                uploaded: false,
            });
        }
        let path = format!("/v1/blobs/{hash}");
        let _: cicada_protocol::BlobStored = self
            .call(
                Method::PUT,
                &path,
                Some(("application/octet-stream", bytes)),
            )
            .await?;
        Ok(BlobUpload {
            hash,
            size,
            uploaded: true,
        })
    }

    /// Replaces inline scenes at least `blob_threshold` bytes long by uploaded blobs, so a
    /// scene the service has seen is never sent again.
    pub async fn offload_inputs(&self, job: &mut Job) -> Result<Vec<BlobUpload>, ClientError> {
        let mut uploads = Vec::new();
        if let Some(Input::Inline(scene)) = &job.inputs.scene {
            let bytes =
                encode(scene, Format::MsgPack).map_err(|e| ClientError::Encode(e.to_string()))?;
            if bytes.len() >= self.config.blob_threshold {
                let upload = self.upload_blob(bytes).await?;
                job.inputs.scene = Some(Input::Blob(upload.hash.clone()));
                uploads.push(upload);
            }
        }
        Ok(uploads)
    }

    fn job_body(job: &Job) -> Result<Option<(&'static str, Vec<u8>)>, ClientError> {
        let bytes = encode(job, Format::MsgPack).map_err(|e| ClientError::Encode(e.to_string()))?;
        Ok(Some((Format::MsgPack.mime(), bytes)))
    }

    /// `POST /v1/jobs`: the new job's status.
    pub async fn submit(&self, job: &Job) -> Result<JobStatus, ClientError> {
        self.call(Method::POST, "/v1/jobs", Self::job_body(job)?)
            .await
    }

    /// `GET /v1/jobs/{id}`.
    pub async fn status(&self, id: &str) -> Result<JobStatus, ClientError> {
        self.call(Method::GET, &format!("/v1/jobs/{id}"), None)
            .await
    }

    /// `GET /v1/jobs/{id}/result`.
    pub async fn result(&self, id: &str) -> Result<JobResult, ClientError> {
        self.call(Method::GET, &format!("/v1/jobs/{id}/result"), None)
            .await
    }

    /// `DELETE /v1/jobs/{id}`.
    pub async fn cancel(&self, id: &str) -> Result<JobStatus, ClientError> {
        self.call(Method::DELETE, &format!("/v1/jobs/{id}"), None)
            .await
    }

    /// `POST /v1/run`: submits and waits up to `wait` on the service.
    pub async fn run(&self, job: &Job, wait: Duration) -> Result<RunOutcome, ClientError> {
        let path = format!("/v1/run?wait_secs={}", wait.as_secs());
        let response = self.send(Method::POST, &path, Self::job_body(job)?).await?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        match status {
            StatusCode::OK => Ok(RunOutcome::Finished(Box::new(
                decode(&bytes, Format::sniff(&bytes))
                    .map_err(|e| ClientError::Decode(e.to_string()))?,
            ))),
            StatusCode::ACCEPTED => Ok(RunOutcome::Pending(Box::new(
                decode(&bytes, Format::sniff(&bytes))
                    .map_err(|e| ClientError::Decode(e.to_string()))?,
            ))),
            s => Err(api_error(s, &bytes)),
        }
    }

    /// `GET /v1/workers`: the pool and its workers.
    pub async fn workers(&self) -> Result<WorkersView, ClientError> {
        self.call(Method::GET, "/v1/workers", None).await
    }

    /// `GET /v1/usage`: worker time and what it would cost.
    pub async fn usage(&self) -> Result<Usage, ClientError> {
        self.call(Method::GET, "/v1/usage", None).await
    }

    /// `POST /v1/batches`: one job and its variants (JSON merge patches), as N jobs. Offload
    /// the job's inputs first ([`Self::offload_inputs`]) so the request stays small; the
    /// service stores inline inputs once either way.
    pub async fn submit_batch(&self, request: &BatchRequest) -> Result<BatchStatus, ClientError> {
        // JSON: the job travels as a JSON value, which has no binary type.
        let body = serde_json::to_vec(request).map_err(|e| ClientError::Encode(e.to_string()))?;
        self.call(
            Method::POST,
            "/v1/batches",
            Some((Format::Json.mime(), body)),
        )
        .await
    }

    /// `GET /v1/batches/{id}`.
    pub async fn batch(&self, id: &str) -> Result<BatchStatus, ClientError> {
        self.call(Method::GET, &format!("/v1/batches/{id}"), None)
            .await
    }

    /// Opens `GET /v1/batches/{id}/events`: the end of each variant's job, ended ones
    /// first, as they come.
    pub async fn batch_events(&self, id: &str) -> Result<BatchEvents, ClientError> {
        let path = format!("/v1/batches/{id}/events");
        // No overall timeout: the stream lasts as long as the batch.
        let response = self
            .http
            .get(self.url(&path))
            .header(header::ACCEPT, "text/event-stream")
            .timeout(Duration::from_secs(365 * 24 * 3600))
            .send()
            .await
            .map_err(|e| ClientError::Transport(format!("GET {path}: {e}")))?;
        if !response.status().is_success() {
            let status = response.status();
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(api_error(status, &bytes));
        }
        Ok(BatchEvents {
            response,
            buffer: String::new(),
            path,
        })
    }

    /// Follows a batch until every variant has ended, calling `on_end` for each.
    pub async fn follow_batch(
        &self,
        id: &str,
        mut on_end: impl FnMut(BatchEvent),
    ) -> Result<(), ClientError> {
        let mut events = self.batch_events(id).await?;
        while let Some(e) = events.next().await? {
            on_end(e);
        }
        Ok(())
    }

    /// Polls job `id` until it ends, calling `on_change` whenever its state or progress
    /// moves; returns the final status.
    pub async fn wait(
        &self,
        id: &str,
        mut on_change: impl FnMut(&JobStatus),
    ) -> Result<JobStatus, ClientError> {
        let mut poll = Duration::from_millis(50);
        let mut last: Option<(JobState, u32, Option<String>)> = None;
        loop {
            let status = self.status(id).await?;
            let now = (
                status.state,
                (status.progress * 1000.0) as u32,
                status.message.clone(),
            );
            if last.as_ref() != Some(&now) {
                on_change(&status);
                last = Some(now);
            }
            if status.state.is_terminal() {
                return Ok(status);
            }
            tokio::time::sleep(poll).await;
            poll = (poll * 3 / 2).min(Duration::from_millis(500));
        }
    }
}

/// The ends of a batch's variants as the service streams them (server-sent events).
pub struct BatchEvents {
    response: reqwest::Response,
    buffer: String,
    path: String,
}

impl BatchEvents {
    /// The next variant to end; `None` once every variant has.
    pub async fn next(&mut self) -> Result<Option<BatchEvent>, ClientError> {
        loop {
            // Events end with a blank line; their JSON is on `data:` lines.
            while let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    return serde_json::from_str(&data)
                        .map(Some)
                        .map_err(|e| ClientError::Decode(e.to_string()));
                }
            }
            let chunk = self
                .response
                .chunk()
                .await
                .map_err(|e| ClientError::Transport(format!("GET {}: {e}", self.path)))?;
            match chunk {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return Ok(None),
            }
        }
    }
}

fn is_transient(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    match decoding::error_body(body) {
        Some(ErrorBody { error }) => ClientError::Api {
            status: status.as_u16(),
            code: error.code,
            message: error.message,
            problems: error.problems,
        },
        None => ClientError::Api {
            status: status.as_u16(),
            code: String::new(),
            message: String::from_utf8_lossy(body).into_owned(),
            problems: Vec::new(),
        },
    }
}

/// Decoding of response bodies, kept in one place.
mod decoding {
    use cicada_protocol::{ErrorBody, Format, decode};

    use crate::ClientError;

    /// A wire type the client can decode.
    pub trait Decode: Sized {
        fn decode(bytes: &[u8], format: Format) -> Result<Self, ClientError>;
    }

    impl<T: serde::de::DeserializeOwned> Decode for T {
        fn decode(bytes: &[u8], format: Format) -> Result<Self, ClientError> {
            decode(bytes, format).map_err(|e| ClientError::Decode(e.to_string()))
        }
    }

    pub fn error_body(bytes: &[u8]) -> Option<ErrorBody> {
        decode(bytes, Format::sniff(bytes)).ok()
    }
}

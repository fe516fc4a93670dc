//! Messages of the HTTP API besides jobs and results: job status, events, errors, health.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::job::JobKind;
use crate::result::BackendInfo;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Accepted and waiting for a worker.
    Queued,
    /// A worker is running it.
    Running,
    /// Finished; the result is available.
    Succeeded,
    /// Finished without a result; `error` says why.
    Failed,
    /// Cancelled by a client before it finished.
    Cancelled,
}

impl JobState {
    /// True for states a job never leaves.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    /// Every state, for metrics.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The wire name (`queued`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// The service's record of a job, as `GET /v1/jobs/{id}` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobStatus {
    /// Job id, assigned by the service.
    pub id: String,
    /// The kind of job.
    pub kind: JobKind,
    /// Content hash of the job; equal keys share one result.
    pub key: String,
    /// Current state.
    pub state: JobState,
    /// Fraction done, 0 to 1.
    pub progress: f32,
    /// What the job is doing now, or why it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How many times a worker has started it.
    pub attempts: u32,
    /// Accepted at, in milliseconds since the Unix epoch.
    pub created_unix_ms: u64,
    /// Last started by a worker at, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_ms: Option<u64>,
    /// Reached a terminal state at, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_unix_ms: Option<u64>,
    /// Why the job failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True when the result came from the cache of an identical earlier job.
    #[serde(default)]
    pub cached: bool,
    /// Process id of the worker running it, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_pid: Option<u32>,
}

/// A server-sent event on `GET /v1/jobs/{id}/events`: the job's state after a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobEvent {
    /// The job.
    pub id: String,
    /// Its state now.
    pub state: JobState,
    /// Fraction done, 0 to 1.
    pub progress: f32,
    /// What it is doing, or why it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One problem found in a request, with the JSON-pointer path of the offending field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// JSON pointer into the request, e.g. `/inputs/scene/inline/meshes/3/faces/17`.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInfo,
}

/// A stable error code, a message for people, and the problems behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorInfo {
    /// Stable code that clients match on (`invalid_job`, `not_found`, ...).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Each problem with its field path, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `draining` while shutting down.
    pub status: String,
    /// The service's version.
    pub version: String,
    /// Wire protocol version it speaks.
    pub protocol: u32,
    /// Backend the workers run.
    pub backend: BackendInfo,
    /// Worker processes alive now.
    pub workers: u32,
    /// Jobs waiting for a worker.
    pub queue_depth: u64,
}

/// `PUT /v1/blobs/{hash}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BlobStored {
    /// The blob's hash.
    pub hash: String,
    /// Its size in bytes.
    pub size: u64,
    /// False when the service already had it.
    pub created: bool,
}

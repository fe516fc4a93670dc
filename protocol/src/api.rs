//! Messages of the HTTP API besides jobs and results: job status, events, errors, health.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::job::{JobKind, Priority};
use crate::result::BackendInfo;
use crate::worker::SceneStart;

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
    /// Its queue priority.
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
    /// Seconds it may run on a worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// The key of its prepared scene, for jobs that have one: jobs on the same scene go to
    /// the worker that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<String>,
    /// How its worker got the prepared scene (held, snapshot, built), once it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_start: Option<SceneStart>,
    /// Worker-seconds its runs took, every attempt included.
    #[serde(default)]
    pub worker_secs: f64,
    /// The batch it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

impl JobStatus {
    /// The record of a job just accepted: queued, never run, default priority.
    pub fn queued(id: String, kind: JobKind, key: String, created_unix_ms: u64) -> JobStatus {
        JobStatus {
            id,
            kind,
            key,
            state: JobState::Queued,
            progress: 0.0,
            message: Some("queued".into()),
            attempts: 0,
            created_unix_ms,
            started_unix_ms: None,
            finished_unix_ms: None,
            error: None,
            cached: false,
            worker_pid: None,
            priority: Priority::Normal,
            timeout_secs: None,
            scene: None,
            scene_start: None,
            worker_secs: 0.0,
            batch: None,
        }
    }
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

/// `GET /v1/workers`: the worker pool and each worker in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkersView {
    /// How the pool scales.
    pub pool: PoolView,
    /// Jobs waiting for a worker.
    pub queue_depth: u64,
    /// Every worker process alive (or starting, or stopping).
    pub workers: Vec<WorkerView>,
}

/// A pool's scaling settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolView {
    /// Backend the pool's workers run (`cpu`, `wgpu`, `cuda`, `auto`).
    pub backend: String,
    /// Devices of that backend here (GPUs; 1 for the CPU); workers spread over them.
    pub devices: u32,
    /// Workers kept even when idle (0: the pool scales to zero).
    pub min_workers: u32,
    /// Most workers at once (one per GPU, or per CPU share).
    pub max_workers: u32,
    /// Idle workers kept ready while the pool is busy, for the next burst.
    pub buffer_workers: u32,
    /// Seconds an idle worker lives before it is stopped (down to `min_workers`).
    pub idle_timeout_secs: f64,
}

/// One worker process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkerView {
    /// The pool's number for it.
    pub id: u64,
    /// The device it runs on (0 for the CPU, or the first GPU).
    pub ordinal: u32,
    /// Its process id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// `starting`, `idle`, `busy` or `stopping`.
    pub state: String,
    /// The job it runs, when busy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// Backend it announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// Device it announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Memory of its device, in bytes, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Seconds from its start to ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_secs: Option<f64>,
    /// Seconds since it started.
    pub alive_secs: f64,
    /// Seconds it spent running jobs.
    pub busy_secs: f64,
    /// `busy_secs / alive_secs`.
    pub utilisation: f64,
    /// Jobs it ran.
    pub jobs: u64,
    /// Prepared scenes it holds in memory (jobs on these prefer it).
    pub scenes: Vec<String>,
    /// Its busy and alive seconds per minute, oldest first (the last hour).
    pub timeline: Vec<UsageSample>,
}

/// `GET /v1/usage`: what the workers did since the service started, and what that would
/// cost on per-second serverless workers against a dedicated machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    /// When counting began (the service's start), ms since the Unix epoch.
    pub since_unix_ms: u64,
    /// Seconds since then.
    pub elapsed_secs: f64,
    /// Jobs workers finished (succeeded or failed), cache answers not included.
    pub jobs: u64,
    /// Worker-seconds spent running jobs.
    pub worker_secs: f64,
    /// Worker-seconds of workers alive (busy or idle).
    pub alive_secs: f64,
    /// Worker processes started (each a cold process start).
    pub workers_started: u64,
    /// How jobs got their prepared scenes: held by the worker, restored from a snapshot
    /// (warm), built (cold).
    pub scene_starts: SceneStarts,
    /// Per backend and device.
    pub by_device: Vec<DeviceUsage>,
    /// Busy and alive worker-seconds per minute, oldest first (the last hour).
    pub timeline: Vec<UsageSample>,
    /// The serverless-versus-dedicated comparison at this installation's prices.
    pub cost: CostView,
}

/// Counts of how jobs got their prepared scenes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SceneStarts {
    /// The worker already held it.
    pub held: u64,
    /// Restored from a snapshot file.
    pub snapshot: u64,
    /// Built from the inputs.
    pub built: u64,
}

/// Usage of one backend and device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceUsage {
    /// Backend name.
    pub backend: String,
    /// Device description.
    pub device: String,
    /// Jobs run there.
    pub jobs: u64,
    /// Worker-seconds spent running them.
    pub worker_secs: f64,
}

/// One minute of the pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UsageSample {
    /// Start of the minute, ms since the Unix epoch.
    pub unix_ms: u64,
    /// Worker-seconds spent on jobs in it.
    pub busy_secs: f64,
    /// Worker-seconds of workers alive in it.
    pub alive_secs: f64,
}

/// Serverless per-second workers against a dedicated machine holding `max_workers`
/// workers all the time. Serverless bills every second a worker is up (starts and idle
/// tails included): `alive_secs × serverless_per_worker_sec`, which is the useful
/// `worker_secs` times the overhead factor `k = alive_secs / worker_secs`. The machine
/// costs `elapsed hours × dedicated_per_hour`. They cost the same at utilisation
/// `u* = dedicated_per_hour / (3600 × max_workers × serverless_per_worker_sec × k)`: with
/// the default prices (a $2.00/h dedicated H100 against Modal's $3.95/h) and k = 1 that is
/// the "51 % rule".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CostView {
    /// Price of one serverless worker-second.
    pub serverless_per_worker_sec: f64,
    /// Price of the dedicated machine per hour.
    pub dedicated_per_hour: f64,
    /// Workers the dedicated machine holds (the pool's `max_workers`).
    pub dedicated_workers: u32,
    /// Billed over useful worker-seconds (`alive_secs / worker_secs`; 1 before any work).
    pub overhead_factor: f64,
    /// Utilisation (busy worker-seconds over the machine's worker-seconds) above which the
    /// dedicated machine is cheaper.
    pub break_even_utilisation: f64,
    /// Utilisation so far.
    pub utilisation: f64,
    /// What the workers so far cost billed per second.
    pub serverless_cost: f64,
    /// What a dedicated machine would have cost over the same time.
    pub dedicated_cost: f64,
    /// `serverless` or `dedicated`: the cheaper at the utilisation so far.
    pub cheaper: String,
}

/// `POST /v1/batches`: one job and N variants of it, each a JSON merge patch (RFC 7396)
/// applied to the job, e.g. `{"params": {"period": {"start_month": 6}}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchRequest {
    /// The job every variant starts from, scene included (sent once).
    pub job: serde_json::Value,
    /// The variants, in order; results keep this order.
    pub variants: Vec<serde_json::Value>,
}

/// A batch and where its jobs are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchStatus {
    /// Batch id.
    pub id: String,
    /// Accepted at, ms since the Unix epoch.
    pub created_unix_ms: u64,
    /// The job of each variant, in variant order.
    pub jobs: Vec<String>,
    /// Jobs per state.
    pub counts: BatchCounts,
}

/// Jobs of a batch per state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BatchCounts {
    /// Waiting.
    pub queued: u64,
    /// Running.
    pub running: u64,
    /// Done with a result.
    pub succeeded: u64,
    /// Done without one.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
}

/// A server-sent event on `GET /v1/batches/{id}/events`: one variant's job ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchEvent {
    /// Index of the variant.
    pub variant: u32,
    /// Its job.
    pub job: String,
    /// How it ended.
    pub state: JobState,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

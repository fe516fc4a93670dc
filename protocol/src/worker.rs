//! Messages between the service and its worker processes, one JSON document per line on the
//! worker's stdin (commands) and stdout (reports). The worker reads job payloads, blobs and
//! writes results through the shared data directory; the pipe carries only control.

use serde::{Deserialize, Serialize};

/// From the service to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerCommand {
    /// Run the stored job `job_id`; it has waited `queue_secs` for a worker.
    Run {
        /// The job to run.
        job_id: String,
        /// Time from acceptance to this assignment.
        queue_secs: f64,
        /// The job's content key, as the service computed it at acceptance.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// The key of its prepared scene, likewise (saves the worker hashing the scene).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scene: Option<String>,
    },
    /// Stop job `job_id` if it is the one running; the worker stays up.
    Cancel {
        /// The job.
        job_id: String,
    },
}

/// How a job's prepared scene (tessellation, BVH) was obtained by its worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SceneStart {
    /// The worker held it from an earlier job (hot).
    Held,
    /// Restored from its snapshot file (warm).
    Snapshot,
    /// Built from the inputs (cold); its snapshot was written.
    Built,
}

/// From a worker to the service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerReport {
    /// The worker is up and waiting for work.
    Ready {
        /// Process id of the worker.
        pid: u32,
        /// Backend it runs kernels on.
        backend: String,
        /// Device of that backend.
        device: String,
        /// Memory of that device, in bytes, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        memory_bytes: Option<u64>,
    },
    /// Progress of the job it is running.
    Progress {
        /// The job.
        job_id: String,
        /// Fraction done, 0 to 1.
        fraction: f32,
        /// What it is doing.
        stage: String,
    },
    /// The job finished and its result is stored under its key.
    Done {
        /// The job.
        job_id: String,
        /// True when an identical job's stored result answered it.
        cached: bool,
        /// Seconds spent preparing (loading, decoding, lowering).
        prepare_secs: f64,
        /// Seconds spent in the kernel.
        compute_secs: f64,
        /// The prepared scene the job used and how it was obtained, for jobs that have one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scene: Option<(String, SceneStart)>,
        /// Scene keys the worker holds in memory now.
        #[serde(default)]
        held: Vec<String>,
    },
    /// The job failed in a way a retry will not fix (bad geometry, a kernel error).
    Failed {
        /// The job.
        job_id: String,
        /// Why, for the user.
        error: String,
    },
}

//! What the in-process job tests share: a job decoded from its JSON, run in this process
//! on a backend (no blob store, default limits, no progress).

#![allow(dead_code)]

use cicada_compute::{Backend, NoProgress};
use cicada_protocol::{Format, Job, JobResult, Limits, decode_job};
use cicada_sched::execute::{JobError, NoBlobs, run_job};

/// The job a JSON value describes.
pub fn job(value: &serde_json::Value) -> Job {
    let bytes = serde_json::to_vec(value).expect("JSON");
    decode_job(&bytes, Format::Json).expect("a valid job")
}

/// Runs `job` on `backend`.
pub fn run(job: &Job, backend: &Backend) -> Result<JobResult, JobError> {
    run_job(job, "t", &NoBlobs, &Limits::default(), backend, &NoProgress)
}

/// Runs the job a JSON value describes on the CPU.
pub fn run_json(value: &serde_json::Value) -> Result<JobResult, JobError> {
    run(&job(value), &Backend::cpu())
}

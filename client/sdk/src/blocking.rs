//! The blocking client: the async client driven by a private single-threaded runtime, for
//! scripts, the CLI and the C ABI.

use std::time::Duration;

use cicada_protocol::{
    BatchEvent, BatchRequest, BatchStatus, BlobHash, Health, Job, JobResult, JobStatus, Usage,
    WorkersView,
};

use crate::{BlobUpload, ClientConfig, ClientError, RunOutcome};

/// A blocking client; each call runs to completion on the calling thread.
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// A client for the service at `base_url` with default settings.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        Self::with_config(ClientConfig::new(base_url))
    }

    /// A client with explicit settings.
    pub fn with_config(config: ClientConfig) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::Transport(format!("starting the client runtime: {e}")))?;
        Ok(Client {
            inner: crate::Client::with_config(config)?,
            runtime,
        })
    }

    /// The async client underneath.
    pub fn inner(&self) -> &crate::Client {
        &self.inner
    }

    /// `GET /healthz`.
    pub fn health(&self) -> Result<Health, ClientError> {
        self.runtime.block_on(self.inner.health())
    }

    /// True when the service holds blob `hash`.
    pub fn has_blob(&self, hash: &BlobHash) -> Result<bool, ClientError> {
        self.runtime.block_on(self.inner.has_blob(hash))
    }

    /// Uploads `bytes` as a blob unless the service already has it.
    pub fn upload_blob(&self, bytes: Vec<u8>) -> Result<BlobUpload, ClientError> {
        self.runtime.block_on(self.inner.upload_blob(bytes))
    }

    /// Replaces large inline scenes by uploaded blobs.
    pub fn offload_inputs(&self, job: &mut Job) -> Result<Vec<BlobUpload>, ClientError> {
        self.runtime.block_on(self.inner.offload_inputs(job))
    }

    /// Submits a job.
    pub fn submit(&self, job: &Job) -> Result<JobStatus, ClientError> {
        self.runtime.block_on(self.inner.submit(job))
    }

    /// A job's status.
    pub fn status(&self, id: &str) -> Result<JobStatus, ClientError> {
        self.runtime.block_on(self.inner.status(id))
    }

    /// A finished job's result.
    pub fn result(&self, id: &str) -> Result<JobResult, ClientError> {
        self.runtime.block_on(self.inner.result(id))
    }

    /// Cancels a job.
    pub fn cancel(&self, id: &str) -> Result<JobStatus, ClientError> {
        self.runtime.block_on(self.inner.cancel(id))
    }

    /// Submits and waits up to `wait` on the service.
    pub fn run(&self, job: &Job, wait: Duration) -> Result<RunOutcome, ClientError> {
        self.runtime.block_on(self.inner.run(job, wait))
    }

    /// The worker pool.
    pub fn workers(&self) -> Result<WorkersView, ClientError> {
        self.runtime.block_on(self.inner.workers())
    }

    /// Usage since the service started.
    pub fn usage(&self) -> Result<Usage, ClientError> {
        self.runtime.block_on(self.inner.usage())
    }

    /// Submits a batch.
    pub fn submit_batch(&self, request: &BatchRequest) -> Result<BatchStatus, ClientError> {
        self.runtime.block_on(self.inner.submit_batch(request))
    }

    /// A batch's status.
    pub fn batch(&self, id: &str) -> Result<BatchStatus, ClientError> {
        self.runtime.block_on(self.inner.batch(id))
    }

    /// Follows a batch until every variant has ended, calling `on_end` for each. `on_end`
    /// runs outside the client's runtime, so it may call the client (to fetch a result).
    pub fn follow_batch(
        &self,
        id: &str,
        mut on_end: impl FnMut(BatchEvent),
    ) -> Result<(), ClientError> {
        let mut events = self.runtime.block_on(self.inner.batch_events(id))?;
        while let Some(e) = self.runtime.block_on(events.next())? {
            on_end(e);
        }
        Ok(())
    }

    /// Polls until the job ends, calling `on_change` on each change.
    pub fn wait(
        &self,
        id: &str,
        on_change: impl FnMut(&JobStatus),
    ) -> Result<JobStatus, ClientError> {
        self.runtime.block_on(self.inner.wait(id, on_change))
    }
}

//! Route handlers, one module per resource.

pub mod batches;
pub mod blobs;
pub mod jobs;
pub mod system;

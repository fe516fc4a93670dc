//! Route handlers, one module per resource.

pub mod blobs;
pub mod jobs;
pub mod system;

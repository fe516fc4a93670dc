//! Cicada's scheduling layer: the embedded store, the run loop that owns the queue and the
//! worker processes, the worker's own loop, and the one module that converts wire types to
//! domain types (`lower`).
//!
//! Architecture invariant: nothing here knows HTTP; the service crate calls in.

pub mod clash;
pub mod execute;
pub mod intersect;
pub mod lower;
pub mod metrics;
pub mod scene_objects;
pub mod scenes;
pub mod scheduler;
pub mod snapshot;
pub mod store;
pub mod structural;
pub mod sunlight;
pub mod worker;

pub use metrics::Metrics;
pub use scheduler::{CancelError, Scheduler, SchedulerConfig};
pub use store::{Files, Store, StoreError};

/// Milliseconds since the Unix epoch, now.
pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

//! Cicada's analysis kernels: pure functions over domain types from `cicada-geom`.
//!
//! Architecture invariant: kernels do no I/O and know nothing of the wire format; progress
//! and cancellation reach them through [`Progress`], and bad geometry comes back in their
//! reports, never as a panic.

pub mod backend;
pub mod clash;
pub mod intersect;
pub mod mesh_check;
pub mod progress;
pub mod raycast;
pub mod structural;
pub mod sunlight;
pub mod tessellate;

pub use backend::{Backend, BackendError};
pub use cicada_gpu::device_for_test;
pub use progress::{Cancelled, NoProgress, Progress};

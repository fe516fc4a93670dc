//! How a running kernel reports progress and learns that it should stop.

/// The kernel was asked to stop before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// A sink for progress that can also ask the kernel to stop. Kernels call it between units
/// of work (a mesh, a batch of rays), so both calls must be cheap.
pub trait Progress: Sync {
    /// The kernel has done `fraction` (0 to 1) of its work and is now at `stage`.
    fn report(&self, fraction: f32, stage: &str);

    /// True once the job has been cancelled; the kernel returns [`Cancelled`] soon after.
    fn is_cancelled(&self) -> bool {
        false
    }

    /// `Err(Cancelled)` once cancelled, for use with `?` at loop boundaries.
    fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Progress that goes nowhere and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _: f32, _: &str) {}
}

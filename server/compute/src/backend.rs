//! The compute backends a worker can run kernels on: `cpu`, the reference every kernel has,
//! and `wgpu` (WGSL compute shaders on Vulkan) for the kernels that have a GPU version (ray
//! traversal so far). A kernel without a GPU version runs on the CPU whatever the backend.

use std::sync::Arc;

use cicada_gpu::{Gpu, GpuError};

/// A compute backend, opened once per worker.
#[derive(Clone, Default)]
pub struct Backend {
    gpu: Option<Arc<Gpu>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backend({}: {})", self.name(), self.device())
    }
}

/// Why a backend could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The name is not one of `cpu`, `wgpu`, `cuda`, `auto`.
    #[error("unknown backend '{0}' (choose cpu, wgpu, cuda or auto)")]
    Unknown(String),
    /// The backend exists but this machine cannot run it.
    #[error("{backend}: {reason}")]
    Unavailable {
        /// Which backend.
        backend: &'static str,
        /// Why, in the driver's words.
        reason: String,
    },
}

impl Backend {
    /// The CPU reference backend.
    pub fn cpu() -> Backend {
        Backend { gpu: None }
    }

    /// Opens a backend by name: `cpu`; `wgpu` (fails cleanly without a Vulkan driver);
    /// `auto` (`wgpu` when a Vulkan device is there, else `cpu`); `cuda` is not in this
    /// build yet and says so.
    pub fn open(name: &str) -> Result<Backend, BackendError> {
        match name {
            "cpu" => Ok(Backend::cpu()),
            "wgpu" => Gpu::new()
                .map(|g| Backend {
                    gpu: Some(Arc::new(g)),
                })
                .map_err(|e| BackendError::Unavailable {
                    backend: "wgpu",
                    reason: match e {
                        GpuError::Unavailable(r) => r,
                        other => other.to_string(),
                    },
                }),
            "auto" => Ok(Backend::open("wgpu").unwrap_or_else(|_| Backend::cpu())),
            "cuda" => Err(BackendError::Unavailable {
                backend: "cuda",
                reason: "the cuda backend is not in this build yet".into(),
            }),
            other => Err(BackendError::Unknown(other.to_string())),
        }
    }

    /// The backend's name on the wire (`cpu`, `wgpu`).
    pub fn name(&self) -> &'static str {
        if self.gpu.is_some() { "wgpu" } else { "cpu" }
    }

    /// A description of the device it runs on, e.g. `x86_64, 2 threads` or a GPU's name.
    pub fn device(&self) -> String {
        match &self.gpu {
            Some(g) => g.device_name(),
            None => format!(
                "{}, {} threads",
                std::env::consts::ARCH,
                rayon::current_num_threads()
            ),
        }
    }

    /// The GPU, for kernels that have a GPU version.
    pub fn gpu(&self) -> Option<&Gpu> {
        self.gpu.as_deref()
    }
}

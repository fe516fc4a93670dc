//! The compute backends a worker can run kernels on: `cpu`, the reference every kernel has;
//! `wgpu` (WGSL compute shaders on Vulkan) and `cuda` (CUDA C++ compiled by NVRTC) for the
//! kernels that have a GPU version (ray traversal so far). A kernel without a GPU version
//! runs on the CPU whatever the backend.

use std::sync::Arc;

use std::sync::Mutex;

use cicada_geom::bvh::Bvh;
use cicada_gpu::{Cuda, Device, Gpu, GpuError, Scene};

/// A compute backend, opened once per worker.
#[derive(Clone, Default)]
pub struct Backend {
    gpu: Option<Arc<Device>>,
    /// Hierarchies on the GPU by [`Bvh::id`], most recently used last: a worker that holds
    /// a scene keeps its device buffers too.
    uploads: Arc<Mutex<Vec<KeptUpload>>>,
}

/// A hierarchy's id and its upload.
type KeptUpload = (u64, Arc<Scene>);

/// Uploads a backend keeps on its GPU.
const KEPT_UPLOADS: usize = 4;

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
        Backend::default()
    }

    /// Opens a backend by name: `cpu`; `wgpu` (fails cleanly without a Vulkan driver);
    /// `cuda` (fails cleanly without the CUDA driver, or without NVRTC when no compiled
    /// kernel is cached: see [`cicada_gpu::default_cache_dir`]); `auto` (cuda, else
    /// a real Vulkan GPU, else `cpu`: a software Vulkan device is slower than the CPU
    /// reference, so `auto` never picks one).
    pub fn open(name: &str) -> Result<Backend, BackendError> {
        Backend::open_on(name, 0)
    }

    /// Devices of backend `name` on this machine: GPUs for `cuda` and `wgpu` (for `auto`,
    /// those of the backend it would pick), 1 for `cpu`. A pool runs one worker per device.
    pub fn device_count(name: &str) -> usize {
        match name {
            "cuda" => Cuda::count(),
            "wgpu" => Gpu::count(),
            "auto" => match Cuda::count() {
                0 => Gpu::count().max(1),
                n => n,
            },
            _ => 1,
        }
    }

    /// As [`Backend::open`], on device `ordinal` of a machine with several (GPU backends;
    /// `cpu` has one).
    pub fn open_on(name: &str, ordinal: usize) -> Result<Backend, BackendError> {
        let unavailable = |backend: &'static str| {
            move |e: GpuError| BackendError::Unavailable {
                backend,
                reason: match e {
                    GpuError::Unavailable(r) => r,
                    other => other.to_string(),
                },
            }
        };
        let with = |device: Device| Backend {
            gpu: Some(Arc::new(device)),
            uploads: Arc::default(),
        };
        match name {
            "cpu" => Ok(Backend::cpu()),
            "wgpu" => Gpu::open(ordinal, cicada_gpu::default_cache_dir().as_deref())
                .map(|g| with(Device::Wgpu(Box::new(g))))
                .map_err(unavailable("wgpu")),
            "cuda" => Cuda::open(ordinal, cicada_gpu::default_cache_dir().as_deref())
                .map(|c| Device::Cuda(Box::new(c)))
                .map(with)
                .map_err(unavailable("cuda")),
            "auto" => Ok(Backend::open_on("cuda", ordinal)
                .ok()
                .or_else(|| {
                    Gpu::open(ordinal, cicada_gpu::default_cache_dir().as_deref())
                        .ok()
                        .filter(|g| !g.is_software())
                        .map(|g| with(Device::Wgpu(Box::new(g))))
                })
                .unwrap_or_else(Backend::cpu)),
            other => Err(BackendError::Unknown(other.to_string())),
        }
    }

    /// The backend's name on the wire (`cpu`, `wgpu`, `cuda`).
    pub fn name(&self) -> &'static str {
        self.gpu.as_deref().map_or("cpu", Device::backend)
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

    /// Memory of the device, in bytes, where known: the GPU's, or the machine's for `cpu`.
    pub fn memory_bytes(&self) -> Option<u64> {
        match &self.gpu {
            Some(g) => g.memory_bytes(),
            None => system_memory_bytes(),
        }
    }

    /// `bvh` on this backend's GPU: the kept upload when it is there, else uploaded now and
    /// kept (the oldest of [`KEPT_UPLOADS`] dropped). `None` without a GPU, or when the
    /// device cannot take the tree (the caller then runs on the CPU).
    pub fn upload(&self, bvh: &Bvh) -> Option<Arc<Scene>> {
        let device = self.gpu.as_deref()?;
        if let Ok(mut kept) = self.uploads.lock()
            && let Some(at) = kept.iter().position(|(id, _)| *id == bvh.id())
        {
            let entry = kept.remove(at);
            let scene = entry.1.clone();
            kept.push(entry);
            return Some(scene);
        }
        let scene = Arc::new(device.upload(bvh).ok()?);
        if let Ok(mut kept) = self.uploads.lock() {
            kept.push((bvh.id(), scene.clone()));
            while kept.len() > KEPT_UPLOADS {
                kept.remove(0);
            }
        }
        Some(scene)
    }

    /// The GPU, for kernels that have a GPU version.
    pub fn gpu(&self) -> Option<&Device> {
        self.gpu.as_deref()
    }
}

/// The machine's memory from `/proc/meminfo` (Linux); `None` elsewhere.
fn system_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_geom::Point3;

    #[test]
    fn a_hierarchy_is_uploaded_once_and_kept() {
        let Some(backend) = cicada_gpu::device_for_test(Backend::open("wgpu")) else {
            return;
        };
        let tri = |z: f64| {
            [
                Point3::new(0.0, 0.0, z),
                Point3::new(1.0, 0.0, z),
                Point3::new(0.0, 1.0, z),
            ]
        };
        let a = Bvh::new(&[tri(0.0), tri(1.0)]);
        let first = backend.upload(&a).unwrap();
        // The same hierarchy (or a copy of it) gets the kept upload; another gets its own.
        assert!(Arc::ptr_eq(&first, &backend.upload(&a).unwrap()));
        assert!(Arc::ptr_eq(&first, &backend.upload(&a.clone()).unwrap()));
        let b = Bvh::new(&[tri(0.0), tri(1.0)]);
        assert!(!Arc::ptr_eq(&first, &backend.upload(&b).unwrap()));
        // Past the limit the oldest goes.
        for _ in 0..KEPT_UPLOADS {
            backend.upload(&Bvh::new(&[tri(2.0)])).unwrap();
        }
        assert!(!Arc::ptr_eq(&first, &backend.upload(&a).unwrap()));
        assert!(Backend::cpu().upload(&a).is_none());
    }
}

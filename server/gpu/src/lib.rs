//! Cicada's GPU kernels: BVH ray traversal over the flat binary node array of
//! `cicada_geom::bvh`, in WGSL on wgpu (Vulkan) and in CUDA C++ through cudarc (driver and
//! NVRTC loaded at run time). Both backends upload the same bytes and share every host-side
//! decision (`layout`); [`Device`] is either one behind one interface.
//!
//! Kernels work in f32 relative to the hierarchy's local origin; the CPU reference works in
//! f64 on the same tree, so the two agree except for rays through triangle edges, which each
//! decides in its own precision (counted in the parity tests).

pub mod cuda;
mod layout;
pub mod pcg;
mod sealed;
pub mod tri_pairs;
mod vulkan;

use std::path::PathBuf;

pub use cuda::{Cuda, CudaScene};
pub use layout::GpuHit;
pub use vulkan::{Gpu, GpuPcg, GpuScene};

/// A ray for the GPU: the same as the CPU's.
pub type GpuRay = cicada_geom::bvh::Ray;

/// Why a GPU backend cannot run.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter or device of this kind on this machine.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// The device failed while running.
    #[error("device error: {0}")]
    Device(String),
    /// The tree is deeper than the kernel's traversal stack.
    #[error("the BVH is {depth} levels deep; the GPU traversal stack holds 64")]
    TooDeep {
        /// Depth of the tree.
        depth: usize,
    },
}

/// What a test does when a device it needs cannot be opened: `None` (the test skips,
/// saying why) when `CICADA_SKIP_GPU_TESTS` is set, else a panic that names the missing
/// install, so CI never passes a GPU test by not running it.
pub fn device_for_test<T, E: std::fmt::Display>(opened: Result<T, E>) -> Option<T> {
    match opened {
        Ok(device) => Some(device),
        Err(e) if std::env::var_os("CICADA_SKIP_GPU_TESTS").is_some() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e} (install mesa-vulkan-drivers, or set CICADA_SKIP_GPU_TESTS)"),
    }
}

/// How a device's kernels were made ready when it was opened.
#[derive(Clone, Debug)]
pub struct KernelLoad {
    /// Whether the compiled kernels came from the on-disk cache.
    pub from_cache: bool,
    /// Seconds from opening the device to kernels ready.
    pub seconds: f64,
    /// The file the compiled kernels are kept in, when there is a cache.
    pub cache_file: Option<PathBuf>,
}

/// Where compiled kernels are kept between workers: `CICADA_KERNEL_CACHE`, else
/// `$XDG_CACHE_HOME/cicada/kernels`, else `~/.cache/cicada/kernels`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CICADA_KERNEL_CACHE") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("cicada").join("kernels"))
}

/// A GPU a worker runs its ray kernels on: wgpu or CUDA.
pub enum Device {
    /// WGSL on a Vulkan device.
    Wgpu(Box<Gpu>),
    /// CUDA C++ on an NVIDIA device.
    Cuda(Box<Cuda>),
}

/// A hierarchy uploaded to a [`Device`].
pub enum Scene {
    /// On a wgpu device.
    Wgpu(GpuScene),
    /// On a CUDA device.
    Cuda(CudaScene),
}

fn foreign() -> GpuError {
    GpuError::Device("the scene was uploaded to another device".into())
}

impl Device {
    /// The backend's name on the wire: `wgpu` or `cuda`.
    pub fn backend(&self) -> &'static str {
        match self {
            Device::Wgpu(_) => "wgpu",
            Device::Cuda(_) => "cuda",
        }
    }

    /// How the device's kernels were made ready.
    pub fn kernel_load(&self) -> &KernelLoad {
        match self {
            Device::Wgpu(g) => g.kernel_load(),
            Device::Cuda(c) => c.kernel_load(),
        }
    }

    /// The device's memory in bytes, where the API tells it (CUDA does, wgpu does not).
    pub fn memory_bytes(&self) -> Option<u64> {
        match self {
            Device::Wgpu(_) => None,
            Device::Cuda(c) => Some(c.memory_bytes()),
        }
    }

    /// The device's name and driver.
    pub fn device_name(&self) -> String {
        match self {
            Device::Wgpu(g) => g.device_name(),
            Device::Cuda(c) => c.device_name(),
        }
    }

    /// Solves `system x = b` by preconditioned conjugate gradients on this device.
    pub fn pcg(
        &self,
        system: &pcg::PcgSystem,
        b: &[f64],
        tolerance: f64,
        max_iterations: usize,
    ) -> Result<pcg::PcgRun, GpuError> {
        match self {
            Device::Wgpu(g) => g.pcg(system, b, tolerance, max_iterations),
            Device::Cuda(c) => c.pcg(system, b, tolerance, max_iterations),
        }
    }

    /// Classifies triangle pairs (`tri_pairs::PAIR_DOUBLES` doubles each) with the
    /// floating-point contact filter: one `tri_pairs::code` per pair.
    pub fn classify_triangle_pairs(&self, coords: &[f64]) -> Result<Vec<u32>, GpuError> {
        match self {
            Device::Wgpu(g) => g.classify_triangle_pairs(coords),
            Device::Cuda(c) => c.classify_triangle_pairs(coords),
        }
    }

    /// Uploads `bvh` for ray queries on this device.
    pub fn upload(&self, bvh: &cicada_geom::bvh::Bvh) -> Result<Scene, GpuError> {
        Ok(match self {
            Device::Wgpu(g) => Scene::Wgpu(g.upload(bvh)?),
            Device::Cuda(c) => Scene::Cuda(c.upload(bvh)?),
        })
    }

    /// Traces `rays` against `scene`: the nearest hit of each, or with `any_hit` whichever
    /// hit the kernel finds first.
    pub fn trace(
        &self,
        scene: &Scene,
        rays: &[GpuRay],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        match (self, scene) {
            (Device::Wgpu(g), Scene::Wgpu(s)) => g.trace(s, rays, any_hit),
            (Device::Cuda(c), Scene::Cuda(s)) => c.trace(s, rays, any_hit),
            _ => Err(foreign()),
        }
    }

    /// Which of `directions` each sensor sees (see [`Gpu::sun_bits`]).
    pub fn sun_bits(
        &self,
        scene: &Scene,
        sensors: &[(cicada_geom::Point3, cicada_geom::Vector3)],
        directions: &[[f64; 3]],
    ) -> Result<Vec<u32>, GpuError> {
        match (self, scene) {
            (Device::Wgpu(g), Scene::Wgpu(s)) => g.sun_bits(s, sensors, directions),
            (Device::Cuda(c), Scene::Cuda(s)) => c.sun_bits(s, sensors, directions),
            _ => Err(foreign()),
        }
    }
}

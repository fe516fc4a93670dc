//! Cicada's GPU kernels through wgpu (Vulkan): BVH ray traversal in WGSL, over the flat
//! binary node array of `cicada_geom::bvh` uploaded as it is.
//!
//! Kernels work in f32 relative to the hierarchy's local origin; the CPU reference works in
//! f64 on the same tree, so the two agree except for rays through triangle edges, which each
//! decides in its own precision (counted in the parity tests).

mod rays;

pub use rays::{GpuHit, GpuRay, GpuScene};

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

/// A wgpu device ready for Cicada's kernels.
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    rays: rays::RayPipeline,
}

impl Gpu {
    /// Opens the first Vulkan adapter (a real GPU before a software one), or says why
    /// there is none.
    pub fn new() -> Result<Gpu, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(desc);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Unavailable(format!("no Vulkan adapter ({e})")))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cicada"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Unavailable(format!("{}: {e}", info.name)))?;
        let rays = rays::RayPipeline::new(&device);
        Ok(Gpu {
            device,
            queue,
            info,
            limits,
            rays,
        })
    }

    /// The device's name and driver, e.g. `llvmpipe (LLVM 15.0.6, 256 bits), Mesa 22.3.6`.
    pub fn device_name(&self) -> String {
        format!("{}, {}", self.info.name, self.info.driver_info)
    }

    /// The largest buffer one storage binding may cover on this device (or the lower cap
    /// set with [`Self::cap_binding_bytes`]).
    pub fn max_binding_bytes(&self) -> u64 {
        self.limits.max_storage_buffer_binding_size
    }

    /// Uploads scenes as if a binding held at most `bytes`: to keep a device's memory for
    /// other work, and to rehearse how large scenes are split on a small one.
    pub fn cap_binding_bytes(&mut self, bytes: u64) {
        self.limits.max_storage_buffer_binding_size =
            self.limits.max_storage_buffer_binding_size.min(bytes);
    }
}

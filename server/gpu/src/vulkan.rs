//! The wgpu (Vulkan) backend: the WGSL kernels compiled once per device, parts of a scene
//! as storage buffers, one submission per launch.

// Handing cached pipeline data back to the driver is `unsafe` in wgpu; the one use says why
// it is sound.
#![allow(unsafe_code)]

use std::path::Path;
use std::time::Instant;

use cicada_geom::bvh::{Bvh, Ray};
use wgpu::util::DeviceExt;

use crate::layout::{self, HitOut, Kernels, Params, PartArrays, SensorIn, SunParams, WORKGROUP};
use crate::{GpuError, GpuHit};

/// A wgpu device ready for Cicada's kernels.
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    rays: RayPipeline,
    load: crate::KernelLoad,
}

impl Gpu {
    /// Opens the first Vulkan adapter (a real GPU before a software one), or says why
    /// there is none; compiles the kernels with no pipeline cache.
    pub fn new() -> Result<Gpu, GpuError> {
        Gpu::with_cache(None)
    }

    /// As [`Gpu::new`], keeping the driver's compiled pipelines in `cache` (a directory)
    /// where the device supports pipeline caches, so the next worker skips the compile.
    pub fn with_cache(cache: Option<&Path>) -> Result<Gpu, GpuError> {
        Gpu::open(0, cache)
    }

    /// The Vulkan adapters of this machine, hardware GPUs first (in the driver's order),
    /// then software ones.
    fn adapters() -> Vec<wgpu::Adapter> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(desc);
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::VULKAN));
        adapters.sort_by_key(|a| a.get_info().device_type == wgpu::DeviceType::Cpu);
        adapters
    }

    /// Hardware Vulkan GPUs on this machine (one worker each); 1 when only a software
    /// device is there, 0 when there is no Vulkan at all.
    pub fn count() -> usize {
        let adapters = Gpu::adapters();
        let hardware = adapters
            .iter()
            .filter(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
            .count();
        if hardware > 0 {
            hardware
        } else {
            adapters.len().min(1)
        }
    }

    /// Opens Vulkan adapter `ordinal` (hardware GPUs first), with the pipeline cache in
    /// `cache`, or says why it cannot.
    pub fn open(ordinal: usize, cache: Option<&Path>) -> Result<Gpu, GpuError> {
        let start = Instant::now();
        let mut adapters = Gpu::adapters();
        if adapters.is_empty() {
            return Err(GpuError::Unavailable("no Vulkan adapter".into()));
        }
        if ordinal >= adapters.len() {
            return Err(GpuError::Unavailable(format!(
                "no Vulkan adapter {ordinal}: this machine has {}",
                adapters.len()
            )));
        }
        let adapter = adapters.swap_remove(ordinal);
        let info = adapter.get_info();
        let limits = adapter.limits();
        let cache_file = cache
            .filter(|_| adapter.features().contains(wgpu::Features::PIPELINE_CACHE))
            .and_then(|dir| {
                wgpu::util::pipeline_cache_key(&info).map(|key| dir.join(format!("{key}.bin")))
            });
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("cicada"),
            required_limits: limits.clone(),
            required_features: if cache_file.is_some() {
                wgpu::Features::PIPELINE_CACHE
            } else {
                wgpu::Features::empty()
            },
            ..Default::default()
        }))
        .map_err(|e| GpuError::Unavailable(format!("{}: {e}", info.name)))?;
        let stored = cache_file.as_deref().and_then(crate::sealed::read);
        let pipeline_cache = cache_file.as_ref().map(|_| {
            // SAFETY: `stored` is exactly what `get_data` returned on an adapter with the
            // same cache key: the file is sealed with its BLAKE3 hash, and a file that
            // fails the seal is not passed. `fallback` lets the driver ignore stale data.
            unsafe {
                device.create_pipeline_cache(&wgpu::PipelineCacheDescriptor {
                    label: Some("cicada kernels"),
                    data: stored.as_deref(),
                    fallback: true,
                })
            }
        });
        let rays = RayPipeline::new(&device, pipeline_cache.as_ref());
        if let (Some(file), Some(data)) = (
            &cache_file,
            pipeline_cache.as_ref().and_then(|c| c.get_data()),
        ) && stored.as_deref() != Some(&data[..])
            && let Err(e) = crate::sealed::write(file, &data)
        {
            tracing::warn!("pipeline cache {}: {e}", file.display());
        }
        Ok(Gpu {
            device,
            queue,
            info,
            limits,
            rays,
            load: crate::KernelLoad {
                from_cache: stored.is_some(),
                seconds: start.elapsed().as_secs_f64(),
                cache_file,
            },
        })
    }

    /// How the kernels were made ready when the device was opened.
    pub fn kernel_load(&self) -> &crate::KernelLoad {
        &self.load
    }

    /// The device's name and driver, e.g. `llvmpipe (LLVM 15.0.6, 256 bits), Mesa 22.3.6`.
    pub fn device_name(&self) -> String {
        format!("{}, {}", self.info.name, self.info.driver_info)
    }

    /// Whether the device is a software rasteriser on the CPU (lavapipe, llvmpipe): right for
    /// testing the kernels, slower than the CPU reference for real work.
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
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

/// What a binding of a kernel holds.
#[derive(Clone, Copy)]
enum Slot {
    Read,
    Write,
    Uniform,
}

/// A compiled kernel and its binding layout.
pub(crate) struct Kernel {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

impl Kernel {
    /// Compiles `entry` of the traversal functions plus `source`; bindings 0 and 1 are the
    /// tree's nodes and triangles, then `slots` in order.
    fn new(
        device: &wgpu::Device,
        cache: Option<&wgpu::PipelineCache>,
        source: &str,
        entry: &str,
        slots: &[Slot],
    ) -> Kernel {
        let text = format!("{}\n{source}", include_str!("traverse.wgsl"));
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(entry),
            source: wgpu::ShaderSource::Wgsl(text.into()),
        });
        let entries: Vec<wgpu::BindGroupLayoutEntry> = [Slot::Read, Slot::Read]
            .iter()
            .chain(slots)
            .enumerate()
            .map(|(binding, slot)| wgpu::BindGroupLayoutEntry {
                binding: binding as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match slot {
                        Slot::Read => wgpu::BufferBindingType::Storage { read_only: true },
                        Slot::Write => wgpu::BufferBindingType::Storage { read_only: false },
                        Slot::Uniform => wgpu::BufferBindingType::Uniform,
                    },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(entry),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(entry),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache,
        });
        Kernel { layout, pipeline }
    }
}

/// The ray kernels of a device.
pub(crate) struct RayPipeline {
    rays: Kernel,
    suns: Kernel,
}

impl RayPipeline {
    pub(crate) fn new(device: &wgpu::Device, cache: Option<&wgpu::PipelineCache>) -> RayPipeline {
        RayPipeline {
            rays: Kernel::new(
                device,
                cache,
                include_str!("rays_entry.wgsl"),
                "trace",
                &[Slot::Read, Slot::Write, Slot::Uniform],
            ),
            suns: Kernel::new(
                device,
                cache,
                include_str!("suns_entry.wgsl"),
                "sun_bits",
                &[Slot::Read, Slot::Read, Slot::Write, Slot::Uniform],
            ),
        }
    }
}

/// A hierarchy uploaded to a wgpu device (see [`Gpu::upload`]).
pub struct GpuScene(pub(crate) layout::Uploaded<Part>);

impl GpuScene {
    /// Number of subtrees the scene was uploaded as (1 unless it outgrew a binding).
    pub fn parts(&self) -> usize {
        self.0.parts.len()
    }
}

/// One subtree on the device.
pub(crate) struct Part {
    nodes: wgpu::Buffer,
    triangles: wgpu::Buffer,
}

impl Gpu {
    /// Uploads `bvh` for ray queries; a tree too large for one storage binding goes up as
    /// subtrees that each fit, traced one after the other with their hits merged.
    pub fn upload(&self, bvh: &Bvh) -> Result<GpuScene, GpuError> {
        layout::upload(self, bvh).map(GpuScene)
    }

    /// Traces `rays` against `scene`: the nearest hit of each, or with `any_hit` whichever
    /// hit the kernel finds first.
    pub fn trace(
        &self,
        scene: &GpuScene,
        rays: &[Ray],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        layout::trace(self, &scene.0, rays, any_hit)
    }

    /// Which of `directions` each sensor (position, unit normal) sees: per sensor
    /// `ceil(directions / 32)` words, bit `k % 32` of word `k / 32` set when direction `k`
    /// is at most 90° from the normal and nothing in `scene` lies along it. One invocation
    /// per (sensor, word), so a workgroup traces one direction at a time.
    pub fn sun_bits(
        &self,
        scene: &GpuScene,
        sensors: &[(cicada_geom::Point3, cicada_geom::Vector3)],
        directions: &[[f64; 3]],
    ) -> Result<Vec<u32>, GpuError> {
        layout::sun_bits(self, &scene.0, sensors, directions)
    }
}

impl Kernels for Gpu {
    type Part = Part;

    fn max_binding_bytes(&self) -> u64 {
        Gpu::max_binding_bytes(self)
    }

    fn load(&self, part: &PartArrays) -> Result<Part, GpuError> {
        let buffer = |label: &str, contents: &[u8]| {
            self.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents,
                    usage: wgpu::BufferUsages::STORAGE,
                })
        };
        Ok(Part {
            nodes: buffer("bvh nodes", bytemuck::cast_slice(&part.nodes)),
            triangles: buffer("bvh triangles", bytemuck::cast_slice(&part.triangles)),
        })
    }

    fn rays(
        &self,
        part: &Part,
        rays: &[layout::RayIn],
        params: &Params,
    ) -> Result<Vec<HitOut>, GpuError> {
        let bytes = self.run(
            &self.rays.rays,
            part,
            &[bytemuck::cast_slice(rays)],
            (rays.len() * std::mem::size_of::<HitOut>()) as u64,
            bytemuck::bytes_of(params),
            ((rays.len() as u32).div_ceil(WORKGROUP), 1),
        )?;
        // A byte vector promises no alignment: copy into typed storage rather than cast.
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }

    fn suns(
        &self,
        part: &Part,
        sensors: &[SensorIn],
        suns: &[[f32; 4]],
        params: &SunParams,
    ) -> Result<Vec<u32>, GpuError> {
        let bytes = self.run(
            &self.rays.suns,
            part,
            &[bytemuck::cast_slice(sensors), bytemuck::cast_slice(suns)],
            (sensors.len() * params.words as usize * 4) as u64,
            bytemuck::bytes_of(params),
            ((sensors.len() as u32).div_ceil(WORKGROUP), params.words),
        )?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }
}

impl Gpu {
    /// Runs `kernel` over `part` with the extra read-only `inputs` (bindings 2…), an output
    /// of `output_bytes` and a uniform block; returns the output.
    fn run(
        &self,
        kernel: &Kernel,
        part: &Part,
        inputs: &[&[u8]],
        output_bytes: u64,
        uniform: &[u8],
        groups: (u32, u32),
    ) -> Result<Vec<u8>, GpuError> {
        let device = &self.device;
        let inputs: Vec<wgpu::Buffer> = inputs
            .iter()
            .map(|bytes| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("kernel input"),
                    contents: bytes,
                    usage: wgpu::BufferUsages::STORAGE,
                })
            })
            .collect();
        let output = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kernel output"),
            size: output_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kernel readback"),
            size: output_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("kernel params"),
            contents: uniform,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let mut buffers = vec![&part.nodes, &part.triangles];
        buffers.extend(inputs.iter());
        buffers.push(&output);
        buffers.push(&uniform);
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(binding, b)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("kernel"),
            layout: &kernel.layout,
            entries: &entries,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("kernel"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("kernel"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&kernel.pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups.0, groups.1, 1);
        }
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, output_bytes);
        self.queue.submit([encoder.finish()]);
        let slice = readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Device(e.to_string()))?
            .map_err(|e| GpuError::Device(e.to_string()))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Device(e.to_string()))?;
        Ok(view.to_vec())
    }
}

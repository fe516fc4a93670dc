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
    pcg: std::sync::OnceLock<PcgPipeline>,
    tri_pairs: std::sync::OnceLock<TriPairPipeline>,
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
            // f64 shaders where the device has them: conjugate gradients need them.
            required_features: (if cache_file.is_some() {
                wgpu::Features::PIPELINE_CACHE
            } else {
                wgpu::Features::empty()
            }) | (adapter.features() & wgpu::Features::SHADER_F64),
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
            pcg: std::sync::OnceLock::new(),
            tri_pairs: std::sync::OnceLock::new(),
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

/// A bind group of `buffers` bound 0, 1, 2… in order (the order of `layout_entries`).
fn bind_in_order(
    device: &wgpu::Device,
    label: &str,
    layout: &wgpu::BindGroupLayout,
    buffers: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = buffers
        .iter()
        .enumerate()
        .map(|(binding, b)| wgpu::BindGroupEntry {
            binding: binding as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &entries,
    })
}

/// Bind group layout entries for `slots`, bound 0, 1, 2… in order.
fn layout_entries(slots: &[Slot]) -> Vec<wgpu::BindGroupLayoutEntry> {
    slots
        .iter()
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
        .collect()
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
        let all: Vec<Slot> = [Slot::Read, Slot::Read]
            .iter()
            .chain(slots)
            .copied()
            .collect();
        let entries = layout_entries(&all);
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
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("kernel params"),
            contents: uniform,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let mut buffers = vec![&part.nodes, &part.triangles];
        buffers.extend(inputs.iter());
        buffers.push(&output);
        buffers.push(&uniform);
        let bind = bind_in_order(device, "kernel", &kernel.layout, &buffers);
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
        self.queue.submit([encoder.finish()]);
        self.read_back(&output, output_bytes)
    }
}

/// The conjugate-gradient kernels of a device (f64; compiled on first use).
pub(crate) struct PcgPipeline {
    layout: wgpu::BindGroupLayout,
    spmv_dot: wgpu::ComputePipeline,
    reduce: wgpu::ComputePipeline,
    update: wgpu::ComputePipeline,
    precondition: wgpu::ComputePipeline,
    direction: wgpu::ComputePipeline,
}

/// Bindings of `pcg.wgsl`: five read-only arrays, seven read-write ones, the parameters.
const PCG_SLOTS: [Slot; 13] = [
    Slot::Read,
    Slot::Read,
    Slot::Read,
    Slot::Read,
    Slot::Read,
    Slot::Write,
    Slot::Write,
    Slot::Write,
    Slot::Write,
    Slot::Write,
    Slot::Write,
    Slot::Write,
    Slot::Uniform,
];

impl PcgPipeline {
    fn new(device: &wgpu::Device) -> PcgPipeline {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("pcg"),
            source: wgpu::ShaderSource::Wgsl(include_str!("pcg.wgsl").into()),
        });
        let entries = layout_entries(&PCG_SLOTS);
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("pcg"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("pcg"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        PcgPipeline {
            spmv_dot: pipeline("spmv_dot"),
            reduce: pipeline("reduce"),
            update: pipeline("update"),
            precondition: pipeline("precondition"),
            direction: pipeline("direction"),
            layout,
        }
    }
}

/// A system and its CG vectors on a wgpu device.
pub struct GpuPcg {
    x: wgpu::Buffer,
    scalars: wgpu::Buffer,
    /// Bind groups whose parameters select reduce mode 0, 1 and 2.
    binds: [wgpu::BindGroup; 3],
    groups: u32,
    n: usize,
    // Kept alive for the bind groups.
    _buffers: Vec<wgpu::Buffer>,
}

impl Gpu {
    fn pcg_pipeline(&self) -> Result<&PcgPipeline, GpuError> {
        if !self.device.features().contains(wgpu::Features::SHADER_F64) {
            return Err(GpuError::Unavailable(format!(
                "{} has no f64 shaders, which conjugate gradients need",
                self.info.name
            )));
        }
        Ok(self.pcg.get_or_init(|| PcgPipeline::new(&self.device)))
    }

    /// Solves `system x = b` by preconditioned conjugate gradients on this device, from
    /// x = 0 to a recurrence residual of `tolerance` (relative) or `max_iterations`.
    pub fn pcg(
        &self,
        system: &crate::pcg::PcgSystem,
        b: &[f64],
        tolerance: f64,
        max_iterations: usize,
    ) -> Result<crate::pcg::PcgRun, GpuError> {
        crate::pcg::solve(self, system, b, tolerance, max_iterations)
    }

    /// Copies `bytes` of `buffer` to the host.
    fn read_back(&self, buffer: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>, GpuError> {
        let readback = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("pcg readback"),
            });
        encoder.copy_buffer_to_buffer(buffer, 0, &readback, 0, bytes);
        self.queue.submit([encoder.finish()]);
        let slice = readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
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

impl crate::pcg::PcgKernels for Gpu {
    type Uploaded = GpuPcg;

    fn start(&self, system: &crate::pcg::PcgSystem, b: &[f64]) -> Result<GpuPcg, GpuError> {
        let pipeline = self.pcg_pipeline()?;
        let device = &self.device;
        let largest = (system.vals.len() * 8).max(system.pre_vals.len() * 8) as u64;
        if largest > self.max_binding_bytes() {
            return Err(GpuError::Unavailable(format!(
                "the stiffness needs {largest} bytes in one binding; {} allows {}",
                self.info.name,
                self.max_binding_bytes()
            )));
        }
        let n = system.n;
        let groups = (n as u32).div_ceil(256).max(1);
        let init = |label: &str, contents: &[u8], write: bool| {
            // An empty binding is not allowed: give empty arrays one element.
            let padded: Vec<u8> = if contents.is_empty() {
                vec![0; 8]
            } else {
                contents.to_vec()
            };
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &padded,
                usage: wgpu::BufferUsages::STORAGE
                    | if write {
                        wgpu::BufferUsages::COPY_SRC
                    } else {
                        wgpu::BufferUsages::empty()
                    },
            })
        };
        let zeros = |label: &str, len: usize| init(label, &vec![0u8; len.max(1) * 8], true);
        let buffers = vec![
            init("row_ptr", bytemuck::cast_slice(&system.row_ptr), false),
            init("cols", bytemuck::cast_slice(&system.cols), false),
            init("vals", bytemuck::cast_slice(&system.vals), false),
            init("pre_rows", bytemuck::cast_slice(&system.pre_rows), false),
            init("pre_vals", bytemuck::cast_slice(&system.pre_vals), false),
            zeros("x", n),
            init("r", bytemuck::cast_slice(b), true),
            zeros("z", n),
            zeros("p", n),
            zeros("q", n),
            zeros("partial", 2 * groups as usize),
            zeros("scalars", 8),
        ];
        let uniforms: Vec<wgpu::Buffer> = (0..3u32)
            .map(|mode| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("pcg params"),
                    contents: bytemuck::cast_slice(&[n as u32, groups, mode, 0]),
                    usage: wgpu::BufferUsages::UNIFORM,
                })
            })
            .collect();
        let bind = |uniform: &wgpu::Buffer| {
            let all: Vec<&wgpu::Buffer> = buffers.iter().chain([uniform]).collect();
            bind_in_order(device, "pcg", &pipeline.layout, &all)
        };
        let binds = [bind(&uniforms[0]), bind(&uniforms[1]), bind(&uniforms[2])];
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("pcg start"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("pcg start"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline.precondition);
            pass.set_bind_group(0, &binds[2], &[]);
            pass.dispatch_workgroups(groups, 1, 1);
            pass.set_pipeline(&pipeline.reduce);
            pass.dispatch_workgroups(1, 1, 1);
            pass.set_pipeline(&pipeline.direction);
            pass.dispatch_workgroups(groups, 1, 1);
        }
        self.queue.submit([encoder.finish()]);
        let mut buffers = buffers;
        let scalars = buffers.remove(11);
        let x = buffers.remove(5);
        buffers.extend(uniforms);
        Ok(GpuPcg {
            x,
            scalars,
            binds,
            groups,
            n,
            _buffers: buffers,
        })
    }

    fn iterate(&self, up: &GpuPcg, iterations: usize) -> Result<f64, GpuError> {
        let pipeline = self.pcg_pipeline()?;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("pcg iterations"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("pcg iterations"),
                timestamp_writes: None,
            });
            for _ in 0..iterations {
                pass.set_bind_group(0, &up.binds[0], &[]);
                pass.set_pipeline(&pipeline.spmv_dot);
                pass.dispatch_workgroups(up.groups, 1, 1);
                pass.set_pipeline(&pipeline.reduce);
                pass.dispatch_workgroups(1, 1, 1);
                pass.set_pipeline(&pipeline.update);
                pass.dispatch_workgroups(up.groups, 1, 1);
                pass.set_pipeline(&pipeline.precondition);
                pass.dispatch_workgroups(up.groups, 1, 1);
                pass.set_bind_group(0, &up.binds[1], &[]);
                pass.set_pipeline(&pipeline.reduce);
                pass.dispatch_workgroups(1, 1, 1);
                pass.set_pipeline(&pipeline.direction);
                pass.dispatch_workgroups(up.groups, 1, 1);
            }
        }
        self.queue.submit([encoder.finish()]);
        let bytes = self.read_back(&up.scalars, 64)?;
        let scalars: Vec<f64> = bytemuck::pod_collect_to_vec(&bytes);
        Ok(scalars[4])
    }

    fn solution(&self, up: &GpuPcg) -> Result<Vec<f64>, GpuError> {
        let bytes = self.read_back(&up.x, (up.n.max(1) * 8) as u64)?;
        let mut x: Vec<f64> = bytemuck::pod_collect_to_vec(&bytes);
        x.truncate(up.n);
        Ok(x)
    }
}

/// The triangle-pair filter (f64; compiled on first use).
pub(crate) struct TriPairPipeline {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

impl TriPairPipeline {
    fn new(device: &wgpu::Device) -> TriPairPipeline {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("tri_pairs"),
            source: wgpu::ShaderSource::Wgsl(include_str!("tri_pairs.wgsl").into()),
        });
        let entries = layout_entries(&[Slot::Read, Slot::Write, Slot::Uniform]);
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("tri_pairs"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("tri_pairs"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("classify_pairs"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("classify_pairs"),
            compilation_options: Default::default(),
            cache: None,
        });
        TriPairPipeline { layout, pipeline }
    }
}

impl Gpu {
    /// Classifies triangle pairs (18 doubles each) with the floating-point contact filter:
    /// one `tri_pairs::code` per pair, in chunks that fit the device's bindings.
    pub fn classify_triangle_pairs(&self, coords: &[f64]) -> Result<Vec<u32>, GpuError> {
        use crate::tri_pairs::{PAIR_DOUBLES, check, chunk_pairs};
        let count = check(coords)?;
        if !self.device.features().contains(wgpu::Features::SHADER_F64) {
            return Err(GpuError::Unavailable(format!(
                "{} has no f64 shaders, which the exact narrow phase needs",
                self.info.name
            )));
        }
        let pipeline = self
            .tri_pairs
            .get_or_init(|| TriPairPipeline::new(&self.device));
        let mut codes = Vec::with_capacity(count);
        for chunk in coords.chunks(chunk_pairs(self.max_binding_bytes()) * PAIR_DOUBLES) {
            let n = chunk.len() / PAIR_DOUBLES;
            let input = self
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("pairs"),
                    contents: bytemuck::cast_slice(chunk),
                    usage: wgpu::BufferUsages::STORAGE,
                });
            let output_bytes = (n * 4) as u64;
            let output = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("codes"),
                size: output_bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let uniform = self
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("pair params"),
                    contents: bytemuck::cast_slice(&[n as u32, 0, 0, 0]),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
            let bind = bind_in_order(
                &self.device,
                "tri_pairs",
                &pipeline.layout,
                &[&input, &output, &uniform],
            );
            // 64 invocations a group; rows of at most 65 535 groups.
            let groups = (n as u32).div_ceil(64);
            let (x, y) = (groups.min(65_535), groups.div_ceil(65_535));
            let mut encoder = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("tri_pairs"),
                });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("tri_pairs"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&pipeline.pipeline);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
            self.queue.submit([encoder.finish()]);
            let bytes = self.read_back(&output, output_bytes)?;
            codes.extend(bytemuck::pod_collect_to_vec::<u8, u32>(&bytes));
        }
        Ok(codes)
    }
}

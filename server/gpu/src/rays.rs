//! Closest-hit and any-hit rays on the GPU (`rays.wgsl`).

use cicada_geom::bvh::{Bvh, Ray};
use wgpu::util::DeviceExt;

use crate::{Gpu, GpuError};

/// A ray for the GPU: the same as the CPU's.
pub type GpuRay = Ray;

/// Where a ray hit, as the CPU's `Hit`: distance along the direction's units, the caller's
/// triangle index and barycentrics (f32 precision).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GpuHit {
    /// Ray parameter of the hit.
    pub t: f64,
    /// The caller's index of the triangle hit.
    pub triangle: u32,
    /// Barycentric coordinate along the second corner.
    pub u: f64,
    /// Barycentric coordinate along the third corner.
    pub v: f64,
}

/// Rays per dispatch: bounded so one submission stays short (progress, watchdogs) and the
/// ray and hit buffers stay far below any binding limit (32 + 16 bytes a ray).
const RAYS_PER_DISPATCH: usize = 1 << 20;
const WORKGROUP: u32 = 64;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct RayIn {
    o: [f32; 4],
    d: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct HitOut {
    t: f32,
    tri: u32,
    u: f32,
    v: f32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    count: u32,
    any_hit: u32,
    slack: f32,
    pad: u32,
}

/// The compiled traversal kernel and its binding layout.
pub(crate) struct RayPipeline {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

impl RayPipeline {
    pub(crate) fn new(device: &wgpu::Device) -> RayPipeline {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("rays.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("rays.wgsl").into()),
        });
        let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("rays"),
            entries: &[
                storage(0, true),
                storage(1, true),
                storage(2, true),
                storage(3, false),
                wgpu::BindGroupLayoutEntry {
                    binding: 4,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("rays"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("rays"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("trace"),
            compilation_options: Default::default(),
            cache: None,
        });
        RayPipeline { layout, pipeline }
    }
}

/// A hierarchy uploaded to the device: its nodes as they are, its triangles in f32.
pub struct GpuScene {
    nodes: wgpu::Buffer,
    triangles: wgpu::Buffer,
    origin: cicada_geom::Point3,
    /// Largest absolute local coordinate of any triangle.
    radius: f64,
    empty: bool,
}

fn depth(bvh: &Bvh) -> usize {
    let nodes = bvh.nodes();
    let mut deepest = 0;
    let mut stack = vec![(0usize, 1usize)];
    while let Some((n, d)) = stack.pop() {
        deepest = deepest.max(d);
        if nodes[n].count == 0 {
            stack.push((nodes[n].first as usize, d + 1));
            stack.push((nodes[n].first as usize + 1, d + 1));
        }
    }
    deepest
}

impl Gpu {
    /// Uploads `bvh` for ray queries.
    pub fn upload(&self, bvh: &Bvh) -> Result<GpuScene, GpuError> {
        let d = depth(bvh);
        if d > 64 {
            return Err(GpuError::TooDeep { depth: d });
        }
        let nodes: Vec<u32> = bvh
            .nodes()
            .iter()
            .flat_map(|n| {
                [
                    n.min[0].to_bits(),
                    n.min[1].to_bits(),
                    n.min[2].to_bits(),
                    n.first,
                    n.max[0].to_bits(),
                    n.max[1].to_bits(),
                    n.max[2].to_bits(),
                    n.count,
                ]
            })
            .collect();
        let mut radius: f64 = 0.0;
        let mut triangles: Vec<f32> = Vec::with_capacity(bvh.len() * 12);
        for (t, &original) in bvh.local_triangles().iter().zip(bvh.order()) {
            for (k, c) in t.iter().enumerate() {
                radius = c.iter().fold(radius, |m, x| m.max(x.abs()));
                triangles.extend(c.iter().map(|&x| x as f32));
                triangles.push(if k == 0 {
                    f32::from_bits(original)
                } else {
                    0.0
                });
            }
        }
        // A binding may not be empty.
        if triangles.is_empty() {
            triangles.resize(12, 0.0);
        }
        for (what, bytes) in [
            ("nodes", nodes.len() * 4),
            ("triangles", triangles.len() * 4),
        ] {
            if bytes as u64 > self.max_binding_bytes() {
                return Err(GpuError::Device(format!(
                    "{what} take {bytes} bytes, over this device's {} per binding",
                    self.max_binding_bytes()
                )));
            }
        }
        let buffer = |label: &str, contents: &[u8]| {
            self.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents,
                    usage: wgpu::BufferUsages::STORAGE,
                })
        };
        Ok(GpuScene {
            nodes: buffer("bvh nodes", bytemuck::cast_slice(&nodes)),
            triangles: buffer("bvh triangles", bytemuck::cast_slice(&triangles)),
            origin: bvh.origin(),
            radius,
            empty: bvh.is_empty(),
        })
    }

    /// Traces `rays` against `scene`: the nearest hit of each, or with `any_hit` whichever
    /// hit the kernel finds first.
    pub fn trace(
        &self,
        scene: &GpuScene,
        rays: &[GpuRay],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        let mut out = Vec::with_capacity(rays.len());
        if scene.empty {
            out.resize(rays.len(), None);
            return Ok(out);
        }
        for chunk in rays.chunks(RAYS_PER_DISPATCH) {
            out.extend(self.trace_chunk(scene, chunk, any_hit)?);
        }
        Ok(out)
    }

    fn trace_chunk(
        &self,
        scene: &GpuScene,
        rays: &[GpuRay],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        let mut reach = scene.radius;
        let input: Vec<RayIn> = rays
            .iter()
            .map(|r| {
                let o = r.origin - scene.origin;
                reach = reach.max(o.x.abs()).max(o.y.abs()).max(o.z.abs());
                // A zero direction component has no f32 reciprocal in WGSL; a tiny one
                // turns the slab into the same all-or-nothing test.
                let nudge = |c: f64| if c == 0.0 { 1e-30 } else { c as f32 };
                RayIn {
                    o: [o.x as f32, o.y as f32, o.z as f32, r.t_min as f32],
                    d: [
                        nudge(r.direction.x),
                        nudge(r.direction.y),
                        nudge(r.direction.z),
                        r.t_max.min(f64::from(f32::MAX)) as f32,
                    ],
                }
            })
            .collect();
        // 16 ulps of the largest coordinate: origin rounding plus the slab arithmetic.
        let slack = (reach * f64::from(f32::EPSILON) * 16.0) as f32;
        let params = Params {
            count: rays.len() as u32,
            any_hit: u32::from(any_hit),
            slack: slack.max(f32::MIN_POSITIVE),
            pad: 0,
        };
        let device = &self.device;
        let rays_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("rays"),
            contents: bytemuck::cast_slice(&input),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let hits_size = (rays.len() * std::mem::size_of::<HitOut>()) as u64;
        let hits_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("hits"),
            size: hits_size,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("hits readback"),
            size: hits_size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let params_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("ray params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("rays"),
            layout: &self.rays.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: scene.nodes.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: scene.triangles.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: rays_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: hits_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: params_buf.as_entire_binding(),
                },
            ],
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("rays"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("rays"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.rays.pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups((rays.len() as u32).div_ceil(WORKGROUP), 1, 1);
        }
        encoder.copy_buffer_to_buffer(&hits_buf, 0, &readback, 0, hits_size);
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
        let hits: &[HitOut] = bytemuck::cast_slice(&view);
        Ok(hits
            .iter()
            .map(|h| {
                (h.tri != u32::MAX).then_some(GpuHit {
                    t: f64::from(h.t),
                    triangle: h.tri,
                    u: f64::from(h.u),
                    v: f64::from(h.v),
                })
            })
            .collect())
    }
}

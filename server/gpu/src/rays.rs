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
    fn new(device: &wgpu::Device, source: &str, entry: &str, slots: &[Slot]) -> Kernel {
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
            cache: None,
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
    pub(crate) fn new(device: &wgpu::Device) -> RayPipeline {
        RayPipeline {
            rays: Kernel::new(
                device,
                include_str!("rays_entry.wgsl"),
                "trace",
                &[Slot::Read, Slot::Write, Slot::Uniform],
            ),
            suns: Kernel::new(
                device,
                include_str!("suns_entry.wgsl"),
                "sun_bits",
                &[Slot::Read, Slot::Read, Slot::Write, Slot::Uniform],
            ),
        }
    }
}

/// A hierarchy uploaded to the device: its nodes as they are, its triangles in f32. A tree
/// too large for one storage binding is uploaded as subtrees that each fit, traced one after
/// the other with their hits merged, so no scene is refused for its size.
pub struct GpuScene {
    parts: Vec<Part>,
    origin: cicada_geom::Point3,
    /// Largest absolute local coordinate of any triangle.
    radius: f64,
}

/// One subtree on the device.
struct Part {
    nodes: wgpu::Buffer,
    triangles: wgpu::Buffer,
}

impl GpuScene {
    /// Number of subtrees the scene was uploaded as (1 unless it outgrew a binding).
    pub fn parts(&self) -> usize {
        self.parts.len()
    }
}

/// Bytes of one node and one triangle on the device.
const NODE_BYTES: u64 = 32;
const TRIANGLE_BYTES: u64 = 48;

/// Subtrees of `bvh` (root node indices) whose nodes and triangles each fit in `limit`
/// bytes per binding: the root if it fits, else its children's subtrees, recursively.
fn split(bvh: &Bvh, limit: u64) -> Vec<usize> {
    let nodes = bvh.nodes();
    // Nodes per subtree, children before parents (a child's index is above its parent's).
    let mut size = vec![1u64; nodes.len()];
    for n in (0..nodes.len()).rev() {
        if nodes[n].count == 0 {
            size[n] += size[nodes[n].first as usize] + size[nodes[n].first as usize + 1];
        }
    }
    let (_, count) = ranges(bvh);
    let mut out = Vec::new();
    let mut stack = vec![0usize];
    while let Some(n) = stack.pop() {
        let fits = size[n] * NODE_BYTES <= limit && u64::from(count[n]) * TRIANGLE_BYTES <= limit;
        if fits || nodes[n].count > 0 {
            out.push(n);
        } else {
            stack.push(nodes[n].first as usize + 1);
            stack.push(nodes[n].first as usize);
        }
    }
    out
}

/// For each node, the first stored triangle and the number of triangles below it: a
/// subtree's triangles are one contiguous run of the stored order.
fn ranges(bvh: &Bvh) -> (Vec<u32>, Vec<u32>) {
    let nodes = bvh.nodes();
    let mut first = vec![u32::MAX; nodes.len()];
    let mut count = vec![0u32; nodes.len()];
    for n in (0..nodes.len()).rev() {
        if nodes[n].count > 0 {
            first[n] = nodes[n].first;
            count[n] = nodes[n].count;
        } else {
            let (a, b) = (nodes[n].first as usize, nodes[n].first as usize + 1);
            first[n] = first[a].min(first[b]);
            count[n] = count[a] + count[b];
        }
    }
    (first, count)
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
        let radius = bvh
            .local_triangles()
            .iter()
            .flatten()
            .flatten()
            .fold(0.0f64, |m, c| m.max(c.abs()));
        let mut parts = Vec::new();
        if bvh.is_empty() {
            return Ok(GpuScene {
                parts,
                origin: bvh.origin(),
                radius,
            });
        }
        let (first, count) = ranges(bvh);
        for root in split(bvh, self.max_binding_bytes()) {
            // Only a single leaf can still be too big; no build makes one that large.
            if u64::from(count[root]) * TRIANGLE_BYTES > self.max_binding_bytes() {
                return Err(GpuError::Device(format!(
                    "a leaf of {} triangles is larger than one binding ({} bytes)",
                    count[root],
                    self.max_binding_bytes()
                )));
            }
            parts.push(self.upload_subtree(bvh, root, first[root], count[root]));
        }
        Ok(GpuScene {
            parts,
            origin: bvh.origin(),
            radius,
        })
    }

    /// Uploads the subtree under binary node `root`, whose triangles are the stored run
    /// `first .. first + count`: nodes renumbered from 0, leaves rebased to the run.
    fn upload_subtree(&self, bvh: &Bvh, root: usize, first: u32, count: u32) -> Part {
        let all = bvh.nodes();
        // Breadth-first, so siblings stay adjacent as the layout requires.
        let mut order = vec![root];
        let mut k = 0;
        while k < order.len() {
            let n = &all[order[k]];
            if n.count == 0 {
                order.push(n.first as usize);
                order.push(n.first as usize + 1);
            }
            k += 1;
        }
        let mut index = std::collections::HashMap::with_capacity(order.len());
        for (new, &old) in order.iter().enumerate() {
            index.insert(old, new as u32);
        }
        let nodes: Vec<u32> = order
            .iter()
            .flat_map(|&old| {
                let n = &all[old];
                let link = if n.count > 0 {
                    n.first - first
                } else {
                    index[&(n.first as usize)]
                };
                [
                    n.min[0].to_bits(),
                    n.min[1].to_bits(),
                    n.min[2].to_bits(),
                    link,
                    n.max[0].to_bits(),
                    n.max[1].to_bits(),
                    n.max[2].to_bits(),
                    n.count,
                ]
            })
            .collect();
        let range = first as usize..(first + count) as usize;
        let mut triangles: Vec<f32> = Vec::with_capacity(range.len() * 12);
        for (t, &original) in bvh.local_triangles()[range.clone()]
            .iter()
            .zip(&bvh.order()[range])
        {
            for (k, c) in t.iter().enumerate() {
                triangles.extend(c.iter().map(|&x| x as f32));
                triangles.push(if k == 0 {
                    f32::from_bits(original)
                } else {
                    0.0
                });
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
        Part {
            nodes: buffer("bvh nodes", bytemuck::cast_slice(&nodes)),
            triangles: buffer("bvh triangles", bytemuck::cast_slice(&triangles)),
        }
    }

    /// Traces `rays` against `scene`: the nearest hit of each, or with `any_hit` whichever
    /// hit the kernel finds first.
    pub fn trace(
        &self,
        scene: &GpuScene,
        rays: &[GpuRay],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        let mut out: Vec<Option<GpuHit>> = vec![None; rays.len()];
        for (c, chunk) in rays.chunks(RAYS_PER_DISPATCH).enumerate() {
            let at = c * RAYS_PER_DISPATCH;
            for part in &scene.parts {
                let hits = self.trace_chunk(scene, part, chunk, any_hit)?;
                // Nearest wins across parts, ties to the lowest original index.
                for (slot, hit) in out[at..at + chunk.len()].iter_mut().zip(hits) {
                    let Some(h) = hit else { continue };
                    let better = match slot {
                        None => true,
                        Some(b) => h.t < b.t || (h.t == b.t && h.triangle < b.triangle),
                    };
                    if better && !(any_hit && slot.is_some()) {
                        *slot = Some(h);
                    }
                }
            }
        }
        Ok(out)
    }

    fn trace_chunk(
        &self,
        scene: &GpuScene,
        part: &Part,
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
        let hits_size = (rays.len() * std::mem::size_of::<HitOut>()) as u64;
        let bytes = self.run(
            &self.rays.rays,
            part,
            &[bytemuck::cast_slice(&input)],
            hits_size,
            bytemuck::bytes_of(&params),
            ((rays.len() as u32).div_ceil(WORKGROUP), 1),
        )?;
        // A byte vector promises no alignment: copy into typed storage rather than cast.
        let hits: Vec<HitOut> = bytemuck::pod_collect_to_vec(&bytes);
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

/// Suns per word of the sun kernel's output.
const SUNS_PER_WORD: usize = 32;
/// (sensor, sun) pairs per submission of the sun kernel: tens of milliseconds on a GPU.
const PAIRS_PER_SUBMISSION: usize = 1 << 24;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SensorIn {
    p: [f32; 4],
    n: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SunParams {
    sensors: u32,
    suns: u32,
    slack: f32,
    words: u32,
}

impl Gpu {
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
        let words = directions.len().div_ceil(SUNS_PER_WORD);
        let mut out = Vec::with_capacity(sensors.len() * words);
        if words == 0 {
            return Ok(out);
        }
        let suns: Vec<[f32; 4]> = directions
            .iter()
            .map(|d| {
                let nudge = |c: f64| if c == 0.0 { 1e-30 } else { c as f32 };
                [nudge(d[0]), nudge(d[1]), nudge(d[2]), 0.0]
            })
            .collect();
        let per_submission = (PAIRS_PER_SUBMISSION / directions.len()).clamp(1, 1 << 16);
        for block in sensors.chunks(per_submission) {
            let mut reach = scene.radius;
            let input: Vec<SensorIn> = block
                .iter()
                .map(|(p, n)| {
                    let o = *p - scene.origin;
                    reach = reach.max(o.x.abs()).max(o.y.abs()).max(o.z.abs());
                    SensorIn {
                        p: [o.x as f32, o.y as f32, o.z as f32, 0.0],
                        n: [n.x as f32, n.y as f32, n.z as f32, 0.0],
                    }
                })
                .collect();
            let params = SunParams {
                sensors: block.len() as u32,
                suns: directions.len() as u32,
                slack: ((reach * f64::from(f32::EPSILON) * 16.0) as f32).max(f32::MIN_POSITIVE),
                words: words as u32,
            };
            // A sun is seen only when no part of the scene blocks it.
            let mut lit = vec![u32::MAX; block.len() * words];
            for part in &scene.parts {
                let bytes = self.run(
                    &self.rays.suns,
                    part,
                    &[bytemuck::cast_slice(&input), bytemuck::cast_slice(&suns)],
                    (block.len() * words * 4) as u64,
                    bytemuck::bytes_of(&params),
                    ((block.len() as u32).div_ceil(WORKGROUP), words as u32),
                )?;
                let part_lit: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes);
                for (a, b) in lit.iter_mut().zip(&part_lit) {
                    *a &= b;
                }
            }
            if scene.parts.is_empty() {
                // Nothing to block: every direction in front of a sensor is seen.
                for (i, (_, n)) in block.iter().enumerate() {
                    for (k, d) in directions.iter().enumerate() {
                        let c = n.x * d[0] + n.y * d[1] + n.z * d[2];
                        if n.length_squared() == 0.0 || c < 0.0 {
                            lit[i * words + k / SUNS_PER_WORD] &= !(1 << (k % SUNS_PER_WORD));
                        }
                    }
                }
            }
            out.extend(lit);
        }
        Ok(out)
    }

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

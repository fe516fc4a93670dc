//! What every GPU backend uploads and reads back, and the host side of each kernel: the
//! flat BVH split into parts that fit one binding, rays and sensors in f32 about the local
//! origin, and the loops that run a kernel part by part and merge the answers. A backend
//! only moves bytes and launches ([`Kernels`]); everything that decides an answer lives here
//! once, so wgpu and CUDA cannot drift apart.

use cicada_geom::Point3;
use cicada_geom::bvh::{Bvh, Ray};

use crate::GpuError;

/// Rays per launch: bounded so one submission stays short (progress, watchdogs) and the
/// ray and hit buffers stay far below any binding limit (32 + 16 bytes a ray).
pub(crate) const RAYS_PER_DISPATCH: usize = 1 << 20;
/// Threads per workgroup (WGSL) or block (CUDA).
pub(crate) const WORKGROUP: u32 = 64;
/// Suns per word of the sun kernel's output.
pub(crate) const SUNS_PER_WORD: usize = 32;
/// (sensor, sun) pairs per submission of the sun kernel: tens of milliseconds on a GPU.
const PAIRS_PER_SUBMISSION: usize = 1 << 24;
/// Most words per sensor: the sun kernel's second grid dimension (65 535 on every API).
const MAX_WORDS: usize = 65_535;
/// Entries of the kernels' traversal stack.
pub(crate) const STACK_DEPTH: usize = 64;

/// Bytes of one node and one triangle on the device.
const NODE_BYTES: u64 = 32;
const TRIANGLE_BYTES: u64 = 48;

/// One ray as the kernels read it: origin and t_min, direction and t_max.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct RayIn {
    pub o: [f32; 4],
    pub d: [f32; 4],
}

/// One answer of the ray kernel; `tri` is `u32::MAX` for a miss.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct HitOut {
    pub t: f32,
    pub tri: u32,
    pub u: f32,
    pub v: f32,
}

/// The ray kernel's scalars.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Params {
    pub count: u32,
    pub any_hit: u32,
    pub slack: f32,
    pub pad: u32,
}

/// One sensor as the sun kernel reads it: position (local frame) and unit normal.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct SensorIn {
    pub p: [f32; 4],
    pub n: [f32; 4],
}

/// The sun kernel's scalars.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct SunParams {
    pub sensors: u32,
    pub suns: u32,
    pub slack: f32,
    pub words: u32,
}

/// One subtree in the kernels' layout: nodes as 8 words (box min, link, box max, count;
/// a leaf's link is its first triangle in this part, an inner node's its first child),
/// triangles as 12 floats (corners a, b, c as xyz + w; a.w carries the caller's index).
pub(crate) struct PartArrays {
    pub nodes: Vec<u32>,
    pub triangles: Vec<f32>,
}

/// How a backend moves a part to its device and launches the two kernels over it.
pub(crate) trait Kernels {
    /// A part resident on the device.
    type Part;
    /// Bytes one storage binding may hold on this device.
    fn max_binding_bytes(&self) -> u64;
    /// Copies a part to the device.
    fn load(&self, part: &PartArrays) -> Result<Self::Part, GpuError>;
    /// The ray kernel over `rays` (at most [`RAYS_PER_DISPATCH`]).
    fn rays(
        &self,
        part: &Self::Part,
        rays: &[RayIn],
        params: &Params,
    ) -> Result<Vec<HitOut>, GpuError>;
    /// The sun kernel: `sensors.len() * params.words` words.
    fn suns(
        &self,
        part: &Self::Part,
        sensors: &[SensorIn],
        suns: &[[f32; 4]],
        params: &SunParams,
    ) -> Result<Vec<u32>, GpuError>;
}

/// A hierarchy on a device: its parts, and the frame its coordinates are in.
pub(crate) struct Uploaded<P> {
    pub parts: Vec<P>,
    pub origin: Point3,
    /// Largest absolute local coordinate of any triangle.
    pub radius: f64,
}

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

/// Uploads `bvh` through `k`: as one part, or as subtrees that each fit one binding, so no
/// scene is refused for its size.
pub(crate) fn upload<K: Kernels>(k: &K, bvh: &Bvh) -> Result<Uploaded<K::Part>, GpuError> {
    let d = depth(bvh);
    if d > STACK_DEPTH {
        return Err(GpuError::TooDeep { depth: d });
    }
    let radius = bvh
        .local_triangles()
        .iter()
        .flatten()
        .flatten()
        .fold(0.0f64, |m, c| m.max(c.abs()));
    let mut parts = Vec::new();
    if !bvh.is_empty() {
        let limit = k.max_binding_bytes();
        let (first, count) = ranges(bvh);
        for root in split(bvh, limit) {
            // Only a single leaf can still be too big; no build makes one that large.
            if u64::from(count[root]) * TRIANGLE_BYTES > limit {
                return Err(GpuError::Device(format!(
                    "a leaf of {} triangles is larger than one binding ({limit} bytes)",
                    count[root]
                )));
            }
            parts.push(k.load(&subtree(bvh, root, first[root], count[root]))?);
        }
    }
    Ok(Uploaded {
        parts,
        origin: bvh.origin(),
        radius,
    })
}

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

/// Levels of the tree, root included.
fn depth(bvh: &Bvh) -> usize {
    let nodes = bvh.nodes();
    if nodes.is_empty() {
        return 0;
    }
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

/// The subtree under binary node `root`, whose triangles are the stored run
/// `first .. first + count`: nodes renumbered from 0, leaves rebased to the run.
pub(crate) fn subtree(bvh: &Bvh, root: usize, first: u32, count: u32) -> PartArrays {
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
    PartArrays { nodes, triangles }
}

/// A zero direction component has no f32 reciprocal in the kernels; a tiny one turns the
/// slab into the same all-or-nothing test.
fn nudge(c: f64) -> f32 {
    if c == 0.0 { 1e-30 } else { c as f32 }
}

/// Box slack for coordinates up to `reach`: 16 ulps, origin rounding plus the slab
/// arithmetic, so f32 never culls a box a ray meets.
fn slack(reach: f64) -> f32 {
    ((reach * f64::from(f32::EPSILON) * 16.0) as f32).max(f32::MIN_POSITIVE)
}

/// Rays in the kernels' layout about `origin`, and the ray kernel's scalars.
pub(crate) fn ray_inputs(
    rays: &[Ray],
    origin: Point3,
    radius: f64,
    any_hit: bool,
) -> (Vec<RayIn>, Params) {
    let mut reach = radius;
    let input: Vec<RayIn> = rays
        .iter()
        .map(|r| {
            let o = r.origin - origin;
            reach = reach.max(o.x.abs()).max(o.y.abs()).max(o.z.abs());
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
    let params = Params {
        count: rays.len() as u32,
        any_hit: u32::from(any_hit),
        slack: slack(reach),
        pad: 0,
    };
    (input, params)
}

/// Sensors in the sun kernel's layout about `origin`, with the box slack they need.
pub(crate) fn sensor_inputs(
    sensors: &[(Point3, cicada_geom::Vector3)],
    origin: Point3,
    radius: f64,
) -> (Vec<SensorIn>, f32) {
    let mut reach = radius;
    let input = sensors
        .iter()
        .map(|(p, n)| {
            let o = *p - origin;
            reach = reach.max(o.x.abs()).max(o.y.abs()).max(o.z.abs());
            SensorIn {
                p: [o.x as f32, o.y as f32, o.z as f32, 0.0],
                n: [n.x as f32, n.y as f32, n.z as f32, 0.0],
            }
        })
        .collect();
    (input, slack(reach))
}

/// Directions in the sun kernel's layout.
pub(crate) fn sun_inputs(directions: &[[f64; 3]]) -> Vec<[f32; 4]> {
    directions
        .iter()
        .map(|d| [nudge(d[0]), nudge(d[1]), nudge(d[2]), 0.0])
        .collect()
}

/// A kernel answer as the caller's hit.
pub(crate) fn hit(h: &HitOut) -> Option<GpuHit> {
    (h.tri != u32::MAX).then_some(GpuHit {
        t: f64::from(h.t),
        triangle: h.tri,
        u: f64::from(h.u),
        v: f64::from(h.v),
    })
}

/// Traces `rays` through `k` against `scene`: the nearest hit of each, or with `any_hit`
/// whichever hit the kernel finds first.
pub(crate) fn trace<K: Kernels>(
    k: &K,
    scene: &Uploaded<K::Part>,
    rays: &[Ray],
    any_hit: bool,
) -> Result<Vec<Option<GpuHit>>, GpuError> {
    let mut out: Vec<Option<GpuHit>> = vec![None; rays.len()];
    for (c, chunk) in rays.chunks(RAYS_PER_DISPATCH).enumerate() {
        let at = c * RAYS_PER_DISPATCH;
        let (input, params) = ray_inputs(chunk, scene.origin, scene.radius, any_hit);
        for part in &scene.parts {
            let hits = k.rays(part, &input, &params)?;
            // Nearest wins across parts, ties to the lowest original index.
            for (slot, h) in out[at..at + chunk.len()].iter_mut().zip(&hits) {
                let Some(h) = hit(h) else { continue };
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

/// Which of `directions` each sensor (position, unit normal) sees, through `k`: per sensor
/// `ceil(directions / 32)` words, bit `k % 32` of word `k / 32` set when direction `k` is
/// at most 90° from the normal and nothing in `scene` lies along it.
pub(crate) fn sun_bits<K: Kernels>(
    k: &K,
    scene: &Uploaded<K::Part>,
    sensors: &[(Point3, cicada_geom::Vector3)],
    directions: &[[f64; 3]],
) -> Result<Vec<u32>, GpuError> {
    let words = directions.len().div_ceil(SUNS_PER_WORD);
    let mut out = Vec::with_capacity(sensors.len() * words);
    if words == 0 {
        return Ok(out);
    }
    if words > MAX_WORDS {
        return Err(GpuError::Device(format!(
            "{} directions per sensor; the sun kernel takes at most {}",
            directions.len(),
            MAX_WORDS * SUNS_PER_WORD
        )));
    }
    let suns = sun_inputs(directions);
    let per_submission = (PAIRS_PER_SUBMISSION / directions.len()).clamp(1, 1 << 16);
    for block in sensors.chunks(per_submission) {
        let (input, slack) = sensor_inputs(block, scene.origin, scene.radius);
        let params = SunParams {
            sensors: block.len() as u32,
            suns: directions.len() as u32,
            slack,
            words: words as u32,
        };
        // A sun is seen only when no part of the scene blocks it.
        let mut lit = vec![u32::MAX; block.len() * words];
        for part in &scene.parts {
            for (a, b) in lit.iter_mut().zip(&k.suns(part, &input, &suns, &params)?) {
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

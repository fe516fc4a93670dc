//! Sunlight analyses over sensors (points with normals): direct sun hours, incident
//! radiation from a cumulative sky, and sky view, by any-hit rays through a BVH of the
//! occluding geometry. Definitions follow Ladybug's so results can be compared.
//!
//! - A sensor sees a direction when the direction is not behind it (angle to its normal at
//!   most 90°, as Ladybug) and a ray from it along the direction hits nothing.
//! - Sensors sit on faces (centroids) or vertices, moved along the normal by an offset
//!   (Ladybug's default 0.1 m) so that the face they lie on does not shade them.

mod sensors;
mod sky;
mod sun;

pub use sensors::{Sensor, face_sensors, vertex_sensors};
pub use sky::{SkyVisibility, incident, sky_visibility};
pub use sun::{BitMatrix, SunExposure, sun_exposure};

use cicada_geom::Point3;
use cicada_geom::bvh::{Bvh, Ray, ShadowCache};

/// Name and version of the sun-hours kernel.
pub const SUN_HOURS_VERSION: &str = "sun_hours@1";
/// Name and version of the radiation kernel.
pub const RADIATION_VERSION: &str = "radiation@1";

/// True when nothing in `bvh` lies along `direction` from `origin`; `cache` carries the
/// last blocker from one ray of a sensor to the next.
fn sees(bvh: &Bvh, origin: Point3, direction: [f64; 3], cache: &mut ShadowCache) -> bool {
    let ray = Ray {
        origin,
        direction: cicada_geom::Vector3::new(direction[0], direction[1], direction[2]),
        t_min: 0.0,
        t_max: f64::INFINITY,
    };
    bvh.any_hit_cached(&ray, cache).is_none()
}

/// An order of `directions` in which neighbours point nearly the same way (a Morton curve
/// over the unit disc of their x and y, upper and lower hemispheres apart): tracing a
/// sensor's rays in this order keeps its walk through the tree in cache and lets one
/// blocker answer many rays in a row.
pub fn direction_order(directions: &[[f64; 3]]) -> Vec<u32> {
    let spread = |x: u64| {
        let mut x = x & 0xffff;
        x = (x | (x << 8)) & 0x00ff_00ff;
        x = (x | (x << 4)) & 0x0f0f_0f0f;
        x = (x | (x << 2)) & 0x3333_3333;
        (x | (x << 1)) & 0x5555_5555
    };
    let key = |d: &[f64; 3]| {
        let q = |c: f64| ((c.clamp(-1.0, 1.0) + 1.0) * 32767.5) as u64;
        let hemisphere = u64::from(d[2] < 0.0) << 32;
        hemisphere | spread(q(d[0])) | spread(q(d[1])) << 1
    };
    let mut order: Vec<u32> = (0..directions.len() as u32).collect();
    order.sort_by_key(|&k| key(&directions[k as usize]));
    order
}

/// The directions each sensor of a block sees, with their cosines.
type Seen = Vec<Vec<(usize, f64)>>;

/// On the GPU: for each sensor of `block`, the directions it sees with their cosines, and
/// the number of rays traced (directions in front of sensors); `None` when the device
/// failed (the caller then uses the CPU).
fn gpu_seen(
    gpu: &cicada_gpu::Device,
    scene: &cicada_gpu::Scene,
    block: &[Sensor],
    directions: &[[f64; 3]],
) -> Option<(Seen, u64)> {
    let points: Vec<_> = block.iter().map(|s| (s.position, s.normal)).collect();
    let bits = gpu.sun_bits(scene, &points, directions).ok()?;
    let words = directions.len().div_ceil(32);
    let mut traced = 0;
    let seen = block
        .iter()
        .enumerate()
        .map(|(i, sensor)| {
            let mut list = Vec::new();
            if sensor.normal.length_squared() == 0.0 {
                return list;
            }
            for (k, &d) in directions.iter().enumerate() {
                let c = cosine(sensor, d);
                traced += u64::from(c >= 0.0);
                if bits[i * words + k / 32] >> (k % 32) & 1 == 1 {
                    // The device decides "in front" in f32; a grazing sun it kept counts
                    // with no weight.
                    list.push((k, c.max(0.0)));
                }
            }
            list
        })
        .collect();
    Some((seen, traced))
}

/// Sensors per GPU block (progress and cancellation between blocks): about 16 M rays.
fn gpu_block(directions: usize) -> usize {
    ((1usize << 24) / directions.max(1)).max(1)
}

/// Traces every sensor towards every direction in front of it on `backend` (the GPU when it
/// has one and can hold the scene, else all CPU threads with each sensor's rays in
/// direction order and a shadow cache), in blocks with progress and cancellation between
/// them. Returns `per_sensor(seen)` for each sensor, where `seen` lists the directions it
/// sees with their cosines, and the number of rays traced.
fn trace_sensors<R: Send>(
    backend: &crate::Backend,
    bvh: &Bvh,
    sensors: &[Sensor],
    directions: &[[f64; 3]],
    stage: &str,
    progress: &dyn crate::Progress,
    per_sensor: impl Fn(&[(usize, f64)]) -> R + Sync,
) -> Result<(Vec<R>, u64), crate::Cancelled> {
    use rayon::prelude::*;
    let mut out = Vec::with_capacity(sensors.len());
    let mut rays = 0u64;
    let report = |done: usize| {
        progress.report(done as f32 / sensors.len().max(1) as f32, stage);
    };
    // On a GPU a block goes in one submission; a device failure leaves the rest to the CPU.
    if let Some((g, scene)) = backend
        .gpu()
        .and_then(|g| backend.upload(bvh).map(|s| (g, s)))
    {
        for block in sensors.chunks(gpu_block(directions.len())) {
            progress.check()?;
            let Some((seen, traced)) = gpu_seen(g, &scene, block, directions) else {
                break;
            };
            rays += traced;
            out.extend(seen.iter().map(|list| per_sensor(list)));
            report(out.len());
        }
    }
    // The CPU: blocks of about 2^19 (sensor, direction) pairs, a few tens of milliseconds
    // on a few cores, so progress moves and a cancellation is seen that often (a fixed
    // sensor count would make blocks of a year of minute suns take seconds).
    let block_size = ((1usize << 19) / directions.len().max(1)).clamp(4, 512);
    let order = direction_order(directions);
    let start = out.len();
    for block in sensors[start..].chunks(block_size) {
        progress.check()?;
        let rows: Vec<(R, u64)> = block
            .par_iter()
            .map(|sensor| {
                let mut seen = Vec::new();
                let mut traced = 0;
                if sensor.normal.length_squared() > 0.0 {
                    let mut cache = ShadowCache::default();
                    for &k in &order {
                        let k = k as usize;
                        let c = cosine(sensor, directions[k]);
                        // Ladybug counts a direction at exactly 90° to the normal as in front.
                        if c < 0.0 {
                            continue;
                        }
                        traced += 1;
                        if sees(bvh, sensor.position, directions[k], &mut cache) {
                            seen.push((k, c));
                        }
                    }
                }
                (per_sensor(&seen), traced)
            })
            .collect();
        for (r, traced) in rows {
            out.push(r);
            rays += traced;
        }
        report(out.len());
    }
    Ok((out, rays))
}

/// Cosine between a sensor's normal and a direction.
fn cosine(sensor: &Sensor, d: [f64; 3]) -> f64 {
    sensor.normal.x * d[0] + sensor.normal.y * d[1] + sensor.normal.z * d[2]
}

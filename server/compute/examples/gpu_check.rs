//! The GPU check for a machine with a GPU and no Rust toolchain (scripts/gpu-check.sh runs
//! the release build of this file carried over). In one run, on the cpu backend and every
//! GPU backend that opens:
//! 1. kernel start: CUDA and wgpu opened with an empty kernel cache (NVRTC, or the Vulkan
//!    driver, compiles) and again with the cache filled;
//! 2. parity and throughput of shadow rays (any hit, sensors on the ground towards the
//!    year's suns, the rays of a sun-hours study) and of random closest-hit rays on cities
//!    of 100 k and 1 M triangles: rays/s including upload and read-back, and rays whose
//!    answer differs from the cpu backend's;
//! 3. a year of hourly sun hours for SENSORS sensors on the 1 M city: seconds, rays/s, and
//!    sensors whose count differs from cpu.
//!
//! gpu_check [SENSORS] [RAYS]      (defaults 1 000 000 sensors, 4 000 000 rays per test)

use std::time::Instant;

use cicada_compute::sunlight::{Sensor, sun_exposure};
use cicada_compute::{Backend, NoProgress};
use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};
use cicada_sun::sunpath::{Location, Period, SunPathOptions, sun_path};

/// xorshift64*: a fixed sequence, so every machine builds the same city.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A ground grid and random boxes (12 triangles each) over `side` metres, about `n`
/// triangles: the city of bench/sun_hours_vs_embree.py, drawn from another sequence.
fn city(n: usize, side: f64, rng: &mut Rng) -> Vec<[Point3; 3]> {
    let mut tris = Vec::with_capacity(n);
    let g = 40;
    let cell = side / g as f64;
    for i in 0..g {
        for j in 0..g {
            let p = |a: usize, b: usize| Point3::new(a as f64 * cell, b as f64 * cell, 0.0);
            tris.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            tris.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    while tris.len() < n {
        let (x, y) = (rng.next() * (side - 20.0), rng.next() * (side - 20.0));
        let (w, d) = (2.0 + rng.next() * 18.0, 2.0 + rng.next() * 18.0);
        let h = 3.0 + 40.0 * rng.next() * rng.next();
        let b = cicada_geom::Mesh::axis_aligned_box(
            Point3::new(x, y, 0.0),
            Point3::new(x + w, y + d, h),
        );
        for f in b.faces() {
            let c = f.map(|i| b.positions()[i as usize]);
            tris.push([c[0], c[1], c[2]]);
            tris.push([c[0], c[2], c[3]]);
        }
    }
    tris
}

/// The year's hourly sun directions in London.
fn year_of_suns() -> Vec<[f64; 3]> {
    let loc = Location {
        latitude: 51.5,
        longitude: -0.12,
        utc_offset: 0.0,
        elevation: 20.0,
    };
    sun_path(&loc, &Period::default(), &SunPathOptions::default())
        .unwrap_or_default()
        .iter()
        .map(|s| s.direction)
        .collect()
}

/// Every backend that opens here, cpu first (the reference).
fn backends() -> Vec<Backend> {
    ["cpu", "wgpu", "cuda"]
        .into_iter()
        .filter_map(|name| match Backend::open(name) {
            Ok(b) => Some(b),
            Err(e) => {
                println!("{name:<6} unavailable: {e}");
                None
            }
        })
        .collect()
}

/// Opens CUDA twice against a fresh kernel cache: compiled, then cached.
fn kernel_start() {
    println!("\n== kernel start (worker start to kernels ready)");
    let dir = std::env::temp_dir().join(format!("cicada-gpu-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for attempt in ["empty cache", "cached"] {
        match cicada_gpu::Cuda::new(Some(&dir)) {
            Ok(c) => {
                let load = c.kernel_load();
                println!(
                    "cuda   {attempt:<12} {:>8.3} s  from cache: {}",
                    load.seconds, load.from_cache
                );
            }
            Err(e) => {
                println!("cuda   unavailable: {e}");
                break;
            }
        }
    }
    for attempt in ["empty cache", "cached"] {
        match cicada_gpu::Gpu::with_cache(Some(&dir)) {
            Ok(g) => {
                let load = g.kernel_load();
                println!(
                    "wgpu   {attempt:<12} {:>8.3} s  from cache: {} ({})",
                    load.seconds,
                    load.from_cache,
                    if load.cache_file.is_some() {
                        "pipeline cache"
                    } else {
                        "no pipeline cache on this device"
                    }
                );
            }
            Err(e) => {
                println!("wgpu   unavailable: {e}");
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Answers of `rays` on `backend`: the hit triangle per ray (`u32::MAX` for none).
fn trace(backend: &Backend, bvh: &Bvh, rays: &[Ray], any_hit: bool) -> Option<Vec<u32>> {
    use rayon::prelude::*;
    match backend.gpu() {
        Some(device) => {
            let scene = device.upload(bvh).ok()?;
            let hits = device.trace(&scene, rays, any_hit).ok()?;
            Some(
                hits.iter()
                    .map(|h| h.map_or(u32::MAX, |h| h.triangle))
                    .collect(),
            )
        }
        None => Some(
            rays.par_iter()
                .map(|r| {
                    let hit = if any_hit {
                        bvh.any_hit(r)
                    } else {
                        bvh.closest_hit(r)
                    };
                    hit.map_or(u32::MAX, |h| h.triangle)
                })
                .collect(),
        ),
    }
}

/// Shadow rays: from random ground points towards random suns of the year.
fn shadow_rays(rng: &mut Rng, side: f64, suns: &[[f64; 3]], n: usize) -> Vec<Ray> {
    (0..n)
        .map(|_| {
            let d = suns[(rng.next() * suns.len() as f64) as usize % suns.len()];
            Ray {
                origin: Point3::new(rng.next() * side, rng.next() * side, 0.1),
                direction: Vector3::new(d[0], d[1], d[2]),
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect()
}

/// Random rays: from above the city towards random points in it.
fn random_rays(rng: &mut Rng, side: f64, n: usize) -> Vec<Ray> {
    (0..n)
        .map(|_| {
            let origin = Point3::new(
                rng.next() * side,
                rng.next() * side,
                10.0 + 60.0 * rng.next(),
            );
            let target = Point3::new(rng.next() * side, rng.next() * side, 0.0);
            let d = target - origin;
            Ray {
                origin,
                direction: d / d.length(),
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_sensors = args.first().copied().unwrap_or(1_000_000);
    let n_rays = args.get(1).copied().unwrap_or(4_000_000);
    let suns = year_of_suns();
    kernel_start();
    let backends = backends();
    let mut rng = Rng(0x00c1_cada_2026_1128);
    let mut big = None;
    for n_tris in [100_000, 1_000_000] {
        let side = 3000.0 * (n_tris as f64 / 200_000.0).sqrt().max(1.0);
        let tris = city(n_tris, side, &mut rng);
        let t = Instant::now();
        let bvh = Bvh::new(&tris);
        println!(
            "\n== rays: city of {} triangles over {side:.0} m (BVH build {:.2} s)",
            tris.len(),
            t.elapsed().as_secs_f64()
        );
        println!(
            "{:<6} {:<10} {:<56} {:>9} {:>10} {:>8}",
            "kind", "backend", "device", "secs", "Mrays/s", "differ"
        );
        for (kind, rays, any_hit) in [
            ("shadow", shadow_rays(&mut rng, side, &suns, n_rays), true),
            ("random", random_rays(&mut rng, side, n_rays), false),
        ] {
            let mut reference: Option<Vec<u32>> = None;
            for backend in &backends {
                // Once to warm up (allocations, first-use compilation), once timed.
                let _ = trace(backend, &bvh, &rays[..rays.len().min(10_000)], any_hit);
                let t = Instant::now();
                let Some(hits) = trace(backend, &bvh, &rays, any_hit) else {
                    println!("{kind:<6} {:<10} failed", backend.name());
                    continue;
                };
                let secs = t.elapsed().as_secs_f64();
                // Any-hit may name any blocker: compare blocked or not.
                let differ = reference.as_ref().map_or(0, |r| {
                    r.iter()
                        .zip(&hits)
                        .filter(|(a, b)| {
                            if any_hit {
                                (**a == u32::MAX) != (**b == u32::MAX)
                            } else {
                                a != b
                            }
                        })
                        .count()
                });
                println!(
                    "{kind:<6} {:<10} {:<56} {secs:>9.3} {:>10.1} {differ:>8}",
                    backend.name(),
                    backend.device(),
                    rays.len() as f64 / secs / 1e6
                );
                reference.get_or_insert(hits);
            }
        }
        big = Some((bvh, side));
    }
    let Some((bvh, side)) = big else { return };
    let sensors: Vec<Sensor> = (0..n_sensors)
        .map(|_| Sensor {
            position: Point3::new(rng.next() * side, rng.next() * side, 0.1),
            normal: Vector3::new(0.0, 0.0, 1.0),
            area: 1.0,
        })
        .collect();
    println!(
        "\n== a year of hourly sun hours: {} sensors, {} suns, 1 M-triangle city",
        sensors.len(),
        suns.len()
    );
    println!(
        "{:<10} {:<56} {:>9} {:>10} {:>8}",
        "backend", "device", "secs", "Mrays/s", "differ"
    );
    let mut reference: Option<Vec<u32>> = None;
    for backend in &backends {
        let t = Instant::now();
        let Ok(e) = sun_exposure(backend, &bvh, &sensors, &suns, None, false, &NoProgress) else {
            continue;
        };
        let secs = t.elapsed().as_secs_f64();
        let differ = reference
            .as_ref()
            .map_or(0, |r| r.iter().zip(&e.lit).filter(|(a, b)| a != b).count());
        println!(
            "{:<10} {:<56} {secs:>9.2} {:>10.1} {differ:>8}",
            backend.name(),
            backend.device(),
            e.rays as f64 / secs / 1e6
        );
        reference.get_or_insert(e.lit);
    }
}

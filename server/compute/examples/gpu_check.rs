//! The GPU check for a machine with a GPU and no Rust toolchain (scripts/gpu-check.sh runs
//! the release build of this file carried over): a year of hourly sun hours on a synthetic
//! city, on the cpu backend and on every GPU backend that opens, with the lit counts
//! compared sensor by sensor and the throughput printed as a table.
//!
//! gpu_check [TRIANGLES] [SENSORS]     (defaults 1 000 000 and 100 000)

use std::time::Instant;

use cicada_compute::sunlight::{Sensor, sun_exposure};
use cicada_compute::{Backend, NoProgress};
use cicada_geom::bvh::Bvh;
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

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (n_tris, n_sensors) = (
        args.first().copied().unwrap_or(1_000_000),
        args.get(1).copied().unwrap_or(100_000),
    );
    let mut rng = Rng(0x00c1_cada_2026_1128);
    let side = 3000.0 * (n_tris as f64 / 200_000.0).sqrt().max(1.0);
    let tris = city(n_tris, side, &mut rng);
    let sensors: Vec<Sensor> = (0..n_sensors)
        .map(|_| Sensor {
            position: Point3::new(rng.next() * side, rng.next() * side, 0.1),
            normal: Vector3::new(0.0, 0.0, 1.0),
            area: 1.0,
        })
        .collect();
    let loc = Location {
        latitude: 51.5,
        longitude: -0.12,
        utc_offset: 0.0,
        elevation: 20.0,
    };
    let suns: Vec<[f64; 3]> = sun_path(&loc, &Period::default(), &SunPathOptions::default())
        .unwrap_or_default()
        .iter()
        .map(|s| s.direction)
        .collect();
    let t = Instant::now();
    let bvh = Bvh::new(&tris);
    println!(
        "scene: {} triangles over {side:.0} m, {} sensors, {} suns; BVH build {:.2} s",
        tris.len(),
        sensors.len(),
        suns.len(),
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<8} {:<58} {:>10} {:>12} {:>10}",
        "backend", "device", "secs", "Mrays/s", "differ"
    );
    let mut reference: Option<Vec<u32>> = None;
    for name in ["cpu", "wgpu", "cuda"] {
        let backend = match Backend::open(name) {
            Ok(b) => b,
            Err(e) => {
                println!("{name:<8} unavailable: {e}");
                continue;
            }
        };
        let t = Instant::now();
        let e = match sun_exposure(&backend, &bvh, &sensors, &suns, None, false, &NoProgress) {
            Ok(e) => e,
            Err(_) => continue,
        };
        let secs = t.elapsed().as_secs_f64();
        let differ = reference
            .as_ref()
            .map_or(0, |r| r.iter().zip(&e.lit).filter(|(a, b)| a != b).count());
        println!(
            "{:<8} {:<58} {:>10.2} {:>12.1} {:>10}",
            backend.name(),
            backend.device(),
            secs,
            e.rays as f64 / secs / 1e6,
            differ
        );
        reference.get_or_insert(e.lit);
    }
}

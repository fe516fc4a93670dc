//! Times BVH build and ray queries on a scene file written by bench/bvh_vs_embree.py, so
//! Cicada and Embree see the same triangles and rays. Prints one JSON line.
//!
//! File layout (little-endian): u64 triangle count T, u64 ray count R, then T·9 f64 corner
//! coordinates, R·3 f64 origins, R·3 f64 directions (unit).
//!
//! cargo run --release -p cicada-geom --example bvh_bench -- scene.bin

use std::time::Instant;

use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};

fn read_f64s(bytes: &[u8], count: usize, at: &mut usize) -> Vec<f64> {
    let out = bytes[*at..*at + count * 8]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    *at += count * 8;
    out
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bvh_bench SCENE.bin");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let header = |i: usize| {
        u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8])) as usize
    };
    let (nt, nr) = (header(0), header(1));
    let mut at = 16;
    let corners = read_f64s(&bytes, nt * 9, &mut at);
    let origins = read_f64s(&bytes, nr * 3, &mut at);
    let directions = read_f64s(&bytes, nr * 3, &mut at);
    let triangles: Vec<[Point3; 3]> = corners
        .chunks_exact(9)
        .map(|c| {
            [
                Point3::new(c[0], c[1], c[2]),
                Point3::new(c[3], c[4], c[5]),
                Point3::new(c[6], c[7], c[8]),
            ]
        })
        .collect();
    let rays: Vec<Ray> = origins
        .chunks_exact(3)
        .zip(directions.chunks_exact(3))
        .map(|(o, d)| Ray {
            origin: Point3::new(o[0], o[1], o[2]),
            direction: Vector3::new(d[0], d[1], d[2]),
            t_min: 0.0,
            t_max: f64::INFINITY,
        })
        .collect();

    let mut build = Vec::new();
    let mut bvh = None;
    for _ in 0..3 {
        let t = Instant::now();
        bvh = Some(Bvh::new(&triangles));
        build.push(t.elapsed().as_secs_f64());
    }
    let Some(bvh) = bvh else { return };

    // One thread: rays per second per core.
    let (mut closest, mut any) = (Vec::new(), Vec::new());
    let (mut hits, mut occluded) = (0usize, 0usize);
    for _ in 0..3 {
        let t = Instant::now();
        hits = rays.iter().filter(|r| bvh.closest_hit(r).is_some()).count();
        closest.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        occluded = rays.iter().filter(|r| bvh.any_hit(r).is_some()).count();
        any.push(t.elapsed().as_secs_f64());
    }
    let (c, a) = (median(closest), median(any));
    println!(
        "{{\"triangles\": {nt}, \"rays\": {nr}, \"nodes\": {}, \"build_secs\": {:.6}, \"closest_secs\": {c:.6}, \"any_secs\": {a:.6}, \"closest_rays_per_sec\": {:.0}, \"any_rays_per_sec\": {:.0}, \"hits\": {hits}, \"occluded\": {occluded}}}",
        bvh.nodes().len(),
        median(build),
        nr as f64 / c,
        nr as f64 / a
    );
}

//! BVH build and ray queries on a 100 k-triangle random scene, and the build of a 5 k one
//! (criterion). The side-by-side
//! with Embree on a city scene is bench/run-bvh-vs-embree.sh; this one tracks our own changes.

use std::hint::black_box;

use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A fixed xorshift sequence in [0, 1).
fn sequence(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn scene(n: usize) -> (Vec<[Point3; 3]>, Vec<Ray>) {
    let mut r = sequence(0x5eed);
    let mut tris = Vec::with_capacity(n);
    for _ in 0..n {
        let c = Point3::new(r() * 100.0, r() * 100.0, r() * 20.0);
        let mut corner = || c + Vector3::new(r() - 0.5, r() - 0.5, r() - 0.5);
        tris.push([corner(), corner(), corner()]);
    }
    let rays = (0..10_000)
        .map(|_| {
            let origin = Point3::new(r() * 100.0, r() * 100.0, 40.0);
            let target = Point3::new(r() * 100.0, r() * 100.0, 0.0);
            let d = target - origin;
            Ray {
                origin,
                direction: d / d.length(),
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect();
    (tris, rays)
}

fn bvh(c: &mut Criterion) {
    let (tris, rays) = scene(100_000);
    let mut group = c.benchmark_group("bvh_100k_triangles");
    group.sample_size(10);
    group.bench_function("build", |b| {
        b.iter(|| black_box(Bvh::new(black_box(&tris))))
    });
    let bvh = Bvh::new(&tris);
    group.throughput(Throughput::Elements(rays.len() as u64));
    group.bench_function("closest_hit", |b| {
        b.iter(|| rays.iter().filter(|r| bvh.closest_hit(r).is_some()).count())
    });
    group.bench_function("any_hit", |b| {
        b.iter(|| rays.iter().filter(|r| bvh.any_hit(r).is_some()).count())
    });
    group.finish();
    // The size of one surface's seeding mesh or one clash object's hierarchy: built by the
    // thousand in an intersection or clash job, and queried little.
    let (small, _) = scene(5_000);
    let mut group = c.benchmark_group("bvh_5k_triangles");
    group.bench_function("build", |b| {
        b.iter(|| black_box(Bvh::new(black_box(&small))))
    });
    group.finish();
}

criterion_group!(benches, bvh);
criterion_main!(benches);

//! NURBS surface evaluation (criterion): the point, the first-order frame that every Newton
//! step of the intersections takes, and second derivatives, on a bicubic B-spline sheet
//! with inner knots and on a rational biquadratic sphere. Tracks our own changes; the
//! intersections' side-by-side with OpenCASCADE is bench/run-ssi-vs-occt.sh.

use std::hint::black_box;

use cicada_geom::Point3;
use cicada_geom::nurbs::NurbsSurface;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A bicubic sheet over an 8 × 8 net with wavy heights (five spans each way).
fn sheet() -> NurbsSurface {
    let mut points = Vec::new();
    for i in 0..8 {
        for j in 0..8 {
            let z = ((i * 7 + j * 3) % 5) as f64 * 0.2;
            points.push(Point3::new(i as f64, j as f64, z));
        }
    }
    let knots = vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0];
    NurbsSurface::new((3, 3), (8, 8), &points, None, knots.clone(), knots).expect("sheet")
}

/// The unit sphere: a rational half circle revolved, 9 × 5 control points.
fn sphere() -> NurbsSurface {
    let w = std::f64::consts::FRAC_1_SQRT_2;
    let circle = [
        (1.0, 0.0, 1.0),
        (1.0, 1.0, w),
        (0.0, 1.0, 1.0),
        (-1.0, 1.0, w),
        (-1.0, 0.0, 1.0),
        (-1.0, -1.0, w),
        (0.0, -1.0, 1.0),
        (1.0, -1.0, w),
        (1.0, 0.0, 1.0),
    ];
    let profile = [
        (0.0, -1.0, 1.0),
        (1.0, -1.0, w),
        (1.0, 0.0, 1.0),
        (1.0, 1.0, w),
        (0.0, 1.0, 1.0),
    ];
    let (mut points, mut weights) = (Vec::new(), Vec::new());
    for &(cx, cy, cw) in &circle {
        for &(x, z, pw) in &profile {
            points.push(Point3::new(x * cx, x * cy, z));
            weights.push(cw * pw);
        }
    }
    let ku = vec![
        0.0, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0,
    ];
    let kv = vec![0.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.0];
    NurbsSurface::new((2, 2), (9, 5), &points, Some(&weights), ku, kv).expect("sphere")
}

fn evaluation(c: &mut Criterion) {
    for (name, s) in [("bicubic", sheet()), ("sphere", sphere())] {
        let ((u0, u1), (v0, v1)) = s.domain();
        let params: Vec<(f64, f64)> = (0..1000)
            .map(|k| {
                let f = (k as f64 * 0.618_034) % 1.0;
                let g = (k as f64 * 0.414_214) % 1.0;
                (u0 + (u1 - u0) * f, v0 + (v1 - v0) * g)
            })
            .collect();
        let mut group = c.benchmark_group(format!("surface_{name}"));
        group.throughput(Throughput::Elements(params.len() as u64));
        group.bench_function("point_at", |b| {
            b.iter(|| {
                for &(u, v) in &params {
                    black_box(s.point_at(u, v));
                }
            })
        });
        group.bench_function("frame_at", |b| {
            b.iter(|| {
                for &(u, v) in &params {
                    black_box(s.frame_at(u, v));
                }
            })
        });
        group.bench_function("derivatives_2", |b| {
            b.iter(|| {
                for &(u, v) in &params {
                    black_box(s.derivatives(u, v, 2));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, evaluation);
criterion_main!(benches);

//! Times `mesh_intersection` where two meshes lie flush everywhere: an n × n grid sheet
//! over [0, 10]² (2n² triangles) against an identical copy and against a copy moved by
//! half a cell (every triangle flush with several of the other's), beside `flush_area`
//! (the broad phase, the flush test and the areas alone), so the difference is what the
//! flush region's outline costs. Prints the area and outline found, which the closed form
//! checks: the overlap rectangle's area and perimeter.
//!
//! `cargo run --release -p cicada-geom --example flush_sheets_bench -- 300`

use std::time::Instant;

use cicada_geom::Point3;
use cicada_geom::bvh::Bvh;
use cicada_geom::mesh_intersection::{flush_area, mesh_intersection};

/// The grid sheet of `cells` × `cells` squares (each two triangles) from `lo`, `side` wide.
fn grid(lo: [f64; 2], side: f64, cells: usize) -> Vec<[Point3; 3]> {
    let step = side / cells as f64;
    let p = |i: usize, j: usize| Point3::new(lo[0] + i as f64 * step, lo[1] + j as f64 * step, 0.0);
    let mut out = Vec::with_capacity(2 * cells * cells);
    for i in 0..cells {
        for j in 0..cells {
            out.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            out.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    out
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let a = grid([0.0, 0.0], 10.0, n);
    let bvh_a = Bvh::new(&a);
    for (name, shift) in [("identical", 0.0), ("half a cell", 5.0 / n as f64)] {
        let b = grid([shift, 0.7 * shift], 10.0, n);
        let bvh_b = Bvh::new(&b);
        let started = Instant::now();
        let area = flush_area(&a, &bvh_a, &b, &bvh_b, 1e-9);
        let areas_alone = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let cut = mesh_intersection(&a, &bvh_a, &b, &bvh_b, 1e-9);
        let whole = started.elapsed().as_secs_f64();
        let outline: f64 = cut
            .polylines
            .iter()
            .map(|line| {
                let p = &line.points;
                let chords = if line.closed { p.len() } else { p.len() - 1 };
                (0..chords)
                    .map(|k| p[k].distance(p[(k + 1) % p.len()]))
                    .sum::<f64>()
            })
            .sum();
        let (w, h) = (10.0 - shift, 10.0 - 0.7 * shift);
        println!(
            "{name}: {} triangles a side, {} flush pairs; area {area:.6} (closed form {:.6}), \
             outline {} curve(s) {outline:.6} long (closed form {:.6}); flush_area {areas_alone:.3} s, \
             mesh_intersection {whole:.3} s",
            a.len(),
            cut.coplanar.len(),
            w * h,
            cut.polylines.len(),
            2.0 * (w + h),
        );
    }
}

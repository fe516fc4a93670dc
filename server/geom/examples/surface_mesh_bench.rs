//! Times `surface_mesh` on a mesh that crosses the surface everywhere: the bicubic sheet
//! z = 0 over [0, 10]² against a 300 × 300 grid (180 000 triangles) whose vertices lie
//! alternately about a millimetre above and below it, so that every triangle crosses it
//! and every edge comes within reach of it, though none lies on it (the worst case for the
//! pass that looks for mesh edges resting on the surface). Prints the median of the runs
//! asked for (`surface_mesh_bench [runs]`) with the curves found.

use std::time::Instant;

use cicada_geom::Point3;
use cicada_geom::bvh::Bvh;
use cicada_geom::nurbs::NurbsSurface;
use cicada_geom::nurbs_intersection::Seeds;
use cicada_geom::surface_mesh_intersection::surface_mesh_seeded;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut points = Vec::new();
    for i in 0..4 {
        for j in 0..4 {
            points.push(Point3::new(
                i as f64 * 10.0 / 3.0,
                j as f64 * 10.0 / 3.0,
                0.0,
            ));
        }
    }
    let knots = vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
    let sheet =
        NurbsSurface::new((3, 3), (4, 4), &points, None, knots.clone(), knots).expect("sheet");
    let n = 300;
    let at = |i: usize, j: usize| {
        let (x, y) = (i as f64 * 10.0 / n as f64, j as f64 * 10.0 / n as f64);
        let sign = if (i + j).is_multiple_of(2) { 1.0 } else { -1.0 };
        Point3::new(
            x,
            y,
            sign * 1e-3 * (1.3 + (3.0 * x).sin() * (2.0 * y).cos()),
        )
    };
    let mut tris = Vec::with_capacity(2 * n * n);
    for i in 0..n {
        for j in 0..n {
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            tris.push([a, b, c]);
            tris.push([a, c, d]);
        }
    }
    let bvh = Bvh::new(&tris);
    let tolerance = 1e-6;
    let seeds = Seeds::new(&sheet, tolerance);
    let mut times = Vec::new();
    let mut found = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let cut = surface_mesh_seeded(&sheet, &seeds, &tris, &bvh, tolerance);
        times.push(start.elapsed().as_secs_f64());
        found = (
            cut.curves.len(),
            cut.curves.iter().map(|c| c.points.len()).sum(),
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "surface_mesh, {} triangles crossing a sheet: median {:.3} s of {runs} ({} curves, {} points)",
        tris.len(),
        times[times.len() / 2],
        found.0,
        found.1
    );
}

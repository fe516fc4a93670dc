//! Times surface–surface and curve–surface intersections on the sheets of
//! tests/data/intersect/occt_ssi.json, for bench/ssi_vs_occt.py: `ssi_bench DATA.json
//! [REPEAT] [TOLERANCE]` prints one JSON line per pair with the curve and point counts and
//! the median seconds of each call (building the surfaces excluded, as on the OCCT side).

use std::time::Instant;

use cicada_geom::nurbs_intersection::{curve_surface, surface_surface};

#[path = "../tests/shapes/mod.rs"]
mod shapes;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: ssi_bench DATA.json [REPEAT] [TOLERANCE]";
    let path = args.next().ok_or(usage)?;
    let repeat: usize = args
        .next()
        .map_or(Ok(5), |r| r.parse())
        .map_err(|e| format!("{e}"))?;
    let tolerance: f64 = args
        .next()
        .map_or(Ok(1e-7), |t| t.parse())
        .map_err(|e| format!("{e}"))?;
    for (k, (a, b, curve, _)) in shapes::occt_pairs(&path)?.iter().enumerate() {
        let (mut ssi, mut cs) = (Vec::new(), Vec::new());
        let (mut curves, mut curve_points, mut hits) = (0, 0, 0);
        for _ in 0..repeat.max(1) {
            let start = Instant::now();
            let cut = surface_surface(a, b, tolerance);
            ssi.push(start.elapsed().as_secs_f64());
            curves = cut.curves.len();
            curve_points = cut.curves.iter().map(|c| c.points.len()).sum();
            let start = Instant::now();
            hits = curve_surface(curve, a, tolerance).len();
            cs.push(start.elapsed().as_secs_f64());
        }
        println!(
            "{{\"pair\": {k}, \"curves\": {curves}, \"curve_points\": {curve_points}, \
             \"ssi_secs\": {}, \"hits\": {hits}, \"cs_secs\": {}}}",
            median(&mut ssi),
            median(&mut cs)
        );
    }
    Ok(())
}

fn median(x: &mut [f64]) -> f64 {
    x.sort_by(f64::total_cmp);
    x[x.len() / 2]
}

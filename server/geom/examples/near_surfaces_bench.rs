//! Times surface–surface intersections of surfaces that run near each other everywhere:
//! a bumpy bicubic sheet against a copy of itself, in place and moved by a multiple of the
//! tolerance, the worst case for the search of small loops and touches between seeding
//! meshes. `near_surfaces_bench [BUMPS] [REPEAT]` prints one JSON line per case with the
//! curve and touch counts and the median seconds of the call.

use std::time::Instant;

use cicada_geom::Vector3;
use cicada_geom::nurbs_intersection::surface_surface;

#[path = "../tests/shapes/mod.rs"]
mod shapes;

const TOLERANCE: f64 = 1e-6;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut number = |default: usize| -> Result<usize, String> {
        args.next()
            .map_or(Ok(default), |r| r.parse())
            .map_err(|e| format!("{e}"))
    };
    let (bumps, repeat) = (number(20)?, number(3)?);
    let sheet = shapes::bumpy_sheet(bumps);
    for (case, lift) in [
        ("identical", 0.0),
        ("lifted 0.5 tol", 0.5),
        ("lifted 3 tol", 3.0),
        ("lifted 100 tol", 100.0),
    ] {
        // In place: a clone, which the kernel knows for the same surface.
        let other = if lift == 0.0 {
            sheet.clone()
        } else {
            shapes::moved(&sheet, Vector3::new(0.0, 0.0, lift * TOLERANCE))
        };
        let mut secs = Vec::new();
        let (mut curves, mut touches, mut overlap) = (0, 0, false);
        for _ in 0..repeat.max(1) {
            let start = Instant::now();
            let cut = surface_surface(&sheet, &other, TOLERANCE);
            secs.push(start.elapsed().as_secs_f64());
            curves = cut.curves.len();
            touches = cut.tangent_points.len();
            overlap = cut.overlap;
        }
        secs.sort_by(f64::total_cmp);
        println!(
            "{{\"case\": \"{case}\", \"bumps\": {bumps}, \"curves\": {curves}, \
             \"touches\": {touches}, \"overlap\": {overlap}, \"secs\": {}}}",
            secs[secs.len() / 2]
        );
    }
    Ok(())
}

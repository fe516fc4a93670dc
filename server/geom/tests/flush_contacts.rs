//! Flush contacts against the closed form: two axis-aligned rectangles lying in one plane
//! (open sheets, as meshes of different grids, or one as a bilinear patch) share their
//! overlap rectangle, whose area the contact area must be and whose perimeter the
//! outline must be (touching curves, nothing crossing). Random rectangles, a third with a
//! side snapped onto the other's, a fifth apart; each also turned out of every coordinate
//! plane, so the sheets are flush only to rounding.

use cicada_geom::bvh::Bvh;
use cicada_geom::mesh_intersection::{mesh_intersection, meshes_touch_along};
use cicada_geom::surface_mesh_intersection::surface_mesh;
use cicada_geom::{Point3, Rotation};

mod shapes;
use shapes::{patch, polyline_length, sequence};

const TOL: f64 = 1e-6;

/// A rectangle `[x0, x1] × [y0, y1]` on z = 0.
type Rect = [f64; 4];

/// Two random rectangles, the second's corner within 1 of the first's: the second snapped
/// with one side onto the first's line a third of the time, moved wholly clear of it a
/// fifth of the time.
fn random_pair(next: &mut impl FnMut() -> f64) -> [Rect; 2] {
    let mut rect = |near: [f64; 2]| {
        let (x, y) = (near[0] + 2.0 * next() - 1.0, near[1] + 2.0 * next() - 1.0);
        [x, x + 0.3 + 2.0 * next(), y, y + 0.3 + 2.0 * next()]
    };
    let a = rect([0.0, 0.0]);
    let mut b = rect([a[0], a[2]]);
    let pick = next();
    if pick < 1.0 / 3.0 {
        let side = (next() * 4.0) as usize % 4;
        let width = b[side | 1] - b[side & 2];
        // Snap one side of b onto the same side of a (flush edges, one sheet ending where
        // the other does) and keep b's size.
        b[side] = a[side];
        if side.is_multiple_of(2) {
            b[side + 1] = b[side] + width;
        } else {
            b[side - 1] = b[side] - width;
        }
    } else if pick < 1.0 / 3.0 + 0.2 {
        let shift = a[1] - b[0] + 0.1;
        b[0] += shift;
        b[1] += shift;
    }
    [a, b]
}

/// The overlap of two rectangles: its area and perimeter (0 and 0 when they share no
/// area).
fn overlap(a: Rect, b: Rect) -> (f64, f64) {
    let w = a[1].min(b[1]) - a[0].max(b[0]);
    let h = a[3].min(b[3]) - a[2].max(b[2]);
    if w <= 0.0 || h <= 0.0 {
        (0.0, 0.0)
    } else {
        (w * h, 2.0 * (w + h))
    }
}

/// The rectangle as a grid of `n` × `m` squares, two triangles each, turned by `turn`.
fn sheet(r: Rect, (n, m): (usize, usize), turn: &Rotation) -> Vec<[Point3; 3]> {
    let p = |i: usize, j: usize| {
        turn.point(Point3::new(
            r[0] + (r[1] - r[0]) * i as f64 / n as f64,
            r[2] + (r[3] - r[2]) * j as f64 / m as f64,
            0.0,
        ))
    };
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..m {
            out.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            out.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    out
}

/// Asserts the contact area found (to 1e-9) and the outline's length (to `slack`).
fn assert_overlap(what: &str, (area, outline): (f64, f64), want: (f64, f64), slack: f64) {
    assert!(
        (area - want.0).abs() < 1e-9,
        "{what}: area {area}, not {}",
        want.0
    );
    assert!(
        (outline - want.1).abs() < slack,
        "{what}: outline {outline}, not {}",
        want.1
    );
}

/// No turn, and one out of every coordinate plane.
fn turns() -> [Rotation; 2] {
    [
        Rotation::from_quaternion([1.0, 0.0, 0.0, 0.0]),
        Rotation::from_quaternion([0.9, 0.3, -0.2, 0.25]),
    ]
}

#[test]
fn random_flush_sheets_meet_in_their_overlap_rectangle() {
    let mut next = sequence(0x51ed_270b_27a1_6c3du64);
    let mut overlapping = 0;
    for case in 0..120 {
        let [a, b] = random_pair(&mut next);
        let (area, perimeter) = overlap(a, b);
        overlapping += usize::from(area > 0.0);
        let grids = [(1 + case % 4, 2 + case % 3), (3 + case % 5, 1 + case % 2)];
        for (k, turn) in turns().iter().enumerate() {
            let (ta, tb) = (sheet(a, grids[0], turn), sheet(b, grids[1], turn));
            let (ba, bb) = (Bvh::new(&ta), Bvh::new(&tb));
            let cut = mesh_intersection(&ta, &ba, &tb, &bb, 1e-9);
            let what = format!("case {case}, turn {k}: {a:?} {b:?}");
            let outline: f64 = cut
                .polylines
                .iter()
                .map(|c| polyline_length(&c.points, c.closed))
                .sum();
            assert_overlap(&what, (cut.coplanar_area, outline), (area, perimeter), 1e-9);
            for c in &cut.polylines {
                assert!(
                    meshes_touch_along((&ta, &ba), (&tb, &bb), c, TOL),
                    "{what}: {c:?}"
                );
            }
        }
    }
    // The draw is not idle: most pairs overlap.
    assert!(overlapping > 60, "{overlapping} of 120 overlap");
}

#[test]
fn random_flush_patches_on_sheets_meet_in_their_overlap_rectangle() {
    // The first rectangle as a bilinear patch, the second as a mesh: the outline is the
    // patch's edges over the mesh and the mesh's open edges over the patch, each run's
    // ends found to rounding (1e-9 of the patch's size).
    let mut next = sequence(0x2545_f491_4f6c_dd1du64);
    let mut overlapping = 0;
    for case in 0..80 {
        let [a, b] = random_pair(&mut next);
        let (area, perimeter) = overlap(a, b);
        overlapping += usize::from(area > 0.0);
        for (k, turn) in turns().iter().enumerate() {
            let corner = |x: f64, y: f64| turn.point(Point3::new(x, y, 0.0));
            let surface = patch([
                corner(a[0], a[2]),
                corner(a[1], a[2]),
                corner(a[1], a[3]),
                corner(a[0], a[3]),
            ]);
            let tris = sheet(b, (2 + case % 3, 1 + case % 4), turn);
            let bvh = Bvh::new(&tris);
            let cut = surface_mesh(&surface, &tris, &bvh, TOL);
            let what = format!("case {case}, turn {k}: {a:?} {b:?}");
            let outline: f64 = cut
                .curves
                .iter()
                .map(|c| {
                    assert!(c.tangent, "{what}: {c:?}");
                    polyline_length(&c.points, c.closed)
                })
                .sum();
            assert_overlap(&what, (cut.coplanar_area, outline), (area, perimeter), 1e-7);
        }
    }
    assert!(overlapping > 40, "{overlapping} of 80 overlap");
}

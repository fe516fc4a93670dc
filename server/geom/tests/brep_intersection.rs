//! Trimmed intersections (shared/reference/structural-intersection.md, I13): the curves of
//! the untrimmed surfaces clipped by the trim loops and joined across the Breps' edges.
//! Every face is a plane or cylinder patch larger than the face, so the trims decide what
//! is kept; every answer is worked by hand:
//! - a sphere cutting a plane in a circle of radius ρ = 1.2, clipped by the square
//!   |x|, |y| ≤ 1: four arcs of ρ (π/2 − 2 acos(1/ρ)), ends at |x| = 1 or |y| = 1;
//! - the same circle in a hole of radius 1.3 (nothing) and around one of radius 1 (the
//!   whole loop);
//! - a sphere of radius ½ about a cube's corner: one closed loop of three quarter circles
//!   (3π/4) over the three faces of the corner;
//! - two unit cubes overlapping by half in x and y and half in z: one closed loop of six
//!   edges of ½ (length 3);
//! - a line through a cube: two points, not the six where it crosses the faces' planes; a
//!   line through an edge: one point;
//! - a cylinder's side (seam included) cut by a tilted plane: one closed ellipse, the seam
//!   no cut; cut by a steep plane: two arcs ending exactly on the rims; cut by a mesh
//!   folded across the top rim: one arc, both ends on the rim (one at the fold);
//! - the same side touching a wall face along a line, clipped by both faces' trims;
//! - a pipe's mitred end on a plate: the ellipse of the mitre (perimeter by Ramanujan),
//!   which runs along the side face's curved trim;
//! - boxes side by side sharing a face or part of one: its outline once, an overlap;
//! - random pairs of boxes, a third of their planes flush: the length of the lines their
//!   surfaces share and of the outlines of shared faces, counted line by line; the same
//!   with the second box a mesh, and with both meshes; turned by a rotation; with faces
//!   that are whole surfaces; flush only to within a coarse tolerance.

use cicada_geom::brep_intersection::{
    BrepCurve, BrepMeshCurve, Face, brep_brep, brep_mesh, curve_brep,
};
use cicada_geom::bvh::Bvh;
use cicada_geom::mesh_intersection::{mesh_intersection, meshes_touch_along};
use cicada_geom::nurbs::{NurbsCurve, NurbsSurface};
use cicada_geom::tessellate_brep::{FaceLoop, FaceTrim, TrimmedFace};
use cicada_geom::{Point3, Rotation};

mod shapes;
use shapes::{CIRCLE, CIRCLE_KNOTS, CIRCLE_W, cylinder, patch, sequence, sphere};

const TOL: f64 = 1e-6;

fn line2(a: [f64; 2], b: [f64; 2], edge: usize) -> FaceTrim {
    let pts = [Point3::new(a[0], a[1], 0.0), Point3::new(b[0], b[1], 0.0)];
    FaceTrim {
        curve: NurbsCurve::new(1, &pts, None, vec![0.0, 0.0, 1.0, 1.0]).expect("line"),
        edge: Some(edge),
    }
}

/// The square loop `[lo, hi]²` in (u, v), counter-clockwise, its sides edges `first..`.
fn square_loop(lo: f64, hi: f64, first: usize) -> FaceLoop {
    FaceLoop {
        trims: vec![
            line2([lo, lo], [hi, lo], first),
            line2([hi, lo], [hi, hi], first + 1),
            line2([hi, hi], [lo, hi], first + 2),
            line2([lo, hi], [lo, lo], first + 3),
        ],
    }
}

/// A circle of radius `r` about `c` in (u, v), clockwise (a hole).
fn hole_loop(c: [f64; 2], r: f64, edge: usize) -> FaceLoop {
    circle_loop(c, r, edge, -1.0)
}

/// A circle of radius `r` about `c` in (u, v): anticlockwise when `turn` is 1, clockwise
/// when −1; one exact rational trim on Brep edge `edge`.
fn circle_loop(c: [f64; 2], r: f64, edge: usize, turn: f64) -> FaceLoop {
    let pts: Vec<Point3> = CIRCLE
        .iter()
        .map(|&(x, y)| Point3::new(c[0] + r * x, c[1] + turn * r * y, 0.0))
        .collect();
    let curve = NurbsCurve::new(2, &pts, Some(&CIRCLE_W), CIRCLE_KNOTS.to_vec()).expect("circle");
    FaceLoop {
        trims: vec![FaceTrim {
            curve,
            edge: Some(edge),
        }],
    }
}

/// The face `o + a e1 + b e2`, a, b ∈ [0, 1], as a trim of the plane patch that reaches
/// `margin` (in face widths) beyond it on every side.
fn plane_face(o: Point3, e1: [f64; 3], e2: [f64; 3], margin: f64) -> TrimmedFace {
    let at = |a: f64, b: f64| {
        Point3::new(
            o.x + a * e1[0] + b * e2[0],
            o.y + a * e1[1] + b * e2[1],
            o.z + a * e1[2] + b * e2[2],
        )
    };
    let (lo, hi) = (-margin, 1.0 + margin);
    let surface = patch([at(lo, lo), at(hi, lo), at(hi, hi), at(lo, hi)]);
    let width = 1.0 + 2.0 * margin;
    TrimmedFace {
        surface,
        reversed: false,
        loops: vec![square_loop(margin / width, (1.0 + margin) / width, 0)],
    }
}

/// The six faces of the cube `corner + [0, size]³`, each trimmed from a larger plane.
fn cube(corner: Point3, size: f64) -> Vec<Face> {
    let axis = |k: usize| {
        let mut e = [0.0; 3];
        e[k % 3] = size;
        e
    };
    let mut faces = Vec::new();
    for k in 0..3 {
        for side in [0.0, 1.0] {
            let n = axis(k);
            let o = Point3::new(
                corner.x + side * n[0],
                corner.y + side * n[1],
                corner.z + side * n[2],
            );
            let face = plane_face(o, axis(k + 1), axis(k + 2), 0.75);
            faces.push(Face::trimmed(&face, TOL));
        }
    }
    faces
}

/// The length of the polyline through `points`, closed or open.
fn polyline_length(points: &[Point3], closed: bool) -> f64 {
    let n = points.len();
    let chords = if closed { n } else { n.saturating_sub(1) };
    (0..chords)
        .map(|k| points[k].distance(points[(k + 1) % n]))
        .sum()
}

/// The total length of Brep–mesh curves.
fn mesh_curves_length(curves: &[BrepMeshCurve]) -> f64 {
    curves
        .iter()
        .map(|c| polyline_length(&c.points, c.closed))
        .sum()
}

fn length(c: &BrepCurve) -> f64 {
    let n = c.points.len();
    let pairs = if c.closed { n } else { n - 1 };
    (0..pairs)
        .map(|k| c.points[k].point.distance(c.points[(k + 1) % n].point))
        .sum()
}

/// Checks that a point of curve `c` lies within the tolerance of `k` (a corner it turns).
fn assert_passes_through(c: &BrepCurve, k: Point3) {
    let nearest = c
        .points
        .iter()
        .map(|s| s.point.distance(k))
        .fold(f64::INFINITY, f64::min);
    assert!(nearest < TOL, "corner {k:?}: nearest {nearest}");
}

/// True when `p` lies on the surface of the box `[lo, hi]`.
fn on_box(p: Point3, lo: [f64; 3], hi: [f64; 3]) -> bool {
    let q = p.to_array();
    let within = (0..3).all(|k| q[k] >= lo[k] - TOL && q[k] <= hi[k] + TOL);
    let on_a_side = (0..3).any(|k| (q[k] - lo[k]).abs() < TOL || (q[k] - hi[k]).abs() < TOL);
    within && on_a_side
}

#[test]
fn square_face_clips_a_sphere_circle_into_four_arcs() {
    // Plane z = 0 over [−2, 2]², the face its middle [−1, 1]²; a sphere of radius 1.3
    // about (0, 0, 0.5) cuts the plane in the circle of radius √(1.69 − 0.25) = 1.2.
    let face = plane_face(
        Point3::new(-1.0, -1.0, 0.0),
        [2.0, 0.0, 0.0],
        [0.0, 2.0, 0.0],
        0.5,
    );
    let rho: f64 = 1.2;
    let ball = Face::whole(sphere(1.3, Point3::new(0.0, 0.0, 0.5)));
    let cut = brep_brep(&[Face::trimmed(&face, TOL)], &[ball], TOL);
    assert_eq!(cut.curves.len(), 4, "one arc in each corner of the square");
    let arc = rho * (std::f64::consts::FRAC_PI_2 - 2.0 * (1.0 / rho).acos());
    for c in &cut.curves {
        assert!(!c.closed);
        assert!(
            (length(c) - arc).abs() < 1e-5 * arc,
            "{} vs {arc}",
            length(c)
        );
        for s in &c.points {
            let p = s.point;
            assert!(
                p.z.abs() < TOL && (p.x.hypot(p.y) - rho).abs() < TOL,
                "{p:?}"
            );
            assert!(
                p.x.abs() <= 1.0 + TOL && p.y.abs() <= 1.0 + TOL,
                "{p:?} off the face"
            );
        }
        // Both ends exactly on the square's sides (the edge met by the sphere).
        for end in [c.points[0].point, c.points[c.points.len() - 1].point] {
            let side = (end.x.abs() - 1.0).abs().min((end.y.abs() - 1.0).abs());
            assert!(side < TOL, "end {end:?} not on an edge");
        }
    }
}

#[test]
fn a_hole_keeps_or_drops_the_circle() {
    // The plane face [−1.5, 1.5]² with a round hole; the sphere's circle has radius 1.2.
    let ball = Face::whole(sphere(1.3, Point3::new(0.0, 0.0, 0.5)));
    for (hole, expected) in [(1.3, 0usize), (1.0, 1)] {
        let mut face = plane_face(
            Point3::new(-1.5, -1.5, 0.0),
            [3.0, 0.0, 0.0],
            [0.0, 3.0, 0.0],
            0.0,
        );
        face.loops.push(hole_loop([0.5, 0.5], hole / 3.0, 9));
        let cut = brep_brep(
            &[Face::trimmed(&face, TOL)],
            std::slice::from_ref(&ball),
            TOL,
        );
        assert_eq!(cut.curves.len(), expected, "hole of radius {hole}");
        if let Some(c) = cut.curves.first() {
            assert!(c.closed, "the circle stays whole around a smaller hole");
            let full = 2.0 * std::f64::consts::PI * 1.2;
            assert!((length(c) - full).abs() < 1e-5 * full);
        }
    }
}

#[test]
fn sphere_about_a_cube_corner_is_one_loop_over_three_faces() {
    let cube = cube(Point3::new(0.0, 0.0, 0.0), 1.0);
    let centre = Point3::new(1.0, 1.0, 1.0);
    let ball = Face::whole(sphere(0.5, centre));
    let cut = brep_brep(&cube, &[ball], TOL);
    assert_eq!(cut.curves.len(), 1, "{:?}", cut.curves.len());
    let c = &cut.curves[0];
    assert!(c.closed, "three quarter circles joined at the cube's edges");
    let expected = 3.0 * std::f64::consts::FRAC_PI_2 * 0.5;
    assert!(
        (length(c) - expected).abs() < 1e-5 * expected,
        "{}",
        length(c)
    );
    let mut faces: Vec<u32> = c.points.iter().map(|s| s.face_a).collect();
    faces.sort();
    faces.dedup();
    assert_eq!(faces.len(), 3, "over the three faces at the corner");
    for s in &c.points {
        assert!((s.point.distance(centre) - 0.5).abs() < TOL);
        assert!(on_box(s.point, [0.0; 3], [1.0; 3]), "{:?}", s.point);
    }
    // Without the trims the three planes would each give a whole circle.
    let untrimmed: Vec<Face> = cube
        .iter()
        .map(|f| Face::whole(f.surface.clone()))
        .collect();
    let loose = brep_brep(&untrimmed, &[Face::whole(sphere(0.5, centre))], TOL);
    let total: f64 = loose.curves.iter().map(length).sum();
    assert!((total - 3.0 * std::f64::consts::PI).abs() < 1e-4, "{total}");
}

#[test]
fn overlapping_cubes_meet_in_one_closed_hexagon() {
    let a = cube(Point3::new(0.0, 0.0, 0.0), 1.0);
    let b = cube(Point3::new(0.5, 0.5, -0.5), 1.0);
    let cut = brep_brep(&a, &b, TOL);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.closed && !c.tangent);
    assert!((length(c) - 3.0).abs() < 1e-7, "{}", length(c));
    for s in &c.points {
        assert!(on_box(s.point, [0.0; 3], [1.0; 3]), "{:?}", s.point);
        assert!(
            on_box(s.point, [0.5, 0.5, -0.5], [1.5, 1.5, 0.5]),
            "{:?}",
            s.point
        );
    }
    // The six corners are points of the curve.
    let corners = [
        [0.5, 1.0, 0.0],
        [0.5, 0.5, 0.0],
        [1.0, 0.5, 0.0],
        [1.0, 0.5, 0.5],
        [1.0, 1.0, 0.5],
        [0.5, 1.0, 0.5],
    ];
    for k in corners {
        assert_passes_through(c, Point3::from_array(k));
    }
}

#[test]
fn line_through_a_cube_meets_two_faces_and_an_edge_once() {
    let cube = cube(Point3::new(0.0, 0.0, 0.0), 1.0);
    let line = |a: [f64; 3], b: [f64; 3]| {
        NurbsCurve::new(
            1,
            &[Point3::from_array(a), Point3::from_array(b)],
            None,
            vec![0.0, 0.0, 1.0, 1.0],
        )
        .expect("line")
    };
    // Through x = 0 at (0, 0.4, 0.5) and x = 1 at (1, 0.6, 0.6); its other plane
    // crossings (y = 0 at x = −2, z = 0 at x = −5, ...) are off the faces.
    let c = line([-1.0, 0.2, 0.4], [2.0, 0.8, 0.7]);
    let hits = curve_brep(&c, &cube, TOL);
    assert_eq!(hits.len(), 2, "{hits:?}");
    let expected = [[0.0, 0.4, 0.5], [1.0, 0.6, 0.6]];
    for ((_, h), e) in hits.iter().zip(expected) {
        assert!(h.point.distance(Point3::from_array(e)) < TOL, "{h:?}");
        assert!((h.t - (e[0] + 1.0) / 3.0).abs() < TOL);
    }
    // Through the edge x = y = 1 at z = 0.5: one point, on either face.
    let c = line([0.5, 0.5, 0.5], [1.5, 1.5, 0.5]);
    let hits = curve_brep(&c, &cube, TOL);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].1.point.distance(Point3::new(1.0, 1.0, 0.5)) < TOL);
}

/// The side of a cylinder of radius 1 about z from z = −`half` to `half`, trimmed by its
/// whole domain (two rims and the seam, used by both sides).
fn cylinder_side(half: f64, rim: f64) -> Face {
    let (lo, hi) = (0.5 - rim / (2.0 * half), 0.5 + rim / (2.0 * half));
    Face::trimmed(&rimmed_cylinder(half, [lo, hi]), TOL)
}

/// The side of the cylinder of radius 1 about z from z = −`half` to `half`, trimmed to the
/// rims at parameters `v` (the seam is no edge: its two trims share edge 2).
fn rimmed_cylinder(half: f64, [lo, hi]: [f64; 2]) -> TrimmedFace {
    TrimmedFace {
        surface: cylinder(1.0, 2, half),
        reversed: false,
        loops: vec![FaceLoop {
            trims: vec![
                line2([0.0, lo], [1.0, lo], 0),
                line2([1.0, lo], [1.0, hi], 2),
                line2([1.0, hi], [0.0, hi], 1),
                line2([0.0, hi], [0.0, lo], 2),
            ],
        }],
    }
}

/// The plane through the origin tilted by `theta` about the y axis (normal (−sin θ, 0,
/// cos θ)), as a large patch.
fn tilted_plane(theta: f64) -> Face {
    let (s, c) = theta.sin_cos();
    let p = |x: f64, y: f64| Point3::new(x * c, y, x * s);
    Face::whole(patch([
        p(-3.0, -3.0),
        p(3.0, -3.0),
        p(3.0, 3.0),
        p(-3.0, 3.0),
    ]))
}

#[test]
fn cylinder_seam_is_no_cut_and_rims_clip_a_steep_plane() {
    // A plane tilted by 30° cuts the cylinder in an ellipse (z = x tan θ ∈ ±0.58), well
    // within the rims at ±1: one closed curve, though it crosses the seam.
    let side = cylinder_side(2.0, 1.0);
    let theta = 30f64.to_radians();
    let cut = brep_brep(std::slice::from_ref(&side), &[tilted_plane(theta)], TOL);
    assert_eq!(cut.curves.len(), 1);
    assert!(cut.curves[0].closed, "the seam does not cut the ellipse");
    for s in &cut.curves[0].points {
        let p = s.point;
        assert!((p.x.hypot(p.y) - 1.0).abs() < TOL && (p.z - p.x * theta.tan()).abs() < TOL);
    }
    // At 60° the ellipse reaches z = ±tan 60° ≈ ±1.73, beyond the rims at ±1: two arcs
    // (y > 0 and y < 0), each from the top rim down to the bottom one.
    let theta = 60f64.to_radians();
    let cut = brep_brep(&[side], &[tilted_plane(theta)], TOL);
    assert_eq!(
        cut.curves.len(),
        2,
        "the part between the rims, in two arcs"
    );
    for c in &cut.curves {
        assert!(!c.closed);
        let (first, last) = (c.points[0].point, c.points[c.points.len() - 1].point);
        for end in [first, last] {
            assert!((end.z.abs() - 1.0).abs() < TOL, "end {end:?} on a rim");
            // On the rim: x = z / tan θ.
            assert!((end.x - end.z / theta.tan()).abs() < TOL);
        }
        for s in &c.points {
            assert!(s.point.z.abs() <= 1.0 + TOL);
        }
    }
}

#[test]
fn a_trimmed_cylinder_against_a_steep_mesh_plane_ends_on_its_rims() {
    // The side of the cylinder between its rims z = ±1 (the surface reaches ±2), against a
    // plane mesh tilted by 60° (two triangles): the ellipse z = x tan 60° leaves the face
    // at the rims, so two arcs, each from rim to rim, exact on the cylinder and the plane.
    let side = cylinder_side(2.0, 1.0);
    let theta = 60f64.to_radians();
    let (s, c) = theta.sin_cos();
    let p = |x: f64, y: f64| Point3::new(x * c, y, x * s);
    let (a, b, q, d) = (p(-3.0, -3.0), p(3.0, -3.0), p(3.0, 3.0), p(-3.0, 3.0));
    let tris = vec![[a, b, q], [a, q, d]];
    let bvh = Bvh::new(&tris);
    let cut = brep_mesh(std::slice::from_ref(&side), &tris, &bvh, TOL);
    assert_eq!(cut.len(), 2, "{cut:?}");
    for curve in &cut {
        assert!(!curve.closed);
        for p in &curve.points {
            assert!((p.x.hypot(p.y) - 1.0).abs() < TOL, "{p:?} off the cylinder");
            assert!((p.z - p.x * theta.tan()).abs() < TOL, "{p:?} off the plane");
            assert!(p.z.abs() <= 1.0 + TOL);
        }
        // The ends are put on the rim edges and the plane exactly (Newton), not on a chord.
        for end in [curve.points[0], curve.points[curve.points.len() - 1]] {
            assert!((end.z.abs() - 1.0).abs() < 1e-9, "end {end:?} not on a rim");
            assert!(
                (end.x.hypot(end.y) - 1.0).abs() < 1e-9,
                "end {end:?} off the cylinder"
            );
            assert!(
                (end.z - end.x * theta.tan()).abs() < 1e-9,
                "end {end:?} off the plane"
            );
        }
        assert!(curve.faces.iter().all(|&f| f == 0));
    }
}

/// Length of the circle about `(cx, cy)` of radius `rho` that lies in the square [0, 1]²:
/// the angles where it crosses the square's four lines split it into arcs, each inside or
/// outside as its midpoint is (exact up to rounding).
fn arc_in_unit_square(cx: f64, cy: f64, rho: f64) -> f64 {
    let tau = std::f64::consts::TAU;
    let mut angles = vec![0.0, tau];
    for (centre, line, along_x) in [
        (cx, 0.0, true),
        (cx, 1.0, true),
        (cy, 0.0, false),
        (cy, 1.0, false),
    ] {
        let c = (line - centre) / rho;
        if c.abs() < 1.0 {
            let a = c.acos();
            // x = cx + ρ cos θ crosses at ±a; y = cy + ρ sin θ at π/2 ∓ (π/2 − asin c).
            let (first, second) = if along_x {
                (a, tau - a)
            } else {
                (c.asin(), std::f64::consts::PI - c.asin())
            };
            angles.extend([first.rem_euclid(tau), second.rem_euclid(tau)]);
        }
    }
    angles.sort_by(f64::total_cmp);
    angles
        .windows(2)
        .map(|w| {
            let m = (w[0] + w[1]) / 2.0;
            let (x, y) = (cx + rho * m.cos(), cy + rho * m.sin());
            let inside = (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y);
            if inside { rho * (w[1] - w[0]) } else { 0.0 }
        })
        .sum()
}

#[test]
fn random_spheres_against_a_cube_match_the_arcs_in_its_faces() {
    // Spheres at random about the cube [0, 1]³ (seeded): the exact length of the sphere's
    // trace on the cube's surface is, face by face, the arc of the circle where the sphere
    // cuts the face's plane that lies in the face. The trimmed intersection must have that
    // length (its chords fall short by their sag, under 1e-6 each).
    let cube = cube(Point3::new(0.0, 0.0, 0.0), 1.0);
    let mut next = sequence(0x2545_f491_4f6c_dd1du64);
    let mut crossing = 0;
    for _ in 0..24 {
        let c = [next() * 2.0 - 0.5, next() * 2.0 - 0.5, next() * 2.0 - 0.5];
        let r = 0.2 + next();
        let mut want = 0.0;
        for k in 0..3 {
            for side in [0.0, 1.0] {
                let d = c[k] - side;
                if d.abs() < r {
                    let rho = (r * r - d * d).sqrt();
                    want += arc_in_unit_square(c[(k + 1) % 3], c[(k + 2) % 3], rho);
                }
            }
        }
        let ball = Face::whole(sphere(r, Point3::from_array(c)));
        let cut = brep_brep(&cube, &[ball], TOL);
        let got: f64 = cut.curves.iter().map(length).sum();
        assert!(
            (got - want).abs() <= 1e-5 * want + 1e-6,
            "sphere {c:?} r {r}: {got} vs {want}"
        );
        for curve in &cut.curves {
            for s in &curve.points {
                assert!((s.point.distance(Point3::from_array(c)) - r).abs() < TOL);
                assert!(on_box(s.point, [0.0; 3], [1.0; 3]), "{:?}", s.point);
            }
        }
        if want > 0.0 {
            crossing += 1;
        }
    }
    assert!(crossing >= 12, "too few spheres meet the cube: {crossing}");
}

#[test]
fn a_cylinder_touching_a_wall_face_along_a_line_is_clipped_by_both_trims() {
    // The cylinder side of radius 1 about z, trimmed to |z| ≤ 1, against the face x = 1,
    // |y| ≤ 1, −0.5 ≤ z ≤ 2 (trimmed from a plane reaching half a face beyond): they touch
    // along (1, 0, z), from the wall's lower edge z = −0.5 to the cylinder's rim z = 1.
    let side = cylinder_side(2.0, 1.0);
    let wall = plane_face(
        Point3::new(1.0, -1.0, -0.5),
        [0.0, 2.0, 0.0],
        [0.0, 0.0, 2.5],
        0.5,
    );
    let cut = brep_brep(&[side], &[Face::trimmed(&wall, TOL)], TOL);
    assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.tangent && !c.closed);
    for s in &c.points {
        let p = s.point;
        assert!((p.x - 1.0).abs() < TOL && p.y.abs() < 1e-7, "{p:?}");
        assert!(p.z >= -0.5 - TOL && p.z <= 1.0 + TOL, "{p:?}");
    }
    assert!((length(c) - 1.5).abs() < 2.0 * TOL, "{}", length(c));
}

#[test]
fn a_cut_at_a_mesh_crease_lies_on_the_rim_and_the_mesh() {
    // The cylinder side of radius 1 between its rims z = ±1 against a mesh folded along
    // x = 0: z = 0.5x + 0.3y + 0.7 for x ≥ 0, z = 0.2x + 0.3y + 0.7 for x ≤ 0. With x = cos φ,
    // y = sin φ the curve rises above the top rim for φ in (φ₀, 90°), φ₀ = asin(0.3 / R) −
    // atan2(0.5, 0.3), R = √0.34, and stays below it elsewhere (and above the bottom rim):
    // one arc from the crease at (0, 1, 1), where the cut has two planes, round through
    // x < 0 to (cos φ₀, sin φ₀, 1).
    let side = cylinder_side(2.0, 1.0);
    let fold = |x: f64, y: f64| {
        let slope = if x >= 0.0 { 0.5 } else { 0.2 };
        Point3::new(x, y, slope * x + 0.3 * y + 0.7)
    };
    let (c0, c1) = (fold(0.0, -3.0), fold(0.0, 3.0));
    let (e0, e1) = (fold(3.0, -3.0), fold(3.0, 3.0));
    let (w0, w1) = (fold(-3.0, -3.0), fold(-3.0, 3.0));
    let tris = vec![[c0, e0, e1], [c0, e1, c1], [c0, c1, w1], [c0, w1, w0]];
    let bvh = Bvh::new(&tris);
    let cut = brep_mesh(std::slice::from_ref(&side), &tris, &bvh, TOL);
    assert_eq!(cut.len(), 1, "{cut:?}");
    let c = &cut[0];
    assert!(!c.closed && !c.tangent);
    for p in &c.points {
        assert!((p.x.hypot(p.y) - 1.0).abs() < TOL, "{p:?} off the cylinder");
        assert!((p.z - fold(p.x, p.y).z).abs() < TOL, "{p:?} off the mesh");
        assert!(p.z <= 1.0 + TOL, "{p:?} above the rim");
    }
    let phi0 = (0.3 / 0.34f64.sqrt()).asin() - 0.5f64.atan2(0.3);
    let expected = [
        Point3::new(0.0, 1.0, 1.0),
        Point3::new(phi0.cos(), phi0.sin(), 1.0),
    ];
    let ends = [c.points[0], c.points[c.points.len() - 1]];
    for e in expected {
        let d = ends
            .iter()
            .map(|x| x.distance(e))
            .fold(f64::INFINITY, f64::min);
        assert!(d < 1e-9, "no end at {e:?}: {ends:?}");
    }
}

#[test]
fn a_box_resting_on_a_slab_meets_it_in_the_outline_of_their_contact() {
    // The unit cube on the slab [−1, 2]² × [−3, 0] meets it along its bottom edges: the
    // square of side 1 (length 4), each side where a side face of the cube meets the slab's
    // top (a curve lying on a trim, so the cut at the trim's corner must not be lost). Moved
    // to overhang the slab's edge x = 2, the outline of the contact is the rectangle
    // [1.5, 2] × [0.5, 1.5] (length 3), closed by the slab's side face meeting the cube's
    // bottom. The flush faces themselves add no touch point. The side faces cross the
    // slab's top, but the cube stands on it: the outline is a touch (before: a crossing).
    let slab = cube(Point3::new(-1.0, -1.0, -3.0), 3.0);
    let cases = [
        (
            Point3::new(0.0, 0.0, 0.0),
            4.0,
            [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
        ),
        (
            Point3::new(1.5, 0.5, 0.0),
            3.0,
            [[1.5, 0.5], [2.0, 0.5], [2.0, 1.5], [1.5, 1.5]],
        ),
    ];
    for (corner, want, corners) in cases {
        let block = cube(corner, 1.0);
        let cut = brep_brep(&block, &slab, TOL);
        assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
        assert_eq!(cut.curves.len(), 1, "at {corner:?}");
        let c = &cut.curves[0];
        assert!(c.closed && c.tangent, "at {corner:?}");
        assert!((length(c) - want).abs() < 1e-9, "{}", length(c));
        let lo = corner.to_array();
        let hi = [lo[0] + 1.0, lo[1] + 1.0, lo[2] + 1.0];
        for s in &c.points {
            assert!(s.point.z.abs() < TOL, "{:?}", s.point);
            assert!(on_box(s.point, lo, hi), "{:?}", s.point);
            assert!(
                on_box(s.point, [-1.0, -1.0, -3.0], [2.0, 2.0, 0.0]),
                "{:?}",
                s.point
            );
        }
        for [x, y] in corners {
            assert_passes_through(c, Point3::new(x, y, 0.0));
        }
    }
}

#[test]
fn a_box_sunk_into_a_slab_or_resting_on_it_crosses_or_touches_it_as_breps_and_meshes() {
    // The unit cube with its bottom at z = −`depth` (the slab's top is z = 0): sunk by 0.25,
    // or by ten tolerances, its side faces pass through the top along the square of side 1,
    // a crossing; resting
    // (depth 0) the same square is a touch, whether the cube or the slab is the mesh; lifted
    // by 1e-3 they miss. Also the cube standing flush in the slab's corner (its sides on the
    // slab's edges x = 2 and y = 2): two sides of the outline lie on an edge of both, and
    // they still only touch. All again turned by one rotation, flush only to within
    // rounding, and both as meshes.
    let slab = [-1.0, -1.0, -3.0, 2.0, 2.0, 0.0];
    let rot = turn();
    let same = |p: [f64; 3]| p;
    for turned in [false, true] {
        let map: &dyn Fn([f64; 3]) -> [f64; 3] = if turned { &rot } else { &same };
        let slab_faces = turned_block_with(slab, 0.5, TOL, map);
        let slab_tris = box_triangles(slab, map);
        let slab_bvh = Bvh::new(&slab_tris);
        let cases = [
            ([0.0, 0.0], 0.25),
            ([0.0, 0.0], 10.0 * TOL),
            ([0.0, 0.0], 0.0),
            ([1.0, 1.0], 0.0),
            ([0.0, 0.0], -1e-3),
        ];
        for (lo, depth) in cases {
            let cube = [lo[0], lo[1], -depth, lo[0] + 1.0, lo[1] + 1.0, 1.0 - depth];
            let cube_faces = turned_block_with(cube, 0.5, TOL, map);
            let cube_tris = box_triangles(cube, map);
            let cube_bvh = Bvh::new(&cube_tris);
            let breps = brep_brep(&cube_faces, &slab_faces, TOL);
            let on_mesh = brep_mesh(&cube_faces, &slab_tris, &slab_bvh, TOL);
            let under_mesh = brep_mesh(&slab_faces, &cube_tris, &cube_bvh, TOL);
            let meshes = mesh_intersection(&cube_tris, &cube_bvh, &slab_tris, &slab_bvh, 1e-9);
            let case = format!("cube at {lo:?}, sunk by {depth}, turned: {turned}");
            if depth < 0.0 {
                let none = breps.curves.is_empty()
                    && on_mesh.is_empty()
                    && under_mesh.is_empty()
                    && meshes.polylines.is_empty();
                assert!(none, "{case}");
                continue;
            }
            let mesh =
                |c: &BrepMeshCurve| (c.closed, c.tangent, polyline_length(&c.points, c.closed));
            let flags = [
                breps
                    .curves
                    .iter()
                    .map(|c| (c.closed, c.tangent, length(c)))
                    .collect::<Vec<_>>(),
                on_mesh.iter().map(mesh).collect(),
                under_mesh.iter().map(mesh).collect(),
                meshes
                    .polylines
                    .iter()
                    .map(|c| {
                        let cube = (cube_tris.as_slice(), &cube_bvh);
                        let tangent = meshes_touch_along(cube, (&slab_tris, &slab_bvh), c, TOL);
                        (c.closed, tangent, polyline_length(&c.points, c.closed))
                    })
                    .collect(),
            ];
            let methods = ["Brep–Brep", "Brep on mesh", "mesh on Brep", "mesh–mesh"];
            for (method, got) in methods.iter().zip(flags) {
                assert_eq!(got.len(), 1, "{case}, {method}: {got:?}");
                let (closed, tangent, len) = got[0];
                assert!(
                    closed && (len - 4.0).abs() < 1e-6,
                    "{case}, {method}: {got:?}"
                );
                assert_eq!(tangent, depth == 0.0, "{case}, {method}");
            }
        }
    }
}

/// The side of a pipe of radius 1 about z (the cylinder of half-height 2), cut square at
/// z = 1 and mitred below by the plane z = −1 + x tan θ: its lower trim is that ellipse in
/// (u, v), a polyline of `n` sides (as a modeller's trim approximates an edge curve).
fn mitred_pipe(theta: f64, n: usize) -> Face {
    let half = 2.0;
    let surface: NurbsSurface = cylinder(1.0, 2, half);
    let v_of = |z: f64| (z + half) / (2.0 * half);
    let mitre: Vec<Point3> = (0..=n)
        .map(|k| {
            let u = k as f64 / n as f64;
            let x = surface.point_at(u, 0.5).x;
            Point3::new(u, v_of(-1.0 + x * theta.tan()), 0.0)
        })
        .collect();
    let mut knots = vec![0.0];
    knots.extend((0..=n).map(|k| k as f64 / n as f64));
    knots.push(1.0);
    let (v0, hi) = (mitre[0].y, v_of(1.0));
    let face = TrimmedFace {
        surface,
        reversed: false,
        loops: vec![FaceLoop {
            trims: vec![
                FaceTrim {
                    curve: NurbsCurve::new(1, &mitre, None, knots).expect("mitre"),
                    edge: Some(0),
                },
                line2([1.0, v0], [1.0, hi], 2),
                line2([1.0, hi], [0.0, hi], 1),
                line2([0.0, hi], [0.0, v0], 2),
            ],
        }],
    };
    Face::trimmed(&face, TOL)
}

#[test]
fn a_mitred_pipe_on_a_plate_meets_it_in_the_whole_ellipse_of_its_cut() {
    // The pipe's mitred end rests on the plate z = −1 + x tan θ + `lift`: at lift 0 the
    // plate meets the side exactly along the lower trim, a curved line in (u, v) that the
    // curve crosses back and forth within the trim's own accuracy (before: 550 pieces,
    // half the length). The curve is the ellipse of semi-axes 1 / cos θ and 1, perimeter
    // by Ramanujan's second formula (error ~1e-12 at this eccentricity); raised by 0.01
    // the plate cuts the same ellipse higher up the side; lowered by 1e-3 it misses.
    let theta: f64 = 20f64.to_radians();
    let pipe = [mitred_pipe(theta, 3000)];
    let (s, c) = theta.sin_cos();
    let (a, b) = (1.0 / c, 1.0);
    let h = ((a - b) / (a + b)).powi(2);
    let perimeter =
        std::f64::consts::PI * (a + b) * (1.0 + 3.0 * h / (10.0 + (4.0 - 3.0 * h).sqrt()));
    for lift in [0.0, 0.01, -1e-3] {
        let p = |x: f64, y: f64| Point3::new(x * c, y, x * s - 1.0 + lift);
        let plate = [Face::whole(patch([
            p(-3.0, -3.0),
            p(3.0, -3.0),
            p(3.0, 3.0),
            p(-3.0, 3.0),
        ]))];
        let cut = brep_brep(&pipe, &plate, TOL);
        assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
        if lift < 0.0 {
            assert!(cut.curves.is_empty(), "{} curves", cut.curves.len());
            continue;
        }
        assert_eq!(cut.curves.len(), 1, "lift {lift}");
        let curve = &cut.curves[0];
        assert!(curve.closed);
        assert_eq!(curve.tangent, lift == 0.0, "lift {lift}");
        assert!(
            (length(curve) - perimeter).abs() < 1e-5,
            "{} vs {perimeter}",
            length(curve)
        );
        for st in &curve.points {
            let q = st.point;
            assert!(((q.x * q.x + q.y * q.y).sqrt() - 1.0).abs() < TOL, "{q:?}");
            assert!((q.z - (-1.0 + lift + q.x * s / c)).abs() * c < TOL, "{q:?}");
        }
    }
}

#[test]
fn boxes_side_by_side_meet_in_the_outline_of_their_shared_face_once() {
    // A box against the face x = 1 of the unit cube shares the rectangle [y0, y1] ×
    // [z0, z1] of that face. Where the boxes' sides are flush (same y or z), the rectangle's
    // side lies where a face of each box ends on one line, and two face pairs find it: it
    // must come out once, in one closed outline of the rectangle's perimeter. The flush
    // faces x = 1 coincide over the rectangle: the pair is an overlap. Boxes that only
    // touch along an edge, or whose faces' planes coincide only outside their trims,
    // share no area.
    let cube_a = cube(Point3::new(0.0, 0.0, 0.0), 1.0);
    let cases = [
        (Point3::new(1.0, 0.0, 0.0), 1.0, [0.0, 1.0, 0.0, 1.0]),
        (Point3::new(1.0, 0.5, 0.0), 1.0, [0.5, 1.0, 0.0, 1.0]),
        (Point3::new(1.0, 0.5, 0.5), 1.0, [0.5, 1.0, 0.5, 1.0]),
        (Point3::new(1.0, 0.25, 0.25), 0.5, [0.25, 0.75, 0.25, 0.75]),
        (Point3::new(1.0, -0.5, -0.5), 2.0, [0.0, 1.0, 0.0, 1.0]),
    ];
    for (corner, size, [y0, y1, z0, z1]) in cases {
        let cut = brep_brep(&cube_a, &cube(corner, size), TOL);
        assert!(cut.overlap, "at {corner:?}");
        assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
        assert_eq!(cut.curves.len(), 1, "at {corner:?}");
        let c = &cut.curves[0];
        // Each box keeps to its own side of the shared plane: they touch.
        assert!(c.closed && c.tangent, "at {corner:?}");
        let want = 2.0 * ((y1 - y0) + (z1 - z0));
        assert!((length(c) - want).abs() < 1e-9, "{} vs {want}", length(c));
        for s in &c.points {
            let q = s.point;
            assert!((q.x - 1.0).abs() < TOL, "{q:?}");
            assert!(q.y > y0 - TOL && q.y < y1 + TOL && q.z > z0 - TOL && q.z < z1 + TOL);
        }
        for [y, z] in [[y0, z0], [y1, z0], [y1, z1], [y0, z1]] {
            assert_passes_through(c, Point3::new(1.0, y, z));
        }
    }
    // Along an edge only: the cube beside the unit cube's edge x = 1, y = 1.
    let edge = brep_brep(&cube_a, &cube(Point3::new(1.0, 1.0, 0.0), 1.0), TOL);
    assert!(!edge.overlap);
    // Planes that coincide outside the trims: the unit cube's top face's plane z = 1 is
    // also the top of a cube set beside it, but the two faces share no area.
    let beside = brep_brep(&cube_a, &cube(Point3::new(2.0, 0.0, 0.0), 1.0), TOL);
    assert!(!beside.overlap && beside.curves.is_empty());
}

/// The six faces of the box `[lo, hi]`, each trimmed from a larger plane.
fn block(lo: [f64; 3], hi: [f64; 3]) -> Vec<Face> {
    block_with([lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]], 0.5, TOL)
}

/// The six faces of the box `x` (lo then hi per axis), each a trim of a plane patch that
/// reaches `margin` face widths beyond it (0: the face is the whole patch), its loops
/// sampled to `tolerance`.
fn block_with(x: [f64; 6], margin: f64, tolerance: f64) -> Vec<Face> {
    turned_block_with(x, margin, tolerance, &|p| p)
}

/// [`block_with`] moved by the linear map `turn` (a rotation), applied to its corners and
/// sides alike.
fn turned_block_with(
    x: [f64; 6],
    margin: f64,
    tolerance: f64,
    turn: &dyn Fn([f64; 3]) -> [f64; 3],
) -> Vec<Face> {
    let mut faces = Vec::new();
    for k in 0..3 {
        let (i, j) = ((k + 1) % 3, (k + 2) % 3);
        for side in [x[k], x[k + 3]] {
            let mut o = [x[0], x[1], x[2]];
            o[k] = side;
            let (mut e1, mut e2) = ([0.0; 3], [0.0; 3]);
            e1[i] = x[i + 3] - x[i];
            e2[j] = x[j + 3] - x[j];
            let face = plane_face(Point3::from_array(turn(o)), turn(e1), turn(e2), margin);
            faces.push(Face::trimmed(&face, tolerance));
        }
    }
    faces
}

/// The triangles of the box mesh `x` (lo then hi per axis, 12 triangles), moved by the
/// linear map `turn`.
fn box_triangles(x: [f64; 6], turn: &dyn Fn([f64; 3]) -> [f64; 3]) -> Vec<[Point3; 3]> {
    let corner = |k: usize| Point3::new(x[k], x[k + 1], x[k + 2]);
    cicada_geom::Mesh::axis_aligned_box(corner(0), corner(3))
        .triangles()
        .map(|t| t.map(|p| Point3::from_array(turn(p.to_array()))))
        .collect()
}

/// [`check_box_flags`] for the curves of a Brep intersection.
fn check_brep_box_flags(
    a: [f64; 6],
    b: [f64; 6],
    curves: &[BrepCurve],
    check_faces: bool,
) -> Result<(), String> {
    let points: Vec<(bool, Vec<Point3>)> = curves
        .iter()
        .map(|c| (c.tangent, c.points.iter().map(|s| s.point).collect()))
        .collect();
    check_box_flags(
        a,
        b,
        points.iter().map(|(t, p)| (*t, p.as_slice())),
        check_faces,
    )
}

/// What the tangent flags of the curves where boxes `a` and `b` meet must be: boxes whose
/// interiors are apart (touching on a face, an edge or a corner) only touch, every curve a
/// touch; a curve that passes through the interior of a face of each (away from their
/// edges, where axis-aligned faces can only cross) is a crossing. `flags`: each curve's
/// tangent flag and points.
fn check_box_flags<'a>(
    a: [f64; 6],
    b: [f64; 6],
    flags: impl IntoIterator<Item = (bool, &'a [Point3])>,
    check_faces: bool,
) -> Result<(), String> {
    let apart = (0..3).any(|k| a[k + 3] <= b[k] || b[k + 3] <= a[k]);
    let in_face = |p: Point3, x: [f64; 6]| {
        let q = p.to_array();
        let on = (0..3)
            .filter(|&k| (q[k] - x[k]).abs() < 1e-7 || (q[k] - x[k + 3]).abs() < 1e-7)
            .count();
        let inside = (0..3)
            .filter(|&k| q[k] > x[k] + 1e-6 && q[k] < x[k + 3] - 1e-6)
            .count();
        on == 1 && inside == 2
    };
    for (tangent, points) in flags {
        if apart && !tangent {
            return Err(format!("apart but crossing at {:?}", points[0]));
        }
        if check_faces
            && tangent
            && let Some(p) = points.iter().find(|&&p| in_face(p, a) && in_face(p, b))
        {
            return Err(format!("touching through both faces at {p:?}"));
        }
    }
    Ok(())
}

/// The length of the curves two boxes `a`, `b` (lo then hi per axis) meet in: where their
/// surfaces cross or touch along a line, and the outline of any area they share. Every
/// such curve runs along a line where a plane of one box meets a plane of either; each
/// line is cut at every box coordinate along it, and a piece counts when its middle is on
/// both surfaces and not inside a shared area (points a little either way across the line
/// in one plane both on both surfaces).
fn boxes_meet_length(a: [f64; 6], b: [f64; 6]) -> f64 {
    let on = |p: [f64; 3], x: [f64; 6]| {
        let inside = (0..3).all(|k| p[k] >= x[k] && p[k] <= x[k + 3]);
        inside && (0..3).any(|k| p[k] == x[k] || p[k] == x[k + 3])
    };
    let on_both = |p: [f64; 3]| on(p, a) && on(p, b);
    let mut lines = Vec::new();
    for k in 0..3 {
        for m in k + 1..3 {
            for c1 in [a[k], a[k + 3], b[k], b[k + 3]] {
                for c2 in [a[m], a[m + 3], b[m], b[m + 3]] {
                    if !lines.contains(&(k, m, c1, c2)) {
                        lines.push((k, m, c1, c2));
                    }
                }
            }
        }
    }
    let mut total = 0.0;
    for (k, m, c1, c2) in lines {
        let n = 3 - k - m;
        let mut cuts = [a[n], a[n + 3], b[n], b[n + 3]];
        cuts.sort_by(f64::total_cmp);
        for w in cuts.windows(2) {
            if w[1] <= w[0] {
                continue;
            }
            let mut p = [0.0; 3];
            p[k] = c1;
            p[m] = c2;
            p[n] = 0.5 * (w[0] + w[1]);
            if !on_both(p) {
                continue;
            }
            let eps = 1e-7;
            let inside_area = [(m, k), (k, m)].iter().any(|&(across, _)| {
                [-eps, eps].iter().all(|d| {
                    let mut q = p;
                    q[across] += d;
                    on_both(q)
                })
            });
            if !inside_area {
                total += w[1] - w[0];
            }
        }
    }
    total
}

/// Two axis-aligned boxes (lo then hi per axis) from `next`, a third of the second's
/// planes snapped onto the first's (flush faces and edges).
fn random_box_pair(next: &mut impl FnMut() -> f64) -> [[f64; 6]; 2] {
    let mut boxes = [[0.0; 6]; 2];
    for b in &mut boxes {
        for k in 0..3 {
            let (c, h) = (next() * 2.0, 0.2 + next());
            b[k] = c - h;
            b[k + 3] = c + h;
        }
    }
    for k in 0..6 {
        if next() < 0.3 {
            let snap = boxes[0][k % 3 + if next() < 0.5 { 0 } else { 3 }];
            let other = boxes[1][(k + 3) % 6];
            if (k < 3 && snap < other - 0.1) || (k >= 3 && snap > other + 0.1) {
                boxes[1][k] = snap;
            }
        }
    }
    boxes
}

#[test]
fn random_boxes_flush_or_not_meet_in_their_surfaces_shared_lines_and_outlines() {
    // 150 pairs of axis-aligned boxes (seeded), a third of the second box's planes snapped
    // onto the first's: boxes crossing, resting on or beside each other, sharing a face, an
    // edge or part of one. The length of what they meet in is counted independently, line
    // by line (`boxes_meet_length`); before, flush faces lost stretches of the outline
    // (chords along a trim side cut at random by rounding, or an ulp past a corner) and
    // gave some twice. Every point lies on both boxes, and no touch is a lone point.
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    let mut flush_cases = 0;
    for case in 0..150 {
        let [a, b] = random_box_pair(&mut next);
        flush_cases += usize::from((0..6).any(|k| a[k] == b[k] || a[k] == b[(k + 3) % 6]));
        let faces = |x: [f64; 6]| block([x[0], x[1], x[2]], [x[3], x[4], x[5]]);
        let cut = brep_brep(&faces(a), &faces(b), TOL);
        let got: f64 = cut.curves.iter().map(length).sum();
        let want = boxes_meet_length(a, b);
        assert!(
            (got - want).abs() < 1e-9,
            "case {case}: {got} vs {want}\n{a:?}\n{b:?}"
        );
        assert!(cut.tangent_points.is_empty(), "case {case}");
        for s in cut.curves.iter().flat_map(|c| &c.points) {
            let on = |x: [f64; 6]| on_box(s.point, [x[0], x[1], x[2]], [x[3], x[4], x[5]]);
            assert!(on(a) && on(b), "case {case}: {:?}", s.point);
        }
        if let Err(e) = check_brep_box_flags(a, b, &cut.curves, true) {
            panic!("case {case}: {e}\n{a:?}\n{b:?}");
        }
    }
    assert!(flush_cases >= 50, "{flush_cases}");
}

#[test]
fn random_boxes_against_box_meshes_meet_as_their_exact_versions_do() {
    // The pairs of the test above with the second box a mesh (12 triangles): the same
    // lengths. Where the mesh rests on a face or lies flush in a corner, what they meet in
    // is the mesh's own edges that lie on the faces (before: 88 of 150 pairs wrong, the
    // outline missing where nothing crosses); the faces beside find the same edges again,
    // loops sharing sides, kept once.
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    for case in 0..150 {
        let [a, b] = random_box_pair(&mut next);
        let faces = block([a[0], a[1], a[2]], [a[3], a[4], a[5]]);
        let tris = box_triangles(b, &|p| p);
        let bvh = Bvh::new(&tris);
        let cut = brep_mesh(&faces, &tris, &bvh, TOL);
        let got: f64 = mesh_curves_length(&cut);
        let want = boxes_meet_length(a, b);
        assert!(
            (got - want).abs() < 1e-9,
            "case {case}: {got} vs {want}\n{a:?}\n{b:?}"
        );
        for p in cut.iter().flat_map(|c| &c.points) {
            let on = |x: [f64; 6]| on_box(*p, [x[0], x[1], x[2]], [x[3], x[4], x[5]]);
            assert!(on(a) && on(b), "case {case}: {p:?}");
        }
        let flags = cut.iter().map(|c| (c.tangent, c.points.as_slice()));
        if let Err(e) = check_box_flags(a, b, flags, true) {
            panic!("case {case} (mesh): {e}\n{a:?}\n{b:?}");
        }
    }
}

#[test]
fn random_box_meshes_meet_as_the_exact_boxes_do() {
    // The same pairs, both boxes meshes (mesh_intersection): the same lengths, the
    // outlines of flush faces drawn by the side triangles that end on them. Before, 3 of
    // 150 pairs lost those outlines: the broad phase moved each triangle's box back from
    // its hierarchy's local frame, which may miss a coordinate by an ulp, and two meshes
    // with different origins then had flush triangles an ulp apart.
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    for case in 0..150 {
        let [a, b] = random_box_pair(&mut next);
        let (ta, tb) = (box_triangles(a, &|p| p), box_triangles(b, &|p| p));
        let (ba, bb) = (Bvh::new(&ta), Bvh::new(&tb));
        let cut = mesh_intersection(&ta, &ba, &tb, &bb, 1e-9);
        let got: f64 = cut
            .polylines
            .iter()
            .map(|c| polyline_length(&c.points, c.closed))
            .sum();
        let want = boxes_meet_length(a, b);
        assert!(
            (got - want).abs() < 1e-9,
            "case {case}: {got} vs {want}\n{a:?}\n{b:?}"
        );
        let flags = cut.polylines.iter().map(|c| {
            let tangent = meshes_touch_along((&ta, &ba), (&tb, &bb), c, TOL);
            (tangent, c.points.as_slice())
        });
        if let Err(e) = check_box_flags(a, b, flags, true) {
            panic!("case {case} (meshes): {e}\n{a:?}\n{b:?}");
        }
    }
}

/// The rotation of the unit quaternion along (0.9, 0.3, −0.2, 0.25).
fn turn() -> impl Fn([f64; 3]) -> [f64; 3] {
    let rotation = Rotation::from_quaternion([0.9, 0.3, -0.2, 0.25]);
    move |p| rotation.apply(p)
}

#[test]
fn random_boxes_turned_meet_as_the_axis_aligned_ones_do() {
    // The pairs above turned by one rotation: the same lengths, now with flush faces flush
    // only to within rounding (each box's corners rotated on their own). Brep against
    // Brep; Brep against mesh (before, 32 of 150 wrong: a contact "curve" traced over a
    // mesh face lying flat on a Brep face to within 1e-16); mesh against mesh, welded at
    // 1e-9 (before, 82 of 150 wrong: exact signs made the flush faces cross in slivers or
    // miss by an ulp).
    let rot = turn();
    let turned_block = |x: [f64; 6]| turned_block_with(x, 0.5, TOL, &rot);
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    for case in 0..100 {
        let [a, b] = random_box_pair(&mut next);
        let want = boxes_meet_length(a, b);
        let exact = brep_brep(&turned_block(a), &turned_block(b), TOL);
        let got: f64 = exact.curves.iter().map(length).sum();
        assert!((got - want).abs() < 1e-6, "case {case}: {got} vs {want}");
        if let Err(e) = check_brep_box_flags(a, b, &exact.curves, false) {
            panic!("case {case}: {e}");
        }
        let tris = box_triangles(b, &rot);
        let cut = brep_mesh(&turned_block(a), &tris, &Bvh::new(&tris), TOL);
        let got: f64 = mesh_curves_length(&cut);
        assert!(
            (got - want).abs() < 1e-6,
            "case {case} (mesh): {got} vs {want}"
        );
        if let Err(e) = check_box_flags(a, b, cut.iter().map(|c| (c.tangent, &c.points[..])), false)
        {
            panic!("case {case} (mesh): {e}");
        }
        let tris_a = box_triangles(a, &rot);
        let cut = mesh_intersection(&tris_a, &Bvh::new(&tris_a), &tris, &Bvh::new(&tris), 1e-9);
        let got: f64 = cut
            .polylines
            .iter()
            .map(|c| polyline_length(&c.points, c.closed))
            .sum();
        assert!(
            (got - want).abs() < 1e-6,
            "case {case} (meshes): {got} vs {want}"
        );
    }
}

#[test]
fn random_boxes_whose_faces_are_whole_surfaces_meet_the_same() {
    // The pairs above with each face's surface exactly the face (its trim the surface's
    // own boundary), as many exporters write planar faces: trims and surface edges then
    // coincide. Brep against Brep to 1e-9; against the mesh to the tolerance (a cut on an
    // edge that is both lands within it).
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    for case in 0..80 {
        let [a, b] = random_box_pair(&mut next);
        let want = boxes_meet_length(a, b);
        let (fa, fb) = (block_with(a, 0.0, TOL), block_with(b, 0.0, TOL));
        let got: f64 = brep_brep(&fa, &fb, TOL).curves.iter().map(length).sum();
        assert!((got - want).abs() < 1e-9, "case {case}: {got} vs {want}");
        let tris = box_triangles(b, &|p| p);
        let got = mesh_curves_length(&brep_mesh(&fa, &tris, &Bvh::new(&tris), TOL));
        assert!(
            (got - want).abs() < TOL,
            "case {case} (mesh): {got} vs {want}"
        );
    }
}

/// A circle of radius `r` about `c` in (u, v), counter-clockwise (an outer loop).
fn disc_loop(c: [f64; 2], r: f64, edge: usize) -> FaceLoop {
    circle_loop(c, r, edge, 1.0)
}

/// A can (cylinder of radius 1 about the z axis) from z = 0 to 1: its side, trimmed by its
/// rims, and two discs, each a plane patch trimmed by the exact circle.
fn can() -> Vec<Face> {
    // z = 4v − 2 on the cylinder of half-height 2: the rims z = 0 and 1 at v = ½ and ¾.
    let side = rimmed_cylinder(2.0, [0.5, 0.75]);
    let disc = |z: f64, edge: usize| {
        let at = |x: f64, y: f64| Point3::new(x, y, z);
        let surface = patch([at(-1.5, -1.5), at(1.5, -1.5), at(1.5, 1.5), at(-1.5, 1.5)]);
        let face = TrimmedFace {
            surface,
            reversed: false,
            loops: vec![disc_loop([0.5, 0.5], 1.0 / 3.0, edge)],
        };
        Face::trimmed(&face, TOL)
    };
    vec![Face::trimmed(&side, TOL), disc(0.0, 0), disc(1.0, 1)]
}

#[test]
fn a_can_standing_over_a_boxs_edge_meets_it_in_its_footprints_outline() {
    // The can stands on the top z = 0 of a box whose edge x = d runs under it: they share
    // the part of its bottom disc with x ≤ d, whose outline is the arc of the rim inside
    // (r (2π − 2 acos(d / r))) and the chord along the box's edge (2 √(r² − d²)); with the
    // edge beyond the can, the whole rim. The arc lies along the disc's curved trim and
    // the side's rim, the chord along the box's top edge; one closed curve, whether the
    // box is a Brep (flagged as an overlap) or a mesh (before: the chord fell short of the
    // rim by the trim polygon's sag, 1e-6, and came apart from the arc as a touch).
    let r = 1.0;
    let can = can();
    for d in [2.0, 0.5, 0.0, -0.3] {
        let want = if d >= r {
            std::f64::consts::TAU * r
        } else {
            r * (std::f64::consts::TAU - 2.0 * (d / r).acos()) + 2.0 * (r * r - d * d).sqrt()
        };
        let (lo, hi) = ([d - 4.0, -3.0, -1.0], [d, 3.0, 0.0]);
        let exact = brep_brep(&can, &block(lo, hi), TOL);
        assert!(exact.overlap, "d {d}");
        assert_eq!(exact.curves.len(), 1, "d {d}");
        let tris = box_triangles([lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]], &|p| p);
        let meshed = brep_mesh(&can, &tris, &Bvh::new(&tris), TOL);
        assert_eq!(meshed.len(), 1, "d {d} (mesh)");
        let curves = [
            (
                exact.curves[0]
                    .points
                    .iter()
                    .map(|s| s.point)
                    .collect::<Vec<_>>(),
                exact.curves[0].closed,
            ),
            (meshed[0].points.clone(), meshed[0].closed),
        ];
        for (points, closed) in curves {
            assert!(closed, "d {d}");
            let got = polyline_length(&points, true);
            assert!((got - want).abs() < 2e-6 * want, "d {d}: {got} vs {want}");
            for p in &points {
                assert!(p.z.abs() < TOL && p.x <= d + TOL, "{p:?}");
                assert!(p.x.hypot(p.y) <= r + TOL, "{p:?}");
            }
        }
    }
}

#[test]
fn random_boxes_flush_to_within_a_coarse_tolerance_meet_as_if_flush() {
    // At a tolerance of 1 mm, the second box's flush planes moved off by up to 0.05 mm:
    // faces that close are flush (before, 45 of 150 Brep pairs and 27 against the mesh
    // lost sides of the outline: a curve along a trim just outside the trim polygon passed
    // beside its corners without crossing a side, so it was never cut there). The lengths
    // of the unmoved pairs to 0.02 (the moves change them by a few 0.05 mm; one pair
    // against the mesh keeps 1 cm more); pairs the moves bring into contact within the
    // tolerance are left out (the count by hand has them apart). Boxes that only touched
    // before the moves still only touch.
    let tol = 1e-3;
    let faces = |x: [f64; 6]| block_with(x, 0.5, tol);
    let mut next = sequence(0x9e37_79b9_7f4a_7c15u64);
    for case in 0..150 {
        let [a, mut b] = random_box_pair(&mut next);
        let flush = b;
        let want = boxes_meet_length(a, b);
        for plane in b.iter_mut() {
            if a.contains(plane) {
                *plane += 1e-4 * (next() - 0.5);
            }
        }
        if want == 0.0 {
            continue;
        }
        let cut = brep_brep(&faces(a), &faces(b), tol);
        let got: f64 = cut.curves.iter().map(length).sum();
        assert!((got - want).abs() < 0.02, "case {case}: {got} vs {want}");
        // Boxes that only touched before the moves still only touch, to the tolerance.
        if let Err(e) = check_brep_box_flags(a, flush, &cut.curves, false) {
            panic!("case {case}: {e}\n{a:?}\n{b:?}");
        }
        let tris = box_triangles(b, &|p| p);
        let cut = brep_mesh(&faces(a), &tris, &Bvh::new(&tris), tol);
        let got: f64 = mesh_curves_length(&cut);
        assert!(
            (got - want).abs() < 0.02,
            "case {case} (mesh): {got} vs {want}"
        );
        if let Err(e) = check_box_flags(
            a,
            flush,
            cut.iter().map(|c| (c.tangent, &c.points[..])),
            false,
        ) {
            panic!("case {case} (mesh): {e}\n{a:?}\n{b:?}");
        }
    }
}

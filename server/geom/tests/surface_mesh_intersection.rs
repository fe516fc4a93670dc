//! NURBS surface against a mesh, exact on both (closed forms): a sphere of radius 1.2 about
//! the centre of the cube [−1, 1]³ (12 triangles) cuts each face in a circle of radius
//! √(1.44 − 1); one of radius 1.5 cuts out each corner in a loop of three arcs of radius
//! √1.25 meeting on the cube's edges, each arc ρ (π/2 − 2 acos(1/ρ)) long; a duct of
//! radius 0.15 through the bottom of a beam cuts a loop of two arcs of 0.15 (2π − 2 acos ⅔)
//! on the beam's sides and two straight runs across its bottom (each arc's chord lies on
//! the beam's bottom edge, so the arc must be found in the side's plane, not the edge's);
//! the ball inscribed in the cube touches each face at its centre, and a ball of radius ½
//! at (½, 0, 0.13) touches the face x = 1 at (1, 0, 0.13); a cylinder of radius 1 under a
//! plane mesh tangent to it touches it along the line under the plane's point of tangency,
//! ended where the mesh ends; a plane mesh 1 mm under its top cuts it in two lines at
//! y = ±√(1 − z²); meshes resting on a plane (a box, a wall, a prism on its ridge) meet it
//! in their edges that lie on it.

use cicada_geom::bvh::Bvh;
use cicada_geom::surface_mesh_intersection::{
    SurfaceMeshCurve, SurfaceMeshIntersection, surface_mesh,
};
use cicada_geom::{Mesh, Point3, Vector3};

mod shapes;
use shapes::{
    assert_cap, assert_torus_circles, bump_top, cylinder, flat_grid, patch, sphere, torus,
    two_bumps,
};

const TOL: f64 = 1e-6;

fn cube() -> (Vec<[Point3; 3]>, Bvh) {
    let m = Mesh::axis_aligned_box(Point3::new(-1.0, -1.0, -1.0), Point3::new(1.0, 1.0, 1.0));
    let tris: Vec<[Point3; 3]> = m.triangles().collect();
    let bvh = Bvh::new(&tris);
    (tris, bvh)
}

fn length(c: &SurfaceMeshCurve) -> f64 {
    shapes::polyline_length(&c.points, c.closed)
}

/// True when `p` lies on the surface of the cube [−1, 1]³.
fn on_cube(p: Point3) -> bool {
    let m = p.x.abs().max(p.y.abs()).max(p.z.abs());
    (m - 1.0).abs() < TOL
}

#[test]
fn sphere_cuts_a_circle_from_each_face() {
    let (tris, bvh) = cube();
    let r = 1.2;
    let cut = surface_mesh(&sphere(r, Point3::new(0.0, 0.0, 0.0)), &tris, &bvh, TOL);
    assert_eq!(cut.curves.len(), 6);
    let rho = (r * r - 1.0f64).sqrt();
    for c in &cut.curves {
        assert!(c.closed);
        for (k, p) in c.points.iter().enumerate() {
            assert!(
                (p.to_vector().length() - r).abs() < TOL,
                "{p:?} off the sphere"
            );
            assert!(on_cube(*p), "{p:?} off the cube");
            assert_eq!(c.uv.len(), c.points.len());
            let [u, v] = c.uv[k];
            let on = sphere(r, Point3::new(0.0, 0.0, 0.0)).point_at(u, v);
            assert!(on.distance(*p) < TOL);
        }
        // Every chord within the tolerance of its circle: the midpoint's distance from the
        // face's axis is at least ρ − TOL.
        let n = c.points.len();
        for k in 0..n {
            let m = c.points[k].lerp(c.points[(k + 1) % n], 0.5);
            let axis = [m.x.abs(), m.y.abs(), m.z.abs()];
            let face = (0..3)
                .max_by(|&i, &j| axis[i].total_cmp(&axis[j]))
                .unwrap_or(0);
            let q = m.to_array();
            let radial = (0..3)
                .filter(|&i| i != face)
                .map(|i| q[i] * q[i])
                .sum::<f64>()
                .sqrt();
            assert!(rho - radial <= TOL * 1.01, "sag {}", rho - radial);
        }
        let circle = 2.0 * std::f64::consts::PI * rho;
        assert!(
            (length(c) - circle).abs() < 1e-5 * circle,
            "{} vs {circle}",
            length(c)
        );
    }
}

#[test]
fn sphere_cuts_a_loop_of_three_arcs_around_each_corner() {
    let (tris, bvh) = cube();
    let r = 1.5;
    let cut = surface_mesh(&sphere(r, Point3::new(0.0, 0.0, 0.0)), &tris, &bvh, TOL);
    assert_eq!(cut.curves.len(), 8, "one loop per corner");
    let rho = (r * r - 1.0f64).sqrt();
    let arc = rho * (std::f64::consts::FRAC_PI_2 - 2.0 * (1.0 / rho).acos());
    for c in &cut.curves {
        assert!(c.closed);
        for p in &c.points {
            assert!(
                (p.to_vector().length() - r).abs() < TOL,
                "{p:?} off the sphere"
            );
            assert!(on_cube(*p), "{p:?} off the cube");
        }
        assert!(
            (length(c) - 3.0 * arc).abs() < 1e-5 * arc,
            "{} vs {}",
            length(c),
            3.0 * arc
        );
        // The loop crosses three of the cube's edges (two coordinates at ±1 there).
        let on_edges = c
            .points
            .iter()
            .filter(|p| {
                [p.x, p.y, p.z]
                    .iter()
                    .filter(|x| (x.abs() - 1.0).abs() < TOL)
                    .count()
                    == 2
            })
            .count();
        assert_eq!(on_edges, 3);
    }
}

#[test]
fn duct_through_a_beams_bottom_cuts_two_arcs_and_two_runs() {
    // The duct: radius 0.15 about the y axis. The beam: x ∈ [−1, 1], y ∈ [−0.15, 0.15],
    // z ∈ [−0.1, 0.4] (its bottom 0.1 below the duct's axis).
    let m = Mesh::axis_aligned_box(Point3::new(-1.0, -0.15, -0.1), Point3::new(1.0, 0.15, 0.4));
    let tris: Vec<[Point3; 3]> = m.triangles().collect();
    let bvh = Bvh::new(&tris);
    let r = 0.15;
    let cut = surface_mesh(&cylinder(r, 1, 3.0), &tris, &bvh, TOL);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.closed);
    for p in &c.points {
        assert!((p.x.hypot(p.z) - r).abs() < TOL, "{p:?} off the duct");
        let on_side = (p.y.abs() - 0.15).abs() < TOL;
        assert!(
            on_side || (p.z + 0.1).abs() < TOL,
            "{p:?} off the beam's sides and bottom"
        );
    }
    let want = 2.0 * r * (std::f64::consts::TAU - 2.0 * (2.0f64 / 3.0).acos()) + 0.6;
    assert!(
        (length(c) - want).abs() < 1e-5 * want,
        "{} vs {want}",
        length(c)
    );
}

#[test]
fn a_ball_in_a_box_touches_each_face_at_its_centre() {
    // The sphere of radius 1 inscribed in the cube [−1, 1]³ touches each face at its
    // centre and crosses none; a hair smaller, it touches nothing.
    let (tris, bvh) = cube();
    let cut = surface_mesh(&sphere(1.0, Point3::new(0.0, 0.0, 0.0)), &tris, &bvh, TOL);
    assert!(cut.curves.is_empty(), "{:?}", cut.curves);
    let mut centres: Vec<[i32; 3]> = cut
        .touch_points
        .iter()
        .map(|(p, _)| p.to_array().map(|c| c.round() as i32))
        .collect();
    centres.sort();
    let expected = vec![
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, -1],
        [0, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
    ];
    assert_eq!(centres, expected, "{:?}", cut.touch_points);
    let s = sphere(1.0, Point3::new(0.0, 0.0, 0.0));
    for (p, [u, v]) in &cut.touch_points {
        let axis = p.to_array().map(|c| c.round());
        let centre = Point3::new(axis[0], axis[1], axis[2]);
        assert!(p.distance(centre) < TOL, "{p:?}");
        assert!(s.point_at(*u, *v).distance(*p) < TOL, "{p:?} vs ({u}, {v})");
    }
    let smaller = surface_mesh(
        &sphere(1.0 - 1e-3, Point3::new(0.0, 0.0, 0.0)),
        &tris,
        &bvh,
        TOL,
    );
    assert!(smaller.curves.is_empty() && smaller.touch_points.is_empty());
    // A ball of radius ½ against the face x = 1, touching it off its mesh's rows of
    // vertices (found from the meshes' closest pair, then refined).
    let ball = sphere(0.5, Point3::new(0.5, 0.0, 0.13));
    let side = surface_mesh(&ball, &tris, &bvh, TOL);
    assert!(side.curves.is_empty(), "{:?}", side.curves);
    assert_eq!(side.touch_points.len(), 1, "{:?}", side.touch_points);
    let (p, [u, v]) = side.touch_points[0];
    assert!(p.distance(Point3::new(1.0, 0.0, 0.13)) < 1e-3, "{p:?}");
    assert!(
        (p.x - 1.0).abs() < TOL && ball.point_at(u, v).distance(p) < TOL,
        "{p:?}"
    );
}

#[test]
fn a_plane_mesh_just_under_a_cylinders_top_cuts_two_lines() {
    // The cylinder of radius 1 about x (|x| ≤ 3) and the two-triangle plane z = 0.999
    // (|x|, |y| ≤ 2): a crossing at a shallow angle (0.045), two lines at y = ±√(1 − z²)
    // from x = −2 to 2, though the seed mesh's chords (0.01 off the surface) cross the
    // plane far from them or not at all.
    let z = 0.999;
    let p = |x: f64, y: f64| Point3::new(x, y, z);
    let (a, b, c, d) = (p(-2.0, -2.0), p(2.0, -2.0), p(2.0, 2.0), p(-2.0, 2.0));
    let tris = vec![[a, b, c], [a, c, d]];
    let bvh = Bvh::new(&tris);
    let cut = surface_mesh(&cylinder(1.0, 0, 3.0), &tris, &bvh, TOL);
    let y = (1.0 - z * z).sqrt();
    let mut sides: Vec<f64> = cut.curves.iter().map(|c| c.points[0].y.signum()).collect();
    sides.sort_by(f64::total_cmp);
    assert_eq!(sides, [-1.0, 1.0], "{:?}", cut.curves);
    for c in &cut.curves {
        for q in &c.points {
            assert!(
                (q.y.abs() - y).abs() < 1e-6 && (q.z - z).abs() < TOL,
                "{q:?}"
            );
        }
        assert!((length(c) - 4.0).abs() < 2.0 * TOL, "{}", length(c));
    }
}

/// The single contact line of `cut`, checked to lie on `(·, y, z)` from `x0` to `x1`.
fn assert_contact_line(cut: &SurfaceMeshIntersection, y: f64, z: f64, x0: f64, x1: f64) {
    assert!(cut.touch_points.is_empty(), "{:?}", cut.touch_points);
    assert_eq!(cut.curves.len(), 1, "{:?}", cut.curves);
    let c = &cut.curves[0];
    assert!(c.tangent && !c.closed);
    for q in &c.points {
        assert!((q.y - y).hypot(q.z - z) < 1e-7, "{q:?}");
    }
    let (a, b) = (c.points[0].x, c.points[c.points.len() - 1].x);
    let (lo, hi) = (a.min(b), a.max(b));
    assert!(
        (lo - x0).abs() < 2.0 * TOL && (hi - x1).abs() < 2.0 * TOL,
        "{lo}..{hi}"
    );
}

#[test]
fn a_cylinder_lying_on_a_mesh_touches_it_along_a_line() {
    // The cylinder of radius 1 about x (|x| ≤ 3) under the two-triangle plane tangent to
    // it at angle φ round the axis (|x| ≤ 2): the contact line (x, sin φ, cos φ),
    // |x| ≤ 2; at φ = 0 the line lies along a row of the seed mesh, at 0.37 between rows.
    for phi in [0.0f64, 0.37] {
        let (s, c) = phi.sin_cos();
        let p = |x: f64, t: f64| Point3::new(x, s + t * c, c - t * s);
        let (a, b, q, d) = (p(-2.0, -2.0), p(2.0, -2.0), p(2.0, 2.0), p(-2.0, 2.0));
        let tris = vec![[a, b, q], [a, q, d]];
        let bvh = Bvh::new(&tris);
        let cut = surface_mesh(&cylinder(1.0, 0, 3.0), &tris, &bvh, TOL);
        assert_contact_line(&cut, s, c, -2.0, 2.0);
    }
    // One triangle in the plane z = 1, (−2, −1), (2, −1), (2, 3): the line y = 0 enters it
    // through the slanted side y = x + 1 at x = −1 and leaves at x = 2.
    let p = |x: f64, y: f64| Point3::new(x, y, 1.0);
    let tris = vec![[p(-2.0, -1.0), p(2.0, -1.0), p(2.0, 3.0)]];
    let bvh = Bvh::new(&tris);
    let cut = surface_mesh(&cylinder(1.0, 0, 3.0), &tris, &bvh, TOL);
    assert_contact_line(&cut, 0.0, 1.0, -1.0, 2.0);
}

#[test]
fn a_small_cap_through_a_mesh_is_found_beside_a_large_crossing() {
    // As for two surfaces (nurbs_intersection.rs): a flat mesh just under the lower bump's
    // top cuts a cap far smaller than the surface's seeding mesh resolves, beside the
    // higher bump's wide loop; the cap matches its second-order model. At the top's
    // height the mesh touches it at one point.
    for side in [0.0, 0.37] {
        let s = two_bumps(3.0, 1.0, side);
        let (top, h) = bump_top(&s, [5.0, 3.0]);
        for eps in [2e-4, 2e-5] {
            let (tris, bvh) = flat_grid(top.z - eps);
            let cut = surface_mesh(&s, &tris, &bvh, TOL);
            assert!(cut.touch_points.is_empty(), "ε = {eps}");
            assert_eq!(cut.curves.len(), 2, "side {side}, ε = {eps}");
            let cap = cut
                .curves
                .iter()
                .find(|c| c.points[0].x > 0.0)
                .expect("the cap's loop");
            assert!(cap.closed && !cap.tangent, "ε = {eps}");
            for (k, p) in cap.points.iter().enumerate() {
                assert!((p.z - (top.z - eps)).abs() < TOL, "{p:?}");
                let [u, v] = cap.uv[k];
                assert!(s.point_at(u, v).distance(*p) < TOL, "{p:?}");
            }
            assert_cap(&cap.points, top, h, eps);
        }
        let (tris, bvh) = flat_grid(top.z);
        let cut = surface_mesh(&s, &tris, &bvh, TOL);
        assert_eq!(cut.curves.len(), 1, "side {side}");
        assert!(cut.curves[0].points[0].x < 0.0);
        assert_eq!(cut.touch_points.len(), 1, "{:?}", cut.touch_points);
        assert!(cut.touch_points[0].0.distance(top) < 1e-3);
    }
}

#[test]
fn a_flat_mesh_just_under_a_torus_top_cuts_two_circles() {
    // As for a plane surface (nurbs_intersection.rs): two circles of radii
    // R ± √(2 r ε − ε²) either side of the tube's top ring, traced against the triangles'
    // plane where the surface's seed mesh passes under the mesh.
    let (big, r) = (3.0, 1.0);
    let t = torus(big, r, 0.3);
    for eps in [1e-2, 1e-3, 1e-4, 2e-5] {
        let (tris, bvh) = flat_grid(r - eps);
        let cut = surface_mesh(&t, &tris, &bvh, TOL);
        assert!(cut.touch_points.is_empty(), "ε = {eps}");
        assert!(cut.curves.iter().all(|c| !c.tangent), "ε = {eps}");
        let curves: Vec<_> = cut
            .curves
            .iter()
            .map(|c| (c.points.clone(), c.closed))
            .collect();
        assert_torus_circles(&curves, big, r, eps, TOL);
    }
}

#[test]
fn a_small_cap_through_a_curved_mesh_follows_its_facets() {
    // The unit sphere against an icosphere of radius 4 (82 k facets of about 0.066) whose
    // surface comes ε = 0.005 inside it, off both spheres' poles: they cross in a loop of
    // radius about √(2ε · 4 / 5) = 0.089, wider than the unit sphere's seed mesh resolves
    // there and over several facets. Every point lies on the sphere and on the mesh, each
    // chord within the tolerance of both, and the loop's area is that of the exact
    // spheres' cap within the facets' sag (1.4e-4 of the 0.005 overlap: a few per cent).
    for (eps, levels) in [(0.005, 6), (0.001, 7)] {
        let big = 4.0;
        let dir = Vector3::new(0.3, 0.2, -1.0) / Vector3::new(0.3, 0.2, -1.0).length();
        let centre = Point3::new(0.0, 0.0, 0.0) + dir * (1.0 + big - eps);
        let mesh = Mesh::icosphere(centre, big, levels);
        let tris: Vec<[Point3; 3]> = mesh.triangles().collect();
        let bvh = Bvh::new(&tris);
        let s = sphere(1.0, Point3::new(0.0, 0.0, 0.0));
        let cut = surface_mesh(&s, &tris, &bvh, TOL);
        assert!(cut.touch_points.is_empty(), "{:?}", cut.touch_points);
        assert_eq!(cut.curves.len(), 1);
        let c = &cut.curves[0];
        assert!(c.closed && !c.tangent);
        let on_mesh = |p: Point3| bvh.closest_point(p, 1.0).map_or(f64::INFINITY, |h| h.1);
        let mut planes: Vec<u32> = Vec::new();
        let n = c.points.len();
        for (k, &p) in c.points.iter().enumerate() {
            assert!(
                (p.to_vector().length() - 1.0).abs() < TOL,
                "{p:?} off the sphere"
            );
            assert!(on_mesh(p) < TOL, "{p:?} off the mesh");
            if let Some((_, _, t)) = bvh.closest_point(p, TOL)
                && !planes.contains(&t)
            {
                planes.push(t);
            }
            let m = p.lerp(c.points[(k + 1) % n], 0.5);
            assert!(on_mesh(m) < TOL, "chord {k} leaves the mesh");
            assert!(
                (m.to_vector().length() - 1.0).abs() < 1.01 * TOL,
                "chord {k}"
            );
        }
        assert!(planes.len() >= 3, "over {} facets", planes.len());
        // The loop's area about its own axis, against the exact spheres' cap.
        let r2 = 2.0 * eps * big / (1.0 + big);
        let centroid = c.points.iter().fold(Vector3::new(0.0, 0.0, 0.0), |a, p| {
            a + p.to_vector() / n as f64
        });
        let area: f64 = (0..n)
            .map(|k| {
                let (p, q) = (
                    c.points[k].to_vector() - centroid,
                    c.points[(k + 1) % n].to_vector() - centroid,
                );
                p.cross(q).dot(dir) / 2.0
            })
            .sum::<f64>()
            .abs();
        let model = std::f64::consts::PI * r2;
        assert!((area - model).abs() < 0.1 * model, "area {area} vs {model}");
    }
}

/// The plane patch z = 0 over [−3, 3]², as a surface.
fn ground() -> cicada_geom::nurbs::NurbsSurface {
    let at = |x: f64, y: f64| Point3::new(x, y, 0.0);
    shapes::patch([at(-3.0, -3.0), at(3.0, -3.0), at(3.0, 3.0), at(-3.0, 3.0)])
}

#[test]
fn a_mesh_resting_on_a_surface_meets_it_in_the_edges_on_it() {
    // Nothing crosses: the meshes end on the plane z = 0, and what they meet it in is
    // their own edges that lie on it (before: nothing at all), touching (every triangle
    // off the plane on one side).
    // - A box [0, 1] × [0, 2] × [0, 1] standing on it: its bottom's outline, the closed
    //   rectangle of perimeter 6 (the bottom's diagonal, flat on both sides, is inside
    //   the contact, not part of it); one the surface's edge x = 3 cuts, [2, 4] × [0, 1]
    //   × [0, 1]: the part of the outline over the surface, open, 1 + 1 + 1 long, and the
    //   surface's edge under the box, 1 long (its ends found where it leaves the box's
    //   bottom to the seeds' flush weld, 1e-9 of the surface's size).
    // - A wall: a vertical sheet x ∈ [0, 2], z ∈ [0, 1] (two triangles, open), standing
    //   on it along its lower edge: that edge, length 2.
    // - A ridge: a triangular prism lying on one edge (apex down) along y ∈ [0, 1.5]: the
    //   edge, length 1.5.
    // The seed curves find these two edges themselves, as crossings; the mesh lies to one
    // side along them, so they are touches (before: crossings).
    let surface = ground();
    let closed_box = |lo: [f64; 3], hi: [f64; 3]| -> Vec<[Point3; 3]> {
        Mesh::axis_aligned_box(Point3::from_array(lo), Point3::from_array(hi))
            .triangles()
            .collect()
    };
    let p = |x: f64, y: f64, z: f64| Point3::new(x, y, z);
    let wall = vec![
        [p(0.0, 0.5, 0.0), p(2.0, 0.5, 0.0), p(2.0, 0.5, 1.0)],
        [p(0.0, 0.5, 0.0), p(2.0, 0.5, 1.0), p(0.0, 0.5, 1.0)],
    ];
    // The prism's cross-section: apex (0, 0), top corners (±0.5, 0.8); along y.
    let (a0, a1) = (p(0.0, 0.0, 0.0), p(0.0, 1.5, 0.0));
    let (l0, l1) = (p(-0.5, 0.0, 0.8), p(-0.5, 1.5, 0.8));
    let (r0, r1) = (p(0.5, 0.0, 0.8), p(0.5, 1.5, 0.8));
    let prism = vec![
        [a0, a1, l1],
        [a0, l1, l0],
        [a0, r0, r1],
        [a0, r1, a1],
        [l0, l1, r1],
        [l0, r1, r0],
        [a0, l0, r0],
        [a1, r1, l1],
    ];
    // Each case: the mesh, the curves' lengths, whether the first is closed, and how far
    // the total may be off.
    let cases = [
        (
            closed_box([0.0, 0.0, 0.0], [1.0, 2.0, 1.0]),
            vec![6.0],
            true,
            1e-12,
        ),
        (
            closed_box([2.0, 0.0, 0.0], [4.0, 1.0, 1.0]),
            vec![3.0, 1.0],
            false,
            1e-7,
        ),
        (wall, vec![2.0], false, 1e-12),
        (prism, vec![1.5], false, 1e-12),
    ];
    for (tris, want, closed, slack) in cases {
        let bvh = Bvh::new(&tris);
        let cut = surface_mesh(&surface, &tris, &bvh, TOL);
        assert!(cut.touch_points.is_empty(), "{:?}", cut.touch_points);
        assert_eq!(cut.curves.len(), want.len(), "{want:?}: {:?}", cut.curves);
        assert_eq!(cut.curves[0].closed, closed, "{want:?}");
        for (c, want) in cut.curves.iter().zip(&want) {
            assert!(c.tangent, "{want}");
            assert!((length(c) - want).abs() <= slack, "{} vs {want}", length(c));
            for (q, uv) in c.points.iter().zip(&c.uv) {
                assert!(q.z.abs() < TOL && q.x <= 3.0 + TOL, "{q:?}");
                assert!(surface.point_at(uv[0], uv[1]).distance(*q) < TOL);
            }
        }
    }
}

#[test]
fn a_saddle_through_a_flat_mesh_at_its_saddle_point_cuts_two_lines_once_each() {
    // The hyperbolic paraboloid z = xy (a hypar roof) over [lo, lo + 2]² against the flat
    // mesh z = 0 meets it in the lines x = 0 and y = 0, 4 long together. With the saddle
    // on a vertex of the surface's seeding mesh (the square centred on it) the seeds
    // along the triangles lying flush round it came back as ten pieces, 0.31 drawn twice.
    // The mesh's diagonal edge y = x through the saddle lies within the tolerance of the
    // surface for |x| ≤ √TOL: that stretch may come as a touch, nothing else.
    let (tris, bvh) = flat_grid(0.0);
    for lo in [-1.0, -0.7] {
        let hi = lo + 2.0;
        let p = |x: f64, y: f64| Point3::new(x, y, x * y);
        let saddle = patch([p(lo, lo), p(hi, lo), p(hi, hi), p(lo, hi)]);
        let cut = surface_mesh(&saddle, &tris, &bvh, TOL);
        let crossing: f64 = cut.curves.iter().filter(|c| !c.tangent).map(length).sum();
        assert!(
            crossing <= 4.0 + 1e-9 && crossing > 4.0 - 1e-3,
            "{lo}: {crossing}"
        );
        for c in &cut.curves {
            for q in &c.points {
                assert!(q.z.abs() < TOL && (q.x * q.y - q.z).abs() < TOL, "{q:?}");
                if c.tangent {
                    assert!(q.x.abs().max(q.y.abs()) <= 1.01e-3, "{q:?}");
                }
            }
        }
    }
}

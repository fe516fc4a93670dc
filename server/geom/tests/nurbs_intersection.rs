//! NURBS intersections on cases with known answers (shared/reference/structural-
//! intersection.md §5b): a plane through a sphere cuts a circle of radius √(R² − h²) and
//! touches it at h = R (I9); two orthogonal equal cylinders meet in two ellipses in the
//! planes x = ±y (I10); a tilted plane cuts a cylinder in an ellipse with semi-axes R and
//! R / cos θ (I11); a line at offset d meets a sphere at ±√(R² − d²) along it and touches
//! it at d = R (I12). Tangent contacts worked by hand: a cylinder of radius r on a plane
//! touches it along the line under its axis, ended by whichever boundary comes first; a
//! sphere in a cylinder of its radius touches it along its equator. Every surface is an
//! exact rational NURBS (circles as 9-point rational quadratics).

use cicada_geom::nurbs::{NurbsCurve, NurbsSurface};
use cicada_geom::nurbs_intersection::{SurfaceCurve, curve_mesh, curve_surface, surface_surface};
use cicada_geom::{Point3, Vector3};

mod shapes;
use shapes::{
    assert_cap, assert_torus_circles, bump_top, bumpy_sheet, circle_xz, cylinder, flat_grid, patch,
    sphere, torus, two_bumps,
};

const TOL: f64 = 1e-6;
fn horizontal(h: f64, half: f64) -> NurbsSurface {
    let p = |x: f64, y: f64| Point3::new(x, y, h);
    patch([
        p(-half, -half),
        p(half, -half),
        p(half, half),
        p(-half, half),
    ])
}

/// The largest distance of a chord's midpoint from the true curve, measured by `off`
/// (the distance of a point from the curve).
fn worst_chord(c: &SurfaceCurve, off: impl Fn(Point3) -> f64) -> f64 {
    let n = c.points.len();
    let pairs = if c.closed { n } else { n - 1 };
    (0..pairs)
        .map(|k| off(c.points[k].lerp(c.points[(k + 1) % n], 0.5)))
        .fold(0.0, f64::max)
}

#[test]
fn plane_cuts_sphere_in_a_circle_and_touches_at_the_pole() {
    let r = 2.0;
    let s = sphere(r, Point3::new(0.0, 0.0, 0.0));
    for h in [0.0, 0.7, -1.5] {
        let cut = surface_surface(&s, &horizontal(h, 3.0), TOL);
        assert_eq!(cut.curves.len(), 1, "h = {h}");
        let c = &cut.curves[0];
        assert!(c.closed, "h = {h}: the circle is a closed loop");
        let rho = (r * r - h * h).sqrt();
        for p in &c.points {
            assert!((p.z - h).abs() < TOL, "{p:?}");
            assert!((p.x.hypot(p.y) - rho).abs() < TOL, "{p:?} vs radius {rho}");
        }
        // Every chord within the tolerance of the circle.
        let sag = worst_chord(c, |p| (p.x.hypot(p.y) - rho).abs());
        assert!(sag <= TOL * 1.01, "h = {h}: chord sag {sag}");
        // Parameters name the points on both surfaces.
        for (k, p) in c.points.iter().enumerate() {
            let [u, v] = c.uv_a[k];
            assert!(s.point_at(u, v).distance(*p) < TOL);
        }
    }
    // At h = R the plane touches the pole: a tangent point, no curve.
    let touch = surface_surface(&s, &horizontal(r, 3.0), TOL);
    assert!(touch.curves.is_empty());
    assert_eq!(touch.tangent_points.len(), 1);
    assert!(touch.tangent_points[0].0.distance(Point3::new(0.0, 0.0, r)) < 1e-3);
}

#[test]
fn orthogonal_cylinders_meet_in_ellipses_in_the_planes_x_equals_plus_minus_y() {
    let r = 1.0;
    let cut = surface_surface(&cylinder(r, 0, 3.0), &cylinder(r, 1, 3.0), TOL);
    assert!(!cut.curves.is_empty());
    let mut length = 0.0;
    for c in &cut.curves {
        for p in &c.points {
            assert!((p.y.hypot(p.z) - r).abs() < TOL, "{p:?} off the x cylinder");
            assert!((p.x.hypot(p.z) - r).abs() < TOL, "{p:?} off the y cylinder");
            assert!(
                (p.x.abs() - p.y.abs()).abs() < 2.0 * TOL,
                "{p:?} not in x = ±y"
            );
        }
        let n = c.points.len();
        let pairs = if c.closed { n } else { n - 1 };
        length += (0..pairs)
            .map(|k| c.points[k].distance(c.points[(k + 1) % n]))
            .sum::<f64>();
    }
    // Two ellipses, semi-axes R and R√2: Ramanujan's perimeter each (exact to ~1e-13 at
    // this eccentricity). They cross at (0, 0, ±R), where the cylinders share a tangent
    // plane: the curves run into those points, as four half ellipses.
    let (a, b) = (r * 2f64.sqrt(), r);
    let ellipse = std::f64::consts::PI * (3.0 * (a + b) - ((3.0 * a + b) * (a + 3.0 * b)).sqrt());
    assert!(
        (length - 2.0 * ellipse).abs() < 1e-5 * ellipse,
        "{length} vs {}",
        2.0 * ellipse
    );
    assert_eq!(cut.curves.len(), 4);
    for c in &cut.curves {
        let ends = [c.points[0], c.points[c.points.len() - 1]];
        for e in ends {
            assert!(
                e.x.hypot(e.y) < 1e-6 && (e.z.abs() - r).abs() < 1e-6,
                "{e:?}"
            );
        }
        assert!(
            ends[0].z * ends[1].z < 0.0,
            "from one crossing to the other"
        );
    }
}

#[test]
fn tilted_plane_cuts_a_cylinder_in_an_ellipse() {
    let r = 1.5;
    let theta = 35f64.to_radians();
    let tan = theta.tan();
    let p = |x: f64, y: f64| Point3::new(x, y, tan * x);
    let plane = patch([p(-3.0, -3.0), p(3.0, -3.0), p(3.0, 3.0), p(-3.0, 3.0)]);
    let cut = surface_surface(&cylinder(r, 2, 4.0), &plane, TOL);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.closed);
    let (mut near, mut far) = (f64::INFINITY, 0.0f64);
    for q in &c.points {
        assert!((q.x.hypot(q.y) - r).abs() < TOL);
        assert!((q.z - tan * q.x).abs() < TOL);
        let d = (q.x * q.x + q.y * q.y + q.z * q.z).sqrt();
        near = near.min(d);
        far = far.max(d);
    }
    // Semi-axes R (along y) and R / cos θ (in the plane, over x).
    assert!((near - r).abs() < 1e-3, "{near}");
    assert!(
        (far - r / theta.cos()).abs() < 1e-3,
        "{far} vs {}",
        r / theta.cos()
    );
}

#[test]
fn plane_through_the_poles_cuts_a_great_circle_refined_at_the_poles() {
    // The plane x = 0 holds both poles, where the sphere's u means nothing (S_u = 0):
    // the circle must still be refined there (every chord within the tolerance), not cut
    // short with a long chord across each pole.
    let r = 2.0;
    let s = sphere(r, Point3::new(0.0, 0.0, 0.0));
    let plane = patch([
        Point3::new(0.0, -3.0, -3.0),
        Point3::new(0.0, 3.0, -3.0),
        Point3::new(0.0, 3.0, 3.0),
        Point3::new(0.0, -3.0, 3.0),
    ]);
    let cut = surface_surface(&s, &plane, TOL);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.closed);
    for p in &c.points {
        assert!(p.x.abs() < TOL && (p.y.hypot(p.z) - r).abs() < TOL, "{p:?}");
    }
    let sag = worst_chord(c, |p| (p.y.hypot(p.z) - r).abs());
    assert!(sag <= TOL * 1.01, "chord sag {sag}");
}

#[test]
fn line_meets_sphere_at_two_points_and_touches_it_at_the_radius() {
    let r = 2.0;
    let s = sphere(r, Point3::new(0.0, 0.0, 0.0));
    let line = |d: f64| {
        NurbsCurve::new(
            1,
            &[Point3::new(-5.0, d, 0.3), Point3::new(5.0, d, 0.3)],
            None,
            vec![0.0, 0.0, 1.0, 1.0],
        )
        .expect("line")
    };
    for d in [0.0, 1.0, 1.9] {
        let hits = curve_surface(&line(d), &s, TOL);
        assert_eq!(hits.len(), 2, "d = {d}: {hits:?}");
        let x = (r * r - d * d - 0.09).sqrt();
        assert!((hits[0].point.x + x).abs() < TOL, "{:?}", hits[0]);
        assert!((hits[1].point.x - x).abs() < TOL, "{:?}", hits[1]);
        assert!(hits.iter().all(|h| !h.tangent));
        // The parameters agree with the points: t along the line, (u, v) on the sphere.
        for h in &hits {
            assert!((h.t - (h.point.x + 5.0) / 10.0).abs() < 1e-9);
            assert!(s.point_at(h.uv[0], h.uv[1]).distance(h.point) < TOL);
        }
    }
    // Tangent: the line at distance R from the centre.
    let d = (r * r - 0.09f64).sqrt();
    let hits = curve_surface(&line(d), &s, TOL);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].tangent);
    assert!(hits[0].point.distance(Point3::new(0.0, d, 0.3)) < 1e-3);
}

#[test]
fn a_line_dipping_into_a_sphere_crosses_it_twice_however_shallow() {
    // A line whose distance from the centre falls short of R by ε enters and leaves the
    // sphere at ±√(R² − d²) along it, 2√(2Rε) apart: closer than the sphere's mesh
    // resolves for ε ≤ 1e-4, found from the point where the line's height over the
    // sphere is stationary. The crossing angle's sine is x / R, so a point's error along
    // the line is the tolerance over that. Within the tolerance (ε = 1e-7) it touches.
    let r = 2.0;
    let s = sphere(r, Point3::new(0.0, 0.0, 0.0));
    for z in [0.3, 0.77] {
        for eps in [1e-3, 1e-4, 1e-5, 3e-6, 1e-7] {
            let d = ((r - eps) * (r - eps) - z * z).sqrt();
            let line = NurbsCurve::new(
                1,
                &[Point3::new(-5.0, d, z), Point3::new(5.0, d, z)],
                None,
                vec![0.0, 0.0, 1.0, 1.0],
            )
            .expect("line");
            let hits = curve_surface(&line, &s, TOL);
            let x = (r * r - d * d - z * z).sqrt();
            if eps < TOL {
                assert_eq!(hits.len(), 1, "ε = {eps}: {hits:?}");
                assert!(hits[0].tangent && hits[0].point.x.abs() < 1e-3);
                continue;
            }
            assert_eq!(hits.len(), 2, "z = {z}, ε = {eps}: {hits:?}");
            for (h, want) in hits.iter().zip([-x, x]) {
                assert!(!h.tangent, "{h:?}");
                assert!((h.point.x - want).abs() < TOL * r / x, "{h:?} vs {want}");
                assert!(s.point_at(h.uv[0], h.uv[1]).distance(h.point) < TOL);
            }
        }
    }
}

#[test]
fn a_circle_dipping_into_a_flat_mesh_crosses_it_twice_and_touches_it_at_its_foot() {
    // A circle of radius 2 about the origin (in the xz plane) against the flat mesh
    // z = −(2 − ε): crossings at x = ±√(4 − (2 − ε)²), closer than the circle's polyline
    // resolves for small ε (its chords sag 1e-3); one touch at (0, 0, −2) at ε = 0,
    // nothing below. A crossing's error along the mesh is the tolerance over the sine of
    // the crossing angle, x / 2.
    let r = 2.0;
    let circle = circle_xz(r, 0.3);
    for eps in [1e-2, 1e-3, 1e-4, 1e-5] {
        let (tris, bvh) = flat_grid(eps - r);
        let hits = curve_mesh(&circle, &tris, &bvh, TOL);
        let x = (r * r - (r - eps) * (r - eps)).sqrt();
        assert_eq!(hits.len(), 2, "ε = {eps}: {hits:?}");
        let mut xs: Vec<f64> = hits.iter().map(|h| h.point.x).collect();
        xs.sort_by(f64::total_cmp);
        for (h, (got, want)) in hits.iter().zip(xs.iter().zip([-x, x])) {
            assert!(!h.tangent, "{h:?}");
            assert!(
                (got - want).abs() < TOL * r / x,
                "ε = {eps}: {got} vs {want}"
            );
            assert!((h.point.z - (eps - r)).abs() < TOL, "{h:?}");
            assert!(circle.point_at(h.t).distance(h.point) < TOL);
        }
    }
    let (tris, bvh) = flat_grid(-r);
    let hits = curve_mesh(&circle, &tris, &bvh, TOL);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].tangent && hits[0].point.distance(Point3::new(0.0, 0.0, -r)) < 1e-3);
    let (tris, bvh) = flat_grid(-r - 1e-4);
    assert!(curve_mesh(&circle, &tris, &bvh, TOL).is_empty());
}

#[test]
fn closest_point_crosses_a_cylinders_seam() {
    // The cylinder about y starts its circle (u = 0 and u = 1) at the top, x = 0. A point
    // on it 2° past the seam is nearest the lattice's u = 0 sample; Newton must continue
    // across the seam to reach it, not stop at the domain's end.
    let r = 0.15;
    let c = cylinder(r, 1, 3.0);
    let a = (-2.0f64).to_radians();
    let p = Point3::new(r * a.sin(), 0.1, r * a.cos());
    let (uv, q, d) = c.closest_point(p);
    assert!(d < 1e-12, "{d} at {uv:?}");
    assert!(q.distance(p) < 1e-12 && uv[0] > 0.9, "{uv:?}");
}

#[test]
fn wavy_sheets_and_curves_meet_where_opencascade_says() {
    // tests/data/intersect/occt_ssi.json: pairs of random bicubic sheets crossing, with the
    // curves OCCT 7.8's GeomAPI_IntSS finds, and a cubic through the first sheet of each
    // with GeomAPI_IntCS's points (make_occt_reference.py beside the data).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/intersect/occt_ssi.json"
    );
    let pairs = shapes::occt_pairs(path).expect("occt_ssi.json");
    assert_eq!(pairs.len(), 8);
    let mut crossings = 0;
    for (k, (a, b, curve, pair)) in pairs.iter().enumerate() {
        let occt = pair["occt_curves"].as_array().expect("curves");
        let cut = surface_surface(a, b, TOL);
        assert_eq!(cut.curves.len(), occt.len(), "pair {k}");
        for (c, o) in cut.curves.iter().zip(occt) {
            let want = o["length"].as_f64().expect("length");
            let n = c.points.len();
            let got: f64 = (0..n - 1)
                .map(|i| c.points[i].distance(c.points[i + 1]))
                .sum();
            // Ours is the polyline (short of the curve by its chords' sag), OCCT's a fitted
            // B-spline measured by quadrature.
            assert!(
                (got - want).abs() < 1e-6 * want,
                "pair {k}: {got} vs OCCT {want}"
            );
            // The same ends, in either order.
            let ends: Vec<[f64; 3]> = serde_json::from_value(o["ends"].clone()).expect("ends");
            for end in [c.points[0], c.points[n - 1]] {
                let nearest = ends
                    .iter()
                    .map(|&e| end.distance(Point3::from_array(e)))
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    nearest < 1e-7,
                    "pair {k}: end {end:?} is {nearest} from OCCT's"
                );
            }
        }
        // A cubic wandering through the first sheet: OCCT's GeomAPI_IntCS points, with the
        // curve's parameter and the sheet's, in the order along the curve.
        let hits = curve_surface(curve, a, TOL);
        let occt = pair["occt_curve_points"].as_array().expect("points");
        assert_eq!(hits.len(), occt.len(), "pair {k}: {hits:?}");
        crossings += hits.len();
        for (h, o) in hits.iter().zip(occt) {
            let p: [f64; 3] = serde_json::from_value(o["point"].clone()).expect("point");
            let f = |key: &str| o[key].as_f64().expect("parameter");
            assert!(
                h.point.distance(Point3::from_array(p)) < 1e-7,
                "pair {k}: {h:?} vs {o}"
            );
            assert!(
                (h.t - f("w")).abs() < 1e-7,
                "pair {k}: t {} vs {}",
                h.t,
                f("w")
            );
            assert!((h.uv[0] - f("u")).abs() < 1e-7 && (h.uv[1] - f("v")).abs() < 1e-7);
            assert!(!h.tangent);
        }
    }
    assert_eq!(crossings, 36, "the curves' crossings in all");
}

/// Checks a tangent contact along a straight line parallel to x through `(·, y, z)`, from
/// `x0` to `x1`: every point on the line (within the tolerance zone's centre), the ends
/// where the contact ends.
fn assert_contact_line(c: &SurfaceCurve, y: f64, z: f64, x0: f64, x1: f64) {
    assert!(c.tangent && !c.closed, "{c:?}");
    for p in &c.points {
        // Across the line the surfaces part only quadratically (√(2 r tol) = 1.4e-3 is
        // within the tolerance): the contact found is the middle of that zone.
        assert!((p.y - y).hypot(p.z - z) < 1e-7, "{p:?}");
    }
    let xs = [c.points[0].x, c.points[c.points.len() - 1].x];
    let (lo, hi) = (xs[0].min(xs[1]), xs[0].max(xs[1]));
    assert!(
        (lo - x0).abs() < 2.0 * TOL && (hi - x1).abs() < 2.0 * TOL,
        "{lo}..{hi}"
    );
}

#[test]
fn a_cylinder_lying_on_a_plane_touches_it_along_a_line() {
    // Radius 1 along x (|x| <= 3) on the plane z = −1 (|x|, |y| <= 2): the contact line
    // y = 0, z = −1, ended by the plane's edges at x = ±2.
    let cut = surface_surface(&cylinder(1.0, 0, 3.0), &horizontal(-1.0, 2.0), TOL);
    assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
    assert_eq!(cut.curves.len(), 1);
    assert_contact_line(&cut.curves[0], 0.0, -1.0, -2.0, 2.0);
    // A plane tangent along the line at angle φ round the axis (not on a row of the
    // cylinder's mesh), wider than the cylinder: ended by the cylinder's ends at x = ±3.
    let phi: f64 = 0.37;
    let (normal, across) = (
        cicada_geom::Vector3::new(0.0, phi.sin(), phi.cos()),
        cicada_geom::Vector3::new(0.0, phi.cos(), -phi.sin()),
    );
    let on = Point3::new(0.0, 0.0, 0.0) + normal;
    let corner = |x: f64, s: f64| on + cicada_geom::Vector3::new(x, 0.0, 0.0) + across * s;
    let plane = patch([
        corner(-4.0, -2.0),
        corner(4.0, -2.0),
        corner(4.0, 2.0),
        corner(-4.0, 2.0),
    ]);
    let cut = surface_surface(&plane, &cylinder(1.0, 0, 3.0), TOL);
    assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
    assert_eq!(
        cut.curves.len(),
        1,
        "{:?}",
        cut.curves
            .iter()
            .map(|c| (
                c.tangent,
                c.points.len(),
                c.points[0],
                c.points[c.points.len() - 1]
            ))
            .collect::<Vec<_>>()
    );
    assert_contact_line(&cut.curves[0], phi.sin(), phi.cos(), -3.0, 3.0);
}

#[test]
fn a_ball_in_a_tube_of_its_radius_touches_it_along_its_equator() {
    let r = 1.5;
    let cut = surface_surface(
        &sphere(r, Point3::new(0.0, 0.0, 0.0)),
        &cylinder(r, 2, 3.0),
        TOL,
    );
    assert!(cut.tangent_points.is_empty(), "{:?}", cut.tangent_points);
    assert_eq!(cut.curves.len(), 1, "{:?}", cut.curves);
    let c = &cut.curves[0];
    assert!(c.tangent && c.closed);
    for p in &c.points {
        assert!(
            p.z.abs() < 1e-6 && (p.x.hypot(p.y) - r).abs() < TOL,
            "{p:?}"
        );
    }
    let sag = worst_chord(c, |p| (p.x.hypot(p.y) - r).abs());
    assert!(sag <= TOL * 1.01, "chord sag {sag}");
}

#[test]
fn a_plane_nearing_a_spheres_pole_cuts_a_circle_until_it_touches() {
    // A plane at z = R − ε cuts the sphere in a circle of radius √(2Rε − ε²), crossing it
    // at an angle of about that radius over R: shallow, but a crossing while the cap is
    // deeper than the tolerance, one touch point when it is not. Never both, never a
    // grazing curve.
    let r = 2.0;
    let s = sphere(r, Point3::new(0.0, 0.0, 0.0));
    for eps in [1e-2, 1e-3, 1e-4, 1e-5, 3e-6, 5e-7, 1e-7] {
        let cut = surface_surface(&s, &horizontal(r - eps, 3.0), TOL);
        let rho = (2.0 * r * eps - eps * eps).sqrt();
        if eps > 2.0 * TOL {
            assert!(cut.tangent_points.is_empty(), "ε = {eps}");
            assert_eq!(cut.curves.len(), 1, "ε = {eps}");
            let c = &cut.curves[0];
            assert!(c.closed && !c.tangent, "ε = {eps}");
            for p in &c.points {
                assert!(
                    (p.x.hypot(p.y) - rho).abs() < 1e-3 * rho,
                    "ε = {eps}: {p:?}"
                );
            }
        } else {
            assert!(cut.curves.is_empty(), "ε = {eps}: {:?}", cut.curves.len());
            assert_eq!(cut.tangent_points.len(), 1, "ε = {eps}");
        }
    }
}

#[test]
fn a_small_cap_is_found_beside_a_large_crossing() {
    // A plane just under the lower bump's top cuts a cap far smaller than the seeding
    // meshes' error while the higher bump crosses it widely. With the top on a knot row
    // (side = 0) the meshes cut only the tip of the cap round one vertex; off the rows
    // (side = 0.37) their triangles pass under the plane. Both loops come out either way;
    // the cap's matches its local model: the ellipse of area 2π ε / √det H, H being z's
    // Hessian at the top (cubic terms change it by a fraction of order the cap's size
    // over the bump's). Lowered to the top, the plane touches it at one point.
    for side in [0.0, 0.37] {
        let s = two_bumps(3.0, 1.0, side);
        let (top, h) = bump_top(&s, [5.0, 3.0]);
        for eps in [2e-4, 2e-5] {
            let plane = horizontal(top.z - eps, 5.0);
            let cut = surface_surface(&s, &plane, TOL);
            assert!(cut.tangent_points.is_empty(), "ε = {eps}");
            assert_eq!(cut.curves.len(), 2, "ε = {eps}");
            let cap = cut
                .curves
                .iter()
                .find(|c| c.points[0].x > 0.0)
                .expect("the cap's loop");
            assert!(cap.closed && !cap.tangent, "ε = {eps}");
            for (k, p) in cap.points.iter().enumerate() {
                assert!((p.z - (top.z - eps)).abs() < TOL, "{p:?}");
                let [u, v] = cap.uv_a[k];
                assert!(s.point_at(u, v).distance(*p) < TOL, "{p:?}");
            }
            assert_cap(&cap.points, top, h, eps);
        }
        // Lowered to touch: one tangent point at the top beside the crossing loop.
        let cut = surface_surface(&s, &horizontal(top.z, 5.0), TOL);
        assert_eq!(cut.curves.len(), 1);
        assert!(cut.curves[0].points[0].x < 0.0);
        assert_eq!(cut.tangent_points.len(), 1, "{:?}", cut.tangent_points);
        assert!(cut.tangent_points[0].0.distance(top) < 1e-3);
    }
}

#[test]
fn a_plane_just_under_a_torus_top_cuts_two_circles() {
    // The plane z = r − ε under the top of a torus's tube cuts it in two circles of radii
    // R ± √(2 r ε − ε²), which run either side of the tube's top ring, closer than the
    // seeding meshes resolve (their rows are off the top, which lies under the plane for
    // ε ≤ 1e-3): the curves are traced from the ring where the gap is stationary.
    let (big, r) = (3.0, 1.0);
    let t = torus(big, r, 0.3);
    for eps in [1e-2, 1e-3, 1e-4, 2e-5] {
        let cut = surface_surface(&t, &horizontal(r - eps, 5.0), TOL);
        assert!(cut.tangent_points.is_empty(), "ε = {eps}");
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
fn coincident_surfaces_are_an_overlap_with_its_edges_as_curves() {
    // Two flat patches on one plane, [0, 2]² and [1, 3]²: they coincide over [1, 2]², whose
    // edges are the stretches of each patch's boundary on the other (length 4). A patch
    // lying inside another, [1, 2]² on [0, 3]² (before: one tangent point, no overlap, the
    // touch found at the small patch's edge where half the directions leave it). A bump
    // sheet against itself: its whole boundary, the four straight edges of [−4, 4]²
    // (length 32). A sphere against itself: no boundary (seam and poles), no curve. Never
    // tangent points over the area.
    let at = |x: f64, y: f64| Point3::new(x, y, 0.0);
    let square = |lo: f64, hi: f64| patch([at(lo, lo), at(hi, lo), at(hi, hi), at(lo, hi)]);
    let bumps = two_bumps(3.0, 1.0, 0.37);
    let ball = sphere(1.0, Point3::new(0.0, 0.0, 0.0));
    let cases = [
        (square(0.0, 2.0), square(1.0, 3.0), 4.0, [1.0, 2.0]),
        (square(0.0, 3.0), square(1.0, 2.0), 4.0, [1.0, 2.0]),
        (square(1.0, 2.0), square(0.0, 3.0), 4.0, [1.0, 2.0]),
        (bumps.clone(), bumps, 32.0, [-4.0, 4.0]),
        (ball.clone(), ball, 0.0, [0.0, 0.0]),
    ];
    for (a, b, want, [lo, hi]) in cases {
        let cut = surface_surface(&a, &b, TOL);
        assert!(cut.overlap, "{want}");
        assert!(
            cut.tangent_points.is_empty(),
            "{:?}",
            cut.tangent_points.len()
        );
        let length: f64 = cut
            .curves
            .iter()
            .map(|c| {
                assert!(c.tangent && !c.closed);
                c.points
                    .windows(2)
                    .map(|w| w[0].distance(w[1]))
                    .sum::<f64>()
            })
            .sum();
        assert!((length - want).abs() < 1e-5, "length {length} vs {want}");
        for c in &cut.curves {
            for p in &c.points {
                // On the square's boundary, at height 0 (both sheets are flat there).
                let on_edge = ((p.x - lo).abs() < 1e-5 || (p.x - hi).abs() < 1e-5)
                    || ((p.y - lo).abs() < 1e-5 || (p.y - hi).abs() < 1e-5);
                assert!(on_edge && p.z.abs() < TOL, "{p:?}");
                assert!(p.x >= lo - 1e-5 && p.x <= hi + 1e-5, "{p:?}");
                assert!(p.y >= lo - 1e-5 && p.y <= hi + 1e-5, "{p:?}");
            }
        }
    }
    // Not an overlap: a plane touching a sphere's pole, a cylinder on a plane.
    assert!(
        !surface_surface(
            &sphere(2.0, Point3::new(0.0, 0.0, 0.0)),
            &horizontal(2.0, 3.0),
            TOL
        )
        .overlap
    );
    assert!(!surface_surface(&cylinder(1.0, 0, 3.0), &horizontal(-1.0, 2.0), TOL).overlap);
}

#[test]
fn a_plane_on_a_hundred_bumps_touches_every_one() {
    // The plane z = 4/9 on the tops of 10 × 10 bumps: 100 touch points (before: the 64
    // near misses nearest first, 36 touches lost without a word). Lowered by 1e-3 it cuts
    // a small loop round each top, smaller than the seeding meshes' cells near there.
    let sheet = bumpy_sheet(10);
    for (drop, touches, loops) in [(0.0, 100, 0), (1e-3, 0, 100)] {
        let h = 4.0 / 9.0 - drop;
        let plane = patch([
            Point3::new(-1.0, -1.0, h),
            Point3::new(50.0, -1.0, h),
            Point3::new(50.0, 50.0, h),
            Point3::new(-1.0, 50.0, h),
        ]);
        let cut = surface_surface(&sheet, &plane, TOL);
        assert_eq!(cut.tangent_points.len(), touches, "drop {drop}");
        assert_eq!(cut.curves.len(), loops, "drop {drop}");
        for (p, ..) in &cut.tangent_points {
            assert!((p.z - h).abs() < TOL, "{p:?}");
        }
        let tops: Vec<Point3> = cut
            .tangent_points
            .iter()
            .map(|t| t.0)
            .chain(cut.curves.iter().map(|c| c.points[0]))
            .collect();
        for (k, p) in tops.iter().enumerate() {
            assert!(
                tops[..k].iter().all(|q| q.distance(*p) > 3.0),
                "{p:?} twice"
            );
        }
        assert!(cut.curves.iter().all(|c| c.closed && !c.tangent));
    }
}

#[test]
fn a_surface_against_a_copy_of_itself_is_one_overlap_bounded_by_its_edges() {
    // A copy left in place (common in CAD models): the sheet of 5 × 5 bumps (a 23 × 23
    // net, its boundary rows flat on z = 0 along the squares' sides x, y ∈ [0, 22]) against
    // itself coincides everywhere: an overlap whose edges are the sheet's four sides, as
    // tangent curves of total length 4 × 22, and nothing else. Before, every pair of the
    // seeding meshes' triangles was searched for near misses: 36 s for a 20 × 20 sheet.
    let sheet = bumpy_sheet(5);
    let cut = surface_surface(&sheet, &sheet.clone(), TOL);
    assert!(cut.overlap);
    assert!(cut.tangent_points.is_empty());
    assert!(cut.curves.iter().all(|c| c.tangent));
    let length: f64 = cut.curves.iter().map(polyline_length).sum();
    assert!((length - 88.0).abs() < 1e-6, "{length}");
    for p in cut.curves.iter().flat_map(|c| &c.points) {
        let on_side = [p.x, p.y]
            .iter()
            .any(|&c| c.abs() < TOL || (c - 22.0).abs() < TOL);
        assert!(on_side && p.z.abs() < TOL, "{p:?}");
    }
}

#[test]
fn a_surface_against_a_copy_moved_off_it_meets_it_only_within_the_tolerance() {
    // The 5 × 5-bump sheet against a copy moved up by h. Every point of the copy lies h
    // above the sheet and the sheet's normal tilts by at most the bumps' slope θ, so the
    // surfaces are between h·cos θ and h apart everywhere; a bump's slope is at most
    // √2 · max|N′| · max N = √2 · ½ · ⅔ < 0.48 (N the uniform cubic basis function), so
    // θ < 26°. Moved by half the tolerance they coincide within it: an overlap, bounded by
    // the four sides of length 22. Moved by three tolerances (over 2.6 tolerances apart)
    // they neither cross nor touch anywhere, though every pair of nearby seeding
    // triangles is within the seeding meshes' errors of each other (before, 7.5 M such
    // pairs of the 20 × 20 sheet were all measured and kept).
    let sheet = bumpy_sheet(5);
    let lifted = |h: f64| shapes::moved(&sheet, Vector3::new(0.0, 0.0, h));
    let within = surface_surface(&sheet, &lifted(0.5 * TOL), TOL);
    assert!(within.overlap);
    assert!(within.tangent_points.is_empty());
    assert!(within.curves.iter().all(|c| c.tangent));
    let length: f64 = within.curves.iter().map(polyline_length).sum();
    assert!((length - 88.0).abs() < 1e-5, "{length}");
    let apart = surface_surface(&sheet, &lifted(3.0 * TOL), TOL);
    assert!(!apart.overlap);
    assert!(apart.curves.is_empty(), "{:?}", apart.curves.len());
    assert!(
        apart.tangent_points.is_empty(),
        "{:?}",
        apart.tangent_points
    );
}

/// The length of a curve's polyline, closing chord included.
fn polyline_length(c: &SurfaceCurve) -> f64 {
    shapes::polyline_length(&c.points, c.closed)
}

#[test]
fn a_saddle_cut_through_its_saddle_point_is_two_lines_once_each() {
    // The hyperbolic paraboloid z = xy (the bilinear patch through (±1, ±1, ±1), a hypar
    // roof) against the plane through its saddle, z = 0, meets it in the lines x = 0 and
    // y = 0, each 2 long (on the square [lo, lo + 2]²). The plane is tangent to the saddle
    // there, so the seeding meshes lie flush round the saddle when it is a mesh vertex
    // (the square centred on it): before, the seeds along the flush triangles' edges came
    // back as ten pieces, 0.31 of the 4 drawn twice. Lifted to z = ε the plane meets the
    // saddle in the two branches of the hyperbola xy = ε.
    for lo in [-1.0, -0.7] {
        let hi = lo + 2.0;
        let p = |x: f64, y: f64| Point3::new(x, y, x * y);
        let saddle = patch([p(lo, lo), p(hi, lo), p(hi, hi), p(lo, hi)]);
        for eps in [0.0, 1e-7, 1e-5] {
            let cut = surface_surface(&saddle, &horizontal(eps, 3.0), TOL);
            assert!(cut.tangent_points.is_empty() && !cut.overlap, "{lo} {eps}");
            for q in cut.curves.iter().flat_map(|c| &c.points) {
                assert!(
                    (q.z - eps).abs() < TOL && (q.x * q.y - q.z).abs() < TOL,
                    "{q:?}"
                );
            }
            let length: f64 = cut.curves.iter().map(polyline_length).sum();
            // Near the saddle the surfaces are within the tolerance over a cross, and the
            // curves may cut its corner: by at most 1e-3 all told. A stretch drawn twice
            // would add the seeding mesh's cell, 0.077.
            if eps == 0.0 {
                assert!(
                    length <= 4.0 + 1e-9 && length > 4.0 - 1e-3,
                    "{lo}: {length}"
                );
            } else {
                assert!(length < 4.0 && length > 3.9, "{lo} {eps}: {length}");
            }
            // Every end on the square's boundary is one of the four ends of the lines (or
            // of the branches); an end inside is at the saddle, where the lines cross.
            let ends: Vec<Point3> = cut
                .curves
                .iter()
                .filter(|c| !c.closed)
                .flat_map(|c| [c.points[0], c.points[c.points.len() - 1]])
                .collect();
            let on_boundary = |q: &&Point3| {
                [q.x, q.y]
                    .iter()
                    .any(|&c| (c - lo).abs() < 1e-9 || (c - hi).abs() < 1e-9)
            };
            let outer: Vec<&Point3> = ends.iter().filter(on_boundary).collect();
            assert_eq!(outer.len(), 4, "{lo} {eps}: {ends:?}");
            for q in &outer {
                assert!(q.x.abs().min(q.y.abs()) < 1e-4, "{q:?}");
            }
            for q in ends.iter().filter(|q| !on_boundary(q)) {
                assert!(
                    eps == 0.0 && q.x.abs().max(q.y.abs()) < 1e-3,
                    "{lo} {eps}: {q:?}"
                );
            }
        }
    }
}

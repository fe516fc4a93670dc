//! Curve–curve intersections with answers in closed form: crossing and skew lines, a line
//! through a circle at y = ½ (x = ±√¾), a line tangent to it, two unit circles one apart
//! (x = ½, y = ±√¾), ends that meet, and overlaps (collinear lines, a quarter arc on its
//! circle) reported as stretches, not points. Circles are exact rational quadratics.

use cicada_geom::Point3;
use cicada_geom::curve_intersection::curve_curve;
use cicada_geom::nurbs::NurbsCurve;

mod shapes;
use shapes::{CIRCLE, CIRCLE_KNOTS, CIRCLE_W};

const TOL: f64 = 1e-6;

fn line(a: [f64; 3], b: [f64; 3]) -> NurbsCurve {
    NurbsCurve::new(
        1,
        &[Point3::from_array(a), Point3::from_array(b)],
        None,
        vec![0.0, 0.0, 1.0, 1.0],
    )
    .expect("line")
}

/// The unit circle about `(cx, cy)` in z = 0, from (cx + 1, cy) counter-clockwise.
fn circle(cx: f64, cy: f64) -> NurbsCurve {
    let pts: Vec<Point3> = CIRCLE
        .iter()
        .map(|&(x, y)| Point3::new(cx + x, cy + y, 0.0))
        .collect();
    NurbsCurve::new(2, &pts, Some(&CIRCLE_W), CIRCLE_KNOTS.to_vec()).expect("circle")
}

fn close(p: Point3, q: [f64; 3]) -> bool {
    p.distance(Point3::from_array(q)) < TOL
}

#[test]
fn crossing_and_skew_lines() {
    let a = line([0.0, 0.0, 0.0], [2.0, 2.0, 0.0]);
    let cut = curve_curve(&a, &line([0.0, 2.0, 0.0], [2.0, 0.0, 0.0]), TOL);
    assert_eq!(cut.points.len(), 1);
    let p = cut.points[0];
    assert!(close(p.point, [1.0, 1.0, 0.0]) && !p.tangent);
    assert!((p.s - 0.5).abs() < 1e-12 && (p.t - 0.5).abs() < 1e-12);
    assert!(cut.overlaps.is_empty());
    // The same line lifted 0.01 does not meet; lifted 1e-7 (under the tolerance) does.
    let far = curve_curve(&a, &line([0.0, 2.0, 0.01], [2.0, 0.0, 0.01]), TOL);
    assert!(far.points.is_empty());
    let grazing = curve_curve(&a, &line([0.0, 2.0, 1e-7], [2.0, 0.0, 1e-7]), TOL);
    assert_eq!(grazing.points.len(), 1);
}

#[test]
fn line_through_and_tangent_to_a_circle() {
    let c = circle(0.0, 0.0);
    let x = 0.75f64.sqrt();
    let cut = curve_curve(&line([-2.0, 0.5, 0.0], [2.0, 0.5, 0.0]), &c, TOL);
    assert_eq!(cut.points.len(), 2, "{cut:?}");
    for (p, want) in cut.points.iter().zip([-x, x]) {
        assert!(close(p.point, [want, 0.5, 0.0]), "{p:?}");
        // Along the line x = −2 + 4 s; on the circle the point at t.
        assert!((p.s - (want + 2.0) / 4.0).abs() < 1e-9);
        assert!(c.point_at(p.t).distance(p.point) < TOL);
        assert!(!p.tangent);
    }
    let touch = curve_curve(&line([-2.0, 1.0, 0.0], [2.0, 1.0, 0.0]), &c, TOL);
    assert_eq!(touch.points.len(), 1, "{touch:?}");
    assert!(close(touch.points[0].point, [0.0, 1.0, 0.0]) && touch.points[0].tangent);
    assert!(touch.overlaps.is_empty());
}

#[test]
fn two_circles_one_apart() {
    let cut = curve_curve(&circle(0.0, 0.0), &circle(1.0, 0.0), TOL);
    let y = 0.75f64.sqrt();
    assert_eq!(cut.points.len(), 2, "{cut:?}");
    let mut ys: Vec<f64> = cut.points.iter().map(|p| p.point.y).collect();
    ys.sort_by(f64::total_cmp);
    assert!((ys[0] + y).abs() < TOL && (ys[1] - y).abs() < TOL);
    for p in &cut.points {
        assert!((p.point.x - 0.5).abs() < TOL);
    }
}

#[test]
fn ends_that_meet_are_a_point() {
    let cut = curve_curve(
        &line([0.0, 0.0, 0.0], [1.0, 0.0, 0.0]),
        &line([1.0, 0.0, 0.0], [1.0, 1.0, 0.0]),
        TOL,
    );
    assert_eq!(cut.points.len(), 1);
    let p = cut.points[0];
    assert!(close(p.point, [1.0, 0.0, 0.0]) && p.s == 1.0 && p.t == 0.0);
}

#[test]
fn overlaps_are_stretches() {
    // Collinear lines sharing x ∈ [1, 2]: s ∈ [½, 1] on the first, t ∈ [0, ½] on the second.
    let cut = curve_curve(
        &line([0.0, 0.0, 0.0], [2.0, 0.0, 0.0]),
        &line([1.0, 0.0, 0.0], [3.0, 0.0, 0.0]),
        TOL,
    );
    assert!(cut.points.is_empty(), "{cut:?}");
    assert_eq!(cut.overlaps.len(), 1);
    let o = &cut.overlaps[0];
    assert!(
        (o.s[0] - 0.5).abs() < 1e-6 && (o.s[1] - 1.0).abs() < 1e-12,
        "{o:?}"
    );
    assert!(o.t[0].abs() < 1e-6 && (o.t[1] - 0.5).abs() < 1e-6, "{o:?}");
    // A quarter arc (from (1, 0) to (0, 1)) on its whole circle: the arc is the overlap.
    let quarter = NurbsCurve::new(
        2,
        &[
            Point3::new(1.0, 0.0, 0.0),
            Point3::new(1.0, 1.0, 0.0),
            Point3::new(0.0, 1.0, 0.0),
        ],
        Some(&[1.0, CIRCLE_W[1], 1.0]),
        vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
    )
    .expect("arc");
    let cut = curve_curve(&quarter, &circle(0.0, 0.0), TOL);
    assert!(cut.points.is_empty(), "{cut:?}");
    assert_eq!(cut.overlaps.len(), 1);
    let o = &cut.overlaps[0];
    assert_eq!(o.s, [0.0, 1.0]);
    assert!(
        close(o.points[0], [1.0, 0.0, 0.0]) && close(o.points[o.points.len() - 1], [0.0, 1.0, 0.0])
    );
}

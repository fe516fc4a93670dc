//! NURBS shapes shared by the intersection tests: circles as 9-point rational quadratics,
//! spheres, cylinders and bilinear patches (exact), and a bicubic sheet with two bumps.

#![allow(dead_code)]

use cicada_geom::bvh::Bvh;
use cicada_geom::nurbs::{NurbsCurve, NurbsSurface};
use cicada_geom::{Point3, Vector3};

pub const W: f64 = std::f64::consts::FRAC_1_SQRT_2;
pub const CIRCLE: [(f64, f64); 9] = [
    (1.0, 0.0),
    (1.0, 1.0),
    (0.0, 1.0),
    (-1.0, 1.0),
    (-1.0, 0.0),
    (-1.0, -1.0),
    (0.0, -1.0),
    (1.0, -1.0),
    (1.0, 0.0),
];
pub const CIRCLE_W: [f64; 9] = [1.0, W, 1.0, W, 1.0, W, 1.0, W, 1.0];
pub const CIRCLE_KNOTS: [f64; 12] = [
    0.0, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0,
];

/// The sphere of radius `r` about `at`: a half circle from the south pole to the north
/// revolved about z.
pub fn sphere(r: f64, at: Point3) -> NurbsSurface {
    let profile = [
        (0.0, -r, 1.0),
        (r, -r, W),
        (r, 0.0, 1.0),
        (r, r, W),
        (0.0, r, 1.0),
    ];
    let mut points = Vec::new();
    let mut weights = Vec::new();
    for (k, &(cx, cy)) in CIRCLE.iter().enumerate() {
        for &(x, z, w) in &profile {
            points.push(Point3::new(at.x + x * cx, at.y + x * cy, at.z + z));
            weights.push(CIRCLE_W[k] * w);
        }
    }
    NurbsSurface::new(
        (2, 2),
        (9, 5),
        &points,
        Some(&weights),
        CIRCLE_KNOTS.to_vec(),
        vec![0.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.0],
    )
    .expect("sphere")
}

/// A cylinder of radius `r` about the axis through the origin along `axis` (0: x, 1: y,
/// 2: z), from −`half` to `half`.
pub fn cylinder(r: f64, axis: usize, half: f64) -> NurbsSurface {
    let mut points = Vec::new();
    let mut weights = Vec::new();
    for (k, &(a, b)) in CIRCLE.iter().enumerate() {
        for s in [-half, half] {
            let p = match axis {
                0 => Point3::new(s, r * a, r * b),
                1 => Point3::new(r * b, s, r * a),
                _ => Point3::new(r * a, r * b, s),
            };
            points.push(p);
            weights.push(CIRCLE_W[k]);
        }
    }
    NurbsSurface::new(
        (2, 1),
        (9, 2),
        &points,
        Some(&weights),
        CIRCLE_KNOTS.to_vec(),
        vec![0.0, 0.0, 1.0, 1.0],
    )
    .expect("cylinder")
}

/// The torus about the z axis with radii `big` (of the ring) and `r` (of the tube), the
/// tube's circle started at angle `start` from the outside (so that its knots, and the
/// rows of its meshes, need not fall on the top).
pub fn torus(big: f64, r: f64, start: f64) -> NurbsSurface {
    let (c, s) = (start.cos(), start.sin());
    let mut points = Vec::new();
    let mut weights = Vec::new();
    for (k, &(cx, cy)) in CIRCLE.iter().enumerate() {
        for (j, &(px, pz)) in CIRCLE.iter().enumerate() {
            let (px, pz) = (px * c - pz * s, px * s + pz * c);
            let x = big + r * px;
            points.push(Point3::new(x * cx, x * cy, r * pz));
            weights.push(CIRCLE_W[k] * CIRCLE_W[j]);
        }
    }
    NurbsSurface::new(
        (2, 2),
        (9, 9),
        &points,
        Some(&weights),
        CIRCLE_KNOTS.to_vec(),
        CIRCLE_KNOTS.to_vec(),
    )
    .expect("torus")
}

/// Checks the two circles in which the plane z = r − `depth` cuts the torus of radii
/// `big`, `r` about z: radii `big` ± √(2 r depth − depth²), every point on both (the
/// radius to the tolerance over the sine of the crossing angle, √(1 − (r − depth)² / r²)),
/// every chord within the tolerance of its circle.
pub fn assert_torus_circles(
    curves: &[(Vec<Point3>, bool)],
    big: f64,
    r: f64,
    depth: f64,
    tolerance: f64,
) {
    assert_eq!(curves.len(), 2, "depth {depth}");
    let d = (2.0 * r * depth - depth * depth).sqrt();
    let slack = tolerance * r / d;
    let mut radii = Vec::new();
    for (points, closed) in curves {
        assert!(*closed, "depth {depth}");
        let rho = points[0].x.hypot(points[0].y);
        let want = if rho < big { big - d } else { big + d };
        radii.push(want);
        let n = points.len();
        for k in 0..n {
            let p = points[k];
            assert!((p.z - (r - depth)).abs() < tolerance, "{p:?}");
            let off_torus = ((p.x.hypot(p.y) - big).hypot(p.z) - r).abs();
            assert!(off_torus < tolerance, "{p:?}: {off_torus} off the torus");
            assert!(
                (p.x.hypot(p.y) - want).abs() < slack,
                "{p:?} vs radius {want}"
            );
            let m = p.lerp(points[(k + 1) % n], 0.5);
            let sag = (m.x.hypot(m.y) - want).abs();
            assert!(sag < 1.01 * tolerance + slack, "chord {k}: {sag}");
        }
    }
    assert!((radii[0] - radii[1]).abs() > d, "one circle each side");
}

/// A flat mesh at height `z` over x, y ∈ [−5, 5]: a 4 × 4 grid of squares, each split in
/// two.
pub fn flat_grid(z: f64) -> (Vec<[Point3; 3]>, Bvh) {
    let p = |i: usize, j: usize| Point3::new(-5.0 + 2.5 * i as f64, -5.0 + 2.5 * j as f64, z);
    let mut tris = Vec::new();
    for i in 0..4 {
        for j in 0..4 {
            tris.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            tris.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    let bvh = Bvh::new(&tris);
    (tris, bvh)
}

/// The circle of radius `r` about the origin in the xz plane as a 9-point rational
/// quadratic, started at angle `start` from +x (so that its knots, and the samples of its
/// polyline, need not fall on its lowest point).
pub fn circle_xz(r: f64, start: f64) -> NurbsCurve {
    let (c, s) = (start.cos(), start.sin());
    let points: Vec<Point3> = CIRCLE
        .iter()
        .map(|&(x, y)| Point3::new(r * (x * c - y * s), 0.0, r * (x * s + y * c)))
        .collect();
    NurbsCurve::new(2, &points, Some(&CIRCLE_W), CIRCLE_KNOTS.to_vec()).expect("circle")
}

/// The bilinear patch through four corners.
pub fn patch(corners: [Point3; 4]) -> NurbsSurface {
    let [a, b, c, d] = corners;
    NurbsSurface::new(
        (1, 1),
        (2, 2),
        &[a, d, b, c],
        None,
        vec![0.0, 0.0, 1.0, 1.0],
        vec![0.0, 0.0, 1.0, 1.0],
    )
    .expect("patch")
}

/// A bicubic sheet over x, y ∈ [−4, 4] (control points 1 apart, z = 0) with two bumps:
/// control point (2, 4) raised by `high`, (6, 4) by `low` and (6, 5) by `side` (which
/// moves the low bump's top off the knot row v = 3).
pub fn two_bumps(high: f64, low: f64, side: f64) -> NurbsSurface {
    let mut points = Vec::new();
    for i in 0..9 {
        for j in 0..9 {
            let z = match (i, j) {
                (2, 4) => high,
                (6, 4) => low,
                (6, 5) => side,
                _ => 0.0,
            };
            points.push(Point3::new(i as f64 - 4.0, j as f64 - 4.0, z));
        }
    }
    let knots = vec![
        0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 6.0, 6.0,
    ];
    NurbsSurface::new((3, 3), (9, 9), &points, None, knots.clone(), knots).expect("bumps")
}

/// The top of the bump nearest parameters `uv` (Newton on the gradient of z over the
/// parameters), with z's Hessian over x, y there (the cap's local model).
pub fn bump_top(s: &NurbsSurface, mut uv: [f64; 2]) -> (Point3, [[f64; 2]; 2]) {
    for _ in 0..50 {
        let d = s.derivatives(uv[0], uv[1], 2);
        let (gu, gv) = (d[1][0].z, d[0][1].z);
        let (huu, huv, hvv) = (d[2][0].z, d[1][1].z, d[0][2].z);
        let det = huu * hvv - huv * huv;
        let step = [(hvv * gu - huv * gv) / det, (huu * gv - huv * gu) / det];
        uv = [uv[0] - step[0], uv[1] - step[1]];
        if step[0].hypot(step[1]) < 1e-15 {
            break;
        }
    }
    let d = s.derivatives(uv[0], uv[1], 2);
    // z's Hessian over (u, v), carried to (x, y) through the inverse of the (x, y)
    // Jacobian (z's gradient is zero at the top, so no other term).
    let (xu, xv, yu, yv) = (d[1][0].x, d[0][1].x, d[1][0].y, d[0][1].y);
    let det = xu * yv - xv * yu;
    let inv = [[yv / det, -xv / det], [-yu / det, xu / det]];
    let h = [[d[2][0].z, d[1][1].z], [d[1][1].z, d[0][2].z]];
    let mut hxy = [[0.0; 2]; 2];
    for r in 0..2 {
        for c in 0..2 {
            for i in 0..2 {
                for j in 0..2 {
                    hxy[r][c] += inv[i][r] * h[i][j] * inv[j][c];
                }
            }
        }
    }
    let p = d[0][0];
    (Point3::new(p.x, p.y, p.z), hxy)
}

/// Checks a loop cut `depth` under a top (at `top`, where z's Hessian over x, y is `h`)
/// against the cap's second-order model, the ellipse `depth = ½ xᵀ |H| x`: its area (in
/// the xy plane, by the shoelace formula) within 2 % of 2π depth / √det H, and its
/// centroid over the top.
pub fn assert_cap(points: &[Point3], top: Point3, h: [[f64; 2]; 2], depth: f64) {
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    assert!(det > 0.0 && h[0][0] < 0.0, "not a top: {h:?}");
    let n = points.len();
    let area = (0..n)
        .map(|k| {
            let (p, q) = (points[k], points[(k + 1) % n]);
            p.x * q.y - q.x * p.y
        })
        .sum::<f64>()
        .abs()
        / 2.0;
    let model = 2.0 * std::f64::consts::PI * depth / det.sqrt();
    assert!(
        (area - model).abs() < 0.02 * model,
        "depth {depth}: area {area} vs {model}"
    );
    let (cx, cy) = points.iter().fold((0.0, 0.0), |(x, y), p| {
        (x + p.x / n as f64, y + p.y / n as f64)
    });
    assert!((cx - top.x).hypot(cy - top.y) < 0.05 * (area / 3.0).sqrt());
}

/// One pair of tests/data/intersect/occt_ssi.json: the two sheets, the cubic through the
/// first, and the pair's record (OCCT's curves and points).
pub type OcctPair = (
    NurbsSurface,
    NurbsSurface,
    cicada_geom::nurbs::NurbsCurve,
    serde_json::Value,
);

/// The random bicubic sheet pairs that OCCT intersected (make_occt_reference.py), read
/// from `path`: shared by the OCCT test and the benchmark against OCCT.
pub fn occt_pairs(path: &str) -> Result<Vec<OcctPair>, String> {
    use serde_json::Value;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let data: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let field = |v: &Value, key: &str| v.get(key).cloned().ok_or(format!("{path}: no `{key}`"));
    let parse = |v: Value| -> Result<Vec<f64>, String> {
        serde_json::from_value(v).map_err(|e| format!("{path}: {e}"))
    };
    let points = |v: Value| -> Result<Vec<Point3>, String> {
        let p: Vec<[f64; 3]> = serde_json::from_value(v).map_err(|e| format!("{path}: {e}"))?;
        Ok(p.into_iter().map(Point3::from_array).collect())
    };
    let n = field(&data, "count")?.as_u64().ok_or("count")? as usize;
    let degree = field(&data, "degree")?.as_u64().ok_or("degree")? as usize;
    let knots = parse(field(&data, "knots")?)?;
    let curve_knots = parse(field(&data, "curve_knots")?)?;
    let sheet = |v: Value| -> Result<NurbsSurface, String> {
        let pts = points(v)?;
        NurbsSurface::new(
            (degree, degree),
            (n, n),
            &pts,
            None,
            knots.clone(),
            knots.clone(),
        )
        .map_err(|e| format!("{e}"))
    };
    let pairs = field(&data, "pairs")?;
    pairs
        .as_array()
        .ok_or(format!("{path}: `pairs` is no list"))?
        .iter()
        .map(|pair| {
            let (a, b) = (sheet(field(pair, "a")?)?, sheet(field(pair, "b")?)?);
            let curve = points(field(pair, "curve")?)?;
            let curve =
                cicada_geom::nurbs::NurbsCurve::new(degree, &curve, None, curve_knots.clone())
                    .map_err(|e| format!("{e}"))?;
            Ok((a, b, curve, pair.clone()))
        })
        .collect()
}

/// A bicubic B-spline sheet over `bumps` × `bumps` separate bumps: control points on
/// z = 0 except one at z = 1 every fourth row and column, so no two bumps' supports
/// overlap. Each bump's top is (2/3)² = 4/9 high, the largest value of a uniform cubic
/// B-spline basis function (2/3, at its middle knot) squared.
pub fn bumpy_sheet(bumps: usize) -> NurbsSurface {
    let n = 4 * bumps + 3;
    let peak = |i: usize| i >= 3 && (i - 3).is_multiple_of(4) && i + 4 <= n;
    let points: Vec<Point3> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            let z = if peak(i) && peak(j) { 1.0 } else { 0.0 };
            Point3::new(i as f64, j as f64, z)
        })
        .collect();
    let mut knots = vec![0.0; 4];
    knots.extend((1..n - 3).map(|k| k as f64));
    knots.extend([(n - 3) as f64; 4]);
    NurbsSurface::new((3, 3), (n, n), &points, None, knots.clone(), knots).expect("sheet")
}

/// The length of the polyline through `points`, its closing chord too when `closed`.
pub fn polyline_length(points: &[Point3], closed: bool) -> f64 {
    let n = points.len();
    let chords = if closed { n } else { n.saturating_sub(1) };
    (0..chords)
        .map(|k| points[k].distance(points[(k + 1) % n]))
        .sum()
}

/// A non-rational surface (the bumpy sheet, say) moved by `d`.
pub fn moved(s: &NurbsSurface, d: Vector3) -> NurbsSurface {
    let points: Vec<Point3> = s.control_points().into_iter().map(|p| p + d).collect();
    let (ku, kv) = s.knots();
    NurbsSurface::new(
        s.degrees(),
        s.counts(),
        &points,
        None,
        ku.to_vec(),
        kv.to_vec(),
    )
    .expect("moved copy")
}

/// A fixed pseudo-random sequence in [0, 1) from `seed` (xorshift64*), so every run draws
/// the same cases.
pub fn sequence(mut state: u64) -> impl FnMut() -> f64 {
    move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

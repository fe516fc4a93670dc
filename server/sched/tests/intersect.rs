//! `intersect` jobs in process on a scene with known answers: a NURBS sphere of radius 2
//! cut by a NURBS plane at z = 0.7 (a circle of radius √(4 − 0.49), exact to the
//! tolerance, I9), a line through the sphere at offset 1 (points at ±√(4 − 1 − 0.09),
//! I12) and through a unit box mesh (its faces at x = 4 and 5), the plane through the box
//! (its outline, perimeter 4, exact on both), fitted curves within the tolerance, and
//! listed pairs naming unknown ids refused before the job is queued.

mod common;

use cicada_protocol::Output;
use cicada_protocol::intersection::{IntersectMethod, IntersectReport};
use cicada_sched::execute::JobError;
use serde_json::{Value, json};

const W: f64 = std::f64::consts::FRAC_1_SQRT_2;

fn circle() -> Vec<(f64, f64, f64)> {
    [
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (-1.0, 0.0),
        (-1.0, -1.0),
        (0.0, -1.0),
        (1.0, -1.0),
        (1.0, 0.0),
    ]
    .iter()
    .enumerate()
    .map(|(k, &(x, y))| (x, y, if k % 2 == 0 { 1.0 } else { W }))
    .collect()
}

/// The NURBS sphere of radius 2 about the origin, id `sphere`.
fn sphere() -> Value {
    let r = 2.0;
    let profile = [
        (0.0, -r, 1.0),
        (r, -r, W),
        (r, 0.0, 1.0),
        (r, r, W),
        (0.0, r, 1.0),
    ];
    let (mut points, mut weights) = (Vec::new(), Vec::new());
    for (cx, cy, cw) in circle() {
        for &(x, z, w) in &profile {
            points.push(json!([x * cx, x * cy, z]));
            weights.push(json!(cw * w));
        }
    }
    let knots_u = json!([0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1]);
    json!({"id": "sphere", "degree_u": 2, "degree_v": 2, "count_u": 9,
        "count_v": 5, "points": points, "weights": weights, "knots_u": knots_u,
        "knots_v": [0, 0, 0, 0.5, 0.5, 1, 1, 1]})
}

/// The closed box mesh from `lo` to `hi`, six outward quads.
fn box_mesh(id: &str, lo: [f64; 3], hi: [f64; 3]) -> Value {
    // Vertex k: x from bit 0, y from bit 1, z from bit 2.
    let vertices: Vec<[f64; 3]> = (0..8)
        .map(|k| [0, 1, 2].map(|a| if k >> a & 1 == 0 { lo[a] } else { hi[a] }))
        .collect();
    json!({"id": id, "vertices": vertices,
        "faces": [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2],
                  [1, 3, 7, 5]]})
}

/// The length of the closed polyline through `points`.
fn loop_length(points: &[[f64; 3]]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|k| {
            let (p, q) = (points[k], points[(k + 1) % n]);
            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
        })
        .sum()
}

/// The total length of a pair's curves, each asserted to be a touch (`what` names the
/// case); a closed curve's closing chord counts.
fn touching_length(p: &cicada_protocol::intersection::IntersectPair, what: &str) -> f64 {
    let distance = |p: [f64; 3], q: [f64; 3]| {
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
    };
    p.curves
        .iter()
        .map(|c| {
            assert!(c.tangent, "{what}: {c:?}");
            let points = &c.points.0;
            let open: f64 = points.windows(2).map(|w| distance(w[0], w[1])).sum();
            let closing = match (c.closed, points.first(), points.last()) {
                (true, Some(&first), Some(&last)) => distance(last, first),
                _ => 0.0,
            };
            open + closing
        })
        .sum()
}

/// Asserts that the pair lies flush over `area` (to 1e-9), outlined by touching curves
/// `outline` long (to `slack`: a boundary run's ends, where it leaves the other's edge,
/// are found to rounding, 1e-9 of the size).
fn assert_flush(
    p: &cicada_protocol::intersection::IntersectPair,
    what: &str,
    (outline, area): (f64, f64),
    slack: f64,
) {
    let length = touching_length(p, what);
    assert!(
        (length - outline).abs() < slack,
        "{what}: {length} in {:?}",
        p.curves
    );
    let found = p.coplanar_area.expect("a flush area");
    assert!((found - area).abs() < 1e-9, "{what}: {found}");
}

/// The bilinear patch over the rectangle from `lo` to `hi` on z = 0.
fn plane_patch(id: &str, lo: [f64; 2], hi: [f64; 2]) -> Value {
    json!({"id": id, "degree_u": 1, "degree_v": 1, "count_u": 2, "count_v": 2,
        "points": [[lo[0], lo[1], 0], [lo[0], hi[1], 0], [hi[0], lo[1], 0], [hi[0], hi[1], 0]],
        "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]})
}

/// The rectangle from `lo` to `hi` on z = 0 as an open mesh of two triangles.
fn square_sheet(id: &str, lo: [f64; 2], hi: [f64; 2]) -> Value {
    json!({"id": id,
        "vertices": [[lo[0], lo[1], 0], [hi[0], lo[1], 0], [hi[0], hi[1], 0], [lo[0], hi[1], 0]],
        "faces": [[0, 1, 2], [0, 2, 3]]})
}

fn scene() -> Value {
    let sphere = sphere();
    let h = 0.7;
    let plane = json!({"id": "plane", "degree_u": 1, "degree_v": 1, "count_u": 2,
        "count_v": 2, "points": [[-3, -3, h], [-3, 6, h], [6, -3, h], [6, 6, h]],
        "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]});
    let line = json!({"id": "line", "degree": 1, "points": [[-5, 1, 0.3], [7, 1, 0.3]],
        "knots": [0, 0, 1, 1]});
    let cube = box_mesh("box", [4.0, 0.5, 0.0], [5.0, 1.5, 1.0]);
    // A millimetre model tolerance; the pairs work to the job's tolerance (1e-6).
    json!({"units": "meters", "tolerance": 1e-3, "meshes": [cube],
           "surfaces": [sphere, plane], "curves": [line]})
}

fn run(params: Value) -> Result<IntersectReport, JobError> {
    run_on(scene(), params)
}

fn run_on(scene: Value, params: Value) -> Result<IntersectReport, JobError> {
    let job = json!({"protocol": 1, "kind": "intersect", "params": params,
                     "inputs": {"scene": {"inline": scene}}});
    let result = common::run_json(&job)?;
    match result.output {
        Output::Intersect(r) => Ok(r),
        other => panic!("{other:?}"),
    }
}

fn pair<'a>(
    r: &'a IntersectReport,
    a: &str,
    b: &str,
) -> &'a cicada_protocol::intersection::IntersectPair {
    r.pairs
        .iter()
        .find(|p| {
            let ids = (p.a_id.as_deref(), p.b_id.as_deref());
            ids == (Some(a), Some(b)) || ids == (Some(b), Some(a))
        })
        .unwrap_or_else(|| panic!("no {a}–{b} pair in {:?}", r.pairs.len()))
}

#[test]
fn every_pair_of_the_scene_meets_where_it_should() {
    let r = run(json!({"fit_curves": true, "tolerance": 1e-6})).unwrap();
    // sphere–plane, sphere–line, plane–box, line–box, plane–line? (the line at z = 0.3
    // runs under the plane at 0.7: no). The sphere and the box are 2 apart.
    let mut ids: Vec<(String, String)> = r
        .pairs
        .iter()
        .map(|p| {
            let (a, b) = (p.a_id.clone().unwrap(), p.b_id.clone().unwrap());
            if a <= b { (a, b) } else { (b, a) }
        })
        .collect();
    ids.sort();
    let want = [
        ("box", "line"),
        ("box", "plane"),
        ("line", "sphere"),
        ("plane", "sphere"),
    ];
    assert_eq!(ids, want.map(|(a, b)| (a.to_string(), b.to_string())));

    let circle = pair(&r, "sphere", "plane");
    assert_eq!(circle.method, IntersectMethod::Nurbs);
    assert_eq!(circle.curves.len(), 1);
    let c = &circle.curves[0];
    assert!(c.closed);
    let rho = (4.0f64 - 0.49).sqrt();
    for p in c.points.iter() {
        assert!((p[0].hypot(p[1]) - rho).abs() < 1e-6 && (p[2] - 0.7).abs() < 1e-6);
    }
    assert_eq!(c.uv_a.as_ref().map(|u| u.len()), Some(c.points.len()));
    // The fit follows the circle to the tolerance at the points.
    let fitted = c.fitted.as_ref().expect("a fit");
    assert_eq!(fitted.degree, 3);
    assert!(fitted.points.len() < c.points.len());

    let through = pair(&r, "line", "sphere");
    assert_eq!(through.method, IntersectMethod::Nurbs);
    let x = (4.0f64 - 1.0 - 0.09).sqrt();
    let xs: Vec<f64> = through.points.iter().map(|p| p.point[0]).collect();
    assert_eq!(xs.len(), 2);
    assert!(
        (xs[0] + x).abs() < 1e-6 && (xs[1] - x).abs() < 1e-6,
        "{xs:?}"
    );
    // Curve parameters along the line: x = −5 + 12 t.
    for p in &through.points {
        assert!((p.t.unwrap() - (p.point[0] + 5.0) / 12.0).abs() < 1e-9);
    }

    let box_line = pair(&r, "line", "box");
    assert_eq!(box_line.method, IntersectMethod::Mesh);
    let xs: Vec<f64> = box_line.points.iter().map(|p| p.point[0]).collect();
    assert_eq!(xs.len(), 2);
    assert!(
        (xs[0] - 4.0).abs() < 1e-12 && (xs[1] - 5.0).abs() < 1e-12,
        "{xs:?}"
    );

    // A NURBS surface and a mesh: exact on both, the surface's parameters on its side.
    let outline = pair(&r, "plane", "box");
    assert_eq!(outline.method, IntersectMethod::Nurbs);
    assert_eq!(outline.curves.len(), 1);
    let o = &outline.curves[0];
    assert!(o.closed);
    let plane_side = if outline.a_id.as_deref() == Some("plane") {
        &o.uv_a
    } else {
        &o.uv_b
    };
    assert_eq!(plane_side.as_ref().map(|u| u.len()), Some(o.points.len()));
    for p in o.points.iter() {
        assert!((p[2] - 0.7).abs() < 1e-9, "{p:?}");
    }
    let perimeter = loop_length(&o.points);
    assert!((perimeter - 4.0).abs() < 1e-9, "{perimeter}");
}

/// The cube `lo + [0, size]³` as a closed Brep of six plane faces, each trimmed from a
/// plane patch that reaches a quarter of the size beyond it; edges shared by index.
fn cube_brep(id: &str, lo: [f64; 3], size: f64) -> Value {
    let m = 0.25;
    let (a, b) = (m / (1.0 + 2.0 * m), (1.0 + m) / (1.0 + 2.0 * m));
    let mut edges: Vec<[i64; 6]> = Vec::new();
    let mut faces = Vec::new();
    for k in 0..3 {
        for side in [0.0, 1.0] {
            let at = |s: f64, t: f64| {
                let mut p = lo;
                p[k] += side * size;
                p[(k + 1) % 3] += s * size;
                p[(k + 2) % 3] += t * size;
                p
            };
            let corners = [[a, a], [b, a], [b, b], [a, b]];
            let mut trims = Vec::new();
            for c in 0..4 {
                let (p, q) = (corners[c], corners[(c + 1) % 4]);
                let face_at = |uv: [f64; 2]| at((uv[0] - a) / (b - a), (uv[1] - a) / (b - a));
                let key = |x: [f64; 3]| x.map(|v| (v * 1e6).round() as i64);
                let (kp, kq) = (key(face_at(p)), key(face_at(q)));
                let (lo_k, hi_k) = if kp <= kq { (kp, kq) } else { (kq, kp) };
                let id = [lo_k[0], lo_k[1], lo_k[2], hi_k[0], hi_k[1], hi_k[2]];
                let edge = edges.iter().position(|e| *e == id).unwrap_or_else(|| {
                    edges.push(id);
                    edges.len() - 1
                });
                trims.push(json!({"curve": {"degree": 1, "points": [p, q],
                    "knots": [0, 0, 1, 1]}, "edge": edge}));
            }
            let patch = [
                at(-m, -m),
                at(-m, 1.0 + m),
                at(1.0 + m, -m),
                at(1.0 + m, 1.0 + m),
            ];
            faces.push(json!({
                "surface": {"degree_u": 1, "degree_v": 1, "count_u": 2, "count_v": 2,
                    "points": patch, "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]},
                // e1 × e2 is +axis k: the face at the low side points the other way.
                "reversed": side == 0.0,
                "loops": [{"kind": "outer", "trims": trims}]}));
        }
    }
    let edges: Vec<Value> = edges.iter().map(|_| json!({})).collect();
    json!({"id": id, "faces": faces, "edges": edges})
}

#[test]
fn brep_pairs_are_exact_on_the_trimmed_faces() {
    // The cube [1, 3]³ has its corner (1, 1, 1) inside the sphere of radius 2 (at √3):
    // the sphere cuts the three faces at that corner in arcs of the circle of radius √3
    // about each axis, each between the angles atan(1/√2) and atan(√2), joined into one
    // loop of length 3 √3 (atan √2 − atan(1/√2)) (closed form). The faces' planes reach
    // beyond the cube, where the sphere cuts them too: that must be trimmed away.
    // The line (0, 0.9, 2) → (4, 2.5, 2) enters the cube at x = 1 and leaves at x = 3.
    let line = json!({"id": "line", "degree": 1, "points": [[0, 0.9, 2], [4, 2.5, 2]],
        "knots": [0, 0, 1, 1]});
    // A slab mesh x, y ∈ [0.5, 3.5], z ∈ [2.1, 2.5] cuts the cube's four sides in two
    // squares of side 2, exact on both, joined across the cube's vertical edges.
    let slab = box_mesh("slab", [0.5, 0.5, 2.1], [3.5, 3.5, 2.5]);
    let scene = json!({"units": "meters", "tolerance": 1e-3, "surfaces": [sphere()],
        "meshes": [slab], "breps": [cube_brep("cube", [1.0; 3], 2.0)], "curves": [line]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    assert_eq!(r.pairs.len(), 3, "cube–sphere, cube–line and cube–slab");

    let squares = pair(&r, "cube", "slab");
    assert_eq!(squares.method, IntersectMethod::Nurbs);
    assert_eq!(squares.curves.len(), 2);
    for c in &squares.curves {
        assert!(c.closed);
        let z = c.points[0][2];
        assert!((z - 2.1).abs() < 1e-9 || (z - 2.5).abs() < 1e-9, "{z}");
        assert!(c.points.iter().all(|p| (p[2] - z).abs() < 1e-9));
        let length = loop_length(&c.points);
        assert!((length - 8.0).abs() < 1e-9, "{length}");
        // Meshes come before Breps, so the cube is the second object: its faces (the four
        // sides x = 1, 3 and y = 1, 3) and parameters are on side b.
        assert!(c.faces_a.is_none() && c.uv_a.is_none() && c.uv_b.is_some());
        let faces = c.faces_b.as_ref().expect("faces");
        let mut distinct = faces.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct, vec![0, 1, 2, 3]);
    }

    let cut = pair(&r, "cube", "sphere");
    assert_eq!(cut.method, IntersectMethod::Nurbs);
    assert_eq!(cut.curves.len(), 1);
    let c = &cut.curves[0];
    assert!(c.closed);
    let n = c.points.len();
    let length = loop_length(&c.points);
    let expected = 3.0 * 3f64.sqrt() * (2f64.sqrt().atan() - (1.0 / 2f64.sqrt()).atan());
    assert!(
        (length - expected).abs() < 1e-5 * expected,
        "{length} vs {expected}"
    );
    for p in c.points.iter() {
        assert!((p[0].hypot(p[1]).hypot(p[2]) - 2.0).abs() < 1e-6, "{p:?}");
        let low = p.iter().filter(|&&x| (x - 1.0).abs() < 1e-6).count();
        assert!(
            low >= 1 && p.iter().all(|&x| x >= 1.0 - 1e-6),
            "{p:?} off the cube"
        );
    }
    // The cube is the first object: each point names its face, parameters on it.
    let faces = c.faces_a.as_ref().expect("faces of the Brep");
    assert_eq!(faces.len(), n);
    let mut distinct = faces.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct, vec![0, 2, 4], "the three faces at the low corner");
    assert!(c.faces_b.is_none() && c.uv_a.is_some() && c.uv_b.is_some());

    let through = pair(&r, "cube", "line");
    assert_eq!(through.method, IntersectMethod::Nurbs);
    let hits: Vec<([f64; 3], Option<u32>, f64)> = through
        .points
        .iter()
        .map(|p| (p.point, p.face, p.t.unwrap()))
        .collect();
    assert_eq!(hits.len(), 2, "{hits:?}");
    let expected = [([1.0, 1.3, 2.0], 0, 0.25), ([3.0, 2.1, 2.0], 1, 0.75)];
    for ((p, face, t), (q, f, s)) in hits.iter().zip(expected) {
        assert!((0..3).all(|k| (p[k] - q[k]).abs() < 1e-6), "{p:?} vs {q:?}");
        assert_eq!(*face, Some(f));
        assert!((t - s).abs() < 1e-9);
    }
}

#[test]
fn breps_side_by_side_are_an_overlap_with_the_outline_of_their_shared_face() {
    // The unit cube and a cube of side 2 beside it at x = 1, from y = z = 0.5: their faces
    // on x = 1 coincide over [0.5, 1]², flagged as an overlap, and the curve is that
    // square's outline (perimeter 2), each side where a side face of one cube meets the
    // other's face on x = 1. Each cube keeps to its side of that plane: a touch.
    let scene = json!({"units": "meters", "tolerance": 1e-3,
        "breps": [cube_brep("small", [0.0; 3], 1.0), cube_brep("big", [1.0, 0.5, 0.5], 2.0)]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    let p = pair(&r, "small", "big");
    assert!(p.overlap);
    assert!(p.points.is_empty(), "{:?}", p.points);
    assert_eq!(p.curves.len(), 1);
    let c = &p.curves[0];
    assert!(c.closed && c.tangent);
    assert!((loop_length(&c.points) - 2.0).abs() < 1e-9);
    assert!(c.points.iter().all(|q| (q[0] - 1.0).abs() < 1e-6));
    // The shared square's area, 0.5², measured on the tessellations (plane faces: exact).
    let area = p.coplanar_area.expect("a flush area");
    assert!((area - 0.25).abs() < 1e-12, "{area}");
}

#[test]
fn a_brep_block_on_a_slab_bears_on_its_footprint() {
    // The unit cube Brep from (0.5, 0.5, 0) on the slab [−1, 2]² × [−1, 0], as a mesh and
    // as a Brep (a cube of side 3 below z = 0): flush over its unit footprint, the outline
    // a touch. Lifted clear by 0.01 nothing meets.
    for lift in [0.0, 0.01] {
        let scene = json!({"units": "meters", "tolerance": 1e-3,
            "breps": [cube_brep("block", [0.5, 0.5, lift], 1.0),
                cube_brep("base", [-1.0, -1.0, -3.0], 3.0)],
            "meshes": [box_mesh("slab", [-1.0, -1.0, -1.0], [2.0, 2.0, 0.0])]});
        let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
        for other in ["slab", "base"] {
            let found = r.pairs.iter().find(|p| {
                p.a_id.as_deref() == Some("block") && p.b_id.as_deref() == Some(other)
                    || p.a_id.as_deref() == Some(other) && p.b_id.as_deref() == Some("block")
            });
            if lift > 0.0 {
                assert!(found.is_none(), "{other}: {found:?}");
                continue;
            }
            let p = found.expect("block on the slab");
            assert!(p.curves.iter().all(|c| c.tangent), "{other}");
            let area = p.coplanar_area.expect("a flush area");
            assert!((area - 1.0).abs() < 1e-12, "{other}: {area}");
        }
    }
}

#[test]
fn curves_meet_curves_in_points_and_overlaps() {
    // Two diagonals of the square [0, 2]² cross at (1, 1) halfway along both; a third line
    // from (1, 1) to (3, 3) runs along the first from its middle (an overlap from (1, 1) to
    // (2, 2)) and starts on the second (a point, t = ½ there, 0 on the third).
    let line = |id: &str, a: [f64; 3], b: [f64; 3]| json!({"id": id, "degree": 1, "points": [a, b], "knots": [0, 0, 1, 1]});
    let scene = json!({"units": "meters", "tolerance": 1e-6, "curves": [
        line("d1", [0.0, 0.0, 0.0], [2.0, 2.0, 0.0]),
        line("d2", [0.0, 2.0, 0.0], [2.0, 0.0, 0.0]),
        line("d3", [1.0, 1.0, 0.0], [3.0, 3.0, 0.0])]});
    let r = run_on(scene, json!({})).unwrap();
    assert_eq!(r.pairs_tested, 3);
    assert_eq!(r.pairs.len(), 3);
    let cross = pair(&r, "d1", "d2");
    assert_eq!(cross.method, IntersectMethod::Nurbs);
    assert_eq!(cross.points.len(), 1);
    let p = &cross.points[0];
    assert!((p.point[0] - 1.0).abs() < 1e-9 && (p.point[1] - 1.0).abs() < 1e-9);
    assert!((p.t.unwrap() - 0.5).abs() < 1e-9 && (p.t_b.unwrap() - 0.5).abs() < 1e-9);
    let along = pair(&r, "d1", "d3");
    assert!(along.points.is_empty());
    assert_eq!(along.curves.len(), 1);
    let o = &along.curves[0].points;
    let (first, last) = (o[0], o[o.len() - 1]);
    assert!(
        (first[0] - 1.0).abs() < 1e-6 && (last[0] - 2.0).abs() < 1e-9,
        "{o:?}"
    );
    let start = pair(&r, "d2", "d3");
    assert_eq!(start.points.len(), 1);
    assert!((start.points[0].t.unwrap() - 0.5).abs() < 1e-9);
    assert!(start.points[0].t_b.unwrap().abs() < 1e-9);
}

#[test]
fn listed_pairs_only_and_unknown_ids_refused() {
    let r = run(json!({"pairs": [["sphere", "line"]]})).unwrap();
    assert_eq!(r.pairs_tested, 1);
    assert_eq!(r.pairs.len(), 1);
    match run(json!({"pairs": [["sphere", "cone"]]})) {
        Err(JobError::Invalid(problems)) => {
            assert_eq!(problems[0].path, "/params/pairs/0/1", "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    match run(json!({"pairs": [["sphere", "sphere"]], "tolerance": -1.0})) {
        Err(JobError::Invalid(problems)) => {
            let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
            assert!(paths.contains(&"/params/pairs/0") && paths.contains(&"/params/tolerance"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ball_in_a_tube_of_its_radius_touches_it_along_a_tangent_circle() {
    // The sphere of radius 2 inside the NURBS cylinder of radius 2 about z (|z| ≤ 3):
    // tangent along the equator, a closed curve of length 4π flagged as touching.
    let (mut points, mut weights) = (Vec::new(), Vec::new());
    for (cx, cy, cw) in circle() {
        for z in [-3.0, 3.0] {
            points.push(json!([2.0 * cx, 2.0 * cy, z]));
            weights.push(json!(cw));
        }
    }
    let tube = json!({"id": "tube", "degree_u": 2, "degree_v": 1, "count_u": 9,
        "count_v": 2, "points": points, "weights": weights,
        "knots_u": [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1],
        "knots_v": [0, 0, 1, 1]});
    let scene = json!({"units": "meters", "tolerance": 1e-3, "surfaces": [sphere(), tube]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    let p = pair(&r, "sphere", "tube");
    assert_eq!(p.method, IntersectMethod::Nurbs);
    assert_eq!(p.curves.len(), 1, "{:?}", p.curves);
    let c = &p.curves[0];
    assert!(c.tangent && c.closed);
    for q in &c.points.0 {
        assert!(
            q[2].abs() < 1e-6 && (q[0].hypot(q[1]) - 2.0).abs() < 1e-6,
            "{q:?}"
        );
    }
    let length = loop_length(&c.points.0);
    let circle = 4.0 * std::f64::consts::PI;
    assert!((length - circle).abs() < 1e-5 * circle, "{length}");
}

#[test]
fn flush_patches_are_an_overlap_on_the_wire() {
    // Two flat patches on z = 0, [0, 2]² and [1, 3]², coincide over [1, 2]²: the pair is
    // flagged as an overlap, its four edges (length 4) come as tangent curves, no points.
    // The sphere and the plane of the usual scene cross: no overlap, and the flag is left
    // out of the JSON.
    let patch = |id: &str, lo: f64, hi: f64| plane_patch(id, [lo, lo], [hi, hi]);
    let scene = json!({"units": "meters", "tolerance": 1e-3,
        "surfaces": [patch("left", 0.0, 2.0), patch("right", 1.0, 3.0)]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    let p = pair(&r, "left", "right");
    assert!(p.overlap);
    assert!(p.points.is_empty(), "{:?}", p.points);
    let length = touching_length(p, "flush patches");
    assert!((length - 4.0).abs() < 1e-5, "{length}");
    // The shared square's area, on the patches' seeding meshes (planes: exact).
    let area = p.coplanar_area.expect("a flush area");
    assert!((area - 1.0).abs() < 1e-12, "{area}");
    let r = run(json!({"tolerance": 1e-6})).unwrap();
    let p = pair(&r, "sphere", "plane");
    assert!(!p.overlap);
    assert!(p.coplanar_area.is_none());
    assert!(serde_json::to_value(p).unwrap().get("overlap").is_none());
}

#[test]
fn a_wall_standing_on_a_floor_touches_it_and_one_through_it_crosses() {
    // A vertical patch x = 1, 0 ≤ y ≤ 2, from z = `foot` up to 2, against the floor patch
    // z = 0 over [−1, 3]² and against the same floor as a mesh of two triangles: standing
    // on it (foot 0) the wall meets it along its lower edge, a touch, though the surfaces
    // cross there; let down through it (foot −1) the same line is a crossing.
    let floor = plane_patch("floor", [-1.0, -1.0], [3.0, 3.0]);
    let floor_mesh = square_sheet("floor_mesh", [-1.0, -1.0], [3.0, 3.0]);
    for (foot, touch) in [(0.0, true), (-1.0, false)] {
        let wall = json!({"id": "wall", "degree_u": 1, "degree_v": 1, "count_u": 2,
            "count_v": 2, "points": [[1, 0, foot], [1, 0, 2], [1, 2, foot], [1, 2, 2]],
            "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]});
        // The same wall as an open mesh (its foot's ends on the mesh's open edges).
        let wall_mesh = json!({"id": "wall_mesh",
            "vertices": [[1, 0, foot], [1, 2, foot], [1, 2, 2], [1, 0, 2]],
            "faces": [[0, 1, 2], [0, 2, 3]]});
        let scene = json!({"units": "meters", "tolerance": 1e-3,
            "surfaces": [wall, floor], "meshes": [floor_mesh, wall_mesh]});
        let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
        for (wall, other) in [
            ("wall", "floor"),
            ("wall", "floor_mesh"),
            ("wall_mesh", "floor"),
            ("wall_mesh", "floor_mesh"),
        ] {
            let p = pair(&r, wall, other);
            assert_eq!(p.curves.len(), 1, "foot {foot}, {other}: {:?}", p.curves);
            let c = &p.curves[0];
            assert_eq!(c.tangent, touch, "foot {foot}, {wall}–{other}");
            let ends = [c.points.0[0], c.points.0[c.points.0.len() - 1]];
            let span = (ends[0][1] - ends[1][1]).abs();
            assert!((span - 2.0).abs() < 1e-6, "foot {foot}, {other}: {ends:?}");
        }
    }
}

#[test]
fn a_box_mesh_standing_on_a_slab_mesh_touches_it() {
    // The unit box mesh on the slab mesh [−1, 2]² × [−1, 0]: they meet in the square of its
    // bottom edges (length 4), where its side triangles end on the slab's top: a touch,
    // flush over the unit footprint (the contact area). Sunk by 0.5 the same square is a
    // crossing, with nothing flush.
    for (lift, touch, area) in [(0.0, true, Some(1.0)), (-0.5, false, None)] {
        let scene = json!({"units": "meters", "tolerance": 1e-3, "meshes": [
            box_mesh("cube", [0.0, 0.0, lift], [1.0, 1.0, 1.0 + lift]),
            box_mesh("slab", [-1.0, -1.0, -1.0], [2.0, 2.0, 0.0])]});
        let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
        let p = pair(&r, "cube", "slab");
        assert_eq!(p.curves.len(), 1, "lift {lift}: {:?}", p.curves);
        let c = &p.curves[0];
        assert!(c.closed && (loop_length(&c.points) - 4.0).abs() < 1e-9);
        assert_eq!(c.tangent, touch, "lift {lift}");
        let found = p.coplanar_area;
        assert!(
            found.zip(area).is_some_and(|(f, a)| (f - a).abs() < 1e-12) || found == area,
            "lift {lift}: {found:?}"
        );
    }
}

#[test]
fn an_open_mesh_sheet_lying_on_a_patch_and_on_a_mesh_is_outlined() {
    // The unit square sheet (a mesh of two triangles) lying on the floor z = 0 over
    // [−1, 3]², as a patch and as a mesh: flush over its area, 1, outlined by its edges
    // (4 long, a touch all round).
    let floor = plane_patch("floor", [-1.0, -1.0], [3.0, 3.0]);
    let floor_mesh = square_sheet("floor_mesh", [-1.0, -1.0], [3.0, 3.0]);
    let sheet = square_sheet("sheet", [0.0, 0.0], [1.0, 1.0]);
    let scene = json!({"units": "meters", "tolerance": 1e-3,
        "surfaces": [floor], "meshes": [floor_mesh, sheet]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    for other in ["floor", "floor_mesh"] {
        let p = pair(&r, "sheet", other);
        assert_flush(p, other, (4.0, 1.0), 1e-6);
    }
}

#[test]
fn flush_overhangs_between_patches_breps_and_meshes_are_outlined() {
    // Two flush unit-wide pieces half over the other's edge: the flush rectangle is
    // 0.5 × 1 (area 0.5, outline 3: the overhanging piece's three edges over the other,
    // 2, and the other's edge under it, 1). Each way round: a mesh sheet over a patch's
    // edge, a patch over a mesh sheet's edge, and a small patch wholly on a mesh sheet
    // (area 1, outline 4); a unit cube Brep over the mesh sheet's edge likewise.
    let (patch, sheet) = (plane_patch, square_sheet);
    let cases = [
        (
            "block",
            sheet("floor", [-1.0, -1.0], [3.0, 3.0]),
            cube_brep("block", [2.5, 0.0, 0.0], 1.0),
            0.5,
            3.0,
        ),
        (
            "sheet",
            patch("floor", [-1.0, -1.0], [3.0, 3.0]),
            sheet("sheet", [2.5, 0.0], [3.5, 1.0]),
            0.5,
            3.0,
        ),
        (
            "tile",
            sheet("floor", [-1.0, -1.0], [3.0, 3.0]),
            patch("tile", [2.5, 0.0], [3.5, 1.0]),
            0.5,
            3.0,
        ),
        (
            "tile",
            sheet("floor", [-1.0, -1.0], [3.0, 3.0]),
            patch("tile", [0.0, 0.0], [1.0, 1.0]),
            1.0,
            4.0,
        ),
    ];
    for (piece, floor, top, area, outline) in cases {
        let mut scene = match piece {
            "sheet" => json!({"surfaces": [floor], "meshes": [top]}),
            "tile" => json!({"surfaces": [top], "meshes": [floor]}),
            _ => json!({"breps": [top], "meshes": [floor]}),
        };
        scene["units"] = json!("meters");
        scene["tolerance"] = json!(1e-3);
        let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
        let p = pair(&r, piece, "floor");
        assert_flush(p, piece, (outline, area), 1e-7);
    }
}

/// An open Brep: the square plate `lo + [0, size]²` on z = `lo[2]`, one face trimmed from
/// a plane patch reaching a quarter of the size beyond it (as Rhino's planar surfaces are).
fn plate_brep(id: &str, lo: [f64; 3], size: f64) -> Value {
    let m = 0.25;
    let (a, b) = (m / (1.0 + 2.0 * m), (1.0 + m) / (1.0 + 2.0 * m));
    let at = |s: f64, t: f64| [lo[0] + s * size, lo[1] + t * size, lo[2]];
    let corners = [[a, a], [b, a], [b, b], [a, b]];
    let trims: Vec<Value> = (0..4)
        .map(|c| {
            json!({"curve": {"degree": 1, "points": [corners[c], corners[(c + 1) % 4]],
                "knots": [0, 0, 1, 1]}, "edge": c})
        })
        .collect();
    json!({"id": id, "edges": [{}, {}, {}, {}], "faces": [{
        "surface": {"degree_u": 1, "degree_v": 1, "count_u": 2, "count_v": 2,
            "points": [at(-m, -m), at(-m, 1.0 + m), at(1.0 + m, -m), at(1.0 + m, 1.0 + m)],
            "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]},
        "loops": [{"kind": "outer", "trims": trims}]}]})
}

#[test]
fn an_open_brep_plate_lying_on_meshes_is_outlined_by_its_trims() {
    // The unit plate Brep lying on an open mesh sheet and on a closed slab mesh (top at
    // z = 0), wholly inside both: flush over its area, 1, and outlined by its trims, 4
    // long, a touch all round. Nothing crosses, so only the trims can draw it.
    let sheet = square_sheet("sheet", [-1.0, -1.0], [3.0, 3.0]);
    let scene = json!({"units": "meters", "tolerance": 1e-3,
        "breps": [plate_brep("plate", [0.5, 0.5, 0.0], 1.0)],
        "meshes": [sheet, box_mesh("slab", [-1.0, -1.0, -1.0], [2.0, 2.0, 0.0])]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    for other in ["sheet", "slab"] {
        let p = pair(&r, "plate", other);
        assert_flush(p, other, (4.0, 1.0), 1e-7);
    }
}

#[test]
fn an_open_brep_plate_lying_on_a_brep_and_a_patch_is_outlined_by_its_trims() {
    // The unit plate Brep on the top face of a cube Brep of side 3 (z = 0) and on a plane
    // patch, wholly inside both: an overlap, outlined by the plate's trims, 4 long.
    let floor = plane_patch("floor", [-1.0, -1.0], [3.0, 3.0]);
    let scene = json!({"units": "meters", "tolerance": 1e-3,
        "breps": [plate_brep("plate", [0.5, 0.5, 0.0], 1.0),
            cube_brep("base", [-1.0, -1.0, -3.0], 3.0)],
        "surfaces": [floor]});
    let r = run_on(scene, json!({"tolerance": 1e-6})).unwrap();
    for other in ["base", "floor"] {
        let p = pair(&r, "plate", other);
        assert!(p.overlap, "{other}");
        assert_flush(p, other, (4.0, 1.0), 1e-6);
    }
}

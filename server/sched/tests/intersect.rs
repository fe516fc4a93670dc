//! `intersect` jobs in process on a scene with known answers: a NURBS sphere of radius 2
//! cut by a NURBS plane at z = 0.7 (a circle of radius √(4 − 0.49), exact to the
//! tolerance, I9), a line through the sphere at offset 1 (points at ±√(4 − 1 − 0.09),
//! I12) and through a unit box mesh (its faces at x = 4 and 5), the plane through the box
//! (its outline, perimeter 4, as a mesh cut), fitted curves within the tolerance, and
//! listed pairs naming unknown ids refused before the job is queued.

use cicada_compute::{Backend, NoProgress};
use cicada_protocol::intersection::{IntersectMethod, IntersectReport};
use cicada_protocol::{Format, Limits, Output, decode_job};
use cicada_sched::execute::{JobError, NoBlobs, run_job};
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

fn scene() -> Value {
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
    let sphere = json!({"id": "sphere", "degree_u": 2, "degree_v": 2, "count_u": 9,
        "count_v": 5, "points": points, "weights": weights, "knots_u": knots_u,
        "knots_v": [0, 0, 0, 0.5, 0.5, 1, 1, 1]});
    let h = 0.7;
    let plane = json!({"id": "plane", "degree_u": 1, "degree_v": 1, "count_u": 2,
        "count_v": 2, "points": [[-3, -3, h], [-3, 6, h], [6, -3, h], [6, 6, h]],
        "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]});
    let line = json!({"id": "line", "degree": 1, "points": [[-5, 1, 0.3], [7, 1, 0.3]],
        "knots": [0, 0, 1, 1]});
    let v = |x: f64, y: f64, z: f64| json!([x, y, z]);
    let cube = json!({"id": "box", "vertices": [
            v(4.0, 0.5, 0.0), v(5.0, 0.5, 0.0), v(4.0, 1.5, 0.0), v(5.0, 1.5, 0.0),
            v(4.0, 0.5, 1.0), v(5.0, 0.5, 1.0), v(4.0, 1.5, 1.0), v(5.0, 1.5, 1.0)],
        "faces": [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2],
                  [1, 3, 7, 5]]});
    // A millimetre model tolerance: meshes for the mesh-method pairs at 1 cm chords; the
    // exact pairs work to the job's tolerance (1e-6).
    json!({"units": "meters", "tolerance": 1e-3, "meshes": [cube],
           "surfaces": [sphere, plane], "curves": [line]})
}

fn run(params: Value) -> Result<IntersectReport, JobError> {
    let job = json!({"protocol": 1, "kind": "intersect", "params": params,
                     "inputs": {"scene": {"inline": scene()}}});
    let job = decode_job(&serde_json::to_vec(&job).unwrap(), Format::Json).unwrap();
    let result = run_job(
        &job,
        "t",
        &NoBlobs,
        &Limits::default(),
        &Backend::cpu(),
        &NoProgress,
    )?;
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

    let outline = pair(&r, "plane", "box");
    assert_eq!(outline.method, IntersectMethod::Mesh);
    assert_eq!(outline.curves.len(), 1);
    let o = &outline.curves[0];
    assert!(o.closed);
    let n = o.points.len();
    let perimeter: f64 = (0..n)
        .map(|k| {
            let (p, q) = (o.points[k], o.points[(k + 1) % n]);
            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
        })
        .sum();
    assert!((perimeter - 4.0).abs() < 1e-12, "{perimeter}");
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

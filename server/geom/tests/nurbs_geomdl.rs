//! NURBS evaluation and derivatives against geomdl 5.4.0, an independent implementation.
//! The vectors come from tests/reference/geomdl/make_nurbs_vectors.py (committed beside its
//! output); agreement is required to 1e-9 relative.

use cicada_geom::Point3;
use cicada_geom::nurbs::{NurbsCurve, NurbsSurface};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/geomdl/nurbs_vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference vectors")).expect("JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn points(v: &Value) -> Vec<Point3> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|p| {
            let c = floats(p);
            Point3::new(c[0], c[1], c[2])
        })
        .collect()
}

/// |a − b| ≤ 1e-9 · max(1, |b|), componentwise.
#[track_caller]
fn assert_close(got: [f64; 3], want: &Value, what: &str) {
    let want = floats(want);
    let scale = want.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    for i in 0..3 {
        assert!(
            (got[i] - want[i]).abs() <= 1e-9 * scale,
            "{what}: got {got:?}, geomdl {want:?}"
        );
    }
}

#[test]
fn curves_agree_with_geomdl() {
    let data = vectors();
    let curves = data["curves"].as_array().unwrap();
    assert!(curves.len() >= 5);
    for case in curves {
        let name = case["name"].as_str().unwrap();
        let curve = NurbsCurve::new(
            case["degree"].as_u64().unwrap() as usize,
            &points(&case["points"]),
            Some(&floats(&case["weights"])),
            floats(&case["knots"]),
        )
        .unwrap();
        for e in case["evaluations"].as_array().unwrap() {
            let t = e["t"].as_f64().unwrap();
            let d = curve.derivatives(t, 2);
            for (k, want) in e["derivatives"].as_array().unwrap().iter().enumerate() {
                assert_close(
                    [d[k].x, d[k].y, d[k].z],
                    want,
                    &format!("{name}: C^({k})({t})"),
                );
            }
            let p = curve.point_at(t);
            assert_close(
                p.to_array(),
                &e["derivatives"][0],
                &format!("{name}: point_at({t})"),
            );
        }
    }
}

#[test]
fn surfaces_agree_with_geomdl() {
    let data = vectors();
    for case in data["surfaces"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let us = |k: &str| case[k].as_u64().unwrap() as usize;
        let surface = NurbsSurface::new(
            (us("degree_u"), us("degree_v")),
            (us("count_u"), us("count_v")),
            &points(&case["points"]),
            Some(&floats(&case["weights"])),
            floats(&case["knots_u"]),
            floats(&case["knots_v"]),
        )
        .unwrap();
        for e in case["evaluations"].as_array().unwrap() {
            let (u, v) = (e["u"].as_f64().unwrap(), e["v"].as_f64().unwrap());
            let d = surface.derivatives(u, v, 2);
            for k in 0..=2 {
                for l in 0..=(2 - k) {
                    let got = d[k][l];
                    assert_close(
                        [got.x, got.y, got.z],
                        &e["derivatives"][k][l],
                        &format!("{name}: S_u{k}v{l}({u}, {v})"),
                    );
                }
            }
        }
    }
}

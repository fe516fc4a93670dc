//! `clash` jobs through a real service: the coordination sample's seven clashes worked by
//! hand (samples/README.md), and bad parameters refused with a 422 naming each field; and
//! the `intersect` sample's two loops and the beam's bearing on a column, worked by hand.

use cicada_e2e::*;
use serde_json::{Value, json};

fn sample() -> Value {
    sample_json("coordination/clash.json")
}

fn run(server: &Server, job: &Value) -> Value {
    let (status, s) = server.submit_json(job);
    assert_eq!(status, 202, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    let state = server.finished(&id);
    assert_eq!(state["state"], "succeeded", "{state}");
    server
        .request("GET", &format!("/v1/jobs/{id}/result"), &[], b"")
        .json()
}

#[test]
fn coordination_sample_finds_the_seven_clashes_worked_by_hand() {
    let server = Server::start(&["--workers", "1"]);
    let result = run(&server, &sample());
    assert_eq!(result["kernel_version"], "clash@2");
    let r = &result["output"]["clash"];
    assert_eq!(
        r["counts"],
        json!({"hard": 4, "containment": 1, "duplicate": 1, "clearance": 1, "total": 7})
    );
    let clashes = r["clashes"].as_array().unwrap();
    let row = |k: usize| {
        let c = &clashes[k];
        (
            c["type"].as_str().unwrap().to_string(),
            c["a_id"].as_str().unwrap().to_string(),
            c["b_id"].as_str().unwrap().to_string(),
            c["distance"].as_f64().unwrap(),
            c["depth"].as_f64().unwrap(),
            c["uncertainty"].as_f64().unwrap(),
        )
    };
    // The round NURBS duct (z 2.95–3.25) under the beams (z 3.0–3.5): 0.25 m deep, within
    // the tessellation's deviation, which each clash carries.
    for k in 0..2 {
        let (kind, a, b, _, depth, u) = row(k);
        assert_eq!((kind.as_str(), b.as_str()), ("hard", "M-round-duct-2"));
        assert!(a.starts_with("S-beam-y"));
        assert!(u > 0.0 && u <= 0.01, "uncertainty {u}");
        assert!((depth - 0.25).abs() <= u + 1e-9, "depth {depth}");
    }
    // The rectangular duct (z 2.8–3.2) into both beams: 0.2 m, exactly (boxes).
    for k in 2..4 {
        let (kind, _, b, _, depth, u) = row(k);
        assert_eq!((kind.as_str(), b.as_str(), u), ("hard", "M-duct-1", 0.0));
        assert!((depth - 0.2).abs() < 1e-12, "depth {depth}");
    }
    // The junction box (0.1 m) in the middle of column C4 (0.4 m): 0.15 m from its faces.
    let (kind, a, b, distance, _, _) = row(4);
    assert_eq!(
        (kind.as_str(), a.as_str(), b.as_str()),
        ("containment", "S-column-C4", "E-junction-box")
    );
    assert!((distance - 0.15).abs() < 1e-12);
    assert_eq!(clashes[4]["inner"], clashes[4]["b"]);
    // The architect's copy of column C5.
    let (kind, a, b, distance, _, _) = row(5);
    assert_eq!(
        (kind.as_str(), a.as_str(), b.as_str()),
        ("duplicate", "S-column-C5", "A-column-C5")
    );
    assert!(distance < 1e-12);
    // The pipe (r = 0.05 at x = 6.28, a vertex towards the column) 0.03 m from C2's face.
    let (kind, a, b, distance, _, _) = row(6);
    assert_eq!(
        (kind.as_str(), a.as_str(), b.as_str()),
        ("clearance", "S-column-C2", "P-pipe-1")
    );
    assert!((distance - 0.03).abs() < 1e-9, "{distance}");
    // Grouped by layer pair, the worst group first.
    let groups: Vec<(Value, usize)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["layers"].clone(), g["clashes"].as_array().unwrap().len()))
        .collect();
    assert_eq!(groups[0], (json!(["Structure", "Ducts"]), 4));
    assert_eq!(groups.len(), 4);
    // Columns touch beams (flush tops, beam ends on column faces) but B is not tested
    // against itself; with everything against everything and the same layer ignored, the
    // answer is the same seven.
    let mut all = sample();
    all["params"]["set_a"] = Value::Null;
    all["params"]["set_b"] = Value::Null;
    all["params"]["ignore"] = json!({"same_layer": true});
    let r = run(&server, &all);
    assert_eq!(r["output"]["clash"]["counts"]["total"], 7);
    // Without the ignore rule the touching column–beam pairs are clearance clashes at 0.
    all["params"]["ignore"] = Value::Null;
    let r = run(&server, &all);
    let counts = &r["output"]["clash"]["counts"];
    assert_eq!(counts["clearance"], 1 + 4, "{counts}");
}

#[test]
fn bad_clash_parameters_are_refused_naming_each_field() {
    let server = Server::start(&["--workers", "1"]);
    let mut job = sample();
    job["params"]["clearance"] = json!(-1.0);
    job["params"]["hard_tolerance"] = json!(f64::MAX);
    job["params"]["set_b"] = json!({});
    let (status, body) = server.submit_json(&job);
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    for path in ["/params/clearance", "/params/set_b"] {
        assert!(text.contains(path), "{path} missing from {text}");
    }
    // A set that selects nothing in this scene is named too (found when the scene is read).
    let mut job = sample();
    job["params"]["set_b"] = json!({"layers": ["Structure "]});
    let (status, body) = server.submit_json(&job);
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("/params/set_b"), "{body}");
}

#[test]
fn intersect_sample_draws_the_ducts_loops_through_the_beam_and_where_it_bears() {
    let server = Server::start(&["--workers", "1"]);
    let result = run(&server, &sample_json("coordination/intersect.json"));
    assert_eq!(result["kernel_version"], "intersect@7");
    let pairs = result["output"]["intersect"]["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    let length = |c: &Value| {
        let p: Vec<[f64; 3]> = serde_json::from_value(c["points"].clone()).unwrap();
        (0..p.len())
            .map(|k| {
                let (a, b) = (p[k], p[(k + 1) % p.len()]);
                ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
            })
            .sum::<f64>()
    };
    for pair in pairs {
        let curves = pair["curves"].as_array().unwrap();
        assert_eq!(curves.len(), 1, "{pair}");
        assert_eq!(curves[0]["closed"], true);
        let l = length(&curves[0]);
        match pair["a_id"].as_str().unwrap() {
            // Boxes: 2 × (0.6 + 2 × 0.2) + 2 × 0.3, exactly.
            "M-duct-1" => assert!((l - 2.6).abs() < 1e-12, "{l}"),
            // Two arcs of 2π − 2 acos(2/3) at r = 0.15 and two 0.3 m lines, exact on the
            // NURBS duct and the beam's mesh: every point on the duct (axis x = 1.5,
            // z = 3.1) to the job's tolerance over a thousand; the polyline short of the
            // arcs by its chords' sag (within 1 mm of them, the scene's tolerance).
            "M-round-duct-2" => {
                assert_eq!(pair["method"], "nurbs");
                let want = 2.0 * 0.15 * (std::f64::consts::TAU - 2.0 * (2.0f64 / 3.0).acos()) + 0.6;
                assert!(l < want && want - l < 0.005, "{l} vs {want}");
                let p: Vec<[f64; 3]> = serde_json::from_value(curves[0]["points"].clone()).unwrap();
                for q in p {
                    let off = ((q[0] - 1.5).hypot(q[2] - 3.1) - 0.15).abs();
                    assert!(off < 1e-6, "{q:?} is {off} off the duct");
                }
            }
            // The beam's end bears on the column's face x = 0.2: flush over its 0.3 × 0.5
            // end, outlined by that rectangle (1.6 m), where the beam only touches.
            "S-beam-y0" => {
                assert_eq!(pair["b_id"], "S-column-C1");
                assert_eq!(curves[0]["tangent"], true, "{pair}");
                assert!((l - 1.6).abs() < 1e-12, "{l}");
                let area = pair["coplanar_area"].as_f64().unwrap();
                assert!((area - 0.15).abs() < 1e-12, "{area}");
            }
            other => panic!("{other}"),
        }
    }
}

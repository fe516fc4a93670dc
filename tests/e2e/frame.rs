//! `frame` jobs through a real service: the braced-frame sample (hand-checked mass and load
//! totals, equilibrium of every response), bad models refused with a 422 naming each field,
//! and an unstable model failing with the DOFs that move.

use cicada_e2e::*;
use serde_json::{Value, json};

fn sample() -> Value {
    sample_json("frame/job.json")
}

#[test]
fn braced_frame_sample_balances_every_response() {
    let server = Server::start(&["--workers", "1"]);
    let (status, s) = server.submit_json(&sample());
    assert_eq!(status, 202, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(server.finished(&id)["state"], "succeeded");
    let result = server
        .request("GET", &format!("/v1/jobs/{id}/result"), &[], b"")
        .json();
    assert_eq!(result["kernel_version"], "frame@1");
    let r = &result["output"]["frame"];
    // Hand count (samples/README.md): 12 columns × 10.5 m of HEB300 (A = 0.014282 m²),
    // 279 m of IPE300 beams (A = 0.00518806 m²), 24 braces of √(5² + 3.5²) m of CHS
    // 114.3 × 6 (A = 0.00204140 m²), all at 7850 kg/m³.
    let brace = (25.0f64 + 12.25).sqrt();
    let steel = 0.014282 * 126.0
        + 0.005_188_06 * 279.0
        + std::f64::consts::PI * (0.1143f64.powi(2) - 0.1023f64.powi(2)) / 4.0 * 24.0 * brace;
    let mass = r["mass"].as_f64().unwrap();
    assert!((mass - 7850.0 * steel).abs() < 1e-6 * mass, "{mass}");
    assert_eq!(r["nodes"].as_array().unwrap().len(), 48);
    let total = |resp: &Value, k: usize| -> f64 {
        resp["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["force"][k].as_f64().unwrap())
            .sum()
    };
    let cases = r["cases"].as_array().unwrap();
    let g = 9.80665;
    // Dead: the weight; live: 7.5 kN/m on 279 m of beams; wind: 36 kN a floor on 3 floors.
    let expected = [(2, mass * g), (2, 7.5e3 * 279.0), (0, -108e3)];
    for (case, (k, want)) in cases.iter().zip(expected) {
        let got = total(case, k);
        assert!(
            (got - want).abs() < 1e-6 * want.abs(),
            "{}: {got} vs {want}",
            case["name"]
        );
    }
    let uls = &r["combinations"][0];
    assert_eq!(uls["name"], "ULS");
    let want = 1.35 * mass * g + 1.5 * 7.5e3 * 279.0;
    assert!((total(uls, 2) - want).abs() < 1e-6 * want);
    let utilisation = uls["utilisation"].as_array().unwrap();
    assert!(
        utilisation
            .iter()
            .all(|u| u.as_f64().is_some_and(|u| u > 0.0 && u < 1.0))
    );
    let modes = r["modal"]["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 6);
    let f: Vec<f64> = modes
        .iter()
        .map(|m| m["frequency_hz"].as_f64().unwrap())
        .collect();
    assert!(
        f.windows(2).all(|w| w[0] <= w[1]) && f[0] > 1.0 && f[0] < 20.0,
        "{f:?}"
    );
    // The deformed shape: one polyline of 11 stations per element.
    let elements = r["elements"].as_array().unwrap().len();
    assert_eq!(
        uls["deformed"]["points"].as_array().unwrap().len(),
        elements * 11
    );
}

#[test]
fn bad_models_are_refused_with_every_field_named() {
    let server = Server::start(&[]);
    let mut job = sample();
    let s = &mut job["inputs"]["structure"]["inline"];
    s["supports"][3]["point"] = json!([100.0, 0.0, 0.0]);
    s["members"][2]["section"] = json!("HEB301");
    s["combinations"][0]["factors"]["snow"] = json!(1.5);
    s["load_cases"][1]["members"][0]["from"] = json!(0.8);
    s["load_cases"][1]["members"][0]["to"] = json!(0.2);
    s["materials"][0]["nu"] = json!(0.7);
    let (status, body) = server.submit_json(&job);
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    for path in [
        "/inputs/structure/inline/members/2/section",
        "/inputs/structure/inline/combinations/0/factors/snow",
        "/inputs/structure/inline/load_cases/1/members/0/from",
        "/inputs/structure/inline/materials/0/nu",
    ] {
        assert!(text.contains(path), "{path} missing from {text}");
    }
    // A point that lands on no node is found when the model is built, still before queueing.
    let mut job = sample();
    job["inputs"]["structure"]["inline"]["supports"][3]["point"] = json!([100.0, 0.0, 0.0]);
    let (status, body) = server.submit_json(&job);
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains("/inputs/structure/inline/supports/3/point: no node within the tolerance"),
        "{body}"
    );
}

#[test]
fn an_unsupported_structure_fails_naming_the_free_dofs() {
    let server = Server::start(&["--workers", "1"]);
    let mut job = sample();
    // Only the four corner columns stand on the ground, pinned: the frame can sway and the
    // corner column bases can still rotate about their axes.
    let s = &mut job["inputs"]["structure"]["inline"];
    s["supports"] = json!([{"point": [6.0, 5.0, 0.0], "fixed": ["translations"]}]);
    job["params"] = json!({});
    let (status, body) = server.submit_json(&job);
    assert_eq!(status, 202, "{body}");
    let done = server.finished(body["id"].as_str().unwrap());
    assert_eq!(done["state"], "failed", "{done}");
    let message = done["error"].to_string();
    assert!(
        message.contains("unstable") && message.contains("can move freely"),
        "{message}"
    );
}

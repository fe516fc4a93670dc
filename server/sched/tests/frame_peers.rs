//! `frame` jobs against PyNite on models with thousands of nodes: a 20-bay, 60-storey plane
//! frame with hinged beams and member point loads in local axes, an 8 × 8 bay, 20-storey
//! braced building with self-weight, and a 1 861-node double-layer space truss. The jobs
//! and PyNite's answers (PyNiteFEA 3.2.0, `analyze_linear`) are written by
//! `tests/data/frame/make_pynite_reference.py`; displacements of every node and the
//! support reactions of every load case and combination must agree to 1e-6 of the
//! response's largest value.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use cicada_compute::Backend;
use cicada_protocol::structural::{FrameReport, StaticResponse};
use cicada_protocol::{Format, Output, decode_job};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/frame")
        .join(name)
}

fn solve(name: &str, params: Option<Value>) -> FrameReport {
    solve_on(name, params, &Backend::cpu())
}

fn solve_on(name: &str, params: Option<Value>, backend: &Backend) -> FrameReport {
    let bytes = std::fs::read(data(&format!("{name}.job.json"))).unwrap();
    let mut job = decode_job(&bytes, Format::Json).unwrap();
    if let Some(params) = params {
        job.task =
            serde_json::from_value(serde_json::json!({"kind": "frame", "params": params})).unwrap();
    }
    let result = common::run(&job, backend).unwrap_or_else(|e| panic!("{name}: {e}"));
    match result.output {
        Output::Frame(r) => r,
        other => panic!("{other:?}"),
    }
}

fn compare(name: &str) {
    compare_with(name, None);
}

fn compare_with(name: &str, params: Option<Value>) {
    compare_report(name, solve(name, params));
}

fn compare_report(name: &str, report: FrameReport) {
    let reference: Value =
        serde_json::from_slice(&std::fs::read(data(&format!("{name}.pynite.json"))).unwrap())
            .unwrap();
    let responses: HashMap<&str, &StaticResponse> = report
        .cases
        .iter()
        .chain(&report.combinations)
        .map(|r| (r.name.as_str(), r))
        .collect();
    let expected = reference["responses"].as_object().unwrap();
    assert_eq!(responses.len(), expected.len(), "{name}: responses");
    for (case, want) in expected {
        let got = responses[case.as_str()];
        let want_disp: Vec<Vec<f64>> =
            serde_json::from_value(want["displacements"].clone()).unwrap();
        assert_eq!(got.displacements.len(), want_disp.len());
        for (what, range) in [("translation", 0..3), ("rotation", 3..6)] {
            let peak = want_disp
                .iter()
                .flat_map(|d| d[range.clone()].iter().map(|v| v.abs()))
                .fold(0.0, f64::max);
            let mut worst = (0.0, 0, 0);
            for (i, (g, w)) in got.displacements.iter().zip(&want_disp).enumerate() {
                for k in range.clone() {
                    let err = (g[k] - w[k]).abs();
                    if err > worst.0 {
                        worst = (err, i, k);
                    }
                }
            }
            assert!(
                worst.0 <= 1e-6 * peak,
                "{name}/{case}: {what} at node {} dof {} off by {:e} of peak {peak:e}",
                worst.1,
                worst.2,
                worst.0
            );
        }
        let reactions: HashMap<u32, [f64; 3]> =
            got.reactions.iter().map(|r| (r.node, r.force)).collect();
        let want_reactions = want["reactions"].as_object().unwrap();
        let peak = want_reactions
            .values()
            .flat_map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap().abs())
            })
            .fold(0.0, f64::max);
        for (node, w) in want_reactions {
            let g = reactions[&node.parse::<u32>().unwrap()];
            for k in 0..3 {
                let w = w[k].as_f64().unwrap();
                assert!(
                    (g[k] - w).abs() <= 1e-6 * peak,
                    "{name}/{case}: reaction at node {node}[{k}]: {} vs {w}",
                    g[k]
                );
            }
        }
    }
}

#[test]
fn plane_frame_of_60_storeys_matches_pynite() {
    compare("frame2d");
}

#[test]
fn braced_building_matches_pynite() {
    compare("building3d");
}

#[test]
fn double_layer_space_truss_matches_pynite() {
    compare("space_truss");
}

#[test]
fn conjugate_gradients_match_pynite_on_the_building() {
    // The GPU solver's CPU twin: node-block Jacobi PCG to a relative residual of 1e-12.
    compare_with(
        "building3d",
        Some(serde_json::json!({"stations": 3, "solver": "pcg", "pcg_tolerance": 1e-12})),
    );
}

#[test]
fn conjugate_gradients_on_the_gpu_match_pynite() {
    // wgpu's f64 kernels (lavapipe in CI) with the residual checked and refined on the CPU.
    let Some(backend) = cicada_compute::device_for_test(Backend::open("wgpu")) else {
        return;
    };
    let params = serde_json::json!({"stations": 3, "solver": "pcg", "pcg_tolerance": 1e-10});
    let report = solve_on("space_truss", Some(params), &backend);
    assert_eq!(report.solver.method, "pcg");
    assert_eq!(report.solver.device, backend.device());
    assert!(report.solver.pcg_iterations.iter().all(|&i| i > 0));
    compare_report("space_truss", report);
}

#[test]
fn a_variant_of_the_same_topology_reuses_the_ordering() {
    // The braced-frame sample (no other test in this binary shares its pattern), then the
    // same frame with heavier columns: the worker orders the pattern once.
    let path = data("../../../samples/frame/job.json");
    let mut job: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let run = |job: &Value| match common::run_json(job).unwrap().output {
        Output::Frame(r) => r,
        other => panic!("{other:?}"),
    };
    let first = run(&job);
    job["inputs"]["structure"]["inline"]["sections"][0]["flange"] = serde_json::json!(0.021);
    let second = run(&job);
    assert!(!first.solver.symbolic_reused && second.solver.symbolic_reused);
    assert!(second.solver.symbolic_secs == 0.0 && first.solver.symbolic_secs > 0.0);
    let tip = |r: &FrameReport| r.combinations[0].max_displacement.value;
    assert!(tip(&second) < tip(&first), "heavier columns sway less");
}

#[test]
fn model_errors_point_at_the_member_or_load_case_sent() {
    let path = data("../../../samples/frame/job.json");
    let sample: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let fail = |edit: &dyn Fn(&mut Value)| {
        let mut job = sample.clone();
        edit(&mut job["inputs"]["structure"]["inline"]);
        match common::run_json(&job) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        }
    };
    // An extra beam whose torsion is released at both ends: free to spin.
    let extra = |s: &mut Value, member: Value| {
        let list = s["members"].as_array_mut().unwrap();
        list.push(member);
        list.len() - 1
    };
    let index = std::cell::Cell::new(0);
    let e = fail(&|s| {
        index.set(extra(
            s,
            serde_json::json!({"points": [[0, 0, 3.5], [6, 0, 3.5]], "material": "S355",
                "section": "IPE300", "releases": {"start": ["rx"], "end": ["rx"]}}),
        ))
    });
    let at = format!("/inputs/structure/inline/members/{}/releases", index.get());
    assert!(e.contains(&at), "{e}");
    // A vertical member whose reference vector is vertical too.
    let e = fail(&|s| {
        index.set(extra(
            s,
            serde_json::json!({"points": [[0, 0, 0], [0, 0, 3.5]], "material": "S355",
                "section": "HEB300", "reference": [0, 0, 1]}),
        ))
    });
    let at = format!("/inputs/structure/inline/members/{}/reference", index.get());
    assert!(e.contains(&at), "{e}");
}

//! Sunlight jobs end to end through `execute::run_job` (wire job in, wire report out): the
//! answers are the closed-form ones of the kernels' tests, now through gridding, sensors,
//! context, weather parsing and statistics.

mod common;

use cicada_compute::{Backend, NoProgress};
use cicada_protocol::{Job, Limits, Output, decode_job};
use cicada_sched::execute::{JobError, NoBlobs, run_job};

fn run(job: serde_json::Value) -> Result<Output, JobError> {
    common::run_json(&job).map(|r| r.output)
}

/// A flat square of `n` × `n` unit quads at height 0, facing up.
fn grid_mesh(n: usize) -> serde_json::Value {
    let mut vertices = Vec::new();
    for i in 0..=n {
        for j in 0..=n {
            vertices.push([i as f64, j as f64, 0.0]);
        }
    }
    let at = |i: usize, j: usize| (i * (n + 1) + j) as u32;
    let mut faces = Vec::new();
    for i in 0..n {
        for j in 0..n {
            faces.push([at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)]);
        }
    }
    serde_json::json!({"vertices": vertices, "faces": faces})
}

fn box_mesh(lo: [f64; 3], hi: [f64; 3]) -> serde_json::Value {
    let v: Vec<[f64; 3]> = (0..8)
        .map(|i| {
            [
                if i & 1 == 0 { lo[0] } else { hi[0] },
                if i & 2 == 0 { lo[1] } else { hi[1] },
                if i & 4 == 0 { lo[2] } else { hi[2] },
            ]
        })
        .collect();
    serde_json::json!({"vertices": v, "faces": [[0,2,3,1],[4,5,7,6],[0,1,5,4],[2,6,7,3],[0,4,6,2],[1,3,7,5]]})
}

const LONDON: &str = r#"{"latitude": 51.5, "longitude": -0.12, "utc_offset": 0}"#;

#[test]
fn sun_hours_on_an_open_grid_count_every_daylight_step_and_a_tower_shades() {
    // 21 March, 10-minute steps.
    let period = serde_json::json!({"start_month": 3, "start_day": 21, "end_month": 3, "end_day": 21, "timestep": 6});
    let location: serde_json::Value = serde_json::from_str(LONDON).unwrap();
    let job = |context: Option<serde_json::Value>| {
        let mut j = serde_json::json!({
            "protocol": 1, "kind": "sun_hours",
            "params": {"location": location, "period": period, "bit_matrix": true},
            "inputs": {"scene": {"inline": {"units": "m", "tolerance": 0.001, "meshes": [grid_mesh(4)]}}}
        });
        if let Some(c) = context {
            j["inputs"]["context"] =
                serde_json::json!({"inline": {"units": "m", "tolerance": 0.001, "meshes": [c]}});
        }
        j
    };
    let Output::SunHours(open) = run(job(None)).unwrap() else {
        panic!()
    };
    assert_eq!(open.grid.positions.len(), 16);
    let suns = open.sun_directions.len();
    assert!(
        suns > 60 && suns < 80,
        "{suns} ten-minute daylight steps at the equinox"
    );
    // Every face of an open plane sees every daylight sun.
    for h in open.hours.iter() {
        assert_eq!(*h, suns as f64 / 6.0);
    }
    assert_eq!(open.statistics.min, open.statistics.max);
    assert_eq!(open.legend.colorset, "ecotect");
    let bits = open.bit_matrix.as_ref().unwrap();
    assert_eq!(bits.len(), 16 * suns.div_ceil(8));
    assert_eq!(open.sun_timing, "step_start");
    // A 30 m tower just south of the grid shades it for part of the day.
    let Output::SunHours(shaded) =
        run(job(Some(box_mesh([0.0, -6.0, 0.0], [4.0, -1.0, 30.0])))).unwrap()
    else {
        panic!()
    };
    assert!(shaded.statistics.max < open.statistics.max);
    assert!(shaded.hours.iter().all(|h| *h < suns as f64 / 6.0));
}

#[test]
fn radiation_from_a_real_year_on_an_open_plane_is_its_global_horizontal_sum() {
    let epw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/weather/chicago_ohare_tmy3.epw"
    ))
    .unwrap();
    let ghi: f64 = epw
        .lines()
        .skip(8)
        .map(|l| l.split(',').nth(13).unwrap().parse::<f64>().unwrap())
        .sum::<f64>()
        / 1000.0;
    let job = serde_json::json!({
        "protocol": 1, "kind": "radiation",
        "params": {},
        "inputs": {
            "scene": {"inline": {"units": "m", "tolerance": 0.001, "meshes": [grid_mesh(2)]}},
            "weather": {"inline": {"epw": epw}}
        }
    });
    let Output::Radiation(r) = run(job).unwrap() else {
        panic!()
    };
    assert_eq!(r.sky_patches, 145);
    assert_eq!(r.hours, 8760.0);
    assert!(r.sky_source.starts_with("Chicago"));
    for (v, view) in r.radiation.iter().zip(r.sky_view.iter()) {
        assert!((v - ghi).abs() / ghi < 0.02, "{v} vs GHI {ghi}");
        assert!((view - 1.0).abs() < 0.01, "{view}");
    }
    // Four 1 m² faces.
    assert!((r.total_kwh - 4.0 * r.statistics.mean).abs() < 1e-6);
}

#[test]
fn exact_sun_and_patch_sun_agree_on_an_open_plane() {
    let location: serde_json::Value = serde_json::from_str(LONDON).unwrap();
    let base = |direct: &str| {
        serde_json::json!({
            "protocol": 1, "kind": "radiation",
            "params": {"location": location, "direct": direct, "sky": "reinhart"},
            "inputs": {"scene": {"inline": {"units": "m", "tolerance": 0.001, "meshes": [grid_mesh(1)]}}}
        })
    };
    let Output::Radiation(p) = run(base("patches")).unwrap() else {
        panic!()
    };
    let Output::Radiation(e) = run(base("exact_sun")).unwrap() else {
        panic!()
    };
    assert_eq!(p.sky_source, "ASHRAE clear sky");
    let (a, b) = (p.radiation[0], e.radiation[0]);
    assert!((a - b).abs() / b < 0.01, "patches {a} vs exact sun {b}");
}

#[test]
fn bad_inputs_name_their_field() {
    let job = serde_json::json!({
        "protocol": 1, "kind": "radiation",
        "params": {},
        "inputs": {
            "scene": {"inline": {"units": "m", "tolerance": 0.001, "meshes": [grid_mesh(1)]}},
            "weather": {"inline": {"epw": "not a weather file"}}
        }
    });
    let e = run(job).unwrap_err().to_string();
    assert!(
        e.contains("/inputs/weather/epw") && e.contains("LOCATION"),
        "{e}"
    );
    let job = serde_json::json!({
        "protocol": 1, "kind": "sun_hours",
        "params": {"location": {"latitude": 95.0, "longitude": 0.0, "utc_offset": 0},
                   "period": {"start_month": 2, "start_day": 30, "timestep": 7}},
        "inputs": {"scene": {"inline": {"units": "m", "tolerance": 0.001, "meshes": [grid_mesh(1)]}}}
    });
    let e = run(job).unwrap_err().to_string();
    for field in [
        "/params/location/latitude",
        "/params/period/start_day",
        "/params/period/timestep",
    ] {
        assert!(e.contains(field), "{field} missing from {e}");
    }
}

#[test]
fn sky_visibility_is_kept_so_another_sky_costs_one_product() {
    use cicada_sched::Files;
    let dir = tempfile::tempdir().unwrap();
    let files = Files::open(dir.path()).unwrap();
    let epw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/weather/chicago_ohare_tmy3.epw"
    ))
    .unwrap();
    let scene = serde_json::json!({"inline": {"units": "m", "tolerance": 0.001,
        "meshes": [grid_mesh(3), box_mesh([1.0, 1.0, 0.0], [2.0, 2.0, 5.0])]}});
    let clear = serde_json::json!({
        "protocol": 1, "kind": "radiation",
        "params": {"location": {"latitude": 41.98, "longitude": -87.92, "utc_offset": -6}},
        "inputs": {"scene": scene.clone()}
    });
    let weather = serde_json::json!({
        "protocol": 1, "kind": "radiation", "params": {},
        "inputs": {"scene": scene, "weather": {"inline": {"epw": epw}}}
    });
    let run_in = |job: &serde_json::Value, source: &dyn cicada_sched::execute::BlobSource| {
        let bytes = serde_json::to_vec(job).unwrap();
        let job: Job = decode_job(&bytes, cicada_protocol::Format::Json).unwrap();
        match run_job(
            &job,
            "t",
            source,
            &Limits::default(),
            &Backend::cpu(),
            &NoProgress,
        )
        .unwrap()
        .output
        {
            Output::Radiation(r) => r,
            other => panic!("{other:?}"),
        }
    };
    let first = run_in(&clear, &files);
    assert!(!first.visibility_reused && first.rays > 0);
    let second = run_in(&weather, &files);
    assert!(second.visibility_reused);
    assert_eq!(second.rays, 0);
    // The kept visibility gives exactly what tracing afresh gives.
    let fresh = run_in(&weather, &NoBlobs);
    assert!(!fresh.visibility_reused);
    assert_eq!(second.radiation, fresh.radiation);
    assert_eq!(second.sky_view, fresh.sky_view);
    // A damaged file is noticed by its checksum and traced again.
    let derived = dir.path().join("derived");
    for entry in std::fs::read_dir(&derived).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    }
    let third = run_in(&weather, &files);
    assert!(!third.visibility_reused);
    assert_eq!(third.radiation, fresh.radiation);
}

#[test]
fn an_oversized_bit_matrix_is_refused_by_name() {
    // 16 900 sensors (a 130 × 130 grid of 1 m² faces, a NURBS plane at a 1 m grid) × a year
    // of one-minute suns (~268 000) would be ~566 MB of bits; refused before any ray is
    // traced.
    let plane = serde_json::json!({
        "degree_u": 1, "degree_v": 1, "count_u": 2, "count_v": 2,
        "points": [[0, 0, 0], [0, 130, 0], [130, 0, 0], [130, 130, 0]],
        "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1]
    });
    let location: serde_json::Value = serde_json::from_str(LONDON).unwrap();
    let job = serde_json::json!({
        "protocol": 1, "kind": "sun_hours",
        "params": {"location": location, "bit_matrix": true, "grid_size": 1.0,
                   "period": {"timestep": 60}},
        "inputs": {"scene": {"inline": {"units": "m", "tolerance": 0.001, "surfaces": [plane]}}}
    });
    let e = run(job).unwrap_err().to_string();
    assert!(
        e.contains("/params/bit_matrix") && e.contains("16900 sensors"),
        "{e}"
    );
}

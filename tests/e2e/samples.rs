//! The samples in samples/ run with `cicada-server run` and give the answers worked out by
//! hand in samples/README.md.

use std::path::PathBuf;
use std::process::Command;

use cicada_e2e::bin;
use serde_json::Value;

/// Runs `samples/<file>` with `cicada-server run` and returns the JSON result.
fn run_file(file: &str) -> Value {
    let job = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../samples/{file}"));
    let out = Command::new(bin("cicada-server"))
        .arg("run")
        .arg(&job)
        .output()
        .expect("cicada-server run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON result")
}

/// The mesh reports of the mesh_check sample `samples/<name>/job.json`.
fn run_sample(name: &str) -> Vec<Value> {
    run_file(&format!("{name}/job.json"))["output"]["mesh_check"]["meshes"]
        .as_array()
        .expect("mesh reports")
        .clone()
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - expected).abs() <= 1e-9 * expected.abs().max(1.0))
}

#[test]
fn massing_boxes_and_gable_wing() {
    let m = run_sample("massing");
    // Podium 60 x 40 x 12 m and tower 24 x 24 x 80 m: V = abc, A = 2(ab + bc + ca).
    assert!(
        close(&m[0]["volume"], 28_800.0) && close(&m[0]["area"], 7_200.0),
        "{}",
        m[0]
    );
    assert!(
        close(&m[1]["volume"], 46_080.0) && close(&m[1]["area"], 8_832.0),
        "{}",
        m[1]
    );
    // Wing 30 x 12 m, eaves 6 m, ridge 10 m: V = 30·12·6 + 30·(12·4/2) = 2880;
    // A = floor 360 + walls 504 + roof 60·√52 + gables 2·24.
    assert!(close(&m[2]["volume"], 2_880.0), "{}", m[2]);
    assert!(
        close(&m[2]["area"], 360.0 + 504.0 + 60.0 * 52f64.sqrt() + 48.0),
        "{}",
        m[2]
    );
    for mesh in &m {
        assert_eq!(mesh["is_closed"], true);
        assert_eq!(mesh["is_oriented"], true);
    }
    assert_eq!(m[2]["triangle_count"], 2);
    assert_eq!(m[2]["quad_count"], 7);
    assert!(close(&m[0]["bounding_box"]["min"][0], 500_000.0));
}

#[test]
fn canopy_panels_are_one_open_sheet() {
    let m = run_sample("canopy");
    // A 24 x 12 grid of quads: 25·13 vertices, 288 faces, boundary 2·(24 + 12) edges.
    assert_eq!(m[0]["vertex_count"], 325);
    assert_eq!(m[0]["face_count"], 288);
    assert_eq!(m[0]["naked_edge_count"], 72);
    assert_eq!(m[0]["is_closed"], false);
    assert_eq!(m[0]["components"], 1);
    assert!(m[0]["volume"].is_null());
}

#[test]
fn broken_block_reports_each_planted_defect() {
    let m = &run_sample("broken")[0];
    assert_eq!(
        m["naked_edge_count"], 11,
        "hole (4) + sliver (2) + fin (2) + shard (3): {m}"
    );
    assert_eq!(
        m["non_manifold_edge_count"], 2,
        "fin edge and sliver base: {m}"
    );
    assert_eq!(m["misoriented_edge_count"], 2, "flipped top face: {m}");
    assert_eq!(m["degenerate_faces"], serde_json::json!([10]));
    assert_eq!(m["coincident_vertex_groups"], serde_json::json!([[0, 14]]));
    assert_eq!(m["unused_vertex_count"], 1);
    // The shard pierces the second cube's wall y = 0 (face 4); the fin and the sliver
    // only share edges with their neighbours.
    assert_eq!(m["self_intersecting_pair_count"], 1);
    assert_eq!(m["self_intersecting_pairs"], serde_json::json!([[4, 11]]));
    // Nine unit squares, a fin triangle of base 1 and height 1, a shard of base 0.4 and
    // height 1.
    assert!(close(&m["area"], 9.7));
    assert!(m["volume"].is_null());
}

#[test]
fn canopy_surface_and_trimmed_face_tessellate_within_their_tolerances() {
    let result = run_file("canopy/tessellate.json");
    assert_eq!(result["kernel_version"], "tessellate@2");
    let s = &result["output"]["tessellate"]["surfaces"][0];
    assert_eq!(s["id"], "canopy");
    assert_eq!(s["converged"], true);
    assert!(
        s["max_deviation"].as_f64().unwrap() <= 0.01,
        "{}",
        s["max_deviation"]
    );
    let vertices = s["mesh"]["vertices"].as_array().unwrap();
    let normals = s["mesh"]["normals"].as_array().unwrap();
    assert_eq!(vertices.len(), normals.len());
    // A Bézier patch interpolates its corner control points: (0, 0, 4) and (24, 12, 4).
    assert_eq!(vertices[0], serde_json::json!([0.0, 0.0, 4.0]));
    assert_eq!(
        vertices.last().unwrap(),
        &serde_json::json!([24.0, 12.0, 4.0])
    );
    // No edge longer than the 2 m limit.
    let p = |i: &Value| -> [f64; 3] {
        let v = &vertices[i.as_u64().unwrap() as usize];
        [0, 1, 2].map(|k| v[k].as_f64().unwrap())
    };
    for f in s["mesh"]["faces"].as_array().unwrap() {
        let f = f.as_array().unwrap();
        for k in 0..f.len() {
            let (a, b) = (p(&f[k]), p(&f[(k + 1) % f.len()]));
            let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            assert!(d <= 2.0, "edge of {d} m");
        }
    }
    // The trimmed face (the canopy with a circular oculus) is one sheet with one hole:
    // Euler characteristic V − E + F = 0.
    let b = &result["output"]["tessellate"]["breps"][0];
    assert_eq!(b["id"], "canopy-with-oculus");
    assert_eq!(b["converged"], true);
    assert!(
        b["max_deviation"].as_f64().unwrap() <= 0.01,
        "{}",
        b["max_deviation"]
    );
    let faces = b["mesh"]["faces"].as_array().unwrap();
    let mut edges = std::collections::HashSet::new();
    for f in faces {
        let f: Vec<u64> = f
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap())
            .collect();
        for k in 0..3 {
            let (a, c) = (f[k], f[(k + 1) % 3]);
            edges.insert((a.min(c), a.max(c)));
        }
    }
    let v = b["mesh"]["vertices"].as_array().unwrap().len() as i64;
    assert_eq!(v - edges.len() as i64 + faces.len() as i64, 0);
}

/// Index of the sensor nearest (x, y) in a sunlight report's grid.
fn nearest_sensor(report: &Value, x: f64, y: f64) -> usize {
    let positions = report["grid"]["positions"].as_array().unwrap();
    (0..positions.len())
        .min_by(|&a, &b| {
            let d = |i: usize| {
                let p = &positions[i];
                (p[0].as_f64().unwrap() - x).powi(2) + (p[1].as_f64().unwrap() - y).powi(2)
            };
            d(a).total_cmp(&d(b))
        })
        .unwrap()
}

#[test]
fn plaza_sun_hours_on_the_winter_solstice() {
    let result = run_file("sunlight/sun_hours.json");
    let r = &result["output"]["sun_hours"];
    // 180 × 150 m of ground at a 3 m grid: 60 × 50 sensors.
    assert_eq!(r["hours"].as_array().unwrap().len(), 3000);
    // Day length at 37.04° N on 21 December: (2/15)·acos(−tan φ · tan δ) = 9.48 h between
    // geometric sunrise and sunset, a few minutes more with refraction: 57 ten-minute steps.
    let suns = r["sun_directions"].as_array().unwrap().len();
    assert_eq!(suns, 57);
    // Open ground (the plaza's south-west corner) sees them all.
    let corner = nearest_sensor(r, 499_972.0, 4_099_972.0);
    assert!(close(&r["hours"][corner], 9.5), "{}", r["hours"][corner]);
    assert!(close(&r["statistics"]["max"], 9.5));
    // Ground 2 m north of the podium, behind the tower: the winter sun never leaves the
    // southern sky (azimuths 118°–242°), so the 12 m podium wall shades it all day.
    let behind = nearest_sensor(r, 500_030.0, 4_100_042.0);
    assert_eq!(r["hours"][behind], 0.0);
    assert_eq!(r["legend"]["units"], "h");
}

#[test]
fn plaza_radiation_under_a_clear_sky() {
    let result = run_file("sunlight/radiation.json");
    let r = &result["output"]["radiation"];
    assert_eq!(r["sky_source"], "ASHRAE clear sky");
    assert_eq!(r["hours"], 8760.0);
    // The plaza's south-west corner, 60 m from a 92 m tower, loses a few per cent of its
    // sky; ground inside the podium's footprint sees nothing.
    let view = |i: usize| r["sky_view"][i].as_f64().unwrap();
    let corner = nearest_sensor(r, 499_972.0, 4_099_972.0);
    assert!(view(corner) > 0.9 && view(corner) < 1.0, "{}", view(corner));
    // 3 m in front of the 12 m podium wall (60 m long): for an endless wall of height H at
    // distance D the cosine-weighted sky view is ½(1 + D/√(D² + H²)) = 0.621; the wall's
    // ends and the 145-patch sky move that by about 1 %.
    let foot = nearest_sensor(r, 500_030.0, 4_099_997.0);
    let endless = 0.5 * (1.0 + 3.0 / (3.0f64 * 3.0 + 12.0 * 12.0).sqrt());
    assert!(
        (view(foot) - endless).abs() < 0.02,
        "{} vs {endless}",
        view(foot)
    );
    let under = nearest_sensor(r, 500_005.0, 4_100_005.0);
    assert_eq!(r["radiation"][under], 0.0);
    assert_eq!(view(under), 0.0);
    assert!(r["radiation"][corner].as_f64().unwrap() > 1500.0);
}

#[test]
fn backend_is_chosen_on_the_command_line_and_named_in_the_result() {
    let job = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/sunlight/sun_hours.json");
    let run = |backend: &str| {
        Command::new(bin("cicada-server"))
            .args(["run", "--backend", backend])
            .arg(&job)
            .env("XDG_RUNTIME_DIR", std::env::temp_dir())
            .output()
            .expect("cicada-server run")
    };
    // The wgpu backend runs wherever a Vulkan driver is (lavapipe in CI) and says so.
    if std::env::var_os("CICADA_SKIP_GPU_TESTS").is_none() {
        let out = run("wgpu");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(result["backend"]["name"], "wgpu");
        assert_eq!(result["output"]["sun_hours"]["statistics"]["max"], 9.5);
    }
    // A backend this machine cannot run is a clean error naming the flag and the missing
    // driver, not a crash (cudarc panics when libcuda is absent unless asked first).
    if !cicada_gpu::cuda::driver_present() {
        let out = run("cuda");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--backend cuda") && err.contains("libcuda"),
            "{err}"
        );
    }
    let out = run("quantum");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown backend 'quantum'"));
}

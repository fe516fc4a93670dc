//! Worker warm starts and batch throughput through the real service (bench/run-elastic.sh):
//!
//! 1. Time to first result of a new worker on a 1 M-triangle scene: a fresh service runs a
//!    raycast job on the scene (cold: the worker decodes, lowers and builds the BVH, then
//!    writes the snapshot); a restarted service's new worker runs another ray set on it
//!    (warm: the snapshot is mapped); the same worker runs a third (held). Each reported
//!    as the job's prepare and compute seconds, and the worker's start-to-ready seconds.
//! 2. A batch of sun-hours variants on one worker and on two, each worker one thread.
//!
//! elastic_bench [ROUNDS] [VARIANTS]     (defaults 3 and 16)

use std::time::Instant;

use cicada_e2e::{Server, mesh_check_job};
use cicada_protocol::worker::SceneStart;
use cicada_protocol::{
    BatchRequest, Face, Input, Job, JobState, Mesh, Packed, RaycastParams, Rays, Task,
};
use serde_json::json;

/// A 708 × 708 vertex terrain: 999 698 triangles.
fn terrain() -> Mesh {
    let n = 708u32;
    let mut vertices = Vec::with_capacity((n * n) as usize);
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (f64::from(i), f64::from(j));
            vertices.push([x, y, 3.0 * (x * 0.05).sin() * (y * 0.07).cos()]);
        }
    }
    let mut faces = Vec::with_capacity(((n - 1) * (n - 1) * 2) as usize);
    for i in 0..n - 1 {
        for j in 0..n - 1 {
            let a = i * n + j;
            faces.push(Face::triangle(a, a + n, a + n + 1));
            faces.push(Face::triangle(a, a + n + 1, a + 1));
        }
    }
    Mesh {
        id: Some("terrain".into()),
        vertices: Packed(vertices),
        faces: Packed(faces),
        ..Mesh::default()
    }
}

fn raycast(seed: u64, scene: &Input<cicada_protocol::Scene>) -> Job {
    let mut job = mesh_check_job(Vec::new());
    job.inputs.scene = Some(scene.clone());
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut origins, mut directions) = (Vec::new(), Vec::new());
    for _ in 0..10_000 {
        origins.push([700.0 * next(), 700.0 * next(), 50.0]);
        directions.push([next() - 0.5, next() - 0.5, -1.0]);
    }
    job.task = Task::Raycast(RaycastParams::default());
    job.inputs.rays = Some(Input::Inline(Rays {
        origins: Packed(origins),
        directions: Packed(directions),
    }));
    job
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// (scene start, prepare s, compute s, submit-to-result wall s) of one job.
fn run(server: &Server, job: &Job) -> (Option<SceneStart>, f64, f64, f64) {
    let client = server.client();
    let t = Instant::now();
    let s = client
        .wait(&client.submit(job).unwrap().id, |_| {})
        .unwrap();
    assert_eq!(s.state, JobState::Succeeded, "{s:?}");
    let r = client.result(&s.id).unwrap();
    (
        s.scene_start,
        r.timings.prepare_secs,
        r.timings.compute_secs,
        t.elapsed().as_secs_f64(),
    )
}

fn ready_secs(server: &Server) -> f64 {
    let w = server.request("GET", "/v1/workers", &[], b"").json();
    w["workers"][0]["ready_secs"].as_f64().unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = args.first().copied().unwrap_or(3).max(1);
    let variants = args.get(1).copied().unwrap_or(16).max(2);

    println!("== first result of a new worker, 1 M-triangle scene (raycast, 10 000 rays)");
    let mut scene = cicada_protocol::Scene::new(cicada_protocol::Units::Meters, 0.001);
    scene.meshes = vec![terrain()];
    let mut cold = (Vec::new(), Vec::new());
    let mut warm = (Vec::new(), Vec::new());
    let mut held = Vec::new();
    let mut ready = Vec::new();
    for round in 0..rounds as u64 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut server = Server::start_in(&data, &["--workers", "1"]);
        let mut job = raycast(0, &Input::Inline(scene.clone()));
        server.client().offload_inputs(&mut job).unwrap();
        let blob = job.inputs.scene.clone().unwrap();
        let (start, prepare, compute, _) = run(&server, &raycast(10 * round + 1, &blob));
        assert_eq!(start, Some(SceneStart::Built));
        cold.0.push(prepare);
        cold.1.push(compute);
        server.terminate();
        let server = Server::start_in(&data, &["--workers", "1"]);
        let (start, prepare, compute, _) = run(&server, &raycast(10 * round + 2, &blob));
        assert_eq!(start, Some(SceneStart::Snapshot));
        warm.0.push(prepare);
        warm.1.push(compute);
        ready.push(ready_secs(&server));
        let (start, prepare, _, _) = run(&server, &raycast(10 * round + 3, &blob));
        assert_eq!(start, Some(SceneStart::Held));
        held.push(prepare);
    }
    let (cp, wp) = (median(cold.0), median(warm.0));
    println!("worker start to ready     {:>9.1} ms", median(ready) * 1e3);
    println!(
        "cold  prepare {:>8.3} s   compute {:>8.3} s",
        cp,
        median(cold.1)
    );
    println!(
        "warm  prepare {:>8.3} s   compute {:>8.3} s   prepare {:.1}x faster than cold",
        wp,
        median(warm.1),
        cp / wp
    );
    println!("held  prepare {:>8.3} s", median(held));

    println!(
        "\n== a batch of {variants} sun-hours variants (plaza sample, 1 m grid, a day each in 10-minute steps), one thread per worker"
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/sunlight/sun_hours.json");
    let mut template: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    template["params"]["grid_size"] = json!(1.0);
    template["params"]["period"]["timestep"] = json!(6);
    let patches: Vec<serde_json::Value> = (0..variants)
        .map(|k| {
            let month = 1 + k % 12;
            let day = 1 + k / 12;
            json!({"params": {"period": {
                "start_month": month, "end_month": month, "start_day": day, "end_day": day
            }}})
        })
        .collect();
    let mut secs = Vec::new();
    for workers in [1, 2] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let n = workers.to_string();
            let server = Server::start(&["--workers", &n, "--threads-per-worker", "1"]);
            let client = server.client();
            let t = Instant::now();
            let batch = client
                .submit_batch(&BatchRequest {
                    job: template.clone(),
                    variants: patches.clone(),
                })
                .unwrap();
            let mut done = 0;
            client
                .follow_batch(&batch.id, |e| {
                    assert_eq!(e.state, JobState::Succeeded);
                    done += 1;
                })
                .unwrap();
            assert_eq!(done, variants);
            times.push(t.elapsed().as_secs_f64());
        }
        let m = median(times);
        println!(
            "{workers} worker(s): {m:>8.2} s   {:>6.2} variants/s",
            variants as f64 / m
        );
        secs.push(m);
    }
    println!("speed-up with 2 workers: {:.2}x", secs[0] / secs[1]);
}

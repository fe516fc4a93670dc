//! The elastic pool through the real service: scaling with a burst and back to zero,
//! buffer workers, scene snapshots (restored = cold, damaged = rebuilt), batches, priorities,
//! timeouts and usage.

use std::path::Path;
use std::time::Duration;

use cicada_e2e::{Server, eventually, mesh_check_job, torus};
use cicada_protocol::worker::SceneStart;
use cicada_protocol::{
    BatchRequest, Input, Job, JobState, JobStatus, Packed, Priority, RaycastParams, Rays, Task,
};
use serde_json::json;

fn workers(server: &Server) -> serde_json::Value {
    server.request("GET", "/v1/workers", &[], b"").json()
}

fn alive(server: &Server) -> usize {
    workers(server)["workers"]
        .as_array()
        .map_or(0, |w| w.iter().filter(|w| w["state"] != "stopping").count())
}

fn finish(client: &cicada_client::blocking::Client, id: &str) -> JobStatus {
    let s = client.wait(id, |_| {}).unwrap();
    assert_eq!(s.state, JobState::Succeeded, "{s:?}");
    s
}

#[test]
fn a_burst_scales_the_pool_up_and_back_to_zero() {
    let server = Server::start(&["--max-workers", "2", "--idle-timeout-secs", "1"]);
    let client = server.client();
    // An idle service holds no worker.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(alive(&server), 0, "{}", workers(&server));
    let jobs: Vec<JobStatus> = (0..4)
        .map(|k| {
            client
                .submit(&mesh_check_job(vec![torus(500 + k, 10.0, 3.0)]))
                .unwrap()
        })
        .collect();
    eventually(30, "two workers for the burst", || {
        (alive(&server) == 2).then_some(())
    });
    for j in &jobs {
        finish(&client, &j.id);
    }
    // Never more than the maximum, and back to none once idle past the timeout.
    assert_eq!(server.metric("cicada_workers_started_total"), 2.0);
    eventually(10, "the pool to scale to zero", || {
        (alive(&server) == 0 && server.metric("cicada_workers") == 0.0).then_some(())
    });
    let usage = server.request("GET", "/v1/usage", &[], b"").json();
    assert_eq!(usage["jobs"], 4);
    assert_eq!(usage["workers_started"], 2);
    assert!(usage["worker_secs"].as_f64().unwrap() > 0.0);
    assert!(usage["alive_secs"].as_f64().unwrap() >= usage["worker_secs"].as_f64().unwrap());
    // The break-even of the defaults: a $2.00/h machine for 2 workers against $3.95/h
    // serverless, scaled by the measured overhead factor.
    let cost = &usage["cost"];
    let k = cost["overhead_factor"].as_f64().unwrap();
    let expected = 2.0 / (3600.0 * 2.0 * 0.001097 * k);
    assert!((cost["break_even_utilisation"].as_f64().unwrap() - expected).abs() < 1e-9);
    // A job after scale-to-zero starts a worker again.
    finish(
        &client,
        &client
            .submit(&mesh_check_job(vec![torus(20, 10.0, 3.0)]))
            .unwrap()
            .id,
    );
}

#[test]
fn buffer_workers_are_kept_ready_while_the_pool_is_busy() {
    let server = Server::start(&["--max-workers", "3", "--buffer-workers", "1"]);
    let client = server.client();
    let slow = client
        .submit(&mesh_check_job(vec![torus(900, 10.0, 3.0)]))
        .unwrap();
    let view = eventually(30, "a busy worker and a ready spare", || {
        let w = workers(&server);
        let states: Vec<String> = w["workers"]
            .as_array()?
            .iter()
            .map(|w| w["state"].as_str().unwrap_or("").to_string())
            .collect();
        (states.iter().filter(|s| *s == "busy").count() == 1
            && states.iter().filter(|s| *s == "idle").count() == 1)
            .then_some(w)
    });
    assert_eq!(view["pool"]["buffer_workers"], 1);
    assert_eq!(view["pool"]["max_workers"], 3);
    assert_eq!(view["pool"]["devices"], 1);
    let spare = view["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["state"] == "idle")
        .unwrap()
        .clone();
    assert_eq!(spare["backend"], "cpu");
    assert!(spare["memory_bytes"].as_u64().unwrap() > 0);
    assert!(spare["ready_secs"].as_f64().unwrap() > 0.0);
    finish(&client, &slow.id);
    // Each worker's utilisation over time: the one that ran the job shows busy seconds in
    // its minutes, never more than it was alive.
    let view = eventually(5, "a busy minute in a worker's timeline", || {
        let w = workers(&server);
        w["workers"]
            .as_array()?
            .iter()
            .any(|w| w["timeline"][0]["busy_secs"].as_f64().unwrap_or(0.0) > 0.0)
            .then_some(w)
    });
    for w in view["workers"].as_array().unwrap() {
        for m in w["timeline"].as_array().unwrap() {
            assert!(m["busy_secs"].as_f64().unwrap() <= m["alive_secs"].as_f64().unwrap() + 1e-9);
        }
    }
}

/// A raycast job on a scene of three tori, with `n` rays from `seed`.
fn raycast_job(seed: u64, n: usize) -> Job {
    let mut job = mesh_check_job(vec![
        torus(120, 10.0, 3.0),
        torus(80, 4.0, 1.0),
        torus(60, 20.0, 2.0),
    ]);
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let (mut origins, mut directions) = (Vec::new(), Vec::new());
    for _ in 0..n {
        origins.push([30.0 * next(), 30.0 * next(), 15.0 + 5.0 * next()]);
        directions.push([next(), next(), -1.0]);
    }
    job.task = Task::Raycast(RaycastParams::default());
    job.inputs.rays = Some(Input::Inline(Rays {
        origins: Packed(origins),
        directions: Packed(directions),
    }));
    job
}

/// The plaza sun-hours sample on the 21st of `month`.
fn sun_job(month: u32) -> Job {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/sunlight/sun_hours.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    value["params"]["period"] = json!({
        "start_month": month, "start_day": 21, "end_month": month, "end_day": 21, "timestep": 6
    });
    serde_json::from_value(value).unwrap()
}

/// Runs `job` to success and returns how its scene was prepared and its output as JSON.
fn run(server: &Server, job: &Job) -> (Option<SceneStart>, serde_json::Value) {
    let client = server.client();
    let s = finish(&client, &client.submit(job).unwrap().id);
    let r = server
        .request("GET", &format!("/v1/jobs/{}/result", s.id), &[], b"")
        .json();
    (s.scene_start, r["output"].clone())
}

#[test]
fn restored_snapshots_answer_as_cold_builds_and_damaged_ones_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let warm_data = dir.path().join("warm");
    let mut warm = Server::start_in(&warm_data, &["--workers", "1"]);
    // First sight of each scene: built, and its snapshot written.
    assert_eq!(run(&warm, &raycast_job(1, 3000)).0, Some(SceneStart::Built));
    assert_eq!(run(&warm, &sun_job(12)).0, Some(SceneStart::Built));
    // The same worker holds them: another job on the same scenes needs no preparing.
    assert_eq!(run(&warm, &raycast_job(2, 3000)).0, Some(SceneStart::Held));
    let snapshots = warm_data.join("snapshots");
    let files: Vec<_> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    warm.terminate();

    // A new service, a new worker: the scenes come from their snapshots.
    let warm = Server::start_in(&warm_data, &["--workers", "1"]);
    let cold = Server::start(&["--workers", "1"]);
    for (job, what) in [(raycast_job(3, 3000), "raycast"), (sun_job(6), "sun hours")] {
        let (start, restored) = run(&warm, &job);
        assert_eq!(start, Some(SceneStart::Snapshot), "{what}");
        let (start, built) = run(&cold, &job);
        assert_eq!(start, Some(SceneStart::Built), "{what}");
        // Bit for bit: JSON numbers print every bit of an f64.
        assert_eq!(restored, built, "{what}: restored and cold answers differ");
    }
    drop(warm);

    // Damaged snapshots (a flipped byte, a cut-off file) are found, rebuilt and replaced.
    for (k, file) in files.iter().enumerate() {
        let mut bytes = std::fs::read(file).unwrap();
        if k == 0 {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x40;
        } else {
            bytes.truncate(bytes.len() * 2 / 3);
        }
        std::fs::write(file, &bytes).unwrap();
    }
    let warm = Server::start_in(&warm_data, &["--workers", "1"]);
    for (job, what) in [(raycast_job(4, 3000), "raycast"), (sun_job(3), "sun hours")] {
        let (start, rebuilt) = run(&warm, &job);
        assert_eq!(
            start,
            Some(SceneStart::Built),
            "{what}: a damaged snapshot was used"
        );
        assert_eq!(rebuilt, run(&cold, &job).1, "{what}");
    }
    drop(warm);
    let warm = Server::start_in(&warm_data, &["--workers", "1"]);
    assert_eq!(
        run(&warm, &raycast_job(5, 3000)).0,
        Some(SceneStart::Snapshot),
        "the rebuilt snapshot was not written back"
    );
    let text = String::from_utf8(warm.request("GET", "/metrics", &[], b"").body).unwrap();
    assert!(text.contains("cicada_job_phase_seconds_count{phase=\"prepare_warm\"} 1"));
}

#[test]
fn a_batch_of_100_variants_gives_every_result_once() {
    let server = Server::start(&["--max-workers", "2"]);
    let client = server.client();
    let mut job = raycast_job(7, 200);
    client.offload_inputs(&mut job).unwrap();
    // Variants: rays limited to 1, 2, ... 100 model units.
    let variants: Vec<serde_json::Value> = (1..=100)
        .map(|d| json!({"params": {"max_distance": d as f64}}))
        .collect();
    let batch = client
        .submit_batch(&BatchRequest {
            job: serde_json::to_value(&job).unwrap(),
            variants,
        })
        .unwrap();
    assert_eq!(batch.jobs.len(), 100);
    let mut seen = vec![0u32; 100];
    client
        .follow_batch(&batch.id, |end| {
            assert_eq!(end.state, JobState::Succeeded, "{end:?}");
            assert_eq!(batch.jobs[end.variant as usize], end.job);
            seen[end.variant as usize] += 1;
        })
        .unwrap();
    assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
    let status = client.batch(&batch.id).unwrap();
    assert_eq!(status.counts.succeeded, 100);
    // Each variant's own parameters were run: hits never farther than its limit, and a
    // longer limit never hits less.
    let mut last_hits = 0;
    for (i, id) in batch.jobs.iter().enumerate() {
        let s = client.status(id).unwrap();
        assert_eq!(s.priority, Priority::Bulk);
        assert_eq!(s.batch.as_deref(), Some(batch.id.as_str()));
        let r = server
            .request("GET", &format!("/v1/jobs/{id}/result"), &[], b"")
            .json();
        let limit = (i + 1) as f64;
        let hits = r["output"]["raycast"]["hit_count"].as_u64().unwrap();
        assert!(hits >= last_hits, "variant {i}: {hits} < {last_hits}");
        last_hits = hits;
        let distances = r["output"]["raycast"]["distance"].as_array().unwrap();
        assert!(distances.iter().all(|d| d.as_f64().unwrap() <= limit));
    }
    assert!(last_hits > 0);
    // All 100 shared one scene: built at most once per worker.
    let usage = server.request("GET", "/v1/usage", &[], b"").json();
    assert!(
        usage["scene_starts"]["built"].as_u64().unwrap() <= 2,
        "{usage}"
    );

    // A bad variant is refused whole, with its path; nothing is queued.
    let r = server.request(
        "POST",
        "/v1/batches",
        &[("content-type", "application/json")],
        &serde_json::to_vec(&json!({
            "job": serde_json::to_value(&job).unwrap(),
            "variants": [{}, {"params": {"max_distance": "far"}}, {"timeout_secs": -1}],
        }))
        .unwrap(),
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(text.contains("/variants/1/params/max_distance"), "{text}");
    assert!(text.contains("/variants/2/timeout_secs"), "{text}");
}

#[test]
fn interactive_jobs_overtake_bulk_ones_and_timeouts_stop_jobs() {
    let server = Server::start(&["--workers", "1"]);
    let client = server.client();
    let first = client
        .submit(&mesh_check_job(vec![torus(700, 10.0, 3.0)]))
        .unwrap();
    eventually(30, "the first job to run", || {
        (client.status(&first.id).unwrap().state == JobState::Running).then_some(())
    });
    let bulk: Vec<JobStatus> = (0..3)
        .map(|k| {
            let mut j = mesh_check_job(vec![torus(30 + k, 10.0, 3.0)]);
            j.priority = Priority::Bulk;
            client.submit(&j).unwrap()
        })
        .collect();
    let mut urgent = mesh_check_job(vec![torus(40, 10.0, 3.0)]);
    urgent.priority = Priority::Interactive;
    let urgent = client.submit(&urgent).unwrap();
    let urgent = finish(&client, &urgent.id);
    for b in &bulk {
        let b = finish(&client, &b.id);
        assert!(
            b.started_unix_ms > urgent.started_unix_ms,
            "a bulk job ran before the interactive one"
        );
    }

    // A job past its timeout is stopped in its kernel and failed, naming the limit; the
    // worker goes on. (A month of minute suns over the plaza: over a hundred million rays,
    // with a cancellation check every half million.)
    let mut slow = sun_job(6);
    let params = serde_json::to_value(&slow.task).unwrap();
    let mut params = params["params"].clone();
    params["grid_size"] = json!(2.0);
    params["period"] = json!({
        "start_month": 6, "start_day": 1, "end_month": 6, "end_day": 30, "timestep": 60
    });
    slow.task = serde_json::from_value(json!({"kind": "sun_hours", "params": params})).unwrap();
    slow.timeout_secs = Some(0.5);
    let slow = client.submit(&slow).unwrap();
    let ended = client.wait(&slow.id, |_| {}).unwrap();
    assert_eq!(ended.state, JobState::Failed);
    assert!(
        ended
            .error
            .as_deref()
            .unwrap_or("")
            .contains("timeout_secs (0.5 s)"),
        "{ended:?}"
    );
    finish(
        &client,
        &client
            .submit(&mesh_check_job(vec![torus(25, 10.0, 3.0)]))
            .unwrap()
            .id,
    );
    assert_eq!(server.metric("cicada_workers_started_total"), 1.0);
}

#[test]
fn usage_totals_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start_in(&data, &["--workers", "1"]);
    let client = server.client();
    for k in 0..2 {
        finish(
            &client,
            &client
                .submit(&mesh_check_job(vec![torus(40 + k, 10.0, 3.0)]))
                .unwrap()
                .id,
        );
    }
    let before = server.request("GET", "/v1/usage", &[], b"").json();
    server.terminate();
    let server = Server::start_in(&data, &["--workers", "1"]);
    let after = server.request("GET", "/v1/usage", &[], b"").json();
    assert_eq!(after["jobs"], 2, "{after}");
    assert_eq!(after["since_unix_ms"], before["since_unix_ms"]);
    assert!(after["worker_secs"].as_f64().unwrap() >= before["worker_secs"].as_f64().unwrap());
    assert_eq!(after["workers_started"], 2, "one worker per service start");
}

//! The HTTP API of a real `cicada-server serve`, driven by raw HTTP and the Rust client.
//!
//! Expected values are closed forms: the unit-simplex tetrahedron has volume 1/6 and area
//! 3/2 + √3/2; a torus grid of n × n quads has n² vertices, n² faces and 2n² edges.

use std::io::{BufRead, BufReader};

use cicada_e2e::*;
use cicada_protocol::{Format, JobResult, JobState, JobStatus, decode, encode};

fn tetra_job_json() -> Vec<u8> {
    encode(&mesh_check_job(vec![tetrahedron()]), Format::Json).unwrap()
}

fn assert_tetra(result: &JobResult) {
    let report = mesh_check_report(result.output.clone());
    let m = &report.meshes[0];
    assert_eq!(m.id.as_deref(), Some("tetra"));
    assert_eq!((m.vertex_count, m.face_count, m.edge_count), (4, 4, 6));
    assert!(m.is_closed && m.is_oriented && m.is_manifold);
    assert!((m.volume.unwrap() - 1.0 / 6.0).abs() < 1e-15);
    assert!((m.area - (1.5 + 3f64.sqrt() / 2.0)).abs() < 1e-14);
    assert_eq!(result.kernel_version, "mesh_check@2");
    assert_eq!(result.backend.name, "cpu");
}

#[test]
fn submit_poll_and_fetch_result_in_json_and_msgpack() {
    let server = Server::start(&["--workers", "1"]);
    let r = server.request(
        "POST",
        "/v1/jobs",
        &[("content-type", "application/json")],
        &tetra_job_json(),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let status = r.json();
    let id = status["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/jobs/{id}").as_str())
    );
    assert!(r.header("x-request-id").is_some());
    assert_eq!(status["state"], "queued");

    let done: serde_json::Value = eventually(30, "job to finish", || {
        let s = server
            .request("GET", &format!("/v1/jobs/{id}"), &[], b"")
            .json();
        (s["state"] == "succeeded").then_some(s)
    });
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["progress"], 1.0);

    let json = server.request("GET", &format!("/v1/jobs/{id}/result"), &[], b"");
    assert_eq!(json.status, 200);
    assert_eq!(json.header("content-type"), Some("application/json"));
    let from_json: JobResult = decode(&json.body, Format::Json).unwrap();
    assert_tetra(&from_json);
    assert_eq!(from_json.job_id, id);
    assert!(!from_json.cached);
    assert!(from_json.timings.queue_secs >= 0.0 && from_json.timings.compute_secs > 0.0);

    let mp = server.request(
        "GET",
        &format!("/v1/jobs/{id}/result"),
        &[("accept", "application/msgpack")],
        b"",
    );
    assert_eq!(mp.header("content-type"), Some("application/msgpack"));
    let from_msgpack: JobResult = decode(&mp.body, Format::MsgPack).unwrap();
    assert_eq!(from_msgpack, from_json);

    assert_eq!(
        server
            .request("GET", "/v1/jobs/no-such-job", &[], b"")
            .status,
        404
    );
}

#[test]
fn identical_job_is_answered_from_the_cache() {
    let server = Server::start(&["--workers", "1"]);
    let client = server.client();
    let job = mesh_check_job(vec![tetrahedron()]);
    let first = client.submit(&job).unwrap();
    let first = client.wait(&first.id, |_| {}).unwrap();
    assert_eq!(first.state, JobState::Succeeded);
    assert!(!first.cached);

    // Same job through raw HTTP in JSON: same key, answered at once with 200.
    let r = server.request(
        "POST",
        "/v1/jobs",
        &[("content-type", "application/json")],
        &tetra_job_json(),
    );
    assert_eq!(r.status, 200);
    let second: JobStatus = decode(&r.body, Format::Json).unwrap();
    assert_eq!(second.state, JobState::Succeeded);
    assert!(second.cached);
    assert_eq!(second.key, first.key);
    assert_ne!(second.id, first.id);
    let result = client.result(&second.id).unwrap();
    assert!(result.cached);
    assert_eq!(result.job_id, second.id);
    assert_tetra(&result);
    assert_eq!(server.metric("cicada_cache_hits_total"), 1.0);
}

#[test]
fn blobs_are_verified_and_never_sent_twice() {
    let server = Server::start(&["--workers", "1"]);
    let client = server.client();
    let mut job = mesh_check_job(vec![torus(60, 10.0, 3.0)]);
    let uploads = client.offload_inputs(&mut job).unwrap();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0].uploaded);
    let hash = uploads[0].hash.clone();

    // The second offer of the same scene is answered by HEAD and not sent.
    let mut again = mesh_check_job(vec![torus(60, 10.0, 3.0)]);
    let uploads = client.offload_inputs(&mut again).unwrap();
    assert!(!uploads[0].uploaded);
    assert_eq!(server.metric("cicada_blobs_stored_total"), 1.0);

    let head = server.request("HEAD", &format!("/v1/blobs/{hash}"), &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(uploads[0].size.to_string().as_str())
    );
    let unknown = "0".repeat(64);
    assert_eq!(
        server
            .request("HEAD", &format!("/v1/blobs/{unknown}"), &[], b"")
            .status,
        404
    );

    // A body that does not hash to its name is refused.
    let r = server.request("PUT", &format!("/v1/blobs/{unknown}"), &[], b"some bytes");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "hash_mismatch");
    let r = server.request("PUT", "/v1/blobs/not-a-hash", &[], b"x");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "invalid_hash");

    // The job by blob reference runs like the inline one: n² faces, 2n² edges, closed.
    let status = client.submit(&job).unwrap();
    let status = client.wait(&status.id, |_| {}).unwrap();
    assert_eq!(status.state, JobState::Succeeded, "{status:?}");
    let report = mesh_check_report(client.result(&status.id).unwrap().output);
    let m = &report.meshes[0];
    assert_eq!(
        (m.vertex_count, m.face_count, m.edge_count),
        (3600, 3600, 7200)
    );
    assert!(m.is_closed && m.is_oriented);
    assert_eq!(m.components, 1);
}

#[test]
fn events_stream_progress_until_the_end() {
    let server = Server::start(&["--workers", "1"]);
    let client = server.client();
    // The one worker is busy with a slow job, so the watched job is still queued when the
    // stream opens and every change after that is seen.
    client
        .submit(&mesh_check_job(vec![torus(900, 10.0, 3.0)]))
        .unwrap();
    let status = client
        .submit(&mesh_check_job(vec![torus(300, 10.0, 3.0)]))
        .unwrap();
    let stream = send_request(
        &server.url,
        "GET",
        &format!("/v1/jobs/{}/events", status.id),
        &[],
        b"",
    );
    let mut reader = BufReader::new(stream);
    let mut events = Vec::new();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            let event: serde_json::Value = serde_json::from_str(data).unwrap();
            let state = event["state"].as_str().unwrap().to_string();
            events.push(state.clone());
            if state == "succeeded" || state == "failed" {
                break;
            }
        }
        line.clear();
    }
    assert_eq!(
        events.first().map(String::as_str),
        Some("queued"),
        "{events:?}"
    );
    assert!(events.contains(&"running".to_string()), "{events:?}");
    assert_eq!(
        events.last().map(String::as_str),
        Some("succeeded"),
        "{events:?}"
    );
}

#[test]
fn run_submits_and_waits() {
    let server = Server::start(&["--workers", "1"]);
    let r = server.request(
        "POST",
        "/v1/run?wait_secs=30",
        &[("content-type", "application/json")],
        &tetra_job_json(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_tetra(&decode(&r.body, Format::Json).unwrap());
}

#[test]
fn cancel_reaches_queued_and_running_jobs() {
    let server = Server::start(&["--workers", "1"]);
    let client = server.client();
    let slow = client
        .submit(&mesh_check_job(vec![torus(900, 10.0, 3.0)]))
        .unwrap();
    let behind = client.submit(&mesh_check_job(vec![tetrahedron()])).unwrap();
    let running = eventually(30, "the slow job to start", || {
        let s = client.status(&slow.id).unwrap();
        (s.state == JobState::Running).then_some(s)
    });
    let worker = running.worker_pid.expect("a running job names its worker");

    let cancelled = client.cancel(&behind.id).unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    let asked = std::time::Instant::now();
    let cancelled = client.cancel(&slow.id).unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);

    // The cancellation reaches the kernel: the same worker is idle again within a fraction
    // of a second, keeping whatever it holds, and no replacement was started.
    let idle_after = eventually(10, "the worker to stop the job", || {
        let w = server.request("GET", "/v1/workers", &[], b"").json();
        (w["workers"][0]["state"] == "idle").then(|| asked.elapsed())
    });
    assert!(
        idle_after < std::time::Duration::from_millis(800),
        "the kernel took {idle_after:?} to stop"
    );
    let w = server.request("GET", "/v1/workers", &[], b"").json();
    assert_eq!(w["workers"][0]["pid"], worker);
    assert_eq!(server.metric("cicada_workers_started_total"), 1.0);
    let r = server.request("GET", &format!("/v1/jobs/{}/result", behind.id), &[], b"");
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "job_cancelled");
    let again = server.request("DELETE", &format!("/v1/jobs/{}", slow.id), &[], b"");
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "already_finished");

    // The pool still works.
    let s = client.submit(&mesh_check_job(vec![tetrahedron()])).unwrap();
    assert_eq!(
        client.wait(&s.id, |_| {}).unwrap().state,
        JobState::Succeeded
    );
    assert_eq!(server.metric("cicada_jobs{state=\"cancelled\"}"), 2.0);
}

#[test]
fn health_and_metrics_describe_the_service() {
    let server = Server::start(&["--workers", "2"]);
    let h = server.request("GET", "/healthz", &[], b"").json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["protocol"], 1);
    assert_eq!(h["backend"]["name"], "cpu");
    eventually(30, "two workers", || {
        (server.client().health().unwrap().workers == 2).then_some(())
    });
    let client = server.client();
    for _ in 0..3 {
        let s = client
            .submit(&mesh_check_job(vec![tetrahedron(), torus(8, 3.0, 1.0)]))
            .unwrap();
        client.wait(&s.id, |_| {}).unwrap();
    }
    assert_eq!(server.metric("cicada_jobs_submitted_total"), 3.0);
    // One computed, two answered from the cache.
    assert_eq!(server.metric("cicada_jobs{state=\"succeeded\"}"), 3.0);
    assert_eq!(
        server.metric("cicada_job_phase_seconds_count{phase=\"compute\"}"),
        1.0
    );
    assert_eq!(server.metric("cicada_queue_depth"), 0.0);
    assert_eq!(server.metric("cicada_workers"), 2.0);
}

#[test]
fn raycast_reports_distance_mesh_face_and_normal() {
    raycast_on(&Server::start(&["--workers", "1"]), 0.0);
}

#[test]
fn raycast_on_the_wgpu_backend_gives_the_same_answers() {
    // lavapipe in CI (scripts/test.sh installs it); distances in f32 about the local origin.
    if std::env::var_os("CICADA_SKIP_GPU_TESTS").is_some() {
        return;
    }
    let server = Server::start(&["--workers", "1", "--backend", "wgpu"]);
    let h = server.request("GET", "/healthz", &[], b"").json();
    assert_eq!(h["backend"]["name"], "wgpu", "{h}");
    raycast_on(&server, 1e-4);
}

/// The raycast closed forms on `server`, distances within `tolerance` metres.
fn raycast_on(server: &Server, tolerance: f64) {
    use cicada_protocol::{Input, Output, Packed, RaycastMode, RaycastParams, Rays, Task};
    let client = server.client();
    // A 60 x 40 x 12 m podium at UTM coordinates and the unit-simplex tetrahedron beside it.
    let (x0, y0) = (500_000.0, 4_100_000.0);
    let podium = cicada_protocol::Mesh {
        id: Some("podium".into()),
        vertices: Packed(
            (0..8)
                .map(|i| {
                    [
                        x0 + 60.0 * (i & 1) as f64,
                        y0 + 40.0 * ((i >> 1) & 1) as f64,
                        12.0 * ((i >> 2) & 1) as f64,
                    ]
                })
                .collect(),
        ),
        faces: Packed(
            [
                [0, 2, 3, 1],
                [4, 5, 7, 6],
                [0, 1, 5, 4],
                [2, 6, 7, 3],
                [0, 4, 6, 2],
                [1, 3, 7, 5],
            ]
            .iter()
            .map(|&[a, b, c, d]| cicada_protocol::Face::quad(a, b, c, d))
            .collect(),
        ),
        ..Default::default()
    };
    let mut job = mesh_check_job(vec![podium]);
    let rays = Rays {
        origins: Packed(vec![
            [x0 + 10.0, y0 + 10.0, 100.0],
            [x0 - 30.0, y0 + 20.0, 6.0],
            [x0 + 70.0, y0 + 50.0, 1.0],
        ]),
        // Down onto the roof; east into the west wall (direction not unit); away from it all.
        directions: Packed(vec![[0.0, 0.0, -1.0], [4.0, 0.0, 0.0], [1.0, 1.0, 0.0]]),
    };
    job.task = Task::Raycast(RaycastParams::default());
    job.inputs.rays = Some(Input::Inline(rays.clone()));
    let status = client
        .wait(&client.submit(&job).unwrap().id, |_| {})
        .unwrap();
    assert_eq!(status.state, JobState::Succeeded, "{status:?}");
    let result = client.result(&status.id).unwrap();
    assert_eq!(result.kernel_version, "raycast@1");
    let Output::Raycast(r) = result.output else {
        panic!("not a raycast output")
    };
    // Closed form: the roof is at z = 12, so 100 - 12 = 88; the west wall at x = x0, 30 away.
    assert_eq!(r.hit_count, 2);
    for (got, want) in r.distance.0.iter().zip([88.0, 30.0, -1.0]) {
        assert!((got - want).abs() <= tolerance, "{:?}", r.distance.0);
    }
    assert_eq!(r.mesh.0, vec![0, 0, -1]);
    assert_eq!(r.face.0, vec![1, 4, -1]);
    assert_eq!(
        r.normal.0,
        vec![[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0; 3]]
    );

    // Any-hit with a 50 m limit: the roof (88 m) is out of reach, the wall is not.
    job.task = Task::Raycast(RaycastParams {
        max_distance: Some(50.0),
        mode: Some(RaycastMode::Any),
    });
    let status = client
        .wait(&client.submit(&job).unwrap().id, |_| {})
        .unwrap();
    let Output::Raycast(r) = client.result(&status.id).unwrap().output else {
        panic!()
    };
    assert_eq!(r.mesh.0, vec![-1, 0, -1]);

    // A zero direction is refused with its path.
    let mut bad = rays;
    bad.directions.0[1] = [0.0; 3];
    job.inputs.rays = Some(Input::Inline(bad));
    let err = client.submit(&job).unwrap_err().to_string();
    assert!(
        err.contains("/inputs/rays/inline/directions/1: a ray direction must not be zero"),
        "{err}"
    );
}

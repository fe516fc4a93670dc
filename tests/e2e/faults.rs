//! Faults that must lose nothing: a worker killed with SIGKILL mid-job, a worker that keeps
//! dying, and a service restarted with jobs queued and results stored.

use cicada_e2e::*;
use cicada_protocol::JobState;

/// A job big enough to be caught running: a 900 × 900 quad torus (810 000 faces) takes
/// about a second in the worker, well over the 10 ms the tests poll at.
fn slow_job() -> cicada_protocol::Job {
    mesh_check_job(vec![torus(900, 10.0, 3.0)])
}

fn wait_running(client: &cicada_client::blocking::Client, id: &str, attempt: u32) -> u32 {
    eventually(60, "the job to run", || {
        let s = client.status(id).unwrap();
        (s.state == JobState::Running && s.attempts == attempt)
            .then_some(s.worker_pid)
            .flatten()
    })
}

#[test]
fn job_survives_sigkill_of_its_worker() {
    let server = Server::start(&["--workers", "1", "--max-attempts", "3"]);
    let client = server.client();
    let job = client.submit(&slow_job()).unwrap();
    let pid = wait_running(&client, &job.id, 1);
    assert_ne!(pid, server.pid());
    signal(pid, libc::SIGKILL);

    let done = client.wait(&job.id, |_| {}).unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 2);
    let report = mesh_check_report(client.result(&job.id).unwrap().output);
    let m = &report.meshes[0];
    // Closed form for an n × n torus grid: n² faces, 2n² edges, closed, one piece.
    assert_eq!((m.face_count, m.edge_count), (810_000, 1_620_000));
    assert!(m.is_closed && m.is_oriented);
    assert_eq!(server.metric("cicada_worker_crashes_total"), 1.0);
    assert_eq!(server.metric("cicada_job_retries_total"), 1.0);
}

#[test]
fn job_fails_clearly_when_every_attempt_dies() {
    let server = Server::start(&["--workers", "1", "--max-attempts", "2"]);
    let client = server.client();
    let job = client.submit(&slow_job()).unwrap();
    for attempt in 1..=2 {
        let pid = wait_running(&client, &job.id, attempt);
        signal(pid, libc::SIGKILL);
    }
    let done = client.wait(&job.id, |_| {}).unwrap();
    assert_eq!(done.state, JobState::Failed);
    let error = done.error.unwrap();
    assert!(
        error.contains("died on each of 2 attempts") && error.contains("signal 9"),
        "{error}"
    );
    let r = server.request("GET", &format!("/v1/jobs/{}/result", job.id), &[], b"");
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "job_failed");
    // The pool recovered and serves the next job.
    let next = client.submit(&mesh_check_job(vec![tetrahedron()])).unwrap();
    assert_eq!(
        client.wait(&next.id, |_| {}).unwrap().state,
        JobState::Succeeded
    );
}

#[test]
fn restart_keeps_results_and_runs_queued_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (finished, interrupted, waiting) = {
        let mut server = Server::start_in(&data, &["--workers", "1", "--shutdown-grace-secs", "0"]);
        let client = server.client();
        let finished = client.submit(&mesh_check_job(vec![tetrahedron()])).unwrap();
        assert_eq!(
            client.wait(&finished.id, |_| {}).unwrap().state,
            JobState::Succeeded
        );
        let interrupted = client.submit(&slow_job()).unwrap();
        let waiting = client
            .submit(&mesh_check_job(vec![torus(30, 5.0, 1.0)]))
            .unwrap();
        wait_running(&client, &interrupted.id, 1);
        // SIGTERM with no grace: the running job is stopped and requeued, the exit is clean.
        let exit = server.terminate();
        assert!(exit.success(), "cicada-server exited with {exit:?}");
        (finished.id, interrupted.id, waiting.id)
    };

    let server = Server::start_in(&data, &["--workers", "1"]);
    let client = server.client();
    let result = client.result(&finished).unwrap();
    let report = mesh_check_report(result.output);
    assert!((report.meshes[0].volume.unwrap() - 1.0 / 6.0).abs() < 1e-15);
    for id in [&interrupted, &waiting] {
        let done = client.wait(id, |_| {}).unwrap();
        assert_eq!(done.state, JobState::Succeeded, "{done:?}");
        // The interrupted run was the service's doing, not the job's: one attempt counted.
        assert_eq!(done.attempts, 1, "{done:?}");
    }
    let report = mesh_check_report(client.result(&waiting).unwrap().output);
    assert_eq!(report.meshes[0].face_count, 900);
}

#[test]
fn sigterm_lets_a_running_job_finish_within_the_grace_period() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let id = {
        let mut server =
            Server::start_in(&data, &["--workers", "1", "--shutdown-grace-secs", "60"]);
        let client = server.client();
        let job = client.submit(&slow_job()).unwrap();
        wait_running(&client, &job.id, 1);
        let exit = server.terminate();
        assert!(exit.success(), "cicada-server exited with {exit:?}");
        job.id
    };
    // The record says it finished before the service stopped, on its first attempt.
    let server = Server::start_in(&data, &["--workers", "1"]);
    let status = server.client().status(&id).unwrap();
    assert_eq!(status.state, JobState::Succeeded, "{status:?}");
    assert_eq!(status.attempts, 1);
}

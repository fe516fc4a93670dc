//! The `cicada` command against a real service: run with progress, submit, status, result,
//! cancel and upload, as a user types them.

use std::process::{Command, Output};

use cicada_e2e::*;
use cicada_protocol::{Format, JobResult, decode, encode};

fn cicada(server: &Server, args: &[&str]) -> Output {
    Command::new(bin("cicada"))
        .arg("--server")
        .arg(&server.url)
        .args(args)
        .output()
        .expect("running cicada")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "cicada failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn run_shows_progress_and_writes_the_result() {
    let server = Server::start(&["--workers", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.json");
    std::fs::write(
        &job,
        encode(&mesh_check_job(vec![tetrahedron()]), Format::Json).unwrap(),
    )
    .unwrap();
    let out_file = dir.path().join("result.msgpack");
    let o = cicada(
        &server,
        &[
            "run",
            job.to_str().unwrap(),
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    stdout(&o);
    // Not a terminal: plain progress lines on stderr, ending with success.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.lines().any(|l| l.contains(": succeeded 100%")),
        "{stderr}"
    );
    let result: JobResult = decode(&std::fs::read(&out_file).unwrap(), Format::MsgPack).unwrap();
    let report = mesh_check_report(result.output);
    assert!((report.meshes[0].volume.unwrap() - 1.0 / 6.0).abs() < 1e-15);
}

#[test]
fn submit_status_result_cancel_and_upload() {
    let server = Server::start(&["--workers", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.msgpack");
    std::fs::write(
        &job,
        encode(&mesh_check_job(vec![torus(100, 4.0, 1.0)]), Format::MsgPack).unwrap(),
    )
    .unwrap();

    // The 100 x 100 torus scene (400 kB) goes as a blob, once.
    let first = cicada(&server, &["submit", job.to_str().unwrap()]);
    let id = stdout(&first).trim().to_string();
    assert!(String::from_utf8_lossy(&first.stderr).contains(": uploaded"));
    let second = cicada(&server, &["submit", job.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&second.stderr).contains("already on the service, not sent"));

    eventually(30, "the job to finish", || {
        let status: serde_json::Value =
            serde_json::from_str(&stdout(&cicada(&server, &["status", &id]))).unwrap();
        (status["state"] == "succeeded").then_some(())
    });
    let result: serde_json::Value =
        serde_json::from_str(&stdout(&cicada(&server, &["result", &id]))).unwrap();
    let mesh = &result["output"]["mesh_check"]["meshes"][0];
    assert_eq!(mesh["face_count"], 10_000);
    assert_eq!(mesh["edge_count"], 20_000);

    let o = cicada(&server, &["cancel", &id]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already_finished"));

    let scene_file = dir.path().join("scene.json");
    std::fs::write(
        &scene_file,
        br#"{"units":"mm","tolerance":0.01,"points":[{"position":[1,2,3]}]}"#,
    )
    .unwrap();
    let up1 = cicada(&server, &["upload", scene_file.to_str().unwrap()]);
    let up2 = cicada(&server, &["upload", scene_file.to_str().unwrap()]);
    assert_eq!(stdout(&up1), stdout(&up2));
    assert!(String::from_utf8_lossy(&up2.stderr).contains("not sent"));
    let hash = stdout(&up1).trim().to_string();
    assert_eq!(
        server
            .request("HEAD", &format!("/v1/blobs/{hash}"), &[], b"")
            .status,
        200
    );
}

#[test]
fn unreachable_service_is_a_clear_error() {
    let o = Command::new(bin("cicada"))
        .args(["--server", "http://127.0.0.1:9", "status", "x"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("error: transport: GET /v1/jobs/x"),
        "{stderr}"
    );
}

#[test]
fn batch_writes_every_variant_and_workers_and_usage_print() {
    let server = Server::start(&["--max-workers", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/sunlight/sun_hours.json");
    // Four days of the year, each a merge patch of the sample's period.
    let variants: Vec<serde_json::Value> = [3, 6, 9, 12]
        .iter()
        .map(|m| serde_json::json!({"params": {"period": {"start_month": m, "end_month": m}}}))
        .collect();
    let variants_file = dir.path().join("variants.json");
    std::fs::write(&variants_file, serde_json::to_vec(&variants).unwrap()).unwrap();
    let out = dir.path().join("results");
    let o = cicada(
        &server,
        &[
            "batch",
            sample.to_str().unwrap(),
            variants_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    stdout(&o);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("4 succeeded, 0 failed"), "{stderr}");
    // Each file holds its own variant: the winter solstice day is the shortest.
    let hours: Vec<f64> = (0..4)
        .map(|k| {
            let path = out.join(format!("variant-{k:04}.json"));
            let r: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            r["output"]["sun_hours"]["statistics"]["max"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(hours[3], 9.5, "{hours:?}");
    assert!(
        hours[1] > hours[0] && hours[1] > hours[2] && hours[0] > hours[3],
        "{hours:?}"
    );

    let workers: serde_json::Value =
        serde_json::from_str(&stdout(&cicada(&server, &["workers"]))).unwrap();
    assert_eq!(workers["pool"]["max_workers"], 2);
    let usage: serde_json::Value =
        serde_json::from_str(&stdout(&cicada(&server, &["usage"]))).unwrap();
    assert_eq!(usage["jobs"], 4);
}

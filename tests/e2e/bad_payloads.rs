//! Bad input gets a 4xx whose body names the field and the problem, never a 500 or a hang.

use cicada_e2e::*;
use cicada_protocol::{Format, Input, Job, Scene, encode};

struct Case {
    name: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
    /// A substring of some problem's `path: message`.
    expect: &'static str,
}

fn json_case(
    name: &'static str,
    body: &str,
    status: u16,
    code: &'static str,
    expect: &'static str,
) -> Case {
    Case {
        name,
        content_type: "application/json",
        body: body.as_bytes().to_vec(),
        status,
        code,
        expect,
    }
}

fn msgpack_case(
    name: &'static str,
    job: &Job,
    status: u16,
    code: &'static str,
    expect: &'static str,
) -> Case {
    Case {
        name,
        content_type: "application/msgpack",
        body: encode(job, Format::MsgPack).unwrap(),
        status,
        code,
        expect,
    }
}

fn scene_of(job: &mut Job) -> &mut Scene {
    match job.inputs.scene.as_mut() {
        Some(Input::Inline(scene)) => scene,
        _ => unreachable!("test jobs carry inline scenes"),
    }
}

fn with(edit: impl FnOnce(&mut Job)) -> Job {
    let mut job = mesh_check_job(vec![tetrahedron(), tetrahedron()]);
    edit(&mut job);
    job
}

fn cases() -> Vec<Case> {
    const HEAD: &str = r#""protocol":1,"kind":"mesh_check","params":{}"#;
    vec![
        json_case(
            "malformed JSON",
            "{\"protocol\":1,",
            400,
            "invalid_payload",
            "EOF",
        ),
        json_case(
            "unknown units",
            &format!(
                r#"{{{HEAD},"inputs":{{"scene":{{"inline":{{"units":"furlongs","tolerance":0.01}}}}}}}}"#
            ),
            400,
            "invalid_payload",
            "/inputs/scene/inline/units: unknown variant `furlongs`",
        ),
        json_case(
            "unknown kind",
            r#"{"protocol":1,"kind":"teleport","params":{},"inputs":{}}"#,
            400,
            "invalid_payload",
            "unknown variant `teleport`",
        ),
        json_case(
            "five-index face",
            &format!(
                r#"{{{HEAD},"inputs":{{"scene":{{"inline":{{"units":"m","tolerance":0.01,"meshes":[{{"vertices":[[0,0,0]],"faces":[[0,0,0,0,0]]}}]}}}}}}}}"#
            ),
            400,
            "invalid_payload",
            "/inputs/scene/inline/meshes/0/faces/0",
        ),
        json_case(
            "wrong parameter type",
            r#"{"protocol":1,"kind":"mesh_check","params":{"coincident_tolerance":"tight"},"inputs":{}}"#,
            400,
            "invalid_payload",
            "/params/coincident_tolerance: invalid type: string",
        ),
        json_case(
            "negative parameter",
            r#"{"protocol":1,"kind":"mesh_check","params":{"coincident_tolerance":-1},"inputs":{"scene":{"inline":{"units":"m","tolerance":0.01}}}}"#,
            422,
            "invalid_job",
            "/params/coincident_tolerance: must be a finite distance >= 0",
        ),
        json_case(
            "missing scene",
            &format!(r#"{{{HEAD},"inputs":{{}}}}"#),
            422,
            "invalid_job",
            "/inputs/scene: mesh_check needs a scene input",
        ),
        json_case(
            "blob not uploaded",
            &format!(
                r#"{{{HEAD},"inputs":{{"scene":{{"blob":"{}"}}}}}}"#,
                "ab".repeat(32)
            ),
            422,
            "invalid_job",
            "/inputs/scene/blob: blob abab",
        ),
        json_case(
            "malformed blob hash",
            &format!(r#"{{{HEAD},"inputs":{{"scene":{{"blob":"xyz"}}}}}}"#),
            422,
            "invalid_job",
            "/inputs/scene/blob: 'xyz' is not a BLAKE3 hash",
        ),
        msgpack_case(
            "vertex index out of range",
            &with(|j| scene_of(j).meshes[1].faces.0[3].0 = [1, 2, 912, 912]),
            422,
            "invalid_job",
            "/inputs/scene/inline/meshes/1/faces/3: vertex index 912 out of range (mesh has 4 vertices)",
        ),
        msgpack_case(
            "NaN coordinate",
            &with(|j| scene_of(j).meshes[0].vertices.0[2][1] = f64::NAN),
            422,
            "invalid_job",
            "/inputs/scene/inline/meshes/0/vertices/2: y is NaN",
        ),
        msgpack_case(
            "infinite tolerance",
            &with(|j| scene_of(j).tolerance = f64::INFINITY),
            422,
            "invalid_job",
            "/inputs/scene/inline/tolerance: must be a positive distance",
        ),
        msgpack_case(
            "unsupported protocol",
            &with(|j| j.protocol = 2),
            422,
            "invalid_job",
            "/protocol: unsupported protocol version 2",
        ),
        msgpack_case(
            "Rhino-style knot vector",
            &with(|j| {
                scene_of(j).curves.push(cicada_protocol::NurbsCurve {
                    degree: 3,
                    points: cicada_protocol::Packed(vec![
                        [0.0; 3],
                        [1.0, 0.0, 0.0],
                        [2.0, 1.0, 0.0],
                        [3.0, 1.0, 0.0],
                    ]),
                    knots: cicada_protocol::Packed(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
                    ..Default::default()
                })
            }),
            422,
            "invalid_job",
            "/inputs/scene/inline/curves/0/knots: 6 knots for 4 control points of degree 3; need 8 (n + p + 1) (this looks like Rhino's convention",
        ),
        msgpack_case(
            "negative weight",
            &with(|j| {
                scene_of(j).curves.push(cicada_protocol::NurbsCurve {
                    degree: 1,
                    points: cicada_protocol::Packed(vec![[0.0; 3], [1.0, 0.0, 0.0]]),
                    weights: Some(cicada_protocol::Packed(vec![1.0, -0.5])),
                    knots: cicada_protocol::Packed(vec![0.0, 0.0, 1.0, 1.0]),
                    ..Default::default()
                })
            }),
            422,
            "invalid_job",
            "/inputs/scene/inline/curves/0/weights/1: weight -0.5 must be positive",
        ),
        Case {
            name: "unsupported content type",
            content_type: "text/plain",
            body: b"hello".to_vec(),
            status: 415,
            code: "unsupported_media_type",
            expect: "",
        },
    ]
}

#[test]
fn each_bad_payload_gets_a_4xx_naming_the_field() {
    let server = Server::start(&["--workers", "1"]);
    let mut failures = Vec::new();
    for case in cases() {
        let r = server.request(
            "POST",
            "/v1/jobs",
            &[("content-type", case.content_type)],
            &case.body,
        );
        let body = r.json();
        let problems: Vec<String> = body["error"]["problems"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        format!(
                            "{}: {}",
                            p["path"].as_str().unwrap_or(""),
                            p["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let text = format!("{} | {}", body["error"]["message"], problems.join(" | "));
        if r.status != case.status
            || body["error"]["code"] != case.code
            || !text.contains(case.expect)
        {
            failures.push(format!(
                "{}: got {} {} {text}",
                case.name, r.status, body["error"]["code"]
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Nothing bad was queued.
    assert_eq!(server.metric("cicada_jobs_submitted_total"), 0.0);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let server = Server::start(&["--workers", "1"]);
    let job = with(|j| {
        let s = scene_of(j);
        s.meshes[0].faces.0[0].0 = [0, 1, 7, 7];
        s.meshes[1].vertices.0[3][0] = f64::INFINITY;
        s.tolerance = -1.0;
    });
    let r = server.request(
        "POST",
        "/v1/jobs",
        &[("content-type", "application/msgpack")],
        &encode(&job, Format::MsgPack).unwrap(),
    );
    assert_eq!(r.status, 422);
    let paths: Vec<String> = r.json()["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/inputs/scene/inline/tolerance",
            "/inputs/scene/inline/meshes/0/faces/0",
            "/inputs/scene/inline/meshes/1/vertices/3",
        ]
    );
}

#[test]
fn oversized_body_is_refused_with_413() {
    let server = Server::start(&["--workers", "1", "--max-body-mib", "1"]);
    let big = vec![b' '; 2 * 1024 * 1024];
    let r = server.request(
        "POST",
        "/v1/jobs",
        &[("content-type", "application/json")],
        &big,
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");
    let hash = cicada_protocol::BlobHash::of(&big);
    let r = server.request("PUT", &format!("/v1/blobs/{hash}"), &[], &big);
    assert_eq!(r.status, 413);
}

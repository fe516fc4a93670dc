//! Golden wire files: the contract that the Python and C# clients are held to as well.
//!
//! Each value below is written as `tests/golden/NAME.msgpack` with a readable
//! `tests/golden/NAME.json` twin. The test checks that both files decode to the value and
//! that encoding the value gives the files byte for byte, so a change to the wire format
//! shows up as a diff here. `UPDATE_GOLDEN=1` rewrites them (and the JSON Schema in
//! `docs/schema/`) after a deliberate change.

use std::path::PathBuf;

use cicada_e2e::tetrahedron;
use cicada_protocol::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn every_geometry_job() -> Job {
    let mut scene = Scene::new(Units::Millimeters, 0.01);
    let mut mesh = tetrahedron();
    mesh.layer = Some("Massing::Core".into());
    mesh.normals = Some(Packed(vec![
        [0.0, 0.0, -1.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
    ]));
    mesh.colors = Some(Packed(vec![
        [255, 0, 0, 255],
        [0, 255, 0, 255],
        [0, 0, 255, 255],
        [255, 255, 255, 128],
    ]));
    scene.meshes.push(mesh);
    scene.meshes.push(Mesh {
        id: Some("quad".into()),
        vertices: Packed(vec![
            [0.0; 3],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0],
        ]),
        faces: Packed(vec![Face::quad(0, 1, 2, 3)]),
        ..Mesh::default()
    });
    let w = std::f64::consts::FRAC_1_SQRT_2;
    scene.curves.push(NurbsCurve {
        id: Some("quarter-circle".into()),
        degree: 2,
        points: Packed(vec![[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]),
        weights: Some(Packed(vec![1.0, w, 1.0])),
        knots: Packed(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
        ..NurbsCurve::default()
    });
    let plane = NurbsSurface {
        degree_u: 1,
        degree_v: 1,
        count_u: 2,
        count_v: 2,
        points: Packed(vec![
            [0.0; 3],
            [0.0, 10.0, 0.0],
            [10.0, 0.0, 0.0],
            [10.0, 10.0, 0.0],
        ]),
        knots_u: Packed(vec![0.0, 0.0, 10.0, 10.0]),
        knots_v: Packed(vec![0.0, 0.0, 10.0, 10.0]),
        ..NurbsSurface::default()
    };
    scene.surfaces.push(NurbsSurface {
        id: Some("plate".into()),
        ..plane.clone()
    });
    let line2 = |a: [f64; 2], b: [f64; 2]| TrimCurve {
        degree: 1,
        points: Packed(vec![a, b]),
        weights: None,
        knots: Packed(vec![0.0, 0.0, 1.0, 1.0]),
    };
    let square = |lo: f64, hi: f64, kind: LoopKind, first_edge: u32| TrimLoop {
        kind,
        trims: [[lo, lo], [hi, lo], [hi, hi], [lo, hi]]
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let b = [[lo, lo], [hi, lo], [hi, hi], [lo, hi]][(k + 1) % 4];
                let (a, b) = if kind == LoopKind::Inner {
                    (b, a)
                } else {
                    (a, b)
                };
                Trim {
                    curve: line2(a, b),
                    edge: Some(first_edge + k as u32),
                    reversed: false,
                }
            })
            .collect(),
    };
    scene.breps.push(Brep {
        id: Some("plate-with-hole".into()),
        faces: vec![BrepFace {
            surface: plane,
            reversed: false,
            loops: vec![
                square(0.0, 10.0, LoopKind::Outer, 0),
                square(4.0, 6.0, LoopKind::Inner, 4),
            ],
        }],
        edges: vec![BrepEdge::default(); 8],
        ..Brep::default()
    });
    scene.polylines.push(Polyline {
        points: Packed(vec![[0.0; 3], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0; 3]]),
        ..Polyline::default()
    });
    scene.lines.push(Line {
        from: [0.0; 3],
        to: [0.0, 0.0, 3.5],
        ..Line::default()
    });
    scene.points.push(Point {
        id: Some("survey-1".into()),
        position: [500_000.125, 4_100_000.5, 12.0],
        ..Point::default()
    });
    Job {
        protocol: PROTOCOL_VERSION,
        task: Task::MeshCheck(MeshCheckParams {
            coincident_tolerance: Some(0.001),
            max_listed: Some(10),
            self_intersections: Some(true),
        }),
        inputs: Inputs {
            scene: Some(Input::Inline(scene)),
            rays: None,
            ..Inputs::default()
        },
        priority: Default::default(),
        timeout_secs: None,
    }
}

fn blob_job() -> Job {
    Job {
        protocol: PROTOCOL_VERSION,
        task: Task::MeshCheck(MeshCheckParams::default()),
        inputs: Inputs {
            scene: Some(Input::Blob(BlobHash::of(b"scene bytes"))),
            rays: None,
            ..Inputs::default()
        },
        priority: Default::default(),
        timeout_secs: None,
    }
}

fn result() -> JobResult {
    JobResult {
        protocol: PROTOCOL_VERSION,
        job_id: "01a220e1-faf6-761b-ac63-57d3e16e3c3c".into(),
        job_key: "5c689d023382a1c97262dc7d297010069021b55afdffcf74e16f79042eeeb9e0".into(),
        kernel_version: "mesh_check@2".into(),
        backend: BackendInfo {
            name: "cpu".into(),
            device: "x86_64, 2 threads".into(),
        },
        timings: Timings {
            scene: None,
            queue_secs: 0.002,
            prepare_secs: 0.0001,
            compute_secs: 0.0003,
        },
        cached: false,
        output: Output::MeshCheck(MeshCheckReport {
            meshes: vec![MeshReport {
                index: 0,
                id: Some("tetra".into()),
                vertex_count: 4,
                face_count: 4,
                triangle_count: 4,
                edge_count: 6,
                bounding_box: Some(BoundingBox {
                    min: [0.0; 3],
                    max: [1.0; 3],
                }),
                area: 1.5 + 3f64.sqrt() / 2.0,
                volume: Some(1.0 / 6.0),
                is_closed: true,
                is_oriented: true,
                is_manifold: true,
                components: 1,
                coincident_vertex_groups: vec![vec![1, 5]],
                coincident_vertex_group_count: 1,
                ..MeshReport::default()
            }],
        }),
    }
}

fn error() -> ErrorBody {
    ErrorBody {
        error: ErrorInfo {
            code: "invalid_job".into(),
            message: "/inputs/scene/inline/meshes/3/faces/17: vertex index 912 out of range (mesh has 900 vertices)".into(),
            problems: vec![Problem {
                path: "/inputs/scene/inline/meshes/3/faces/17".into(),
                message: "vertex index 912 out of range (mesh has 900 vertices)".into(),
            }],
        },
    }
}

fn check<T>(name: &str, value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let dir = root().join("tests/golden");
    let msgpack = encode(value, Format::MsgPack).unwrap();
    let json = codec::encode_pretty_json(value).unwrap();
    let (mp_path, json_path) = (
        dir.join(format!("{name}.msgpack")),
        dir.join(format!("{name}.json")),
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&mp_path, &msgpack).unwrap();
        std::fs::write(&json_path, &json).unwrap();
    }
    let mp_file = std::fs::read(&mp_path)
        .unwrap_or_else(|_| panic!("{} missing; UPDATE_GOLDEN=1 writes it", mp_path.display()));
    let json_file = std::fs::read(&json_path).unwrap();
    assert_eq!(
        &decode::<T>(&mp_file, Format::MsgPack).unwrap(),
        value,
        "{name}.msgpack decodes to another value"
    );
    assert_eq!(
        &decode::<T>(&json_file, Format::Json).unwrap(),
        value,
        "{name}.json decodes to another value"
    );
    assert!(
        mp_file == msgpack,
        "{name}.msgpack: the encoding changed (UPDATE_GOLDEN=1 after a deliberate change)"
    );
    assert!(
        json_file == json,
        "{name}.json: the encoding changed (UPDATE_GOLDEN=1 after a deliberate change)"
    );
}

#[test]
fn wire_format_matches_the_golden_files() {
    check("job_every_geometry", &every_geometry_job());
    check("job_blob_input", &blob_job());
    check("result_mesh_check", &result());
    check("error_invalid_job", &error());
}

#[test]
fn checked_in_json_schema_is_current() {
    let path = root().join("docs/schema/job.schema.json");
    let mut text = serde_json::to_string_pretty(&job_schema()).unwrap();
    text.push('\n');
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "docs/schema/job.schema.json is stale: run UPDATE_GOLDEN=1 cargo test -p cicada-e2e --test golden"
    );
}

#[test]
fn packed_arrays_are_little_endian_bytes_in_the_golden_msgpack() {
    // The survey point's x = 500000.125 is a map field; the tetrahedron's vertices are one bin:
    // 0xc4 (bin 8), length 96 = 4 vertices * 3 * 8 bytes, then x0 y0 z0 = 0.0 ...
    let bytes = std::fs::read(root().join("tests/golden/job_every_geometry.msgpack")).unwrap();
    let header = [0xc4u8, 96];
    let at = bytes
        .windows(2)
        .position(|w| w == header)
        .expect("a 96-byte bin");
    let second_x = f64::from_le_bytes(bytes[at + 2 + 24..at + 2 + 32].try_into().unwrap());
    assert_eq!(second_x, 1.0);
}

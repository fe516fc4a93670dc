//! Validation cases, one helper: each case edits a valid job and names the problems it must
//! produce (path and a piece of the message), in order.

use cicada_protocol::*;

fn valid_job() -> Job {
    let mut scene = Scene::new(Units::Millimeters, 0.01);
    scene.meshes.push(Mesh {
        vertices: Packed(vec![
            [0.0; 3],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [1.0, 1.0, 0.0],
        ]),
        faces: Packed(vec![Face::triangle(0, 1, 2), Face::quad(0, 1, 3, 2)]),
        ..Mesh::default()
    });
    scene.curves.push(NurbsCurve {
        degree: 2,
        points: Packed(vec![[0.0; 3], [1.0, 1.0, 0.0], [2.0, 0.0, 0.0]]),
        weights: Some(Packed(vec![1.0, 0.707, 1.0])),
        knots: Packed(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
        ..NurbsCurve::default()
    });
    scene.surfaces.push(bilinear());
    scene.breps.push(Brep {
        faces: vec![BrepFace {
            surface: bilinear(),
            reversed: false,
            loops: vec![TrimLoop {
                kind: LoopKind::Outer,
                trims: (0..4)
                    .map(|e| Trim {
                        curve: TrimCurve {
                            degree: 1,
                            points: Packed(vec![[0.0, 0.0], [1.0, 0.0]]),
                            weights: None,
                            knots: Packed(vec![0.0, 0.0, 1.0, 1.0]),
                        },
                        edge: Some(e),
                        reversed: false,
                    })
                    .collect(),
            }],
        }],
        edges: vec![BrepEdge::default(); 4],
        ..Brep::default()
    });
    scene.polylines.push(Polyline {
        points: Packed(vec![[0.0; 3], [1.0, 0.0, 0.0]]),
        ..Polyline::default()
    });
    Job {
        protocol: PROTOCOL_VERSION,
        task: Task::MeshCheck(MeshCheckParams::default()),
        inputs: Inputs {
            scene: Some(Input::Inline(scene)),
            rays: None,
            ..Inputs::default()
        },
        priority: Default::default(),
        timeout_secs: None,
    }
}

fn bilinear() -> NurbsSurface {
    NurbsSurface {
        degree_u: 1,
        degree_v: 1,
        count_u: 2,
        count_v: 2,
        points: Packed(vec![
            [0.0; 3],
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
        ]),
        knots_u: Packed(vec![0.0, 0.0, 1.0, 1.0]),
        knots_v: Packed(vec![0.0, 0.0, 1.0, 1.0]),
        ..NurbsSurface::default()
    }
}

fn scene(job: &mut Job) -> &mut Scene {
    match &mut job.inputs.scene {
        Some(Input::Inline(s)) => s,
        _ => unreachable!(),
    }
}

/// Applies `edit` to the valid job and checks the problems against `expected`
/// (`(path, message fragment)` pairs, in order).
#[track_caller]
fn check(edit: impl FnOnce(&mut Job), expected: &[(&str, &str)]) {
    let mut job = valid_job();
    edit(&mut job);
    let problems = validate_job(&job, &Limits::default());
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), expected.len(), "problems: {got:#?}");
    for (p, (path, fragment)) in problems.iter().zip(expected) {
        assert_eq!(&p.path, path, "problems: {got:#?}");
        assert!(
            p.message.contains(fragment),
            "{:?} lacks {fragment:?}",
            p.message
        );
    }
}

#[test]
fn the_valid_job_is_valid() {
    check(|_| {}, &[]);
}

#[test]
fn mesh_problems() {
    check(
        |j| scene(j).meshes[0].faces.0[1] = Face::quad(0, 1, 9, 2),
        &[(
            "/inputs/scene/inline/meshes/0/faces/1",
            "vertex index 9 out of range (mesh has 4 vertices)",
        )],
    );
    check(
        |j| scene(j).meshes[0].vertices.0[3][2] = f64::NEG_INFINITY,
        &[("/inputs/scene/inline/meshes/0/vertices/3", "z is -inf")],
    );
    check(
        |j| scene(j).meshes[0].normals = Some(Packed(vec![[0.0, 0.0, 1.0]])),
        &[(
            "/inputs/scene/inline/meshes/0/normals",
            "1 normals for 4 vertices",
        )],
    );
    check(
        |j| scene(j).meshes[0].colors = Some(Packed(vec![[255, 0, 0, 255]; 5])),
        &[(
            "/inputs/scene/inline/meshes/0/colors",
            "5 colours for 4 vertices",
        )],
    );
}

#[test]
fn curve_problems() {
    fn c(j: &mut Job) -> &mut NurbsCurve {
        &mut scene(j).curves[0]
    }
    check(
        |j| c(j).degree = 0,
        &[("/inputs/scene/inline/curves/0/degree", "at least 1")],
    );
    check(
        |j| c(j).degree = 3,
        &[(
            "/inputs/scene/inline/curves/0",
            "3 control points are too few for degree 3",
        )],
    );
    check(
        |j| c(j).knots.0 = vec![0.0, 0.0, 1.0, 1.0],
        &[(
            "/inputs/scene/inline/curves/0/knots",
            "this looks like Rhino's convention",
        )],
    );
    check(
        |j| c(j).knots.0[3] = -1.0,
        &[(
            "/inputs/scene/inline/curves/0/knots/3",
            "knots must not decrease",
        )],
    );
    check(
        |j| c(j).knots.0 = vec![0.0; 6],
        &[("/inputs/scene/inline/curves/0/knots", "empty domain")],
    );
    check(
        |j| c(j).weights = Some(Packed(vec![1.0, 0.0, 1.0])),
        &[(
            "/inputs/scene/inline/curves/0/weights/1",
            "weight 0 must be positive",
        )],
    );
    check(
        |j| c(j).weights = Some(Packed(vec![1.0])),
        &[(
            "/inputs/scene/inline/curves/0/weights",
            "1 weights for 3 control points",
        )],
    );
    // A knot repeated p times in a degree-p curve is a kink (C0), which is allowed...
    check(
        |j| {
            let c = c(j);
            c.points.0 = vec![
                [0.0; 3],
                [1.0, 1.0, 0.0],
                [2.0, 0.0, 0.0],
                [3.0, 1.0, 0.0],
                [4.0, 0.0, 0.0],
            ];
            c.weights = None;
            c.knots.0 = vec![0.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.0];
        },
        &[],
    );
    // ...but p + 1 times splits the curve into two pieces.
    check(
        |j| {
            let c = c(j);
            c.degree = 1;
            c.points.0 = vec![[0.0; 3], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [3.0, 0.0, 0.0]];
            c.weights = None;
            c.knots.0 = vec![0.0, 0.0, 0.5, 0.5, 1.0, 1.0];
        },
        &[(
            "/inputs/scene/inline/curves/0/knots/2",
            "interior knot 0.5 repeated 2 times; at most 1",
        )],
    );
}

#[test]
fn surface_and_brep_problems() {
    check(
        |j| scene(j).surfaces[0].count_v = 3,
        &[(
            "/inputs/scene/inline/surfaces/0/points",
            "count_u * count_v = 2 * 3 = 6",
        )],
    );
    check(
        |j| scene(j).surfaces[0].degree_v = 0,
        &[("/inputs/scene/inline/surfaces/0/degree_v", "at least 1")],
    );
    check(
        |j| {
            scene(j).surfaces[0].knots_u.0.pop();
        },
        &[(
            "/inputs/scene/inline/surfaces/0/knots_u",
            "3 knots for 2 control points of degree 1",
        )],
    );
    check(
        |j| scene(j).breps[0].faces[0].loops[0].trims[2].edge = Some(7),
        &[
            (
                "/inputs/scene/inline/breps/0/faces/0/loops/0/trims/2/edge",
                "edge index 7 out of range (Brep has 4 edges)",
            ),
            (
                "/inputs/scene/inline/breps/0/edges/2",
                "no trim uses this edge",
            ),
        ],
    );
    check(
        |j| scene(j).breps[0].faces[0].loops[0].kind = LoopKind::Inner,
        &[(
            "/inputs/scene/inline/breps/0/faces/0/loops",
            "exactly one outer loop, found 0",
        )],
    );
}

#[test]
fn scene_and_envelope_problems() {
    check(
        |j| scene(j).tolerance = 0.0,
        &[("/inputs/scene/inline/tolerance", "positive distance")],
    );
    check(
        |j| {
            scene(j).polylines[0].points.0.pop();
        },
        &[(
            "/inputs/scene/inline/polylines/0/points",
            "at least 2 points",
        )],
    );
    check(
        |j| {
            scene(j).lines.push(Line {
                from: [0.0, f64::NAN, 0.0],
                ..Line::default()
            })
        },
        &[("/inputs/scene/inline/lines/0/from", "y is NaN")],
    );
    check(
        |j| j.protocol = 0,
        &[("/protocol", "unsupported protocol version 0")],
    );
    check(
        |j| j.inputs.scene = None,
        &[("/inputs/scene", "needs a scene input")],
    );
}

#[test]
fn limits_are_enforced_and_long_reports_are_capped() {
    let mut job = valid_job();
    scene(&mut job).meshes[0].faces.0 = vec![Face::triangle(0, 1, 99); 500];
    let limits = Limits {
        max_mesh_faces: 100,
        max_problems: 10,
        ..Limits::default()
    };
    let problems = validate_job(&job, &limits);
    assert_eq!(problems.len(), 11);
    assert_eq!(problems[0].message, "500 faces exceed the limit of 100");
    assert_eq!(problems[10].message, "491 more problems not listed");
}

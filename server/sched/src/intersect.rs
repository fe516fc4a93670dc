//! Running `intersect` jobs: the scene's objects as shapes (NURBS surfaces kept exact
//! beside their meshes, Breps as exact trimmed faces beside their tessellation, NURBS
//! curves, meshes), the listed pairs by id, the kernel of `cicada_compute::intersect`,
//! and the report.

use cicada_compute::Progress;
use cicada_compute::intersect::{PairIntersection, Shape, intersect as run};
use cicada_geom::Point3;
use cicada_geom::brep_intersection::Face;
use cicada_geom::nurbs::NurbsCurve;
use cicada_protocol::intersection as wire;
use cicada_protocol::{Packed, Problem, Scene};

use crate::execute::JobError;
use crate::lower;
use crate::scene_objects::scene_meshes;

/// Where an object is in the scene and its id.
struct Label {
    source: String,
    id: Option<String>,
}

fn invalid(path: impl Into<String>, message: impl ToString) -> JobError {
    JobError::Invalid(vec![Problem {
        path: path.into(),
        message: message.to_string(),
    }])
}

/// The ids of `params.pairs` that name no object of `scene`, as problems to refuse the job
/// with before it is queued.
pub fn pair_problems(params: &wire::IntersectParams, scene: &Scene) -> Vec<Problem> {
    let known = |id: &str| {
        let is = |x: &Option<String>| x.as_deref() == Some(id);
        scene.meshes.iter().any(|m| is(&m.id))
            || scene.surfaces.iter().any(|s| is(&s.id))
            || scene.breps.iter().any(|b| is(&b.id))
            || scene.curves.iter().any(|c| is(&c.id))
    };
    let mut out = Vec::new();
    for (k, pair) in params.pairs.iter().flatten().enumerate() {
        for (side, id) in pair.iter().enumerate() {
            if !known(id) {
                out.push(Problem {
                    path: format!("/params/pairs/{k}/{side}"),
                    message: format!("no mesh, surface, Brep or curve of the scene has id {id}"),
                });
            }
        }
    }
    out
}

/// Intersects the pairs of `scene` that `params` asks for.
pub fn intersect(
    scene: &Scene,
    params: &wire::IntersectParams,
    progress: &dyn Progress,
) -> Result<wire::IntersectReport, JobError> {
    let tolerance = params.tolerance.unwrap_or(scene.tolerance);
    let (labels, shapes) = objects(scene, params, tolerance, progress)?;
    let pairs = params.pairs.as_ref().map(|listed| {
        let find = |id: &str| {
            labels
                .iter()
                .position(|o| o.id.as_deref() == Some(id))
                .map(|k| k as u32)
        };
        listed
            .iter()
            .filter_map(|[x, y]| Some((find(x)?, find(y)?)))
            .collect()
    });
    let fit = params.fit_curves == Some(true);
    let (found, tested) = run(&shapes, pairs, tolerance, fit, progress)?;
    Ok(wire::IntersectReport {
        pairs: found.iter().map(|p| report(p, &labels)).collect(),
        pairs_tested: tested as u64,
    })
}

/// The scene's objects: meshes and Breps through `scene_meshes` (Breps' trims sampled to
/// `tolerance`), the surfaces (exact), then the curves.
fn objects(
    scene: &Scene,
    params: &wire::IntersectParams,
    tolerance: f64,
    progress: &dyn Progress,
) -> Result<(Vec<Label>, Vec<Shape>), JobError> {
    let at = "/inputs/scene";
    // Meshes as they are; Breps as their trimmed faces (tessellated once here, which checks
    // their trims and bounds them); surfaces and curves exact.
    let meshed = scene_meshes(scene, at, None, params.chord_tolerance, false, progress)?;
    let (mut labels, mut shapes) = (Vec::new(), Vec::new());
    for o in meshed {
        let triangles: Vec<[Point3; 3]> = o.mesh.triangles().collect();
        labels.push(Label {
            source: format!("{at}/{}/{}", o.collection, o.index),
            id: o.id,
        });
        if o.collection == "breps" {
            // Already lowered once by `scene_meshes`, so this cannot fail here.
            let (faces, _) = lower::brep(&scene.breps[o.index])
                .map_err(|(path, e)| invalid(format!("{at}/breps/{}{path}", o.index), e))?;
            let faces = faces.iter().map(|f| Face::trimmed(f, tolerance)).collect();
            shapes.push(Shape::brep(faces, triangles));
        } else {
            shapes.push(Shape::triangles(triangles));
        }
    }
    for (i, s) in scene.surfaces.iter().enumerate() {
        let surface = lower::surface(s).map_err(|e| invalid(format!("{at}/surfaces/{i}"), e))?;
        labels.push(Label {
            source: format!("{at}/surfaces/{i}"),
            id: s.id.clone(),
        });
        shapes.push(Shape::surface(surface));
    }
    for (i, c) in scene.curves.iter().enumerate() {
        let points: Vec<Point3> = c.points.iter().map(|&p| Point3::from_array(p)).collect();
        let curve = NurbsCurve::new(
            c.degree as usize,
            &points,
            c.weights.as_deref(),
            c.knots.0.clone(),
        )
        .map_err(|e| invalid(format!("{at}/curves/{i}"), e))?;
        labels.push(Label {
            source: format!("{at}/curves/{i}"),
            id: c.id.clone(),
        });
        shapes.push(Shape::Curve(curve));
    }
    Ok((labels, shapes))
}

/// One pair on the wire.
fn report(p: &PairIntersection, labels: &[Label]) -> wire::IntersectPair {
    let (a, b) = (&labels[p.a as usize], &labels[p.b as usize]);
    wire::IntersectPair {
        a: a.source.clone(),
        b: b.source.clone(),
        a_id: a.id.clone(),
        b_id: b.id.clone(),
        method: if p.exact {
            wire::IntersectMethod::Nurbs
        } else {
            wire::IntersectMethod::Mesh
        },
        curves: p
            .curves
            .iter()
            .map(|c| wire::IntersectCurve {
                points: Packed(c.points.iter().map(|q| q.to_array()).collect()),
                closed: c.closed,
                uv_a: c.uv.0.clone().map(Packed),
                uv_b: c.uv.1.clone().map(Packed),
                faces_a: c.faces.0.clone(),
                faces_b: c.faces.1.clone(),
                fitted: c.fitted.as_ref().map(|f| cicada_protocol::NurbsCurve {
                    degree: f.degree() as u32,
                    points: Packed(f.control_points().iter().map(|q| q.to_array()).collect()),
                    weights: None,
                    knots: Packed(f.knots().to_vec()),
                    ..Default::default()
                }),
                tangent: c.tangent,
            })
            .collect(),
        points: p
            .points
            .iter()
            .map(|q| wire::IntersectPoint {
                point: q.point.to_array(),
                t: q.t,
                t_b: q.t_b,
                uv: q.uv,
                face: q.face,
                tangent: q.tangent,
            })
            .collect(),
        coplanar_triangle_pairs: p.coplanar,
        coplanar_area: (p.coplanar_area > 0.0).then_some(p.coplanar_area),
        overlap: p.overlap,
    }
}

//! The one place where wire types become domain types and kernel output becomes wire types.

use cicada_compute::mesh_check::{self, MeshCheck};
use cicada_compute::raycast::{self, RayHit};
use cicada_geom::nurbs::{NurbsCurve, NurbsError, NurbsSurface};
use cicada_geom::tessellate::{SurfaceMesh, TessellationOptions};
use cicada_geom::tessellate_brep::{BrepMesh, FaceLoop, FaceTrim, TrimmedFace};
use cicada_geom::{Aabb, Mesh, MeshError, Point3, Vector3};
use cicada_protocol as wire;

/// A wire mesh as a geometry mesh (indices are checked again: the kernel's invariant does
/// not rest on the caller having validated).
pub fn mesh(m: &wire::Mesh) -> Result<Mesh, MeshError> {
    Mesh::new(
        m.vertices.iter().map(|&p| Point3::from_array(p)).collect(),
        m.faces.iter().map(|f| f.0).collect(),
    )
}

/// Kernel parameters of a `mesh_check` job on `scene`.
pub fn mesh_check_params(p: &wire::MeshCheckParams, scene: &wire::Scene) -> mesh_check::Params {
    mesh_check::Params {
        tolerance: p.coincident_tolerance.unwrap_or(scene.tolerance),
        max_listed: p.max_listed.unwrap_or(100) as usize,
        self_intersections: p.self_intersections.unwrap_or(true),
    }
}

fn bbox(b: Aabb) -> wire::BoundingBox {
    wire::BoundingBox {
        min: b.min.to_array(),
        max: b.max.to_array(),
    }
}

/// The wire report of mesh `index` (with the caller's `id`).
pub fn mesh_report(index: usize, id: Option<String>, c: MeshCheck) -> wire::MeshReport {
    wire::MeshReport {
        index: index as u32,
        id,
        vertex_count: c.vertex_count as u64,
        face_count: c.face_count as u64,
        triangle_count: c.triangle_count as u64,
        quad_count: c.quad_count as u64,
        edge_count: c.edge_count as u64,
        bounding_box: c.bounding_box.map(bbox),
        area: c.area,
        volume: c.volume,
        is_closed: c.is_closed,
        is_oriented: c.is_oriented,
        is_manifold: c.is_manifold,
        components: c.components as u64,
        naked_edge_count: c.naked_edge_count as u64,
        naked_edges: c.naked_edges,
        non_manifold_edge_count: c.non_manifold_edge_count as u64,
        non_manifold_edges: c.non_manifold_edges,
        misoriented_edge_count: c.misoriented_edge_count as u64,
        degenerate_face_count: c.degenerate_face_count as u64,
        degenerate_faces: c.degenerate_faces.into_iter().map(|f| f as u64).collect(),
        coincident_vertex_group_count: c.coincident_vertex_group_count as u64,
        coincident_vertex_groups: c.coincident_vertex_groups,
        unused_vertex_count: c.unused_vertex_count as u64,
        self_intersecting_pair_count: c.self_intersecting_pair_count.map(|n| n as u64),
        self_intersecting_pairs: c.self_intersecting_pairs,
    }
}

/// Rays as (origin, direction) pairs.
pub fn rays(r: &wire::Rays) -> Vec<(Point3, Vector3)> {
    r.origins
        .iter()
        .zip(r.directions.iter())
        .map(|(&o, &d)| (Point3::from_array(o), Vector3::new(d[0], d[1], d[2])))
        .collect()
}

/// Kernel parameters of a `raycast` job.
pub fn raycast_params(p: &wire::RaycastParams) -> raycast::Params {
    raycast::Params {
        max_distance: p.max_distance.unwrap_or(f64::INFINITY),
        any_hit: p.mode == Some(wire::RaycastMode::Any),
    }
}

/// The wire report of per-ray hits.
pub fn raycast_report(hits: &[Option<RayHit>]) -> wire::RaycastReport {
    let mut report = wire::RaycastReport {
        hit_count: hits.iter().filter(|h| h.is_some()).count() as u64,
        ..wire::RaycastReport::default()
    };
    for hit in hits {
        let (d, m, f, n) = match hit {
            Some(h) => (
                h.distance,
                h.mesh as i32,
                h.face as i32,
                [h.normal.x, h.normal.y, h.normal.z],
            ),
            None => (-1.0, -1, -1, [0.0; 3]),
        };
        report.distance.0.push(d);
        report.mesh.0.push(m);
        report.face.0.push(f);
        report.normal.0.push(n);
    }
    report
}

/// A wire NURBS surface as a geometry surface.
pub fn surface(s: &wire::NurbsSurface) -> Result<NurbsSurface, NurbsError> {
    let points: Vec<Point3> = s.points.iter().map(|&p| Point3::from_array(p)).collect();
    NurbsSurface::new(
        (s.degree_u as usize, s.degree_v as usize),
        (s.count_u as usize, s.count_v as usize),
        &points,
        s.weights.as_deref(),
        s.knots_u.0.clone(),
        s.knots_v.0.clone(),
    )
}

/// Tessellation options of a `tessellate` job on `scene`.
pub fn tessellation_options(
    p: &wire::TessellateParams,
    scene: &wire::Scene,
) -> TessellationOptions {
    TessellationOptions {
        chord_tolerance: p.chord_tolerance.unwrap_or(10.0 * scene.tolerance),
        angle_tolerance: p.angle_tolerance_deg.unwrap_or(20.0).to_radians(),
        max_edge_length: p.max_edge_length,
        ..TessellationOptions::default()
    }
}

/// The wire entry of surface `index`'s mesh.
pub fn tessellated_surface(
    index: usize,
    id: Option<String>,
    m: SurfaceMesh,
) -> wire::TessellatedMesh {
    wire::TessellatedMesh {
        index: index as u32,
        id,
        mesh: wire::Mesh {
            vertices: wire::Packed(m.positions.iter().map(|p| p.to_array()).collect()),
            faces: wire::Packed(
                m.faces
                    .iter()
                    .map(|&[a, b, c, d]| wire::Face::quad(a, b, c, d))
                    .collect(),
            ),
            normals: Some(wire::Packed(
                m.normals.iter().map(|n| [n.x, n.y, n.z]).collect(),
            )),
            ..wire::Mesh::default()
        },
        max_deviation: m.max_deviation,
        converged: m.converged,
    }
}

/// A wire trim curve as a geometry curve in (u, v, 0).
fn trim_curve(c: &wire::TrimCurve) -> Result<NurbsCurve, NurbsError> {
    let points: Vec<Point3> = c
        .points
        .iter()
        .map(|&[u, v]| Point3::new(u, v, 0.0))
        .collect();
    NurbsCurve::new(
        c.degree as usize,
        &points,
        c.weights.as_deref(),
        c.knots.0.clone(),
    )
}

/// A wire Brep as trimmed faces plus its edge count; an error carries the offending field's
/// path below the Brep.
pub fn brep(b: &wire::Brep) -> Result<(Vec<TrimmedFace>, usize), (String, NurbsError)> {
    let mut faces = Vec::with_capacity(b.faces.len());
    for (f, face) in b.faces.iter().enumerate() {
        let surface_ = surface(&face.surface).map_err(|e| (format!("/faces/{f}/surface"), e))?;
        // The outer loop first, as the tessellator expects.
        let mut order: Vec<usize> = (0..face.loops.len()).collect();
        order.sort_by_key(|&l| face.loops[l].kind != wire::LoopKind::Outer);
        let mut loops = Vec::with_capacity(order.len());
        for l in order {
            let mut trims = Vec::new();
            for (t, trim) in face.loops[l].trims.iter().enumerate() {
                let curve = trim_curve(&trim.curve)
                    .map_err(|e| (format!("/faces/{f}/loops/{l}/trims/{t}/curve"), e))?;
                trims.push(FaceTrim {
                    curve,
                    edge: trim.edge.map(|e| e as usize),
                });
            }
            loops.push(FaceLoop { trims });
        }
        faces.push(TrimmedFace {
            surface: surface_,
            reversed: face.reversed,
            loops,
        });
    }
    Ok((faces, b.edges.len()))
}

/// The wire entry of Brep `index`'s mesh.
pub fn tessellated_brep(index: usize, id: Option<String>, m: BrepMesh) -> wire::TessellatedMesh {
    wire::TessellatedMesh {
        index: index as u32,
        id,
        mesh: wire::Mesh {
            vertices: wire::Packed(m.positions.iter().map(|p| p.to_array()).collect()),
            faces: wire::Packed(
                m.triangles
                    .iter()
                    .map(|&[a, b, c]| wire::Face::triangle(a, b, c))
                    .collect(),
            ),
            ..wire::Mesh::default()
        },
        max_deviation: m.max_deviation,
        converged: m.converged,
    }
}

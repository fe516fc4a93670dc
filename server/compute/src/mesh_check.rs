//! `mesh_check`: counts, bounds, area, volume and topology defects of meshes.
//!
//! Topology comes from the undirected edge table: an edge with one face is naked, with three
//! or more non-manifold, and an edge whose two faces walk it the same way marks a flipped
//! face. A mesh is closed when every edge has exactly two faces, and only a closed,
//! consistently oriented mesh gets a volume. Coincident vertices are found within a distance
//! tolerance (Rhino's "weld" question); they do not join faces here, because the index
//! structure is what downstream tools see. Self-intersections are pairs of faces that meet
//! other than in what they share (CGAL's semantics, decided exactly; see
//! `cicada_geom::mesh::self_intersections`).

use std::sync::atomic::{AtomicUsize, Ordering};

use cicada_geom::mesh::{
    EdgeTable, coincident_vertex_groups, face_area, self_intersections_until, signed_volume,
};
use cicada_geom::{Aabb, Mesh, disjoint_set::DisjointSet};
use rayon::prelude::*;

use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel; bump it when its output changes for the same input.
pub const KERNEL_VERSION: &str = "mesh_check@2";

/// What to check and how much to list.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Distance in model units under which vertices coincide and faces are degenerate.
    pub tolerance: f64,
    /// Most items listed per category; counts are always complete.
    pub max_listed: usize,
    /// Whether to look for faces that cross or touch each other.
    pub self_intersections: bool,
}

/// The findings for one mesh; see the wire type `MeshReport` for field meanings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshCheck {
    /// Number of vertices.
    pub vertex_count: usize,
    /// Number of faces.
    pub face_count: usize,
    /// Number of triangles.
    pub triangle_count: usize,
    /// Number of quads.
    pub quad_count: usize,
    /// Number of distinct undirected edges.
    pub edge_count: usize,
    /// Bounds of the used vertices; `None` without faces.
    pub bounding_box: Option<Aabb>,
    /// Total area.
    pub area: f64,
    /// Signed volume, for closed and oriented meshes.
    pub volume: Option<f64>,
    /// Every edge has exactly two faces.
    pub is_closed: bool,
    /// No two faces walk a shared edge the same way.
    pub is_oriented: bool,
    /// No edge has more than two faces.
    pub is_manifold: bool,
    /// Connected pieces through shared edges.
    pub components: usize,
    /// Edges with one face.
    pub naked_edge_count: usize,
    /// Some naked edges.
    pub naked_edges: Vec<[u32; 2]>,
    /// Edges with three or more faces.
    pub non_manifold_edge_count: usize,
    /// Some non-manifold edges.
    pub non_manifold_edges: Vec<[u32; 2]>,
    /// Two-face edges walked the same way by both faces.
    pub misoriented_edge_count: usize,
    /// Faces with a repeated vertex or a height under the tolerance.
    pub degenerate_face_count: usize,
    /// Some degenerate faces.
    pub degenerate_faces: Vec<usize>,
    /// Groups of distinct vertices within the tolerance.
    pub coincident_vertex_group_count: usize,
    /// Some of those groups.
    pub coincident_vertex_groups: Vec<Vec<u32>>,
    /// Vertices no face uses.
    pub unused_vertex_count: usize,
    /// Pairs of faces that meet other than in what they share; `None` when not checked.
    pub self_intersecting_pair_count: Option<usize>,
    /// Some of those pairs, as face indices.
    pub self_intersecting_pairs: Vec<[u32; 2]>,
}

/// Checks every mesh, in parallel across meshes; reports progress per mesh finished.
pub fn mesh_check(
    meshes: &[Mesh],
    params: &Params,
    progress: &dyn Progress,
) -> Result<Vec<MeshCheck>, Cancelled> {
    let done = AtomicUsize::new(0);
    let total = meshes.len().max(1) as f32;
    meshes
        .par_iter()
        .map(|mesh| {
            progress.check()?;
            let report = check_mesh(mesh, params, progress)?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.report(n as f32 / total, "checking meshes");
            Ok(report)
        })
        .collect()
}

/// Checks one mesh.
pub fn check_mesh(
    mesh: &Mesh,
    params: &Params,
    progress: &dyn Progress,
) -> Result<MeshCheck, Cancelled> {
    let faces = mesh.faces();
    let mut out = MeshCheck {
        vertex_count: mesh.positions().len(),
        face_count: faces.len(),
        triangle_count: faces.iter().filter(|f| f[2] == f[3]).count(),
        ..MeshCheck::default()
    };
    out.quad_count = out.face_count - out.triangle_count;

    let ((edges, groups), crossing) = rayon::join(
        || {
            rayon::join(
                || EdgeTable::new(mesh),
                || coincident_vertex_groups(mesh.positions(), params.tolerance),
            )
        },
        // The longest part of a large mesh's check: it stops when the job is cancelled.
        || {
            params
                .self_intersections
                .then(|| self_intersections_until(mesh, &|| progress.is_cancelled()))
        },
    );
    progress.check()?;
    let crossing = crossing.map(|pairs| pairs.ok_or(Cancelled)).transpose()?;

    out.edge_count = edges.len();
    let mut pieces = DisjointSet::new(faces.len());
    for (edge, uses) in edges.iter() {
        match uses.len() {
            1 => {
                out.naked_edge_count += 1;
                if out.naked_edges.len() < params.max_listed {
                    out.naked_edges.push(edge);
                }
            }
            2 if uses[0].forward == uses[1].forward => out.misoriented_edge_count += 1,
            2 => {}
            _ => {
                out.non_manifold_edge_count += 1;
                if out.non_manifold_edges.len() < params.max_listed {
                    out.non_manifold_edges.push(edge);
                }
            }
        }
        for pair in uses.windows(2) {
            pieces.union(pair[0].face, pair[1].face);
        }
    }
    out.components = (0..faces.len() as u32)
        .filter(|&f| pieces.find(f) == f)
        .count();
    out.is_manifold = out.non_manifold_edge_count == 0;
    out.is_oriented = out.misoriented_edge_count == 0;
    out.is_closed = !faces.is_empty() && out.naked_edge_count == 0 && out.is_manifold;

    for f in 0..faces.len() {
        let area = face_area(mesh, f);
        out.area += area;
        if is_degenerate(mesh, f, area, params.tolerance) {
            out.degenerate_face_count += 1;
            if out.degenerate_faces.len() < params.max_listed {
                out.degenerate_faces.push(f);
            }
        }
    }
    progress.check()?;

    let bbox = mesh.bounding_box();
    out.bounding_box = (!bbox.is_empty()).then_some(bbox);
    if out.is_closed && out.is_oriented {
        out.volume = Some(signed_volume(mesh));
    }
    out.coincident_vertex_group_count = groups.len();
    out.coincident_vertex_groups = groups.into_iter().take(params.max_listed).collect();
    out.unused_vertex_count = mesh.used_vertices().iter().filter(|u| !**u).count();
    if let Some(pairs) = crossing {
        out.self_intersecting_pair_count = Some(pairs.len());
        out.self_intersecting_pairs = pairs
            .into_iter()
            .take(params.max_listed)
            .map(|(f, g)| [f, g])
            .collect();
    }
    Ok(out)
}

/// A face is degenerate when a corner repeats, or when it is thinner than the tolerance:
/// its height over its longest edge (2·area / longest edge) is below it.
fn is_degenerate(mesh: &Mesh, f: usize, area: f64, tolerance: f64) -> bool {
    let c = mesh.corners(f);
    let repeated = (0..c.len()).any(|i| c[i + 1..].contains(&c[i]));
    if repeated {
        return true;
    }
    let p: Vec<_> = mesh.corner_points(f).collect();
    let longest = (0..p.len())
        .map(|i| p[i].distance(p[(i + 1) % p.len()]))
        .fold(0.0, f64::max);
    if longest == 0.0 {
        return true;
    }
    2.0 * area / longest < tolerance || area == 0.0
}

#[cfg(test)]
mod tests;

//! One object of a clash test, prepared once for every pair it is in.

use std::collections::HashSet;

use cicada_geom::bvh::Bvh;
use cicada_geom::mesh::{EdgeTable, signed_volume};
use cicada_geom::{Aabb, Mesh, Point3, Vector3};

/// Most distinct face normals an object contributes to the separating-axis estimate of
/// penetration; an object with more uses a fixed spread of directions instead.
const MAX_FACE_AXES: usize = 512;
/// Most distinct edge directions kept for edge × edge axes (whether they are used depends
/// on the pair's cost, see `depth`).
const MAX_EDGE_DIRECTIONS: usize = 512;

/// A mesh ready for clash tests.
#[derive(Debug)]
pub struct ClashObject {
    pub(crate) triangles: Vec<[Point3; 3]>,
    pub(crate) bvh: Bvh,
    pub(crate) bounds: Aabb,
    pub(crate) closed: bool,
    /// +1 when the closed mesh's normals point outwards, -1 when inwards (0 when open).
    pub(crate) outward: f64,
    pub(crate) deviation: f64,
    /// The vertices its faces use.
    pub(crate) vertices: Vec<Point3>,
    /// Distinct unit face normals, up to sign; `None` when there are too many.
    pub(crate) face_axes: Option<Vec<Vector3>>,
    /// Distinct unit edge directions, up to sign; `None` when there are too many.
    pub(crate) edge_directions: Option<Vec<Vector3>>,
}

impl ClashObject {
    /// Prepares `mesh` (quads split along their a–c diagonal), whose surface lies within
    /// `deviation` of the object it stands for (0 for a mesh; the tessellation's measured
    /// deviation for a NURBS surface or Brep).
    pub fn from_mesh(mesh: &Mesh, deviation: f64) -> ClashObject {
        let p = mesh.positions();
        let mut triangles = Vec::with_capacity(mesh.faces().len() * 2);
        for face in mesh.faces() {
            let [a, b, c, d] = face.map(|i| p[i as usize]);
            triangles.push([a, b, c]);
            if face[2] != face[3] {
                triangles.push([a, c, d]);
            }
        }
        let edges = EdgeTable::new(mesh);
        // Closed: every edge has exactly two faces walking it in opposite directions.
        let closed = !edges.is_empty()
            && edges
                .iter()
                .all(|(_, uses)| uses.len() == 2 && uses[0].forward != uses[1].forward);
        let used = mesh.used_vertices();
        let vertices: Vec<Point3> = p
            .iter()
            .zip(&used)
            .filter(|&(_, &u)| u)
            .map(|(&q, _)| q)
            .collect();
        let face_axes = distinct_directions(
            triangles.iter().map(|t| (t[1] - t[0]).cross(t[2] - t[0])),
            MAX_FACE_AXES,
        );
        let edge_directions = distinct_directions(
            edges
                .iter()
                .map(|([i, j], _)| p[j as usize] - p[i as usize]),
            MAX_EDGE_DIRECTIONS,
        );
        let outward = if closed {
            signed_volume(mesh).signum()
        } else {
            0.0
        };
        ClashObject {
            bvh: Bvh::new(&triangles),
            outward,
            bounds: vertices.iter().copied().collect(),
            triangles,
            closed,
            deviation,
            vertices,
            face_axes,
            edge_directions,
        }
    }

    /// Bounds of the object's vertices.
    pub fn bounds(&self) -> Aabb {
        self.bounds
    }

    /// True when the mesh is closed and consistently oriented (a solid).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// How far the mesh may lie from the object it stands for.
    pub fn deviation(&self) -> f64 {
        self.deviation
    }
}

/// The distinct directions (unit, sign-normalised, equal when within about 1e-9) of
/// `vectors`, ignoring zero ones; `None` when there are more than `max`.
fn distinct_directions(vectors: impl Iterator<Item = Vector3>, max: usize) -> Option<Vec<Vector3>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for v in vectors {
        let len = v.length();
        if len <= f64::MIN_POSITIVE || !len.is_finite() {
            continue;
        }
        let mut u = v * (1.0 / len);
        let first = if u.x != 0.0 {
            u.x
        } else if u.y != 0.0 {
            u.y
        } else {
            u.z
        };
        if first < 0.0 {
            u = u * -1.0;
        }
        let key = [u.x, u.y, u.z].map(|c| (c * 1e9).round() as i64);
        if seen.insert(key) {
            out.push(u);
            if out.len() > max {
                return None;
            }
        }
    }
    Some(out)
}

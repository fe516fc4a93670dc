//! Polygon meshes of triangles and quads, and what can be measured of them.

mod coincident;
mod edges;
mod measure;
pub mod repair;
mod self_intersection;

pub use coincident::coincident_vertex_groups;
pub use edges::{EdgeTable, EdgeUse};
pub use measure::{face_area, signed_volume};
pub use self_intersection::{self_intersections, self_intersections_until};

use crate::bbox::Aabb;
use crate::vec3::Point3;

/// A mesh of triangles and quads whose face indices are all in range.
///
/// A face is four vertex indices; a triangle repeats its last index (`[a, b, c, c]`), as in
/// Rhino. Corners run counter-clockwise seen from the front.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mesh {
    positions: Vec<Point3>,
    faces: Vec<[u32; 4]>,
}

/// Why a mesh could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MeshError {
    /// A face names a vertex that does not exist.
    #[error("face {face}: vertex index {index} out of range (mesh has {vertices} vertices)")]
    IndexOutOfRange {
        /// The face.
        face: usize,
        /// The offending index.
        index: u32,
        /// Number of vertices.
        vertices: usize,
    },
    /// More vertices than a u32 index can address.
    #[error("{0} vertices exceed the 2^32 a mesh can index")]
    TooManyVertices(usize),
}

impl Mesh {
    /// A mesh from positions and faces, checking every index.
    pub fn new(positions: Vec<Point3>, faces: Vec<[u32; 4]>) -> Result<Mesh, MeshError> {
        if u32::try_from(positions.len()).is_err() {
            return Err(MeshError::TooManyVertices(positions.len()));
        }
        let n = positions.len();
        for (face, f) in faces.iter().enumerate() {
            if let Some(&index) = f.iter().find(|&&i| i as usize >= n) {
                return Err(MeshError::IndexOutOfRange {
                    face,
                    index,
                    vertices: n,
                });
            }
        }
        Ok(Mesh { positions, faces })
    }

    /// The closed box with corners `min` and `max` as six outward quads; vertex `i` has x
    /// from bit 0 of `i` (0: min, 1: max), y from bit 1, z from bit 2. Massing blocks and
    /// bounds are drawn with it.
    pub fn axis_aligned_box(min: Point3, max: Point3) -> Mesh {
        let pick = |bit: usize, i: usize, lo: f64, hi: f64| if i >> bit & 1 == 0 { lo } else { hi };
        let positions = (0..8)
            .map(|i| {
                Point3::new(
                    pick(0, i, min.x, max.x),
                    pick(1, i, min.y, max.y),
                    pick(2, i, min.z, max.z),
                )
            })
            .collect();
        let faces = vec![
            [0, 2, 3, 1],
            [4, 5, 7, 6],
            [0, 1, 5, 4],
            [2, 6, 7, 3],
            [0, 4, 6, 2],
            [1, 3, 7, 5],
        ];
        Mesh { positions, faces }
    }

    /// A closed, outward sphere of `radius` about `centre`: the icosahedron with each
    /// triangle split in four `levels` times, every vertex on the sphere (so the mesh lies
    /// inside it). Test scenes and markers are drawn with it.
    pub fn icosphere(centre: Point3, radius: f64, levels: u32) -> Mesh {
        let t = (1.0 + 5f64.sqrt()) / 2.0;
        let unit = |p: [f64; 3]| {
            let l = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
            p.map(|c| c / l)
        };
        let mut v: Vec<[f64; 3]> = [
            [-1.0, t, 0.0],
            [1.0, t, 0.0],
            [-1.0, -t, 0.0],
            [1.0, -t, 0.0],
            [0.0, -1.0, t],
            [0.0, 1.0, t],
            [0.0, -1.0, -t],
            [0.0, 1.0, -t],
            [t, 0.0, -1.0],
            [t, 0.0, 1.0],
            [-t, 0.0, -1.0],
            [-t, 0.0, 1.0],
        ]
        .into_iter()
        .map(unit)
        .collect();
        let mut f: Vec<[u32; 3]> = vec![
            [0, 11, 5],
            [0, 5, 1],
            [0, 1, 7],
            [0, 7, 10],
            [0, 10, 11],
            [1, 5, 9],
            [5, 11, 4],
            [11, 10, 2],
            [10, 7, 6],
            [7, 1, 8],
            [3, 9, 4],
            [3, 4, 2],
            [3, 2, 6],
            [3, 6, 8],
            [3, 8, 9],
            [4, 9, 5],
            [2, 4, 11],
            [6, 2, 10],
            [8, 6, 7],
            [9, 8, 1],
        ];
        for _ in 0..levels {
            let mut middle = std::collections::HashMap::new();
            let mut next = Vec::with_capacity(f.len() * 4);
            for [a, b, c] in f {
                let mut mid = |i: u32, j: u32| {
                    *middle.entry((i.min(j), i.max(j))).or_insert_with(|| {
                        let (p, q) = (v[i as usize], v[j as usize]);
                        v.push(unit([p[0] + q[0], p[1] + q[1], p[2] + q[2]]));
                        (v.len() - 1) as u32
                    })
                };
                let (ab, bc, ca) = (mid(a, b), mid(b, c), mid(c, a));
                next.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
            }
            f = next;
        }
        Mesh {
            positions: v
                .iter()
                .map(|p| {
                    Point3::new(
                        centre.x + radius * p[0],
                        centre.y + radius * p[1],
                        centre.z + radius * p[2],
                    )
                })
                .collect(),
            faces: f.into_iter().map(|[a, b, c]| [a, b, c, c]).collect(),
        }
    }

    /// The faces as triangles, in face order: a triangle as it is, a quad split along its
    /// a–c diagonal (the split every kernel uses).
    pub fn triangles(&self) -> impl Iterator<Item = [Point3; 3]> + '_ {
        self.faces.iter().flat_map(|f| {
            let [a, b, c, d] = f.map(|i| self.positions[i as usize]);
            let second = (f[2] != f[3]).then_some([a, c, d]);
            std::iter::once([a, b, c]).chain(second)
        })
    }

    /// Vertex positions.
    pub fn positions(&self) -> &[Point3] {
        &self.positions
    }

    /// Faces as four indices, triangles with the last two equal.
    pub fn faces(&self) -> &[[u32; 4]] {
        &self.faces
    }

    /// The distinct corner indices of face `f` in order (three or four).
    pub fn corners(&self, f: usize) -> &[u32] {
        let face = &self.faces[f];
        if face[2] == face[3] {
            &face[..3]
        } else {
            &face[..]
        }
    }

    /// The corner positions of face `f`.
    pub fn corner_points(&self, f: usize) -> impl Iterator<Item = Point3> + '_ {
        self.corners(f).iter().map(|&i| self.positions[i as usize])
    }

    /// Bounds of the vertices that faces use; empty when there are no faces.
    pub fn bounding_box(&self) -> Aabb {
        let used = self.used_vertices();
        self.positions
            .iter()
            .zip(&used)
            .filter(|(_, u)| **u)
            .map(|(p, _)| *p)
            .collect()
    }

    /// For each vertex, whether a face uses it.
    pub fn used_vertices(&self) -> Vec<bool> {
        let mut used = vec![false; self.positions.len()];
        for f in &self.faces {
            for &i in f {
                used[i as usize] = true;
            }
        }
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_index_is_an_error() {
        let err = Mesh::new(vec![Point3::default(); 3], vec![[0, 1, 3, 3]]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "face 0: vertex index 3 out of range (mesh has 3 vertices)"
        );
    }
}

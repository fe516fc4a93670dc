//! One object of a clash test, prepared once for every pair it is in.

use std::sync::OnceLock;

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
    /// The mesh and its edges, for the axes.
    mesh: Mesh,
    edges: EdgeTable,
    /// What the penetration estimate needs, made on the object's first hard clash (most
    /// objects of a model never have one).
    axes: OnceLock<Axes>,
}

/// The candidate separating axes an object contributes.
#[derive(Debug, Default)]
pub(crate) struct Axes {
    /// Distinct unit face normals, up to sign; `None` when there are too many.
    pub(crate) face_axes: Option<Vec<Vector3>>,
    /// Distinct unit edge directions, up to sign; `None` when there are too many.
    pub(crate) edge_directions: Option<Vec<Vector3>>,
    /// For a convex solid, each edge between faces that are not coplanar as the arc its
    /// two outward face normals span on the Gauss map; empty otherwise.
    pub(crate) arcs: Vec<GaussArc>,
    /// The arcs binned on a grid over the unit sphere, when there are many.
    pub(crate) arc_grid: Option<ArcGrid>,
    /// The vertices extreme along the axes and the diagonals (a cheap inner bound of the
    /// object's extent along any direction).
    pub(crate) extremes: Vec<Point3>,
}

impl Axes {
    /// True for a convex solid.
    pub(crate) fn convex(&self) -> bool {
        !self.arcs.is_empty()
    }
}

/// An edge of a convex solid on the Gauss map: the arc from one adjacent face's outward
/// unit normal to the other's, and the edge direction (normal to the arc's plane).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GaussArc {
    pub(crate) from: Vector3,
    pub(crate) to: Vector3,
    /// `to × from`, along the edge.
    pub(crate) edge: Vector3,
}

impl ClashObject {
    /// Prepares `mesh` (quads split along their a–c diagonal), whose surface lies within
    /// `deviation` of the object it stands for (0 for a mesh; the tessellation's measured
    /// deviation for a NURBS surface or Brep).
    pub fn from_mesh(mesh: &Mesh, deviation: f64) -> ClashObject {
        let p = mesh.positions();
        let triangles: Vec<[Point3; 3]> = mesh.triangles().collect();
        let edges = EdgeTable::new(mesh);
        // Closed: every edge is walked as often one way as the other (a boundary, so the
        // winding number is a whole number off it). Two faces, opposite ways, on a manifold;
        // four where two lumps share an edge. An odd count (a fin, an inner wall) is open.
        let closed = !edges.is_empty()
            && edges.iter().all(|(_, uses)| {
                let forward = uses.iter().filter(|u| u.forward).count();
                !uses.is_empty() && 2 * forward == uses.len()
            });
        let used = mesh.used_vertices();
        let vertices: Vec<Point3> = p
            .iter()
            .zip(&used)
            .filter(|&(_, &u)| u)
            .map(|(&q, _)| q)
            .collect();
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
            mesh: mesh.clone(),
            edges,
            axes: OnceLock::new(),
        }
    }

    /// The object's candidate separating axes, made on first use.
    pub(crate) fn axes(&self) -> &Axes {
        self.axes.get_or_init(|| {
            let mesh = &self.mesh;
            let p = mesh.positions();
            let edges = &self.edges;
            let arcs = if self.closed {
                convex_arcs(mesh, edges, self.outward).unwrap_or_default()
            } else {
                Vec::new()
            };
            Axes {
                face_axes: distinct_directions(
                    self.triangles
                        .iter()
                        .map(|t| (t[1] - t[0]).cross(t[2] - t[0])),
                    MAX_FACE_AXES,
                ),
                edge_directions: distinct_directions(
                    edges
                        .iter()
                        .map(|([i, j], _)| p[j as usize] - p[i as usize]),
                    MAX_EDGE_DIRECTIONS,
                ),
                arc_grid: (arcs.len() > ArcGrid::WORTH_IT).then(|| ArcGrid::new(&arcs)),
                arcs,
                extremes: extremes(&self.vertices),
            }
        })
    }

    #[cfg(test)]
    pub(crate) fn set_axes(&mut self, axes: Axes) {
        self.axes = OnceLock::from(axes);
    }

    /// The triangles, in the caller's coordinates.
    pub fn triangles(&self) -> &[[Point3; 3]] {
        &self.triangles
    }

    /// The hierarchy over [`Self::triangles`].
    pub fn bvh(&self) -> &Bvh {
        &self.bvh
    }

    /// Bounds of the object's vertices.
    pub fn bounds(&self) -> Aabb {
        self.bounds
    }

    /// True when the mesh bounds a solid: every edge walked as often one way as the other
    /// (a closed, consistently oriented manifold, or lumps sharing edges).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// True for a closed mesh that is convex (every edge folds outwards).
    pub fn is_convex(&self) -> bool {
        self.closed && self.axes().convex()
    }

    /// How far the mesh may lie from the object it stands for.
    pub fn deviation(&self) -> f64 {
        self.deviation
    }
}

/// The vertices extreme along ±x, ±y, ±z and the 10 diagonals of the cube (both ways).
fn extremes(vertices: &[Point3]) -> Vec<Point3> {
    let mut directions = Vec::new();
    for x in -1..=1 {
        for y in -1..=1 {
            for z in -1..=1 {
                if (x, y, z) != (0, 0, 0) {
                    directions.push(Vector3::new(x as f64, y as f64, z as f64));
                }
            }
        }
    }
    let mut out: Vec<usize> = directions
        .iter()
        .filter_map(|&d| {
            (0..vertices.len()).max_by(|&i, &j| {
                vertices[i]
                    .to_vector()
                    .dot(d)
                    .total_cmp(&vertices[j].to_vector().dot(d))
            })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out.into_iter().map(|i| vertices[i]).collect()
}

/// The distinct directions (unit, sign-normalised, equal when within about 1e-9) of
/// `vectors`, ignoring zero ones, in the order first met; `None` when there are more than
/// `max`.
fn distinct_directions(vectors: impl Iterator<Item = Vector3>, max: usize) -> Option<Vec<Vector3>> {
    let mut keyed: Vec<([i64; 3], usize, Vector3)> = Vec::new();
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
        keyed.push((key, keyed.len(), u));
    }
    // Sorting beats hashing for these small sets, and keeps the first of each key.
    keyed.sort_unstable_by_key(|&(key, at, _)| (key, at));
    keyed.dedup_by_key(|&mut (key, _, _)| key);
    if keyed.len() > max {
        return None;
    }
    keyed.sort_unstable_by_key(|&(_, at, _)| at);
    Some(keyed.into_iter().map(|(_, _, u)| u).collect())
}

/// The Gauss-map arcs of a closed mesh's edges when the mesh is convex: at every edge,
/// the corners of each adjacent face lie on or behind the other face's plane (to 1e-9 of
/// the mesh's size). `None` when some edge folds inwards.
fn convex_arcs(mesh: &Mesh, edges: &EdgeTable, outward: f64) -> Option<Vec<GaussArc>> {
    let p = mesh.positions();
    let normals: Vec<Vector3> = (0..mesh.faces().len())
        .map(|f| {
            // Newell's normal: right for quads that are not quite planar too.
            let c = mesh.corners(f);
            let mut n = Vector3::new(0.0, 0.0, 0.0);
            for k in 0..c.len() {
                let (u, v) = (p[c[k] as usize], p[c[(k + 1) % c.len()] as usize]);
                n += Vector3::new(
                    (u.y - v.y) * (u.z + v.z),
                    (u.z - v.z) * (u.x + v.x),
                    (u.x - v.x) * (u.y + v.y),
                );
            }
            let len = n.length();
            if len > 0.0 { n * (outward / len) } else { n }
        })
        .collect();
    let bounds: Aabb = p.iter().copied().collect();
    let slack = 1e-9 * bounds.size().length();
    let mut arcs = Vec::new();
    for ([i, _], uses) in edges.iter() {
        // A convex solid's surface is a manifold: an edge of four faces is a pinch.
        if uses.len() != 2 {
            return None;
        }
        let (f1, f2) = (uses[0].face as usize, uses[1].face as usize);
        let (n1, n2) = (normals[f1], normals[f2]);
        let anchor = p[i as usize];
        let behind =
            |n: Vector3, f: usize| mesh.corner_points(f).all(|q| n.dot(q - anchor) <= slack);
        if !behind(n1, f2) || !behind(n2, f1) {
            return None;
        }
        let edge = n2.cross(n1);
        if edge.length() > 1e-12 {
            arcs.push(GaussArc {
                from: n1,
                to: n2,
                edge,
            });
        }
    }
    Some(arcs)
}

/// Gauss-map arcs binned on a uniform grid over the cube [-1, 1]³ around the unit sphere,
/// each in every cell its bounding box (chord box grown by the sagitta) touches: two arcs
/// can only cross where they share a cell, which makes finding the crossing pairs of two
/// fine convex meshes linear instead of quadratic.
#[derive(Clone, Debug)]
pub(crate) struct ArcGrid {
    /// `items[start[c]..start[c + 1]]` are the arcs in cell `c`.
    start: Vec<u32>,
    items: Vec<u32>,
}

impl ArcGrid {
    /// Cells per axis.
    const CELLS: usize = 8;
    /// Fewer arcs than this are tested pair by pair.
    pub(crate) const WORTH_IT: usize = 48;

    fn new(arcs: &[GaussArc]) -> ArcGrid {
        let n = Self::CELLS * Self::CELLS * Self::CELLS;
        let mut count = vec![0u32; n + 1];
        for a in arcs {
            Self::for_cells(a.from, a.to, |c| count[c + 1] += 1);
        }
        for c in 0..n {
            count[c + 1] += count[c];
        }
        let mut fill = count.clone();
        let mut items = vec![0u32; count[n] as usize];
        for (k, a) in arcs.iter().enumerate() {
            Self::for_cells(a.from, a.to, |c| {
                items[fill[c] as usize] = k as u32;
                fill[c] += 1;
            });
        }
        ArcGrid {
            start: count,
            items,
        }
    }

    /// Calls `f` with every cell the arc from `p` to `q` may pass through.
    fn for_cells(p: Vector3, q: Vector3, mut f: impl FnMut(usize)) {
        let sagitta = 1.0 - ((1.0 + p.dot(q)) / 2.0).max(0.0).sqrt() + 1e-9;
        let g = Self::CELLS;
        let cell = |x: f64| (((x + 1.0) / 2.0 * g as f64).floor().max(0.0) as usize).min(g - 1);
        let lo = [p.x.min(q.x), p.y.min(q.y), p.z.min(q.z)].map(|x| cell(x - sagitta));
        let hi = [p.x.max(q.x), p.y.max(q.y), p.z.max(q.z)].map(|x| cell(x + sagitta));
        for i in lo[0]..=hi[0] {
            for j in lo[1]..=hi[1] {
                for k in lo[2]..=hi[2] {
                    f((i * g + j) * g + k);
                }
            }
        }
    }

    /// Calls `f` with every arc that shares a cell with the arc from `p` to `q` (an arc
    /// may come more than once).
    pub(crate) fn near(&self, p: Vector3, q: Vector3, mut f: impl FnMut(usize)) {
        Self::for_cells(p, q, |c| {
            for &k in &self.items[self.start[c] as usize..self.start[c + 1] as usize] {
                f(k as usize);
            }
        });
    }
}

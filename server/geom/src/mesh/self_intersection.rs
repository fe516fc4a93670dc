//! Self-intersections of a mesh: pairs of faces that meet anywhere other than in the
//! vertices and edges they share, with the semantics of CGAL's
//! `Polygon_mesh_processing::self_intersections` (reference case I7), decided exactly on
//! the triangles (a quad split along a–c, as everywhere):
//! - no common vertex: any common point, touching included;
//! - one common vertex `v`: the edge opposite `v` in either triangle meets the other
//!   triangle, or, when the two lie in one plane, their corners at `v` overlap;
//! - a common edge: the two lie in one plane and fold onto each other (third vertices on
//!   the same side of the edge);
//! - the same three vertices: always.
//!
//! Vertices are shared by position: two indices at the very same point are one vertex, so
//! an unwelded mesh (an STL soup) is not reported as touching itself everywhere. Triangles
//! with no area have no well-defined contact and are left to the degenerate-face check.

use robust::{Coord, orient2d};

use super::Mesh;
use crate::Point3;
use crate::bvh::{Bvh, self_candidate_pairs_until};
use crate::cell_map::CellMap;
use crate::triangle_contact::{
    TriangleContact, projection, segment_triangle, side, triangle_contact,
};

/// The pairs of faces `(f, g)`, `f < g`, that intersect other than in what they share,
/// sorted.
pub fn self_intersections(mesh: &Mesh) -> Vec<(u32, u32)> {
    self_intersections_until(mesh, &|| false).unwrap_or_default()
}

/// [`self_intersections`] for a job that can be cancelled: `None` once `stop` returns true
/// (asked while the hierarchy is built and every 1 024 node pairs of the walk).
pub fn self_intersections_until(
    mesh: &Mesh,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<(u32, u32)>> {
    // One key per distinct position.
    let mut key_of: CellMap<[u64; 3], u32> = CellMap::default();
    let keys: Vec<u32> = mesh
        .positions()
        .iter()
        .map(|p| {
            let next = key_of.len() as u32;
            *key_of
                .entry([p.x, p.y, p.z].map(|c| (c + 0.0).to_bits()))
                .or_insert(next)
        })
        .collect();
    let mut triangles = Vec::new();
    let mut corners = Vec::new();
    let mut face_of = Vec::new();
    for (f, face) in mesh.faces().iter().enumerate() {
        if f % 65_536 == 65_535 && stop() {
            return None;
        }
        let split: &[[usize; 3]] = if face[2] == face[3] {
            &[[0, 1, 2]]
        } else {
            &[[0, 1, 2], [0, 2, 3]]
        };
        for s in split {
            let k = s.map(|i| keys[face[i] as usize]);
            let t = s.map(|i| mesh.positions()[face[i] as usize]);
            let area = (t[1] - t[0]).cross(t[2] - t[0]);
            if k[0] == k[1] || k[1] == k[2] || k[0] == k[2] || area.length_squared() == 0.0 {
                continue;
            }
            triangles.push(t);
            corners.push(k);
            face_of.push(f as u32);
        }
    }
    let bvh = Bvh::new_until(&triangles, stop)?;
    let boxes: Vec<[Point3; 2]> = triangles
        .iter()
        .map(|t| {
            let lo = Point3::new(
                t[0].x.min(t[1].x).min(t[2].x),
                t[0].y.min(t[1].y).min(t[2].y),
                t[0].z.min(t[1].z).min(t[2].z),
            );
            let hi = Point3::new(
                t[0].x.max(t[1].x).max(t[2].x),
                t[0].y.max(t[1].y).max(t[2].y),
                t[0].z.max(t[1].z).max(t[2].z),
            );
            [lo, hi]
        })
        .collect();
    // Exact in f64: boxes of the exact coordinates, so touching triangles' boxes meet.
    let boxes_meet = |i: usize, j: usize| {
        let ([a0, a1], [b0, b1]) = (boxes[i], boxes[j]);
        a0.x <= b1.x && b0.x <= a1.x && a0.y <= b1.y && b0.y <= a1.y && a0.z <= b1.z && b0.z <= a1.z
    };
    let visit = |i: u32, j: u32, found: &mut Vec<(u32, u32)>| {
        let (i, j) = (i as usize, j as usize);
        if face_of[i] != face_of[j]
            && boxes_meet(i, j)
            && intersect(triangles[i], corners[i], triangles[j], corners[j])
        {
            let (f, g) = (face_of[i], face_of[j]);
            found.push((f.min(g), f.max(g)));
        }
    };
    let mut pairs = self_candidate_pairs_until(&bvh, visit, stop)?;
    pairs.sort_unstable();
    pairs.dedup();
    Some(pairs)
}

/// Whether triangles `t1` and `t2` (vertex keys `k1`, `k2`) meet other than in what they
/// share.
fn intersect(t1: [Point3; 3], k1: [u32; 3], t2: [Point3; 3], k2: [u32; 3]) -> bool {
    // Which corners are common, as (index in t1, index in t2); at most three.
    let mut shared = [(0usize, 0usize); 3];
    let mut count = 0;
    for (i, a) in k1.iter().enumerate() {
        if let Some(j) = k2.iter().position(|b| b == a) {
            shared[count] = (i, j);
            count += 1;
        }
    }
    let shared = &shared[..count];
    match shared.len() {
        0 => triangle_contact(t1, t2) != TriangleContact::Disjoint,
        1 => {
            let (i, j) = shared[0];
            let v = t1[i];
            let (a, b) = (t1[(i + 1) % 3], t1[(i + 2) % 3]);
            let (c, d) = (t2[(j + 1) % 3], t2[(j + 2) % 3]);
            if side(v, a, b, c) == 0.0 && side(v, a, b, d) == 0.0 {
                let project = projection(t1);
                corners_overlap(
                    project(v),
                    [project(a), project(b)],
                    [project(c), project(d)],
                )
            } else {
                segment_triangle(a, b, t2).is_some() || segment_triangle(c, d, t1).is_some()
            }
        }
        2 => {
            // The third vertices: the one of t1 not shared, and of t2.
            let third = |shared_index: &dyn Fn(&(usize, usize)) -> usize| {
                (0..3)
                    .find(|&x| shared.iter().all(|s| shared_index(s) != x))
                    .unwrap_or(0)
            };
            let (a, c) = (t1[third(&|s| s.0)], t2[third(&|s| s.1)]);
            let (u, w) = (t1[shared[0].0], t1[shared[1].0]);
            if side(u, w, a, c) != 0.0 {
                return false;
            }
            let project = projection(t1);
            let (u, w) = (project(u), project(w));
            let (sa, sc) = (orient2d(u, w, project(a)), orient2d(u, w, project(c)));
            (sa > 0.0 && sc > 0.0) || (sa < 0.0 && sc < 0.0)
        }
        _ => true,
    }
}

/// Whether two corners at apex `v` in one plane, each spanned by two points (less than a
/// half-turn), share more than the apex: some side ray of one lies in the other (closed).
fn corners_overlap(v: Coord<f64>, first: [Coord<f64>; 2], second: [Coord<f64>; 2]) -> bool {
    let ray_in = |p: Coord<f64>, [c, d]: [Coord<f64>; 2]| {
        let s = orient2d(v, c, d);
        let (x, y) = (orient2d(v, c, p), orient2d(v, p, d));
        (s > 0.0 && x >= 0.0 && y >= 0.0) || (s < 0.0 && x <= 0.0 && y <= 0.0)
    };
    first.iter().any(|&p| ray_in(p, second)) || second.iter().any(|&p| ray_in(p, first))
}

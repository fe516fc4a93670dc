//! Whether two boundaries only rest on each other along a curve where their faces cross.
//!
//! A box standing on a slab meets it where its side faces end on the slab's top. Each side
//! face crosses the top's surface there, so the face pair alone reports a crossing, though
//! neither boundary passes through the other. That depends on all the faces around the
//! curve. Cut both boundaries by the plane across the curve at one of its points: near the
//! point, each is a few rays from it, one for each face that ends there and two for a face
//! that runs on past it. Rays of the two that lie within the tolerance of each other
//! (flush faces: the box's bottom on the slab's top) belong to both and are left out. The
//! boundaries cross when the remaining rays alternate round the point, the one's between
//! the other's, and touch when each keeps to its own side.
//!
//! A piece is a crossing as soon as one of its points lies inside a face of each boundary,
//! more than two tolerances from their edges (the faces cross there, as the surfaces do),
//! which settles most pieces at their first points; a piece running along edges throughout
//! is a touch when the rays touch at eight points spread along it. A face is taken to end
//! at the point when it ends within two tolerances of it; nearer an edge than the reach,
//! its ray stops short of the edge.

use std::f64::consts::TAU;

use crate::bbox::Aabb;
use crate::brep_intersection::Face;
use crate::bvh::Bvh;
use crate::nurbs_intersection::{clamp_uv, frame, tangent_step};
use crate::surface_mesh_intersection::planes_at;
use crate::tessellate_brep::distance_to_segment;
use crate::triangle_contact::closest_on_triangle;
use crate::{Point3, Vector3};

/// How far from the point the rays are taken at most, in tolerances: far enough that a
/// face leaving another at a few degrees is off it by more than the tolerance, near enough
/// to stay by the curve.
const REACH: f64 = 64.0;

/// A point of a curve on one Brep: where, the face it was found on and its parameters.
pub(crate) type OnFace = (Point3, usize, [f64; 2]);

/// How many points along a piece the rays are tested at.
const STATIONS: usize = 8;

/// Whether a piece of curve through `points` (a closed one with its first point again at
/// the end) is a touch: `inside(k)` says whether point `k` lies inside a face of each
/// boundary away from their edges; `rays_touch(k, s, along)` runs [`touch`] at the point `s`
/// along chord `k` (`along`: the chord's direction).
pub(crate) fn piece_touches(
    points: &[Point3],
    inside: impl Fn(usize) -> bool,
    rays_touch: impl Fn(usize, f64, Vector3) -> bool,
) -> bool {
    if points.len() < 2 || (0..points.len()).any(inside) {
        return false;
    }
    let stations = stations(points);
    !stations.is_empty()
        && stations
            .into_iter()
            .all(|(k, s, along)| rays_touch(k, s, along))
}

/// [`STATIONS`] points spread evenly along the polyline by length (its ends lie on trims,
/// where faces meet anyway, and a straight piece has no point between them), each as the
/// chord `k → k + 1` it lies on, the fraction along that chord, and the chord's direction.
fn stations(points: &[Point3]) -> Vec<(usize, f64, Vector3)> {
    let lengths: Vec<f64> = points.windows(2).map(|w| w[0].distance(w[1])).collect();
    let total: f64 = lengths.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Vec::new();
    }
    (0..STATIONS)
        .filter_map(|i| {
            let mut left = (i as f64 + 0.5) / STATIONS as f64 * total;
            for (k, &l) in lengths.iter().enumerate() {
                if left <= l && l > 0.0 {
                    return Some((k, left / l, points[k + 1] - points[k]));
                }
                left -= l;
            }
            None
        })
        .collect()
}

/// How near its edges, in tolerances, a face counts as ending at a point: a point nearer is
/// on the edge (no ray of that face goes past it), one farther is inside the face.
const EDGE: f64 = 2.0;

/// True when parameters `uv` of `face` lie inside it, more than [`EDGE`] tolerances from
/// its edges: its trims' images, or for an untrimmed surface the edges of its domain that
/// are not seams.
pub(crate) fn inside_face(face: &Face, uv: [f64; 2], tolerance: f64) -> bool {
    let distance = EDGE * tolerance;
    if face.region.is_some() {
        return !face.on_boundary(uv, distance);
    }
    let (_, su, sv) = frame(&face.surface, uv);
    let ((u0, u1), (v0, v1)) = face.surface.domain();
    let gap = |k: usize, lo: f64, hi: f64, speed: f64| {
        face.periods[k].is_none() && (uv[k] - lo).min(hi - uv[k]) * speed <= distance
    };
    !(gap(0, u0, u1, su.length()) || gap(1, v0, v1, sv.length()))
}

/// True when the mesh's triangles within [`EDGE`] tolerances of `p` all share one plane
/// and no edge of theirs within that distance is open (a side of only one of them): `p`
/// lies inside a flat stretch of it, away from its creases and its boundary.
pub(crate) fn mesh_flat_at(tris: &[[Point3; 3]], bvh: &Bvh, p: Point3, tolerance: f64) -> bool {
    let reach = EDGE * tolerance;
    planes_at(tris, bvh, p, reach).len() == 1 && !open_edge_near(tris, bvh, p, reach)
}

/// Whether a side of the triangles within `reach` of `p`, itself within `reach` of it,
/// belongs to only one of them. Sides are matched by their corners' exact coordinates (a
/// mesh's triangles share them); a T-junction then looks open, which only sends the
/// question on to the rays.
fn open_edge_near(tris: &[[Point3; 3]], bvh: &Bvh, p: Point3, reach: f64) -> bool {
    let e = Vector3::new(reach, reach, reach);
    let key = |q: Point3| [q.x, q.y, q.z].map(f64::to_bits);
    let mut sides = Vec::new();
    bvh.for_each_in_box(p - e, p + e, |k| {
        let t = tris[k as usize];
        if closest_on_triangle(p, t).distance(p) > reach {
            return;
        }
        for i in 0..3 {
            let (a, b) = (t[i], t[(i + 1) % 3]);
            if a != b && distance_to_segment(p, a, b) <= reach {
                let (ka, kb) = (key(a), key(b));
                sides.push(if ka <= kb { [ka, kb] } else { [kb, ka] });
            }
        }
    });
    sides.sort_unstable();
    // A side whose neighbours in sorted order both differ from it is used once.
    (0..sides.len()).any(|i| {
        (i == 0 || sides[i - 1] != sides[i]) && (i + 1 == sides.len() || sides[i + 1] != sides[i])
    })
}

/// Whether boundaries whose rays across the curve direction `along` are `a` and `b`
/// (offsets from the point) touch rather than cross there. Rays within `tolerance` of each
/// other along the shorter are flush. With no ray on either side nothing can be told, and
/// they cross.
pub(crate) fn touch(along: Vector3, a: &[Vector3], b: &[Vector3], tolerance: f64) -> bool {
    let Some(t) = unit(along) else {
        return false;
    };
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let e1 = unit(if t.x.abs() < 0.9 {
        Vector3::new(1.0, 0.0, 0.0).cross(t)
    } else {
        Vector3::new(0.0, 1.0, 0.0).cross(t)
    })
    .unwrap_or(Vector3::new(0.0, 0.0, 1.0));
    let e2 = t.cross(e1);
    // Each ray as its angle round the curve and its length across it.
    let polar = |r: &Vector3| {
        let (x, y) = (r.dot(e1), r.dot(e2));
        (y.atan2(x), x.hypot(y))
    };
    let a: Vec<(f64, f64)> = a.iter().map(polar).collect();
    let b: Vec<(f64, f64)> = b.iter().map(polar).collect();
    let flush = |(x, lx): (f64, f64), (y, ly): (f64, f64)| {
        let d = (x - y).rem_euclid(TAU);
        d.min(TAU - d) * lx.min(ly) <= tolerance
    };
    let mut rays: Vec<(f64, bool)> = a
        .iter()
        .filter(|&&x| !b.iter().any(|&y| flush(x, y)))
        .map(|&(x, _)| (x, false))
        .chain(
            b.iter()
                .filter(|&&y| !a.iter().any(|&x| flush(x, y)))
                .map(|&(y, _)| (y, true)),
        )
        .collect();
    rays.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = rays.len();
    let changes = (0..n).filter(|&k| rays[k].1 != rays[(k + 1) % n].1).count();
    changes < 4
}

/// The rays of the faces of `brep` at `at` across the curve direction `along`: for each
/// face holding the point (within `tolerance`), the face's point [`REACH`] tolerances from
/// it across the curve on either side, or nearer where the face ends sooner (down to
/// [`EDGE`] tolerances: a face ending within that is taken to end at the point).
pub(crate) fn face_rays(
    brep: &[Face],
    (p, own, uv): OnFace,
    along: Vector3,
    tolerance: f64,
) -> Vec<Vector3> {
    let Some(t) = unit(along) else {
        return Vec::new();
    };
    let here = Aabb { min: p, max: p };
    let mut rays = Vec::new();
    for (k, face) in brep.iter().enumerate() {
        let uv = if k == own {
            uv
        } else {
            if !face.bounds.meets(&here, tolerance) {
                continue;
            }
            // Started from the face's seeding mesh (made once per face), not a lattice
            // search over the whole surface: faces near a curve are asked at every
            // station.
            let seeds = face.seeds(tolerance);
            let (_, _, deviation) = seeds.parts();
            let Some(start) = seeds.parameters_within(p, deviation + tolerance) else {
                continue;
            };
            let (uv, _, d2) = face.surface.closest_point_from(p, start);
            if d2 > tolerance * tolerance || !face.covers(uv, tolerance) {
                continue;
            }
            uv
        };
        let (_, su, sv) = frame(&face.surface, uv);
        let Some(w) = unit(su.cross(sv).cross(t)) else {
            continue;
        };
        for side in [w, -w] {
            let mut reach = REACH * tolerance;
            while reach >= EDGE * tolerance {
                if let Some(q) = step_on(face, uv, (su, sv), side * reach) {
                    rays.push(face.surface.point_at(q[0], q[1]) - p);
                    break;
                }
                reach *= 0.5;
            }
        }
    }
    rays
}

/// The parameters a step `delta` in the tangent plane (spanned by `su`, `sv`) from `uv`
/// leads to, when they lie on the face: wrapped across a seam, but not clamped onto the
/// domain's edge (past the edge of an untrimmed surface there is no face).
fn step_on(
    face: &Face,
    uv: [f64; 2],
    (su, sv): (Vector3, Vector3),
    delta: Vector3,
) -> Option<[f64; 2]> {
    let step = tangent_step(su, sv, delta)?;
    let q = [uv[0] + step[0], uv[1] + step[1]];
    let wrapped = clamp_uv(&face.surface, q);
    let on = (0..2).all(|k| wrapped[k] == q[k] || face.periods[k].is_some());
    (on && face.inside(wrapped)).then_some(wrapped)
}

/// The rays of the mesh at `p` across the curve direction `along`: for each triangle within
/// `eps` of it, its plane's direction across the curve, on either side where the triangle
/// reaches past the point.
pub(crate) fn mesh_rays(
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    p: Point3,
    along: Vector3,
    eps: f64,
    tolerance: f64,
) -> Vec<Vector3> {
    let Some(t) = unit(along) else {
        return Vec::new();
    };
    let reach = REACH * tolerance;
    let e = Vector3::new(eps, eps, eps);
    let mut rays = Vec::new();
    bvh.for_each_in_box(p - e, p + e, |k| {
        let tri = tris[k as usize];
        let foot = closest_on_triangle(p, tri);
        if foot.distance(p) > eps {
            return;
        }
        let Some(w) = unit((tri[1] - tri[0]).cross(tri[2] - tri[0]).cross(t)) else {
            return;
        };
        let size = (0..3)
            .map(|i| tri[i].distance(tri[(i + 1) % 3]))
            .fold(0.0, f64::max);
        for side in [w, -w] {
            // A step into the triangle from its point nearest p, a small part of its size.
            let probe = foot + side * (size * 1e-6);
            if closest_on_triangle(probe, tri).distance(probe) <= size * 1e-9 {
                rays.push(side * reach);
            }
        }
    });
    rays
}

fn unit(v: Vector3) -> Option<Vector3> {
    let len = v.length();
    (len > 0.0 && len.is_finite()).then(|| v * (1.0 / len))
}

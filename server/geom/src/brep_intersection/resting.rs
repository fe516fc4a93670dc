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

use std::f64::consts::TAU;

use super::Face;
use crate::bbox::Aabb;
use crate::bvh::Bvh;
use crate::nurbs_intersection::{clamp_uv, frame, tangent_step};
use crate::triangle_contact::closest_on_triangle;
use crate::{Point3, Vector3};

/// How far from the point the rays are taken, in tolerances: far enough that a face leaving
/// another at a few degrees is off it by more than the tolerance, near enough to stay by
/// the curve.
const REACH: f64 = 64.0;

/// A point of a curve on one Brep: where, the face it was found on and its parameters.
pub(super) type OnFace = (Point3, usize, [f64; 2]);

/// Where a piece is tested: a quarter, half and three quarters along its length (its ends
/// lie on trims, where faces meet anyway, and a straight piece has no point between them),
/// each as the chord `k → k + 1` it lies on, the fraction along that chord, and the
/// chord's direction.
pub(super) fn stations(points: &[Point3]) -> Vec<(usize, f64, Vector3)> {
    let lengths: Vec<f64> = points.windows(2).map(|w| w[0].distance(w[1])).collect();
    let total: f64 = lengths.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Vec::new();
    }
    [0.25, 0.5, 0.75]
        .into_iter()
        .filter_map(|f| {
            let mut left = f * total;
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

/// Whether boundaries whose rays across the curve direction `along` are `a` and `b`
/// (offsets from the point, [`REACH`] tolerances long) touch rather than cross there.
/// With no ray on either side nothing can be told, and they cross.
pub(super) fn touch(along: Vector3, a: &[Vector3], b: &[Vector3]) -> bool {
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
    let angle = |r: &Vector3| r.dot(e2).atan2(r.dot(e1));
    // Rays within the tolerance of each other at the reach: this angle apart.
    let flush = 1.0 / REACH;
    let near = |x: f64, y: f64| {
        let d = (x - y).rem_euclid(TAU);
        d.min(TAU - d) <= flush
    };
    let (a, b): (Vec<f64>, Vec<f64>) =
        (a.iter().map(angle).collect(), b.iter().map(angle).collect());
    let mut rays: Vec<(f64, bool)> = a
        .iter()
        .filter(|&&x| !b.iter().any(|&y| near(x, y)))
        .map(|&x| (x, false))
        .chain(
            b.iter()
                .filter(|&&y| !a.iter().any(|&x| near(x, y)))
                .map(|&y| (y, true)),
        )
        .collect();
    rays.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = rays.len();
    let changes = (0..n).filter(|&k| rays[k].1 != rays[(k + 1) % n].1).count();
    changes < 4
}

/// The rays of the faces of `brep` at `at` across the curve direction `along`: for each
/// face holding the point (within `tolerance`), the face's points [`REACH`] tolerances from
/// it across the curve, on either side where the face reaches there.
pub(super) fn face_rays(
    brep: &[Face],
    (p, own, uv): OnFace,
    along: Vector3,
    tolerance: f64,
) -> Vec<Vector3> {
    let Some(t) = unit(along) else {
        return Vec::new();
    };
    let reach = REACH * tolerance;
    let here = Aabb { min: p, max: p };
    let mut rays = Vec::new();
    for (k, face) in brep.iter().enumerate() {
        let uv = if k == own {
            uv
        } else {
            if !face.bounds.meets(&here, tolerance) {
                continue;
            }
            let (uv, _, d) = face.surface.closest_point(p);
            if d > tolerance || !face.covers(uv, tolerance) {
                continue;
            }
            uv
        };
        let (_, su, sv) = frame(&face.surface, uv);
        let Some(w) = unit(su.cross(sv).cross(t)) else {
            continue;
        };
        for side in [w, -w] {
            let Some(step) = tangent_step(su, sv, side * reach) else {
                continue;
            };
            let q = [uv[0] + step[0], uv[1] + step[1]];
            // Wrapped across a seam, but not clamped onto the domain's edge: past the edge
            // of an untrimmed surface there is no face.
            let wrapped = clamp_uv(&face.surface, q);
            let on = (0..2).all(|k| wrapped[k] == q[k] || face.periods[k].is_some());
            if on && face.inside(wrapped) {
                rays.push(face.surface.point_at(wrapped[0], wrapped[1]) - p);
            }
        }
    }
    rays
}

/// The rays of the mesh at `p` across the curve direction `along`: for each triangle within
/// `eps` of it, its plane's direction across the curve, on either side where the triangle
/// reaches past the point.
pub(super) fn mesh_rays(
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

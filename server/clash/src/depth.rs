//! How deep two objects pass into each other: the separating-axis estimate of the
//! penetration depth (the shortest translation that separates the two vertex sets' convex
//! hulls along a set of candidate axes).
//!
//! For convex polyhedra, the candidate axes that matter are the face normals of both and
//! the cross products of their edge directions; over all of them the minimum overlap is
//! the exact penetration depth (the separating axis theorem; what FCL's EPA computes for
//! convex shapes). Objects here are meshes, so: every distinct face normal when an object
//! has at most 512, else a fixed spread of 128 directions; every edge × edge axis when the
//! pair's projections cost at most `CROSS_BUDGET` (so exact for boxes, beams, extrusions,
//! coarse spheres and cylinders; large meshes fall back to face axes); the line between
//! the bounds' centres. For non-convex objects the figure is the depth of their hulls along
//! those axes: an estimate, as coordination tools report it; for convex ones it is never
//! below the true depth, and equal to it when every axis is tried.

use cicada_geom::{Point3, Vector3};

use crate::ClashObject;

/// Directions tried for an object with too many face normals.
const SPREAD: usize = 128;
/// Most vertex projections spent on edge × edge axes for one pair.
const CROSS_BUDGET: usize = 8_000_000;

/// The penetration estimate of two objects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Penetration {
    /// The depth: how far the second object must move along `axis` to clear the first.
    pub depth: f64,
    /// Unit direction of that move.
    pub axis: Vector3,
}

/// The separating-axis penetration estimate of `a` and `b` (0 when their hulls are apart
/// along some candidate axis).
pub fn penetration(a: &ClashObject, b: &ClashObject) -> Penetration {
    let origin = a.bounds.center();
    let mut axes: Vec<Vector3> = Vec::new();
    let mut spread = false;
    for o in [a, b] {
        match &o.face_axes {
            Some(f) => axes.extend(f),
            None => spread = true,
        }
    }
    if spread {
        axes.extend(fibonacci_hemisphere(SPREAD));
    }
    let vertices = a.vertices.len() + b.vertices.len();
    if let (Some(ea), Some(eb)) = (&a.edge_directions, &b.edge_directions)
        && ea.len() * eb.len() * vertices <= CROSS_BUDGET
    {
        for &u in ea {
            for &v in eb {
                let n = u.cross(v);
                let len = n.length();
                if len > 1e-9 {
                    axes.push(n * (1.0 / len));
                }
            }
        }
    }
    let centres = b.bounds.center() - origin;
    if centres.length() > 0.0 {
        axes.push(centres * (1.0 / centres.length()));
    }
    let mut best = Penetration {
        depth: f64::INFINITY,
        axis: Vector3::new(0.0, 0.0, 1.0),
    };
    for n in axes {
        let (amin, amax) = extent(&a.vertices, origin, n);
        let (bmin, bmax) = extent(&b.vertices, origin, n);
        let (forward, back) = (amax - bmin, bmax - amin);
        let (depth, axis) = if forward <= back {
            (forward, n)
        } else {
            (back, n * -1.0)
        };
        if depth < best.depth {
            best = Penetration { depth, axis };
        }
    }
    if !best.depth.is_finite() {
        best.depth = 0.0;
    }
    best.depth = best.depth.max(0.0);
    best
}

fn extent(points: &[Point3], origin: Point3, n: Vector3) -> (f64, f64) {
    points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &p| {
            let t = (p - origin).dot(n);
            (lo.min(t), hi.max(t))
        })
}

/// `n` nearly even directions over the upper hemisphere (a Fibonacci lattice).
fn fibonacci_hemisphere(n: usize) -> impl Iterator<Item = Vector3> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..n).map(move |i| {
        let z = 1.0 - (i as f64 + 0.5) / n as f64;
        let r = (1.0 - z * z).sqrt();
        let phi = golden * i as f64;
        Vector3::new(r * phi.cos(), r * phi.sin(), z)
    })
}

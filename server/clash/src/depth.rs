//! How deep two objects pass into each other: the separating-axis estimate of the
//! penetration depth (the shortest translation that separates the two vertex sets' convex
//! hulls along a set of candidate axes).
//!
//! For convex polyhedra, the candidate axes that matter are the face normals of both and
//! the cross products of their edge directions; over all of them the minimum overlap is
//! the exact penetration depth (the separating axis theorem; what FCL's EPA computes for
//! convex shapes). Objects here are meshes, so: every distinct face normal when an object
//! has at most 512, else a fixed spread of 128 directions; every edge × edge axis when the
//! pair's projections cost at most `CROSS_BUDGET`, and for two convex solids only the edge
//! pairs whose Gauss-map arcs cross (the faces of the Minkowski difference: exact at any
//! size); the line between the bounds' centres. For non-convex objects the figure is the depth of their hulls along
//! those axes: an estimate, as coordination tools report it; for convex ones it is never
//! below the true depth, and equal to it when every axis is tried.

use cicada_geom::{Point3, Vector3};

use crate::ClashObject;
use crate::object::GaussArc;

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
    penetration_over(a, b, true)
}

/// [`penetration`], with the Gauss-map pruning of edge pairs (`prune`) or, for tests, with
/// every edge pair the budget allows.
fn penetration_over(a: &ClashObject, b: &ClashObject, prune: bool) -> Penetration {
    let origin = a.bounds.center();
    let (xa, xb) = (a.axes(), b.axes());
    let mut axes: Vec<Vector3> = Vec::new();
    // The line between the centres first: often near the answer, so the bound below
    // prunes most of the rest.
    let centres = b.bounds.center() - origin;
    if centres.length() > 0.0 {
        axes.push(centres * (1.0 / centres.length()));
    }
    let mut spread = false;
    for o in [xa, xb] {
        match &o.face_axes {
            Some(f) => axes.extend(f),
            None => spread = true,
        }
    }
    if spread {
        axes.extend(fibonacci_hemisphere(SPREAD));
    }
    let vertices = a.vertices.len() + b.vertices.len();
    if prune && xa.convex() && xb.convex() {
        // Only edge pairs whose arcs cross on the Gauss map (of A and of −B) span a face of
        // the Minkowski difference; the others' axes can never be the least.
        let mut test = |x: &GaussArc, y: &GaussArc| {
            let (c, d) = (y.from * -1.0, y.to * -1.0);
            if is_minkowski_face(x.from, x.to, x.edge, c, d, y.edge) {
                let n = x.edge.cross(y.edge);
                let len = n.length();
                if len > 1e-12 {
                    axes.push(n * (1.0 / len));
                }
            }
        };
        match &xb.arc_grid {
            // A's arc crosses −B's where −A's arc crosses B's: look −A's arcs up in B's grid.
            Some(grid) => {
                let mut seen = vec![u32::MAX; xb.arcs.len()];
                for (k, x) in xa.arcs.iter().enumerate() {
                    grid.near(x.from * -1.0, x.to * -1.0, |j| {
                        if seen[j] != k as u32 {
                            seen[j] = k as u32;
                            test(x, &xb.arcs[j]);
                        }
                    });
                }
            }
            None => {
                for x in &xa.arcs {
                    for y in &xb.arcs {
                        test(x, y);
                    }
                }
            }
        }
    } else if let (Some(ea), Some(eb)) = (&xa.edge_directions, &xb.edge_directions)
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
    let mut best = Penetration {
        depth: f64::INFINITY,
        axis: Vector3::new(0.0, 0.0, 1.0),
    };
    for n in axes {
        // A few extreme vertices bound the extents from inside: if even that overlap is no
        // better than the best, the full projection cannot be either.
        let (ea_min, ea_max) = extent(&xa.extremes, origin, n);
        let (eb_min, eb_max) = extent(&xb.extremes, origin, n);
        if (ea_max - eb_min).min(eb_max - ea_min) >= best.depth {
            continue;
        }
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

/// Whether Gauss-map arcs `a`–`b` and `c`–`d` (unit normals; `b_x_a` = `b × a`,
/// `d_x_c` = `d × c`) cross: each arc's ends on opposite sides of the other's plane, on the
/// same hemisphere (Gregorius, "The Separating Axis Test between Convex Polyhedra", GDC
/// 2013).
fn is_minkowski_face(
    a: Vector3,
    b: Vector3,
    b_x_a: Vector3,
    c: Vector3,
    d: Vector3,
    d_x_c: Vector3,
) -> bool {
    let (cba, dba) = (c.dot(b_x_a), d.dot(b_x_a));
    let (adc, bdc) = (a.dot(d_x_c), b.dot(d_x_c));
    cba * dba < 0.0 && adc * bdc < 0.0 && cba * bdc > 0.0
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

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_geom::{Mesh, Point3, Rotation};

    /// A closed prism over a regular `sides`-gon (radius `r`, height `h`), outward, turned
    /// by the rotation with quaternion `q` and moved to `at`.
    fn prism(sides: usize, r: f64, h: f64, q: [f64; 4], at: [f64; 3]) -> Mesh {
        let rotation = Rotation::from_quaternion(q);
        let rot = |p: [f64; 3]| {
            let [x, y, z] = rotation.apply(p);
            Point3::new(x + at[0], y + at[1], z + at[2])
        };
        let mut v = Vec::new();
        for z in [0.0, h] {
            for k in 0..sides {
                let t = 2.0 * std::f64::consts::PI * k as f64 / sides as f64;
                v.push(rot([r * t.cos(), r * t.sin(), z]));
            }
        }
        v.push(rot([0.0, 0.0, 0.0]));
        v.push(rot([0.0, 0.0, h]));
        let s = sides as u32;
        let mut f = Vec::new();
        for k in 0..s {
            let n = (k + 1) % s;
            f.push([k, n, s + n, s + k]);
            f.push([2 * s, n, k, k]);
            f.push([2 * s + 1, s + k, s + n, s + n]);
        }
        Mesh::new(v, f).expect("prism")
    }

    #[test]
    fn gauss_map_pruning_keeps_the_least_axis_of_convex_pairs() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let quaternion = |q: [f64; 4]| {
            let l = q.iter().map(|c| c * c).sum::<f64>().sqrt();
            q.map(|c| c / l)
        };
        let mut edge_axes = 0;
        for k in 0..200 {
            let sides = [3, 4, 6, 9, 40, 64][k % 6];
            let qa = quaternion([next(), next(), next(), next()]);
            let a = ClashObject::from_mesh(&prism(sides, 1.0, 1.5, qa, [0.0; 3]), 0.0);
            let q = quaternion([next(), next(), next(), next()]);
            let at = [next() * 1.2, next() * 1.2, next() * 1.2];
            let b = ClashObject::from_mesh(&prism(sides + 1, 0.8, 2.0, q, at), 0.0);
            assert!(a.is_convex() && b.is_convex());
            let (pruned, full) = (
                penetration_over(&a, &b, true),
                penetration_over(&a, &b, false),
            );
            assert!(
                (pruned.depth - full.depth).abs() <= 1e-12 * full.depth.max(1.0),
                "{k}: pruned {} vs every axis {}",
                pruned.depth,
                full.depth
            );
            let face_only = {
                let (mut x, mut y) = (
                    ClashObject::from_mesh(&prism(sides, 1.0, 1.5, qa, [0.0; 3]), 0.0),
                    ClashObject::from_mesh(&prism(sides + 1, 0.8, 2.0, q, at), 0.0),
                );
                for o in [&mut x, &mut y] {
                    let face_axes = o.axes().face_axes.clone();
                    o.set_axes(crate::object::Axes {
                        face_axes,
                        ..Default::default()
                    });
                }
                penetration_over(&x, &y, true).depth
            };
            if face_only > full.depth + 1e-9 {
                edge_axes += 1;
            }
        }
        // The case is real: some of these pairs are decided by an edge × edge axis.
        assert!(edge_axes > 0);
    }

    #[test]
    fn a_concave_mesh_is_not_convex() {
        // An L: two boxes' worth of outline, one closed mesh with a reflex edge.
        let p = |x: f64, y: f64, z: f64| Point3::new(x, y, z);
        let outline = [
            (0.0, 0.0),
            (2.0, 0.0),
            (2.0, 1.0),
            (1.0, 1.0),
            (1.0, 2.0),
            (0.0, 2.0),
        ];
        let mut v: Vec<Point3> = outline.iter().map(|&(x, y)| p(x, y, 0.0)).collect();
        v.extend(outline.iter().map(|&(x, y)| p(x, y, 1.0)));
        let mut f = vec![[0, 5, 4, 3], [0, 3, 2, 1], [6, 7, 8, 9], [6, 9, 10, 11]];
        for k in 0..6u32 {
            let n = (k + 1) % 6;
            f.push([k, n, 6 + n, 6 + k]);
        }
        let l = ClashObject::from_mesh(&Mesh::new(v, f).expect("L"), 0.0);
        assert!(l.is_closed() && !l.is_convex());
        let cube = Mesh::axis_aligned_box(p(0.0, 0.0, 0.0), p(1.0, 1.0, 1.0));
        assert!(ClashObject::from_mesh(&cube, 0.0).is_convex());
    }
}

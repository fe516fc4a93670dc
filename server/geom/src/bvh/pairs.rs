//! Candidate triangle pairs between two hierarchies: the broad phase of clash detection.

use std::ops::ControlFlow;

use super::Bvh;
use crate::bbox::Aabb;
use crate::vec3::Point3;

/// World-space box of a node, grown by `margin`.
fn node_box(bvh: &Bvh, index: u32, margin: f64) -> Aabb {
    let n = &bvh.nodes[index as usize];
    let o = bvh.origin;
    Aabb {
        min: Point3::new(
            o.x + f64::from(n.min[0]) - margin,
            o.y + f64::from(n.min[1]) - margin,
            o.z + f64::from(n.min[2]) - margin,
        ),
        max: Point3::new(
            o.x + f64::from(n.max[0]) + margin,
            o.y + f64::from(n.max[1]) + margin,
            o.z + f64::from(n.max[2]) + margin,
        ),
    }
}

fn triangle_box(bvh: &Bvh, k: usize) -> Aabb {
    bvh.triangles[k]
        .iter()
        .map(|c| {
            Point3::new(
                bvh.origin.x + c[0],
                bvh.origin.y + c[1],
                bvh.origin.z + c[2],
            )
        })
        .collect()
}

fn overlap(a: &Aabb, b: &Aabb) -> bool {
    a.min.x <= b.max.x
        && b.min.x <= a.max.x
        && a.min.y <= b.max.y
        && b.min.y <= a.max.y
        && a.min.z <= b.max.z
        && b.min.z <= a.max.z
}

/// Every pair `(i, j)` of a triangle `i` of `a` and `j` of `b` whose bounding boxes come
/// within `margin` of each other, sorted. A superset of the pairs that touch, overlap or lie
/// closer than `margin`; the narrow phase decides.
pub fn candidate_pairs(a: &Bvh, b: &Bvh, margin: f64) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let _ = visit_candidate_pairs(a, b, margin, |i, j| {
        out.push((i, j));
        ControlFlow::<()>::Continue(())
    });
    out.sort_unstable();
    out
}

/// Calls `visit` with each pair [`candidate_pairs`] would list (in traversal order, not
/// sorted), stopping at the first `Break`, which it returns.
pub fn visit_candidate_pairs<B>(
    a: &Bvh,
    b: &Bvh,
    margin: f64,
    mut visit: impl FnMut(u32, u32) -> ControlFlow<B>,
) -> ControlFlow<B> {
    if a.is_empty() || b.is_empty() {
        return ControlFlow::Continue(());
    }
    let mut stack = vec![(0u32, 0u32)];
    while let Some((ia, ib)) = stack.pop() {
        if !overlap(&node_box(a, ia, margin), &node_box(b, ib, 0.0)) {
            continue;
        }
        let (na, nb) = (&a.nodes[ia as usize], &b.nodes[ib as usize]);
        match (na.count > 0, nb.count > 0) {
            (true, true) => {
                for ka in na.first as usize..(na.first + na.count) as usize {
                    let mut ba = triangle_box(a, ka);
                    ba.min = ba.min - crate::Vector3::new(margin, margin, margin);
                    ba.max = ba.max + crate::Vector3::new(margin, margin, margin);
                    for kb in nb.first as usize..(nb.first + nb.count) as usize {
                        if overlap(&ba, &triangle_box(b, kb)) {
                            visit(a.order[ka], b.order[kb])?;
                        }
                    }
                }
            }
            // Descend the inner node; with two inner nodes, the one with the larger box.
            (false, true) => stack.extend([(na.first, ib), (na.first + 1, ib)]),
            (true, false) => stack.extend([(ia, nb.first), (ia, nb.first + 1)]),
            (false, false) => {
                let size = |bx: &Aabb| {
                    let d = bx.size();
                    d.x + d.y + d.z
                };
                if size(&node_box(a, ia, 0.0)) >= size(&node_box(b, ib, 0.0)) {
                    stack.extend([(na.first, ib), (na.first + 1, ib)]);
                } else {
                    stack.extend([(ia, nb.first), (ia, nb.first + 1)]);
                }
            }
        }
    }
    ControlFlow::Continue(())
}

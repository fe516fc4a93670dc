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

/// World-space box of a stored triangle, widened by the rounding of its move back from
/// the hierarchy's local frame: `origin + (p − origin)` may miss `p` by an ulp, and two
/// hierarchies with different origins would then part triangles that lie in one plane
/// (flush faces, a box resting on another) by that ulp.
fn triangle_box(bvh: &Bvh, k: usize) -> Aabb {
    let mut b: Aabb = bvh.triangles[k]
        .iter()
        .map(|c| {
            Point3::new(
                bvh.origin.x + c[0],
                bvh.origin.y + c[1],
                bvh.origin.z + c[2],
            )
        })
        .collect();
    let o = bvh.origin;
    let ulps = |lo: f64, hi: f64, o: f64| 4.0 * f64::EPSILON * (lo.abs().max(hi.abs()) + o.abs());
    let grow = crate::Vector3::new(
        ulps(b.min.x, b.max.x, o.x),
        ulps(b.min.y, b.max.y, o.y),
        ulps(b.min.z, b.max.z, o.z),
    );
    b.min = b.min - grow;
    b.max = b.max + grow;
    b
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
/// closer than `margin`; the narrow phase decides. Sub-trees are walked in parallel.
pub fn candidate_pairs(a: &Bvh, b: &Bvh, margin: f64) -> Vec<(u32, u32)> {
    use rayon::prelude::*;
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    // Expand the roots' pair breadth first until there is work for every thread.
    let mut tasks = vec![(0u32, 0u32)];
    let enough = 8 * rayon::current_num_threads();
    while tasks.len() < enough {
        let Some(k) = tasks
            .iter()
            .position(|&(ia, ib)| descend(a, b, ia, ib, margin).is_some())
        else {
            break;
        };
        let (ia, ib) = tasks.swap_remove(k);
        tasks.extend(descend(a, b, ia, ib, margin).into_iter().flatten());
    }
    let mut out: Vec<(u32, u32)> = tasks
        .par_iter()
        .flat_map_iter(|&task| {
            let mut found = Vec::new();
            let _ = walk(a, b, margin, task, |i, j| {
                found.push((i, j));
                ControlFlow::<()>::Continue(())
            });
            found
        })
        .collect();
    out.par_sort_unstable();
    out
}

/// Calls `visit` with each pair [`candidate_pairs`] would list (in traversal order, not
/// sorted), stopping at the first `Break`, which it returns.
pub fn visit_candidate_pairs<B>(
    a: &Bvh,
    b: &Bvh,
    margin: f64,
    visit: impl FnMut(u32, u32) -> ControlFlow<B>,
) -> ControlFlow<B> {
    if a.is_empty() || b.is_empty() {
        return ControlFlow::Continue(());
    }
    walk(a, b, margin, (0, 0), visit)
}

/// The node pairs to walk in place of `(ia, ib)`, an inner node of either with the other
/// whose boxes come within `margin`: the inner node's children with the other node (with
/// two inner nodes, the larger box's). `None` for two leaves, or boxes apart.
fn descend(a: &Bvh, b: &Bvh, ia: u32, ib: u32, margin: f64) -> Option<[(u32, u32); 2]> {
    if !overlap(&node_box(a, ia, margin), &node_box(b, ib, 0.0)) {
        return None;
    }
    let (na, nb) = (&a.nodes[ia as usize], &b.nodes[ib as usize]);
    let size = |bx: &Aabb| {
        let d = bx.size();
        d.x + d.y + d.z
    };
    match (na.count > 0, nb.count > 0) {
        (true, true) => None,
        (false, true) => Some([(na.first, ib), (na.first + 1, ib)]),
        (true, false) => Some([(ia, nb.first), (ia, nb.first + 1)]),
        (false, false) if size(&node_box(a, ia, 0.0)) >= size(&node_box(b, ib, 0.0)) => {
            Some([(na.first, ib), (na.first + 1, ib)])
        }
        (false, false) => Some([(ia, nb.first), (ia, nb.first + 1)]),
    }
}

/// The walk of [`visit_candidate_pairs`] under the node pair `start`.
fn walk<B>(
    a: &Bvh,
    b: &Bvh,
    margin: f64,
    start: (u32, u32),
    mut visit: impl FnMut(u32, u32) -> ControlFlow<B>,
) -> ControlFlow<B> {
    let mut stack = vec![start];
    while let Some((ia, ib)) = stack.pop() {
        if !overlap(&node_box(a, ia, margin), &node_box(b, ib, 0.0)) {
            continue;
        }
        let (na, nb) = (&a.nodes[ia as usize], &b.nodes[ib as usize]);
        if na.count > 0 && nb.count > 0 {
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
        } else {
            stack.extend(descend(a, b, ia, ib, margin).into_iter().flatten());
        }
    }
    ControlFlow::Continue(())
}

/// Each pair of distinct triangles of one hierarchy whose leaves' boxes meet, once
/// (unordered, in the caller's indices), handed to `visit` with a list for what it finds;
/// the lists are concatenated. A superset of the pairs whose triangles meet: `visit`
/// decides. Sub-trees are walked in parallel (a self-pair walk: a node against itself is
/// its children against themselves and each other, so no pair is seen twice).
pub fn self_candidate_pairs<T: Send>(
    bvh: &Bvh,
    visit: impl Fn(u32, u32, &mut Vec<T>) + Sync,
) -> Vec<T> {
    self_candidate_pairs_until(bvh, visit, &|| false).unwrap_or_default()
}

/// [`self_candidate_pairs`] for a job that can be cancelled: `None` once `stop` returns
/// true, which each walker asks every 1 024 node pairs.
pub fn self_candidate_pairs_until<T: Send>(
    bvh: &Bvh,
    visit: impl Fn(u32, u32, &mut Vec<T>) + Sync,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<T>> {
    use rayon::prelude::*;
    if bvh.is_empty() {
        return Some(Vec::new());
    }
    let inner = |i: u32| bvh.nodes[i as usize].count == 0;
    let children = |i: u32| {
        let first = bvh.nodes[i as usize].first;
        [first, first + 1]
    };
    // Expand the root's task breadth first until there is work for every thread.
    let mut tasks = vec![(0u32, 0u32)];
    let enough = 8 * rayon::current_num_threads();
    while tasks.len() < enough {
        let Some(k) = tasks.iter().position(|&(a, b)| inner(a) || inner(b)) else {
            break;
        };
        let (a, b) = tasks.swap_remove(k);
        tasks.extend(split(bvh, a, b, &inner, &children));
    }
    let lists: Vec<Vec<T>> = tasks
        .par_iter()
        .map(|&task| {
            let mut found = Vec::new();
            let mut stack = vec![task];
            let mut popped = 0u32;
            while let Some((a, b)) = stack.pop() {
                popped = popped.wrapping_add(1);
                if popped.is_multiple_of(1024) && stop() {
                    return None;
                }
                if !inner(a) && !inner(b) {
                    let (na, nb) = (&bvh.nodes[a as usize], &bvh.nodes[b as usize]);
                    for ka in na.first..na.first + na.count {
                        let from = if a == b { ka + 1 } else { nb.first };
                        for kb in from..nb.first + nb.count {
                            visit(bvh.order[ka as usize], bvh.order[kb as usize], &mut found);
                        }
                    }
                } else {
                    stack.extend(split(bvh, a, b, &inner, &children));
                }
            }
            Some(found)
        })
        .collect::<Option<_>>()?;
    Some(lists.into_iter().flatten().collect())
}

/// The sub-tasks of the node pair `(a, b)` (`a == b`: a node against itself) whose boxes
/// meet.
fn split(
    bvh: &Bvh,
    a: u32,
    b: u32,
    inner: &impl Fn(u32) -> bool,
    children: &impl Fn(u32) -> [u32; 2],
) -> Vec<(u32, u32)> {
    if a == b {
        let [l, r] = children(a);
        let mut out = vec![(l, l), (r, r)];
        if overlap(&node_box(bvh, l, 0.0), &node_box(bvh, r, 0.0)) {
            out.push((l, r));
        }
        return out;
    }
    let size = |i: u32| {
        let d = node_box(bvh, i, 0.0).size();
        d.x + d.y + d.z
    };
    // Split the inner node, the larger when both are.
    let split_a = inner(a) && (!inner(b) || size(a) >= size(b));
    let pairs = if split_a {
        children(a).map(|c| (c, b))
    } else {
        children(b).map(|c| (a, c))
    };
    pairs
        .into_iter()
        .filter(|&(x, y)| overlap(&node_box(bvh, x, 0.0), &node_box(bvh, y, 0.0)))
        .collect()
}

//! Binned SAH construction.

use rayon::prelude::*;

use super::{Bvh, BvhNode};
use crate::bbox::Aabb;
use crate::vec3::Point3;

const BINS: usize = 32;
/// Leaves hold at most this many triangles.
const MAX_LEAF: usize = 4;
/// Cost of one ray–box test relative to one ray–triangle test.
const TRAVERSAL_COST: f64 = 1.0;
/// Sub-trees of fewer primitives are not worth a task of their own.
const PARALLEL_MIN: usize = 4096;
/// Nodes of at least this many primitives sweep them in parallel chunks of `CHUNK`.
const PARALLEL_SWEEP: usize = 65_536;
const CHUNK: usize = 16_384;

fn area(b: &Aabb) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let d = b.size();
    2.0 * (d.x * d.y + d.y * d.z + d.z * d.x)
}

/// The box containing both (plain comparisons: coordinates are finite, and the empty
/// box's infinities are the identity).
#[inline]
fn union(a: &Aabb, b: &Aabb) -> Aabb {
    let lo = |x: f64, y: f64| if y < x { y } else { x };
    let hi = |x: f64, y: f64| if y > x { y } else { x };
    Aabb {
        min: Point3::new(
            lo(a.min.x, b.min.x),
            lo(a.min.y, b.min.y),
            lo(a.min.z, b.min.z),
        ),
        max: Point3::new(
            hi(a.max.x, b.max.x),
            hi(a.max.y, b.max.y),
            hi(a.max.z, b.max.z),
        ),
    }
}

/// Rounds an f64 box to f32, outwards, so the f32 box contains the f64 one.
fn to_f32_box(b: &Aabb) -> ([f32; 3], [f32; 3]) {
    let down = |x: f64| {
        let f = x as f32;
        if f64::from(f) > x { f.next_down() } else { f }
    };
    let up = |x: f64| {
        let f = x as f32;
        if f64::from(f) < x { f.next_up() } else { f }
    };
    (
        [down(b.min.x), down(b.min.y), down(b.min.z)],
        [up(b.max.x), up(b.max.y), up(b.max.z)],
    )
}

struct Prim {
    bounds: Aabb,
    centroid: [f64; 3],
}

pub(super) fn build(input: &[[Point3; 3]], stop: &(dyn Fn() -> bool + Sync)) -> Option<Bvh> {
    let scene: Aabb = input.iter().flat_map(|t| t.iter().copied()).collect();
    let origin = if scene.is_empty() {
        Point3::default()
    } else {
        scene.center()
    };
    let local: Vec<[[f64; 3]; 3]> = input
        .iter()
        .map(|t| t.map(|p| p - origin).map(|v| [v.x, v.y, v.z]))
        .collect();
    let prims: Vec<Prim> = local
        .iter()
        .map(|t| {
            let bounds: Aabb = t.iter().map(|&c| Point3::from_array(c)).collect();
            let c = bounds.center();
            Prim {
                bounds,
                centroid: [c.x, c.y, c.z],
            }
        })
        .collect();
    let mut order: Vec<u32> = (0..input.len() as u32).collect();
    let mut nodes = vec![BvhNode::default()];
    if input.is_empty() {
        return Some(Bvh {
            origin,
            triangles: Vec::new().into(),
            order: order.into(),
            nodes: nodes.into(),
            wide: Vec::new().into(),
            radius: 0.0,
            id: super::next_id(),
        });
    }
    if stop() {
        return None;
    }
    // The top of the tree in one thread, until the nodes are small enough that each is a
    // share of the work; then those sub-trees in parallel, appended after the top.
    let threads = rayon::current_num_threads();
    let defer = if threads > 1 && input.len() >= 2 * PARALLEL_MIN {
        (input.len() / (4 * threads)).max(PARALLEL_MIN)
    } else {
        0
    };
    let mut deferred = Vec::new();
    grow(&mut nodes, &mut order, 0, &prims, defer, &mut deferred);
    if stop() {
        return None;
    }
    deferred.sort_unstable_by_key(|&(_, first, _)| first);
    let mut slices = Vec::with_capacity(deferred.len());
    let mut rest: &mut [u32] = &mut order;
    let mut at = 0;
    for &(node, first, count) in &deferred {
        let (_, tail) = rest.split_at_mut(first - at);
        let (slice, tail) = tail.split_at_mut(count);
        slices.push((node, first, slice));
        rest = tail;
        at = first + count;
    }
    let subtrees: Vec<(usize, Vec<BvhNode>)> = slices
        .into_par_iter()
        .map(|(node, first, slice)| {
            if stop() {
                return None;
            }
            let mut local = vec![BvhNode::default()];
            grow(&mut local, slice, first, &prims, 0, &mut Vec::new());
            Some((node, local))
        })
        .collect::<Option<_>>()?;
    for (node, local) in subtrees {
        // Local node i ≥ 1 goes to offset + i − 1; the local root replaces `node`.
        let offset = nodes.len() as u32;
        let place = |mut n: BvhNode| {
            if n.count == 0 {
                n.first = offset + n.first - 1;
            }
            n
        };
        nodes[node] = place(local[0]);
        nodes.extend(local[1..].iter().map(|&n| place(n)));
    }
    if stop() {
        return None;
    }
    let triangles: Vec<[[f64; 3]; 3]> = order.iter().map(|&i| local[i as usize]).collect();
    let radius = triangles
        .iter()
        .flatten()
        .flatten()
        .fold(0.0f64, |m, c| m.max(c.abs()));
    let wide = super::wide::collapse(&nodes);
    Some(Bvh {
        origin,
        triangles: triangles.into(),
        order: order.into(),
        nodes: nodes.into(),
        wide: wide.into(),
        radius,
        id: super::next_id(),
    })
}

/// Splits the node `root = 0` of the tree under construction over `order` (its primitives,
/// which start at `base` of the whole order) until every leaf is cheaper than its split;
/// a node with fewer than `defer` primitives is left unsplit and listed in `deferred` as
/// `(node, first, count)` (first in the whole order) for a later, parallel pass.
fn grow(
    nodes: &mut Vec<BvhNode>,
    order: &mut [u32],
    base: usize,
    prims: &[Prim],
    defer: usize,
    deferred: &mut Vec<(usize, usize, usize)>,
) {
    // (node index, first, count), first relative to `order`
    let mut stack = vec![(0usize, 0usize, order.len())];
    while let Some((node, first, count)) = stack.pop() {
        if count < defer {
            deferred.push((node, base + first, count));
            continue;
        }
        let slice = &mut order[first..first + count];
        let (bounds, centroids) = boxes_of(slice, prims);
        let (min, max) = to_f32_box(&bounds);
        nodes[node].min = min;
        nodes[node].max = max;
        let split = if count > MAX_LEAF {
            best_split(slice, prims, &bounds, &centroids)
        } else {
            None
        };
        let leaf = BvhNode {
            min,
            max,
            first: (base + first) as u32,
            count: count as u32,
        };
        let Some((axis, position)) = split else {
            nodes[node] = leaf;
            continue;
        };
        // Partition the slice: centroids left of the plane first.
        let mut left = 0;
        for k in 0..slice.len() {
            if prims[slice[k] as usize].centroid[axis] < position {
                slice.swap(k, left);
                left += 1;
            }
        }
        if left == 0 || left == count {
            nodes[node] = leaf;
            continue;
        }
        let child = nodes.len();
        nodes.push(BvhNode::default());
        nodes.push(BvhNode::default());
        nodes[node].first = child as u32;
        nodes[node].count = 0;
        stack.push((child + 1, first + left, count - left));
        stack.push((child, first, left));
    }
}

/// The bounds of the primitives in `slice` and of their centroids, in one pass, in
/// parallel chunks for the top nodes (a union of boxes is exact, so the order does not
/// matter).
fn boxes_of(slice: &[u32], prims: &[Prim]) -> (Aabb, Aabb) {
    let fold = |chunk: &[u32]| {
        chunk.iter().fold((Aabb::EMPTY, Aabb::EMPTY), |(b, c), &i| {
            let p = &prims[i as usize];
            let at = Point3::from_array(p.centroid);
            (union(&b, &p.bounds), union(&c, &Aabb { min: at, max: at }))
        })
    };
    let both = |(a, b): (Aabb, Aabb), (c, d): (Aabb, Aabb)| (union(&a, &c), union(&b, &d));
    if slice.len() >= PARALLEL_SWEEP {
        slice
            .par_chunks(CHUNK)
            .map(fold)
            .reduce(|| (Aabb::EMPTY, Aabb::EMPTY), both)
    } else {
        fold(slice)
    }
}

/// Per axis, the bounds and counts of the primitives in each bin.
type Bins = [([Aabb; BINS], [usize; BINS]); 3];

/// The SAH-best split plane `(axis, position)` of the primitives in `slice` (bounds
/// `bounds`, centroids within `centroids`), or `None` when a leaf is cheaper. The bins of
/// all three axes are filled in one pass over the primitives.
fn best_split(
    slice: &[u32],
    prims: &[Prim],
    bounds: &Aabb,
    centroids: &Aabb,
) -> Option<(usize, f64)> {
    let leaf_cost = slice.len() as f64;
    let parent_area = area(bounds);
    let mut best: Option<(f64, usize, f64)> = None;
    // Small nodes get fewer bins (a quarter of their primitives, at least 8): nearly the
    // same planes for a fraction of the sweep, which dominates building the many small
    // hierarchies of a clash test.
    let bins = BINS.min((slice.len() / 4).max(8)).min(slice.len());
    let (lo, hi) = (centroids.min.to_array(), centroids.max.to_array());
    // An axis whose centroids all coincide has no plane (its scale is left 0).
    let scale: [f64; 3] = std::array::from_fn(|k| {
        if hi[k] > lo[k] {
            bins as f64 / (hi[k] - lo[k])
        } else {
            0.0
        }
    });
    let fill = |chunk: &[u32]| {
        let mut out: Bins = [([Aabb::EMPTY; BINS], [0usize; BINS]); 3];
        for &i in chunk {
            let p = &prims[i as usize];
            for (axis, (bin_bounds, bin_counts)) in out.iter_mut().enumerate() {
                let b = (((p.centroid[axis] - lo[axis]) * scale[axis]) as usize).min(bins - 1);
                bin_counts[b] += 1;
                bin_bounds[b] = union(&bin_bounds[b], &p.bounds);
            }
        }
        out
    };
    let filled = if slice.len() >= PARALLEL_SWEEP {
        slice.par_chunks(CHUNK).map(fill).reduce(
            || [([Aabb::EMPTY; BINS], [0usize; BINS]); 3],
            |mut x, y| {
                for (a, b) in x.iter_mut().zip(&y) {
                    for k in 0..BINS {
                        a.0[k] = union(&a.0[k], &b.0[k]);
                        a.1[k] += b.1[k];
                    }
                }
                x
            },
        )
    } else {
        fill(slice)
    };
    for (axis, (bin_bounds, bin_counts)) in filled.iter().enumerate() {
        if scale[axis] == 0.0 {
            continue;
        }
        let (lo, scale) = (lo[axis], scale[axis]);
        // Sweep from the right to get the cost of every right side, then from the left.
        let mut right_area = [0.0; BINS];
        let mut right_count = [0usize; BINS];
        let (mut acc, mut n) = (Aabb::EMPTY, 0);
        for b in (1..bins).rev() {
            acc = union(&acc, &bin_bounds[b]);
            n += bin_counts[b];
            right_area[b] = area(&acc);
            right_count[b] = n;
        }
        let (mut acc, mut n) = (Aabb::EMPTY, 0);
        for b in 0..bins - 1 {
            acc = union(&acc, &bin_bounds[b]);
            n += bin_counts[b];
            if n == 0 || right_count[b + 1] == 0 {
                continue;
            }
            let cost = TRAVERSAL_COST
                + (area(&acc) * n as f64 + right_area[b + 1] * right_count[b + 1] as f64)
                    / parent_area.max(f64::MIN_POSITIVE);
            if best.is_none_or(|(c, _, _)| cost < c) {
                best = Some((cost, axis, lo + (b + 1) as f64 / scale));
            }
        }
    }
    match best {
        Some((cost, axis, position)) if cost < leaf_cost || slice.len() > 4 * MAX_LEAF => {
            Some((axis, position))
        }
        _ => None,
    }
}

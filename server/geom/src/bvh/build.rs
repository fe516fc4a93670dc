//! Binned SAH construction.

use super::{Bvh, BvhNode};
use crate::bbox::Aabb;
use crate::vec3::Point3;

const BINS: usize = 32;
/// Leaves hold at most this many triangles.
const MAX_LEAF: usize = 4;
/// Cost of one ray–box test relative to one ray–triangle test.
const TRAVERSAL_COST: f64 = 1.0;

fn area(b: &Aabb) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let d = b.size();
    2.0 * (d.x * d.y + d.y * d.z + d.z * d.x)
}

fn union(a: &Aabb, b: &Aabb) -> Aabb {
    let mut u = *a;
    if !b.is_empty() {
        u.grow(b.min);
        u.grow(b.max);
    }
    u
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

pub(super) fn build(input: &[[Point3; 3]]) -> Bvh {
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
        return Bvh {
            origin,
            triangles: Vec::new().into(),
            order: order.into(),
            nodes: nodes.into(),
            wide: Vec::new().into(),
            radius: 0.0,
            id: super::next_id(),
        };
    }
    // (node index, first, count)
    let mut stack = vec![(0usize, 0usize, input.len())];
    while let Some((node, first, count)) = stack.pop() {
        let slice = &mut order[first..first + count];
        let bounds = slice
            .iter()
            .fold(Aabb::EMPTY, |b, &i| union(&b, &prims[i as usize].bounds));
        let (min, max) = to_f32_box(&bounds);
        nodes[node].min = min;
        nodes[node].max = max;
        let split = if count > MAX_LEAF {
            best_split(slice, &prims, &bounds)
        } else {
            None
        };
        let Some((axis, position)) = split else {
            nodes[node].first = first as u32;
            nodes[node].count = count as u32;
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
            nodes[node].first = first as u32;
            nodes[node].count = count as u32;
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
    let triangles: Vec<[[f64; 3]; 3]> = order.iter().map(|&i| local[i as usize]).collect();
    let radius = triangles
        .iter()
        .flatten()
        .flatten()
        .fold(0.0f64, |m, c| m.max(c.abs()));
    let wide = super::wide::collapse(&nodes);
    Bvh {
        origin,
        triangles: triangles.into(),
        order: order.into(),
        nodes: nodes.into(),
        wide: wide.into(),
        radius,
        id: super::next_id(),
    }
}

/// The SAH-best split plane `(axis, position)` of the primitives in `slice`, or `None` when a
/// leaf is cheaper.
fn best_split(slice: &[u32], prims: &[Prim], bounds: &Aabb) -> Option<(usize, f64)> {
    let centroids: Aabb = slice
        .iter()
        .map(|&i| Point3::from_array(prims[i as usize].centroid))
        .collect();
    let leaf_cost = slice.len() as f64;
    let parent_area = area(bounds);
    let mut best: Option<(f64, usize, f64)> = None;
    // Small nodes get fewer bins (a quarter of their primitives, at least 8): nearly the
    // same planes for a fraction of the sweep, which dominates building the many small
    // hierarchies of a clash test.
    let bins = BINS.min((slice.len() / 4).max(8)).min(slice.len());
    for axis in 0..3 {
        let (lo, hi) = match axis {
            0 => (centroids.min.x, centroids.max.x),
            1 => (centroids.min.y, centroids.max.y),
            _ => (centroids.min.z, centroids.max.z),
        };
        if hi <= lo {
            continue;
        }
        let scale = bins as f64 / (hi - lo);
        let mut bin_bounds = [Aabb::EMPTY; BINS];
        let mut bin_counts = [0usize; BINS];
        for &i in slice {
            let p = &prims[i as usize];
            let b = (((p.centroid[axis] - lo) * scale) as usize).min(bins - 1);
            bin_counts[b] += 1;
            bin_bounds[b] = union(&bin_bounds[b], &p.bounds);
        }
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

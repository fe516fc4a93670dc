//! Ray and point queries: closest hit, any hit, closest point.
//!
//! Ray–triangle tests are Möller–Trumbore in f64 on the local coordinates, two-sided. Among
//! hits at exactly the same distance (a ray through a shared edge) the lowest triangle index
//! wins, so every backend can reproduce the choice.

use super::wide::{BoxRay, round_up};
use super::{Bvh, BvhNode};
use crate::vec3::{Point3, Vector3};

/// A ray `origin + t · direction` for `t` in `[t_min, t_max]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ray {
    /// Start point, world coordinates.
    pub origin: Point3,
    /// Direction; need not be unit length (`t` is then in its units).
    pub direction: Vector3,
    /// Nearest accepted distance.
    pub t_min: f64,
    /// Farthest accepted distance.
    pub t_max: f64,
}

/// Where a ray meets a triangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Ray parameter of the hit.
    pub t: f64,
    /// The caller's index of the triangle hit.
    pub triangle: u32,
    /// Barycentric coordinate of the hit along the triangle's second corner.
    pub u: f64,
    /// Barycentric coordinate along the third corner.
    pub v: f64,
}

/// The last blocker of a run of shadow rays, for [`Bvh::any_hit_cached`]: one per thread
/// and run (a sensor's suns), starting empty.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShadowCache {
    /// Stored slot of the last triangle that blocked a ray.
    slot: Option<u32>,
}

/// Ray in the hierarchy's local frame, with precomputed inverse direction.
struct LocalRay {
    o: [f64; 3],
    d: [f64; 3],
    t_min: f64,
}

impl LocalRay {
    fn new(bvh: &Bvh, ray: &Ray) -> LocalRay {
        let o = ray.origin - bvh.origin;
        let d = [ray.direction.x, ray.direction.y, ray.direction.z];
        LocalRay {
            o: [o.x, o.y, o.z],
            d,
            t_min: ray.t_min,
        }
    }

    /// Möller–Trumbore: `(t, u, v)` when the ray meets the triangle within `[t_min, t_max]`.
    fn triangle(&self, tri: &[[f64; 3]; 3], t_max: f64) -> Option<(f64, f64, f64)> {
        let sub = |a: [f64; 3], b: [f64; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
        let cross = |a: [f64; 3], b: [f64; 3]| {
            [
                a[1] * b[2] - a[2] * b[1],
                a[2] * b[0] - a[0] * b[2],
                a[0] * b[1] - a[1] * b[0],
            ]
        };
        let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let e1 = sub(tri[1], tri[0]);
        let e2 = sub(tri[2], tri[0]);
        let p = cross(self.d, e2);
        let det = dot(e1, p);
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let inv = 1.0 / det;
        let s = sub(self.o, tri[0]);
        let u = dot(s, p) * inv;
        if !(0.0..=1.0).contains(&u) {
            return None;
        }
        let q = cross(s, e1);
        let v = dot(self.d, q) * inv;
        if v < 0.0 || u + v > 1.0 {
            return None;
        }
        let t = dot(e2, q) * inv;
        (t >= self.t_min && t <= t_max).then_some((t, u, v))
    }
}

impl Bvh {
    fn box_ray(&self, r: &LocalRay) -> BoxRay {
        BoxRay::new(r.o, r.d, r.t_min, self.radius)
    }

    /// The nearest hit along `ray`, if any.
    pub fn closest_hit(&self, ray: &Ray) -> Option<Hit> {
        if self.is_empty() {
            return None;
        }
        let r = LocalRay::new(self, ray);
        let b = self.box_ray(&r);
        let mut best: Option<Hit> = None;
        let mut t_max = ray.t_max;
        // Wide nodes with their entry distance; nearest on top.
        let mut stack: Vec<(u32, f32)> = Vec::with_capacity(64);
        stack.push((0, b.t_min_f32()));
        while let Some((index, t_enter)) = stack.pop() {
            if f64::from(t_enter) > t_max {
                continue;
            }
            let node = &self.wide[index as usize];
            let (hit, near) = b.enter_lanes(node, round_up(t_max));
            let hit = hit & node.occupied();
            if hit == 0 {
                continue;
            }
            // Visit hit lanes nearest first: leaves now, inner nodes pushed farthest first.
            // One lane (the common case deep in the tree) needs no ordering.
            let lanes = if hit.is_power_of_two() {
                let l = hit.trailing_zeros() as usize;
                [l, l, l, l]
            } else {
                let mut enter = [f32::INFINITY; 4];
                for (l, e) in enter.iter_mut().enumerate() {
                    if hit >> l & 1 == 1 {
                        *e = near[l];
                    }
                }
                nearest_first(&enter)
            };
            let count = hit.count_ones() as usize;
            for &l in lanes[..count].iter().rev() {
                if node.count[l] == 0 {
                    super::wide::prefetch(&self.wide, node.child[l]);
                    stack.push((node.child[l], near[l]));
                }
            }
            // Every hit leaf's triangles start loading before the first is tested.
            for &l in &lanes[..count] {
                if node.count[l] > 0 {
                    super::wide::prefetch_range(&self.triangles, node.child[l], node.count[l]);
                }
            }
            for &l in &lanes[..count] {
                if node.count[l] == 0 {
                    continue;
                }
                let first = node.child[l] as usize;
                for k in first..first + node.count[l] as usize {
                    if let Some((t, u, v)) = r.triangle(&self.triangles[k], t_max) {
                        let triangle = self.order[k];
                        let better = match best {
                            None => true,
                            Some(b) => t < b.t || (t == b.t && triangle < b.triangle),
                        };
                        if better {
                            best = Some(Hit { t, triangle, u, v });
                            t_max = t;
                        }
                    }
                }
            }
        }
        best
    }

    /// Some hit along `ray`, if any (the first found, not the nearest): the occlusion query
    /// of shadow rays.
    pub fn any_hit(&self, ray: &Ray) -> Option<Hit> {
        self.any_hit_cached(ray, &mut ShadowCache::default())
    }

    /// [`Self::any_hit`] that first tries the triangle that blocked the previous ray of the
    /// same `cache`. Rays from one point towards nearly the same direction (a sensor's suns
    /// taken in order of direction) are mostly blocked by the same triangle, which then costs
    /// one triangle test instead of a walk. Whether a ray is blocked does not depend on the
    /// cache; which blocker is reported may.
    pub fn any_hit_cached(&self, ray: &Ray, cache: &mut ShadowCache) -> Option<Hit> {
        if self.is_empty() {
            return None;
        }
        let r = LocalRay::new(self, ray);
        if let Some(k) = cache.slot
            && let Some(tri) = self.triangles.get(k as usize)
            && let Some((t, u, v)) = r.triangle(tri, ray.t_max)
        {
            return Some(Hit {
                t,
                triangle: self.order[k as usize],
                u,
                v,
            });
        }
        let b = self.box_ray(&r);
        let t_max = round_up(ray.t_max);
        let mut stack: Vec<u32> = Vec::with_capacity(64);
        stack.push(0);
        while let Some(index) = stack.pop() {
            let node = &self.wide[index as usize];
            let (hit, _) = b.enter_lanes(node, t_max);
            let mut lanes = hit & node.occupied();
            while lanes != 0 {
                let l = lanes.trailing_zeros() as usize;
                lanes &= lanes - 1;
                if node.count[l] == 0 {
                    super::wide::prefetch(&self.wide, node.child[l]);
                    stack.push(node.child[l]);
                    continue;
                }
                let first = node.child[l] as usize;
                for k in first..first + node.count[l] as usize {
                    if let Some((t, u, v)) = r.triangle(&self.triangles[k], ray.t_max) {
                        cache.slot = Some(k as u32);
                        return Some(Hit {
                            t,
                            triangle: self.order[k],
                            u,
                            v,
                        });
                    }
                }
            }
        }
        None
    }

    /// Calls `f` with every triangle (caller's index) whose leaf box meets the box from
    /// `lo` to `hi`: a superset of the triangles that meet it.
    pub fn for_each_in_box(&self, lo: Point3, hi: Point3, mut f: impl FnMut(u32)) {
        if self.is_empty() {
            return;
        }
        let (lo, hi) = (lo - self.origin, hi - self.origin);
        let (lo, hi) = ([lo.x, lo.y, lo.z], [hi.x, hi.y, hi.z]);
        let meets = |n: &BvhNode| {
            (0..3).all(|a| f64::from(n.min[a]) <= hi[a] && f64::from(n.max[a]) >= lo[a])
        };
        if !meets(&self.nodes[0]) {
            return;
        }
        let mut stack = vec![0u32];
        while let Some(index) = stack.pop() {
            let node = &self.nodes[index as usize];
            if !meets(node) {
                continue;
            }
            if node.count > 0 {
                for k in node.first..node.first + node.count {
                    f(self.order[k as usize]);
                }
            } else {
                stack.extend([node.first, node.first + 1]);
            }
        }
    }

    /// The point of the triangles nearest to `p` within `max_distance`: `(point, distance,
    /// triangle)`, ties to the lowest triangle index.
    pub fn closest_point(&self, p: Point3, max_distance: f64) -> Option<(Point3, f64, u32)> {
        if self.is_empty() {
            return None;
        }
        let q = p - self.origin;
        let q = [q.x, q.y, q.z];
        let box_distance2 = |n: &BvhNode| {
            (0..3)
                .map(|a| {
                    let d = (f64::from(n.min[a]) - q[a])
                        .max(0.0)
                        .max(q[a] - f64::from(n.max[a]));
                    d * d
                })
                .sum::<f64>()
        };
        let mut best: Option<([f64; 3], f64, u32)> = None;
        let mut limit2 = max_distance * max_distance;
        // Most queries of a point well off the triangles end at the root: no stack for them.
        let root = box_distance2(&self.nodes[0]);
        if root > limit2 {
            return None;
        }
        let mut stack = vec![(0u32, root)];
        while let Some((index, d2)) = stack.pop() {
            if d2 > limit2 {
                continue;
            }
            let node = &self.nodes[index as usize];
            if node.count > 0 {
                let first = node.first as usize;
                for k in first..first + node.count as usize {
                    let c = closest_on_triangle(q, &self.triangles[k]);
                    let e2 = (0..3).map(|a| (c[a] - q[a]).powi(2)).sum::<f64>();
                    let triangle = self.order[k];
                    let better = match best {
                        None => e2 <= limit2,
                        Some((_, b2, bt)) => e2 < b2 || (e2 == b2 && triangle < bt),
                    };
                    if better {
                        best = Some((c, e2, triangle));
                        limit2 = e2;
                    }
                }
                continue;
            }
            let (a, b) = (node.first, node.first + 1);
            let (da, db) = (
                box_distance2(&self.nodes[a as usize]),
                box_distance2(&self.nodes[b as usize]),
            );
            if da <= db {
                stack.push((b, db));
                stack.push((a, da));
            } else {
                stack.push((a, da));
                stack.push((b, db));
            }
        }
        best.map(|(c, d2, t)| (self.origin + Vector3::new(c[0], c[1], c[2]), d2.sqrt(), t))
    }
}

/// Lane indices ordered by entry distance (misses, at infinity, last): a five-exchange
/// sorting network, cheaper than a general sort for four keys.
#[inline(always)]
fn nearest_first(enter: &[f32; 4]) -> [usize; 4] {
    let mut l = [0usize, 1, 2, 3];
    let mut exchange = |a: usize, b: usize| {
        if enter[l[b]] < enter[l[a]] {
            l.swap(a, b);
        }
    };
    exchange(0, 1);
    exchange(2, 3);
    exchange(0, 2);
    exchange(1, 3);
    exchange(1, 2);
    l
}

/// The point of triangle `t` nearest to `p` (Ericson, *Real-Time Collision Detection*, 5.1.5).
fn closest_on_triangle(p: [f64; 3], t: &[[f64; 3]; 3]) -> [f64; 3] {
    let sub = |a: [f64; 3], b: [f64; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let along =
        |o: [f64; 3], d: [f64; 3], s: f64| [o[0] + d[0] * s, o[1] + d[1] * s, o[2] + d[2] * s];
    let (a, b, c) = (t[0], t[1], t[2]);
    let ab = sub(b, a);
    let ac = sub(c, a);
    let ap = sub(p, a);
    let d1 = dot(ab, ap);
    let d2 = dot(ac, ap);
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = sub(p, b);
    let d3 = dot(ab, bp);
    let d4 = dot(ac, bp);
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return along(a, ab, d1 / (d1 - d3));
    }
    let cp = sub(p, c);
    let d5 = dot(ab, cp);
    let d6 = dot(ac, cp);
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return along(a, ac, d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return along(b, sub(c, b), (d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = 1.0 / (va + vb + vc);
    let (v, w) = (vb * denom, vc * denom);
    [
        a[0] + ab[0] * v + ac[0] * w,
        a[1] + ab[1] * v + ac[1] * w,
        a[2] + ab[2] * v + ac[2] * w,
    ]
}

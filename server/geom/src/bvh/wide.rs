//! A 4-wide copy of the binary hierarchy for ray traversal on the CPU: each node holds the
//! boxes of up to four children side by side (structure of arrays), so one node visit tests
//! four boxes in the same few vector instructions and the tree is half as deep.
//!
//! The binary [`super::BvhNode`] array stays the layout that GPUs take; this one is derived
//! from it after the build.
//!
//! Boxes are tested in f32. To stay conservative the box is widened by `slack`: enough to
//! cover the rounding of the ray's origin to f32 and of the slab arithmetic (a few ulps of
//! the largest coordinate involved), so a ray that meets a box in exact arithmetic is never
//! culled; the triangle tests that decide hits stay in f64.

use super::BvhNode;

/// No child in this lane.
pub(super) const EMPTY: u32 = u32::MAX;

/// Four children's boxes and links, 128 bytes.
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, align(64))]
pub(super) struct WideNode {
    /// Box minima per axis, one lane per child.
    pub min: [[f32; 4]; 3],
    /// Box maxima per axis.
    pub max: [[f32; 4]; 3],
    /// A leaf lane's first primitive, an inner lane's node index, or [`EMPTY`].
    pub child: [u32; 4],
    /// A leaf lane's primitive count; 0 for an inner or empty lane.
    pub count: [u32; 4],
}

impl WideNode {
    /// The lanes that hold a child, as bits (lane `l` is bit `l`).
    #[inline(always)]
    pub fn occupied(&self) -> u32 {
        let mut bits = 0;
        for (l, &c) in self.child.iter().enumerate() {
            bits |= u32::from(c != EMPTY) << l;
        }
        bits
    }

    const VACANT: WideNode = WideNode {
        min: [[f32::INFINITY; 4]; 3],
        max: [[f32::NEG_INFINITY; 4]; 3],
        child: [EMPTY; 4],
        count: [0; 4],
    };
}

fn half_area(n: &BvhNode) -> f32 {
    let d = [0, 1, 2].map(|a| (n.max[a] - n.min[a]).max(0.0));
    d[0] * d[1] + d[1] * d[2] + d[2] * d[0]
}

/// Collapses the binary hierarchy into 4-wide nodes; node 0 is the root.
pub(super) fn collapse(nodes: &[BvhNode]) -> Vec<WideNode> {
    let mut wide = Vec::with_capacity(nodes.len() / 2 + 1);
    if nodes.is_empty() {
        return wide;
    }
    wide.push(WideNode::VACANT);
    // (binary node whose children become the lanes, wide slot to fill)
    let mut stack = vec![(0usize, 0usize)];
    while let Some((binary, slot)) = stack.pop() {
        let root = &nodes[binary];
        // A leaf root (a tiny scene) becomes a single leaf lane.
        let mut lanes: Vec<usize> = if root.count > 0 {
            vec![binary]
        } else {
            vec![root.first as usize, root.first as usize + 1]
        };
        // Open the largest inner lane until four lanes are filled or all are leaves.
        while lanes.len() < 4 {
            let Some(k) = (0..lanes.len())
                .filter(|&k| nodes[lanes[k]].count == 0)
                .max_by(|&a, &b| {
                    half_area(&nodes[lanes[a]]).total_cmp(&half_area(&nodes[lanes[b]]))
                })
            else {
                break;
            };
            let n = lanes.swap_remove(k);
            lanes.push(nodes[n].first as usize);
            lanes.push(nodes[n].first as usize + 1);
        }
        let mut node = WideNode::VACANT;
        for (lane, &b) in lanes.iter().enumerate() {
            let n = &nodes[b];
            for a in 0..3 {
                node.min[a][lane] = n.min[a];
                node.max[a][lane] = n.max[a];
            }
            if n.count > 0 {
                node.child[lane] = n.first;
                node.count[lane] = n.count;
            } else {
                let child = wide.len();
                wide.push(WideNode::VACANT);
                node.child[lane] = child as u32;
                stack.push((b, child));
            }
        }
        wide[slot] = node;
    }
    wide
}

/// A ray prepared for f32 box tests.
pub(super) struct BoxRay {
    /// Origin plus slack: subtracted from box minima.
    o_plus: [f32; 3],
    /// Origin minus slack: subtracted from box maxima.
    o_minus: [f32; 3],
    inv: [f32; 3],
    t_min: f32,
}

impl BoxRay {
    /// `o` and `d` in the hierarchy's local frame; `radius` bounds every box coordinate.
    pub fn new(o: [f64; 3], d: [f64; 3], t_min: f64, radius: f64) -> BoxRay {
        let reach = o.iter().fold(radius, |m, c| m.max(c.abs()));
        // 16 ulps of the largest coordinate: origin rounding (½ ulp) plus the slab
        // arithmetic's few roundings, with room to spare; and one more for rounding the
        // sums below to nearest (|o ± slack| < 2 · reach: at most one ulp of reach lost),
        // cheaper per ray than rounding them outwards.
        let slack = (reach * f64::from(f32::EPSILON) * 17.0) as f32;
        let slack = f64::from(slack.max(f32::MIN_POSITIVE));
        // Widening the box by the slack is moving the origin towards it: min − slack − o =
        // min − (o + slack).
        BoxRay {
            o_plus: o.map(|c| (c + slack) as f32),
            o_minus: o.map(|c| (c - slack) as f32),
            inv: d.map(|c| (1.0 / c) as f32),
            t_min: round_down(t_min),
        }
    }

    /// The start of the ray's interval, rounded down to f32.
    pub fn t_min_f32(&self) -> f32 {
        self.t_min
    }

    /// The lanes whose boxes the ray meets before `t_max`, as bits (lane `l` is bit `l`),
    /// with each lane's entry distance (meaningful for those lanes only).
    ///
    /// NaN rules: a NaN (0 · ∞, a ray in a widened slab's plane) leaves near and far alone
    /// or culls the box, which the slack makes safe: the true ray then misses the true box.
    /// The SSE path's `minps`/`maxps` return their second operand when either is NaN,
    /// which is the portable path's comparisons exactly, so both give the same lanes.
    #[inline(always)]
    pub fn enter_lanes(&self, n: &WideNode, t_max: f32) -> (u32, [f32; 4]) {
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        {
            use std::arch::x86_64::{
                __m128, _mm_cmple_ps, _mm_max_ps, _mm_min_ps, _mm_movemask_ps, _mm_mul_ps,
                _mm_set1_ps, _mm_sub_ps,
            };
            // The rows move in and out of registers by value (bytemuck casts, no pointers).
            let row = |r: [f32; 4]| bytemuck::cast::<[f32; 4], __m128>(r);
            // SAFETY: SSE and SSE2 are part of the x86_64 baseline, so every x86_64 CPU runs
            // these instructions; they take and return values only.
            let (hit, near) = unsafe {
                let mut near = _mm_set1_ps(self.t_min);
                let mut far = _mm_set1_ps(t_max);
                for a in 0..3 {
                    let inv = _mm_set1_ps(self.inv[a]);
                    let lo =
                        _mm_mul_ps(_mm_sub_ps(row(n.min[a]), _mm_set1_ps(self.o_plus[a])), inv);
                    let hi =
                        _mm_mul_ps(_mm_sub_ps(row(n.max[a]), _mm_set1_ps(self.o_minus[a])), inv);
                    // t0 = lo < hi ? lo : hi; t1 = hi > lo ? hi : lo.
                    let t0 = _mm_min_ps(lo, hi);
                    let t1 = _mm_max_ps(hi, lo);
                    // near = t0 > near ? t0 : near; far = t1 < far ? t1 : far.
                    near = _mm_max_ps(t0, near);
                    far = _mm_min_ps(t1, far);
                }
                (_mm_movemask_ps(_mm_cmple_ps(near, far)) as u32, near)
            };
            (hit, bytemuck::cast::<__m128, [f32; 4]>(near))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.enter_lanes_portable(n, t_max)
        }
    }

    /// [`Self::enter_lanes`] in plain comparisons: the implementation off x86_64, and the
    /// reference its SSE path is tested against.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    #[inline(always)]
    fn enter_lanes_portable(&self, n: &WideNode, t_max: f32) -> (u32, [f32; 4]) {
        let mut near = [self.t_min; 4];
        let mut far = [t_max; 4];
        for a in 0..3 {
            for l in 0..4 {
                let lo = (n.min[a][l] - self.o_plus[a]) * self.inv[a];
                let hi = (n.max[a][l] - self.o_minus[a]) * self.inv[a];
                let (t0, t1) = if lo < hi { (lo, hi) } else { (hi, lo) };
                near[l] = if t0 > near[l] { t0 } else { near[l] };
                far[l] = if t1 < far[l] { t1 } else { far[l] };
            }
        }
        let mut hit = 0;
        for l in 0..4 {
            if near[l] <= far[l] {
                hit |= 1 << l;
            }
        }
        (hit, near)
    }
}

/// Asks the CPU to start loading node `index` (both of its cache lines) while the walk
/// does other work: a node pushed now is visited after the leaves and nearer nodes of
/// this one. A hint only; out of range does nothing.
#[inline(always)]
pub(super) fn prefetch(nodes: &[WideNode], index: u32) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    if let Some(node) = nodes.get(index as usize) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = (node as *const WideNode).cast::<i8>();
        // SAFETY: prefetch reads nothing and cannot fault; `at` and `at + 64` lie within
        // the node (128 bytes).
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(at);
            _mm_prefetch::<_MM_HINT_T0>(at.add(64));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (nodes, index);
}

/// [`prefetch`] for the items `first .. first + count` of `items` (a leaf's triangles),
/// at most eight cache lines of them.
#[inline(always)]
pub(super) fn prefetch_range<T>(items: &[T], first: u32, count: u32) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    if let Some(run) = items.get(first as usize..(first + count) as usize) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let bytes = std::mem::size_of_val(run).min(8 * 64);
        let at = run.as_ptr().cast::<i8>();
        for line in (0..bytes).step_by(64) {
            // SAFETY: prefetch reads nothing and cannot fault; every address lies within
            // `run`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.add(line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, first, count);
}

/// The largest f32 not above `x`.
pub(super) fn round_down(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

/// The smallest f32 not below `x`.
pub(super) fn round_up(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sse_box_test_gives_the_portable_lanes_and_distances() {
        // Random boxes (some empty lanes, some flat) against random rays, directions with
        // zero components among them (∞ inverses, NaN slabs): lanes and the hit lanes'
        // entry distances agree bit for bit.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        for case in 0..20_000 {
            let mut node = WideNode::VACANT;
            for l in 0..4 {
                if next() < -0.8 {
                    continue;
                }
                for a in 0..3 {
                    let (c, h) = (
                        next() * 10.0,
                        (next() + 1.0) * if next() < -0.9 { 0.0 } else { 2.0 },
                    );
                    node.min[a][l] = (c - h) as f32;
                    node.max[a][l] = (c + h) as f32;
                }
                node.child[l] = l as u32;
            }
            let o = [next() * 20.0, next() * 20.0, next() * 20.0];
            let mut d = [next(), next(), next()];
            for c in &mut d {
                if next() < -0.7 {
                    *c = 0.0;
                }
            }
            let ray = BoxRay::new(o, d, 0.0, 20.0);
            for t_max in [f32::INFINITY, 5.0] {
                let (a, near_a) = ray.enter_lanes(&node, t_max);
                let (b, near_b) = ray.enter_lanes_portable(&node, t_max);
                assert_eq!(a, b, "case {case}");
                for l in 0..4 {
                    if a >> l & 1 == 1 {
                        assert_eq!(near_a[l].to_bits(), near_b[l].to_bits(), "case {case}");
                    }
                }
            }
        }
    }
}

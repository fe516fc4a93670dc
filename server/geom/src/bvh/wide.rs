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
        // arithmetic's few roundings, with room to spare.
        let slack = (reach * f64::from(f32::EPSILON) * 16.0) as f32;
        let slack = f64::from(slack.max(f32::MIN_POSITIVE));
        // Widening the box by the slack is moving the origin towards it: min − slack − o =
        // min − (o + slack). The sums are rounded outwards so the widening never shrinks.
        BoxRay {
            o_plus: o.map(|c| round_up(c + slack)),
            o_minus: o.map(|c| round_down(c - slack)),
            inv: d.map(|c| (1.0 / c) as f32),
            t_min: round_down(t_min),
        }
    }

    /// The start of the ray's interval, rounded down to f32.
    pub fn t_min_f32(&self) -> f32 {
        self.t_min
    }

    /// Entry distance of the ray into each lane's box when it meets it before `t_max`
    /// (`f32::INFINITY` for lanes it misses).
    #[inline(always)]
    pub fn enter(&self, n: &WideNode, t_max: f32) -> [f32; 4] {
        let mut near = [self.t_min; 4];
        let mut far = [t_max; 4];
        // Plain comparisons rather than f32::min/max, whose NaN rules cost a blend per use:
        // these map to single minps/maxps. A NaN (0 · ∞, a ray in a widened slab's plane)
        // fails every comparison and leaves near/far alone or culls the box, which the
        // slack makes safe: the true ray then misses the true box.
        for a in 0..3 {
            for l in 0..4 {
                let lo = (n.min[a][l] - self.o_plus[a]) * self.inv[a];
                let hi = (n.max[a][l] - self.o_minus[a]) * self.inv[a];
                let (t0, t1) = if lo < hi { (lo, hi) } else { (hi, lo) };
                near[l] = if t0 > near[l] { t0 } else { near[l] };
                far[l] = if t1 < far[l] { t1 } else { far[l] };
            }
        }
        let mut out = [f32::INFINITY; 4];
        for l in 0..4 {
            if near[l] <= far[l] {
                out[l] = near[l];
            }
        }
        out
    }
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

//! Nodes from CAD points: points closer than the model tolerance become one node.
//!
//! A uniform grid with cells of the tolerance's size; a point looks in the 27 cells
//! around it, so merging is linear in the number of points. The first point of a cluster
//! is the node's position (later points snap to it, they do not average it, so a node
//! never drifts away from a point already matched).

use std::collections::HashMap;

/// Points merged within a tolerance.
#[derive(Clone, Debug)]
pub struct NodeSet {
    tolerance: f64,
    cells: HashMap<[i64; 3], Vec<usize>>,
    /// Node positions.
    pub points: Vec<[f64; 3]>,
}

impl NodeSet {
    /// An empty set merging within `tolerance` (> 0).
    pub fn new(tolerance: f64) -> NodeSet {
        NodeSet {
            tolerance,
            cells: HashMap::new(),
            points: Vec::new(),
        }
    }

    fn cell(&self, p: [f64; 3]) -> [i64; 3] {
        p.map(|v| (v / self.tolerance).floor() as i64)
    }

    /// The node within the tolerance of `p` (the nearest if several), if any.
    pub fn find(&self, p: [f64; 3]) -> Option<usize> {
        let c = self.cell(p);
        let mut best: Option<(f64, usize)> = None;
        for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let Some(list) = self.cells.get(&[c[0] + dx, c[1] + dy, c[2] + dz]) else {
                        continue;
                    };
                    for &i in list {
                        let d = crate::model::distance(self.points[i], p);
                        if d <= self.tolerance && best.is_none_or(|(bd, _)| d < bd) {
                            best = Some((d, i));
                        }
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// The node at `p`: an existing one within the tolerance, or a new one.
    pub fn insert(&mut self, p: [f64; 3]) -> usize {
        if let Some(i) = self.find(p) {
            return i;
        }
        let i = self.points.len();
        self.points.push(p);
        let c = self.cell(p);
        self.cells.entry(c).or_default().push(i);
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_within_tolerance_share_a_node() {
        let mut s = NodeSet::new(1e-3);
        let a = s.insert([0.0, 0.0, 0.0]);
        let b = s.insert([0.0009, 0.0, 0.0]);
        let c = s.insert([0.0011, 0.0, 0.0]);
        let d = s.insert([-0.0004, 0.0004, -0.0004]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, d);
        assert_eq!(s.find([0.0011, 0.0002, 0.0]), Some(c));
        assert_eq!(s.find([5.0, 0.0, 0.0]), None);
    }
}

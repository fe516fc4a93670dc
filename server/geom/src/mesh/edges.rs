//! The undirected edges of a mesh and the faces that use each one.
//!
//! Built by sorting half-edges on their (low, high) vertex pair, which is cache-friendly and
//! deterministic where a hash map is neither. Edges between a vertex and itself (a face with a
//! repeated index) are left out; the face is degenerate and reported as such elsewhere.

use super::Mesh;

/// One face's use of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeUse {
    /// The face.
    pub face: u32,
    /// True when the face walks the edge from its lower to its higher vertex index.
    pub forward: bool,
}

/// Every undirected edge of a mesh with its uses, edges sorted by `(low, high)`.
#[derive(Clone, Debug, Default)]
pub struct EdgeTable {
    edges: Vec<[u32; 2]>,
    /// `uses[offsets[e]..offsets[e + 1]]` are edge `e`'s uses.
    offsets: Vec<usize>,
    uses: Vec<EdgeUse>,
}

impl EdgeTable {
    /// The edge table of `mesh`.
    pub fn new(mesh: &Mesh) -> EdgeTable {
        let mut half: Vec<(u64, EdgeUse)> = Vec::with_capacity(mesh.faces().len() * 4);
        for f in 0..mesh.faces().len() {
            let c = mesh.corners(f);
            for k in 0..c.len() {
                let (a, b) = (c[k], c[(k + 1) % c.len()]);
                if a == b {
                    continue;
                }
                let (lo, hi) = (a.min(b), a.max(b));
                let key = (u64::from(lo) << 32) | u64::from(hi);
                half.push((
                    key,
                    EdgeUse {
                        face: f as u32,
                        forward: a < b,
                    },
                ));
            }
        }
        half.sort_unstable_by_key(|&(key, u)| (key, u.face));
        let mut table = EdgeTable::default();
        let mut last = None;
        for (key, u) in half {
            if last != Some(key) {
                table.edges.push([(key >> 32) as u32, key as u32]);
                table.offsets.push(table.uses.len());
                last = Some(key);
            }
            table.uses.push(u);
        }
        table.offsets.push(table.uses.len());
        table
    }

    /// Number of distinct undirected edges.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// True for a mesh without edges.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Edges with their uses, in `(low, high)` order.
    pub fn iter(&self) -> impl Iterator<Item = ([u32; 2], &[EdgeUse])> + '_ {
        self.edges
            .iter()
            .enumerate()
            .map(|(e, &v)| (v, &self.uses[self.offsets[e]..self.offsets[e + 1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vec3::Point3;

    #[test]
    fn two_triangles_share_one_edge_in_opposite_directions() {
        let p = vec![Point3::default(); 4];
        let mesh = Mesh::new(p, vec![[0, 1, 2, 2], [0, 2, 3, 3]]).unwrap();
        let table = EdgeTable::new(&mesh);
        assert_eq!(table.len(), 5);
        let (_, shared) = table.iter().find(|(e, _)| *e == [0, 2]).unwrap();
        assert_eq!(shared.len(), 2);
        assert_ne!(shared[0].forward, shared[1].forward);
    }
}

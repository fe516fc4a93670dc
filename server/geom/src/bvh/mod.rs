//! A bounding volume hierarchy over triangles, with a flat node array that a GPU can take as
//! is, and the queries built on it: closest hit, any hit, closest point, and the candidate
//! triangle pairs between two hierarchies.
//!
//! Built top-down with binned SAH (Wald, "On fast construction of SAH-based bounding volume
//! hierarchies", 2007): at each node the centroids are binned along each axis and the split
//! that minimises the surface area heuristic is taken, or a leaf when no split is cheaper.
//!
//! Precision: triangles are stored in f64 relative to a local origin (the centre of the
//! scene's bounds), and node boxes in f32 relative to the same origin, rounded outwards so
//! they stay conservative. A scene 500 km from the world origin behaves like one at it.

mod build;
mod flat;
mod pairs;
mod query;
mod shared;
mod wide;

pub use flat::{FlatError, Section};
pub use pairs::{
    candidate_pairs, self_candidate_pairs, self_candidate_pairs_until, visit_candidate_pairs,
};
pub use query::{Hit, Ray, ShadowCache};
pub use shared::StableBytes;

use shared::Arr;

use crate::vec3::Point3;

/// One node of the flat layout: 32 bytes, `#[repr(C)]`, the same on CPU and GPU.
///
/// A leaf has `count > 0` and owns `order[first .. first + count]`; an inner node has
/// `count == 0` and its children at `first` and `first + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct BvhNode {
    /// Box minimum, relative to the hierarchy's origin.
    pub min: [f32; 3],
    /// First primitive (leaf) or left child (inner node).
    pub first: u32,
    /// Box maximum, relative to the hierarchy's origin.
    pub max: [f32; 3],
    /// Number of primitives; 0 for an inner node.
    pub count: u32,
}

/// A BVH over a triangle soup.
#[derive(Clone, Debug)]
pub struct Bvh {
    origin: Point3,
    /// Triangle corners relative to `origin`, in primitive order (`order`).
    triangles: Arr<[[f64; 3]; 3]>,
    /// `order[k]` is the caller's index of the k-th stored triangle.
    order: Arr<u32>,
    nodes: Arr<BvhNode>,
    /// The same hierarchy 4 wide, for CPU ray traversal.
    wide: Arr<wide::WideNode>,
    /// Largest absolute coordinate of any stored triangle (bounds the box coordinates).
    radius: f64,
    /// Unique per construction (a copy keeps it): lets a GPU backend reuse an upload.
    id: u64,
}

/// The next hierarchy's id.
fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Bvh {
    /// Builds the hierarchy over `triangles` (corner positions); triangle `i` of the input is
    /// reported as `i` by every query.
    pub fn new(triangles: &[[Point3; 3]]) -> Bvh {
        build::build(triangles, &|| false).unwrap_or_else(|| unreachable!("never stopped"))
    }

    /// [`Bvh::new`] for a job that can be cancelled: `None` once `stop` returns true, which
    /// is asked between the stages of the build and before each sub-tree.
    pub fn new_until(triangles: &[[Point3; 3]], stop: &(dyn Fn() -> bool + Sync)) -> Option<Bvh> {
        build::build(triangles, stop)
    }

    /// The flat node array; node 0 is the root.
    pub fn nodes(&self) -> &[BvhNode] {
        &self.nodes
    }

    /// The caller's triangle index of each stored primitive, in leaf order.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Triangle corners relative to [`Self::origin`], in stored (leaf) order: entry `k` is the
    /// caller's triangle `order()[k]`. GPU backends upload these.
    pub fn local_triangles(&self) -> &[[[f64; 3]; 3]] {
        &self.triangles
    }

    /// The local origin that boxes and stored triangles are relative to.
    pub fn origin(&self) -> Point3 {
        self.origin
    }

    /// An id no other hierarchy built or restored in this process has (copies share it):
    /// a key under which a backend may keep this hierarchy's upload.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Number of triangles.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True for a hierarchy over no triangles.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

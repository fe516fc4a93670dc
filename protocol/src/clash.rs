//! Wire types of the `clash` job: which objects of a scene collide, come too close,
//! duplicate each other or sit inside each other, as coordination tools report it.
//!
//! Semantics (Navisworks' Clash Detective): a **hard** clash at tolerance `t` is reported
//! only when the penetration depth exceeds `t` (and exceeds what rounding alone makes, 64
//! ulps of the largest coordinate: faces flush in the model and then turned or moved cross
//! by about one, and only touch); a **clearance** clash at `c` when the
//! distance is below `c` (pairs that meet or pass into each other shallower than the hard
//! tolerance included); **duplicates** coincide within a tolerance; **containment** is an
//! object wholly inside a closed one with the surfaces apart. Every mesh, NURBS surface and
//! Brep of the scene is an object; surfaces and Breps are tessellated at the scene's
//! tolerance and carry the measured deviation, which each clash reports as `uncertainty`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Parameters of a `clash` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashParams {
    /// Report hard clashes; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard: Option<bool>,
    /// Penetration a hard clash must exceed, model units; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_tolerance: Option<f64>,
    /// Report pairs closer than this distance, model units; no clearance test when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearance: Option<f64>,
    /// Report pairs that coincide within this distance as duplicates, model units; no
    /// duplicate test when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<f64>,
    /// Report objects wholly inside a closed object; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containment: Option<bool>,
    /// Decide on the worst case the tessellation deviation allows (report when the true
    /// surfaces could clash), as Navisworks' "Hard (Conservative)"; default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conservative: Option<bool>,
    /// Set A; default every object. Without `set_b`, set A is tested against itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_a: Option<Selection>,
    /// Set B: when given, only pairs of one object of A and one of B are tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_b: Option<Selection>,
    /// Pairs left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<IgnoreRules>,
    /// Chord tolerance for meshing surfaces and Breps, model units; default 10 × the
    /// scene's tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chord_tolerance: Option<f64>,
    /// How many clashes to list, most severe first; the counts are always complete.
    /// Default 10 000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_listed: Option<u32>,
}

/// Objects chosen by layer or by id (an object is in the set when either matches).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Selection {
    /// Layers whose objects are in the set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// Object ids in the set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

/// Which pairs are not tested.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IgnoreRules {
    /// Pairs on one layer.
    #[serde(default)]
    pub same_layer: bool,
    /// Pairs in one group, block or composite object.
    #[serde(default)]
    pub same_group: bool,
    /// Pairs between these two layers (either order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layer_pairs: Vec<[String; 2]>,
}

/// The type of a clash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClashType {
    /// The surfaces pass into each other deeper than the hard tolerance.
    Hard,
    /// One object wholly inside a closed other, surfaces apart.
    Containment,
    /// The two coincide within the duplicate tolerance.
    Duplicate,
    /// Closer than the clearance distance.
    Clearance,
}

/// The output of `clash`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashReport {
    /// Every object of the scene, in the order meshes, surfaces, Breps.
    pub objects: Vec<ClashObjectInfo>,
    /// How many clashes of each type (all of them, listed or not).
    pub counts: ClashCounts,
    /// The clashes, most severe first: hard by depth, containment by depth, duplicates,
    /// clearance by distance; at most `max_listed`.
    pub clashes: Vec<ClashEntry>,
    /// The listed clashes grouped by the pair of layers of their objects, the group with
    /// the most severe clash first.
    pub groups: Vec<ClashGroup>,
    /// What the detection did.
    pub stats: ClashStats,
}

/// One object as the clash test saw it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashObjectInfo {
    /// Caller's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where it is in the scene (`/inputs/scene/meshes/3`).
    pub source: String,
    /// Layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Triangles tested.
    pub triangles: u64,
    /// True for a mesh that bounds a solid, every edge walked as often one way as the other
    /// (closed and consistently oriented; lumps may share edges): containment and flush
    /// overlaps apply.
    pub closed: bool,
    /// Largest distance of the mesh tested from the object sent (0 for meshes).
    pub deviation: f64,
}

/// Counts per clash type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClashCounts {
    /// Hard clashes.
    pub hard: u64,
    /// Containments.
    pub containment: u64,
    /// Duplicates.
    pub duplicate: u64,
    /// Clearance clashes.
    pub clearance: u64,
    /// All of them.
    pub total: u64,
}

/// One clash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashEntry {
    /// First object (index into `objects`).
    pub a: u32,
    /// Second object.
    pub b: u32,
    /// First object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_id: Option<String>,
    /// Second object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_id: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub kind: ClashType,
    /// Least distance between the surfaces (0 when they meet; for duplicates the largest
    /// distance of either from the other), model units.
    pub distance: f64,
    /// Penetration depth estimate: how far `b` must move along `axis` to clear `a` (the
    /// separating-axis depth; exact for convex objects), model units; 0 when none.
    pub depth: f64,
    /// Unit direction for `depth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<[f64; 3]>,
    /// A point of `a` at the clash (on both surfaces when they meet).
    pub point_a: [f64; 3],
    /// The matching point of `b`.
    pub point_b: [f64; 3],
    /// Distance and depth are within this of the true surfaces' (tessellation).
    pub uncertainty: f64,
    /// For a containment, the object inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner: Option<u32>,
}

/// Clashes between two layers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashGroup {
    /// The two layers, in the order they first appear in the scene (absent: objects
    /// without a layer).
    pub layers: [Option<String>; 2],
    /// Indices into `clashes`, most severe first.
    pub clashes: Vec<u32>,
}

/// What the detection did and how long it took.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClashStats {
    /// Triangles over all objects.
    pub triangles: u64,
    /// Object pairs the broad phase passed (bounds within reach, allowed by the rules).
    pub candidate_pairs: u64,
    /// Triangle pairs the GPU's contact filter classified (0 on the CPU backend).
    #[serde(default)]
    pub device_pairs: u64,
    /// Of those, the pairs too close to call in f64, decided exactly on the host.
    #[serde(default)]
    pub device_undecided: u64,
    /// Why the GPU did not take the triangle pairs, when it did not (the CPU did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_fallback: Option<String>,
    /// Seconds meshing surfaces and Breps and building each object's hierarchy.
    pub prepare_secs: f64,
    /// Seconds in the broad phase.
    pub broad_secs: f64,
    /// Seconds deciding the candidate pairs.
    pub narrow_secs: f64,
}

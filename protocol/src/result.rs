//! What a finished job returns: the output of its kernel plus provenance and timings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::packed::Packed;

/// The result of a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobResult {
    /// Wire protocol version of this result.
    pub protocol: u32,
    /// The job this result answers.
    pub job_id: String,
    /// Content hash of the job (kind, parameters, inputs, kernel version): equal keys share
    /// one result.
    pub job_key: String,
    /// Name and version of the kernel that computed the output (`mesh_check@2`).
    pub kernel_version: String,
    /// The compute backend and device that ran the kernel.
    pub backend: BackendInfo,
    /// Where the time went, for the run that computed the output.
    pub timings: Timings,
    /// True when this answer came from the result cache, computed for an earlier
    /// identical job (whose timings are reported).
    #[serde(default)]
    pub cached: bool,
    /// The kernel's output.
    pub output: Output,
}

/// A compute backend and the device it ran on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BackendInfo {
    /// `cpu`, `wgpu` or `cuda`.
    pub name: String,
    /// The device, e.g. `x86_64, 2 threads` or a GPU's name.
    pub device: String,
}

/// A job's time split into its phases, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// From acceptance until a worker took the job.
    pub queue_secs: f64,
    /// Loading inputs, decoding, validating and preparing the scene.
    pub prepare_secs: f64,
    /// Running the kernel.
    pub compute_secs: f64,
    /// How the worker got the prepared scene, for jobs that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<crate::worker::SceneStart>,
}

/// The output of one kind of kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Output of a `mesh_check` job.
    MeshCheck(MeshCheckReport),
    /// Output of a `raycast` job.
    Raycast(RaycastReport),
    /// Output of a `tessellate` job.
    Tessellate(TessellateReport),
    /// Output of a `sun_hours` job.
    SunHours(crate::sunlight::SunHoursReport),
    /// Output of a `radiation` job.
    Radiation(crate::sunlight::RadiationReport),
    /// Output of a `frame` job.
    Frame(crate::structural::FrameReport),
    /// Output of a `clash` job.
    Clash(crate::clash::ClashReport),
    /// Output of an `intersect` job.
    Intersect(crate::intersection::IntersectReport),
}

/// The output of `tessellate`: one mesh per surface and per Brep of the scene, in scene order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TessellateReport {
    /// One entry per untrimmed surface: a grid of quads with unit normals.
    pub surfaces: Vec<TessellatedMesh>,
    /// One entry per Brep: triangles over vertices shared along the Brep's edges, so a closed
    /// Brep gives a closed mesh.
    #[serde(default)]
    pub breps: Vec<TessellatedMesh>,
}

/// The mesh of one surface or Brep and how close it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TessellatedMesh {
    /// Index of the object in `scene.surfaces` or `scene.breps`.
    pub index: u32,
    /// The object's `id`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The mesh.
    pub mesh: crate::geometry::Mesh,
    /// Largest surface-to-mesh distance found by the dense check, model units.
    pub max_deviation: f64,
    /// False when refinement hit its limit before meeting the tolerances.
    pub converged: bool,
}

/// The output of `raycast`: per-ray arrays in ray order; a miss has distance −1, mesh and
/// face −1 and a zero normal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RaycastReport {
    /// Number of rays that hit something.
    pub hit_count: u64,
    /// Distance from the ray origin to the hit along the unit direction, model units.
    pub distance: Packed<f64>,
    /// Index of the mesh hit in `scene.meshes`.
    pub mesh: Packed<i32>,
    /// Index of the face hit in that mesh's `faces`.
    pub face: Packed<i32>,
    /// Unit normal of the face hit, following its winding (counter-clockwise = front).
    pub normal: Packed<[f64; 3]>,
}

/// The output of `mesh_check`: one report per mesh of the scene, in scene order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeshCheckReport {
    /// One report per mesh.
    pub meshes: Vec<MeshReport>,
}

/// Axis-aligned bounds in model units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BoundingBox {
    /// Smallest x, y, z.
    pub min: [f64; 3],
    /// Largest x, y, z.
    pub max: [f64; 3],
}

/// Counts, measures and defects of one mesh.
///
/// Edges are counted between distinct vertex indices; coincident but distinct vertices do not
/// join faces (see `coincident_vertex_groups` for those).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeshReport {
    /// Index of the mesh in `scene.meshes`.
    pub index: u32,
    /// The mesh's `id`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Number of vertices.
    pub vertex_count: u64,
    /// Number of faces (triangles plus quads).
    pub face_count: u64,
    /// Number of triangles.
    pub triangle_count: u64,
    /// Number of quads.
    pub quad_count: u64,
    /// Number of distinct undirected edges.
    pub edge_count: u64,
    /// Bounds of the vertices that faces use; absent for a mesh with no faces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_box: Option<BoundingBox>,
    /// Total face area in square model units (a quad as two triangles split along a–c).
    pub area: f64,
    /// Enclosed volume in cubic model units, when the mesh is closed and consistently
    /// oriented; negative when its faces point inwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Every edge has exactly two faces.
    pub is_closed: bool,
    /// Every edge with two faces is used in opposite directions by them.
    pub is_oriented: bool,
    /// No edge has more than two faces.
    pub is_manifold: bool,
    /// Number of connected pieces (faces joined through shared edges).
    pub components: u64,
    /// Edges with one face.
    pub naked_edge_count: u64,
    /// Up to `max_listed` naked edges as vertex index pairs.
    pub naked_edges: Vec<[u32; 2]>,
    /// Edges with three or more faces.
    pub non_manifold_edge_count: u64,
    /// Up to `max_listed` non-manifold edges.
    pub non_manifold_edges: Vec<[u32; 2]>,
    /// Edges whose two faces use it in the same direction (one face is flipped).
    pub misoriented_edge_count: u64,
    /// Faces with repeated vertices or (near) zero area.
    pub degenerate_face_count: u64,
    /// Up to `max_listed` degenerate face indices.
    pub degenerate_faces: Vec<u64>,
    /// Number of groups of distinct vertices lying within the coincidence tolerance.
    pub coincident_vertex_group_count: u64,
    /// Up to `max_listed` such groups, as vertex indices.
    pub coincident_vertex_groups: Vec<Vec<u32>>,
    /// Vertices no face uses.
    pub unused_vertex_count: u64,
    /// Pairs of faces that cross or touch other than in the vertices and edges they share
    /// (vertices at one point count as shared); absent when not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_intersecting_pair_count: Option<u64>,
    /// Up to `max_listed` such pairs, as face indices, sorted.
    #[serde(default)]
    pub self_intersecting_pairs: Vec<[u32; 2]>,
}

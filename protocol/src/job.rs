//! The job envelope: protocol version, kind, parameters and inputs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::geometry::Scene;
use crate::packed::Packed;

/// A unit of work: what to compute (`kind` and `params`) on what (`inputs`).
///
/// A job is a pure function of its inputs and the kernel version, so two identical jobs
/// share one result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Job {
    /// Wire protocol version this job is written in; see [`crate::PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The analysis to run and its parameters.
    #[serde(flatten)]
    pub task: Task,
    /// The data the analysis runs on.
    #[serde(default)]
    pub inputs: Inputs,
    /// Which queued jobs run first: `interactive` before `normal` before `bulk`. Batches
    /// default to `bulk`, so a designer's single job overtakes them.
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
    /// Seconds the job may run on a worker before it is stopped and failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
}

/// Which queued jobs run first.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Large sweeps and batches: run when nothing else waits.
    Bulk,
    /// The default.
    #[default]
    Normal,
    /// A person is waiting: runs before everything queued.
    Interactive,
}

impl Priority {
    /// True for the default (so it is left out of encodings).
    pub fn is_normal(&self) -> bool {
        *self == Priority::Normal
    }
}

/// The analysis kind with its parameters: `{"kind": "...", "params": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case")]
pub enum Task {
    /// Per-mesh counts, bounds, area, volume and topology defects.
    MeshCheck(MeshCheckParams),
    /// Rays against the scene's meshes: nearest hit (or any hit) per ray.
    Raycast(RaycastParams),
    /// NURBS surfaces and trimmed Breps to meshes within a chord tolerance, with the achieved
    /// deviation.
    Tessellate(TessellateParams),
    /// Hours of direct sun per sensor of the analysis geometry.
    SunHours(crate::sunlight::SunHoursParams),
    /// Cumulative incident radiation per sensor from a sky (weather file or clear sky),
    /// and each sensor's sky view.
    Radiation(crate::sunlight::RadiationParams),
    /// Linear static and modal analysis of a 3D frame and truss model (`inputs.structure`).
    Frame(crate::structural::FrameParams),
    /// Hard, clearance, duplicate and containment clashes among the scene's objects.
    Clash(crate::clash::ClashParams),
    /// Where the scene's objects meet: intersection curves and points.
    Intersect(crate::intersection::IntersectParams),
}

/// The kinds of job, without parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// See [`Task::MeshCheck`].
    MeshCheck,
    /// See [`Task::Raycast`].
    Raycast,
    /// See [`Task::Tessellate`].
    Tessellate,
    /// See [`Task::SunHours`].
    SunHours,
    /// See [`Task::Radiation`].
    Radiation,
    /// See [`Task::Frame`].
    Frame,
    /// See [`Task::Clash`].
    Clash,
    /// See [`Task::Intersect`].
    Intersect,
}

impl JobKind {
    /// The kind's wire name (`mesh_check`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::MeshCheck => "mesh_check",
            JobKind::Raycast => "raycast",
            JobKind::Tessellate => "tessellate",
            JobKind::SunHours => "sun_hours",
            JobKind::Radiation => "radiation",
            JobKind::Frame => "frame",
            JobKind::Clash => "clash",
            JobKind::Intersect => "intersect",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Task {
    /// The kind of this task.
    pub fn kind(&self) -> JobKind {
        match self {
            Task::MeshCheck(_) => JobKind::MeshCheck,
            Task::Raycast(_) => JobKind::Raycast,
            Task::Tessellate(_) => JobKind::Tessellate,
            Task::SunHours(_) => JobKind::SunHours,
            Task::Radiation(_) => JobKind::Radiation,
            Task::Frame(_) => JobKind::Frame,
            Task::Clash(_) => JobKind::Clash,
            Task::Intersect(_) => JobKind::Intersect,
        }
    }
}

/// Parameters of a `mesh_check` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeshCheckParams {
    /// Distance under which two vertices count as coincident, in model units; defaults to
    /// the scene's absolute tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coincident_tolerance: Option<f64>,
    /// How many offending items (edges, faces, vertex groups) to list per mesh and category;
    /// the counts are always complete. Default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_listed: Option<u32>,
    /// Also find faces that cross or touch each other other than in the vertices and
    /// edges they share (CGAL's self-intersection test, exact); default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_intersections: Option<bool>,
}

/// Parameters of a `raycast` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RaycastParams {
    /// Farthest accepted hit, in model units along each ray; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<f64>,
    /// `closest` (default): the nearest hit per ray; `any`: whether anything is hit
    /// (occlusion), reporting whichever hit is found first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<RaycastMode>,
}

/// Parameters of a `tessellate` job (the knobs of Rhino's mesher).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TessellateParams {
    /// Largest distance between surface and mesh, model units; default 10 × the scene's
    /// absolute tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chord_tolerance: Option<f64>,
    /// Largest angle between normals across one mesh cell, degrees; default 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub angle_tolerance_deg: Option<f64>,
    /// Longest mesh edge, model units; no limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_edge_length: Option<f64>,
}

/// What a `raycast` job looks for along each ray.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RaycastMode {
    /// The nearest hit.
    #[default]
    Closest,
    /// Any hit (cheaper; for visibility and shadows).
    Any,
}

/// Rays: one origin and one direction each, in model units. Directions need not be unit
/// length; distances are reported along the unit direction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rays {
    /// Start points.
    pub origins: Packed<[f64; 3]>,
    /// Directions, non-zero, one per origin.
    pub directions: Packed<[f64; 3]>,
}

/// The named inputs of a job; which ones a kind needs is checked by validation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Inputs {
    /// The scene to analyse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<Input<Scene>>,
    /// Rays to trace (`raycast`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rays: Option<Input<Rays>>,
    /// Geometry that shades but is not analysed (`sun_hours`, `radiation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Input<Scene>>,
    /// Hourly weather (`radiation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weather: Option<Input<crate::sunlight::WeatherFile>>,
    /// A structural model (`frame`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<Input<crate::structural::StructuralModel>>,
}

/// An input carried in the job itself, or a reference to a blob uploaded before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Input<T> {
    /// The value itself.
    Inline(T),
    /// The BLAKE3 hash of a blob holding the value (MessagePack or JSON).
    Blob(BlobHash),
}

/// The BLAKE3 hash of a blob's bytes, as 64 lowercase hex digits.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct BlobHash(pub String);

impl BlobHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        BlobHash(blake3_hex(bytes))
    }

    /// True when this is 64 lowercase hex digits, the only form the service accepts.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 64
            && self
                .0
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

//! Cicada's wire types: the contract between clients (Grasshopper, Python, the CLI) and the
//! service.
//!
//! Only this crate derives `Serialize`/`Deserialize`. Everything here is plain data: no
//! geometry math, no HTTP. MessagePack (named fields, packed numeric arrays) is the wire
//! format; JSON mirrors it for files and scripts. See [`geometry`] for the knot convention.

pub mod api;
pub mod clash;
pub mod codec;
pub mod geometry;
pub mod intersection;
pub mod job;
pub mod packed;
pub mod result;
pub mod structural;
pub mod sunlight;
pub mod validate;
pub mod worker;

pub use api::{
    BatchCounts, BatchEvent, BatchRequest, BatchStatus, BlobStored, CostView, DeviceUsage,
    ErrorBody, ErrorInfo, Health, JobEvent, JobState, JobStatus, PoolView, Problem, SceneStarts,
    Usage, UsageSample, WorkerView, WorkersView,
};
pub use clash::{ClashParams, ClashReport};
pub use codec::{CodecError, Format, decode, decode_job, encode};
pub use geometry::{
    Brep, BrepEdge, BrepFace, Line, LoopKind, Mesh, NurbsCurve, NurbsSurface, Point, Polyline,
    Scene, Trim, TrimCurve, TrimLoop, Units,
};
pub use job::{
    BlobHash, Input, Inputs, Job, JobKind, MeshCheckParams, Priority, RaycastMode, RaycastParams,
    Rays, Task, TessellateParams,
};
pub use packed::{Face, Packed};
pub use result::{
    BackendInfo, BoundingBox, JobResult, MeshCheckReport, MeshReport, Output, RaycastReport,
    TessellateReport, TessellatedMesh, Timings,
};
pub use structural::{FrameParams, FrameReport, StructuralModel};
pub use sunlight::{
    DirectSun, Legend, RadiationParams, RadiationReport, SensorGrid, SensorGridParams,
    SensorSource, SiteLocation, SkyDensity, Statistics, StudyPeriod, SunHoursParams,
    SunHoursReport, WeatherFile,
};
pub use validate::{Limits, validate_job, validate_rays, validate_scene, validate_structure};

/// The wire protocol version this build speaks; every job and result carries it.
pub const PROTOCOL_VERSION: u32 = 1;

/// The JSON Schema of job files (`docs/schema/job.schema.json` is this, checked in).
pub fn job_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Job);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

//! Running one job in this process: resolve inputs, validate, lower, run the kernel.
//!
//! Shared by worker processes and `cicada-server run`, so a job file gives the same answer
//! on the command line as through the service.

use std::time::Instant;

use cicada_compute::{
    Backend, Cancelled, Progress, mesh_check, raycast, structural, sunlight, tessellate,
};
use cicada_protocol::{
    self as wire, BackendInfo, BlobHash, Format, Input, Job, JobResult, Limits, Output, Problem,
    Rays, Scene, Task, Timings, decode, encode, validate_job, validate_rays, validate_scene,
};

use crate::lower;

/// Why a job could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The job or one of its inputs is invalid; each problem names its field.
    #[error("invalid job: {}", join(.0))]
    Invalid(Vec<Problem>),
    /// An input names a blob that is not available.
    #[error("{path}: blob {hash} not found (upload it with PUT /v1/blobs/{hash})")]
    MissingBlob {
        /// Field path of the input.
        path: String,
        /// The missing hash.
        hash: BlobHash,
    },
    /// Reading an input failed.
    #[error("{0}")]
    Input(String),
    /// The kernel was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The job was prepared without its scene (the worker expected to hold it, or to find
    /// its snapshot) and the scene turned out to be needed after all.
    #[error("the prepared scene is gone; the job needs its scene input")]
    SceneNeeded,
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<Cancelled> for JobError {
    fn from(_: Cancelled) -> Self {
        JobError::Cancelled
    }
}

/// Where blob inputs come from, and where kernels may keep what they derive from inputs.
pub trait BlobSource: Sync {
    /// The bytes of blob `hash`, or `None` when unknown.
    fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, String>;

    /// Derived data kept under content key `key` (hex), if any; none by default.
    fn derived(&self, _key: &str) -> Option<Vec<u8>> {
        None
    }

    /// Keeps derived data under `key`; a failure only costs the next job the work.
    fn keep_derived(&self, _key: &str, _bytes: &[u8]) {}
}

/// No blobs at all (a job file run on its own).
pub struct NoBlobs;

impl BlobSource for NoBlobs {
    fn blob(&self, _: &BlobHash) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
}

impl BlobSource for crate::store::Files {
    fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, String> {
        crate::store::Files::blob(self, hash).map_err(|e| e.to_string())
    }

    fn derived(&self, key: &str) -> Option<Vec<u8>> {
        crate::store::Files::derived(self, key).ok().flatten()
    }

    fn keep_derived(&self, key: &str, bytes: &[u8]) {
        if let Err(e) = self.put_derived(key, bytes) {
            tracing::warn!(error = %e, "could not keep derived data");
        }
    }
}

/// Resolves an input at `path`: inline as is, or decoded from its blob and checked with
/// `validate` (given the blob's own path).
fn resolve<'a, T: input_types::Wire>(
    input: &'a Input<T>,
    path: &str,
    blobs: &dyn BlobSource,
    validate: impl Fn(&T, &str) -> Vec<Problem>,
) -> Result<std::borrow::Cow<'a, T>, JobError> {
    match input {
        Input::Inline(value) => Ok(std::borrow::Cow::Borrowed(value)),
        Input::Blob(hash) => {
            let at = format!("{path}/blob");
            let bytes = blobs.blob(hash).map_err(JobError::Input)?.ok_or_else(|| {
                JobError::MissingBlob {
                    path: at.clone(),
                    hash: hash.clone(),
                }
            })?;
            let value: T = decode(&bytes, Format::sniff(&bytes)).map_err(|e| {
                JobError::Invalid(vec![Problem {
                    path: at.clone(),
                    message: format!("blob {hash} is not a {}: {e}", T::NAME),
                }])
            })?;
            let problems = validate(&value, &at);
            if !problems.is_empty() {
                return Err(JobError::Invalid(problems));
            }
            Ok(std::borrow::Cow::Owned(value))
        }
    }
}

/// The wire types an input can hold.
mod input_types {
    /// A decodable input type with a name for messages.
    pub trait Wire: serde::de::DeserializeOwned + Clone {
        /// What to call it in an error ("scene").
        const NAME: &'static str;
    }
    impl Wire for cicada_protocol::Scene {
        const NAME: &'static str = "scene";
    }
    impl Wire for cicada_protocol::Rays {
        const NAME: &'static str = "set of rays";
    }
    impl Wire for cicada_protocol::WeatherFile {
        const NAME: &'static str = "weather file";
    }
    impl Wire for cicada_protocol::StructuralModel {
        const NAME: &'static str = "structural model";
    }
}

/// The job's inputs checked and resolved: everything a kernel needs, nothing it must fetch.
pub struct PreparedJob<'a> {
    /// The job as submitted.
    pub job: &'a Job,
    /// Its scene, resolved from a blob where needed.
    pub scene: Option<std::borrow::Cow<'a, Scene>>,
    /// Its rays, resolved from a blob where needed.
    pub rays: Option<std::borrow::Cow<'a, Rays>>,
    /// Its context scene (shading only), resolved from a blob where needed.
    pub context: Option<std::borrow::Cow<'a, Scene>>,
    /// Its weather file, resolved from a blob where needed.
    pub weather: Option<std::borrow::Cow<'a, wire::WeatherFile>>,
    /// Its structural model, resolved from a blob where needed.
    pub structure: Option<std::borrow::Cow<'a, wire::StructuralModel>>,
    /// Where inputs came from; kernels keep derived data there.
    pub source: &'a dyn BlobSource,
    /// The worker's prepared scenes and their snapshots; `None` builds every scene.
    pub scenes: Option<&'a crate::scenes::Scenes>,
    /// The scene key when already known (the service computed it); else computed on use.
    pub scene_key: Option<String>,
}

/// Validates `job` and resolves its inputs.
pub fn prepare<'a>(
    job: &'a Job,
    blobs: &'a dyn BlobSource,
    limits: &Limits,
) -> Result<PreparedJob<'a>, JobError> {
    prepare_with(job, blobs, limits, true)
}

/// As [`prepare`]; with `resolve_scene` false the scene and context inputs are left
/// unread, for a worker that holds the job's prepared scene or has its snapshot: reading
/// and decoding a large scene would cost more than restoring it.
pub fn prepare_with<'a>(
    job: &'a Job,
    blobs: &'a dyn BlobSource,
    limits: &Limits,
    resolve_scene: bool,
) -> Result<PreparedJob<'a>, JobError> {
    let problems = validate_job(job, limits);
    if !problems.is_empty() {
        return Err(JobError::Invalid(problems));
    }
    let scene = match &job.inputs.scene {
        Some(input) if resolve_scene => Some(resolve(input, "/inputs/scene", blobs, |s, at| {
            validate_scene(s, at, limits)
        })?),
        _ => None,
    };
    // Names in the parameters that the scene lacks are the sender's to fix: say so now.
    let problems = match (&job.task, &scene) {
        (Task::Clash(params), Some(scene)) => crate::clash::selection_problems(params, scene),
        (Task::Intersect(params), Some(scene)) => crate::intersect::pair_problems(params, scene),
        _ => Vec::new(),
    };
    if !problems.is_empty() {
        return Err(JobError::Invalid(problems));
    }
    let rays = match &job.inputs.rays {
        Some(input) => Some(resolve(input, "/inputs/rays", blobs, |r, at| {
            validate_rays(r, at, limits)
        })?),
        None => None,
    };
    let context = match &job.inputs.context {
        Some(input) if resolve_scene => Some(resolve(input, "/inputs/context", blobs, |s, at| {
            validate_scene(s, at, limits)
        })?),
        _ => None,
    };
    let weather = match &job.inputs.weather {
        Some(input) => Some(resolve(input, "/inputs/weather", blobs, |_, _| Vec::new())?),
        None => None,
    };
    let structure = match &job.inputs.structure {
        Some(input) => {
            let model = resolve(input, "/inputs/structure", blobs, |m, at| {
                wire::validate_structure(m, at, limits)
            })?;
            // Points off every node and repeated points are the sender's to fix: find them
            // now, while the client still waits for the answer to its POST.
            crate::structural::lower(&model, structure_path(&job.inputs.structure))
                .map_err(JobError::Invalid)?;
            Some(model)
        }
        None => None,
    };
    Ok(PreparedJob {
        job,
        scene,
        rays,
        context,
        weather,
        structure,
        source: blobs,
        scenes: None,
        scene_key: None,
    })
}

/// Where a job's structural model sits, for problem paths.
fn structure_path(input: &Option<Input<wire::StructuralModel>>) -> &'static str {
    match input {
        Some(Input::Blob(_)) => "/inputs/structure/blob",
        _ => "/inputs/structure/inline",
    }
}

/// Bump when what a prepared scene holds changes (its snapshots are then rebuilt).
const SCENE_VERSION: &str = "scene@1";

/// Hashes `parts` (each length-prefixed, so no two lists collide) into a hex key.
pub(crate) fn content_key(parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex().to_string()
}

/// BLAKE3 of a value's canonical encoding (MessagePack), or empty when absent: an inline
/// scene and the same scene sent as a blob digest the same.
fn digest<T: serde::Serialize>(value: Option<&T>) -> Vec<u8> {
    value
        .and_then(|v| encode(v, Format::MsgPack).ok())
        .map(|bytes| blake3::hash(&bytes).as_bytes().to_vec())
        .unwrap_or_default()
}

/// Digests of a job's resolved inputs. Each input is encoded and hashed once; both keys
/// are made from these.
#[derive(Clone, Debug, Default)]
pub struct InputDigests {
    /// Of the scene.
    pub scene: Vec<u8>,
    /// Of the context scene.
    pub context: Vec<u8>,
    /// Of the rays.
    pub rays: Vec<u8>,
    /// Of the weather file.
    pub weather: Vec<u8>,
    /// Of the structural model.
    pub structure: Vec<u8>,
}

impl InputDigests {
    /// The digests of `prepared`'s resolved inputs (an unread scene digests as absent).
    pub fn of(prepared: &PreparedJob) -> InputDigests {
        InputDigests {
            scene: digest(prepared.scene.as_deref()),
            context: digest(prepared.context.as_deref()),
            rays: digest(prepared.rays.as_deref()),
            weather: digest(prepared.weather.as_deref()),
            structure: digest(prepared.structure.as_deref()),
        }
    }
}

/// The key of a job's prepared scene (what a worker keeps and snapshots): the task's scene
/// inputs and the parameters that shape it. `None` for tasks that prepare nothing reusable.
/// Jobs with equal keys share one snapshot, and prefer the worker holding it.
pub fn scene_key(prepared: &PreparedJob) -> Option<String> {
    scene_key_of(&prepared.job.task, &InputDigests::of(prepared))
}

/// [`scene_key`] from digests already taken.
pub fn scene_key_of(task: &Task, d: &InputDigests) -> Option<String> {
    match task {
        Task::Raycast(_) => Some(content_key(&[
            SCENE_VERSION.as_bytes(),
            b"triangles",
            &d.scene,
        ])),
        Task::SunHours(wire::SunHoursParams { grid, .. })
        | Task::Radiation(wire::RadiationParams { grid, .. }) => Some(content_key(&[
            SCENE_VERSION.as_bytes(),
            b"sunlight-study",
            &d.scene,
            &d.context,
            &encode(grid, Format::MsgPack).unwrap_or_default(),
        ])),
        Task::MeshCheck(_)
        | Task::Tessellate(_)
        | Task::Frame(_)
        | Task::Clash(_)
        | Task::Intersect(_) => None,
    }
}

/// The kernel version that answers a task.
pub fn kernel_version(task: &Task) -> &'static str {
    match task {
        Task::MeshCheck(_) => mesh_check::KERNEL_VERSION,
        Task::Raycast(_) => raycast::KERNEL_VERSION,
        Task::Tessellate(_) => tessellate::KERNEL_VERSION,
        Task::SunHours(_) => sunlight::SUN_HOURS_VERSION,
        Task::Radiation(_) => sunlight::RADIATION_VERSION,
        Task::Frame(_) => structural::KERNEL_VERSION,
        Task::Clash(_) => cicada_compute::clash::KERNEL_VERSION,
        Task::Intersect(_) => cicada_compute::intersect::KERNEL_VERSION,
    }
}

/// The content key of a prepared job: BLAKE3 over the kernel version, the task and the
/// digest of each resolved input. An inline scene and the same scene sent as a blob give
/// the same key.
pub fn job_key(prepared: &PreparedJob) -> String {
    job_key_of(&prepared.job.task, &InputDigests::of(prepared))
}

/// [`job_key`] from digests already taken.
pub fn job_key_of(task: &Task, d: &InputDigests) -> String {
    content_key(&[
        kernel_version(task).as_bytes(),
        &encode(task, Format::MsgPack).unwrap_or_default(),
        b"scene",
        &d.scene,
        b"rays",
        &d.rays,
        b"context",
        &d.context,
        b"weather",
        &d.weather,
        b"structure",
        &d.structure,
    ])
}

/// Runs the kernel of a prepared job on `backend`.
pub fn compute(
    prepared: &PreparedJob,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Output, JobError> {
    let scene = || match (&prepared.scene, &prepared.job.inputs.scene) {
        (Some(scene), _) => Ok(scene.as_ref()),
        // Left unread on purpose (see `prepare_with`).
        (None, Some(_)) => Err(JobError::SceneNeeded),
        (None, None) => Err(missing("/inputs/scene", "a scene")),
    };
    let meshes = |scene: &Scene| {
        scene
            .meshes
            .iter()
            .enumerate()
            .map(|(i, m)| {
                lower::mesh(m).map_err(|e| {
                    JobError::Invalid(vec![Problem {
                        path: format!("/inputs/scene/meshes/{i}"),
                        message: e.to_string(),
                    }])
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    match &prepared.job.task {
        Task::MeshCheck(params) => {
            let scene = scene()?;
            let meshes = meshes(scene)?;
            let kernel_params = lower::mesh_check_params(params, scene);
            let checks = mesh_check::mesh_check(&meshes, &kernel_params, progress)?;
            let meshes = checks
                .into_iter()
                .enumerate()
                .map(|(i, c)| lower::mesh_report(i, scene.meshes[i].id.clone(), c))
                .collect();
            Ok(Output::MeshCheck(wire::MeshCheckReport { meshes }))
        }
        Task::Raycast(params) => {
            let rays = prepared
                .rays
                .as_deref()
                .ok_or_else(|| missing("/inputs/rays", "rays"))?;
            progress.report(0.0, "building the BVH");
            let build = || Ok(raycast::TriangleScene::new(&meshes(scene()?)?));
            let key = prepared.scene_key.clone().or_else(|| scene_key(prepared));
            let triangles = match (prepared.scenes, key) {
                (Some(scenes), Some(key)) => scenes.get(&key, build)?,
                _ => std::sync::Arc::new(build()?),
            };
            let hits = raycast::raycast(
                &triangles,
                &lower::rays(rays),
                &lower::raycast_params(params),
                backend,
                progress,
            )?;
            Ok(Output::Raycast(lower::raycast_report(&hits)))
        }
        Task::Tessellate(params) => {
            let scene = scene()?;
            let surfaces = scene
                .surfaces
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    lower::surface(s).map_err(|e| {
                        JobError::Invalid(vec![Problem {
                            path: format!("/inputs/scene/surfaces/{i}"),
                            message: e.to_string(),
                        }])
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let breps = scene
                .breps
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    lower::brep(b).map_err(|(path, e)| {
                        JobError::Invalid(vec![Problem {
                            path: format!("/inputs/scene/breps/{i}{path}"),
                            message: e.to_string(),
                        }])
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let options = lower::tessellation_options(params, scene);
            let meshes = tessellate::tessellate(&surfaces, &options, progress)?;
            let brep_meshes = tessellate::tessellate_breps(&breps, &options, progress)?;
            let surfaces = meshes
                .into_iter()
                .enumerate()
                .map(|(i, m)| lower::tessellated_surface(i, scene.surfaces[i].id.clone(), m))
                .collect();
            let breps = brep_meshes
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    m.map(|m| lower::tessellated_brep(i, scene.breps[i].id.clone(), m))
                        .map_err(|e| {
                            JobError::Invalid(vec![Problem {
                                path: format!("/inputs/scene/breps/{i}"),
                                message: e.to_string(),
                            }])
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Output::Tessellate(wire::TessellateReport {
                surfaces,
                breps,
            }))
        }
        Task::SunHours(params) => crate::sunlight::sun_hours(prepared, params, backend, progress),
        Task::Radiation(params) => crate::sunlight::radiation(prepared, params, backend, progress),
        Task::Frame(params) => {
            let model = prepared
                .structure
                .as_deref()
                .ok_or_else(|| missing("/inputs/structure", "a structural model"))?;
            let at = structure_path(&prepared.job.inputs.structure);
            crate::structural::frame(model, at, params, backend, progress)
        }
        Task::Clash(params) => Ok(Output::Clash(crate::clash::clash(
            scene()?,
            params,
            backend,
            progress,
        )?)),
        Task::Intersect(params) => Ok(Output::Intersect(crate::intersect::intersect(
            scene()?,
            params,
            progress,
        )?)),
    }
}

fn missing(path: &str, what: &str) -> JobError {
    JobError::Invalid(vec![Problem {
        path: path.into(),
        message: format!("this job needs {what}"),
    }])
}

/// Runs a whole job here and now: prepare, key, compute; the result's `job_id` is `job_id`.
pub fn run_job(
    job: &Job,
    job_id: &str,
    blobs: &dyn BlobSource,
    limits: &Limits,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<JobResult, JobError> {
    let started = Instant::now();
    let prepared = prepare(job, blobs, limits)?;
    let key = job_key(&prepared);
    let prepare_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let output = compute(&prepared, backend, progress)?;
    let timings = Timings {
        scene: prepared
            .scenes
            .and_then(|s| s.take_last())
            .map(|(_, start, _)| start),
        queue_secs: 0.0,
        prepare_secs,
        compute_secs: started.elapsed().as_secs_f64(),
    };
    Ok(job_result(job_id, key, &job.task, backend, timings, output))
}

/// Assembles the result of a computed job.
pub fn job_result(
    job_id: &str,
    key: String,
    task: &Task,
    backend: &Backend,
    timings: Timings,
    output: Output,
) -> JobResult {
    JobResult {
        protocol: wire::PROTOCOL_VERSION,
        job_id: job_id.to_string(),
        job_key: key,
        kernel_version: kernel_version(task).to_string(),
        backend: backend_info(backend),
        timings,
        cached: false,
        output,
    }
}

/// The wire description of a backend.
pub fn backend_info(backend: &Backend) -> BackendInfo {
    BackendInfo {
        name: backend.name().to_string(),
        device: backend.device(),
    }
}

//! Running the sunlight jobs (`sun_hours`, `radiation`): the analysis scene becomes one mesh
//! and its sensors, the context and (optionally) the analysis geometry become the occluders,
//! the period becomes suns or sky hours, and the kernels of `cicada_compute::sunlight` do the
//! ray work.

use cicada_compute::raycast::TriangleScene;
use cicada_compute::sunlight::{self, Sensor};
use cicada_compute::{Backend, Progress};
use cicada_geom::{Mesh, Point3};
use cicada_protocol::{self as wire, Problem};
use cicada_sun::sky::{DirectMode, SkyPatches, cumulative_sky};
use cicada_sun::sunpath::{Location, Period, SunPathOptions, sun_path};
use cicada_sun::weather::{Weather, clear_sky_year, parse_epw, sky_hours};

use std::borrow::Cow;
use std::sync::Arc;

use crate::execute::{JobError, PreparedJob};
use crate::scene_objects::scene_meshes;
use crate::scenes::Prepared;
use crate::snapshot::{Section, Snapshot};

/// Largest lit/unlit bit matrix a `sun_hours` result carries.
const MAX_BIT_MATRIX_BYTES: u64 = 512 * 1_000_000;

fn invalid(path: impl Into<String>, message: impl ToString) -> JobError {
    JobError::Invalid(vec![Problem {
        path: path.into(),
        message: message.to_string(),
    }])
}

/// The sensors of a study, the mesh they sit on and the occluders.
struct Study {
    mesh: Mesh,
    sensors: Vec<Sensor>,
    sources: Vec<wire::SensorSource>,
    by_vertex: bool,
    occluders: TriangleScene,
    metres_per_unit: f64,
}

/// The study of a job: the worker's held or snapshotted one when it has it, else built.
/// `check` sees the sensor count (before any occluder is built, when building), so a job
/// that cannot be answered fails early.
fn study(
    prepared: &PreparedJob,
    grid: &wire::SensorGridParams,
    progress: &dyn Progress,
    check: impl Fn(usize) -> Result<(), JobError>,
) -> Result<Arc<Study>, JobError> {
    let build = || build_study(prepared, grid, progress, &check);
    match (prepared.scenes, study_key(prepared)) {
        (Some(scenes), Some(key)) => {
            let s = scenes.get(&key, build)?;
            check(s.sensors.len())?;
            Ok(s)
        }
        _ => Ok(Arc::new(build()?)),
    }
}

impl Prepared for Study {
    fn to_sections(&self) -> Vec<Section<'_>> {
        let meta = [f64::from(u8::from(self.by_vertex)), self.metres_per_unit];
        let positions: Vec<f64> = self
            .mesh
            .positions()
            .iter()
            .flat_map(|p| p.to_array())
            .collect();
        let sensors: Vec<f64> = self
            .sensors
            .iter()
            .flat_map(|x| {
                let (p, n) = (x.position, x.normal);
                [p.x, p.y, p.z, n.x, n.y, n.z, x.area]
            })
            .collect();
        let bytes = |v: &[f64]| Cow::Owned(bytemuck::cast_slice(v).to_vec());
        let mut out: Vec<Section<'_>> = vec![
            ("study.meta", bytes(&meta)),
            ("study.positions", bytes(&positions)),
            (
                "study.faces",
                Cow::Borrowed(bytemuck::cast_slice(self.mesh.faces())),
            ),
            ("study.sensors", bytes(&sensors)),
            (
                "study.sources",
                Cow::Owned(rmp_serde::to_vec_named(&self.sources).unwrap_or_default()),
            ),
        ];
        out.extend(self.occluders.to_sections());
        out
    }

    fn from_snapshot(snapshot: &Arc<Snapshot>) -> Result<Self, String> {
        let get = |name: &str| snapshot.section(name).ok_or(format!("no section {name}"));
        let floats = |name: &str| -> Result<Vec<f64>, String> {
            let b = get(name)?;
            if b.len() % 8 != 0 {
                return Err(format!("{name}: wrong length"));
            }
            Ok(bytemuck::pod_collect_to_vec(b))
        };
        let meta = floats("study.meta")?;
        let [by_vertex, metres_per_unit] = meta[..] else {
            return Err("study.meta: wrong length".into());
        };
        let positions = floats("study.positions")?;
        let faces = get("study.faces")?;
        if positions.len() % 3 != 0 || faces.len() % 16 != 0 {
            return Err("study mesh: wrong length".into());
        }
        let mesh = Mesh::new(
            positions
                .chunks_exact(3)
                .map(|c| Point3::new(c[0], c[1], c[2]))
                .collect(),
            bytemuck::pod_collect_to_vec(faces),
        )
        .map_err(|e| e.to_string())?;
        let sensors = floats("study.sensors")?;
        if sensors.len() % 7 != 0 {
            return Err("study.sensors: wrong length".into());
        }
        Ok(Study {
            mesh,
            sensors: sensors
                .chunks_exact(7)
                .map(|c| Sensor {
                    position: Point3::new(c[0], c[1], c[2]),
                    normal: cicada_geom::Vector3::new(c[3], c[4], c[5]),
                    area: c[6],
                })
                .collect(),
            sources: rmp_serde::from_slice(get("study.sources")?).map_err(|e| e.to_string())?,
            by_vertex: by_vertex != 0.0,
            occluders: TriangleScene::from_mapped(snapshot.clone(), |n| snapshot.range(n))
                .map_err(|e| e.to_string())?,
            metres_per_unit,
        })
    }

    fn heap_bytes(&self) -> usize {
        self.mesh.positions().len() * 24
            + self.mesh.faces().len() * 16
            + self.sensors.len() * 56
            + self.occluders.heap_bytes()
    }
}

/// Builds a study from the job's inputs.
fn build_study(
    prepared: &PreparedJob,
    grid: &wire::SensorGridParams,
    progress: &dyn Progress,
    check: &dyn Fn(usize) -> Result<(), JobError>,
) -> Result<Study, JobError> {
    let scene = match (&prepared.scene, &prepared.job.inputs.scene) {
        (Some(scene), _) => scene.as_ref(),
        // Left unread on purpose (see `execute::prepare_with`).
        (None, Some(_)) => return Err(JobError::SceneNeeded),
        (None, None) => return Err(invalid("/inputs/scene", "this job needs a scene")),
    };
    let metres_per_unit = scene.units.metres_per_unit();
    let grid_size = grid.grid_size.unwrap_or(1.0 / metres_per_unit);
    let offset = grid.offset.unwrap_or(0.1 / metres_per_unit);
    let by_vertex = grid.by_vertex.unwrap_or(false);
    progress.report(0.0, "meshing the analysis geometry");
    let objects = scene_meshes(
        scene,
        "/inputs/scene",
        Some(grid_size),
        None,
        true,
        progress,
    )?;
    // One mesh of every object; sensors follow its faces (or vertices) in order.
    let (mut positions, mut faces) = (Vec::<Point3>::new(), Vec::<[u32; 4]>::new());
    let mut sources = Vec::new();
    for o in &objects {
        let base = positions.len() as u32;
        let first_sensor = if by_vertex {
            positions.len()
        } else {
            faces.len()
        } as u64;
        positions.extend_from_slice(o.mesh.positions());
        faces.extend(o.mesh.faces().iter().map(|f| f.map(|i| i + base)));
        let count = if by_vertex {
            o.mesh.positions().len()
        } else {
            o.mesh.faces().len()
        };
        sources.push(wire::SensorSource {
            collection: o.collection.to_string(),
            index: o.index as u32,
            id: o.id.clone(),
            first_sensor,
            sensor_count: count as u64,
        });
    }
    let mesh = Mesh::new(positions, faces).map_err(|e| invalid("/inputs/scene", e))?;
    let sensors = if by_vertex {
        sunlight::vertex_sensors(&mesh, offset)
    } else {
        sunlight::face_sensors(&mesh, offset)
    };
    check(sensors.len())?;
    let mut blockers: Vec<Mesh> = Vec::new();
    if grid.geometry_blocks.unwrap_or(true) {
        blockers.extend(objects.into_iter().map(|o| o.mesh));
    }
    if let Some(context) = prepared.context.as_deref() {
        progress.report(0.0, "meshing the context");
        blockers.extend(
            scene_meshes(context, "/inputs/context", None, None, true, progress)?
                .into_iter()
                .map(|o| o.mesh),
        );
    }
    progress.report(0.0, "building the BVH");
    Ok(Study {
        mesh,
        sensors,
        sources,
        by_vertex,
        occluders: TriangleScene::new(&blockers),
        metres_per_unit,
    })
}

fn location(l: &wire::SiteLocation) -> Location {
    Location {
        latitude: l.latitude,
        longitude: l.longitude,
        utc_offset: l.utc_offset,
        elevation: l.elevation.unwrap_or(0.0),
    }
}

fn period(p: Option<&wire::StudyPeriod>) -> Period {
    let d = Period::default();
    let Some(p) = p else { return d };
    let year = p.year.unwrap_or(d.year);
    let end_month = p.end_month.unwrap_or(12);
    Period {
        start: (p.start_month.unwrap_or(1), p.start_day.unwrap_or(1)),
        end: (
            end_month,
            p.end_day
                .unwrap_or_else(|| cicada_sun::sunpath::days_in_month(year, end_month)),
        ),
        start_hour: p.start_hour.unwrap_or(0),
        end_hour: p.end_hour.unwrap_or(23),
        timestep: p.timestep.unwrap_or(1),
        shift_hours: 0.0,
        year,
    }
}

fn grid_report(s: &Study) -> wire::SensorGrid {
    wire::SensorGrid {
        mesh: wire::Mesh {
            vertices: wire::Packed(s.mesh.positions().iter().map(|p| p.to_array()).collect()),
            faces: wire::Packed(
                s.mesh
                    .faces()
                    .iter()
                    .map(|&[a, b, c, d]| wire::Face::quad(a, b, c, d))
                    .collect(),
            ),
            ..wire::Mesh::default()
        },
        by_vertex: s.by_vertex,
        positions: wire::Packed(s.sensors.iter().map(|x| x.position.to_array()).collect()),
        normals: wire::Packed(
            s.sensors
                .iter()
                .map(|x| [x.normal.x, x.normal.y, x.normal.z])
                .collect(),
        ),
        areas: wire::Packed(s.sensors.iter().map(|x| x.area).collect()),
        sources: s.sources.clone(),
    }
}

fn statistics(values: &[f64], sensors: &[Sensor]) -> wire::Statistics {
    if values.is_empty() {
        return wire::Statistics::default();
    }
    let area: f64 = sensors.iter().map(|s| s.area).sum();
    let weighted: f64 = values.iter().zip(sensors).map(|(v, s)| v * s.area).sum();
    wire::Statistics {
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: values.iter().sum::<f64>() / values.len() as f64,
        area_weighted_mean: if area > 0.0 { weighted / area } else { 0.0 },
    }
}

fn legend(title: &str, units: &str, stats: &wire::Statistics, colorset: &str) -> wire::Legend {
    wire::Legend {
        title: title.into(),
        units: units.into(),
        min: stats.min,
        max: stats.max,
        steps: 10,
        colorset: colorset.into(),
    }
}

/// Runs a `sun_hours` job.
pub fn sun_hours(
    prepared: &PreparedJob,
    params: &wire::SunHoursParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<wire::Output, JobError> {
    let mut period = period(params.period.as_ref());
    let mid_step = params.mid_step.unwrap_or(false);
    if mid_step {
        period.shift_hours = 0.5 / f64::from(period.timestep);
    }
    let suns = sun_path(
        &location(&params.location),
        &period,
        &SunPathOptions {
            north_angle: params.grid.north_angle_deg.unwrap_or(0.0),
            min_elevation: params.min_elevation_deg.unwrap_or(0.0),
            delta_t: None,
        },
    )
    .map_err(|e| invalid("/params/period", e))?;
    let directions: Vec<[f64; 3]> = suns.iter().map(|x| x.direction).collect();
    let keep = params.bit_matrix.unwrap_or(false);
    let s = study(prepared, &params.grid, progress, |sensors| {
        let matrix_bytes = sensors as u64 * directions.len().div_ceil(8) as u64;
        if keep && matrix_bytes > MAX_BIT_MATRIX_BYTES {
            return Err(invalid(
                "/params/bit_matrix",
                format!(
                    "the lit/unlit matrix of {sensors} sensors × {} suns would take {} MB, over \
                     the {} MB a result may hold: ask for fewer sensors (a larger grid_size), a \
                     shorter period, or no bit matrix",
                    directions.len(),
                    matrix_bytes / 1_000_000,
                    MAX_BIT_MATRIX_BYTES / 1_000_000
                ),
            ));
        }
        Ok(())
    })?;
    let e = sunlight::sun_exposure(
        backend,
        &s.occluders.bvh,
        &s.sensors,
        &directions,
        None,
        keep,
        progress,
    )?;
    let steps = f64::from(period.timestep);
    let hours: Vec<f64> = e.lit.iter().map(|&n| f64::from(n) / steps).collect();
    let statistics = statistics(&hours, &s.sensors);
    Ok(wire::Output::SunHours(wire::SunHoursReport {
        grid: grid_report(&s),
        legend: legend("Direct sun hours", "h", &statistics, "ecotect"),
        statistics,
        hours: wire::Packed(hours),
        sun_directions: wire::Packed(directions),
        sun_steps: wire::Packed(suns.iter().map(|x| x.step).collect()),
        steps_per_hour: period.timestep,
        sun_timing: if mid_step { "mid_step" } else { "step_start" }.into(),
        bit_matrix: e.matrix.map(|m| wire::Packed(m.to_bytes())),
        rays: e.rays,
    }))
}

/// Runs a `radiation` job.
pub fn radiation(
    prepared: &PreparedJob,
    params: &wire::RadiationParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<wire::Output, JobError> {
    let mut period = period(params.period.as_ref());
    // Weather is hourly; the sun of each hour is taken at its middle by sky_hours.
    period.timestep = 1;
    let weather: Weather = match (&prepared.weather, &params.location) {
        (Some(file), _) => parse_epw(&file.epw).map_err(|e| invalid("/inputs/weather/epw", e))?,
        (None, Some(l)) => clear_sky_year(&location(l), period.year),
        (None, None) => {
            return Err(invalid(
                "/params/location",
                "radiation needs a location when no weather file gives one",
            ));
        }
    };
    let mut weather = weather;
    if let Some(l) = &params.location {
        weather.location = location(l);
    }
    let north = params.grid.north_angle_deg.unwrap_or(0.0);
    let hours = sky_hours(&weather, &period, north).map_err(|e| invalid("/params/period", e))?;
    let s = study(prepared, &params.grid, progress, |_| Ok(()))?;
    let patches = SkyPatches::new(match params.sky.unwrap_or_default() {
        wire::SkyDensity::Tregenza => 1,
        wire::SkyDensity::Reinhart => 2,
    });
    let exact = params.direct.unwrap_or_default() == wire::DirectSun::ExactSun;
    let states: Vec<_> = hours.iter().map(|h| h.state).collect();
    let sky = cumulative_sky(
        &patches,
        &states,
        1.0,
        if exact {
            DirectMode::ExactSun
        } else {
            DirectMode::Patches
        },
        params.ground_reflectance.unwrap_or(0.2),
    );
    // Sky patches, then the ground hemisphere mirrored below the horizon (Ladybug's).
    let sky_dirs = patches.directions(north);
    let mut directions = sky_dirs.clone();
    directions.extend(sky_dirs.iter().map(|d| [d[0], d[1], -d[2]]));
    // Visibility depends on geometry, sensors and sky layout only: keep it, so the same
    // scene under another weather file or period costs one product.
    let key = visibility_key(prepared, patches.len());
    let kept = prepared
        .source
        .derived(&key)
        .and_then(|bytes| unseal(&bytes))
        .and_then(|bytes| {
            sunlight::SkyVisibility::from_bytes(&bytes, s.sensors.len(), &directions)
        });
    let visibility_reused = kept.is_some();
    let visibility = match kept {
        Some(v) => v,
        None => {
            progress.report(0.0, "tracing sky rays");
            let v = sunlight::sky_visibility(
                backend,
                &s.occluders.bvh,
                &s.sensors,
                &directions,
                progress,
            )?;
            prepared.source.keep_derived(&key, &seal(&v.to_bytes()));
            v
        }
    };
    let n = patches.len();
    let mut values = sky.sky.clone();
    values.extend(std::iter::repeat_n(sky.ground, n));
    let mut radiation = sunlight::incident(&visibility, &s.sensors, &values);
    let mut rays = if visibility_reused {
        0
    } else {
        visibility.rays
    };
    if exact {
        let (suns, weights): (Vec<[f64; 3]>, Vec<f64>) = hours
            .iter()
            .filter(|h| h.state.sun_altitude > 0.0 && h.state.direct_normal > 0.0)
            .map(|h| (h.sun, h.state.direct_normal / 1000.0))
            .unzip();
        let e = sunlight::sun_exposure(
            backend,
            &s.occluders.bvh,
            &s.sensors,
            &suns,
            Some(&weights),
            false,
            progress,
        )?;
        rays += e.rays;
        radiation
            .iter_mut()
            .zip(&e.weighted)
            .for_each(|(r, d)| *r += d);
    }
    let mut view_values: Vec<f64> = patches
        .solid_angles
        .iter()
        .map(|o| o / std::f64::consts::PI)
        .collect();
    view_values.extend(std::iter::repeat_n(0.0, n));
    let sky_view = sunlight::incident(&visibility, &s.sensors, &view_values);
    let m2 = s.metres_per_unit * s.metres_per_unit;
    let total_kwh = radiation
        .iter()
        .zip(&s.sensors)
        .map(|(r, x)| r * x.area * m2)
        .sum();
    let statistics = statistics(&radiation, &s.sensors);
    Ok(wire::Output::Radiation(wire::RadiationReport {
        grid: grid_report(&s),
        legend: legend("Incident radiation", "kWh/m2", &statistics, "original"),
        statistics,
        radiation: wire::Packed(radiation),
        sky_view: wire::Packed(sky_view),
        total_kwh,
        hours: sky.hours,
        sky_source: weather.name.clone(),
        sky_patches: n as u32,
        visibility_reused,
        rays,
    }))
}

/// The key of a job's study: the one the service computed, else from its inputs.
fn study_key(prepared: &PreparedJob) -> Option<String> {
    prepared
        .scene_key
        .clone()
        .or_else(|| crate::execute::scene_key(prepared))
}

/// The content key of a study's sky visibility: the kernel, the study (analysis and context
/// scenes, sensor parameters) and the sky layout.
fn visibility_key(prepared: &PreparedJob, patches: usize) -> String {
    crate::execute::content_key(&[
        sunlight::RADIATION_VERSION.as_bytes(),
        b"sky-visibility",
        study_key(prepared).unwrap_or_default().as_bytes(),
        &(patches as u64).to_le_bytes(),
    ])
}

/// Kept bytes with a BLAKE3 checksum behind them, so a torn or altered file is recomputed,
/// never trusted.
fn seal(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.extend_from_slice(blake3::hash(bytes).as_bytes());
    out
}

fn unseal(bytes: &[u8]) -> Option<Vec<u8>> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    (blake3::hash(body).as_bytes() == sum).then(|| body.to_vec())
}

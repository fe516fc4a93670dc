//! Wire types of the sunlight jobs: `sun_hours` and `radiation` (with sky view).
//!
//! The analysis geometry is `inputs.scene` (meshes used face by face, or vertex by vertex;
//! surfaces and Breps meshed at `grid_size`); occluders are that geometry (unless
//! `geometry_blocks` is false) plus `inputs.context`. Directions follow the model: +Z up,
//! +Y north unless `north_angle_deg` turns it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::geometry::Mesh;
use crate::packed::Packed;

/// A site on the earth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SiteLocation {
    /// Latitude, degrees, north positive (−90…90).
    pub latitude: f64,
    /// Longitude, degrees, east positive (−180…180).
    pub longitude: f64,
    /// Hours from UTC of local standard time (−12…14), no daylight saving.
    pub utc_offset: f64,
    /// Height above sea level, metres; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation: Option<f64>,
}

/// The instants a study covers (Ladybug's analysis period): each day from start to end
/// (wrapping over the new year), each hour from `start_hour` to `end_hour`, `timestep` per
/// hour. Every field has a default; the default period is a whole year, hourly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StudyPeriod {
    /// First month, 1–12; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_month: Option<u32>,
    /// First day; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_day: Option<u32>,
    /// Last month; default 12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_month: Option<u32>,
    /// Last day; default 31.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_day: Option<u32>,
    /// First hour of each day, 0–23; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_hour: Option<u32>,
    /// Last hour of each day, inclusive, 0–23; default 23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_hour: Option<u32>,
    /// Instants per hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60; default 1. Radiation
    /// from a weather file is hourly and ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestep: Option<u32>,
    /// Calendar year of the dates (decides 29 February and ΔT); default 2017, not a leap
    /// year, as Ladybug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

/// How the analysis geometry becomes sensors, shared by the sunlight kinds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SensorGridParams {
    /// Distance sensors are moved along their normal off the surface, model units;
    /// default 0.1 m in model units (Ladybug's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<f64>,
    /// Edge length of the analysis mesh made from surfaces and Breps, model units; default
    /// 1 m in model units. Meshes are used as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_size: Option<f64>,
    /// One sensor per vertex instead of per face; default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_vertex: Option<bool>,
    /// Whether the analysis geometry shades itself as well as the context; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry_blocks: Option<bool>,
    /// Angle from the model's +Y axis to north, degrees counter-clockwise seen from above
    /// (Ladybug's north: 90 puts north on −X); default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub north_angle_deg: Option<f64>,
}

/// Parameters of a `sun_hours` job: the hours each sensor sees the sun.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SunHoursParams {
    /// Where the study is.
    pub location: SiteLocation,
    /// When; default a whole year, hourly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<StudyPeriod>,
    /// Sensors and occlusion.
    #[serde(flatten)]
    pub grid: SensorGridParams,
    /// Suns at or below this apparent elevation, degrees, count as night; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_elevation_deg: Option<f64>,
    /// Take each sun at the middle of its step (hourly: at the half hour, as weather
    /// data) rather than at its start (Ladybug's sun path); default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid_step: Option<bool>,
    /// Return the lit/unlit bit of every sensor and sun; default false (memory then does not
    /// grow with sensors × suns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_matrix: Option<bool>,
}

/// The sky's patches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkyDensity {
    /// Tregenza's 145 patches.
    #[default]
    Tregenza,
    /// Reinhart's 577 (each Tregenza patch in four).
    Reinhart,
}

/// How the sun's direct light is counted in a radiation study.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectSun {
    /// Spread over the four nearest sky patches, as gendaymtx and Ladybug do.
    #[default]
    Patches,
    /// Traced to the exact sun position of every hour.
    ExactSun,
}

/// Parameters of a `radiation` job: cumulative incident radiation from a sky, and sky view.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RadiationParams {
    /// Where the study is; default the weather file's location (needed without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SiteLocation>,
    /// When; default a whole year. Hourly whatever the timestep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<StudyPeriod>,
    /// Sensors and occlusion.
    #[serde(flatten)]
    pub grid: SensorGridParams,
    /// Sky patches; default `tregenza`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sky: Option<SkyDensity>,
    /// How direct sun is counted; default `patches`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<DirectSun>,
    /// Ground reflectance for the mirrored ground hemisphere, 0–1; default 0.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground_reflectance: Option<f64>,
}

/// A weather file: the text of an EPW file. Without one, `radiation` uses the ASHRAE clear
/// sky at the job's location.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WeatherFile {
    /// The whole EPW file.
    pub epw: String,
}

/// Which sensors came from which object of the analysis scene.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SensorSource {
    /// `meshes`, `surfaces` or `breps`.
    pub collection: String,
    /// Index in that collection.
    pub index: u32,
    /// The object's `id`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its first sensor.
    pub first_sensor: u64,
    /// Its number of sensors.
    pub sensor_count: u64,
}

/// The sensors of a study and the mesh they sit on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SensorGrid {
    /// The analysis mesh (every object joined, surfaces and Breps meshed): sensor `i` is its
    /// face `i`, or with `by_vertex` its vertex `i`.
    pub mesh: Mesh,
    /// True when sensors sit on vertices.
    pub by_vertex: bool,
    /// Sensor positions (moved off the surface by the offset), model units.
    pub positions: Packed<[f64; 3]>,
    /// Sensor unit normals.
    pub normals: Packed<[f64; 3]>,
    /// Area each sensor stands for, model units².
    pub areas: Packed<f64>,
    /// Which sensors each analysis object gave.
    pub sources: Vec<SensorSource>,
}

/// Summary of per-sensor values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Statistics {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean over sensors.
    pub mean: f64,
    /// Mean weighted by the area each sensor stands for.
    pub area_weighted_mean: f64,
}

/// What a client needs to draw a legend and colour the mesh.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Legend {
    /// Title, e.g. "Direct sun hours".
    pub title: String,
    /// Units of the values.
    pub units: String,
    /// Value at the bottom of the colour scale.
    pub min: f64,
    /// Value at the top.
    pub max: f64,
    /// Number of steps (segments) of the scale.
    pub steps: u32,
    /// Ladybug colour-set name (`ecotect`, `original`, …).
    pub colorset: String,
}

/// The output of `sun_hours`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SunHoursReport {
    /// The sensors.
    pub grid: SensorGrid,
    /// Hours of direct sun per sensor: lit steps / steps per hour.
    pub hours: Packed<f64>,
    /// Summary of `hours`.
    pub statistics: Statistics,
    /// Legend metadata.
    pub legend: Legend,
    /// Unit vectors towards each daylight sun, in model coordinates.
    pub sun_directions: Packed<[f64; 3]>,
    /// Index of each sun's instant in the period (all instants, night included).
    pub sun_steps: Packed<u32>,
    /// Instants per hour.
    pub steps_per_hour: u32,
    /// Where each sun was taken: `step_start` or `mid_step`.
    pub sun_timing: String,
    /// With `bit_matrix`: sensor-major bits, each row `ceil(suns / 8)` bytes, bit `k % 8`
    /// (least significant first) of byte `k / 8` set when sun `k` reaches the sensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_matrix: Option<Packed<u8>>,
    /// Rays traced.
    pub rays: u64,
}

/// The output of `radiation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RadiationReport {
    /// The sensors.
    pub grid: SensorGrid,
    /// Incident radiation per sensor over the period, kWh/m².
    pub radiation: Packed<f64>,
    /// Summary of `radiation`.
    pub statistics: Statistics,
    /// Legend metadata.
    pub legend: Legend,
    /// Sky view factor per sensor: the cosine-weighted share of the sky hemisphere it
    /// sees (1 for an open horizontal surface, 0.5 for an open wall).
    pub sky_view: Packed<f64>,
    /// Σ radiation × area, kWh (areas converted to m²).
    pub total_kwh: f64,
    /// Hours in the period.
    pub hours: f64,
    /// Where the sky came from: the weather file's place name, or "ASHRAE clear sky".
    pub sky_source: String,
    /// Number of sky patches (the ground adds as many mirrored ones).
    pub sky_patches: u32,
    /// True when the sensors' sky visibility was kept from an earlier job on the same
    /// geometry and sensors, so only the sky (weather, period) was recomputed.
    #[serde(default)]
    pub visibility_reused: bool,
    /// Rays traced (none for the sky when its visibility was reused).
    pub rays: u64,
}

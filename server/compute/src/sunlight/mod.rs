//! Sunlight analyses over sensors (points with normals): direct sun hours, incident
//! radiation from a cumulative sky, and sky view, by any-hit rays through a BVH of the
//! occluding geometry. Definitions follow Ladybug's so results can be compared.
//!
//! - A sensor sees a direction when the direction is not behind it (angle to its normal at
//!   most 90°, as Ladybug) and a ray from it along the direction hits nothing.
//! - Sensors sit on faces (centroids) or vertices, moved along the normal by an offset
//!   (Ladybug's default 0.1 m) so that the face they lie on does not shade them.

mod sensors;
mod sky;
mod sun;

pub use sensors::{Sensor, face_sensors, vertex_sensors};
pub use sky::{SkyVisibility, incident, sky_visibility};
pub use sun::{BitMatrix, SunExposure, sun_exposure};

use cicada_geom::Point3;
use cicada_geom::bvh::{Bvh, Ray};

/// Name and version of the sun-hours kernel.
pub const SUN_HOURS_VERSION: &str = "sun_hours@1";
/// Name and version of the radiation kernel.
pub const RADIATION_VERSION: &str = "radiation@1";

/// True when nothing in `bvh` lies along `direction` from `origin`.
fn sees(bvh: &Bvh, origin: Point3, direction: [f64; 3]) -> bool {
    let ray = Ray {
        origin,
        direction: cicada_geom::Vector3::new(direction[0], direction[1], direction[2]),
        t_min: 0.0,
        t_max: f64::INFINITY,
    };
    bvh.any_hit(&ray).is_none()
}

/// Cosine between a sensor's normal and a direction.
fn cosine(sensor: &Sensor, d: [f64; 3]) -> f64 {
    sensor.normal.x * d[0] + sensor.normal.y * d[1] + sensor.normal.z * d[2]
}

//! Rays towards sky (and ground) patches: which each sensor sees, computed once and kept, so
//! that another weather file or period costs one product.

use cicada_geom::bvh::Bvh;
use rayon::prelude::*;

use super::{Sensor, cosine, sees};
use crate::progress::{Cancelled, Progress};

/// Which directions each sensor sees: one bit per (sensor, direction), 37 bytes per sensor
/// for the 290 directions of a Tregenza sky and its mirrored ground.
#[derive(Clone, Debug, PartialEq)]
pub struct SkyVisibility {
    /// The directions, unit vectors in model coordinates.
    pub directions: Vec<[f64; 3]>,
    /// Words per sensor.
    pub row_words: usize,
    /// The bits, sensor after sensor.
    pub words: Vec<u64>,
    /// Rays traced.
    pub rays: u64,
}

impl SkyVisibility {
    /// True when sensor `s` sees direction `d`.
    pub fn sees(&self, s: usize, d: usize) -> bool {
        self.words[s * self.row_words + d / 64] >> (d % 64) & 1 == 1
    }
}

/// Traces every sensor towards every direction in front of it.
pub fn sky_visibility(
    bvh: &Bvh,
    sensors: &[Sensor],
    directions: &[[f64; 3]],
    progress: &dyn Progress,
) -> Result<SkyVisibility, Cancelled> {
    let row_words = directions.len().div_ceil(64);
    const BLOCK: usize = 512;
    let mut words = Vec::with_capacity(sensors.len() * row_words);
    let mut rays = 0u64;
    for (b, block) in sensors.chunks(BLOCK).enumerate() {
        progress.check()?;
        let rows: Vec<(Vec<u64>, u64)> = block
            .par_iter()
            .map(|sensor| {
                let mut bits = vec![0u64; row_words];
                let mut traced = 0;
                for (k, &d) in directions.iter().enumerate() {
                    if cosine(sensor, d) < 0.0 || sensor.normal.length_squared() == 0.0 {
                        continue;
                    }
                    traced += 1;
                    if sees(bvh, sensor.position, d) {
                        bits[k / 64] |= 1 << (k % 64);
                    }
                }
                (bits, traced)
            })
            .collect();
        for (bits, traced) in rows {
            words.extend(bits);
            rays += traced;
        }
        progress.report(
            ((b + 1) * BLOCK).min(sensors.len()) as f32 / sensors.len().max(1) as f32,
            "tracing sky rays",
        );
    }
    Ok(SkyVisibility {
        directions: directions.to_vec(),
        row_words,
        words,
        rays,
    })
}

/// Per sensor, Σ over the directions it sees of max(0, cos θ) × `values[direction]`: with
/// cumulative-sky values in kWh/m² the incident radiation, with solid angle / π the sky view.
pub fn incident(visibility: &SkyVisibility, sensors: &[Sensor], values: &[f64]) -> Vec<f64> {
    sensors
        .par_iter()
        .enumerate()
        .map(|(s, sensor)| {
            let mut sum = 0.0;
            for (d, &dir) in visibility.directions.iter().enumerate() {
                if values[d] != 0.0 && visibility.sees(s, d) {
                    sum += cosine(sensor, dir).max(0.0) * values[d];
                }
            }
            sum
        })
        .collect()
}

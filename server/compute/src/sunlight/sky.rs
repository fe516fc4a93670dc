//! Rays towards sky (and ground) patches: which each sensor sees, computed once and kept, so
//! that another weather file or period costs one product.

use cicada_geom::bvh::Bvh;
use rayon::prelude::*;

use super::{Sensor, cosine, trace_sensors};
use crate::backend::Backend;
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
    /// The bits and their shape as bytes (little-endian), for keeping between jobs; the
    /// directions are not stored, the caller knows them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.words.len() * 8);
        for x in [
            self.directions.len() as u64,
            self.row_words as u64,
            self.rays,
        ] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for w in &self.words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Reads [`Self::to_bytes`] back for `sensors` sensors and these `directions`; `None`
    /// when the bytes do not fit them.
    pub fn from_bytes(bytes: &[u8], sensors: usize, directions: &[[f64; 3]]) -> Option<Self> {
        let word = |i: usize| {
            bytes
                .get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
        };
        let (n, row_words, rays) = (word(0)?, word(1)? as usize, word(2)?);
        if n as usize != directions.len()
            || row_words != directions.len().div_ceil(64)
            || bytes.len() != 24 + sensors * row_words * 8
        {
            return None;
        }
        let words = (0..sensors * row_words)
            .map(|i| word(3 + i))
            .collect::<Option<Vec<_>>>()?;
        Some(SkyVisibility {
            directions: directions.to_vec(),
            row_words,
            words,
            rays,
        })
    }

    /// True when sensor `s` sees direction `d`.
    pub fn sees(&self, s: usize, d: usize) -> bool {
        self.words[s * self.row_words + d / 64] >> (d % 64) & 1 == 1
    }
}

/// Traces every sensor towards every direction in front of it.
pub fn sky_visibility(
    backend: &Backend,
    bvh: &Bvh,
    sensors: &[Sensor],
    directions: &[[f64; 3]],
    progress: &dyn Progress,
) -> Result<SkyVisibility, Cancelled> {
    let row_words = directions.len().div_ceil(64);
    let (rows, rays) = trace_sensors(
        backend,
        bvh,
        sensors,
        directions,
        "tracing sky rays",
        progress,
        |seen| {
            let mut bits = vec![0u64; row_words];
            for &(k, _) in seen {
                bits[k / 64] |= 1 << (k % 64);
            }
            bits
        },
    )?;
    let words = rows.concat();
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

//! Rays towards the sun: which sensors each sun reaches.

use cicada_geom::bvh::Bvh;

use super::{Sensor, trace_sensors};
use crate::backend::Backend;
use crate::progress::{Cancelled, Progress};

/// One bit per (sensor, sun): row-major, `row_words` 64-bit words per sensor, bit `k % 64`
/// of word `k / 64` for sun `k`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitMatrix {
    /// Number of rows (sensors).
    pub rows: usize,
    /// Number of columns (suns).
    pub columns: usize,
    /// Words per row.
    pub row_words: usize,
    /// The bits.
    pub words: Vec<u64>,
}

impl BitMatrix {
    /// The bit of `row`, `column`.
    pub fn get(&self, row: usize, column: usize) -> bool {
        self.words[row * self.row_words + column / 64] >> (column % 64) & 1 == 1
    }

    /// The matrix as bytes, row after row, each row padded to whole bytes, bit `k % 8` of
    /// byte `k / 8` for column `k` (least significant first).
    pub fn to_bytes(&self) -> Vec<u8> {
        let row_bytes = self.columns.div_ceil(8);
        let mut out = Vec::with_capacity(self.rows * row_bytes);
        for r in 0..self.rows {
            let words = &self.words[r * self.row_words..(r + 1) * self.row_words];
            out.extend(words.iter().flat_map(|w| w.to_le_bytes()).take(row_bytes));
        }
        out
    }
}

/// What the suns did for each sensor.
#[derive(Clone, Debug, PartialEq)]
pub struct SunExposure {
    /// Suns that reached each sensor.
    pub lit: Vec<u32>,
    /// Σ over those suns of weight × cosine of incidence, per sensor (with no weights, 0).
    pub weighted: Vec<f64>,
    /// Which suns reached which sensor, when asked for.
    pub matrix: Option<BitMatrix>,
    /// Rays traced (suns in front of sensors).
    pub rays: u64,
}

/// For every sensor, which of `suns` (unit vectors towards the sun) reach it past `bvh`:
/// counts, and with `weights` (one per sun, e.g. direct normal irradiation in kWh/m²) the sum
/// of weight × cosine of incidence over the suns that reach it.
pub fn sun_exposure(
    backend: &Backend,
    bvh: &Bvh,
    sensors: &[Sensor],
    suns: &[[f64; 3]],
    weights: Option<&[f64]>,
    keep_matrix: bool,
    progress: &dyn Progress,
) -> Result<SunExposure, Cancelled> {
    let row_words = suns.len().div_ceil(64);
    let (rows, rays) = trace_sensors(
        backend,
        bvh,
        sensors,
        suns,
        "tracing sun rays",
        progress,
        |seen| {
            let mut bits = if keep_matrix {
                vec![0u64; row_words]
            } else {
                Vec::new()
            };
            let mut sum = 0.0;
            for &(k, c) in seen {
                if let Some(w) = weights {
                    sum += w[k] * c;
                }
                if keep_matrix {
                    bits[k / 64] |= 1 << (k % 64);
                }
            }
            (seen.len() as u32, sum, bits)
        },
    )?;
    let mut lit = Vec::with_capacity(rows.len());
    let mut weighted = Vec::with_capacity(rows.len());
    let mut words = Vec::with_capacity(if keep_matrix {
        rows.len() * row_words
    } else {
        0
    });
    for (count, sum, bits) in rows {
        lit.push(count);
        weighted.push(sum);
        words.extend(bits);
    }
    Ok(SunExposure {
        lit,
        weighted,
        matrix: keep_matrix.then_some(BitMatrix {
            rows: sensors.len(),
            columns: suns.len(),
            row_words,
            words,
        }),
        rays,
    })
}

//! Rays towards the sun: which sensors each sun reaches.

use cicada_geom::bvh::Bvh;
use rayon::prelude::*;

use super::{Sensor, cosine, direction_order, gpu_block, gpu_seen, sees};
use crate::backend::Backend;
use crate::progress::{Cancelled, Progress};
use cicada_geom::bvh::ShadowCache;

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
    // Sensors go in blocks so progress and cancellation are seen every fraction of a second.
    const BLOCK: usize = 512;
    let mut lit = Vec::with_capacity(sensors.len());
    let mut weighted = Vec::with_capacity(sensors.len());
    let mut words = if keep_matrix {
        Vec::with_capacity(sensors.len() * row_words)
    } else {
        Vec::new()
    };
    let mut rays = 0u64;
    let order = direction_order(suns);
    // On a GPU every ray of a block goes in one submission; a device failure (or a scene it
    // cannot hold) leaves the rest to the CPU.
    let gpu = backend
        .gpu()
        .and_then(|g| g.upload(bvh).ok().map(|s| (g, s)));
    if let Some((g, scene)) = &gpu {
        let size = gpu_block(suns.len());
        let mut done = 0;
        for block in sensors.chunks(size) {
            progress.check()?;
            let Some((seen, traced)) = gpu_seen(g, scene, block, suns) else {
                break;
            };
            rays += traced;
            for list in seen {
                let mut bits = if keep_matrix {
                    vec![0u64; row_words]
                } else {
                    Vec::new()
                };
                let mut sum = 0.0;
                for &(k, c) in &list {
                    if let Some(w) = weights {
                        sum += w[k] * c;
                    }
                    if keep_matrix {
                        bits[k / 64] |= 1 << (k % 64);
                    }
                }
                lit.push(list.len() as u32);
                weighted.push(sum);
                words.extend(bits);
            }
            done += block.len();
            progress.report(
                done as f32 / sensors.len().max(1) as f32,
                "tracing sun rays",
            );
        }
    }
    let start = lit.len();
    for (b, block) in sensors[start..].chunks(BLOCK).enumerate() {
        progress.check()?;
        let rows: Vec<(u32, f64, u64, Vec<u64>)> = block
            .par_iter()
            .map(|sensor| {
                let mut bits = if keep_matrix {
                    vec![0u64; row_words]
                } else {
                    Vec::new()
                };
                let (mut count, mut sum, mut traced) = (0u32, 0.0, 0u64);
                let mut cache = ShadowCache::default();
                for &k in &order {
                    let k = k as usize;
                    let d = suns[k];
                    let c = cosine(sensor, d);
                    // Ladybug counts a sun at exactly 90° to the normal as in front.
                    if c < 0.0 || sensor.normal.length_squared() == 0.0 {
                        continue;
                    }
                    traced += 1;
                    if sees(bvh, sensor.position, d, &mut cache) {
                        count += 1;
                        if let Some(w) = weights {
                            sum += w[k] * c;
                        }
                        if keep_matrix {
                            bits[k / 64] |= 1 << (k % 64);
                        }
                    }
                }
                (count, sum, traced, bits)
            })
            .collect();
        for (count, sum, traced, bits) in rows {
            lit.push(count);
            weighted.push(sum);
            rays += traced;
            words.extend(bits);
        }
        progress.report(
            (start + (b + 1) * BLOCK).min(sensors.len()) as f32 / sensors.len().max(1) as f32,
            "tracing sun rays",
        );
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

//! The narrow phase of clash detection on a device: the floating-point filter of the
//! triangle–triangle contact test over a batch of triangle pairs (`tri_pairs.wgsl`,
//! `cuda/tri_pairs.cu`), the same decisions as `cicada_geom::triangle_contact::
//! filtered_contact` bit for bit where the filter certifies a sign. The host decides the
//! undecided pairs exactly, so answers equal the CPU's.

use crate::GpuError;

/// Doubles per pair: two triangles' corners.
pub const PAIR_DOUBLES: usize = 18;

/// What the device said about one pair.
pub mod code {
    /// Certainly disjoint.
    pub const DISJOINT: u32 = 0;
    /// Certainly crossing.
    pub const CROSSING: u32 = 1;
    /// Too close to call in f64: the host decides exactly.
    pub const UNDECIDED: u32 = 2;
}

/// Pairs of one dispatch on a device whose storage bindings hold `max_bytes`.
pub(crate) fn chunk_pairs(max_bytes: u64) -> usize {
    // The coordinates are the larger binding; keep a dispatch to at most 4 M pairs.
    ((max_bytes / (PAIR_DOUBLES as u64 * 8)) as usize).clamp(1, 1 << 22)
}

/// Checks the batch's shape.
pub(crate) fn check(coords: &[f64]) -> Result<usize, GpuError> {
    if !coords.len().is_multiple_of(PAIR_DOUBLES) {
        return Err(GpuError::Device(format!(
            "{} doubles are not whole triangle pairs of {PAIR_DOUBLES}",
            coords.len()
        )));
    }
    Ok(coords.len() / PAIR_DOUBLES)
}

#[cfg(test)]
pub(crate) mod tests {
    use cicada_geom::Point3;
    use cicada_geom::triangle_contact::{FilteredContact, filtered_contact};

    use super::*;

    /// Random pairs (half far from the origin), touching and coplanar ones, as flat
    /// coordinates, with the CPU filter's codes.
    pub(crate) fn batch(n: usize) -> (Vec<f64>, Vec<u32>) {
        let mut state = 0x5eed_1234_abcd_ef01u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0
        };
        let mut coords = Vec::new();
        let mut codes = Vec::new();
        for k in 0..n {
            let o = if k % 2 == 0 { 0.0 } else { 500_000.0 };
            let mut t = [[0.0; 3]; 6];
            for c in &mut t {
                *c = [o + next(), o + next(), next()];
            }
            // Every 7th pair shares a vertex (touching), every 11th is coplanar.
            if k % 7 == 0 {
                t[3] = t[0];
            }
            if k % 11 == 0 {
                for c in &mut t {
                    c[2] = 0.5;
                }
            }
            let p = |c: [f64; 3]| Point3::from_array(c);
            let code =
                match filtered_contact([p(t[0]), p(t[1]), p(t[2])], [p(t[3]), p(t[4]), p(t[5])]) {
                    FilteredContact::Disjoint => code::DISJOINT,
                    FilteredContact::Crossing => code::CROSSING,
                    FilteredContact::Undecided => code::UNDECIDED,
                };
            coords.extend(t.iter().flatten());
            codes.push(code);
        }
        (coords, codes)
    }

    /// The filter on the wgpu backend (lavapipe in CI): the CPU filter's code for every
    /// pair, across more than one chunk.
    #[test]
    fn wgpu_gives_the_filters_codes() {
        let Some(mut gpu) = crate::device_for_test(crate::Gpu::new()) else {
            return;
        };
        let (coords, want) = batch(20_000);
        // Small bindings: the batch goes in several dispatches.
        gpu.cap_binding_bytes(144 * 7_000);
        let got = gpu.classify_triangle_pairs(&coords).unwrap();
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(got.len(), want.len());
        assert_eq!(differ, 0, "{differ} of {} pairs differ", want.len());
    }

    #[test]
    fn batches_are_whole_pairs() {
        assert!(check(&[0.0; 17]).is_err());
        assert_eq!(check(&[0.0; 36]).unwrap(), 2);
        assert_eq!(chunk_pairs(128 << 20), (128 << 20) / 144);
        let (_, codes) = batch(3000);
        // The batch has all three answers in it.
        for c in [code::DISJOINT, code::CROSSING, code::UNDECIDED] {
            assert!(codes.contains(&c), "{c}");
        }
    }
}

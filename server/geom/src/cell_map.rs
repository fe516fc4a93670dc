//! Hash maps keyed by grid cells or exact coordinates' bits, with a multiply–rotate hash:
//! the keys are a few integers and not adversarial, and the default SipHash cost a tenth of
//! a near-miss scan and a fifth of welding a mesh–mesh intersection.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`CellHasher`].
pub(crate) type CellMap<K, V> = HashMap<K, V, BuildHasherDefault<CellHasher>>;

/// A multiply–rotate hash of the key's 64-bit words (FxHash's step).
#[derive(Default)]
pub(crate) struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in words.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_several_words_spread_over_the_low_bits() {
        // Neighbouring cells must spread like random keys over a map's buckets (its hash's
        // low bits): 4096 keys in 4096 buckets fill 1 − 1/e of them, about 2 589.
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<CellHasher>::default();
        let mut buckets = std::collections::HashSet::new();
        for x in -8i64..8 {
            for y in -8i64..8 {
                for z in -8i64..8 {
                    buckets.insert(build.hash_one([x, y, z]) & 0xfff);
                }
            }
        }
        assert!(buckets.len() > 2450, "{} of 4096 buckets", buckets.len());
    }
}

//! The broad phase: pairs of objects whose bounds come within a margin, by sort and sweep
//! along the axis where the objects spread most.

use cicada_geom::Aabb;
use rayon::prelude::*;

/// Every pair `(i, j)`, `i < j`, of objects whose bounds come within `margin` of each
/// other and that `allowed(i, j)` accepts, sorted. Empty bounds pair with nothing.
pub fn candidate_pairs(
    bounds: &[Aabb],
    margin: f64,
    allowed: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<(u32, u32)> {
    let live: Vec<usize> = (0..bounds.len())
        .filter(|&i| !bounds[i].is_empty())
        .collect();
    if live.len() < 2 {
        return Vec::new();
    }
    let lo = |i: usize, k: usize| bounds[i].min.to_array()[k];
    let hi = |i: usize, k: usize| bounds[i].max.to_array()[k];
    // Sweep along the axis where the centres vary most: fewest overlaps in the sweep.
    let axis = (0..3)
        .max_by(|&x, &y| spread(&live, bounds, x).total_cmp(&spread(&live, bounds, y)))
        .unwrap_or(0);
    let mut order = live;
    order.sort_by(|&i, &j| lo(i, axis).total_cmp(&lo(j, axis)).then(i.cmp(&j)));
    let mut pairs: Vec<(u32, u32)> = (0..order.len())
        .into_par_iter()
        .flat_map_iter(|s| {
            let i = order[s];
            let reach = hi(i, axis) + margin;
            order[s + 1..]
                .iter()
                .take_while(move |&&j| lo(j, axis) <= reach)
                .filter(move |&&j| {
                    (0..3).all(|k| lo(j, k) <= hi(i, k) + margin && lo(i, k) <= hi(j, k) + margin)
                })
                .map(move |&j| (i.min(j), i.max(j)))
                .collect::<Vec<_>>()
        })
        .filter(|&(i, j)| allowed(i, j))
        .map(|(i, j)| (i as u32, j as u32))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Variance of the box centres along axis `k`.
fn spread(live: &[usize], bounds: &[Aabb], k: usize) -> f64 {
    let centre = |i: usize| bounds[i].center().to_array()[k];
    let n = live.len() as f64;
    let mean = live.iter().map(|&i| centre(i)).sum::<f64>() / n;
    live.iter()
        .map(|&i| (centre(i) - mean).powi(2))
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_geom::Point3;

    #[test]
    fn sweep_finds_exactly_the_brute_force_pairs() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let boxes: Vec<Aabb> = (0..400)
            .map(|_| {
                let c = Point3::new(next() * 20.0, next() * 20.0, next() * 5.0);
                let h = [next(), next(), next()];
                Aabb {
                    min: Point3::new(c.x - h[0], c.y - h[1], c.z - h[2]),
                    max: Point3::new(c.x + h[0], c.y + h[1], c.z + h[2]),
                }
            })
            .collect();
        for margin in [0.0, 0.3] {
            let swept = candidate_pairs(&boxes, margin, |_, _| true);
            let mut brute = Vec::new();
            for i in 0..boxes.len() {
                for j in i + 1..boxes.len() {
                    let (a, b) = (boxes[i], boxes[j]);
                    let near = (0..3).all(|k| {
                        a.min.to_array()[k] <= b.max.to_array()[k] + margin
                            && b.min.to_array()[k] <= a.max.to_array()[k] + margin
                    });
                    if near {
                        brute.push((i as u32, j as u32));
                    }
                }
            }
            assert_eq!(swept, brute);
            assert!(!swept.is_empty());
        }
        // The filter removes pairs.
        let odd = candidate_pairs(&boxes, 0.0, |i, j| (i + j) % 2 == 1);
        assert!(odd.iter().all(|&(i, j)| (i + j) % 2 == 1));
    }
}

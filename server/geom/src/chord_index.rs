//! Chords of polylines on a hash grid, for "is this point within the radius of one of
//! them" asked many times.

use crate::Point3;
use crate::cell_map::CellMap;
use crate::tessellate_brep::distance_to_segment;

/// The chords of some polylines on a hash grid: each chord is filed under every cell its
/// box, grown by the radius, overlaps, so a query looks in its own cell only. Chords that
/// would fill many cells (far longer than the rest) are kept aside and always tested. The
/// cells' lists lie end to end in one array (a list per cell cost an allocation each).
pub(crate) struct ChordIndex {
    cell: f64,
    radius: f64,
    chords: Vec<[Point3; 2]>,
    /// Each cell's stretch of `filed`.
    cells: CellMap<[i64; 3], (u32, u32)>,
    /// Chord indices, cell by cell.
    filed: Vec<u32>,
    long: Vec<u32>,
}

/// The chords of the polyline through `points` (its closing chord too when `closed`).
pub(crate) fn chords_of(points: &[Point3], closed: bool) -> impl Iterator<Item = [Point3; 2]> + '_ {
    let n = points.len();
    let count = if closed { n } else { n.saturating_sub(1) };
    (0..count).map(move |k| [points[k], points[(k + 1) % n]])
}

impl ChordIndex {
    /// `chords` filed on cells about a chord long and at least four radii wide.
    pub(crate) fn new(chords: Vec<[Point3; 2]>, radius: f64) -> ChordIndex {
        let mean =
            chords.iter().map(|[p, q]| p.distance(*q)).sum::<f64>() / chords.len().max(1) as f64;
        let cell = mean.max(4.0 * radius).max(f64::MIN_POSITIVE);
        let at = |p: Point3| [p.x, p.y, p.z].map(|v| (v / cell).floor() as i64);
        let mut entries: Vec<([i64; 3], u32)> = Vec::with_capacity(chords.len() * 2);
        let mut long = Vec::new();
        for (i, chord) in chords.iter().enumerate() {
            let lo = at(Point3::new(
                chord[0].x.min(chord[1].x) - radius,
                chord[0].y.min(chord[1].y) - radius,
                chord[0].z.min(chord[1].z) - radius,
            ));
            let hi = at(Point3::new(
                chord[0].x.max(chord[1].x) + radius,
                chord[0].y.max(chord[1].y) + radius,
                chord[0].z.max(chord[1].z) + radius,
            ));
            let span = (0..3).map(|k| (hi[k] - lo[k] + 1) as u64).product::<u64>();
            if span > 64 {
                long.push(i as u32);
                continue;
            }
            for x in lo[0]..=hi[0] {
                for y in lo[1]..=hi[1] {
                    for z in lo[2]..=hi[2] {
                        entries.push(([x, y, z], i as u32));
                    }
                }
            }
        }
        entries.sort_unstable();
        let mut cells = CellMap::default();
        let mut start = 0;
        for k in 1..=entries.len() {
            if k == entries.len() || entries[k].0 != entries[start].0 {
                cells.insert(entries[start].0, (start as u32, k as u32));
                start = k;
            }
        }
        ChordIndex {
            cell,
            radius,
            chords,
            cells,
            filed: entries.into_iter().map(|(_, i)| i).collect(),
            long,
        }
    }

    fn at(&self, p: Point3) -> [i64; 3] {
        [p.x, p.y, p.z].map(|v| (v / self.cell).floor() as i64)
    }

    /// True when `p` lies within the radius of a chord.
    pub(crate) fn near(&self, p: Point3) -> bool {
        self.near_where(p, |_| true)
    }

    /// True when `p` lies within the radius of a chord that `counts` (by its index in the
    /// chords given).
    pub(crate) fn near_where(&self, p: Point3, counts: impl Fn(usize) -> bool) -> bool {
        let close = |&i: &u32| {
            let [a, b] = self.chords[i as usize];
            counts(i as usize) && distance_to_segment(p, a, b) <= self.radius
        };
        self.cells
            .get(&self.at(p))
            .is_some_and(|&(from, to)| self.filed[from as usize..to as usize].iter().any(close))
            || self.long.iter().any(close)
    }
}

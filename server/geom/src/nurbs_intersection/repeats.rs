//! Curves that say the same thing twice. Where the seeding meshes lie flush over a small
//! area round a point where the surfaces are tangent (a hyperbolic paraboloid against the
//! plane through its saddle, the saddle on a mesh vertex), the seeds along the flush
//! triangles' edges are refined onto the same branches as the seeds beside them: pieces
//! that run along each other, and branches broken at every seed junction. Here the
//! stretches of a curve that run within the tolerance of a longer one are dropped, and
//! open crossing curves whose ends alone meet (two ends at a point, not the four of a
//! crossing) are joined. Touching curves (an overlap's edges, say) stay as they are.

use super::SurfaceCurve;
use crate::Point3;
use crate::chord_index::{ChordIndex, chords_of};

/// A repeated stretch shorter than this many tolerances stays: a curve crossing another
/// at an angle θ runs within two tolerances of it for 4 / sin θ tolerances, which is less
/// for every crossing steeper than 3.6°.
const SHORTEST_REPEAT: f64 = 64.0;

/// Points sampled inside each chord to tell whether it runs along another curve.
const CHORD_SAMPLES: usize = 7;

/// A curve of an intersection, as the tidying here sees it: points with what each carries
/// (its parameters on the surfaces), closed or not, touching or crossing.
pub(crate) trait Branch: Sized {
    /// What one point carries.
    type Sample: Copy;
    /// Its points in order.
    fn points(&self) -> &[Point3];
    /// True for a closed loop (the last point joins the first).
    fn closed(&self) -> bool;
    /// True for a curve along which the two touch rather than cross.
    fn tangent(&self) -> bool;
    /// Point `k` with what it carries.
    fn sample(&self, k: usize) -> Self::Sample;
    /// The curve through `samples` in order.
    fn from_samples(samples: Vec<Self::Sample>, closed: bool, tangent: bool) -> Self;

    /// The open curve through its points `run`, in that order.
    fn stretch(&self, run: &[usize]) -> Self {
        let samples = run.iter().map(|&k| self.sample(k)).collect();
        Self::from_samples(samples, false, self.tangent())
    }
    /// Runs it the other way.
    fn reverse(&mut self) {
        let samples = (0..self.points().len())
            .rev()
            .map(|k| self.sample(k))
            .collect();
        *self = Self::from_samples(samples, self.closed(), self.tangent());
    }
    /// Appends `tail`, whose first point is this curve's last, less that point.
    fn append(&mut self, tail: &Self) {
        let head = (0..self.points().len()).map(|k| self.sample(k));
        let rest = (1..tail.points().len()).map(|k| tail.sample(k));
        *self = Self::from_samples(head.chain(rest).collect(), self.closed(), self.tangent());
    }
    /// Closes it over its last point, which is its first.
    fn close(&mut self) {
        let n = self.points().len().saturating_sub(1);
        let samples = (0..n).map(|k| self.sample(k)).collect();
        *self = Self::from_samples(samples, n > 2, self.tangent());
    }
}

impl Branch for SurfaceCurve {
    type Sample = (Point3, [f64; 2], [f64; 2]);
    fn points(&self) -> &[Point3] {
        &self.points
    }
    fn closed(&self) -> bool {
        self.closed
    }
    fn tangent(&self) -> bool {
        self.tangent
    }
    fn sample(&self, k: usize) -> Self::Sample {
        (self.points[k], self.uv_a[k], self.uv_b[k])
    }
    fn from_samples(samples: Vec<Self::Sample>, closed: bool, tangent: bool) -> Self {
        SurfaceCurve {
            points: samples.iter().map(|s| s.0).collect(),
            uv_a: samples.iter().map(|s| s.1).collect(),
            uv_b: samples.iter().map(|s| s.2).collect(),
            closed,
            tangent,
        }
    }
}

/// `curves` without the stretches that run within twice `tolerance` of a longer curve
/// (or of a piece kept before) for more than [`SHORTEST_REPEAT`] tolerances, and with open
/// crossing curves joined where exactly two ends meet within `tolerance`. Curves with
/// nothing repeated stay as they came, in their order.
pub(crate) fn without_repeats<C: Branch + Clone>(curves: Vec<C>, tolerance: f64) -> Vec<C> {
    if curves.len() < 2 {
        return curves;
    }
    let mut order: Vec<(f64, usize, C)> = curves
        .into_iter()
        .enumerate()
        .map(|(k, c)| (length(&c), k, c))
        .collect();
    // Longest first, so that a short repeat gives way to the curve it repeats.
    order.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut index = RankedChords::new(order.iter().map(|(_, _, c)| c), 2.0 * tolerance);
    let mut kept: Vec<(usize, C)> = Vec::new();
    for (rank, (_, k, curve)) in order.into_iter().enumerate() {
        let (pieces, alive) = unrepeated(curve, |p| index.near(p, rank), tolerance);
        index.set_alive(rank, &alive);
        kept.extend(pieces.into_iter().map(|piece| (k, piece)));
    }
    // What is left, in the order the curves came.
    kept.sort_by_key(|piece| piece.0);
    join_ends(kept.into_iter().map(|(_, c)| c).collect(), tolerance)
}

/// The chords of every curve with its curve's rank (longest first) and whether it is
/// still kept, for "is a point within the reach of a chord kept of a longer curve".
struct RankedChords {
    index: ChordIndex,
    rank: Vec<u32>,
    alive: Vec<bool>,
    /// Where each rank's chords start.
    first: Vec<usize>,
}

impl RankedChords {
    /// The chords of `curves`, in rank order (a loop's closing chord included).
    fn new<'a, C: Branch + 'a>(curves: impl Iterator<Item = &'a C>, reach: f64) -> RankedChords {
        let (mut chords, mut rank, mut first) = (Vec::new(), Vec::new(), Vec::new());
        for (r, c) in curves.enumerate() {
            first.push(chords.len());
            chords.extend(chords_of(c.points(), c.closed()));
            rank.resize(chords.len(), r as u32);
        }
        RankedChords {
            alive: vec![true; chords.len()],
            index: ChordIndex::new(chords, reach),
            rank,
            first,
        }
    }

    /// Whether `p` lies within the reach of a chord still kept of a curve ranked before
    /// `rank`.
    fn near(&self, p: Point3, rank: usize) -> bool {
        self.index
            .near_where(p, |i| (self.rank[i] as usize) < rank && self.alive[i])
    }

    /// Which chords of the curve ranked `rank` are kept.
    fn set_alive(&mut self, rank: usize, alive: &[bool]) {
        let first = self.first[rank];
        self.alive[first..first + alive.len()].copy_from_slice(alive);
    }
}

/// The stretches of `curve` that do not run along a curve kept before: a chord all of
/// whose inner samples are `near` one is repeated, and runs of repeated chords longer than
/// [`SHORTEST_REPEAT`] tolerances are dropped. What is left of an open curve (or of a
/// closed one, once a run is dropped) is its other runs, as open curves, those no longer
/// than two tolerances left out; with them, which of the curve's chords are kept.
fn unrepeated<C: Branch>(
    curve: C,
    near: impl Fn(Point3) -> bool,
    tolerance: f64,
) -> (Vec<C>, Vec<bool>) {
    let reach = 2.0 * tolerance;
    let points = curve.points();
    let n = points.len();
    let closed = curve.closed();
    let chords = if closed { n } else { n.saturating_sub(1) };
    let chord = |k: usize| (points[k], points[(k + 1) % n]);
    let repeated: Vec<bool> = (0..chords)
        .map(|k| {
            let (p, q) = chord(k);
            (1..=CHORD_SAMPLES).all(|s| near(p.lerp(q, s as f64 / (CHORD_SAMPLES + 1) as f64)))
        })
        .collect();
    if !repeated.iter().any(|&r| r) {
        return (vec![curve], vec![true; chords]);
    }
    // Runs of repeated chords too short to drop count as not repeated. A closed curve's
    // run may wrap round its start: its walk starts after a chord that is not repeated.
    let mut dropped = vec![false; chords];
    let start = if closed {
        repeated.iter().position(|&r| !r).map_or(0, |k| k + 1)
    } else {
        0
    };
    let mut k = 0;
    while k < chords {
        if !repeated[(start + k) % chords] {
            k += 1;
            continue;
        }
        let (mut run, mut along) = (0, 0.0);
        while k + run < chords && repeated[(start + k + run) % chords] {
            let (p, q) = chord((start + k + run) % chords);
            along += p.distance(q);
            run += 1;
        }
        if along > SHORTEST_REPEAT * tolerance {
            for j in 0..run {
                dropped[(start + k + j) % chords] = true;
            }
        }
        k += run;
    }
    let Some(first_dropped) = dropped.iter().position(|&d| d) else {
        return (vec![curve], vec![true; chords]);
    };
    // The pieces between dropped runs: an open curve's from its start, a closed one's
    // from just after a dropped chord round to it.
    let from = if closed { first_dropped + 1 } else { 0 };
    let mut alive = vec![false; chords];
    let mut pieces = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    let mut end_run = |run: &mut Vec<usize>, pieces: &mut Vec<C>| {
        if let Some(piece) = piece_of(&curve, run, reach) {
            // A run's points k, k + 1, … are the starts of its chords but the last.
            for &k in &run[..run.len() - 1] {
                alive[k] = true;
            }
            pieces.push(piece);
        }
        run.clear();
    };
    for step in 0..chords {
        let k = (from + step) % chords;
        if dropped[k] {
            end_run(&mut run, &mut pieces);
            continue;
        }
        if run.is_empty() {
            run.push(k);
        }
        run.push((k + 1) % n);
    }
    end_run(&mut run, &mut pieces);
    (pieces, alive)
}

/// The open curve through `curve`'s points `run`, when it is longer than `reach`.
fn piece_of<C: Branch>(curve: &C, run: &[usize], reach: f64) -> Option<C> {
    let piece = curve.stretch(run);
    (run.len() >= 2 && length(&piece) > reach).then_some(piece)
}

/// The length of a curve's polyline, the closing chord of a loop included.
fn length<C: Branch>(c: &C) -> f64 {
    chords_of(c.points(), c.closed())
        .map(|[p, q]| p.distance(q))
        .sum()
}

/// Open crossing curves joined where exactly two ends (of all the open crossing curves'
/// ends) lie within `tolerance` of each other; a curve whose two ends meet so is closed.
/// Where more ends meet (branches crossing at a point) nothing is joined.
fn join_ends<C: Branch + Clone>(mut curves: Vec<C>, tolerance: f64) -> Vec<C> {
    loop {
        let ends: Vec<(usize, bool, Point3)> = curves
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.closed() && !c.tangent() && c.points().len() >= 2)
            .flat_map(|(i, c)| {
                let p = c.points();
                [(i, true, p[0]), (i, false, p[p.len() - 1])]
            })
            .collect();
        let meeting = |p: Point3| ends.iter().filter(|e| e.2.distance(p) <= tolerance).count();
        let pair = ends.iter().enumerate().find_map(|(x, &(i, first_i, p))| {
            ends[x + 1..]
                .iter()
                .find(|&&(_, _, q)| {
                    p.distance(q) <= tolerance && meeting(p) == 2 && meeting(q) == 2
                })
                .map(|&(j, first_j, _)| ((i, first_i), (j, first_j)))
        });
        let Some(((i, first_i), (j, first_j))) = pair else {
            return curves;
        };
        if i == j {
            curves[i].close();
            continue;
        }
        // `i` is run so that it ends at the meeting point, `j` so that it starts there.
        let mut tail = curves[j].clone();
        if !first_j {
            tail.reverse();
        }
        let head = &mut curves[i];
        if first_i {
            head.reverse();
        }
        head.append(&tail);
        curves.remove(j);
    }
}

//! Intersections of trimmed faces and Breps (reference case I13): the untrimmed surfaces
//! are intersected exactly ([`surface_surface`], [`curve_surface`]), the results are
//! clipped by both faces' trim loops, and the pieces on neighbouring faces are joined into
//! curves across the Breps' edges.
//!
//! Clipping: each face's loops are sampled into polygons in its (u, v) domain (chords
//! within the tolerance of the trims' images in 3D), every chord of an intersection curve
//! is crossed with both faces' polygons in its own parameters (a chord across a closed
//! surface's seam is crossed in both of its domain copies; a chord passing within the
//! tolerance of a polygon corner is cut there too), and the stretches between
//! crossings are kept where their midpoints lie inside both faces, or where they run along
//! a trim within the tolerance of its image (a curve on an edge crosses the trim's polygon
//! back and forth). Each cut is then moved exactly onto the trim's edge by Newton's method
//! on `S_x(T(t)) = S_y(u, v)` (trim `T` of face x, surface of face y: the edge as a curve
//! meeting a surface), so clipped ends lie on the Brep edge to the tolerance, and the
//! pieces of the two faces along an edge meet there and join.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::bbox::Aabb;
use crate::bvh::Bvh;
use crate::nurbs::{NurbsCurve, NurbsSurface};
use crate::nurbs_intersection::{
    CurveSurfacePoint, MAX_NEWTON, RunPoint, Seeds, along_line, bounds_size, clamp_uv,
    coincide_within, curve_surface_seeded, frame, polyline_distance, refine_on_both,
    refine_with_tangent, runs_along, solve3, surface_surface_seeded,
};
use crate::resting;
use crate::surface_mesh_intersection::{planes_at, surface_mesh_seeded};
use crate::tessellate::TessellationOptions;
use crate::tessellate_brep::{TrimmedFace, distance_to_segment, sample_trim, uv_at};
use crate::{Point3, Vector3};

/// Below this sine of the angle between a chord and a side, they run along each other.
const PARALLEL: f64 = 1e-9;

/// How far past a side's ends (as a fraction of it) a chord still meets it: the rounding
/// of a crossing exactly at a polygon vertex.
const VERTEX: f64 = 1e-9;

/// One side of a trim polygon: from `from` to `to` in (u, v), along trim `trim` from
/// parameter `t[0]` to `t[1]`.
#[derive(Clone, Copy, Debug)]
struct Side {
    from: [f64; 2],
    to: [f64; 2],
    trim: u32,
    t: [f64; 2],
}

/// A face's trimmed region: its loops as polygons in the parameter domain, with the trims
/// they were sampled from (to put cuts exactly on the edges).
#[derive(Clone, Debug)]
pub struct TrimRegion {
    sides: Vec<Side>,
    /// The trim curves in (u, v), and whether each lies on an edge (a pole does not).
    trims: Vec<(NurbsCurve, bool)>,
    /// The sides' bounding box in (u, v): lower and upper corners.
    bounds: [[f64; 2]; 2],
    /// The sides on a grid over that box, for the crossings of short chords.
    grid: SideGrid,
}

/// A uniform grid over a region's parameter box, each cell listing the sides whose boxes
/// overlap it: a chord is crossed with the sides of the cells its box covers instead of
/// with every side (a rim sampled to the tolerance has thousands).
#[derive(Clone, Debug)]
struct SideGrid {
    lo: [f64; 2],
    cell: [f64; 2],
    n: [usize; 2],
    cells: Vec<Vec<u32>>,
    /// The longest side's extent (for the margin a query box is grown by).
    longest: f64,
}

impl SideGrid {
    fn new(sides: &[Side], [lo, hi]: [[f64; 2]; 2]) -> SideGrid {
        let per_axis = ((sides.len() as f64).sqrt().ceil() as usize).clamp(1, 256);
        let n = [per_axis; 2];
        let cell = [0, 1].map(|k| ((hi[k] - lo[k]) / per_axis as f64).max(f64::MIN_POSITIVE));
        let mut grid = SideGrid {
            lo,
            cell,
            n,
            cells: vec![Vec::new(); per_axis * per_axis],
            longest: 0.0,
        };
        for (i, s) in sides.iter().enumerate() {
            let extent = (s.to[0] - s.from[0]).abs() + (s.to[1] - s.from[1]).abs();
            grid.longest = grid.longest.max(extent);
            let m = VERTEX * extent;
            let a = [s.from[0].min(s.to[0]) - m, s.from[1].min(s.to[1]) - m];
            let b = [s.from[0].max(s.to[0]) + m, s.from[1].max(s.to[1]) + m];
            let ([i0, j0], [i1, j1]) = (grid.index(a), grid.index(b));
            for x in i0..=i1 {
                for y in j0..=j1 {
                    grid.cells[x * per_axis + y].push(i as u32);
                }
            }
        }
        grid
    }

    /// The cell of `p`, clamped into the grid.
    fn index(&self, p: [f64; 2]) -> [usize; 2] {
        [0, 1].map(|k| {
            let f = ((p[k] - self.lo[k]) / self.cell[k]).floor();
            (f.max(0.0) as usize).min(self.n[k] - 1)
        })
    }

    /// The sides filed in the cells the box from `a` to `b` covers, each once, in order;
    /// `None` when that box covers so many cells that a scan of every side is cheaper.
    fn sides_in(&self, a: [f64; 2], b: [f64; 2]) -> Option<Vec<u32>> {
        let ([i0, j0], [i1, j1]) = (self.index(a), self.index(b));
        if (i1 - i0 + 1) * (j1 - j0 + 1) > 64 {
            return None;
        }
        let mut found = Vec::new();
        for x in i0..=i1 {
            for y in j0..=j1 {
                found.extend_from_slice(&self.cells[x * self.n[1] + y]);
            }
        }
        found.sort_unstable();
        found.dedup();
        Some(found)
    }
}

fn cross2(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn lerp2(p: [f64; 2], q: [f64; 2], s: f64) -> [f64; 2] {
    [p[0] + (q[0] - p[0]) * s, p[1] + (q[1] - p[1]) * s]
}

impl TrimRegion {
    /// The loops of `face` as polygons whose sides lie within `tolerance` of the trims'
    /// images on the surface.
    pub fn new(face: &TrimmedFace, tolerance: f64) -> TrimRegion {
        let options = TessellationOptions {
            chord_tolerance: tolerance,
            // Sides only classify points; cuts are put on the trims themselves.
            angle_tolerance: std::f64::consts::PI,
            max_edge_length: None,
            ..TessellationOptions::default()
        };
        let mut sides = Vec::new();
        let mut trims = Vec::new();
        for lp in &face.loops {
            for trim in &lp.trims {
                let k = trims.len() as u32;
                let mut ts = sample_trim(&face.surface, &trim.curve, &options);
                ts.push(trim.curve.domain().1);
                for w in ts.windows(2) {
                    sides.push(Side {
                        from: uv_at(&trim.curve, w[0]),
                        to: uv_at(&trim.curve, w[1]),
                        trim: k,
                        t: [w[0], w[1]],
                    });
                }
                trims.push((trim.curve.clone(), trim.edge.is_some()));
            }
        }
        let mut bounds = [[f64::INFINITY; 2], [f64::NEG_INFINITY; 2]];
        for s in &sides {
            for p in [s.from, s.to] {
                for k in 0..2 {
                    bounds[0][k] = bounds[0][k].min(p[k]);
                    bounds[1][k] = bounds[1][k].max(p[k]);
                }
            }
        }
        let grid = SideGrid::new(&sides, bounds);
        TrimRegion {
            sides,
            trims,
            bounds,
            grid,
        }
    }

    /// True when `uv` lies inside the loops (even–odd rule: holes are outside).
    pub fn contains(&self, [u, v]: [f64; 2]) -> bool {
        let mut inside = false;
        for s in &self.sides {
            let (a, b) = (s.from, s.to);
            if (a[1] > v) != (b[1] > v) {
                let x = a[0] + (v - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if u < x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// The side nearest to `uv` with distances measured in 3D through the parameter
    /// speeds `speed` (|S_u|, |S_v|): the distance, the side and the fraction along it.
    fn nearest_side(&self, uv: [f64; 2], speed: [f64; 2]) -> (f64, Option<(usize, f64)>) {
        self.nearest_of(0..self.sides.len() as u32, uv, speed)
    }

    /// [`Self::nearest_side`] among the sides `among`.
    fn nearest_of(
        &self,
        among: impl Iterator<Item = u32>,
        uv: [f64; 2],
        speed: [f64; 2],
    ) -> (f64, Option<(usize, f64)>) {
        let scale = |d: [f64; 2]| [d[0] * speed[0], d[1] * speed[1]];
        let q = scale(uv);
        let mut best = (f64::INFINITY, None);
        for k in among {
            let (k, s) = (k as usize, &self.sides[k as usize]);
            let (a, b) = (scale(s.from), scale(s.to));
            let (d, w) = ([b[0] - a[0], b[1] - a[1]], [q[0] - a[0], q[1] - a[1]]);
            let len2 = d[0] * d[0] + d[1] * d[1];
            let r = if len2 > 0.0 {
                ((w[0] * d[0] + w[1] * d[1]) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let distance = (w[0] - d[0] * r).hypot(w[1] - d[1] * r);
            if distance < best.0 {
                best = (distance, Some((k, r)));
            }
        }
        best
    }

    /// The distance from `uv` to the nearest side, in 3D through the parameter speeds.
    fn distance_to_boundary(&self, uv: [f64; 2], speed: [f64; 2]) -> f64 {
        self.nearest_side(uv, speed).0
    }

    /// The 3D distance from the point `uv` of `surface` to the image of the trim nearest
    /// to it (not to its polygon, which may sit up to the sampling tolerance off a curved
    /// trim): Gauss–Newton along the trim from the nearest side's point.
    fn distance_to_trim(&self, surface: &NurbsSurface, uv: [f64; 2]) -> f64 {
        let (p, su, sv) = frame(surface, uv);
        let speed = [su.length(), sv.length()];
        // The nearest side among those of the point's grid cell and the cells round it
        // (a point near a trim is near one of those), else among all.
        let [i, j] = self.grid.index(uv);
        let around = self.grid.sides_in(
            [
                self.grid.lo[0] + (i as f64 - 1.0) * self.grid.cell[0],
                self.grid.lo[1] + (j as f64 - 1.0) * self.grid.cell[1],
            ],
            [
                self.grid.lo[0] + (i as f64 + 1.5) * self.grid.cell[0],
                self.grid.lo[1] + (j as f64 + 1.5) * self.grid.cell[1],
            ],
        );
        let nearest = match around {
            Some(list) if !list.is_empty() => self.nearest_of(list.into_iter(), uv, speed),
            _ => self.nearest_side(uv, speed),
        };
        let Some((side, r)) = nearest.1 else {
            return f64::INFINITY;
        };
        let s = self.sides[side];
        let (trim, _) = &self.trims[s.trim as usize];
        let (t0, t1) = trim.domain();
        let mut t = s.t[0] + (s.t[1] - s.t[0]) * r;
        let mut distance = f64::INFINITY;
        for _ in 0..MAX_NEWTON {
            let d = trim.derivatives(t, 1);
            let (q, qu, qv) = frame(surface, [d[0].x, d[0].y]);
            distance = q.distance(p);
            let tangent = qu * d[1].x + qv * d[1].y;
            let speed2 = tangent.length_squared();
            if speed2 == 0.0 {
                break;
            }
            let next = (t - (q - p).dot(tangent) / speed2).clamp(t0, t1);
            if (next - t).abs() <= 1e-14 * (t1 - t0) {
                break;
            }
            t = next;
        }
        distance
    }

    /// Points just inside the loops beside each side, or every so many sides of a finely
    /// sampled loop (at a quarter, half and three quarters of it, a thousandth of its
    /// length off either way, those inside kept):
    /// where a region that shares an area with this one, bounded by other loops, is
    /// sure to have points (unless it is thinner than that) even when the sides of
    /// both lie on one line.
    fn inner_points(&self) -> Vec<[f64; 2]> {
        let mut out = Vec::new();
        // At most about 256 sides (each point costs a pass over all sides to classify).
        let stride = self.sides.len().div_ceil(256).max(1);
        for s in self.sides.iter().step_by(stride) {
            let d = [s.to[0] - s.from[0], s.to[1] - s.from[1]];
            let off = [-d[1] * 1e-3, d[0] * 1e-3];
            for f in [0.25, 0.5, 0.75] {
                let p = lerp2(s.from, s.to, f);
                for sign in [1.0, -1.0] {
                    let q = [p[0] + sign * off[0], p[1] + sign * off[1]];
                    if self.contains(q) {
                        out.push(q);
                    }
                }
            }
        }
        out
    }

    /// Where the segment `p → q` crosses the loops: the fraction along it, the trim and
    /// the trim's parameter there (linear along the side).
    fn crossings(&self, p: [f64; 2], q: [f64; 2], close: [f64; 2], edge: Edge, out: &mut Vec<Cut>) {
        let d = [q[0] - p[0], q[1] - p[1]];
        let (lo, hi) = (
            [p[0].min(q[0]), p[1].min(q[1])],
            [p[0].max(q[0]), p[1].max(q[1])],
        );
        let reach = d[0].abs().max(d[1].abs());
        let grow = VERTEX * (reach + self.grid.longest);
        let candidates = self.grid.sides_in(
            [lo[0] - grow - close[0], lo[1] - grow - close[1]],
            [hi[0] + grow + close[0], hi[1] + grow + close[1]],
        );
        let picked: Box<dyn Iterator<Item = &Side>> = match &candidates {
            Some(list) => Box::new(list.iter().map(|&i| &self.sides[i as usize])),
            None => Box::new(self.sides.iter()),
        };
        for s in picked {
            // A polygon vertex the chord passes within the tolerance of (`close`: its
            // radii in u and v) is a cut too: a curve along a trim just outside the
            // polygon passes beside the corner where the next side ends, crossing neither.
            let w = [(s.from[0] - p[0]) / close[0], (s.from[1] - p[1]) / close[1]];
            let e = [d[0] / close[0], d[1] / close[1]];
            let len2 = e[0] * e[0] + e[1] * e[1];
            if len2 > 0.0 && close[0].is_finite() && close[1].is_finite() {
                let r = (w[0] * e[0] + w[1] * e[1]) / len2;
                if (0.0..=1.0).contains(&r) && (w[0] - e[0] * r).hypot(w[1] - e[1] * r) <= 1.0 {
                    out.push(Cut {
                        s: r,
                        edge,
                        trim: s.trim,
                        t: s.t[0],
                    });
                }
            }
            // Widened by the rounding a crossing at a vertex is allowed (a chord along a
            // side may sit an ulp beside it, past the next side's end).
            let margin =
                VERTEX * (reach + (s.to[0] - s.from[0]).abs() + (s.to[1] - s.from[1]).abs());
            let outside = (0..2).any(|k| {
                s.from[k].max(s.to[k]) + margin < lo[k] || s.from[k].min(s.to[k]) - margin > hi[k]
            });
            if outside {
                continue;
            }
            let e = [s.to[0] - s.from[0], s.to[1] - s.from[1]];
            let denom = cross2(d, e);
            // A chord along a side (a curve on the trim itself) meets it nowhere in
            // particular: rounding would put a cut anywhere along it.
            if denom.abs() <= PARALLEL * d[0].hypot(d[1]) * e[0].hypot(e[1]) {
                continue;
            }
            let w = [s.from[0] - p[0], s.from[1] - p[1]];
            let along = cross2(w, e) / denom;
            // Closed on the side, and a little beyond its ends: a chord through a polygon
            // vertex is cut there also when it runs on along the next side, whose own
            // crossing was skipped as parallel; a vertex met twice is one cut (no stretch
            // between).
            let on_side = cross2(w, d) / denom;
            if (0.0..=1.0).contains(&along) && (-VERTEX..=1.0 + VERTEX).contains(&on_side) {
                let on_side = on_side.clamp(0.0, 1.0);
                out.push(Cut {
                    s: along,
                    edge,
                    trim: s.trim,
                    t: s.t[0] + (s.t[1] - s.t[0]) * on_side,
                });
            }
        }
    }
}

/// A face to intersect: its untrimmed surface and, when trimmed, its region.
#[derive(Clone, Debug)]
pub struct Face {
    /// The untrimmed surface.
    pub surface: NurbsSurface,
    /// The trimmed region; `None` for the whole surface.
    pub region: Option<TrimRegion>,
    /// Bounds of the surface's control points (the face lies within them).
    pub bounds: Aabb,
    /// The period of each parameter along which the surface is closed.
    pub(crate) periods: [Option<f64>; 2],
    /// The seeding mesh and the tolerance it was made for, on first use: a face meets
    /// many others.
    seeds: OnceLock<(f64, Seeds)>,
}

impl Face {
    /// A whole, untrimmed surface.
    pub fn whole(surface: NurbsSurface) -> Face {
        Face {
            bounds: surface.control_points().into_iter().collect(),
            periods: periods(&surface),
            surface,
            region: None,
            seeds: OnceLock::new(),
        }
    }

    /// A trimmed face of a Brep, its loops sampled to `tolerance`.
    pub fn trimmed(face: &TrimmedFace, tolerance: f64) -> Face {
        Face {
            region: Some(TrimRegion::new(face, tolerance)),
            ..Face::whole(face.surface.clone())
        }
    }

    /// True when `uv` lies on the face: inside its loops, or within `tolerance` of them
    /// in 3D (a point on an edge belongs to both faces that share it).
    pub fn covers(&self, uv: [f64; 2], tolerance: f64) -> bool {
        let Some(region) = &self.region else {
            return true;
        };
        if region.contains(uv) {
            return true;
        }
        let (_, su, sv) = frame(&self.surface, uv);
        region.distance_to_boundary(uv, [su.length(), sv.length()]) <= tolerance
    }

    /// Points spread over the face where it may share an area with another: just inside
    /// its loops when trimmed, else its seeding mesh's triangle centres.
    fn probes(&self, seeds: &Seeds) -> Vec<[f64; 2]> {
        match &self.region {
            Some(region) => region.inner_points(),
            None => seeds.centres().collect(),
        }
    }

    /// True when `uv` lies inside the loops (strictly: even–odd rule).
    pub(crate) fn inside(&self, uv: [f64; 2]) -> bool {
        self.region.as_ref().is_none_or(|r| r.contains(uv))
    }

    /// True when `uv` lies within `distance` of the trims' images in 3D.
    pub(crate) fn on_boundary(&self, uv: [f64; 2], distance: f64) -> bool {
        let Some(region) = &self.region else {
            return false;
        };
        // Far outside the loops' box (measured through the parameter speeds here, with
        // room for their change): no trim is near, without a look at every side.
        let (_, su, sv) = frame(&self.surface, uv);
        let [lo, hi] = region.bounds;
        let off = |k: usize| (lo[k] - uv[k]).max(uv[k] - hi[k]).max(0.0);
        if (off(0) * su.length()).hypot(off(1) * sv.length()) > 4.0 * distance {
            return false;
        }
        region.distance_to_trim(&self.surface, uv) <= distance
    }

    /// The surface's seeding mesh for `tolerance`: the one kept, or a new one for another
    /// tolerance.
    pub fn seeds(&self, tolerance: f64) -> Cow<'_, Seeds> {
        let (made_for, seeds) = self
            .seeds
            .get_or_init(|| (tolerance, Seeds::new(&self.surface, tolerance)));
        if *made_for == tolerance {
            Cow::Borrowed(seeds)
        } else {
            Cow::Owned(Seeds::new(&self.surface, tolerance))
        }
    }

    /// `q` moved by whole periods to lie nearest `p` (a chord across a seam).
    fn unwrap_near(&self, p: [f64; 2], mut q: [f64; 2]) -> [f64; 2] {
        for k in 0..2 {
            if let Some(period) = self.periods[k] {
                q[k] -= ((q[k] - p[k]) / period).round() * period;
            }
        }
        q
    }

    /// Where the chord from `p` to `q` (parameters on this face) crosses its loops, or
    /// passes within `tolerance` of a corner of them.
    fn crossings(&self, p: [f64; 2], q: [f64; 2], tolerance: f64, edge: Edge, out: &mut Vec<Cut>) {
        let Some(region) = &self.region else { return };
        let (_, su, sv) = frame(&self.surface, p);
        let close = [tolerance / su.length(), tolerance / sv.length()];
        let near = self.unwrap_near(p, q);
        region.crossings(p, near, close, edge, out);
        // Across a seam the chord leaves the domain: its copy shifted by the periods
        // covers the part that lies on the other side.
        let shift = [q[0] - near[0], q[1] - near[1]];
        if shift != [0.0, 0.0] {
            region.crossings([p[0] + shift[0], p[1] + shift[1]], q, close, edge, out);
        }
    }
}

/// The period of each parameter whose two boundary curves coincide (a closed surface).
fn periods(s: &NurbsSurface) -> [Option<f64>; 2] {
    let ((u0, u1), (v0, v1)) = s.domain();
    let fractions = [0.0, 0.3, 0.5, 0.7, 1.0];
    let closed_u = fractions.iter().all(|f| s.closed_at(0, v0 + (v1 - v0) * f));
    let closed_v = fractions.iter().all(|f| s.closed_at(1, u0 + (u1 - u0) * f));
    [closed_u.then_some(u1 - u0), closed_v.then_some(v1 - v0)]
}

/// Which face's trim a cut lies on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Edge {
    A,
    B,
}

/// Where a chord crosses a trim polygon: fraction along the chord, and the trim.
#[derive(Clone, Copy, Debug)]
struct Cut {
    s: f64,
    edge: Edge,
    trim: u32,
    t: f64,
}

/// A point of an intersection curve and its parameters on the two surfaces.
type Station = (Point3, [f64; 2], [f64; 2]);

/// A curve point or a cut on chord `chord`, in the curve's order.
#[derive(Clone, Copy)]
enum Mark {
    Point(usize),
    Cut(usize, Cut),
}

/// The parts of the curve through `stations` (on `a`'s surface and, when given, `b`'s)
/// that lie on both faces, each with its closed flag; `cut_at` puts a cut of chord
/// `p → q` on its trim edge.
fn clip(
    a: &Face,
    b: Option<&Face>,
    stations: Vec<Station>,
    closed: bool,
    cut_at: impl Fn(&Station, &Station, Cut) -> Station,
    tolerance: f64,
) -> Vec<(Vec<Station>, bool)> {
    let n = stations.len();
    if a.region.is_none() && b.is_none_or(|b| b.region.is_none()) {
        return vec![(stations, closed)];
    }
    let chords = if closed { n } else { n - 1 };
    // Marks in order, and whether the stretch after each lies inside both faces.
    let mut marks = Vec::new();
    let mut inside = Vec::new();
    let mut cuts = Vec::new();
    for k in 0..chords {
        let (p, q) = (&stations[k], &stations[(k + 1) % n]);
        let qa = a.unwrap_near(p.1, q.1);
        // A stretch is on a face when its middle is inside the loops, or when it runs
        // along them: the middle and both ends within the tolerance of a trim's image (a
        // curve lying on an edge, as where a box rests on a slab or a mitred pipe on a
        // plate, crosses the trim back and forth within the trim's own accuracy). A
        // stretch that leaves the face at a shallow angle is then kept only as far as it
        // stays within the tolerance of the face.
        let on_face = |f: &Face, p: [f64; 2], q: [f64; 2], s0: f64, s1: f64| {
            let at = |s: f64| clamp_uv(&f.surface, lerp2(p, q, s));
            let near = |s: f64| f.on_boundary(at(s), tolerance);
            f.inside(at((s0 + s1) / 2.0)) || (near((s0 + s1) / 2.0) && near(s0) && near(s1))
        };
        let on_both = |s0: f64, s1: f64| {
            on_face(a, p.1, qa, s0, s1)
                && b.is_none_or(|b| on_face(b, p.2, b.unwrap_near(p.2, q.2), s0, s1))
        };
        cuts.clear();
        a.crossings(p.1, q.1, tolerance, Edge::A, &mut cuts);
        if let Some(b) = b {
            b.crossings(p.2, q.2, tolerance, Edge::B, &mut cuts);
        }
        cuts.sort_by(|x, y| x.s.total_cmp(&y.s));
        marks.push(Mark::Point(k));
        let mut s0 = 0.0;
        for &cut in &cuts {
            // A stretch of no length has no side: the cut joins the previous mark.
            if cut.s - s0 <= 1e-12 {
                continue;
            }
            inside.push(on_both(s0, cut.s));
            marks.push(Mark::Cut(k, cut));
            s0 = cut.s;
        }
        inside.push(on_both(s0, 1.0));
    }
    if !closed {
        marks.push(Mark::Point(n - 1));
    }
    if inside.iter().all(|&x| x) {
        return vec![(stations, closed)];
    }
    let count = inside.len();
    let start = if closed {
        match (0..count).find(|&j| inside[j] && !inside[(j + count - 1) % count]) {
            Some(j) => j,
            None => return Vec::new(),
        }
    } else {
        0
    };
    let station = |m: Mark| match m {
        Mark::Point(k) => stations[k],
        Mark::Cut(k, cut) => cut_at(&stations[k], &stations[(k + 1) % n], cut),
    };
    let mut pieces = Vec::new();
    let mut current: Option<Vec<Station>> = None;
    for step in 0..count {
        let j = (start + step) % count;
        let next = (j + 1) % marks.len();
        if inside[j] {
            let piece = current.get_or_insert_with(|| vec![station(marks[j])]);
            // A cut inside a kept run (a seam, a trim met at a vertex) is not an end.
            let run_goes_on =
                inside.get(next % count).copied().unwrap_or(false) && (closed || next < count);
            if !(matches!(marks[next], Mark::Cut(..)) && run_goes_on) {
                piece.push(station(marks[next]));
            }
        } else if let Some(piece) = current.take() {
            pieces.push(piece);
        }
    }
    pieces.extend(current);
    // A cut at a station, or at a trim vertex met from both its sides, repeats a point.
    for piece in &mut pieces {
        piece.dedup_by(|x, y| x.0.distance(y.0) <= tolerance * 1e-3);
    }
    pieces
        .into_iter()
        .filter(|p| p.iter().any(|s| s.0.distance(p[0].0) > tolerance))
        .map(|p| (p, false))
        .collect()
}

/// The point where the chord `p → q` leaves or enters a face at `cut`, on the trim's edge
/// when Newton's method finds it there, else on both surfaces near the crossing.
fn cut_station(a: &Face, b: &Face, p: &Station, q: &Station, cut: Cut, tolerance: f64) -> Station {
    let (qa, qb) = (a.unwrap_near(p.1, q.1), b.unwrap_near(p.2, q.2));
    let uv_a = clamp_uv(&a.surface, lerp2(p.1, qa, cut.s));
    let uv_b = clamp_uv(&b.surface, lerp2(p.2, qb, cut.s));
    let guess = p.0.lerp(q.0, cut.s);
    let reach = p.0.distance(q.0) + tolerance;
    let on_edge = match cut.edge {
        Edge::A => on_trim_edge(a, b, cut, uv_b, guess, tolerance, reach),
        Edge::B => {
            on_trim_edge(b, a, cut, uv_a, guess, tolerance, reach).map(|(x, u, v)| (x, v, u))
        }
    };
    on_edge
        .or_else(|| refine_on_both(&a.surface, &b.surface, uv_a, uv_b, tolerance, reach))
        .unwrap_or((guess, uv_a, uv_b))
}

/// Where trim `cut.trim` of face `x` (as a 3D edge) meets the surface of `y`, from the
/// trim parameter `cut.t` and `uv_y`: Newton's method on `S_x(T(t)) − S_y(u, v) = 0`.
/// The point with its parameters on `x` and `y`; `None` for a pole, a trim running
/// along `y`, no convergence, or a point farther than `reach` from `guess`.
fn on_trim_edge(
    x: &Face,
    y: &Face,
    cut: Cut,
    mut uv_y: [f64; 2],
    guess: Point3,
    tolerance: f64,
    reach: f64,
) -> Option<Station> {
    let (trim, on_edge) = x.region.as_ref()?.trims.get(cut.trim as usize)?;
    if !on_edge {
        return None;
    }
    let (t0, t1) = trim.domain();
    let mut t = cut.t;
    for _ in 0..MAX_NEWTON {
        let d = trim.derivatives(t, 1);
        let uv_x = [d[0].x, d[0].y];
        let (px, xu, xv) = frame(&x.surface, uv_x);
        let (py, yu, yv) = frame(&y.surface, uv_y);
        let f = px - py;
        if f.length() <= tolerance * 1e-3 {
            let point = px.lerp(py, 0.5);
            return (point.distance(guess) <= reach).then_some((point, uv_x, uv_y));
        }
        let along = xu * d[1].x + xv * d[1].y;
        let rows = [
            Vector3::new(along.x, -yu.x, -yv.x),
            Vector3::new(along.y, -yu.y, -yv.y),
            Vector3::new(along.z, -yu.z, -yv.z),
        ];
        let step = solve3(rows, [-f.x, -f.y, -f.z])?;
        t = (t + step[0]).clamp(t0, t1);
        uv_y = clamp_uv(&y.surface, [uv_y[0] + step[1], uv_y[1] + step[2]]);
    }
    None
}

/// One point of a Brep intersection curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BrepStation {
    /// Where.
    pub point: Point3,
    /// The face of the first Brep it lies on, and its parameters there.
    pub face_a: u32,
    /// Parameters on `face_a`'s surface.
    pub uv_a: [f64; 2],
    /// The face of the second Brep it lies on.
    pub face_b: u32,
    /// Parameters on `face_b`'s surface.
    pub uv_b: [f64; 2],
}

/// A curve where two Breps meet, across as many faces as it runs over.
#[derive(Clone, Debug, PartialEq)]
pub struct BrepCurve {
    /// Points in order, each with its faces and parameters.
    pub points: Vec<BrepStation>,
    /// True for a closed loop (the last point joins the first).
    pub closed: bool,
    /// True where the faces touch along the curve rather than cross.
    pub tangent: bool,
}

/// Where two Breps (or a Brep and a surface) meet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BrepIntersection {
    /// Curves where the faces cross or touch, joined across edges.
    pub curves: Vec<BrepCurve>,
    /// Isolated points where faces touch.
    pub tangent_points: Vec<BrepStation>,
    /// Faces of the two coincide over an area inside both trims (flush faces, one solid
    /// resting on or beside another): the curves include the area's outline.
    pub overlap: bool,
}

/// The intersection of the faces `a` and the faces `b` (a NURBS surface is one whole
/// face): every face pair whose bounds meet, clipped by both trims, joined across edges.
pub fn brep_brep(a: &[Face], b: &[Face], tolerance: f64) -> BrepIntersection {
    let mut out = BrepIntersection::default();
    // Open pieces, crossing and touching apart: a crossing does not run on as a contact.
    let mut open: [Vec<Vec<BrepStation>>; 2] = [Vec::new(), Vec::new()];
    // Trims lying on the other face where faces coincide, kept where nothing else draws
    // them once every pair is done.
    let mut outlines: Vec<Vec<BrepStation>> = Vec::new();
    for (i, fa) in a.iter().enumerate() {
        for (j, fb) in b.iter().enumerate() {
            if !fa.bounds.meets(&fb.bounds, tolerance) {
                continue;
            }
            let tag = |(point, uv_a, uv_b): Station| BrepStation {
                point,
                face_a: i as u32,
                uv_a,
                face_b: j as u32,
                uv_b,
            };
            let (seeds_a, seeds_b) = (fa.seeds(tolerance), fb.seeds(tolerance));
            let cut =
                surface_surface_seeded(&fa.surface, &seeds_a, &fb.surface, &seeds_b, tolerance);
            // The untrimmed surfaces coincide somewhere; the faces only if inside both trims.
            if cut.overlap && !out.overlap {
                let inside = |ua: [f64; 2], ub: [f64; 2]| fa.inside(ua) && fb.inside(ub);
                let (sa, sb) = (&fa.surface, &fb.surface);
                out.overlap = coincide_within(
                    sa,
                    &seeds_a,
                    sb,
                    &seeds_b,
                    &fa.probes(&seeds_a),
                    tolerance,
                    inside,
                ) || coincide_within(
                    sb,
                    &seeds_b,
                    sa,
                    &seeds_a,
                    &fb.probes(&seeds_b),
                    tolerance,
                    |ub, ua| inside(ua, ub),
                );
            }
            if cut.overlap {
                // Where the faces coincide, the trims of each lying on the other outline the
                // overlap where no other face ends along them (an open face: a plate lying
                // on a slab).
                let swap = |(p, uv_b, uv_a): Station| (p, uv_a, uv_b);
                let runs: Vec<Vec<Station>> = trim_runs_on_face(fa, fb, &seeds_b, tolerance)
                    .into_iter()
                    .chain(
                        trim_runs_on_face(fb, fa, &seeds_a, tolerance)
                            .into_iter()
                            .map(|run| run.into_iter().map(swap).collect()),
                    )
                    .collect();
                outlines.extend(
                    runs.into_iter()
                        .map(|run| run.into_iter().map(tag).collect()),
                );
            }
            for c in &cut.curves {
                let stations = (0..c.points.len())
                    .map(|k| (c.points[k], c.uv_a[k], c.uv_b[k]))
                    .collect();
                let cut_at =
                    |p: &Station, q: &Station, x: Cut| cut_station(fa, fb, p, q, x, tolerance);
                for (piece, closed) in clip(fa, Some(fb), stations, c.closed, cut_at, tolerance) {
                    let points: Vec<BrepStation> = piece.into_iter().map(tag).collect();
                    let tangent = c.tangent || rest_on_each_other(a, b, &points, closed, tolerance);
                    if closed {
                        out.curves.push(BrepCurve {
                            points,
                            closed,
                            tangent,
                        });
                    } else {
                        open[usize::from(tangent)].push(points);
                    }
                }
            }
            for touch in cut.tangent_points {
                let known = out
                    .tangent_points
                    .iter()
                    .any(|t| t.point.distance(touch.0) <= tolerance);
                if !known && fa.covers(touch.1, tolerance) && fb.covers(touch.2, tolerance) {
                    out.tangent_points.push(tag(touch));
                }
            }
        }
    }
    add_outlines(&out.curves, &mut open, outlines, tolerance);
    let (closed, [crossing, touching]) =
        drop_repeats(std::mem::take(&mut out.curves), open, tolerance);
    out.curves = closed;
    out.curves.extend(join_both(crossing, touching, tolerance));
    out
}

/// A piece's stations walked round to the first again when `closed`, and their points.
fn ring_of(piece: &[BrepStation], closed: bool) -> (Vec<BrepStation>, Vec<Point3>) {
    let ring: Vec<BrepStation> = piece
        .iter()
        .chain(closed.then(|| &piece[0]).filter(|_| !piece.is_empty()))
        .copied()
        .collect();
    let points = ring.iter().map(|s| s.point).collect();
    (ring, points)
}

/// Whether the Breps `a` and `b` only rest on each other along a piece where their faces
/// cross ([`resting`]; `closed`: the piece is a loop). [`brep_brep`] asks this of every
/// crossing; a caller intersecting surfaces on its own asks it too.
pub fn rest_on_each_other(
    a: &[Face],
    b: &[Face],
    piece: &[BrepStation],
    closed: bool,
    tolerance: f64,
) -> bool {
    if piece
        .iter()
        .any(|s| s.face_a as usize >= a.len() || s.face_b as usize >= b.len())
    {
        return false;
    }
    let (ring, points) = ring_of(piece, closed);
    resting::piece_touches(
        &points,
        |k| {
            let s = &ring[k];
            resting::inside_face(&a[s.face_a as usize], s.uv_a, tolerance)
                && resting::inside_face(&b[s.face_b as usize], s.uv_b, tolerance)
        },
        |k, s, along| {
            let (p, q) = (&ring[k], &ring[k + 1]);
            let (fa, fb) = (p.face_a as usize, p.face_b as usize);
            let uv_a = lerp2(p.uv_a, a[fa].unwrap_near(p.uv_a, q.uv_a), s);
            let uv_b = lerp2(p.uv_b, b[fb].unwrap_near(p.uv_b, q.uv_b), s);
            // The chord's point moved onto the curve, with the curve's direction there.
            let reach = p.point.distance(q.point) + tolerance;
            let onto =
                refine_with_tangent(&a[fa].surface, &b[fb].surface, uv_a, uv_b, tolerance, reach);
            let ((at, uv_a, uv_b), along) = match onto {
                Some((station, tangent)) => (station, tangent.unwrap_or(along)),
                None => ((p.point.lerp(q.point, s), uv_a, uv_b), along),
            };
            let ray_a = resting::face_rays(a, (at, fa, uv_a), along, tolerance);
            let ray_b = resting::face_rays(b, (at, fb, uv_b), along, tolerance);
            resting::touch(along, &ray_a, &ray_b, tolerance)
        },
    )
}

/// The curves (closed, each with its flag) and open pieces `[crossing, touching]` less
/// the stretches that repeat a longer one (chords whose ends and middle lie within
/// `tolerance` of it): where faces of both Breps end on one edge line (boxes side by side,
/// their sides flush), two face pairs find the same stretch, one face of each Brep on
/// either side of it; a mesh box resting in a Brep's corner gives its outline on each of
/// the faces there, loops sharing sides. What remains of a closed curve that repeats in
/// part is open.
fn drop_repeats(
    closed: Vec<BrepCurve>,
    open: [Vec<Vec<BrepStation>>; 2],
    tolerance: f64,
) -> (Vec<BrepCurve>, [Vec<Vec<BrepStation>>; 2]) {
    let length = |p: &[BrepStation], closed: bool| -> f64 {
        let ring = p.iter().chain(closed.then(|| &p[0]));
        ring.clone()
            .zip(ring.skip(1))
            .map(|(a, b)| a.point.distance(b.point))
            .sum()
    };
    // (tangent, closed, length, points), longest first, crossings before touches.
    let mut all: Vec<(bool, bool, f64, Vec<BrepStation>)> = closed
        .into_iter()
        .map(|c| (c.tangent, true, length(&c.points, true), c.points))
        .chain(open.into_iter().enumerate().flat_map(|(kind, pieces)| {
            pieces
                .into_iter()
                .map(move |p| (kind == 1, false, length(&p, false), p))
        }))
        .collect();
    all.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
    let mut kept_closed = Vec::new();
    let mut kept_open: [Vec<Vec<BrepStation>>; 2] = [Vec::new(), Vec::new()];
    let mut bounds: Vec<Aabb> = Vec::new();
    let mut polylines: Vec<Vec<Point3>> = Vec::new();
    for (tangent, closed, _, piece) in all {
        // A closed curve is walked round to its first point again.
        let ring: Vec<BrepStation> = piece
            .iter()
            .chain(closed.then(|| &piece[0]))
            .copied()
            .collect();
        let points: Vec<Point3> = ring.iter().map(|s| s.point).collect();
        let b: Aabb = points.iter().copied().collect();
        let lines: Vec<&[Point3]> = bounds
            .iter()
            .zip(&polylines)
            .filter(|(k, _)| k.meets(&b, tolerance))
            .map(|(_, line)| line.as_slice())
            .collect();
        let covered = chords_on(&points, &lines, tolerance);
        if covered.iter().all(|&c| !c) {
            bounds.push(b);
            polylines.push(points);
            if closed {
                kept_closed.push(BrepCurve {
                    points: piece,
                    closed,
                    tangent,
                });
            } else {
                kept_open[usize::from(tangent)].push(piece);
            }
            continue;
        }
        // The runs of chords that no earlier curve covers; round a loop, from a covered one.
        let n = covered.len();
        let first = if closed {
            covered.iter().position(|&c| c).map_or(0, |k| k + 1)
        } else {
            0
        };
        let mut runs: Vec<Vec<BrepStation>> = Vec::new();
        let mut run: Vec<BrepStation> = Vec::new();
        for step in 0..n {
            let k = (first + step) % n;
            if covered[k] {
                runs.extend((run.len() > 1).then(|| std::mem::take(&mut run)));
                run.clear();
                continue;
            }
            if run.is_empty() {
                run.push(ring[k]);
            }
            run.push(ring[k + 1]);
        }
        runs.extend((run.len() > 1).then_some(run));
        for run in runs {
            if length(&run, false) > tolerance {
                let line: Vec<Point3> = run.iter().map(|s| s.point).collect();
                bounds.push(line.iter().copied().collect());
                polylines.push(line);
                kept_open[usize::from(tangent)].push(run);
            }
        }
    }
    (kept_closed, kept_open)
}

/// For each chord of `piece`, whether it lies on one of `lines`: both ends and the middle
/// within `tolerance` of it.
fn chords_on(piece: &[Point3], lines: &[&[Point3]], tolerance: f64) -> Vec<bool> {
    let chords = piece.len().saturating_sub(1);
    if lines.is_empty() {
        return vec![false; chords];
    }
    let mut hints = vec![0; lines.len()];
    let mut within = |p: Point3| {
        lines
            .iter()
            .zip(hints.iter_mut())
            .any(|(line, hint)| near_polyline(p, line, hint, tolerance))
    };
    let on: Vec<bool> = piece.iter().map(|&p| within(p)).collect();
    (0..chords)
        .map(|k| on[k] && on[k + 1] && within(piece[k].lerp(piece[k + 1], 0.5)))
        .collect()
}

/// True when `p` lies within `tolerance` of the polyline `line`. The search starts from
/// the segment found last (`hint`), so walking a repeat (in either order) costs a few
/// tests a point.
fn near_polyline(p: Point3, line: &[Point3], hint: &mut usize, tolerance: f64) -> bool {
    let segments = line.len().saturating_sub(1);
    for step in 0..=segments {
        for k in [*hint + step, hint.wrapping_sub(step)] {
            if k < segments && distance_to_segment(p, line[k], line[k + 1]) <= tolerance {
                *hint = k;
                return true;
            }
        }
    }
    false
}

/// A curve where a Brep meets a mesh, across as many faces as it runs over.
#[derive(Clone, Debug, PartialEq)]
pub struct BrepMeshCurve {
    /// Points on the Brep and the mesh, in order.
    pub points: Vec<Point3>,
    /// The face of each point.
    pub faces: Vec<u32>,
    /// Its parameters on that face's surface.
    pub uv: Vec<[f64; 2]>,
    /// True for a closed loop.
    pub closed: bool,
    /// True where the faces touch the mesh along the curve rather than cross it.
    pub tangent: bool,
}

/// Where the faces meet the triangles `tris` (a hierarchy over exactly them), exact on
/// both: each face's surface against the mesh ([`surface_mesh`]), clipped by its trims
/// (a cut put on the trim edge within the plane of the triangle there), joined across
/// edges.
pub fn brep_mesh(
    faces: &[Face],
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    tolerance: f64,
) -> Vec<BrepMeshCurve> {
    let bounds: Aabb = tris.iter().flatten().copied().collect();
    let mut out = Vec::new();
    // Open pieces, crossing and touching apart.
    let mut open: [Vec<Vec<BrepStation>>; 2] = [Vec::new(), Vec::new()];
    // Trims lying on the mesh where a face is flush on it, kept where nothing else draws
    // them once every face is done.
    let mut outlines: Vec<Vec<BrepStation>> = Vec::new();
    for (i, face) in faces.iter().enumerate() {
        if !face.bounds.meets(&bounds, tolerance) {
            continue;
        }
        let tag = |(point, uv_a, _): Station| BrepStation {
            point,
            face_a: i as u32,
            uv_a,
            face_b: 0,
            uv_b: [0.0, 0.0],
        };
        let eps = mesh_eps(face, tolerance);
        let cut_at =
            |p: &Station, q: &Station, x: Cut| mesh_cut(face, tris, bvh, p, q, x, eps, tolerance);
        let cut = surface_mesh_seeded(&face.surface, &face.seeds(tolerance), tris, bvh, tolerance);
        if cut.coplanar > 0 {
            // Flush on the mesh: the face's trims lying on it outline the contact where no
            // other face ends on the mesh along them (an open face: a plate on a slab).
            for run in trim_runs_on_mesh(face, (tris, bvh), tolerance) {
                outlines.push(
                    run.into_iter()
                        .map(|(p, uv, ())| tag((p, uv, [0.0, 0.0])))
                        .collect(),
                );
            }
        }
        for c in cut.curves {
            let stations = (0..c.points.len())
                .map(|k| (c.points[k], c.uv[k], [0.0, 0.0]))
                .collect();
            for (piece, closed) in clip(face, None, stations, c.closed, cut_at, tolerance) {
                let points: Vec<BrepStation> = piece.into_iter().map(tag).collect();
                let tangent =
                    c.tangent || rests_on_mesh(faces, (tris, bvh), &points, closed, tolerance);
                if closed {
                    out.push(BrepCurve {
                        points,
                        closed,
                        tangent,
                    });
                } else {
                    open[usize::from(tangent)].push(points);
                }
            }
        }
    }
    add_outlines(&out, &mut open, outlines, tolerance);
    let (mut out, [crossing, touching]) = drop_repeats(out, open, tolerance);
    out.extend(join_both(crossing, touching, tolerance));
    out.into_iter()
        .map(|c| BrepMeshCurve {
            points: c.points.iter().map(|s| s.point).collect(),
            faces: c.points.iter().map(|s| s.face_a).collect(),
            uv: c.points.iter().map(|s| s.uv_a).collect(),
            closed: c.closed,
            tangent: c.tangent,
        })
        .collect()
}

/// Adds the trim `runs` outlining flush contacts to the touching pieces, each unless its
/// middle lies on a curve found otherwise (a side face ending there draws it already).
fn add_outlines(
    curves: &[BrepCurve],
    open: &mut [Vec<Vec<BrepStation>>; 2],
    runs: Vec<Vec<BrepStation>>,
    tolerance: f64,
) {
    let fresh: Vec<Vec<BrepStation>> = runs
        .into_iter()
        .filter(|run| !drawn(curves, open, run[run.len() / 2].point, tolerance))
        .collect();
    open[1].extend(fresh);
}

/// True when `p` lies within two tolerances of one of the curves or open pieces found.
fn drawn(
    curves: &[BrepCurve],
    open: &[Vec<Vec<BrepStation>>; 2],
    p: Point3,
    tolerance: f64,
) -> bool {
    let near = |piece: &[BrepStation], closed: bool| {
        let points: Vec<Point3> = piece.iter().map(|s| s.point).collect();
        polyline_distance(&points, closed, p) <= 2.0 * tolerance
    };
    curves.iter().any(|c| near(&c.points, c.closed))
        || open.iter().flatten().any(|c| near(c, false))
}

/// The runs of `x`'s trims (those on edges) that lie on face `y` (on its surface to the
/// tolerance, inside its trims), as stations with parameters on `x`, then on `y`.
fn trim_runs_on_face(x: &Face, y: &Face, seeds_y: &Seeds, tolerance: f64) -> Vec<Vec<Station>> {
    let flush = 1e-9 * bounds_size(&y.surface);
    let on_y = |p: Point3, n: Vector3, hint: Option<[f64; 2]>| {
        let start = hint.unwrap_or_else(|| seeds_y.parameters_near(&y.surface, p));
        let (gap, uv, _) = along_line(&y.surface, start, p, n, tolerance)?;
        // Inside `y`'s trims to rounding, so that a run ends where `y` does.
        (gap.abs() <= tolerance && y.covers(uv, flush)).then_some(uv)
    };
    trim_runs(x, tolerance, on_y)
}

/// The runs of `face`'s trims (those on edges) that lie on the mesh to rounding at the
/// face's size: where the face lies flush on the mesh, the outline of the contact.
fn trim_runs_on_mesh(
    face: &Face,
    (_, bvh): (&[[Point3; 3]], &Bvh),
    tolerance: f64,
) -> Vec<Vec<RunPoint<()>>> {
    let flush = 1e-9 * bounds_size(&face.surface);
    let on_mesh = |p: Point3, _: Vector3, _: Option<()>| bvh.closest_point(p, flush).map(|_| ());
    trim_runs(face, tolerance, on_mesh)
}

/// The runs of `face`'s trims (those on edges) along which `on` finds their points on
/// another object ([`runs_along`]); none for an untrimmed face.
fn trim_runs<H: Copy>(
    face: &Face,
    tolerance: f64,
    on: impl Fn(Point3, Vector3, Option<H>) -> Option<H> + Copy,
) -> Vec<Vec<RunPoint<H>>> {
    let Some(region) = &face.region else {
        return Vec::new();
    };
    region
        .trims
        .iter()
        .filter(|(_, on_edge)| *on_edge)
        .flat_map(|(trim, _)| {
            runs_along(
                &face.surface,
                |t| uv_at(trim, t),
                trim.domain(),
                tolerance,
                on,
            )
        })
        .collect()
}

/// How near a point of `face` a mesh triangle counts as holding it: rounding at the face's
/// size, or a hundredth of the tolerance.
fn mesh_eps(face: &Face, tolerance: f64) -> f64 {
    (1e-9 * bounds_size(&face.surface)).max(tolerance * 1e-2)
}

/// Whether the Brep `faces` only rests on the mesh (or the mesh on it) along a piece where
/// a face crosses it ([`resting`]; `closed`: the piece is a loop).
pub fn rests_on_mesh(
    faces: &[Face],
    (tris, bvh): (&[[Point3; 3]], &Bvh),
    piece: &[BrepStation],
    closed: bool,
    tolerance: f64,
) -> bool {
    if piece.iter().any(|s| s.face_a as usize >= faces.len()) {
        return false;
    }
    let (ring, points) = ring_of(piece, closed);
    resting::piece_touches(
        &points,
        |k| {
            let s = &ring[k];
            resting::inside_face(&faces[s.face_a as usize], s.uv_a, tolerance)
                && resting::mesh_flat_at(tris, bvh, s.point, tolerance)
        },
        |k, s, along| {
            let (p, q) = (&ring[k], &ring[k + 1]);
            let face = p.face_a as usize;
            let uv = lerp2(p.uv_a, faces[face].unwrap_near(p.uv_a, q.uv_a), s);
            let at = p.point.lerp(q.point, s);
            let eps = mesh_eps(&faces[face], tolerance);
            let ray_a = resting::face_rays(faces, (at, face, uv), along, tolerance);
            let ray_b = resting::mesh_rays(tris, bvh, at, along, eps, tolerance);
            resting::touch(along, &ray_a, &ray_b, tolerance)
        },
    )
}

/// Where the chord `p → q` of a face–mesh curve leaves the face at `cut`: on the trim edge
/// and the plane of the mesh triangle there (Newton on `n · S(T(t)) = d`), else the
/// chord's point.
#[allow(clippy::too_many_arguments)]
fn mesh_cut(
    face: &Face,
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    p: &Station,
    q: &Station,
    cut: Cut,
    eps: f64,
    tolerance: f64,
) -> Station {
    let guess = p.0.lerp(q.0, cut.s);
    let uv_guess = clamp_uv(&face.surface, lerp2(p.1, face.unwrap_near(p.1, q.1), cut.s));
    let fallback = (guess, uv_guess, [0.0, 0.0]);
    let planes = planes_at(tris, bvh, guess, eps.max(p.0.distance(q.0) * 1e-6));
    // On a mesh edge, the plane that cuts the trim: the one most across the surface (a
    // curve of mesh edges lying on the face has a flat triangle on one side, whose plane
    // holds the whole trim and fixes no point).
    let normal = face.surface.normal_at(uv_guess[0], uv_guess[1]);
    let across = |(m, _): &&(Vector3, f64)| normal.map_or(0.0, |v| m.dot(v).abs());
    let plane = planes
        .iter()
        .filter(|x| across(x) < 1.0 - 1e-9)
        .min_by(|x, y| across(x).total_cmp(&across(y)));
    let (Some(region), Some(&(n, d))) = (&face.region, plane) else {
        return fallback;
    };
    let Some((trim, true)) = region.trims.get(cut.trim as usize) else {
        return fallback;
    };
    let (t0, t1) = trim.domain();
    let mut t = cut.t;
    for _ in 0..MAX_NEWTON {
        let dt = trim.derivatives(t, 1);
        let uv = [dt[0].x, dt[0].y];
        let (x, su, sv) = frame(&face.surface, uv);
        let g = n.dot(x.to_vector()) - d;
        if g.abs() <= tolerance * 1e-3 {
            let reach = p.0.distance(q.0) + tolerance;
            return if x.distance(guess) <= reach {
                (x, uv, [0.0, 0.0])
            } else {
                fallback
            };
        }
        let slope = n.dot(su * dt[1].x + sv * dt[1].y);
        if slope.abs() <= f64::MIN_POSITIVE {
            break;
        }
        t = (t - g / slope).clamp(t0, t1);
    }
    fallback
}

/// The crossing and touching pieces each joined ([`join`]), then open curves of either
/// kind that together close a loop joined into it: the outline of a contact found partly
/// where a face ends on the other (a crossing) and partly where a mesh edge rests on a
/// face (a touch) is one curve, touching only if every piece touches.
fn join_both(
    crossing: Vec<Vec<BrepStation>>,
    touching: Vec<Vec<BrepStation>>,
    tolerance: f64,
) -> Vec<BrepCurve> {
    let mut curves = join(crossing, false, tolerance);
    curves.extend(join(touching, true, tolerance));
    let (mut out, open): (Vec<BrepCurve>, Vec<BrepCurve>) =
        curves.into_iter().partition(|c| c.closed);
    let ends = |c: &BrepCurve| [c.points[0].point, c.points[c.points.len() - 1].point];
    let mut used = vec![false; open.len()];
    for start in 0..open.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        // (piece, walked backwards)
        let mut chain = vec![(start, false)];
        let first = ends(&open[start])[0];
        let mut end = ends(&open[start])[1];
        let mut closed = false;
        loop {
            if chain.len() > 1 && end.distance(first) <= tolerance {
                closed = true;
                break;
            }
            let next = (0..open.len())
                .filter(|&k| !used[k])
                .flat_map(|k| {
                    let [a, b] = ends(&open[k]);
                    [(k, false, a.distance(end)), (k, true, b.distance(end))]
                })
                .filter(|x| x.2 <= tolerance)
                .min_by(|x, y| x.2.total_cmp(&y.2));
            let Some((k, backwards, _)) = next else {
                break;
            };
            used[k] = true;
            chain.push((k, backwards));
            end = ends(&open[k])[usize::from(!backwards)];
        }
        if !closed {
            // No loop: the pieces stay as they were (free for another start).
            for &(k, _) in &chain[1..] {
                used[k] = false;
            }
            out.push(open[start].clone());
            continue;
        }
        let mut points: Vec<BrepStation> = Vec::new();
        for &(k, backwards) in &chain {
            let mut piece = open[k].points.clone();
            if backwards {
                piece.reverse();
            }
            let skip = usize::from(!points.is_empty());
            points.extend(piece.into_iter().skip(skip));
        }
        points.pop();
        out.push(BrepCurve {
            points,
            closed: true,
            tangent: chain.iter().all(|&(k, _)| open[k].tangent),
        });
    }
    out
}

/// Open pieces joined end to end where their ends meet within `tolerance` (the two faces
/// of an edge), into open or closed curves, all crossing or all touching (`tangent`).
fn join(mut open: Vec<Vec<BrepStation>>, tangent: bool, tolerance: f64) -> Vec<BrepCurve> {
    let mut out = Vec::new();
    while let Some(mut chain) = open.pop() {
        for _ in 0..2 {
            // Grow at the end, then (reversed) at the start.
            while let Some(end) = chain.last().map(|s| s.point) {
                let nearest = open
                    .iter()
                    .enumerate()
                    .flat_map(|(k, p)| {
                        let first = p.first().map_or(f64::INFINITY, |s| s.point.distance(end));
                        let last = p.last().map_or(f64::INFINITY, |s| s.point.distance(end));
                        [(k, false, first), (k, true, last)]
                    })
                    .filter(|x| x.2 <= tolerance)
                    .min_by(|x, y| x.2.total_cmp(&y.2));
                let Some((k, reversed, _)) = nearest else {
                    break;
                };
                let mut next = open.swap_remove(k);
                if reversed {
                    next.reverse();
                }
                chain.extend(next.into_iter().skip(1));
            }
            chain.reverse();
        }
        let closed =
            chain.len() > 3 && chain[0].point.distance(chain[chain.len() - 1].point) <= tolerance;
        if closed {
            chain.pop();
        }
        out.push(BrepCurve {
            points: chain,
            closed,
            tangent,
        });
    }
    out
}

/// Where curve `c` meets the faces: each point with the face it lies on, sorted by the
/// curve parameter; a point on an edge is reported once.
pub fn curve_brep(c: &NurbsCurve, faces: &[Face], tolerance: f64) -> Vec<(u32, CurveSurfacePoint)> {
    let bounds: Aabb = c.control_points().into_iter().collect();
    let mut found: Vec<(u32, CurveSurfacePoint)> = Vec::new();
    for (i, face) in faces.iter().enumerate() {
        if !face.bounds.meets(&bounds, tolerance) {
            continue;
        }
        for hit in curve_surface_seeded(c, &face.surface, &face.seeds(tolerance), tolerance) {
            let known = found
                .iter()
                .any(|(_, h)| h.point.distance(hit.point) <= tolerance);
            if !known && face.covers(hit.uv, tolerance) {
                found.push((i as u32, hit));
            }
        }
    }
    found.sort_by(|x, y| x.1.t.total_cmp(&y.1.t));
    found
}

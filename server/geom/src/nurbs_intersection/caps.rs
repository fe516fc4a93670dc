//! Small loops and lone touches that the seeding meshes miss. Where two surfaces come
//! within the meshes' chord errors of each other without the meshes crossing, or where the
//! meshes cross only in a loop round one vertex, the surfaces may cross in a loop far
//! larger than the meshes' (or touch at a point). Any closed loop of two surfaces encloses
//! a point where their normals are parallel (Sinha's loop theorem), where the gap between
//! them is stationary: found by Newton's method on the gap's slope, its Hessian the
//! difference of the surfaces' second fundamental forms. A gap within the tolerance there
//! is a touch; a gap that is an extremum of the other sign than its value closes a loop
//! round it, to second order the ellipse `g + ½ xᵀ H x = 0`, whose points are moved onto
//! both surfaces and densified like any other curve. Along a ridge (a plane just under
//! the top of a torus's tube) the model is no ellipse: the curves either side of it are
//! marched from the points where the model gap is zero, each step limited so that Newton
//! cannot land on the branch beside. A curve against a surface is the same in one
//! dimension: where its height over the surface is stationary it touches, dips through in
//! two crossings (`curve_dip`), or stays clear.

use crate::cell_map::CellMap;

use super::{
    CurveSurfacePoint, MAX_NEWTON, Seeds, Station, SurfaceCurve, along_line, clamp_uv,
    crossing_sine, curve_tangent, densify, eigen2, frame, gap_form, march, newton_curve_surface,
    onto_boundary, polyline_distance, refine_on_both, refine_with_tangent, tangent_step, unit,
};
use crate::bvh::{Bvh, candidate_pairs};
use crate::nurbs::{NurbsCurve, NurbsSurface};
use crate::triangle_contact::closest_points;
use crate::{Point3, Vector3};

/// A point where the gap between two surfaces is stationary (their normals parallel).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stationary {
    /// The point on `a`, with `a`'s parameters there and `b`'s on the line along `a`'s
    /// normal through it.
    pub(crate) at: Station,
    /// The gap: how far `b` lies above `a` along `a`'s unit normal.
    pub(crate) gap: f64,
    /// The gap's Hessian over the tangent plane: its eigenvalues with their unit
    /// eigenvectors, the larger eigenvalue in size first.
    pub(crate) axes: [(f64, Vector3); 2],
}

impl Stationary {
    /// The gap, to second order, at `p` (a point near the tangent plane).
    fn model(&self, p: Point3) -> f64 {
        let d = p - self.at.0;
        self.axes.iter().fold(self.gap, |g, &(lambda, v)| {
            g + 0.5 * lambda * d.dot(v).powi(2)
        })
    }

    /// The semi-axes of the loop where the model gap is zero, when it closes one (the gap
    /// an extremum of the other sign than its value), along the axes' order.
    fn loop_radii(&self) -> Option<[f64; 2]> {
        let [(l1, _), (l2, _)] = self.axes;
        (self.gap * l1 < 0.0 && self.gap * l2 < 0.0)
            .then(|| [(-2.0 * self.gap / l1).sqrt(), (-2.0 * self.gap / l2).sqrt()])
    }
}

/// The point near parameters `uv_a`, `uv_b` where the gap between `a` and `b` is
/// stationary, within `reach` of where `a` starts: Newton's method on the gap's slope over
/// `a`'s tangent plane, across the directions in which the gap curves (along a ridge or a
/// flat the point is not unique, and Newton stays). `None` when it does not converge or
/// the surfaces face too differently there to be near parallel.
pub(crate) fn stationary_gap(
    a: &NurbsSurface,
    b: &NurbsSurface,
    mut uv_a: [f64; 2],
    mut uv_b: [f64; 2],
    reach: f64,
    tolerance: f64,
) -> Option<Stationary> {
    let start = a.point_at(uv_a[0], uv_a[1]);
    for _ in 0..MAX_NEWTON {
        let da = a.derivatives(uv_a[0], uv_a[1], 2);
        let pa = Point3::new(da[0][0].x, da[0][0].y, da[0][0].z);
        if pa.distance(start) > reach {
            return None;
        }
        let n = unit(da[1][0].cross(da[0][1]))?;
        let (gap, at_b, nb) = along_line(b, uv_b, pa, n, tolerance)?;
        uv_b = at_b;
        // b's slope over a's tangent plane; far from parallel normals no stationary point
        // is near (and the slope is ill-conditioned).
        let up = nb.dot(n);
        if up.abs() < 0.5 {
            return None;
        }
        let e1 = unit(da[1][0])?;
        let e2 = n.cross(e1);
        let db = b.derivatives(uv_b[0], uv_b[1], 2);
        let [p, q, r] = gap_form(&da, &db, n, e1, e2)?;
        let axes = eigen2(p, q, r);
        let scale = axes[0].0.abs();
        if scale == 0.0 || !scale.is_finite() {
            return None;
        }
        let slope = [-nb.dot(e1) / up, -nb.dot(e2) / up];
        let mut step = [0.0; 2];
        for (lambda, v) in axes {
            if lambda.abs() > 1e-6 * scale {
                let c = -(slope[0] * v[0] + slope[1] * v[1]) / lambda;
                step = [step[0] + c * v[0], step[1] + c * v[1]];
            }
        }
        let delta = e1 * step[0] + e2 * step[1];
        if delta.length() <= tolerance * 1e-3 {
            let along = |v: [f64; 2]| e1 * v[0] + e2 * v[1];
            return Some(Stationary {
                at: (pa, uv_a, uv_b),
                gap,
                axes: axes.map(|(lambda, v)| (lambda, along(v))),
            });
        }
        let d = tangent_step(da[1][0], da[0][1], delta)?;
        uv_a = clamp_uv(a, [uv_a[0] + d[0], uv_a[1] + d[1]]);
    }
    None
}

/// Points round a loop's model ellipse before refinement: enough that the refined points
/// keep their order round a loop that is an ellipse to within a small fraction.
const LOOP_POINTS: usize = 12;

/// The loop in which `a` and `b` cross round the stationary point `s`, if its gap closes
/// one: points round the model ellipse moved onto both surfaces (each within half the
/// shorter semi-axis of where it started, and all in order round the point), densified
/// to `tolerance`. `None` when the gap closes no loop or the model is too far off.
fn cap_loop(
    a: &NurbsSurface,
    b: &NurbsSurface,
    s: &Stationary,
    tolerance: f64,
) -> Option<SurfaceCurve> {
    let rho = s.loop_radii()?;
    let [(_, v1), (_, v2)] = s.axes;
    let (pa, uv_a, uv_b) = s.at;
    let (_, au, av) = frame(a, uv_a);
    let (_, bu, bv) = frame(b, uv_b);
    let reach = 0.5 * rho[0].min(rho[1]);
    let mut points = Vec::with_capacity(LOOP_POINTS);
    let mut last_angle: Option<f64> = None;
    let mut turned = 0.0;
    for k in 0..LOOP_POINTS {
        let phi = std::f64::consts::TAU * k as f64 / LOOP_POINTS as f64;
        let offset = v1 * (rho[0] * phi.cos()) + v2 * (rho[1] * phi.sin());
        let (da, db) = (tangent_step(au, av, offset)?, tangent_step(bu, bv, offset)?);
        let start_a = clamp_uv(a, [uv_a[0] + da[0], uv_a[1] + da[1]]);
        let start_b = clamp_uv(b, [uv_b[0] + db[0], uv_b[1] + db[1]]);
        let r = refine_on_both(a, b, start_a, start_b, tolerance, reach)?;
        let d = r.0 - pa;
        let angle = (d.dot(v2) / rho[1]).atan2(d.dot(v1) / rho[0]);
        if let Some(last) = last_angle {
            let mut step = angle - last;
            if step <= -std::f64::consts::PI {
                step += std::f64::consts::TAU;
            }
            if step <= 0.0 || step >= std::f64::consts::PI {
                return None;
            }
            turned += step;
        }
        last_angle = Some(angle);
        points.push(r);
    }
    // Once round, no more.
    if turned >= std::f64::consts::TAU {
        return None;
    }
    Some(densify(a, b, &points, true, tolerance))
}

/// The crossing curves of `a` and `b` that the stationary point `s` leads to, leaving out
/// those through a point `known` says is on a curve found already: the loop round it when
/// the ellipse fits, else the curves traced from either side of it. `size`: the surfaces'
/// size, which bounds a marching step.
pub(crate) fn curves_at(
    a: &NurbsSurface,
    b: &NurbsSurface,
    s: &Stationary,
    size: f64,
    tolerance: f64,
    known: impl Fn(Point3) -> bool,
) -> Vec<SurfaceCurve> {
    if let Some(curve) = cap_loop(a, b, s, tolerance) {
        return if known(curve.points[0]) {
            Vec::new()
        } else {
            vec![curve]
        };
    }
    // A point on the curves is on one traced here when within its chords' tolerance.
    let mut out: Vec<SurfaceCurve> = Vec::new();
    for side in beside(a, b, s, tolerance) {
        let traced = out
            .iter()
            .any(|c| polyline_distance(&c.points, c.closed, side.0) <= 2.0 * tolerance);
        if !traced
            && !known(side.0)
            && let Some(curve) = trace_crossing(a, b, side, size, tolerance)
        {
            out.push(curve);
        }
    }
    out
}

/// Points where `a` and `b` cross on either side of the stationary point `s`, when its gap
/// changes sign across its more curved axis: `√(−2g/λ)` away along it each way (where the
/// model gap is zero), moved onto both surfaces. For a ridge or a long valley (whose model
/// closes no loop, or one the ellipse does not fit) these start the traces of the curves
/// that run beside it.
fn beside(a: &NurbsSurface, b: &NurbsSurface, s: &Stationary, tolerance: f64) -> Vec<Station> {
    let (lambda, v) = s.axes[0];
    if s.gap * lambda >= 0.0 {
        return Vec::new();
    }
    let rho = (-2.0 * s.gap / lambda).sqrt();
    let (_, uv_a, uv_b) = s.at;
    let (_, au, av) = frame(a, uv_a);
    let (_, bu, bv) = frame(b, uv_b);
    [1.0, -1.0]
        .into_iter()
        .filter_map(|sign| {
            let offset = v * (rho * sign);
            let (da, db) = (tangent_step(au, av, offset)?, tangent_step(bu, bv, offset)?);
            let start_a = clamp_uv(a, [uv_a[0] + da[0], uv_a[1] + da[1]]);
            let start_b = clamp_uv(b, [uv_b[0] + db[0], uv_b[1] + db[1]]);
            refine_on_both(a, b, start_a, start_b, tolerance, 0.5 * rho)
        })
        .collect()
}

/// How far across the crossing curve of `a` and `b` at `p` the gap between them comes
/// back to zero, to second order: twice the crossing's sine over the difference of the
/// surfaces' normal curvatures across the curve (infinite where they curve alike). A
/// Newton step onto the curve that moves a point by less than a quarter of this cannot
/// land on a branch running beside it.
fn branch_gap(a: &NurbsSurface, b: &NurbsSurface, p: Station) -> Option<f64> {
    let t = curve_tangent(a, b, p.1, p.2)?;
    let da = a.derivatives(p.1[0], p.1[1], 2);
    let db = b.derivatives(p.2[0], p.2[1], 2);
    let n = unit(da[1][0].cross(da[0][1]))?;
    let w = unit(n.cross(t))?;
    let [_, _, across] = gap_form(&da, &db, n, t, w)?;
    let sine = crossing_sine(a, b, p);
    Some(if across == 0.0 {
        f64::INFINITY
    } else {
        2.0 * sine / across.abs()
    })
}

/// One marching step along the crossing curve from `p` in direction `t` (unit, along the
/// curve): `h` along the tangent, then Newton onto both surfaces. Taken only when Newton
/// moved the point less than a quarter of the way to a branch beside it (and than `h`),
/// the point advanced at least `h / 2` and the curve turned less than 30°; with the
/// curve's direction there.
fn march_step(
    a: &NurbsSurface,
    b: &NurbsSurface,
    p: Station,
    t: Vector3,
    h: f64,
    tolerance: f64,
) -> Option<(Station, Vector3)> {
    let (_, au, av) = frame(a, p.1);
    let (_, bu, bv) = frame(b, p.2);
    let d = t * h;
    let (da, db) = (tangent_step(au, av, d)?, tangent_step(bu, bv, d)?);
    let start_a = clamp_uv(a, [p.1[0] + da[0], p.1[1] + da[1]]);
    let start_b = clamp_uv(b, [p.2[0] + db[0], p.2[1] + db[1]]);
    let limit = (0.25 * branch_gap(a, b, p)?).min(h);
    let (q, found) = refine_with_tangent(a, b, start_a, start_b, tolerance, limit)?;
    if (q.0 - p.0).dot(t) < 0.5 * h {
        return None;
    }
    let tq = found.or_else(|| curve_tangent(a, b, q.1, q.2))?;
    let tq = if tq.dot(t) < 0.0 { tq * -1.0 } else { tq };
    (tq.dot(t) >= 30f64.to_radians().cos()).then_some((q, tq))
}

/// The crossing curve of `a` and `b` through `start`, marched both ways ([`march_step`],
/// steps grown while they are taken and halved where not, down to the tolerance), closed
/// where it comes back round, its open ends carried onto the surfaces' boundaries, and
/// densified to `tolerance`. `size`: the surfaces' size, which bounds a step.
fn trace_crossing(
    a: &NurbsSurface,
    b: &NurbsSurface,
    start: Station,
    size: f64,
    tolerance: f64,
) -> Option<SurfaceCurve> {
    let longest = size / 32.0;
    let t0 = curve_tangent(a, b, start.1, start.2)?;
    let first = branch_gap(a, b, start)?.min(longest);
    let (mut points, closed) = march(
        start,
        t0,
        (first, longest),
        tolerance,
        1 << 16,
        |p, t, h| march_step(a, b, p, t, h, tolerance),
    );
    if !closed {
        for at_start in [true, false] {
            let end = if at_start {
                points[0]
            } else {
                points[points.len() - 1]
            };
            if let Some(edge) = onto_boundary(a, b, end, longest, tolerance)
                .filter(|e| e.0.distance(end.0) > tolerance)
            {
                if at_start {
                    points.insert(0, edge);
                } else {
                    points.push(edge);
                }
            }
        }
    }
    (points.len() >= 2).then(|| densify(a, b, &points, closed, tolerance))
}

/// The loop of a closed seed (`points`, from the meshes) round a cap: from the gap's
/// stationary point near the seed (within `reach`), when its model loop encloses the
/// seed's centre and the ellipse fits ([`cap_loop`] checks every point). At a cap the
/// crossing is shallow all round, and the meshes' loop may be only its tip round one
/// vertex, or a ring whose points Newton carries across each other; the model does not
/// depend on the seed. `None` when the seed is no cap's (then its points are refined as
/// they are).
pub(crate) fn seed_cap(
    a: &NurbsSurface,
    seeds_a: &Seeds,
    b: &NurbsSurface,
    points: &[Point3],
    reach: f64,
    tolerance: f64,
) -> Option<SurfaceCurve> {
    let n = points.len() as f64;
    let c = points.iter().fold(Point3::new(0.0, 0.0, 0.0), |c, p| {
        Point3::new(c.x + p.x / n, c.y + p.y / n, c.z + p.z / n)
    });
    let (uv_a, uv_b) = (seeds_a.parameters_near(a, c), b.closest_point(c).0);
    let s = stationary_gap(a, b, uv_a, uv_b, reach, tolerance)?;
    let encloses = s.model(c) * s.gap > 0.0;
    if s.gap.abs() <= tolerance || !encloses {
        return None;
    }
    cap_loop(a, b, &s, tolerance)
}

/// A place where two triangle sets come near each other: the closest points of a pair of
/// their triangles, the size of the smaller triangle, and the second set's triangle.
pub(crate) type NearMiss = (Point3, Point3, f64, u32);

/// Where triangle sets `a` and `b` (with their hierarchies) come within `margin` of each
/// other away from the seed curves (their points `seeded`): the closest points of such
/// triangle pairs, nearest first, at most `most`, one per neighbourhood twice the size of
/// the pair's smaller triangle. Only each triangle's nearest partner on the other set
/// is looked at: where the sets run within the margin of each other over an area (a
/// surface against a copy moved by a few tolerances) every triangle has a dozen partners
/// there, and the pair nearest in a neighbourhood is the nearest for its triangles.
pub(crate) fn near_misses(
    (ta, bvh_a): (&[[Point3; 3]], &Bvh),
    (tb, bvh_b): (&[[Point3; 3]], &Bvh),
    margin: f64,
    seeded: &[Point3],
    most: usize,
) -> Vec<NearMiss> {
    use rayon::prelude::*;
    let pairs = candidate_pairs(bvh_a, bvh_b, margin);
    let distances: Vec<f64> = pairs
        .par_iter()
        .map(|&(i, j)| closest_points(ta[i as usize], tb[j as usize]).distance)
        .collect();
    // Each triangle's nearest partner within the margin (the first found among equals),
    // as an index into `pairs`.
    let (mut best_a, mut best_b) = (vec![None; ta.len()], vec![None; tb.len()]);
    for (k, (&(i, j), &d)) in pairs.iter().zip(&distances).enumerate() {
        if d > margin {
            continue;
        }
        for best in [&mut best_a[i as usize], &mut best_b[j as usize]] {
            if best.is_none_or(|b: usize| d < distances[b]) {
                *best = Some(k);
            }
        }
    }
    // A pair nearest for both of its triangles is listed once.
    let mut nearest: Vec<usize> = best_a.into_iter().chain(best_b).flatten().collect();
    nearest.sort_unstable();
    nearest.dedup();
    // The closest points again for these few: keeping them for every pair was the 360 MB.
    let mut near: Vec<(f64, NearMiss)> = nearest
        .par_iter()
        .map(|&k| {
            let (i, j) = pairs[k];
            let (x, y) = (ta[i as usize], tb[j as usize]);
            let c = closest_points(x, y);
            let size = longest_edge(x).min(longest_edge(y));
            (c.distance, (c.on_first, c.on_second, size, j))
        })
        .collect();
    if near.is_empty() {
        return Vec::new();
    }
    near.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut sizes: Vec<f64> = near.iter().map(|n| n.1.2).collect();
    let middle = sizes.len() / 2;
    // Twice the median size: a typical question (within twice a triangle's size) looks
    // at the 27 cells round its own.
    let cell =
        (2.0 * *sizes.select_nth_unstable_by(middle, f64::total_cmp).1).max(f64::MIN_POSITIVE);
    let (mut taken, mut curves) = (PointGrid::new(cell), PointGrid::new(cell));
    for &p in seeded {
        curves.insert(p);
    }
    let mut out = Vec::new();
    for (_, miss) in near {
        if out.len() >= most {
            break;
        }
        let (pa, _, size, _) = miss;
        if curves.any_within(pa, 2.0 * size) || taken.any_within(pa, 2.0 * size) {
            continue;
        }
        taken.insert(pa);
        out.push(miss);
    }
    out
}

/// The plane of triangle `t` as a flat patch reaching `span` each way from `on`, a point
/// in it: the mesh near a triangle as a surface, for the tools made for two surfaces.
pub(crate) fn plane_patch(t: [Point3; 3], on: Point3, span: f64) -> Option<NurbsSurface> {
    let normal = (t[1] - t[0]).cross(t[2] - t[0]);
    let e1 = t[1] - t[0];
    let (n_len, e_len) = (normal.length(), e1.length());
    if n_len == 0.0 || e_len == 0.0 {
        return None;
    }
    let e1 = e1 / e_len;
    let e2 = (normal / n_len).cross(e1);
    let corner = |x: f64, y: f64| on + e1 * (x * span) + e2 * (y * span);
    NurbsSurface::new(
        (1, 1),
        (2, 2),
        &[
            corner(-1.0, -1.0),
            corner(-1.0, 1.0),
            corner(1.0, -1.0),
            corner(1.0, 1.0),
        ],
        None,
        vec![0.0, 0.0, 1.0, 1.0],
        vec![0.0, 0.0, 1.0, 1.0],
    )
    .ok()
}

/// The longest edge of a triangle.
fn longest_edge(t: [Point3; 3]) -> f64 {
    (0..3)
        .map(|k| t[k].distance(t[(k + 1) % 3]))
        .fold(0.0, f64::max)
}

/// Points hashed on a uniform grid, for "is any within r" questions.
struct PointGrid {
    cell: f64,
    cells: CellMap<[i64; 3], Vec<Point3>>,
}

impl PointGrid {
    fn new(cell: f64) -> PointGrid {
        PointGrid {
            cell,
            cells: CellMap::default(),
        }
    }

    fn key(&self, p: Point3) -> [i64; 3] {
        p.to_array().map(|c| (c / self.cell).floor() as i64)
    }

    fn insert(&mut self, p: Point3) {
        self.cells.entry(self.key(p)).or_default().push(p);
    }

    /// Whether a point lies within `r` of `p` (radii over four cells are looked for
    /// within four cells: a bounded search that can only say no too often).
    fn any_within(&self, p: Point3, r: f64) -> bool {
        let k = self.key(p);
        let near = |at: &[i64; 3]| {
            self.cells
                .get(at)
                .is_some_and(|points| points.iter().any(|q| q.distance(p) <= r))
        };
        // Its own cell first: where the answer usually is.
        if near(&k) {
            return true;
        }
        let span = ((r / self.cell).ceil() as i64).clamp(1, 4);
        for i in -span..=span {
            for j in -span..=span {
                for l in -span..=span {
                    if (i, j, l) != (0, 0, 0) && near(&[k[0] + i, k[1] + j, k[2] + l]) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// What a curve does where its height over a surface is stationary.
#[derive(Clone, Debug)]
pub(crate) enum Dip {
    /// It touches the surface there.
    Touch(CurveSurfacePoint),
    /// It dips through the surface: the crossings either side (both, unless one would
    /// not refine).
    Through(Vec<CurveSurfacePoint>),
    /// It stays clear of the surface.
    Clear,
}

/// The curve `c`'s height over surface `s` at parameter `t`, measured along the fixed unit
/// direction `n` (from parameters `uv` near the foot): the height, its slope in `t` and
/// the foot's parameters. By implicit differentiation of `S(u, v) = C(t) − h n`, the
/// slope is `(m · C′) / (m · n)`, `m` the surface's normal at the foot.
fn height(
    c: &NurbsCurve,
    s: &NurbsSurface,
    t: f64,
    uv: [f64; 2],
    n: Vector3,
    tolerance: f64,
) -> Option<(f64, f64, [f64; 2])> {
    let d = c.derivatives(t, 1);
    let p = Point3::new(d[0].x, d[0].y, d[0].z);
    let (z, uv, m) = along_line(s, uv, p, n, tolerance)?;
    let up = m.dot(n);
    (up.abs() > 0.5).then(|| (-z, m.dot(d[1]) / up, uv))
}

/// Where curve `c` dips towards surface `s` near parameter `t0` (`uv`: the surface's
/// parameters near there): the parameter where its height over the surface is stationary
/// (its tangent in the surface's tangent plane), by the secant method on the height's
/// slope. A touch when the height there is within `tolerance`; when the curve dips
/// through, the two crossings at `t* ± √(−2h / h″)` (where the height's second-order
/// model is zero) refined by Newton's method; else clear. `None` when the secant method
/// does not settle within the curve's domain.
pub(crate) fn curve_dip(
    c: &NurbsCurve,
    s: &NurbsSurface,
    t0: f64,
    uv: [f64; 2],
    tolerance: f64,
) -> Option<Dip> {
    let (lo, hi) = c.domain();
    let n = s.normal_at(uv[0], uv[1])?;
    let at = |t: f64, uv: [f64; 2]| height(c, s, t, uv, n, tolerance);
    let (mut x0, mut x1) = (t0, (t0 + (hi - lo) * 1e-4).min(hi));
    if x1 == x0 {
        x1 = (t0 - (hi - lo) * 1e-4).max(lo);
    }
    let mut f0 = at(x0, uv)?;
    let mut f1 = at(x1, f0.2)?;
    let mut curvature = 0.0;
    let speed = c.derivatives(t0, 1)[1].length().max(f64::MIN_POSITIVE);
    for _ in 0..MAX_NEWTON {
        curvature = (f1.1 - f0.1) / (x1 - x0);
        if curvature == 0.0 || !curvature.is_finite() {
            return None;
        }
        let x2 = x1 - f1.1 / curvature;
        if !(lo..=hi).contains(&x2) {
            return None;
        }
        let f2 = at(x2, f1.2)?;
        let settled = (x2 - x1).abs() * speed <= tolerance * 1e-3;
        (x0, f0, x1, f1) = (x1, f1, x2, f2);
        if settled {
            break;
        }
    }
    let (t, (h, _, uv)) = (x1, f1);
    let point = |t: f64, uv: [f64; 2], tangent: bool| CurveSurfacePoint {
        t,
        uv,
        point: c.point_at(t),
        tangent,
    };
    if h.abs() <= tolerance {
        return Some(Dip::Touch(point(t, uv, true)));
    }
    if h * curvature > 0.0 {
        return Some(Dip::Clear);
    }
    let delta = (-2.0 * h / curvature).sqrt();
    let crossings: Vec<CurveSurfacePoint> = [t - delta, t + delta]
        .into_iter()
        .filter_map(|start| {
            let start = start.clamp(lo, hi);
            let (_, _, uv) = at(start, uv)?;
            newton_curve_surface(c, s, start, uv, tolerance)
                .filter(|x| !x.tangent && (x.t - start).abs() <= delta / 2.0)
        })
        .collect();
    (!crossings.is_empty()).then_some(Dip::Through(crossings))
}

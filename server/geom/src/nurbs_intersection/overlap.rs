//! Where two surfaces coincide over an area (a surface against itself, two copies of a
//! panel, flush coplanar faces) there is no curve inside to trace, and every seed there
//! is a touch: without this, thousands of tangent points, or a contact "curve" wandering
//! over the area. A touch around which the gap stays within the tolerance every way is
//! an overlap; the pair is flagged, and what is reported are the area's edges, the
//! stretches of each surface's boundary that lie on the other, as curves along which the
//! surfaces touch.

use super::{MAX_NEWTON, Station, SurfaceCurve, along_line, clamp_uv, frame, polyline_distance};
use super::{Seeds, subdivide, tangent_step, unit};
use crate::Point3;
use crate::nurbs::NurbsSurface;
use crate::tessellate_brep::distance_to_segment;

/// Directions round a touch in which the gap is sampled: at least three of them lie in
/// any quarter turn (a touch at the corner of a patch lying on another).
const AROUND: usize = 16;

/// True when `a` and `b` coincide around their touch `at`: at a radius of `size / 256`
/// (where a touch of surfaces curved apart by even 1 / (100 size) parts by more than a
/// tolerance of 1e-7 of the size) the gap along `a`'s normal stays within `tolerance` in
/// every direction that stays on both (at least three of sixteen).
pub(crate) fn coincide_at(
    a: &NurbsSurface,
    b: &NurbsSurface,
    at: Station,
    size: f64,
    tolerance: f64,
) -> bool {
    let (p, au, av) = frame(a, at.1);
    let Some(n) = unit(au.cross(av)) else {
        return false;
    };
    let Some(e1) = unit(au) else {
        return false;
    };
    let e2 = n.cross(e1);
    let radius = size / 256.0;
    let mut sampled = 0;
    for k in 0..AROUND {
        let phi = std::f64::consts::TAU * k as f64 / AROUND as f64;
        let offset = e1 * (radius * phi.cos()) + e2 * (radius * phi.sin());
        let Some(d) = tangent_step(au, av, offset) else {
            continue;
        };
        let uv = [at.1[0] + d[0], at.1[1] + d[1]];
        if clamp_uv(a, uv) != uv {
            continue;
        }
        let q = a.point_at(uv[0], uv[1]);
        if q.distance(p) < 0.5 * radius {
            continue;
        }
        // A direction that leaves `b` (the touch at its edge or corner, one surface lying
        // inside the other) says nothing; one where the gap opens decides.
        match along_line(b, at.2, q, n, tolerance) {
            Some((gap, ..)) if gap.abs() <= tolerance => sampled += 1,
            Some(_) => return false,
            None => {}
        }
    }
    sampled >= 3
}

/// Samples along a boundary edge before runs on the other surface are looked for.
const EDGE_SAMPLES: usize = 64;

/// The edges of the area where `a` and `b` coincide: the stretches of each surface's
/// boundary (seams and collapsed edges left out) that lie on the other to `tolerance`,
/// each a polyline along the boundary densified to `tolerance`, with both surfaces'
/// parameters; a stretch of `b`'s boundary on one of `a`'s is reported once.
pub(super) fn overlap_edges(
    a: &NurbsSurface,
    b: &NurbsSurface,
    tolerance: f64,
) -> Vec<SurfaceCurve> {
    let mut out: Vec<SurfaceCurve> = Vec::new();
    for (s, other, first) in [(a, b, true), (b, a, false)] {
        for run in boundary_runs(s, other, tolerance) {
            let middle = run[run.len() / 2].0;
            let known = out
                .iter()
                .any(|c| polyline_distance(&c.points, false, middle) <= 2.0 * tolerance);
            if known {
                continue;
            }
            let (uv_s, uv_o): (Vec<_>, Vec<_>) = run.iter().map(|r| (r.1, r.2)).unzip();
            let (uv_a, uv_b) = if first { (uv_s, uv_o) } else { (uv_o, uv_s) };
            out.push(SurfaceCurve {
                points: run.iter().map(|r| r.0).collect(),
                uv_a,
                uv_b,
                closed: false,
                tangent: true,
            });
        }
    }
    out
}

/// The runs of `s`'s boundary edges that lie on `other`, as stations (point, parameters
/// on `s`, on `other`).
fn boundary_runs(s: &NurbsSurface, other: &NurbsSurface, tolerance: f64) -> Vec<Vec<Station>> {
    // On `other` to the tolerance along `s`'s normal, Newton started from `hint` (the last
    // sample's parameters on `other`) or, without one, from the closest point.
    boundary_runs_on(s, tolerance, |p, n, hint: Option<[f64; 2]>| {
        let start = hint.unwrap_or_else(|| other.closest_point(p).0);
        let (gap, uv_o, _) = along_line(other, start, p, n, tolerance)?;
        (gap.abs() <= tolerance).then_some(uv_o)
    })
}

/// A point of a boundary run: where, its parameters on the surface, what was found on the
/// other object there.
pub(crate) type RunPoint<H> = (Point3, [f64; 2], H);

/// The runs of `s`'s boundary edges (seams and collapsed edges left out) along which
/// `on(p, normal, hint)` finds the point `p` of the edge on the other object (`normal`:
/// `s`'s unit normal there; `hint`: what it found at the sample before), as
/// [`runs_along`] gives them.
pub(crate) fn boundary_runs_on<H: Copy>(
    s: &NurbsSurface,
    tolerance: f64,
    on_other: impl Fn(Point3, crate::Vector3, Option<H>) -> Option<H>,
) -> Vec<Vec<RunPoint<H>>> {
    let ((u0, u1), (v0, v1)) = s.domain();
    let mut runs = Vec::new();
    // Each edge: the fixed parameter's index and value, and the free parameter's range.
    for (k, value, (lo, hi)) in [
        (0, u0, (v0, v1)),
        (0, u1, (v0, v1)),
        (1, v0, (u0, u1)),
        (1, v1, (u0, u1)),
    ] {
        if s.closed_at(k, (lo + hi) / 2.0) {
            continue;
        }
        let uv = |t: f64| if k == 0 { [value, t] } else { [t, value] };
        runs.extend(runs_along(s, uv, (lo, hi), tolerance, &on_other));
    }
    runs
}

/// The runs of the path `uv(t)`, `t` from `lo` to `hi`, on `s` (a boundary edge, a trim)
/// along which `on(p, normal, hint)` finds the path's point `p` on the other object, each
/// run's ends found by bisection and its chords within `tolerance` of the path; as (point,
/// parameters on `s`, what `on` found).
pub(crate) fn runs_along<H: Copy>(
    s: &NurbsSurface,
    uv: impl Fn(f64) -> [f64; 2],
    (lo, hi): (f64, f64),
    tolerance: f64,
    on_other: impl Fn(Point3, crate::Vector3, Option<H>) -> Option<H>,
) -> Vec<Vec<RunPoint<H>>> {
    let mut runs = Vec::new();
    let on = |t: f64, hint: Option<H>| -> Option<RunPoint<H>> {
        let (p, su, sv) = frame(s, uv(t));
        let found = on_other(p, unit(su.cross(sv))?, hint)?;
        Some((p, uv(t), found))
    };
    let ts: Vec<f64> = (0..=EDGE_SAMPLES)
        .map(|i| lo + (hi - lo) * i as f64 / EDGE_SAMPLES as f64)
        .collect();
    let mut hint = None;
    let samples: Vec<Option<RunPoint<H>>> = ts
        .iter()
        .map(|&t| {
            let at = on(t, hint).or_else(|| on(t, None));
            hint = at.map(|x| x.2);
            at
        })
        .collect();
    // The parameter where the edge leaves `other`, between `inside` and `outside`.
    let end = |inside: f64, outside: f64, hint: H| {
        let (mut x, mut y) = (inside, outside);
        for _ in 0..MAX_NEWTON {
            let mid = (x + y) / 2.0;
            if on(mid, Some(hint)).is_some() {
                x = mid;
            } else {
                y = mid;
            }
        }
        x
    };
    let mut i = 0;
    while i < samples.len() {
        if samples[i].is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < samples.len() && samples[i].is_some() {
            i += 1;
        }
        let hint_first = samples[start].map(|x| x.2);
        let hint_last = samples[i - 1].map(|x| x.2);
        let first = match (start > 0, hint_first) {
            (true, Some(h)) => end(ts[start], ts[start - 1], h),
            _ => ts[start],
        };
        let last = match (i < samples.len(), hint_last) {
            (true, Some(h)) => end(ts[i - 1], ts[i], h),
            _ => ts[i - 1],
        };
        let mut stations: Vec<(f64, RunPoint<H>)> = Vec::new();
        let inner = ts[start..i]
            .iter()
            .copied()
            .filter(|&t| t > first && t < last);
        for t in std::iter::once(first)
            .chain(inner)
            .chain(std::iter::once(last))
        {
            let hint = stations.last().map(|x| x.1.2).or(hint_first);
            if let Some(st) = on(t, hint) {
                stations.push((t, st));
            }
        }
        if stations.len() < 2
            || stations[0].1.0.distance(stations[stations.len() - 1].1.0) <= tolerance
        {
            continue;
        }
        // Chords within the tolerance of the edge itself.
        let dense = subdivide(&stations, false, |x, y| {
            let t = (x.0 + y.0) / 2.0;
            let st = on(t, Some(x.1.2))?;
            (distance_to_segment(st.0, x.1.0, y.1.0) > tolerance).then_some((t, st))
        });
        runs.push(dense.into_iter().map(|(_, st)| st).collect::<Vec<_>>());
    }
    runs
}

/// True when `p` lies within `reach` of both triangle sets (seeding meshes), by their
/// hierarchies: a contact start inside an overlap found already.
pub(super) fn on_both_meshes(
    seeds_a: &super::Seeds,
    seeds_b: &super::Seeds,
    p: Point3,
    reach: f64,
) -> bool {
    seeds_a.bvh.closest_point(p, reach).is_some() && seeds_b.bvh.closest_point(p, reach).is_some()
}

/// True when `a` and `b` coincide over an area at one of the `probes` (parameters on `a`)
/// where `keep(uv_a, uv_b)` holds (inside both faces' trims, for Brep faces whose
/// untrimmed surfaces overlap somewhere else): each probe near `b`'s seeding mesh is
/// projected onto `b` along `a`'s normal and checked all round by [`coincide_at`].
pub(crate) fn coincide_within(
    a: &NurbsSurface,
    seeds_a: &Seeds,
    b: &NurbsSurface,
    seeds_b: &Seeds,
    probes: &[[f64; 2]],
    tolerance: f64,
    keep: impl Fn([f64; 2], [f64; 2]) -> bool,
) -> bool {
    let size = seeds_a.size.max(seeds_b.size);
    let reach = seeds_a.deviation + seeds_b.deviation + tolerance;
    probes.iter().any(|&uv_a| {
        let (p, au, av) = frame(a, uv_a);
        let Some((_, _, near)) = seeds_b.bvh.closest_point(p, reach) else {
            return false;
        };
        let Some(n) = unit(au.cross(av)) else {
            return false;
        };
        let start = seeds_b.params[near as usize];
        let start = [0, 1].map(|k| (start[0][k] + start[1][k] + start[2][k]) / 3.0);
        let Some((gap, uv_b, _)) = along_line(b, start, p, n, tolerance) else {
            return false;
        };
        gap.abs() <= tolerance
            && keep(uv_a, uv_b)
            && coincide_at(a, b, (p, uv_a, uv_b), size, tolerance)
    })
}

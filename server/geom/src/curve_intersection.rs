//! Where two NURBS curves meet (Rhino's CurveCurve events): points where they cross or
//! touch, with both parameters, and stretches where they run together (overlaps).
//!
//! Seeds come from the curves' polylines: every pair of chords closer than their sags plus
//! the tolerance (found through a hierarchy over the second curve's chords). Each seed is
//! moved by Gauss–Newton on `min |A(s) − B(t)|²`; where the tangents are parallel (a touch,
//! or an overlap) the normal equations are singular and alternating closest points take
//! over. A point is kept when the curves meet there to the tolerance. Overlaps: the first
//! curve's samples near a seed that lie on the second curve; runs of two or more, their
//! ends bisected to where the curves part (or a curve ends). Points inside an overlap are
//! part of it.

use crate::bvh::Bvh;
use crate::nurbs::NurbsCurve;
use crate::nurbs_intersection::{MAX_NEWTON, curve_samples};
use crate::triangle_contact::segment_fractions;
use crate::{Point3, Vector3};

/// A point where two curves meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurveCurvePoint {
    /// Parameter on the first curve.
    pub s: f64,
    /// Parameter on the second curve.
    pub t: f64,
    /// Where (on the first curve).
    pub point: Point3,
    /// True where the curves touch with parallel tangents (within 0.06°) instead of
    /// crossing at an angle.
    pub tangent: bool,
}

/// A stretch where two curves run together within the tolerance.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveOverlap {
    /// Parameters on the first curve, in order.
    pub s: [f64; 2],
    /// Parameters on the second curve at those ends.
    pub t: [f64; 2],
    /// The first curve's points along the stretch (its polyline samples and both ends).
    pub points: Vec<Point3>,
}

/// Where two curves meet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CurveIntersection {
    /// Isolated points, sorted by `s`.
    pub points: Vec<CurveCurvePoint>,
    /// Overlaps, sorted by `s`.
    pub overlaps: Vec<CurveOverlap>,
}

/// Sine of the angle under which two tangents count as parallel.
const TANGENT_SINE: f64 = 1e-3;

/// How far each chord of a polyline strays from its curve: the larger of the midpoint's
/// and the quarter points' distances from the chord, doubled for what lies between.
fn sags(c: &NurbsCurve, ts: &[f64], pts: &[Point3]) -> Vec<f64> {
    (0..pts.len() - 1)
        .map(|k| {
            let (p, q) = (pts[k], pts[k + 1]);
            [0.25, 0.5, 0.75]
                .iter()
                .map(|f| {
                    let on = c.point_at(ts[k] + (ts[k + 1] - ts[k]) * f);
                    on.distance(p.lerp(q, *f))
                })
                .fold(0.0, f64::max)
                * 2.0
        })
        .collect()
}

/// Moves the seed `(s, t)` to where the curves are closest: Gauss–Newton, then alternating
/// closest points if that stalls on parallel tangents. The pair and its distance.
fn refine(a: &NurbsCurve, b: &NurbsCurve, mut s: f64, mut t: f64) -> (f64, f64, f64) {
    let ((a0, a1), (b0, b1)) = (a.domain(), b.domain());
    let mut converged = false;
    for _ in 0..MAX_NEWTON {
        let (da, db) = (a.derivatives(s, 1), b.derivatives(t, 1));
        let (ta, tb): (Vector3, Vector3) = (da[1], db[1]);
        let f = da[0] - db[0];
        let (m11, m12, m22) = (ta.dot(ta), -ta.dot(tb), tb.dot(tb));
        let (r1, r2) = (-f.dot(ta), f.dot(tb));
        let det = m11 * m22 - m12 * m12;
        if det <= 1e-12 * m11 * m22 {
            break;
        }
        let ds = (r1 * m22 - m12 * r2) / det;
        let dt = (m11 * r2 - m12 * r1) / det;
        let (ns, nt) = ((s + ds).clamp(a0, a1), (t + dt).clamp(b0, b1));
        let small =
            (ns - s).abs() <= 1e-15 * (1.0 + s.abs()) && (nt - t).abs() <= 1e-15 * (1.0 + t.abs());
        (s, t) = (ns, nt);
        if small {
            converged = true;
            break;
        }
    }
    if !converged {
        // Parallel tangents: alternate closest points, from where Gauss–Newton left off.
        let mut p = a.point_at(s);
        for _ in 0..MAX_NEWTON {
            let (t_next, q, _) = b.closest_point(p);
            let (s_next, p_next, _) = a.closest_point(q);
            let moved = p_next.distance(p);
            (s, t, p) = (s_next, t_next, p_next);
            if moved <= 1e-12 * (1.0 + p.to_vector().length()) {
                break;
            }
        }
    }
    (s, t, a.point_at(s).distance(b.point_at(t)))
}

/// Where curves `a` and `b` meet to `tolerance`.
pub fn curve_curve(a: &NurbsCurve, b: &NurbsCurve, tolerance: f64) -> CurveIntersection {
    let (ts_a, pa) = curve_samples(a);
    let (ts_b, pb) = curve_samples(b);
    let (sag_a, sag_b) = (sags(a, &ts_a, &pa), sags(b, &ts_b, &pb));
    let chords_b: Vec<[Point3; 3]> = (0..pb.len() - 1)
        .map(|k| [pb[k], pb[k + 1], pb[k + 1]])
        .collect();
    let bvh = Bvh::new(&chords_b);
    let widest_b = sag_b.iter().copied().fold(0.0, f64::max);
    let mut seeds = Vec::new();
    let mut near = vec![false; pa.len()];
    for k in 0..pa.len() - 1 {
        let (p, q) = (pa[k], pa[k + 1]);
        let margin = sag_a[k] + widest_b + tolerance;
        let m = Vector3::new(margin, margin, margin);
        let lo = Point3::new(p.x.min(q.x), p.y.min(q.y), p.z.min(q.z)) - m;
        let hi = Point3::new(p.x.max(q.x), p.y.max(q.y), p.z.max(q.z)) + m;
        bvh.for_each_in_box(lo, hi, |j| {
            let j = j as usize;
            let (x, y) = segment_fractions(p, q, pb[j], pb[j + 1]);
            let gap = p.lerp(q, x).distance(pb[j].lerp(pb[j + 1], y));
            if gap <= sag_a[k] + sag_b[j] + tolerance {
                seeds.push((
                    ts_a[k] + (ts_a[k + 1] - ts_a[k]) * x,
                    ts_b[j] + (ts_b[j + 1] - ts_b[j]) * y,
                ));
                near[k] = true;
                near[k + 1] = true;
            }
        });
    }
    let overlaps = overlaps(a, b, &ts_a, &pa, &near, tolerance);
    let within_overlap = |s: f64| overlaps.iter().any(|o| o.s[0] <= s && s <= o.s[1]);
    let mut points: Vec<CurveCurvePoint> = Vec::new();
    for (s0, t0) in seeds {
        let (s, t, d) = refine(a, b, s0, t0);
        if d > tolerance || within_overlap(s) {
            continue;
        }
        let point = a.point_at(s);
        if points.iter().any(|x| x.point.distance(point) <= tolerance) {
            continue;
        }
        let (ta, tb) = (a.derivatives(s, 1)[1], b.derivatives(t, 1)[1]);
        let tangent = ta.cross(tb).length() <= TANGENT_SINE * ta.length() * tb.length();
        points.push(CurveCurvePoint {
            s,
            t,
            point,
            tangent,
        });
    }
    points.sort_by(|x, y| x.s.total_cmp(&y.s));
    CurveIntersection { points, overlaps }
}

/// The stretches of `a` that lie on `b`: runs of `a`'s samples (among those `near` a seed)
/// within `tolerance` of `b`, each end bisected to where the curves part.
fn overlaps(
    a: &NurbsCurve,
    b: &NurbsCurve,
    ts: &[f64],
    pts: &[Point3],
    near: &[bool],
    tolerance: f64,
) -> Vec<CurveOverlap> {
    let on_b = |s: f64| b.closest_point(a.point_at(s)).2 <= tolerance;
    let on: Vec<bool> = (0..ts.len()).map(|k| near[k] && on_b(ts[k])).collect();
    // A run must also hold between its samples: a chord's midpoint on `b` too.
    let joined = |k: usize| on[k] && on[k + 1] && on_b((ts[k] + ts[k + 1]) / 2.0);
    let bisect = |inside: f64, outside: f64| {
        let (mut x, mut y) = (inside, outside);
        for _ in 0..60 {
            let m = (x + y) / 2.0;
            if on_b(m) {
                x = m;
            } else {
                y = m;
            }
        }
        x
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k + 1 < ts.len() {
        if !joined(k) {
            k += 1;
            continue;
        }
        let first = k;
        while k + 1 < ts.len() && joined(k) {
            k += 1;
        }
        let last = k;
        let s0 = if first > 0 {
            bisect(ts[first], ts[first - 1])
        } else {
            ts[0]
        };
        let s1 = if last + 1 < ts.len() {
            bisect(ts[last], ts[last + 1])
        } else {
            ts[last]
        };
        let (e0, e1) = (a.point_at(s0), a.point_at(s1));
        let mut points = vec![e0];
        points.extend(
            pts[first..=last]
                .iter()
                .copied()
                .filter(|p| p.distance(e0) > tolerance && p.distance(e1) > tolerance),
        );
        points.push(e1);
        out.push(CurveOverlap {
            s: [s0, s1],
            t: [b.closest_point(e0).0, b.closest_point(e1).0],
            points,
        });
    }
    out
}

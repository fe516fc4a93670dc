//! NURBS curves.

use super::{
    FAST_DEGREE, NurbsError, basis_derivatives, basis_with_slope, binomial, check_knots, find_span,
    homogeneous,
};
use crate::vec3::{Point3, Vector3};

/// A rational B-spline curve of degree `p` with homogeneous control points.
///
/// Control points are stored relative to a local origin (the centre of their bounds), so a
/// curve 500 km from the world origin loses no digits to cancellation in its derivatives.
#[derive(Clone, Debug, PartialEq)]
pub struct NurbsCurve {
    degree: usize,
    origin: Point3,
    /// `[w·x, w·y, w·z, w]` with x, y, z relative to `origin`.
    points: Vec<[f64; 4]>,
    knots: Vec<f64>,
}

fn add_scaled(acc: &mut [f64; 4], p: &[f64; 4], s: f64) {
    for i in 0..4 {
        acc[i] += p[i] * s;
    }
}

impl NurbsCurve {
    /// A curve from Euclidean control points, optional weights (all 1 when absent) and a
    /// full knot vector.
    pub fn new(
        degree: usize,
        points: &[Point3],
        weights: Option<&[f64]>,
        knots: Vec<f64>,
    ) -> Result<NurbsCurve, NurbsError> {
        check_knots(degree, points.len(), &knots)?;
        let (origin, points) = homogeneous(points, weights)?;
        Ok(NurbsCurve {
            degree,
            origin,
            points,
            knots,
        })
    }

    /// The polynomial degree.
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// The full knot vector.
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// The local origin that control points are stored relative to.
    pub fn origin(&self) -> Point3 {
        self.origin
    }

    /// The Euclidean control points.
    pub fn control_points(&self) -> Vec<Point3> {
        self.points
            .iter()
            .map(|h| self.origin + Vector3::new(h[0] / h[3], h[1] / h[3], h[2] / h[3]))
            .collect()
    }

    /// The weights.
    pub fn weights(&self) -> Vec<f64> {
        self.points.iter().map(|h| h[3]).collect()
    }

    /// The parameter domain `[knots[p], knots[n]]`.
    pub fn domain(&self) -> (f64, f64) {
        (self.knots[self.degree], self.knots[self.points.len()])
    }

    /// Derivatives of the homogeneous curve up to `order` at `t` (A3.2).
    fn homogeneous_derivatives(&self, t: f64, order: usize) -> Vec<[f64; 4]> {
        let p = self.degree;
        let span = find_span(self.points.len(), p, t, &self.knots);
        let n = basis_derivatives(span, t, p, order.min(p), &self.knots);
        let mut out = vec![[0.0; 4]; order + 1];
        for (k, row) in n.rows().enumerate() {
            for (j, &b) in row.iter().enumerate() {
                add_scaled(&mut out[k], &self.points[span - p + j], b);
            }
        }
        out
    }

    /// The point and derivatives `C(t), C'(t), ..., C^(order)(t)` (A4.2), the point as
    /// `result[0]` (a vector from the origin).
    pub fn derivatives(&self, t: f64, order: usize) -> Vec<Vector3> {
        let h = self.homogeneous_derivatives(t, order);
        let mut ck: Vec<Vector3> = Vec::with_capacity(order + 1);
        for k in 0..=order {
            let mut v = Vector3::new(h[k][0], h[k][1], h[k][2]);
            for i in 1..=k {
                v = v - ck[k - i] * (binomial(k, i) * h[i][3]);
            }
            ck.push(v / h[0][3]);
        }
        ck[0] += self.origin.to_vector();
        ck
    }

    /// The point at `t` (clamped to the domain).
    pub fn point_at(&self, t: f64) -> Point3 {
        let p = self.degree;
        let h = if p > FAST_DEGREE {
            self.homogeneous_derivatives(t, 0)[0]
        } else {
            // The functions alone, without the allocations of the general path.
            let span = find_span(self.points.len(), p, t, &self.knots);
            let n = basis_with_slope(span, t, p, &self.knots).0;
            let mut h = [0.0; 4];
            for (j, &b) in n.iter().enumerate().take(p + 1) {
                add_scaled(&mut h, &self.points[span - p + j], b);
            }
            h
        };
        self.origin + Vector3::new(h[0] / h[3], h[1] / h[3], h[2] / h[3])
    }

    /// The same curve with `t` inserted `times` more times, capped so its multiplicity stays
    /// at most the degree (A5.1). The shape does not change.
    pub fn insert_knot(&self, t: f64, times: usize) -> NurbsCurve {
        let (lo, hi) = self.domain();
        if t <= lo || t >= hi {
            return self.clone();
        }
        let (knots, points) =
            insert_knot_homogeneous(self.degree, &self.knots, &self.points, t, times);
        NurbsCurve {
            degree: self.degree,
            origin: self.origin,
            points,
            knots,
        }
    }

    /// The two halves of the curve on either side of `t`, each clamped at the cut; `None`
    /// when `t` is not strictly inside the domain.
    pub fn split(&self, t: f64) -> Option<(NurbsCurve, NurbsCurve)> {
        let (lo, hi) = self.domain();
        if !(t > lo && t < hi) {
            return None;
        }
        let p = self.degree;
        let c = self.insert_knot(t, p);
        // The last index of t in the knot vector; t now has multiplicity p.
        let k = c.knots.iter().rposition(|&x| x == t)?;
        let mut left_knots = c.knots[..=k].to_vec();
        left_knots.push(t);
        let left = NurbsCurve {
            degree: p,
            origin: c.origin,
            points: c.points[..=k - p].to_vec(),
            knots: left_knots,
        };
        let mut right_knots = vec![t];
        right_knots.extend_from_slice(&c.knots[k - p + 1..]);
        let right = NurbsCurve {
            degree: p,
            origin: c.origin,
            points: c.points[k - p..].to_vec(),
            knots: right_knots,
        };
        Some((left, right))
    }

    /// The non-empty knot spans `(start, end)` of the domain.
    pub fn spans(&self) -> Vec<(f64, f64)> {
        let (lo, hi) = self.domain();
        let mut out = Vec::new();
        for w in self.knots[self.degree..=self.points.len()].windows(2) {
            if w[1] > w[0] {
                out.push((w[0].max(lo), w[1].min(hi)));
            }
        }
        out
    }

    /// The parameter, point and distance of the point on the curve closest to `p`: the best
    /// of dense samples per span, refined by Newton's method on `C'(t)·(C(t) − p) = 0`.
    pub fn closest_point(&self, p: Point3) -> (f64, Point3, f64) {
        let (lo, hi) = self.domain();
        let samples = 4 * (self.degree + 1);
        let mut best = (lo, f64::INFINITY);
        for (a, b) in self.spans() {
            for i in 0..=samples {
                let t = a + (b - a) * i as f64 / samples as f64;
                let d = self.point_at(t).distance_squared(p);
                if d < best.1 {
                    best = (t, d);
                }
            }
        }
        let mut t = best.0;
        let scale = (hi - lo).abs();
        for _ in 0..32 {
            let d = self.derivatives(t, 2);
            let r = d[0] - p.to_vector();
            let f = d[1].dot(r);
            let df = d[2].dot(r) + d[1].length_squared();
            if df <= 0.0 || !df.is_finite() {
                break;
            }
            let next = (t - f / df).clamp(lo, hi);
            let step = (next - t).abs();
            t = next;
            if step <= 1e-15 * scale.max(1.0) {
                break;
            }
        }
        // Newton may wander to a worse local minimum; keep the better of the two.
        let refined = self.point_at(t);
        let (t, q) = if refined.distance_squared(p) <= best.1 {
            (t, refined)
        } else {
            (best.0, self.point_at(best.0))
        };
        (t, q, q.distance(p))
    }

    /// Arc length of the whole curve.
    pub fn length(&self) -> f64 {
        let (lo, hi) = self.domain();
        self.length_between(lo, hi)
    }

    /// Arc length between parameters `t0 <= t1`: adaptive Gauss–Legendre quadrature of
    /// `|C'(t)|` on each knot span (the integrand is smooth inside a span).
    pub fn length_between(&self, t0: f64, t1: f64) -> f64 {
        self.spans()
            .into_iter()
            .filter_map(|(a, b)| {
                let (a, b) = (a.max(t0), b.min(t1));
                (b > a).then(|| self.adaptive_length(a, b, self.gauss_length(a, b), 12))
            })
            .sum()
    }

    fn gauss_length(&self, a: f64, b: f64) -> f64 {
        // 8-point Gauss–Legendre nodes and weights on [-1, 1].
        const X: [f64; 4] = [
            0.183_434_642_495_649_8,
            0.525_532_409_916_329,
            0.796_666_477_413_626_7,
            0.960_289_856_497_536_3,
        ];
        const W: [f64; 4] = [
            0.362_683_783_378_362,
            0.313_706_645_877_887_3,
            0.222_381_034_453_374_5,
            0.101_228_536_290_376_3,
        ];
        let (mid, half) = ((a + b) / 2.0, (b - a) / 2.0);
        let mut sum = 0.0;
        for i in 0..4 {
            for s in [-1.0, 1.0] {
                sum += W[i] * self.derivatives(mid + s * half * X[i], 1)[1].length();
            }
        }
        sum * half
    }

    fn adaptive_length(&self, a: f64, b: f64, whole: f64, depth: u32) -> f64 {
        let m = (a + b) / 2.0;
        let (l, r) = (self.gauss_length(a, m), self.gauss_length(m, b));
        // 1e-12 relative is above the rounding floor of f64 sums of |C'|, so refinement
        // stops on smooth spans after a level or two.
        if depth == 0 || (l + r - whole).abs() <= 1e-12 * (l + r) {
            return l + r;
        }
        self.adaptive_length(a, m, l, depth - 1) + self.adaptive_length(m, b, r, depth - 1)
    }
}

/// Inserts `t` up to `times` times (capped so its multiplicity stays at most `p`) into a
/// B-spline with homogeneous control `points` (Piegl & Tiller A5.1); `t` must lie strictly
/// inside the domain. Shared by curves and by the rows and columns of surfaces.
pub(super) fn insert_knot_homogeneous(
    p: usize,
    knots_in: &[f64],
    points_in: &[[f64; 4]],
    t: f64,
    times: usize,
) -> (Vec<f64>, Vec<[f64; 4]>) {
    let s = knots_in.iter().filter(|&&k| k == t).count();
    let r = times.min(p.saturating_sub(s));
    if r == 0 {
        return (knots_in.to_vec(), points_in.to_vec());
    }
    let np = points_in.len();
    let k = find_span(np, p, t, knots_in);
    let mut knots = Vec::with_capacity(knots_in.len() + r);
    knots.extend_from_slice(&knots_in[..=k]);
    knots.extend(std::iter::repeat_n(t, r));
    knots.extend_from_slice(&knots_in[k + 1..]);
    let mut q = vec![[0.0; 4]; np + r];
    q[..=k - p].copy_from_slice(&points_in[..=k - p]);
    q[k - s + r..].copy_from_slice(&points_in[k - s..]);
    let mut rw: Vec<[f64; 4]> = points_in[k - p..=k - s].to_vec();
    let mut l = 0;
    for j in 1..=r {
        l = k - p + j;
        for i in 0..=(p - j - s) {
            let alpha = (t - knots_in[l + i]) / (knots_in[i + k + 1] - knots_in[l + i]);
            let next = rw[i + 1];
            for (c, x) in rw[i].iter_mut().enumerate() {
                *x = alpha * next[c] + (1.0 - alpha) * *x;
            }
        }
        q[l] = rw[0];
        q[k + r - j - s] = rw[p - j - s];
    }
    if l + 1 < k - s {
        q[l + 1..k - s].copy_from_slice(&rw[1..k - s - l]);
    }
    (knots, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unit circle as 4 rational quadratic arcs (9 points), radius `r` about `c`.
    pub(crate) fn circle(c: Point3, r: f64) -> NurbsCurve {
        let w = std::f64::consts::FRAC_1_SQRT_2;
        let ring = [
            (1., 0.),
            (1., 1.),
            (0., 1.),
            (-1., 1.),
            (-1., 0.),
            (-1., -1.),
            (0., -1.),
            (1., -1.),
            (1., 0.),
        ];
        let pts: Vec<Point3> = ring
            .iter()
            .map(|&(x, y)| Point3::new(c.x + r * x, c.y + r * y, c.z))
            .collect();
        let weights = [1., w, 1., w, 1., w, 1., w, 1.];
        let knots = vec![0., 0., 0., 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1., 1., 1.];
        NurbsCurve::new(2, &pts, Some(&weights), knots).unwrap()
    }

    #[test]
    fn circle_points_lie_on_the_circle_and_length_is_two_pi_r() {
        let c = circle(Point3::new(500_000.0, 4_100_000.0, 7.0), 3.0);
        for i in 0..=100 {
            let p = c.point_at(i as f64 / 100.0);
            let d = ((p.x - 500_000.0).powi(2) + (p.y - 4_100_000.0).powi(2)).sqrt();
            assert!((d - 3.0).abs() < 1e-9, "{d}");
        }
        // Closed form: 2πr.
        assert!(
            (c.length() - 6.0 * std::f64::consts::PI).abs() < 1e-10,
            "{}",
            c.length()
        );
    }

    #[test]
    fn knot_insertion_keeps_the_shape() {
        let c = circle(Point3::default(), 1.0);
        let d = c.insert_knot(0.3, 2);
        assert_eq!(d.knots().len(), c.knots().len() + 2);
        for i in 0..=50 {
            let t = i as f64 / 50.0;
            assert!(c.point_at(t).distance(d.point_at(t)) < 1e-14);
        }
        // Multiplicity is capped at the degree.
        assert_eq!(d.insert_knot(0.3, 5).knots().len(), d.knots().len());
    }

    #[test]
    fn split_halves_meet_and_match_the_original() {
        let c = circle(Point3::default(), 2.0);
        let (a, b) = c.split(0.4).unwrap();
        assert_eq!(a.domain(), (0.0, 0.4));
        assert_eq!(b.domain(), (0.4, 1.0));
        assert!(a.point_at(0.4).distance(b.point_at(0.4)) < 1e-14);
        for i in 0..=20 {
            let t = 0.4 * i as f64 / 20.0;
            assert!(a.point_at(t).distance(c.point_at(t)) < 1e-14);
            let t = 0.4 + 0.6 * i as f64 / 20.0;
            assert!(b.point_at(t).distance(c.point_at(t)) < 1e-14);
        }
        // The arcs add up: 0.4 of the parameter is not 0.4 of the length, but the sum is.
        assert!((a.length() + b.length() - 4.0 * std::f64::consts::PI).abs() < 1e-10);
        assert!(c.split(0.0).is_none() && c.split(1.0).is_none());
    }

    #[test]
    fn closest_point_on_a_circle_is_radial() {
        let c = circle(Point3::default(), 2.0);
        // Closed form: the closest point to q lies on the ray from the centre through q.
        let q = Point3::new(3.0, 4.0, 1.0);
        let (_, p, d) = c.closest_point(q);
        assert!(p.distance(Point3::new(1.2, 1.6, 0.0)) < 1e-12, "{p:?}");
        assert!((d - (9.0f64 + 1.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn bad_parts_are_errors() {
        let p = [Point3::default(); 3];
        assert_eq!(
            NurbsCurve::new(0, &p, None, vec![0.0; 4]),
            Err(NurbsError::ZeroDegree)
        );
        assert_eq!(
            NurbsCurve::new(2, &p, None, vec![0.0, 0.0, 1.0, 1.0]),
            Err(NurbsError::KnotCount {
                got: 4,
                expected: 6
            })
        );
        assert_eq!(
            NurbsCurve::new(2, &p, Some(&[1.0, -1.0, 1.0]), vec![0., 0., 0., 1., 1., 1.]),
            Err(NurbsError::BadWeight(1))
        );
    }
}

//! NURBS surfaces.

use super::curve::insert_knot_homogeneous;
use super::small::SmallBuf;
use super::{
    FAST_DEGREE, NurbsError, basis_derivatives, basis_with_slope, binomial, check_knots, find_span,
    homogeneous,
};
use crate::vec3::{Point3, Vector3};

/// A rational B-spline surface; control point `(i, j)` (i along u) is `points[i * count_v + j]`.
///
/// Like [`super::NurbsCurve`], control points are stored relative to a local origin.
#[derive(Clone, Debug, PartialEq)]
pub struct NurbsSurface {
    degree_u: usize,
    degree_v: usize,
    count_u: usize,
    count_v: usize,
    origin: Point3,
    /// `[w·x, w·y, w·z, w]` relative to `origin`, v fastest.
    points: Vec<[f64; 4]>,
    knots_u: Vec<f64>,
    knots_v: Vec<f64>,
}

impl NurbsSurface {
    /// A surface from its net of Euclidean points (v fastest), optional weights and full knot
    /// vectors.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        (degree_u, degree_v): (usize, usize),
        (count_u, count_v): (usize, usize),
        points: &[Point3],
        weights: Option<&[f64]>,
        knots_u: Vec<f64>,
        knots_v: Vec<f64>,
    ) -> Result<NurbsSurface, NurbsError> {
        if count_u.checked_mul(count_v) != Some(points.len()) {
            return Err(NurbsError::NetSize {
                points: points.len(),
                count_u,
                count_v,
            });
        }
        check_knots(degree_u, count_u, &knots_u)?;
        check_knots(degree_v, count_v, &knots_v)?;
        let (origin, points) = homogeneous(points, weights)?;
        Ok(NurbsSurface {
            degree_u,
            degree_v,
            count_u,
            count_v,
            origin,
            points,
            knots_u,
            knots_v,
        })
    }

    /// Degrees along u and v.
    pub fn degrees(&self) -> (usize, usize) {
        (self.degree_u, self.degree_v)
    }

    /// Net size along u and v.
    pub fn counts(&self) -> (usize, usize) {
        (self.count_u, self.count_v)
    }

    /// Full knot vectors along u and v.
    pub fn knots(&self) -> (&[f64], &[f64]) {
        (&self.knots_u, &self.knots_v)
    }

    /// The Euclidean control points, v fastest (the surface lies in their convex hull).
    pub fn control_points(&self) -> Vec<Point3> {
        self.points
            .iter()
            .map(|h| self.origin + Vector3::new(h[0] / h[3], h[1] / h[3], h[2] / h[3]))
            .collect()
    }

    /// The parameter domain `((u0, u1), (v0, v1))`.
    pub fn domain(&self) -> ((f64, f64), (f64, f64)) {
        (
            (self.knots_u[self.degree_u], self.knots_u[self.count_u]),
            (self.knots_v[self.degree_v], self.knots_v[self.count_v]),
        )
    }

    /// Mixed partial derivatives of the homogeneous surface, `h[k * (order + 1) + l]` for
    /// `k + l <= order` (A3.6).
    fn homogeneous_derivatives(&self, u: f64, v: f64, order: usize) -> SmallBuf<[f64; 4], 16> {
        let (p, q) = (self.degree_u, self.degree_v);
        let su = find_span(self.count_u, p, u, &self.knots_u);
        let sv = find_span(self.count_v, q, v, &self.knots_v);
        let nu = basis_derivatives(su, u, p, order.min(p), &self.knots_u);
        let nv = basis_derivatives(sv, v, q, order.min(q), &self.knots_v);
        let n = order + 1;
        let mut out: SmallBuf<[f64; 4], 16> = SmallBuf::new(n * n);
        let mut temp: SmallBuf<[f64; 4], 8> = SmallBuf::new(q + 1);
        for (k, nuk) in nu.rows().enumerate() {
            // temp[s] = sum over r of N_u^(k)[r] * P[su - p + r][sv - q + s]
            temp.fill([0.0; 4]);
            for (s, t) in temp.iter_mut().enumerate() {
                for (r, &b) in nuk.iter().enumerate() {
                    let pt = &self.points[(su - p + r) * self.count_v + sv - q + s];
                    for c in 0..4 {
                        t[c] += b * pt[c];
                    }
                }
            }
            for (l, nvl) in nv.rows().enumerate().take(order - k + 1) {
                for (s, &b) in nvl.iter().enumerate() {
                    for c in 0..4 {
                        out[k * n + l][c] += b * temp[s][c];
                    }
                }
            }
        }
        out
    }

    /// The point and partial derivatives: `d[k][l]` is ∂^(k+l) S / ∂u^k ∂v^l at `(u, v)` for
    /// `k + l <= order` (A4.4), `d[0][0]` the point as a vector from the origin.
    pub fn derivatives(&self, u: f64, v: f64, order: usize) -> Vec<Vec<Vector3>> {
        let h = self.homogeneous_derivatives(u, v, order);
        let n = order + 1;
        let h = |k: usize, l: usize| h[k * n + l];
        let w = |k: usize, l: usize| h(k, l)[3];
        let mut skl = vec![vec![Vector3::default(); order + 1]; order + 1];
        for k in 0..=order {
            for l in 0..=(order - k) {
                let mut a = Vector3::new(h(k, l)[0], h(k, l)[1], h(k, l)[2]);
                for j in 1..=l {
                    a = a - skl[k][l - j] * (binomial(l, j) * w(0, j));
                }
                for i in 1..=k {
                    a = a - skl[k - i][l] * (binomial(k, i) * w(i, 0));
                    let mut b = Vector3::default();
                    for j in 1..=l {
                        b += skl[k - i][l - j] * (binomial(l, j) * w(i, j));
                    }
                    a = a - b * binomial(k, i);
                }
                skl[k][l] = a / w(0, 0);
            }
        }
        skl[0][0] += self.origin.to_vector();
        skl
    }

    /// The point and its first partial derivatives `(S, S_u, S_v)` at `(u, v)`, without the
    /// allocations of [`NurbsSurface::derivatives`]: the step of every Newton iteration.
    pub fn frame_at(&self, u: f64, v: f64) -> (Point3, Vector3, Vector3) {
        let (a, a_u, a_v) = self.homogeneous_frame(u, v);
        let w = a[3];
        let s = Vector3::new(a[0] / w, a[1] / w, a[2] / w);
        let quotient = |d: [f64; 4]| (Vector3::new(d[0], d[1], d[2]) - s * d[3]) / w;
        (self.origin + s, quotient(a_u), quotient(a_v))
    }

    /// The point at `(u, v)` (clamped to the domain).
    pub fn point_at(&self, u: f64, v: f64) -> Point3 {
        let (p, q) = (self.degree_u, self.degree_v);
        let h = if p > FAST_DEGREE || q > FAST_DEGREE {
            self.homogeneous_derivatives(u, v, 0)[0]
        } else {
            let su = find_span(self.count_u, p, u, &self.knots_u);
            let sv = find_span(self.count_v, q, v, &self.knots_v);
            let nu = basis_with_slope(su, u, p, &self.knots_u).0;
            let nv = basis_with_slope(sv, v, q, &self.knots_v).0;
            let mut h = [0.0; 4];
            for (r, &bu) in nu.iter().enumerate().take(p + 1) {
                let start = (su - p + r) * self.count_v + sv - q;
                let mut t = [0.0; 4];
                for (s, pt) in self.points[start..=start + q].iter().enumerate() {
                    for c in 0..4 {
                        t[c] += nv[s] * pt[c];
                    }
                }
                for c in 0..4 {
                    h[c] += bu * t[c];
                }
            }
            h
        };
        self.origin + Vector3::new(h[0] / h[3], h[1] / h[3], h[2] / h[3])
    }

    /// The homogeneous surface `[w·x, w·y, w·z, w]` and its two first partials at
    /// `(u, v)`: through [`basis_with_slope`] and one pass over the (p + 1)(q + 1) control
    /// points up to [`FAST_DEGREE`], through the general derivatives above it.
    fn homogeneous_frame(&self, u: f64, v: f64) -> ([f64; 4], [f64; 4], [f64; 4]) {
        let (p, q) = (self.degree_u, self.degree_v);
        if p > FAST_DEGREE || q > FAST_DEGREE {
            let h = self.homogeneous_derivatives(u, v, 1);
            // h[k * 2 + l] = ∂^(k+l) / ∂u^k ∂v^l.
            return (h[0], h[2], h[1]);
        }
        let su = find_span(self.count_u, p, u, &self.knots_u);
        let sv = find_span(self.count_v, q, v, &self.knots_v);
        let (nu, du) = basis_with_slope(su, u, p, &self.knots_u);
        let (nv, dv) = basis_with_slope(sv, v, q, &self.knots_v);
        let (mut a, mut a_u, mut a_v) = ([0.0; 4], [0.0; 4], [0.0; 4]);
        for r in 0..=p {
            let start = (su - p + r) * self.count_v + sv - q;
            let (mut t, mut t_v) = ([0.0; 4], [0.0; 4]);
            for (s, pt) in self.points[start..=start + q].iter().enumerate() {
                for c in 0..4 {
                    t[c] += nv[s] * pt[c];
                    t_v[c] += dv[s] * pt[c];
                }
            }
            for c in 0..4 {
                a[c] += nu[r] * t[c];
                a_u[c] += du[r] * t[c];
                a_v[c] += nu[r] * t_v[c];
            }
        }
        (a, a_u, a_v)
    }

    /// The points at every `(u, v)` of the grid `us × vs` (v fastest), as `point_at` gives
    /// them: the u basis is applied once per grid row to the whole net (the row's curve in
    /// v), leaving (degree_v + 1) terms per point. For dense sampling (tessellation checks).
    pub fn points_on_grid(&self, us: &[f64], vs: &[f64]) -> Vec<Point3> {
        let (p, q) = (self.degree_u, self.degree_v);
        let v_basis: Vec<(usize, super::Basis)> = vs
            .iter()
            .map(|&v| {
                let span = find_span(self.count_v, q, v, &self.knots_v);
                (span, basis_derivatives(span, v, q, 0, &self.knots_v))
            })
            .collect();
        let mut row = vec![[0.0; 4]; self.count_v];
        let mut out = Vec::with_capacity(us.len() * vs.len());
        for &u in us {
            let su = find_span(self.count_u, p, u, &self.knots_u);
            let nu = basis_derivatives(su, u, p, 0, &self.knots_u);
            for (j, h) in row.iter_mut().enumerate() {
                *h = [0.0; 4];
                for (r, &b) in nu.row(0).iter().enumerate() {
                    let pt = &self.points[(su - p + r) * self.count_v + j];
                    for c in 0..4 {
                        h[c] += b * pt[c];
                    }
                }
            }
            for (sv, nv) in &v_basis {
                let mut h = [0.0; 4];
                for (s, &b) in nv.row(0).iter().enumerate() {
                    let pt = &row[sv - q + s];
                    for c in 0..4 {
                        h[c] += b * pt[c];
                    }
                }
                out.push(self.origin + Vector3::new(h[0] / h[3], h[1] / h[3], h[2] / h[3]));
            }
        }
        out
    }

    /// The unit normal `S_u × S_v` at `(u, v)`, or `None` where it degenerates (a pole).
    pub fn normal_at(&self, u: f64, v: f64) -> Option<Vector3> {
        let (_, su, sv) = self.frame_at(u, v);
        unit_normal(su, sv)
    }

    /// The same surface with `u` inserted `times` more times along u (capped at the degree);
    /// the shape does not change. Each column of the net is a curve in u.
    pub fn insert_knot_u(&self, u: f64, times: usize) -> NurbsSurface {
        let ((lo, hi), _) = self.domain();
        if u <= lo || u >= hi {
            return self.clone();
        }
        let (nu, nv) = (self.count_u, self.count_v);
        let mut knots = self.knots_u.clone();
        let mut columns = Vec::with_capacity(nv);
        for j in 0..nv {
            let column: Vec<[f64; 4]> = (0..nu).map(|i| self.points[i * nv + j]).collect();
            let (k, c) = insert_knot_homogeneous(self.degree_u, &self.knots_u, &column, u, times);
            knots = k;
            columns.push(c);
        }
        let new_nu = columns.first().map_or(nu, Vec::len);
        let mut points = Vec::with_capacity(new_nu * nv);
        for i in 0..new_nu {
            for column in &columns {
                points.push(column[i]);
            }
        }
        NurbsSurface {
            count_u: new_nu,
            points,
            knots_u: knots,
            ..self.clone()
        }
    }

    /// The surface with its parameter directions swapped (u ↔ v); the same point set.
    pub fn transposed(&self) -> NurbsSurface {
        let (nu, nv) = (self.count_u, self.count_v);
        let mut points = Vec::with_capacity(self.points.len());
        for j in 0..nv {
            for i in 0..nu {
                points.push(self.points[i * nv + j]);
            }
        }
        NurbsSurface {
            degree_u: self.degree_v,
            degree_v: self.degree_u,
            count_u: nv,
            count_v: nu,
            origin: self.origin,
            points,
            knots_u: self.knots_v.clone(),
            knots_v: self.knots_u.clone(),
        }
    }

    /// The same surface with `v` inserted `times` more times along v (capped at the degree).
    pub fn insert_knot_v(&self, v: f64, times: usize) -> NurbsSurface {
        self.transposed().insert_knot_u(v, times).transposed()
    }

    /// The two pieces on either side of the iso-curve at `u`, each clamped at the cut; `None`
    /// when `u` is not strictly inside the domain.
    pub fn split_u(&self, u: f64) -> Option<(NurbsSurface, NurbsSurface)> {
        let ((lo, hi), _) = self.domain();
        if !(u > lo && u < hi) {
            return None;
        }
        let p = self.degree_u;
        let s = self.insert_knot_u(u, p);
        let k = s.knots_u.iter().rposition(|&x| x == u)?;
        let nv = s.count_v;
        let mut left_knots = s.knots_u[..=k].to_vec();
        left_knots.push(u);
        let mut right_knots = vec![u];
        right_knots.extend_from_slice(&s.knots_u[k - p + 1..]);
        let left = NurbsSurface {
            count_u: k - p + 1,
            points: s.points[..(k - p + 1) * nv].to_vec(),
            knots_u: left_knots,
            ..s.clone()
        };
        let right = NurbsSurface {
            count_u: s.count_u - (k - p),
            points: s.points[(k - p) * nv..].to_vec(),
            knots_u: right_knots,
            ..s.clone()
        };
        Some((left, right))
    }

    /// The two pieces on either side of the iso-curve at `v`.
    pub fn split_v(&self, v: f64) -> Option<(NurbsSurface, NurbsSurface)> {
        let (a, b) = self.transposed().split_u(v)?;
        Some((a.transposed(), b.transposed()))
    }

    /// Whether the surface's two boundary curves across parameter `k` (0: u, 1: v) meet
    /// where the other parameter is `at`: a seam there, as on a cylinder or a sphere.
    pub(crate) fn closed_at(&self, k: usize, at: f64) -> bool {
        let ((u0, u1), (v0, v1)) = self.domain();
        let (p, q) = if k == 0 {
            let at = at.clamp(v0, v1);
            (self.point_at(u0, at), self.point_at(u1, at))
        } else {
            let at = at.clamp(u0, u1);
            (self.point_at(at, v0), self.point_at(at, v1))
        };
        p.distance(q) <= 1e-10 * (1.0 + p.to_vector().length())
    }

    /// `(u, v)` brought into the domain: across the seam of a direction in which the surface
    /// is closed (its two boundary curves coincide there), clamped otherwise. A point just
    /// past a cylinder's seam is near its other side, not at the seam.
    pub(crate) fn in_domain(&self, u: f64, v: f64) -> (f64, f64) {
        let ((u0, u1), (v0, v1)) = self.domain();
        let wrap = |x: f64, lo: f64, hi: f64| lo + (x - lo).rem_euclid(hi - lo);
        let u = if (u0..=u1).contains(&u) {
            u
        } else if self.closed_at(0, v) {
            wrap(u, u0, u1)
        } else {
            u.clamp(u0, u1)
        };
        let v = if (v0..=v1).contains(&v) {
            v
        } else if self.closed_at(1, u) {
            wrap(v, v0, v1)
        } else {
            v.clamp(v0, v1)
        };
        (u, v)
    }

    /// The parameters, point and distance of the surface point closest to `p`: the best of a
    /// lattice of samples per knot span, refined by Newton's method on
    /// `(S − p)·S_u = (S − p)·S_v = 0`.
    pub fn closest_point(&self, p: Point3) -> ([f64; 2], Point3, f64) {
        let (u, v) = self.domain();
        self.closest_point_within(p, (u, v))
    }

    /// [`Self::closest_point`] among the knot spans within `spans` of those holding
    /// `near`, each way: a search near a known point of a surface of many spans, whose
    /// lattice over the whole domain would cost milliseconds.
    pub fn closest_point_near(
        &self,
        p: Point3,
        near: [f64; 2],
        spans: usize,
    ) -> ([f64; 2], Point3, f64) {
        let (du, dv) = self.domain();
        let window = |knots: &[f64], (lo, hi): (f64, f64), x: f64| {
            let mut edges: Vec<f64> = knots
                .iter()
                .copied()
                .filter(|&k| k >= lo && k <= hi)
                .collect();
            edges.dedup();
            if edges.len() < 2 {
                return (lo, hi);
            }
            let k = edges
                .partition_point(|&t| t <= x)
                .saturating_sub(1)
                .min(edges.len() - 2);
            (
                edges[k.saturating_sub(spans)],
                edges[(k + 1 + spans).min(edges.len() - 1)],
            )
        };
        let u = window(&self.knots_u, du, near[0]);
        let v = window(&self.knots_v, dv, near[1]);
        self.closest_point_within(p, (u, v))
    }

    /// [`Self::closest_point`] with the lattice over the parameter box `window` (spans'
    /// edges); Newton may leave it.
    fn closest_point_within(
        &self,
        p: Point3,
        window: ((f64, f64), (f64, f64)),
    ) -> ([f64; 2], Point3, f64) {
        let ((u0, u1), (v0, v1)) = window;
        let lines = |knots: &[f64], (lo, hi): (f64, f64), degree: usize| {
            let mut out = Vec::new();
            let mut spans: Vec<f64> = knots
                .iter()
                .copied()
                .filter(|&k| k > lo && k < hi)
                .collect();
            spans.dedup();
            let mut edges = vec![lo];
            edges.extend(spans);
            edges.push(hi);
            let per = 3 * (degree + 1);
            for w in edges.windows(2) {
                for k in 0..per {
                    out.push(w[0] + (w[1] - w[0]) * k as f64 / per as f64);
                }
            }
            out.push(hi);
            out
        };
        let us = lines(&self.knots_u, (u0, u1), self.degree_u);
        let vs = lines(&self.knots_v, (v0, v1), self.degree_v);
        // The best sample, and the best where the surface is regular: Newton cannot leave a
        // pole (S_u = 0 at the tip of a sphere), so the nearest regular sample (on the
        // right meridian) is refined too.
        let regular = |[u, v]: [f64; 2]| {
            let d = self.derivatives(u, v, 1);
            let (su, sv) = (d[1][0], d[0][1]);
            su.cross(sv).length() > 1e-12 * su.length_squared().max(sv.length_squared())
        };
        let nv = vs.len();
        let at = |k: usize| [us[k / nv], vs[k % nv]];
        let d2: Vec<f64> = self
            .points_on_grid(&us, &vs)
            .iter()
            .map(|q| q.distance_squared(p))
            .collect();
        // The first nearest sample, and the first nearest regular one (almost always the
        // same; otherwise the samples in order of distance until one is regular).
        let nearest = (0..d2.len()).fold(0, |b, k| if d2[k] < d2[b] { k } else { b });
        let best = (at(nearest), d2[nearest]);
        let best_regular = if regular(best.0) {
            best
        } else {
            let mut order: Vec<usize> = (0..d2.len()).collect();
            order.sort_by(|&x, &y| d2[x].total_cmp(&d2[y]));
            order
                .into_iter()
                .find(|&k| regular(at(k)))
                .map_or(([u0, v0], f64::INFINITY), |k| (at(k), d2[k]))
        };
        let refined = |start: [f64; 2]| self.closest_point_from(p, start);
        let sample = |uv: [f64; 2]| {
            let q = self.point_at(uv[0], uv[1]);
            (uv, q, q.distance_squared(p))
        };
        let mut found = vec![sample(best.0), refined(best.0)];
        if best_regular.1.is_finite() && best_regular.0 != best.0 {
            found.push(refined(best_regular.0));
        }
        let (uv, q, d2) = found
            .into_iter()
            .min_by(|x, y| x.2.total_cmp(&y.2))
            .unwrap_or_else(|| sample(best.0));
        (uv, q, d2.sqrt())
    }

    /// The point of the surface nearest to `p` that Newton's method on
    /// `(S − p)·S_u = (S − p)·S_v = 0` reaches from parameters `start` (a local search: a
    /// start from a mesh of the surface near `p` instead of [`Self::closest_point`]'s
    /// lattice), with its parameters and squared distance.
    pub fn closest_point_from(&self, p: Point3, start: [f64; 2]) -> ([f64; 2], Point3, f64) {
        let ((u0, u1), (v0, v1)) = self.domain();
        let [mut u, mut v] = start;
        for _ in 0..32 {
            let d = self.derivatives(u, v, 2);
            let r = d[0][0] - p.to_vector();
            let (su, sv) = (d[1][0], d[0][1]);
            let (f, g) = (r.dot(su), r.dot(sv));
            let a = su.dot(su) + r.dot(d[2][0]);
            let b = su.dot(sv) + r.dot(d[1][1]);
            let c = sv.dot(sv) + r.dot(d[0][2]);
            let det = a * c - b * b;
            if det <= 0.0 || !det.is_finite() {
                break;
            }
            let du = (c * f - b * g) / det;
            let dv = (a * g - b * f) / det;
            let (nu, nv) = self.in_domain(u - du, v - dv);
            let step = (nu - u).abs() + (nv - v).abs();
            u = nu;
            v = nv;
            if step <= 1e-15 * ((u1 - u0) + (v1 - v0)) {
                break;
            }
        }
        let q = self.point_at(u, v);
        ([u, v], q, q.distance_squared(p))
    }
}

/// The unit normal `S_u × S_v`, or `None` where it degenerates.
pub(crate) fn unit_normal(su: Vector3, sv: Vector3) -> Option<Vector3> {
    let n = su.cross(sv);
    let len = n.length();
    // At a pole one derivative vanishes up to rounding: no normal, not a noisy one.
    let scale = su.length().max(sv.length());
    (len > 1e-12 * scale * scale && len.is_finite()).then(|| n / len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_patch_is_exact() {
        // A hyperbolic paraboloid z = xy over [0,1]², as a bilinear patch.
        let pts = [
            Point3::new(0.0, 0.0, 0.0),
            Point3::new(0.0, 1.0, 0.0),
            Point3::new(1.0, 0.0, 0.0),
            Point3::new(1.0, 1.0, 1.0),
        ];
        let s = NurbsSurface::new(
            (1, 1),
            (2, 2),
            &pts,
            None,
            vec![0., 0., 1., 1.],
            vec![0., 0., 1., 1.],
        )
        .unwrap();
        let d = s.derivatives(0.25, 0.5, 2);
        assert_eq!(d[0][0], Vector3::new(0.25, 0.5, 0.125));
        assert_eq!(d[1][0], Vector3::new(1.0, 0.0, 0.5));
        assert_eq!(d[0][1], Vector3::new(0.0, 1.0, 0.25));
        assert_eq!(d[1][1], Vector3::new(0.0, 0.0, 1.0));
        assert_eq!(d[2][0], Vector3::default());
        let n = s.normal_at(0.0, 0.0).unwrap();
        assert_eq!(n, Vector3::new(0.0, 0.0, 1.0));
    }

    #[test]
    fn net_size_is_checked() {
        let pts = [Point3::default(); 3];
        let err = NurbsSurface::new(
            (1, 1),
            (2, 2),
            &pts,
            None,
            vec![0., 0., 1., 1.],
            vec![0., 0., 1., 1.],
        );
        assert_eq!(
            err,
            Err(NurbsError::NetSize {
                points: 3,
                count_u: 2,
                count_v: 2
            })
        );
    }

    /// A quarter cylinder of radius 5, height 10, about the z axis.
    fn quarter_cylinder() -> NurbsSurface {
        let w = std::f64::consts::FRAC_1_SQRT_2;
        let pts = [
            Point3::new(5., 0., 0.),
            Point3::new(5., 0., 10.),
            Point3::new(5., 5., 0.),
            Point3::new(5., 5., 10.),
            Point3::new(0., 5., 0.),
            Point3::new(0., 5., 10.),
        ];
        let weights = [1., 1., w, w, 1., 1.];
        NurbsSurface::new(
            (2, 1),
            (3, 2),
            &pts,
            Some(&weights),
            vec![0., 0., 0., 1., 1., 1.],
            vec![0., 0., 1., 1.],
        )
        .unwrap()
    }

    #[test]
    fn closest_point_on_a_cylinder_is_radial() {
        // Closed form: from (6, 8, 1.5) the cylinder r = 5 is nearest at (3, 4, 1.5), 5 away.
        let (_, q, d) = quarter_cylinder().closest_point(Point3::new(6.0, 8.0, 1.5));
        assert!(q.distance(Point3::new(3.0, 4.0, 1.5)) < 1e-12, "{q:?}");
        assert!((d - 5.0).abs() < 1e-12);
    }

    #[test]
    fn knot_insertion_and_splits_keep_the_shape() {
        let s = quarter_cylinder();
        let t = s.insert_knot_u(0.3, 2).insert_knot_v(0.6, 1);
        assert_eq!(t.counts(), (5, 3));
        let (a, b) = s.split_u(0.4).unwrap();
        let (c, d) = s.split_v(0.25).unwrap();
        for i in 0..=10 {
            for j in 0..=10 {
                let (u, v) = (i as f64 / 10.0, j as f64 / 10.0);
                let p = s.point_at(u, v);
                assert!(t.point_at(u, v).distance(p) < 1e-12);
                let half = if u <= 0.4 { &a } else { &b };
                assert!(half.point_at(u, v).distance(p) < 1e-12);
                let half = if v <= 0.25 { &c } else { &d };
                assert!(half.point_at(u, v).distance(p) < 1e-12);
            }
        }
        assert_eq!(a.domain().0, (0.0, 0.4));
        assert_eq!(d.domain().1, (0.25, 1.0));
        assert!(s.split_u(1.0).is_none());
    }
}

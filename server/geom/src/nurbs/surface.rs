//! NURBS surfaces.

use super::{NurbsError, basis_derivatives, binomial, check_knots, find_span, homogeneous};
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

    /// The parameter domain `((u0, u1), (v0, v1))`.
    pub fn domain(&self) -> ((f64, f64), (f64, f64)) {
        (
            (self.knots_u[self.degree_u], self.knots_u[self.count_u]),
            (self.knots_v[self.degree_v], self.knots_v[self.count_v]),
        )
    }

    /// Mixed partial derivatives of the homogeneous surface, `h[k][l]` for `k + l <= order`
    /// (A3.6).
    fn homogeneous_derivatives(&self, u: f64, v: f64, order: usize) -> Vec<Vec<[f64; 4]>> {
        let (p, q) = (self.degree_u, self.degree_v);
        let su = find_span(self.count_u, p, u, &self.knots_u);
        let sv = find_span(self.count_v, q, v, &self.knots_v);
        let nu = basis_derivatives(su, u, p, order.min(p), &self.knots_u);
        let nv = basis_derivatives(sv, v, q, order.min(q), &self.knots_v);
        let mut out = vec![vec![[0.0; 4]; order + 1]; order + 1];
        for (k, nuk) in nu.iter().enumerate() {
            // temp[s] = sum over r of N_u^(k)[r] * P[su - p + r][sv - q + s]
            let mut temp = vec![[0.0; 4]; q + 1];
            for (s, t) in temp.iter_mut().enumerate() {
                for (r, &b) in nuk.iter().enumerate() {
                    let pt = &self.points[(su - p + r) * self.count_v + sv - q + s];
                    for c in 0..4 {
                        t[c] += b * pt[c];
                    }
                }
            }
            for (l, nvl) in nv.iter().enumerate().take(order - k + 1) {
                for (s, &b) in nvl.iter().enumerate() {
                    for c in 0..4 {
                        out[k][l][c] += b * temp[s][c];
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
        let w = |k: usize, l: usize| h[k][l][3];
        let mut skl = vec![vec![Vector3::default(); order + 1]; order + 1];
        for k in 0..=order {
            for l in 0..=(order - k) {
                let mut a = Vector3::new(h[k][l][0], h[k][l][1], h[k][l][2]);
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

    /// The point at `(u, v)` (clamped to the domain).
    pub fn point_at(&self, u: f64, v: f64) -> Point3 {
        let h = self.homogeneous_derivatives(u, v, 0);
        let p = h[0][0];
        self.origin + Vector3::new(p[0] / p[3], p[1] / p[3], p[2] / p[3])
    }

    /// The unit normal `S_u × S_v` at `(u, v)`, or `None` where it degenerates (a pole).
    pub fn normal_at(&self, u: f64, v: f64) -> Option<Vector3> {
        let d = self.derivatives(u, v, 1);
        let n = d[1][0].cross(d[0][1]);
        let len = n.length();
        (len > 0.0 && len.is_finite()).then(|| n / len)
    }
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
}

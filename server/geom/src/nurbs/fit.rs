//! A cubic B-spline through a polyline's ends that follows its points to a tolerance: the
//! least-squares approximation of Piegl & Tiller (*The NURBS Book*, 9.4.1) with
//! chord-length parameters and knots placed where the data are, the control points
//! doubled until every point is within the tolerance.

use super::{NurbsCurve, basis_derivatives, find_span};
use crate::Point3;

const DEGREE: usize = 3;

/// A cubic fit of `points` (two or more) whose largest distance from them is at most
/// `tolerance`, with the first and last points interpolated; `None` when even one control
/// point per two data points does not reach it (or the points repeat). Returns the curve
/// and the largest deviation at the points.
pub fn fit_cubic(points: &[Point3], tolerance: f64) -> Option<(NurbsCurve, f64)> {
    let m = points.len();
    if m < 2 {
        return None;
    }
    let mut t = vec![0.0; m];
    for k in 1..m {
        t[k] = t[k - 1] + points[k].distance(points[k - 1]);
    }
    let total = t[m - 1];
    if total <= 0.0 {
        return None;
    }
    t.iter_mut().for_each(|x| *x /= total);
    let mut n = 4usize;
    loop {
        let n_eff = n.min(m.max(4));
        if let Some(fit) = least_squares(points, &t, n_eff).filter(|f| f.1 <= tolerance) {
            return Some(fit);
        }
        if n_eff >= (m / 2).max(4) {
            return None;
        }
        n = (n * 2).min((m / 2).max(4));
    }
}

/// The least-squares cubic with `n` control points (ends interpolated) and its largest
/// deviation at the data points.
fn least_squares(q: &[Point3], t: &[f64], n: usize) -> Option<(NurbsCurve, f64)> {
    let (m, p) = (q.len(), DEGREE);
    // Knots: clamped, internal ones at averaged data parameters (P&T eq. 9.68–9.69).
    let mut knots = vec![0.0; p + 1];
    let d = (m as f64 - 1.0) / (n - p) as f64;
    for j in 1..n - p {
        let i = (j as f64 * d).floor() as usize;
        let alpha = j as f64 * d - i as f64;
        let i = i.min(m - 2);
        knots.push((1.0 - alpha) * t[i] + alpha * t[i + 1]);
    }
    knots.extend([1.0; 4]);
    if knots.windows(2).any(|w| w[1] < w[0]) {
        return None;
    }
    // Normal equations for the inner control points 1 ..= n − 2: banded (a point sees
    // p + 1 consecutive basis functions), stored by row as the band left of the diagonal.
    let inner = n - 2;
    let mut ata = vec![[0.0; DEGREE + 1]; inner];
    let mut atr = vec![[0.0; 3]; inner];
    let (first, last) = (q[0], q[m - 1]);
    for k in 1..m - 1 {
        let span = find_span(n, p, t[k], &knots);
        let basis = basis_derivatives(span, t[k], p, 0, &knots);
        let row = basis.row(0);
        let mut r = q[k].to_array();
        for (j, &b) in row.iter().enumerate() {
            let index = span - p + j;
            if index == 0 {
                (0..3).for_each(|c| r[c] -= b * first.to_array()[c]);
            } else if index == n - 1 {
                (0..3).for_each(|c| r[c] -= b * last.to_array()[c]);
            }
        }
        for (j1, &b1) in row.iter().enumerate() {
            let i1 = span - p + j1;
            if i1 == 0 || i1 == n - 1 {
                continue;
            }
            for c in 0..3 {
                atr[i1 - 1][c] += b1 * r[c];
            }
            for (j2, &b2) in row.iter().enumerate() {
                let i2 = span - p + j2;
                if i2 == 0 || i2 == n - 1 || i2 > i1 {
                    continue;
                }
                ata[i1 - 1][i1 - i2] += b1 * b2;
            }
        }
    }
    let solution = band_cholesky_solve(&mut ata, &atr)?;
    let mut control = vec![first];
    control.extend(solution.iter().map(|&c| Point3::from_array(c)));
    control.push(last);
    let curve = NurbsCurve::new(p, &control, None, knots).ok()?;
    let worst = q
        .iter()
        .zip(t)
        .map(|(&x, &u)| curve.point_at(u).distance(x))
        .fold(0.0, f64::max);
    Some((curve, worst))
}

/// Solves `A X = B` for symmetric positive definite banded `A`, given by rows as
/// `a[i][d]` = `A[i][i − d]` (`d` up to the half-bandwidth), overwritten by its Cholesky
/// factor; `None` when it is not positive definite. Linear in the size.
fn band_cholesky_solve(a: &mut [[f64; DEGREE + 1]], b: &[[f64; 3]]) -> Option<Vec<[f64; 3]>> {
    let (n, w) = (a.len(), DEGREE);
    // L[i][j] for j in i − w ..= i, stored at a[i][i − j].
    for i in 0..n {
        for j in i.saturating_sub(w)..=i {
            let mut sum = a[i][i - j];
            for k in i.saturating_sub(w).max(j.saturating_sub(w))..j {
                sum -= a[i][i - k] * a[j][j - k];
            }
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                a[i][0] = sum.sqrt();
            } else {
                a[i][i - j] = sum / a[j][0];
            }
        }
    }
    let mut y = b.to_vec();
    let axpy = |y: &mut [[f64; 3]], i: usize, k: usize, f: f64| {
        let yk = y[k];
        y[i].iter_mut().zip(yk).for_each(|(yi, v)| *yi -= f * v);
    };
    for i in 0..n {
        for k in i.saturating_sub(w)..i {
            axpy(&mut y, i, k, a[i][i - k]);
        }
        y[i].iter_mut().for_each(|v| *v /= a[i][0]);
    }
    for i in (0..n).rev() {
        for k in i + 1..(i + w + 1).min(n) {
            axpy(&mut y, i, k, a[k][k - i]);
        }
        y[i].iter_mut().for_each(|v| *v /= a[i][0]);
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circle_is_fitted_within_the_tolerance_with_its_ends_kept() {
        let points: Vec<Point3> = (0..=400)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / 400.0;
                Point3::new(3.0 * a.cos(), 3.0 * a.sin(), 0.5)
            })
            .collect();
        let (curve, worst) = fit_cubic(&points, 1e-5).expect("fits");
        assert!(worst <= 1e-5, "{worst}");
        let (lo, hi) = curve.domain();
        assert!(curve.point_at(lo).distance(points[0]) < 1e-12);
        assert!(curve.point_at(hi).distance(points[400]) < 1e-12);
        // Between the data points too, it stays on the circle (to a little more).
        for k in 0..1000 {
            let p = curve.point_at(k as f64 / 1000.0);
            assert!((p.x.hypot(p.y) - 3.0).abs() < 5e-5, "{p:?}");
        }
        // Far fewer control points than data points.
        assert!(curve.control_points().len() < 100);
    }

    #[test]
    fn a_straight_polyline_needs_four_points_and_noise_cannot_be_fitted_tighter_than_it_is() {
        let line: Vec<Point3> = (0..50)
            .map(|k| Point3::new(k as f64, 2.0 * k as f64, 0.0))
            .collect();
        let (curve, worst) = fit_cubic(&line, 1e-9).expect("a line");
        assert_eq!(curve.control_points().len(), 4);
        assert!(worst < 1e-9);
        let zigzag: Vec<Point3> = (0..20)
            .map(|k| Point3::new(k as f64, if k % 2 == 0 { 0.0 } else { 1.0 }, 0.0))
            .collect();
        assert!(fit_cubic(&zigzag, 1e-6).is_none());
    }
}

//! B-spline basis functions: the knot span of a parameter and the non-zero basis functions
//! with their derivatives there (Piegl & Tiller A2.1 and A2.3).

use super::small::SmallBuf;

/// The knot span index `i` with `knots[i] <= u < knots[i + 1]` for a B-spline of `count`
/// control points and degree `p`, clamped to the domain `[knots[p], knots[count]]`: a `u` at
/// or past the end gives the last non-empty span (A2.1).
pub fn find_span(count: usize, p: usize, u: f64, knots: &[f64]) -> usize {
    let n = count - 1;
    if u >= knots[n + 1] {
        // The last span of non-zero length ending at the domain's end.
        let mut span = n;
        while span > p && knots[span] >= knots[n + 1] {
            span -= 1;
        }
        return span;
    }
    if u <= knots[p] {
        let mut span = p;
        while span < n && knots[span + 1] <= knots[p] {
            span += 1;
        }
        return span;
    }
    let (mut low, mut high) = (p, n + 1);
    let mut mid = (low + high) / 2;
    while u < knots[mid] || u >= knots[mid + 1] {
        if u < knots[mid] {
            high = mid;
        } else {
            low = mid;
        }
        mid = (low + high) / 2;
    }
    mid
}

/// The non-zero basis functions at one parameter and their derivatives: row `k` holds the
/// k-th derivatives of the `p + 1` functions `N_{span - p + j, p}`.
pub struct Basis {
    values: SmallBuf<f64, 32>,
    width: usize,
}

impl Basis {
    /// The k-th derivatives (row 0: the functions themselves).
    pub fn row(&self, k: usize) -> &[f64] {
        &self.values[k * self.width..(k + 1) * self.width]
    }

    /// Every row, from the functions up.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.values.chunks_exact(self.width)
    }
}

/// The `p + 1` non-zero basis functions at `u` in `span` and their derivatives up to order
/// `nd` (A2.3). Orders above `p` are zero. Allocates nothing up to degree 7 and order 3
/// (the buffers are zeroed on every call, so they are kept to that size).
pub fn basis_derivatives(span: usize, u: f64, p: usize, nd: usize, knots: &[f64]) -> Basis {
    let w = p + 1;
    // ndu[j * w + r]: lower triangle knot differences, upper triangle basis functions.
    let mut ndu: SmallBuf<f64, 64> = SmallBuf::new(w * w);
    let mut left: SmallBuf<f64, 8> = SmallBuf::new(w);
    let mut right: SmallBuf<f64, 8> = SmallBuf::new(w);
    ndu[0] = 1.0;
    for j in 1..=p {
        left[j] = u - knots[span + 1 - j];
        right[j] = knots[span + j] - u;
        let mut saved = 0.0;
        for r in 0..j {
            ndu[j * w + r] = right[r + 1] + left[j - r];
            let temp = ndu[r * w + j - 1] / ndu[j * w + r];
            ndu[r * w + j] = saved + right[r + 1] * temp;
            saved = left[j - r] * temp;
        }
        ndu[j * w + j] = saved;
    }
    let mut ders: SmallBuf<f64, 32> = SmallBuf::new((nd + 1) * w);
    for j in 0..=p {
        ders[j] = ndu[j * w + p];
    }
    // Two rows of coefficients, used alternately.
    let mut a: SmallBuf<f64, 16> = SmallBuf::new(2 * w);
    for r in 0..=p {
        let (mut s1, mut s2) = (0usize, w);
        a[0] = 1.0;
        for k in 1..=nd.min(p) {
            let mut d = 0.0;
            let rk = r as isize - k as isize;
            let pk = p - k;
            if r >= k {
                a[s2] = a[s1] / ndu[(pk + 1) * w + rk as usize];
                d = a[s2] * ndu[rk as usize * w + pk];
            }
            let j1 = if rk >= -1 { 1 } else { (-rk) as usize };
            let j2 = if r as isize - 1 <= pk as isize {
                k - 1
            } else {
                p - r
            };
            for j in j1..=j2 {
                let idx = (rk + j as isize) as usize;
                a[s2 + j] = (a[s1 + j] - a[s1 + j - 1]) / ndu[(pk + 1) * w + idx];
                d += a[s2 + j] * ndu[idx * w + pk];
            }
            if r <= pk {
                a[s2 + k] = -a[s1 + k - 1] / ndu[(pk + 1) * w + r];
                d += a[s2 + k] * ndu[r * w + pk];
            }
            ders[k * w + r] = d;
            std::mem::swap(&mut s1, &mut s2);
        }
    }
    // The k-th derivative carries the factor p! / (p - k)!.
    let mut factor = p as f64;
    for k in 1..=nd.min(p) {
        for d in &mut ders[k * w..(k + 1) * w] {
            *d *= factor;
        }
        factor *= (p - k) as f64;
    }
    Basis {
        values: ders,
        width: w,
    }
}

/// The largest degree [`basis_with_slope`] takes (its arrays are fixed); higher degrees go
/// through [`basis_derivatives`].
pub const FAST_DEGREE: usize = 7;

/// The `p + 1` non-zero basis functions at `u` in `span` (A2.2, in place) and their first
/// derivatives, read off the last step of the same triangle:
/// `N′_{i,p} = p (N_{i,p−1} / (u_{i+p} − u_i) − N_{i+1,p−1} / (u_{i+p+1} − u_{i+1}))`,
/// whose quotients that step computes anyway. The hot path of every point and Newton
/// frame: no buffers to clear, one division per function and degree. `p` at most
/// [`FAST_DEGREE`]; entries past `p` are zero.
#[inline]
pub fn basis_with_slope(span: usize, u: f64, p: usize, knots: &[f64]) -> ([f64; 8], [f64; 8]) {
    debug_assert!(p <= FAST_DEGREE);
    let (mut n, mut slope) = ([0.0; 8], [0.0; 8]);
    let (mut left, mut right) = ([0.0; 8], [0.0; 8]);
    n[0] = 1.0;
    for j in 1..=p {
        left[j] = u - knots[span + 1 - j];
        right[j] = knots[span + j] - u;
        let mut saved = 0.0;
        for r in 0..j {
            // Positive: the knots span at least the (non-empty) span's own interval.
            let quotient = n[r] / (right[r + 1] + left[j - r]);
            slope[r] = quotient;
            n[r] = saved + right[r + 1] * quotient;
            saved = left[j - r] * quotient;
        }
        n[j] = saved;
    }
    // slope[r] holds N_{r,p−1} / (knot difference) from the last step (degree p).
    let mut before = 0.0;
    for (r, d) in slope.iter_mut().enumerate().take(p + 1) {
        let here = if r < p { *d } else { 0.0 };
        *d = p as f64 * (before - here);
        before = here;
    }
    (n, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_with_slope_matches_the_general_algorithm() {
        // Degrees 0 to 5 on knot vectors with repeated inner knots, parameters across the
        // domain including its ends: the values and first derivatives of A2.3.
        for p in 0..=5 {
            let mut knots = vec![0.0; p + 1];
            knots.extend([0.7, 1.3, 1.3, 2.0, 3.5]);
            knots.extend(vec![4.0; p + 1]);
            let count = knots.len() - p - 1;
            for k in 0..=40 {
                let u = 4.0 * k as f64 / 40.0;
                let span = find_span(count, p, u, &knots);
                let (n, d) = basis_with_slope(span, u, p, &knots);
                let want = basis_derivatives(span, u, p, 1.min(p), &knots);
                for r in 0..=p {
                    assert!((n[r] - want.row(0)[r]).abs() < 1e-14, "p {p} u {u}");
                    let slope = if p == 0 { 0.0 } else { want.row(1)[r] };
                    assert!(
                        (d[r] - slope).abs() < 1e-12,
                        "p {p} u {u}: {} vs {slope}",
                        d[r]
                    );
                }
            }
        }
    }

    #[test]
    fn spans_of_a_clamped_cubic() {
        // The NURBS Book, Ex. 2.3: U = {0,0,0,1,2,3,4,4,5,5,5}, p = 2.
        let u = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0];
        assert_eq!(find_span(8, 2, 2.5, &u), 4);
        assert_eq!(find_span(8, 2, 0.0, &u), 2);
        assert_eq!(find_span(8, 2, 5.0, &u), 7);
        assert_eq!(find_span(8, 2, 4.0, &u), 7);
    }

    #[test]
    fn basis_is_a_partition_of_unity_with_book_values() {
        // The NURBS Book, Ex. 2.3: at u = 5/2, N_{2,2} = 1/8, N_{3,2} = 6/8, N_{4,2} = 1/8.
        let u = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0];
        let d = basis_derivatives(4, 2.5, 2, 2, &u);
        assert_eq!(d.row(0), [0.125, 0.75, 0.125]);
        // Derivatives of a partition of unity sum to zero.
        assert!(d.row(1).iter().sum::<f64>().abs() < 1e-15);
        assert!(d.row(2).iter().sum::<f64>().abs() < 1e-15);
        // Ex. 2.4: N'_{2,2}(5/2) = -1/2, N'_{3,2} = 0, N'_{4,2} = 1/2.
        assert_eq!(d.row(1), [-0.5, 0.0, 0.5]);
        assert_eq!(d.rows().count(), 3);
        // A degree past the inline buffers takes the heap path, same algorithm.
        let knots: Vec<f64> = [0.0; 18].into_iter().chain([1.0; 18]).collect();
        let d = basis_derivatives(17, 0.3, 17, 2, &knots);
        assert!((d.row(0).iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(d.row(1).iter().sum::<f64>().abs() < 1e-9);
    }
}

//! B-spline basis functions: the knot span of a parameter and the non-zero basis functions
//! with their derivatives there (Piegl & Tiller A2.1 and A2.3).

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

/// The `p + 1` non-zero basis functions at `u` in `span` and their derivatives up to order
/// `nd`: `ders[k][j]` is the k-th derivative of `N_{span - p + j, p}(u)` (A2.3). Orders above
/// `p` are zero.
pub fn basis_derivatives(span: usize, u: f64, p: usize, nd: usize, knots: &[f64]) -> Vec<Vec<f64>> {
    let mut ndu = vec![vec![0.0; p + 1]; p + 1];
    let mut left = vec![0.0; p + 1];
    let mut right = vec![0.0; p + 1];
    ndu[0][0] = 1.0;
    for j in 1..=p {
        left[j] = u - knots[span + 1 - j];
        right[j] = knots[span + j] - u;
        let mut saved = 0.0;
        for r in 0..j {
            // Lower triangle: knot differences; upper: basis functions.
            ndu[j][r] = right[r + 1] + left[j - r];
            let temp = ndu[r][j - 1] / ndu[j][r];
            ndu[r][j] = saved + right[r + 1] * temp;
            saved = left[j - r] * temp;
        }
        ndu[j][j] = saved;
    }
    let mut ders = vec![vec![0.0; p + 1]; nd + 1];
    for j in 0..=p {
        ders[0][j] = ndu[j][p];
    }
    let mut a = [vec![0.0; p + 1], vec![0.0; p + 1]];
    for r in 0..=p {
        let (mut s1, mut s2) = (0usize, 1usize);
        a[0][0] = 1.0;
        for k in 1..=nd.min(p) {
            let mut d = 0.0;
            let rk = r as isize - k as isize;
            let pk = p - k;
            if r >= k {
                a[s2][0] = a[s1][0] / ndu[pk + 1][rk as usize];
                d = a[s2][0] * ndu[rk as usize][pk];
            }
            let j1 = if rk >= -1 { 1 } else { (-rk) as usize };
            let j2 = if r as isize - 1 <= pk as isize {
                k - 1
            } else {
                p - r
            };
            for j in j1..=j2 {
                let idx = (rk + j as isize) as usize;
                a[s2][j] = (a[s1][j] - a[s1][j - 1]) / ndu[pk + 1][idx];
                d += a[s2][j] * ndu[idx][pk];
            }
            if r <= pk {
                a[s2][k] = -a[s1][k - 1] / ndu[pk + 1][r];
                d += a[s2][k] * ndu[r][pk];
            }
            ders[k][r] = d;
            std::mem::swap(&mut s1, &mut s2);
        }
    }
    // The k-th derivative carries the factor p! / (p - k)!.
    let mut factor = p as f64;
    for (k, row) in ders.iter_mut().enumerate().take(nd.min(p) + 1).skip(1) {
        for d in row.iter_mut() {
            *d *= factor;
        }
        factor *= (p - k) as f64;
    }
    ders
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(d[0], vec![0.125, 0.75, 0.125]);
        // Derivatives of a partition of unity sum to zero.
        assert!(d[1].iter().sum::<f64>().abs() < 1e-15);
        assert!(d[2].iter().sum::<f64>().abs() < 1e-15);
        // Ex. 2.4: N'_{2,2}(5/2) = -1/2, N'_{3,2} = 0, N'_{4,2} = 1/2.
        assert_eq!(d[1], vec![-0.5, 0.0, 0.5]);
    }
}

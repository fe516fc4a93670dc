//! Rational B-splines (NURBS): curves and surfaces, their evaluation and derivatives, knot
//! insertion, splitting, closest points and arc length.
//!
//! The algorithms are those of Piegl & Tiller, *The NURBS Book* (2nd ed., 1997): A2.1
//! (FindSpan), A2.3 (DersBasisFuns), A3.2/A3.6 (derivatives of the homogeneous curve and
//! surface), A4.2/A4.4 (rational derivatives by the quotient rule), A5.1 (knot insertion).
//! Control points are kept homogeneous (`[w·x, w·y, w·z, w]`) so that every operation is a
//! polynomial B-spline operation in 4D followed by one projection.
//!
//! Knot vectors are full (`n + p + 1` knots for `n` control points of degree `p`); the
//! domain is `[knots[p], knots[n]]`, which need not be clamped.

mod basis;
mod curve;
mod fit;
mod small;
mod surface;

pub use basis::{Basis, FAST_DEGREE, basis_derivatives, basis_with_slope, find_span};
pub use curve::NurbsCurve;
pub use fit::fit_cubic;
pub use surface::NurbsSurface;
pub(crate) use surface::unit_normal;

/// Why a NURBS could not be built from its parts.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NurbsError {
    /// Degree 0.
    #[error("degree must be at least 1")]
    ZeroDegree,
    /// Fewer than `degree + 1` control points.
    #[error("{points} control points are too few for degree {degree}")]
    TooFewPoints {
        /// Control points given.
        points: usize,
        /// The degree.
        degree: usize,
    },
    /// The knot count is not `n + p + 1`.
    #[error("{got} knots; need {expected} (n + p + 1)")]
    KnotCount {
        /// Knots given.
        got: usize,
        /// Knots needed.
        expected: usize,
    },
    /// Knots decrease or are not finite.
    #[error("knots must be finite and non-decreasing (at index {0})")]
    BadKnots(usize),
    /// `knots[p] >= knots[n]`.
    #[error("the knot vector leaves an empty domain")]
    EmptyDomain,
    /// Weights missing, extra, not finite or not positive.
    #[error("weight {0} is not a positive finite number, or the count is wrong")]
    BadWeight(usize),
    /// `count_u * count_v` differs from the number of points.
    #[error("{points} control points for a {count_u} x {count_v} net")]
    NetSize {
        /// Points given.
        points: usize,
        /// Net size along u.
        count_u: usize,
        /// Net size along v.
        count_v: usize,
    },
}

/// Checks degree, knot count and order, and domain for one direction.
fn check_knots(degree: usize, count: usize, knots: &[f64]) -> Result<(), NurbsError> {
    if degree == 0 {
        return Err(NurbsError::ZeroDegree);
    }
    if count < degree + 1 {
        return Err(NurbsError::TooFewPoints {
            points: count,
            degree,
        });
    }
    if knots.len() != count + degree + 1 {
        return Err(NurbsError::KnotCount {
            got: knots.len(),
            expected: count + degree + 1,
        });
    }
    if let Some(i) = knots.iter().position(|k| !k.is_finite()) {
        return Err(NurbsError::BadKnots(i));
    }
    if let Some(i) = knots.windows(2).position(|w| w[1] < w[0]) {
        return Err(NurbsError::BadKnots(i + 1));
    }
    if knots[degree] >= knots[count] {
        return Err(NurbsError::EmptyDomain);
    }
    Ok(())
}

/// A local origin (the centre of the points' bounds) and the homogeneous control points
/// relative to it, from Euclidean points and optional weights.
fn homogeneous(
    points: &[crate::Point3],
    weights: Option<&[f64]>,
) -> Result<(crate::Point3, Vec<[f64; 4]>), NurbsError> {
    if let Some(w) = weights
        && w.len() != points.len()
    {
        return Err(NurbsError::BadWeight(w.len().min(points.len())));
    }
    let bounds: crate::Aabb = points.iter().copied().collect();
    let origin = if bounds.is_empty() {
        crate::Point3::default()
    } else {
        bounds.center()
    };
    let relative = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let w = weights.map_or(1.0, |w| w[i]);
            if !(w.is_finite() && w > 0.0) {
                return Err(NurbsError::BadWeight(i));
            }
            let d = *p - origin;
            Ok([d.x * w, d.y * w, d.z * w, w])
        })
        .collect::<Result<_, _>>()?;
    Ok((origin, relative))
}

/// Binomial coefficient for the small `n` of derivative orders.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

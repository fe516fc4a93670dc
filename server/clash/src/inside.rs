//! Whether a point lies inside a closed mesh: the generalised winding number (the solid
//! angle the surface subtends at the point over 4π; Jacobson et al. 2013), which is ±1
//! inside and 0 outside a closed surface and needs no ray and no tie-breaking.

use cicada_geom::Point3;

/// The winding number of the triangles about `p` (Van Oosterom & Strackee's solid angle
/// per triangle).
pub fn winding_number(triangles: &[[Point3; 3]], p: Point3) -> f64 {
    let total: f64 = triangles
        .iter()
        .map(|t| {
            let [a, b, c] = t.map(|v| v - p);
            let (la, lb, lc) = (a.length(), b.length(), c.length());
            let numerator = a.dot(b.cross(c));
            let denominator = la * lb * lc + a.dot(b) * lc + a.dot(c) * lb + b.dot(c) * la;
            2.0 * numerator.atan2(denominator)
        })
        .sum();
    total / (4.0 * std::f64::consts::PI)
}

/// True when `p` is inside the closed surface `triangles` (either orientation).
pub fn is_inside(triangles: &[[Point3; 3]], p: Point3) -> bool {
    winding_number(triangles, p).abs() > 0.5
}

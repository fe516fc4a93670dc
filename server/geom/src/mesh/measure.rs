//! Area and enclosed volume of meshes.
//!
//! Volume is the divergence theorem summed over triangles, taken about the bounding-box
//! centre rather than the world origin: a building at x = 500 000 m would otherwise lose
//! about ten digits to cancellation.

use super::Mesh;
use crate::vec3::Point3;

/// Area of face `f`; a quad is split into triangles `a, b, c` and `a, c, d`.
pub fn face_area(mesh: &Mesh, f: usize) -> f64 {
    let p: Vec<Point3> = mesh.corner_points(f).collect();
    let tri = |a: Point3, b: Point3, c: Point3| (b - a).cross(c - a).length() * 0.5;
    match p.len() {
        3 => tri(p[0], p[1], p[2]),
        _ => tri(p[0], p[1], p[2]) + tri(p[0], p[2], p[3]),
    }
}

/// Signed volume enclosed by the faces: positive when they face outwards. Meaningful only
/// for a closed, consistently oriented mesh.
pub fn signed_volume(mesh: &Mesh) -> f64 {
    let bbox = mesh.bounding_box();
    if bbox.is_empty() {
        return 0.0;
    }
    let origin = bbox.center();
    let mut six_v = 0.0;
    for f in 0..mesh.faces().len() {
        let p: Vec<_> = mesh.corner_points(f).map(|q| q - origin).collect();
        six_v += p[0].dot(p[1].cross(p[2]));
        if p.len() == 4 {
            six_v += p[0].dot(p[2].cross(p[3]));
        }
    }
    six_v / 6.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit cube of six outward quads, offset by `at` in x and y.
    fn cube(at: f64) -> Mesh {
        Mesh::axis_aligned_box(
            Point3::new(at, at, 0.0),
            Point3::new(at + 1.0, at + 1.0, 1.0),
        )
    }

    #[test]
    fn unit_cube_has_volume_one_and_area_six() {
        let m = cube(0.0);
        assert!((signed_volume(&m) - 1.0).abs() < 1e-15);
        let area: f64 = (0..6).map(|f| face_area(&m, f)).sum();
        assert!((area - 6.0).abs() < 1e-15);
    }

    #[test]
    fn far_from_origin_volume_keeps_its_digits() {
        // Closed form: the same unit cube, 500 km away.
        assert!((signed_volume(&cube(500_000.0)) - 1.0).abs() < 1e-9);
    }
}

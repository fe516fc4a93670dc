//! Sensors from meshes: one per face (at its centroid) or one per vertex.

use cicada_geom::mesh::face_area;
use cicada_geom::{Mesh, Point3, Vector3};

/// A point that collects sunlight, facing along its normal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sensor {
    /// Where rays start (already moved off the surface by the offset).
    pub position: Point3,
    /// Unit normal; zero for a degenerate face, which then sees nothing.
    pub normal: Vector3,
    /// Area the sensor stands for, model units², for area-weighted statistics.
    pub area: f64,
}

/// The unit normal of face `f` by Newell's method (robust for non-planar quads); zero when
/// the face has no area.
fn face_normal(mesh: &Mesh, f: usize) -> Vector3 {
    let corners: Vec<Point3> = mesh.corner_points(f).collect();
    let mut n = Vector3::default();
    for k in 0..corners.len() {
        let (a, b) = (corners[k], corners[(k + 1) % corners.len()]);
        n.x += (a.y - b.y) * (a.z + b.z);
        n.y += (a.z - b.z) * (a.x + b.x);
        n.z += (a.x - b.x) * (a.y + b.y);
    }
    let len = n.length();
    if len > 0.0 && len.is_finite() {
        n / len
    } else {
        Vector3::default()
    }
}

/// One sensor per face, at the face's area centroid moved `offset` along its normal.
pub fn face_sensors(mesh: &Mesh, offset: f64) -> Vec<Sensor> {
    let p = mesh.positions();
    (0..mesh.faces().len())
        .map(|f| {
            let normal = face_normal(mesh, f);
            let c = mesh.corners(f);
            // Area centroid: triangles a-b-c and a-c-d weighted by area.
            let tri = |i: usize, j: usize, k: usize| {
                let (a, b, c) = (p[c[i] as usize], p[c[j] as usize], p[c[k] as usize]);
                let area = (b - a).cross(c - a).length() / 2.0;
                let centre = Point3::new(
                    (a.x + b.x + c.x) / 3.0,
                    (a.y + b.y + c.y) / 3.0,
                    (a.z + b.z + c.z) / 3.0,
                );
                (area, centre)
            };
            let parts = if c.len() == 4 {
                vec![tri(0, 1, 2), tri(0, 2, 3)]
            } else {
                vec![tri(0, 1, 2)]
            };
            let area: f64 = parts.iter().map(|(a, _)| a).sum();
            let centroid = if area > 0.0 {
                let mut s = Vector3::default();
                for (a, q) in &parts {
                    s += Vector3::new(q.x, q.y, q.z) * *a;
                }
                Point3::new(s.x / area, s.y / area, s.z / area)
            } else {
                parts[0].1
            };
            Sensor {
                position: centroid + normal * offset,
                normal,
                area: face_area(mesh, f),
            }
        })
        .collect()
}

/// One sensor per used vertex, with the area-weighted mean normal of its faces and a third
/// of their triangle area; unused vertices get a zero normal and area.
pub fn vertex_sensors(mesh: &Mesh, offset: f64) -> Vec<Sensor> {
    let p = mesh.positions();
    let mut normals = vec![Vector3::default(); p.len()];
    let mut areas = vec![0.0; p.len()];
    for f in 0..mesh.faces().len() {
        let n = face_normal(mesh, f);
        let a = face_area(mesh, f);
        let c = mesh.corners(f);
        for &v in c {
            normals[v as usize] += n * a;
            areas[v as usize] += a / c.len() as f64;
        }
    }
    p.iter()
        .zip(normals)
        .zip(areas)
        .map(|((&q, n), area)| {
            let len = n.length();
            let normal = if len > 0.0 {
                n / len
            } else {
                Vector3::default()
            };
            Sensor {
                position: q + normal * offset,
                normal,
                area,
            }
        })
        .collect()
}

//! False-colour meshes of sunlight results: each sensor's value mapped through the legend's
//! Ladybug colour set, written as a binary PLY with vertex colours (Rhino, Blender and
//! MeshLab import it).

use cicada_protocol::{Legend, SensorGrid};

/// Ladybug's colour sets by name (`ladybug.color.Colorset`), lowest value first.
pub fn colorset(name: &str) -> Option<&'static [[u8; 3]]> {
    const ECOTECT: [[u8; 3]; 11] = [
        [0, 0, 255],
        [53, 0, 202],
        [107, 0, 148],
        [160, 0, 95],
        [214, 0, 41],
        [255, 12, 0],
        [255, 66, 0],
        [255, 119, 0],
        [255, 173, 0],
        [255, 226, 0],
        [255, 255, 0],
    ];
    const ORIGINAL: [[u8; 3]; 10] = [
        [75, 107, 169],
        [115, 147, 202],
        [170, 200, 247],
        [193, 213, 208],
        [245, 239, 103],
        [252, 230, 74],
        [239, 156, 21],
        [234, 123, 0],
        [234, 74, 0],
        [234, 38, 0],
    ];
    match name {
        "ecotect" => Some(&ECOTECT),
        "original" => Some(&ORIGINAL),
        _ => None,
    }
}

/// The colour of `value` on `legend`'s scale: linear between the colour set's stops, clamped
/// at the ends; the middle stop for a scale of zero width.
pub fn colour_of(value: f64, legend: &Legend) -> [u8; 3] {
    let stops = colorset(&legend.colorset).unwrap_or_else(|| colorset("original").unwrap_or(&[]));
    if stops.is_empty() {
        return [128, 128, 128];
    }
    let span = legend.max - legend.min;
    let t = if span > 0.0 && value.is_finite() {
        ((value - legend.min) / span).clamp(0.0, 1.0)
    } else {
        0.5
    };
    let x = t * (stops.len() - 1) as f64;
    let k = (x.floor() as usize).min(stops.len() - 2);
    let f = x - k as f64;
    let (a, b) = (stops[k], stops[k + 1]);
    [0, 1, 2].map(|c| (f64::from(a[c]) + (f64::from(b[c]) - f64::from(a[c])) * f).round() as u8)
}

/// A binary little-endian PLY of the analysis mesh coloured by `values` (one per sensor):
/// per-face values give every face its own corners so it shows one flat colour; per-vertex
/// values colour the vertices. Coordinates are written in f64, so georeferenced models keep
/// their precision.
pub fn false_colour_ply(grid: &SensorGrid, values: &[f64], legend: &Legend) -> Vec<u8> {
    let mesh = &grid.mesh;
    let mut vertices: Vec<([f64; 3], [u8; 3])> = Vec::new();
    let mut faces: Vec<Vec<u32>> = Vec::new();
    for (f, face) in mesh.faces.iter().enumerate() {
        let corners = face.corners();
        if grid.by_vertex {
            faces.push(corners.to_vec());
        } else {
            let colour = colour_of(values.get(f).copied().unwrap_or(f64::NAN), legend);
            let base = vertices.len() as u32;
            for &c in corners {
                let p = mesh.vertices.get(c as usize).copied().unwrap_or_default();
                vertices.push((p, colour));
            }
            faces.push((0..corners.len() as u32).map(|k| base + k).collect());
        }
    }
    if grid.by_vertex {
        vertices = mesh
            .vertices
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                (
                    p,
                    colour_of(values.get(i).copied().unwrap_or(f64::NAN), legend),
                )
            })
            .collect();
    }
    let mut out = format!(
        "ply\nformat binary_little_endian 1.0\ncomment Cicada {} ({}), {} to {}\n\
         element vertex {}\nproperty double x\nproperty double y\nproperty double z\n\
         property uchar red\nproperty uchar green\nproperty uchar blue\n\
         element face {}\nproperty list uchar uint vertex_indices\nend_header\n",
        legend.title,
        legend.units,
        legend.min,
        legend.max,
        vertices.len(),
        faces.len()
    )
    .into_bytes();
    for (p, c) in &vertices {
        for x in p {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(c);
    }
    for f in &faces {
        out.push(f.len() as u8);
        for i in f {
            out.extend_from_slice(&i.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_protocol::{Face, Mesh, Packed};

    fn legend() -> Legend {
        Legend {
            title: "Direct sun hours".into(),
            units: "h".into(),
            min: 0.0,
            max: 10.0,
            steps: 10,
            colorset: "ecotect".into(),
        }
    }

    #[test]
    fn ends_of_the_scale_take_the_end_colours() {
        let l = legend();
        assert_eq!(colour_of(0.0, &l), [0, 0, 255]);
        assert_eq!(colour_of(10.0, &l), [255, 255, 0]);
        assert_eq!(colour_of(99.0, &l), [255, 255, 0]);
        // Halfway sits on the sixth of eleven stops.
        assert_eq!(colour_of(5.0, &l), [255, 12, 0]);
    }

    #[test]
    fn per_face_ply_gives_each_face_its_own_corners() {
        let grid = SensorGrid {
            mesh: Mesh {
                vertices: Packed(vec![
                    [0.0; 3],
                    [1.0, 0.0, 0.0],
                    [1.0, 1.0, 0.0],
                    [0.0, 1.0, 0.0],
                ]),
                faces: Packed(vec![Face::triangle(0, 1, 2), Face::triangle(0, 2, 3)]),
                ..Mesh::default()
            },
            ..SensorGrid::default()
        };
        let ply = false_colour_ply(&grid, &[0.0, 10.0], &legend());
        let text = String::from_utf8_lossy(&ply);
        assert!(text.contains("element vertex 6\n") && text.contains("element face 2\n"));
        let header = text.find("end_header\n").unwrap() + "end_header\n".len();
        // 6 vertices of 3 doubles and 3 colour bytes, 2 faces of a count byte and 3 indices.
        assert_eq!(ply.len() - header, 6 * 27 + 2 * 13);
        // The second face's first corner is yellow.
        assert_eq!(
            &ply[header + 3 * 27 + 24..header + 3 * 27 + 27],
            &[255, 255, 0]
        );
    }
}

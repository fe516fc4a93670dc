//! Mesh repair: weld coincident vertices, drop degenerate faces, split quads, orient faces
//! consistently (and outwards when closed), compute vertex normals.
//!
//! Each operation returns a new mesh (or data) and leaves its input alone, so a caller can
//! chain them in the order it wants: weld first (it creates the shared edges the others
//! need), then drop degenerate faces, then orient.

use std::collections::VecDeque;

use super::{EdgeTable, Mesh, coincident_vertex_groups, signed_volume};
use crate::vec3::{Point3, Vector3};

/// Merges vertices within `tolerance` of each other (chains merge, as in Rhino's weld) into
/// the lowest index of each group and drops vertices no face uses. Faces that collapse keep
/// their repeated indices; [`drop_degenerate`] removes them.
pub fn weld(mesh: &Mesh, tolerance: f64) -> Mesh {
    let n = mesh.positions().len();
    let mut target: Vec<u32> = (0..n as u32).collect();
    for group in coincident_vertex_groups(mesh.positions(), tolerance) {
        for &v in &group[1..] {
            target[v as usize] = group[0];
        }
    }
    let faces: Vec<[u32; 4]> = mesh
        .faces()
        .iter()
        .map(|f| f.map(|i| target[i as usize]))
        .collect();
    compact(mesh, faces)
}

/// Keeps only the vertices the faces use, renumbered in their original order.
fn compact(mesh: &Mesh, faces: Vec<[u32; 4]>) -> Mesh {
    let mut used = vec![false; mesh.positions().len()];
    for f in &faces {
        for &i in f {
            used[i as usize] = true;
        }
    }
    let mut new_index = vec![u32::MAX; used.len()];
    let mut positions = Vec::new();
    for (i, &u) in used.iter().enumerate() {
        if u {
            new_index[i] = positions.len() as u32;
            positions.push(mesh.positions()[i]);
        }
    }
    let faces = faces
        .into_iter()
        .map(|f| f.map(|i| new_index[i as usize]))
        .collect();
    Mesh { positions, faces }
}

/// Removes faces with a repeated corner or thinner than `tolerance` (height over the longest
/// edge), then unused vertices. A quad with one repeated corner becomes the triangle it is.
pub fn drop_degenerate(mesh: &Mesh, tolerance: f64) -> Mesh {
    let mut faces = Vec::with_capacity(mesh.faces().len());
    for f in 0..mesh.faces().len() {
        let mut corners: Vec<u32> = mesh.corners(f).to_vec();
        corners.dedup();
        if corners.len() > 1 && corners.first() == corners.last() {
            corners.pop();
        }
        let face = match corners[..] {
            [a, b, c] if a != c => [a, b, c, c],
            [a, b, c, d] => [a, b, c, d],
            _ => continue,
        };
        let p: Vec<Point3> = face[..if face[2] == face[3] { 3 } else { 4 }]
            .iter()
            .map(|&i| mesh.positions()[i as usize])
            .collect();
        let area = polygon_area(&p);
        let longest = (0..p.len())
            .map(|i| p[i].distance(p[(i + 1) % p.len()]))
            .fold(0.0, f64::max);
        if longest > 0.0 && area > 0.0 && 2.0 * area / longest >= tolerance {
            faces.push(face);
        }
    }
    compact(mesh, faces)
}

/// Area of a triangle or a quad split along a–c (as `face_area` measures it).
fn polygon_area(p: &[Point3]) -> f64 {
    let tri = |a: Point3, b: Point3, c: Point3| (b - a).cross(c - a).length() * 0.5;
    match p.len() {
        3 => tri(p[0], p[1], p[2]),
        _ => tri(p[0], p[1], p[2]) + tri(p[0], p[2], p[3]),
    }
}

/// Splits every quad into two triangles along its shorter diagonal (the better-shaped pair).
pub fn split_quads(mesh: &Mesh) -> Mesh {
    let p = mesh.positions();
    let mut faces = Vec::with_capacity(mesh.faces().len() * 2);
    for &[a, b, c, d] in mesh.faces() {
        if c == d {
            faces.push([a, b, c, c]);
        } else if p[a as usize].distance_squared(p[c as usize])
            <= p[b as usize].distance_squared(p[d as usize])
        {
            faces.push([a, b, c, c]);
            faces.push([a, c, d, d]);
        } else {
            faces.push([a, b, d, d]);
            faces.push([b, c, d, d]);
        }
    }
    Mesh {
        positions: p.to_vec(),
        faces,
    }
}

fn flipped(face: [u32; 4]) -> [u32; 4] {
    let [a, b, c, d] = face;
    if c == d { [a, c, b, b] } else { [a, d, c, b] }
}

/// Flips faces so that neighbours across every two-face edge walk it in opposite directions,
/// component by component (breadth-first from each component's first face); then flips
/// closed components whose volume comes out negative, so their normals point outwards.
/// Returns the mesh and the number of faces flipped. Non-orientable pieces (a Möbius strip)
/// keep the best orientation the walk finds.
pub fn orient(mesh: &Mesh) -> (Mesh, usize) {
    let edges = EdgeTable::new(mesh);
    let nf = mesh.faces().len();
    let mut neighbours: Vec<Vec<(u32, bool)>> = vec![Vec::new(); nf];
    for (_, uses) in edges.iter() {
        if let [x, y] = uses {
            // Consistent when the two faces walk the edge in opposite directions.
            let same_direction = x.forward == y.forward;
            neighbours[x.face as usize].push((y.face, same_direction));
            neighbours[y.face as usize].push((x.face, same_direction));
        }
    }
    let mut flip = vec![false; nf];
    let mut seen = vec![false; nf];
    let mut faces = mesh.faces().to_vec();
    let mut flips = 0;
    for start in 0..nf {
        if seen[start] {
            continue;
        }
        let mut component = vec![start];
        seen[start] = true;
        let mut queue = VecDeque::from([start]);
        while let Some(f) = queue.pop_front() {
            for &(g, same_direction) in &neighbours[f] {
                let g = g as usize;
                if !seen[g] {
                    seen[g] = true;
                    // g must be flipped relative to f when they walk the edge the same way.
                    flip[g] = flip[f] ^ same_direction;
                    component.push(g);
                    queue.push_back(g);
                }
            }
        }
        for &f in &component {
            if flip[f] {
                faces[f] = flipped(faces[f]);
            }
        }
        // A closed piece should enclose positive volume.
        let piece = Mesh {
            positions: mesh.positions().to_vec(),
            faces: component.iter().map(|&f| faces[f]).collect(),
        };
        let closed = EdgeTable::new(&piece)
            .iter()
            .all(|(_, uses)| uses.len() == 2);
        if closed && signed_volume(&piece) < 0.0 {
            for &f in &component {
                faces[f] = flipped(faces[f]);
                flip[f] = !flip[f];
            }
        }
        flips += component.iter().filter(|&&f| flip[f]).count();
    }
    (
        Mesh {
            positions: mesh.positions().to_vec(),
            faces,
        },
        flips,
    )
}

/// Area-weighted vertex normals (unit; zero for a vertex of only degenerate faces).
pub fn vertex_normals(mesh: &Mesh) -> Vec<Vector3> {
    let mut normals = vec![Vector3::default(); mesh.positions().len()];
    for f in 0..mesh.faces().len() {
        // Twice the area vector of the polygon (Newell's method, which also suits non-planar
        // quads), about the first corner so that far-away coordinates do not cancel.
        let p: Vec<Vector3> = {
            let corners: Vec<Point3> = mesh.corner_points(f).collect();
            corners.iter().map(|&q| q - corners[0]).collect()
        };
        let mut n = Vector3::default();
        for i in 0..p.len() {
            n += p[i].cross(p[(i + 1) % p.len()]);
        }
        for &v in mesh.corners(f) {
            normals[v as usize] += n;
        }
    }
    normals
        .into_iter()
        .map(|n| {
            let len = n.length();
            if len > 0.0 { n / len } else { n }
        })
        .collect()
}

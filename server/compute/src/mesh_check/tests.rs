//! Closed-form cases: a cube, a tetrahedron, an octahedron and deliberate defects.

use super::*;
use crate::progress::NoProgress;
use cicada_geom::Point3;

fn params() -> Params {
    Params {
        tolerance: 1e-6,
        max_listed: 100,
        self_intersections: true,
    }
}

fn check(points: &[[f64; 3]], faces: &[[u32; 4]]) -> MeshCheck {
    let mesh = Mesh::new(
        points.iter().map(|&p| Point3::from_array(p)).collect(),
        faces.to_vec(),
    )
    .unwrap();
    check_mesh(&mesh, &params(), &NoProgress).unwrap()
}

fn cube_points(size: f64, at: [f64; 3]) -> Vec<[f64; 3]> {
    (0..8)
        .map(|i| {
            [
                at[0] + size * (i & 1) as f64,
                at[1] + size * ((i >> 1) & 1) as f64,
                at[2] + size * ((i >> 2) & 1) as f64,
            ]
        })
        .collect()
}

const CUBE_QUADS: [[u32; 4]; 6] = [
    [0, 2, 3, 1],
    [4, 5, 7, 6],
    [0, 1, 5, 4],
    [2, 6, 7, 3],
    [0, 4, 6, 2],
    [1, 3, 7, 5],
];

#[test]
fn cube_of_quads_is_closed_with_volume_a_cubed() {
    let r = check(
        &cube_points(2.0, [500_000.0, 4_100_000.0, 0.0]),
        &CUBE_QUADS,
    );
    assert_eq!(
        (r.vertex_count, r.face_count, r.quad_count, r.edge_count),
        (8, 6, 6, 12)
    );
    assert!(r.is_closed && r.is_oriented && r.is_manifold);
    assert_eq!(r.components, 1);
    assert_eq!(r.self_intersecting_pair_count, Some(0));
    // Closed form: V = a^3 = 8, A = 6 a^2 = 24.
    assert!((r.volume.unwrap() - 8.0).abs() < 1e-9);
    assert!((r.area - 24.0).abs() < 1e-9);
    let b = r.bounding_box.unwrap();
    assert_eq!(b.min, Point3::new(500_000.0, 4_100_000.0, 0.0));
    assert_eq!(b.max, Point3::new(500_002.0, 4_100_002.0, 2.0));
}

#[test]
fn tetrahedron_volume_is_one_sixth() {
    let p = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
    ];
    let f = [[0, 2, 1, 1], [0, 1, 3, 3], [0, 3, 2, 2], [1, 2, 3, 3]];
    let r = check(&p, &f);
    assert!(r.is_closed && r.is_oriented);
    assert!((r.volume.unwrap() - 1.0 / 6.0).abs() < 1e-15);
    // Three right triangles of area 1/2 and one equilateral of side sqrt(2): sqrt(3)/2.
    assert!((r.area - (1.5 + 3f64.sqrt() / 2.0)).abs() < 1e-14);
}

#[test]
fn inward_octahedron_has_negative_volume() {
    let p = [
        [1.0, 0.0, 0.0],
        [-1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, -1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 0.0, -1.0],
    ];
    // Faces wound clockwise seen from outside: every normal points in.
    let f = [
        [0, 4, 2, 2],
        [2, 4, 1, 1],
        [1, 4, 3, 3],
        [3, 4, 0, 0],
        [0, 2, 5, 5],
        [2, 1, 5, 5],
        [1, 3, 5, 5],
        [3, 0, 5, 5],
    ];
    let r = check(&p, &f);
    assert!(r.is_closed && r.is_oriented);
    // Closed form: the octahedron |x|+|y|+|z| <= 1 has volume 4/3.
    assert!((r.volume.unwrap() + 4.0 / 3.0).abs() < 1e-15);
}

#[test]
fn flipped_face_is_found_and_volume_withheld() {
    let mut faces = CUBE_QUADS;
    faces[0] = [0, 1, 3, 2];
    let r = check(&cube_points(1.0, [0.0; 3]), &faces);
    assert!(r.is_closed && !r.is_oriented);
    assert_eq!(r.misoriented_edge_count, 4);
    assert_eq!(r.volume, None);
}

#[test]
fn open_box_has_four_naked_edges() {
    let r = check(&cube_points(1.0, [0.0; 3]), &CUBE_QUADS[1..]);
    assert!(!r.is_closed && r.is_oriented);
    assert_eq!(r.naked_edge_count, 4);
    // The missing bottom face z = 0 had corners 0, 1, 2, 3.
    assert_eq!(r.naked_edges, vec![[0, 1], [0, 2], [1, 3], [2, 3]]);
    assert_eq!(r.volume, None);
}

#[test]
fn three_faces_on_one_edge_are_non_manifold() {
    let p = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.5, 1.0, 0.0],
        [0.5, -1.0, 0.0],
        [0.5, 0.0, 1.0],
    ];
    let f = [[0, 1, 2, 2], [1, 0, 3, 3], [0, 1, 4, 4]];
    let r = check(&p, &f);
    assert!(!r.is_manifold && !r.is_closed);
    assert_eq!(r.non_manifold_edges, vec![[0, 1]]);
    assert_eq!(r.components, 1);
}

#[test]
fn degenerate_coincident_unused_and_pieces() {
    let p = [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [2.0, 0.0, 0.0],  // 3: collinear sliver with 0 and 1
        [5.0, 5.0, 5.0],  // 4: unused
        [1.0, 0.0, 1e-7], // 5: within 1e-6 of vertex 1
        [3.0, 3.0, 0.0],
        [4.0, 3.0, 0.0],
    ];
    let f = [[0, 1, 2, 2], [0, 1, 3, 3], [1, 1, 2, 2], [5, 6, 7, 7]];
    let r = check(&p, &f);
    assert_eq!(r.degenerate_faces, vec![1, 2]);
    assert_eq!(r.coincident_vertex_groups, vec![vec![1, 5]]);
    assert_eq!(r.unused_vertex_count, 1);
    // Faces 0 and 1 share edge 0-1; face 2 shares 1-2 with face 0; face 3 stands alone.
    assert_eq!(r.components, 2);
}

#[test]
fn overlapping_cubes_in_one_mesh_cross_in_six_face_pairs() {
    // Cubes [0, 2]³ and [1, 3]³: each of the first's faces x, y, z = 2 crosses two of the
    // second's faces x, y, z = 1 (the other one is parallel), and nothing else meets.
    let mut points = cube_points(2.0, [0.0; 3]);
    points.extend(cube_points(2.0, [1.0; 3]));
    let mut faces = CUBE_QUADS.to_vec();
    faces.extend(CUBE_QUADS.iter().map(|f| f.map(|i| i + 8)));
    let r = check(&points, &faces);
    assert_eq!(r.self_intersecting_pair_count, Some(6));
    for [f, g] in &r.self_intersecting_pairs {
        assert!(*f < 6 && *g >= 6, "one face of each cube: {f}, {g}");
    }
    let mesh = Mesh::new(
        points.iter().map(|&p| Point3::from_array(p)).collect(),
        faces,
    )
    .unwrap();
    let skipped = Params {
        self_intersections: false,
        ..params()
    };
    let r = check_mesh(&mesh, &skipped, &NoProgress).unwrap();
    assert_eq!(r.self_intersecting_pair_count, None);
}

#[test]
fn empty_mesh_is_not_closed() {
    let r = check(&[], &[]);
    assert!(!r.is_closed);
    assert_eq!(r.bounding_box, None);
    assert_eq!(r.components, 0);
}

#[test]
fn cancelled_job_stops() {
    struct Stop;
    impl Progress for Stop {
        fn report(&self, _: f32, _: &str) {}
        fn is_cancelled(&self) -> bool {
            true
        }
    }
    let mesh = Mesh::new(vec![], vec![]).unwrap();
    assert_eq!(mesh_check(&[mesh], &params(), &Stop), Err(Cancelled));
}

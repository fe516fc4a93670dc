//! Mesh repair against closed forms: a cube of six separate quads welds into the closed,
//! outward unit cube (volume 1, 8 vertices, 12 edges), at the origin and 500 km away.

use cicada_geom::mesh::repair::{drop_degenerate, orient, split_quads, vertex_normals, weld};
use cicada_geom::mesh::{EdgeTable, signed_volume};
use cicada_geom::{Mesh, Point3};

/// Six quads with their own 4 vertices each (24 in all), as exported "unwelded"; faces
/// listed in `flip` are wound inwards.
fn loose_cube(at: [f64; 3], flip: &[usize]) -> Mesh {
    let corner = |i: u32| {
        Point3::new(
            at[0] + (i & 1) as f64,
            at[1] + ((i >> 1) & 1) as f64,
            at[2] + ((i >> 2) & 1) as f64,
        )
    };
    let quads = [
        [0, 2, 3, 1],
        [4, 5, 7, 6],
        [0, 1, 5, 4],
        [2, 6, 7, 3],
        [0, 4, 6, 2],
        [1, 3, 7, 5],
    ];
    let mut positions = Vec::new();
    let mut faces = Vec::new();
    for (k, q) in quads.iter().enumerate() {
        let base = positions.len() as u32;
        // A 1e-7 jitter: coincident within the tolerance, not bit-identical.
        positions.extend(
            q.iter()
                .map(|&i| corner(i) + cicada_geom::Vector3::new(1e-7 * k as f64, 0.0, 0.0)),
        );
        let f = [base, base + 1, base + 2, base + 3];
        faces.push(if flip.contains(&k) {
            [f[0], f[3], f[2], f[1]]
        } else {
            f
        });
    }
    Mesh::new(positions, faces).unwrap()
}

fn closed(m: &Mesh) -> bool {
    let e = EdgeTable::new(m);
    !e.is_empty() && e.iter().all(|(_, u)| u.len() == 2)
}

#[test]
fn weld_then_orient_makes_the_closed_outward_cube() {
    for at in [[0.0; 3], [500_000.0, 4_100_000.0, 0.0]] {
        let welded = weld(&loose_cube(at, &[1, 4]), 1e-6);
        assert_eq!(welded.positions().len(), 8);
        assert!(closed(&welded));
        assert_eq!(EdgeTable::new(&welded).len(), 12);
        let (oriented, flips) = orient(&welded);
        assert_eq!(flips, 2);
        assert!(
            (signed_volume(&oriented) - 1.0).abs() < 1e-6,
            "{}",
            signed_volume(&oriented)
        );
        // Every vertex normal of a cube corner points along (±1, ±1, ±1)/√3, outwards.
        let centre = Point3::new(at[0] + 0.5, at[1] + 0.5, at[2] + 0.5);
        for (p, n) in oriented.positions().iter().zip(vertex_normals(&oriented)) {
            let out = (*p - centre) / (*p - centre).length();
            assert!((n.dot(out) - 1.0).abs() < 1e-6, "{n:?} vs {out:?}");
        }
    }
}

#[test]
fn an_inside_out_cube_is_turned_outwards() {
    let welded = weld(&loose_cube([0.0; 3], &[0, 1, 2, 3, 4, 5]), 1e-6);
    assert!(signed_volume(&welded) < 0.0);
    let (oriented, flips) = orient(&welded);
    assert_eq!(flips, 6);
    assert!((signed_volume(&oriented) - 1.0).abs() < 1e-6);
}

#[test]
fn a_tolerance_below_the_gap_welds_nothing() {
    let m = weld(&loose_cube([0.0; 3], &[]), 1e-9);
    assert_eq!(m.positions().len(), 24);
    assert!(!closed(&m));
}

#[test]
fn degenerate_faces_go_and_quads_split_on_the_short_diagonal() {
    let p = vec![
        Point3::new(0.0, 0.0, 0.0),
        Point3::new(4.0, 0.0, 0.0),
        Point3::new(4.0, 1.0, 0.0),
        Point3::new(0.0, 1.0, 0.0),
        Point3::new(2.0, 0.0, 0.0),
        Point3::new(9.0, 9.0, 9.0),
    ];
    // A good quad, a sliver along the x axis, a face with a repeated corner.
    let m = Mesh::new(p, vec![[0, 1, 2, 3], [0, 4, 1, 1], [2, 2, 3, 3]]).unwrap();
    let clean = drop_degenerate(&m, 1e-9);
    assert_eq!(clean.faces(), &[[0, 1, 2, 3]]);
    assert_eq!(clean.positions().len(), 4);
    // A 4 x 1 rectangle skewed so that b–d is the shorter diagonal.
    let q = Mesh::new(
        vec![
            Point3::new(0., 0., 0.),
            Point3::new(4., 0., 0.),
            Point3::new(5., 1., 0.),
            Point3::new(1., 1., 0.),
        ],
        vec![[0, 1, 2, 3]],
    )
    .unwrap();
    assert_eq!(split_quads(&q).faces(), &[[0, 1, 3, 3], [1, 2, 3, 3]]);
}

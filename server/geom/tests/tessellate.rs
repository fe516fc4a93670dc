//! Surface tessellation against closed forms: a quarter cylinder's sagitta bound, edge-length
//! limits on a plane, the angle criterion, and an independent dense check of the deviation
//! (surface samples against the mesh through the BVH's closest-point query).

use cicada_geom::bvh::Bvh;
use cicada_geom::nurbs::NurbsSurface;
use cicada_geom::tessellate::{SurfaceMesh, TessellationOptions, tessellate_surface};
use cicada_geom::{Point3, Vector3};

/// A quarter cylinder of radius `r` and height `h` about the z axis through `at`: a rational
/// quadratic arc in u (exact), linear in v.
fn quarter_cylinder(r: f64, h: f64, at: Point3) -> NurbsSurface {
    let arc = [(r, 0.0), (r, r), (0.0, r)];
    let w = std::f64::consts::FRAC_1_SQRT_2;
    let mut pts = Vec::new();
    let mut weights = Vec::new();
    for (k, &(x, y)) in arc.iter().enumerate() {
        for z in [0.0, h] {
            pts.push(Point3::new(at.x + x, at.y + y, at.z + z));
            weights.push(if k == 1 { w } else { 1.0 });
        }
    }
    NurbsSurface::new(
        (2, 1),
        (3, 2),
        &pts,
        Some(&weights),
        vec![0., 0., 0., 1., 1., 1.],
        vec![0., 0., 1., 1.],
    )
    .unwrap()
}

fn segments(m: &SurfaceMesh) -> (usize, usize) {
    let nv = m.uv.iter().take_while(|p| p[0] == m.uv[0][0]).count();
    (m.positions.len() / nv - 1, nv - 1)
}

/// Largest distance from dense surface samples to the mesh (an independent measure).
fn dense_deviation(s: &NurbsSurface, m: &SurfaceMesh) -> f64 {
    let mut tris = Vec::new();
    for f in &m.faces {
        let p = f.map(|i| m.positions[i as usize]);
        tris.push([p[0], p[1], p[2]]);
        tris.push([p[0], p[2], p[3]]);
    }
    let bvh = Bvh::new(&tris);
    let ((u0, u1), (v0, v1)) = s.domain();
    let mut worst: f64 = 0.0;
    for i in 0..=97 {
        for j in 0..=31 {
            let q = s.point_at(
                u0 + (u1 - u0) * i as f64 / 97.0,
                v0 + (v1 - v0) * j as f64 / 31.0,
            );
            let (_, d, _) = bvh.closest_point(q, f64::INFINITY).unwrap();
            worst = worst.max(d);
        }
    }
    worst
}

#[test]
fn cylinder_meets_the_chord_tolerance_with_few_segments() {
    let s = quarter_cylinder(5.0, 10.0, Point3::default());
    let opts = TessellationOptions {
        chord_tolerance: 0.01,
        ..TessellationOptions::default()
    };
    let m = tessellate_surface(&s, &opts);
    assert!(m.converged);
    assert!(m.max_deviation <= 0.01, "{}", m.max_deviation);
    assert!(dense_deviation(&s, &m) <= 0.01 + 1e-12);
    // Closed form: a chord spanning angle θ of radius r sags r(1 − cos(θ/2)); within 0.01 at
    // r = 5 needs θ ≤ 2·acos(0.998) = 0.1265, so at least 13 segments over 90°. Bisection may
    // overshoot by at most 2×; the straight direction needs one segment.
    let (su, sv) = segments(&m);
    assert!((13..=32).contains(&su), "{su} segments around");
    assert_eq!(sv, 1);
    // Normals are radial and unit.
    for (p, n) in m.positions.iter().zip(&m.normals) {
        let radial = Vector3::new(p.x, p.y, 0.0) / 5.0;
        assert!((n.dot(radial) - 1.0).abs() < 1e-12, "{n:?}");
    }
}

#[test]
fn angle_tolerance_bounds_the_turn_per_cell() {
    let s = quarter_cylinder(5.0, 10.0, Point3::default());
    let opts = TessellationOptions {
        chord_tolerance: 10.0,
        angle_tolerance: 10f64.to_radians(),
        ..TessellationOptions::default()
    };
    let (su, _) = segments(&tessellate_surface(&s, &opts));
    // 90° in cells of at most 10°: at least 9.
    assert!(su >= 9, "{su}");
}

#[test]
fn max_edge_length_splits_a_plane() {
    let pts = [
        Point3::new(0., 0., 0.),
        Point3::new(0., 10., 0.),
        Point3::new(10., 0., 0.),
        Point3::new(10., 10., 0.),
    ];
    let s = NurbsSurface::new(
        (1, 1),
        (2, 2),
        &pts,
        None,
        vec![0., 0., 1., 1.],
        vec![0., 0., 1., 1.],
    )
    .unwrap();
    let plain = tessellate_surface(&s, &TessellationOptions::default());
    assert_eq!(plain.faces.len(), 1);
    assert!(plain.max_deviation < 1e-12);
    let m = tessellate_surface(
        &s,
        &TessellationOptions {
            max_edge_length: Some(1.0),
            ..TessellationOptions::default()
        },
    );
    // 10 m at most 1 m apart: 10 segments each way, no more.
    assert_eq!(segments(&m), (10, 10));
    for f in &m.faces {
        for k in 0..4 {
            assert!(
                m.positions[f[k] as usize].distance(m.positions[f[(k + 1) % 4] as usize])
                    <= 1.0 + 1e-9
            );
        }
    }
}

#[test]
fn far_from_origin_tessellates_the_same() {
    let opts = TessellationOptions {
        chord_tolerance: 0.001,
        ..TessellationOptions::default()
    };
    let near = tessellate_surface(&quarter_cylinder(5.0, 10.0, Point3::default()), &opts);
    let far = tessellate_surface(
        &quarter_cylinder(5.0, 10.0, Point3::new(500_000.0, 4_100_000.0, 0.0)),
        &opts,
    );
    assert_eq!(segments(&near), segments(&far));
    assert!((near.max_deviation - far.max_deviation).abs() < 1e-9);
}

#[test]
fn points_on_a_grid_are_the_points_one_at_a_time() {
    // A rational (quarter-cylinder) surface with knots inside, sampled on a grid that
    // includes the domain's ends and its knots: the row-by-row evaluation must give what
    // `point_at` gives, to rounding.
    let s = quarter_cylinder(1.5, 2.0, Point3::new(10.0, -3.0, 4.0))
        .insert_knot_u(0.3, 1)
        .insert_knot_v(0.7, 2);
    let ((u0, u1), (v0, v1)) = s.domain();
    let us: Vec<f64> = (0..=13)
        .map(|k| u0 + (u1 - u0) * k as f64 / 13.0)
        .chain([0.3])
        .collect();
    let vs: Vec<f64> = (0..=9)
        .map(|k| v0 + (v1 - v0) * k as f64 / 9.0)
        .chain([0.7])
        .collect();
    let grid = s.points_on_grid(&us, &vs);
    assert_eq!(grid.len(), us.len() * vs.len());
    for (i, &u) in us.iter().enumerate() {
        for (j, &v) in vs.iter().enumerate() {
            let d = grid[i * vs.len() + j].distance(s.point_at(u, v));
            assert!(d < 1e-13, "({u}, {v}): {d}");
        }
    }
}

#[test]
fn a_frame_is_the_point_and_first_derivatives() {
    // `frame_at` (Newton's step) against `point_at` and `derivatives` on a rational surface.
    let s = quarter_cylinder(1.5, 2.0, Point3::new(10.0, -3.0, 4.0)).insert_knot_u(0.3, 1);
    let ((u0, u1), (v0, v1)) = s.domain();
    for k in 0..=20 {
        let (u, v) = (
            u0 + (u1 - u0) * k as f64 / 20.0,
            v0 + (v1 - v0) * (k * 7 % 20) as f64 / 20.0,
        );
        let (p, su, sv) = s.frame_at(u, v);
        let d = s.derivatives(u, v, 1);
        assert!(p.distance(s.point_at(u, v)) < 1e-13);
        assert!(
            (su - d[1][0]).length() < 1e-12 && (sv - d[0][1]).length() < 1e-12,
            "{u} {v}"
        );
    }
}

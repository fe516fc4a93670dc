//! Brep tessellation: a closed cylinder (side with a seam, two trimmed disc caps) must come out
//! watertight and outward, within tolerance of the closed-form volume; a plate with a hole
//! must lose the hole's area.

use cicada_geom::mesh::{EdgeTable, signed_volume};
use cicada_geom::nurbs::{NurbsCurve, NurbsSurface};
use cicada_geom::tessellate::TessellationOptions;
use cicada_geom::tessellate_brep::{BrepMesh, FaceLoop, FaceTrim, TrimmedFace, tessellate_brep};
use cicada_geom::{Mesh, Point3};

/// The 9-point control polygon of a full circle as a rational quadratic (unit square
/// corners, weight 1/√2 on the odd points), counter-clockwise from (1, 0).
const RING: [(f64, f64); 9] = [
    (1., 0.),
    (1., 1.),
    (0., 1.),
    (-1., 1.),
    (-1., 0.),
    (-1., -1.),
    (0., -1.),
    (1., -1.),
    (1., 0.),
];

fn line2(a: [f64; 2], b: [f64; 2], edge: usize) -> FaceTrim {
    let pts = [Point3::new(a[0], a[1], 0.0), Point3::new(b[0], b[1], 0.0)];
    FaceTrim {
        curve: NurbsCurve::new(1, &pts, None, vec![0.0, 0.0, 1.0, 1.0]).unwrap(),
        edge: Some(edge),
    }
}

/// A full circle (9-point rational quadratic) in uv, counter-clockwise when `ccw`.
fn circle2(c: [f64; 2], r: f64, ccw: bool, edge: usize) -> FaceTrim {
    let w = std::f64::consts::FRAC_1_SQRT_2;
    let s = if ccw { 1.0 } else { -1.0 };
    let pts: Vec<Point3> = RING
        .iter()
        .map(|&(x, y)| Point3::new(c[0] + r * x, c[1] + s * r * y, 0.0))
        .collect();
    let knots = vec![0., 0., 0., 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1., 1., 1.];
    FaceTrim {
        curve: NurbsCurve::new(2, &pts, Some(&[1., w, 1., w, 1., w, 1., w, 1.]), knots).unwrap(),
        edge: Some(edge),
    }
}

fn plane(x0: f64, y0: f64, size: f64, z: f64) -> NurbsSurface {
    let pts = [
        Point3::new(x0, y0, z),
        Point3::new(x0, y0 + size, z),
        Point3::new(x0 + size, y0, z),
        Point3::new(x0 + size, y0 + size, z),
    ];
    NurbsSurface::new(
        (1, 1),
        (2, 2),
        &pts,
        None,
        vec![0., 0., 1., 1.],
        vec![0., 0., 1., 1.],
    )
    .unwrap()
}

/// A closed cylinder of radius r and height h about the z axis through `at`.
fn cylinder(r: f64, h: f64, at: Point3) -> Vec<TrimmedFace> {
    let w = std::f64::consts::FRAC_1_SQRT_2;
    let mut pts = Vec::new();
    let mut weights = Vec::new();
    for (k, &(x, y)) in RING.iter().enumerate() {
        for z in [0.0, h] {
            pts.push(Point3::new(at.x + r * x, at.y + r * y, at.z + z));
            weights.push(if k % 2 == 1 { w } else { 1.0 });
        }
    }
    let side = NurbsSurface::new(
        (2, 1),
        (9, 2),
        &pts,
        Some(&weights),
        vec![0., 0., 0., 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1., 1., 1.],
        vec![0., 0., 1., 1.],
    )
    .unwrap();
    vec![
        TrimmedFace {
            surface: side,
            reversed: false,
            loops: vec![FaceLoop {
                trims: vec![
                    line2([0., 0.], [1., 0.], 0),
                    line2([1., 0.], [1., 1.], 2),
                    line2([1., 1.], [0., 1.], 1),
                    line2([0., 1.], [0., 0.], 2),
                ],
            }],
        },
        TrimmedFace {
            surface: plane(at.x - r, at.y - r, 2.0 * r, at.z),
            reversed: true,
            loops: vec![FaceLoop {
                trims: vec![circle2([0.5, 0.5], 0.5, true, 0)],
            }],
        },
        TrimmedFace {
            surface: plane(at.x - r, at.y - r, 2.0 * r, at.z + h),
            reversed: false,
            loops: vec![FaceLoop {
                trims: vec![circle2([0.5, 0.5], 0.5, true, 1)],
            }],
        },
    ]
}

fn as_mesh(m: &BrepMesh) -> Mesh {
    Mesh::new(
        m.positions.clone(),
        m.triangles.iter().map(|&[a, b, c]| [a, b, c, c]).collect(),
    )
    .unwrap()
}

#[test]
fn cylinder_is_watertight_outward_and_close_to_pi_r2_h() {
    for at in [Point3::default(), Point3::new(500_000.0, 4_100_000.0, 0.0)] {
        let opts = TessellationOptions {
            chord_tolerance: 0.005,
            ..TessellationOptions::default()
        };
        let m = tessellate_brep(&cylinder(2.0, 3.0, at), 3, &opts).unwrap();
        assert!(m.converged);
        assert!(m.max_deviation <= 0.005, "{}", m.max_deviation);
        let mesh = as_mesh(&m);
        let edges = EdgeTable::new(&mesh);
        let bad: Vec<_> = edges
            .iter()
            .filter(|(_, u)| u.len() != 2 || u[0].forward == u[1].forward)
            .map(|(e, u)| (e, u.len()))
            .collect();
        assert!(
            bad.is_empty(),
            "{} open, non-manifold or flipped edges, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
        // Closed form πr²h = 37.699; inscribed polygons lose at most ~2·tol/r of the area.
        let v = signed_volume(&mesh);
        eprintln!(
            "cylinder at {at:?}: {} triangles, {} vertices, {} edges, volume {v}, deviation {}",
            m.triangles.len(),
            m.positions.len(),
            edges.len(),
            m.max_deviation
        );
        let exact = std::f64::consts::PI * 4.0 * 3.0;
        assert!(
            v > 0.0 && (exact - v) / exact < 2.0 * 0.005 / 2.0 + 1e-9 && v <= exact + 1e-9,
            "volume {v} vs {exact}"
        );
    }
}

#[test]
fn plate_with_a_hole_loses_the_hole() {
    // A 10 x 10 plate with a hole of radius 2 at its centre: area 100 − 4π.
    let face = TrimmedFace {
        surface: plane(0.0, 0.0, 10.0, 0.0),
        reversed: false,
        loops: vec![
            FaceLoop {
                trims: vec![
                    line2([0., 0.], [1., 0.], 0),
                    line2([1., 0.], [1., 1.], 1),
                    line2([1., 1.], [0., 1.], 2),
                    line2([0., 1.], [0., 0.], 3),
                ],
            },
            FaceLoop {
                trims: vec![circle2([0.5, 0.5], 0.2, false, 4)],
            },
        ],
    };
    let m = tessellate_brep(
        &[face],
        5,
        &TessellationOptions {
            chord_tolerance: 0.001,
            ..TessellationOptions::default()
        },
    )
    .unwrap();
    let mesh = as_mesh(&m);
    let area: f64 = (0..mesh.faces().len())
        .map(|f| cicada_geom::mesh::face_area(&mesh, f))
        .sum();
    let exact = 100.0 - 4.0 * std::f64::consts::PI;
    // The polygon inscribed in the hole is smaller than the hole: area slightly above exact.
    assert!(
        area >= exact && area - exact < 2.0 * std::f64::consts::PI * 2.0 * 0.001,
        "{area} vs {exact}"
    );
    // Every triangle faces +z.
    for &[a, b, c] in &m.triangles {
        let (pa, pb, pc) = (
            m.positions[a as usize],
            m.positions[b as usize],
            m.positions[c as usize],
        );
        assert!((pb - pa).cross(pc - pa).z > 0.0);
    }
}

#[test]
fn angle_tolerance_alone_bounds_the_cylinder_facets() {
    // A loose chord tolerance: the 10° angle tolerance decides. Closed form: 360° in steps
    // of at most 10° needs at least 36 boundary segments per circle; the mesh stays closed.
    let opts = TessellationOptions {
        chord_tolerance: 1.0,
        angle_tolerance: 10f64.to_radians(),
        ..TessellationOptions::default()
    };
    let m = tessellate_brep(&cylinder(2.0, 3.0, Point3::default()), 3, &opts).unwrap();
    assert!(m.converged);
    let mesh = as_mesh(&m);
    let edges = EdgeTable::new(&mesh);
    assert!(edges.iter().all(|(_, u)| u.len() == 2));
    let bottom = m
        .positions
        .iter()
        .filter(|p| p.z == 0.0 && ((p.x * p.x + p.y * p.y).sqrt() - 2.0).abs() < 1e-9)
        .count();
    assert!(bottom >= 36, "{bottom} points on the bottom circle");
}

/// A sphere of radius r about `at` as one face: a 9 × 5 rational quadratic net, u around the
/// z axis (full circle), v from the south pole to the north pole. Its loop has a singular
/// trim (no edge) along each pole and the seam as one edge used by both sides.
fn sphere(r: f64, at: Point3) -> TrimmedFace {
    let w = std::f64::consts::FRAC_1_SQRT_2;
    let profile = [(0., -1.), (1., -1.), (1., 0.), (1., 1.), (0., 1.)];
    let mut pts = Vec::new();
    let mut weights = Vec::new();
    for (i, &(x, y)) in RING.iter().enumerate() {
        for (j, &(rho, z)) in profile.iter().enumerate() {
            pts.push(Point3::new(
                at.x + r * x * rho,
                at.y + r * y * rho,
                at.z + r * z,
            ));
            let wi = if i % 2 == 1 { w } else { 1.0 };
            let wj = if j % 2 == 1 { w } else { 1.0 };
            weights.push(wi * wj);
        }
    }
    let surface = NurbsSurface::new(
        (2, 2),
        (9, 5),
        &pts,
        Some(&weights),
        vec![0., 0., 0., 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1., 1., 1.],
        vec![0., 0., 0., 0.5, 0.5, 1., 1., 1.],
    )
    .unwrap();
    let pole = |a: [f64; 2], b: [f64; 2]| FaceTrim {
        edge: None,
        ..line2(a, b, 0)
    };
    TrimmedFace {
        surface,
        reversed: false,
        loops: vec![FaceLoop {
            trims: vec![
                pole([0., 0.], [1., 0.]),
                line2([1., 0.], [1., 1.], 0),
                pole([1., 1.], [0., 1.]),
                line2([0., 1.], [0., 0.], 0),
            ],
        }],
    }
}

#[test]
fn sphere_with_poles_is_closed_outward_and_close_to_its_volume() {
    // Closed form 4/3·πr³; an inscribed mesh within chord tolerance t of a sphere of radius r
    // loses at most ~3t/r of the volume.
    for at in [Point3::default(), Point3::new(500_000.0, 4_100_000.0, 30.0)] {
        let (r, tol) = (2.0, 0.002);
        let opts = TessellationOptions {
            chord_tolerance: tol,
            ..TessellationOptions::default()
        };
        let m = tessellate_brep(&[sphere(r, at)], 1, &opts).unwrap();
        assert!(m.converged);
        assert!(m.max_deviation <= tol, "{}", m.max_deviation);
        let mesh = as_mesh(&m);
        let edges = EdgeTable::new(&mesh);
        let bad = edges
            .iter()
            .filter(|(_, u)| u.len() != 2 || u[0].forward == u[1].forward)
            .inspect(|(e, u)| {
                eprintln!(
                    "bad {:?} x{} {:?} {:?}",
                    e,
                    u.len(),
                    m.positions[e[0] as usize],
                    m.positions[e[1] as usize]
                )
            })
            .count();
        assert_eq!(bad, 0, "open, non-manifold or flipped edges");
        let v = signed_volume(&mesh);
        let exact = 4.0 / 3.0 * std::f64::consts::PI * r * r * r;
        eprintln!(
            "sphere at {at:?}: {} triangles, volume {v} vs {exact}, deviation {}",
            m.triangles.len(),
            m.max_deviation
        );
        assert!(v > 0.0 && v <= exact + 1e-9 && (exact - v) / exact < 3.0 * tol / r);
        // Every vertex lies on the sphere.
        for p in &m.positions {
            assert!((p.distance(at) - r).abs() < 1e-9 * r.max(1.0));
        }
        // No degenerate triangle survives at the poles.
        for t in &m.triangles {
            assert!(t[0] != t[1] && t[1] != t[2] && t[2] != t[0]);
        }
    }
}

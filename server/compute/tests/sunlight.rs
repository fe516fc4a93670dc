//! Sunlight kernels against answers known in closed form (the validation list of
//! shared/reference/sunlight.md, V2 V4 V5 V6 V8): a horizontal plane in the open sees every
//! daylight step; a face looking down, or under a roof, sees none; east + west walls add up
//! to the horizontal; behind a long wall a point is lit exactly when the sun's profile angle
//! clears the wall; a uniform sky gives π and π/2, sky view 1 and 0.5.

use std::f64::consts::PI;

use cicada_compute::raycast::TriangleScene;
use cicada_compute::sunlight::{Sensor, face_sensors, incident, sky_visibility, sun_exposure};
use cicada_compute::{Backend, NoProgress};
use cicada_geom::{Mesh, Point3, Vector3};
use cicada_sun::sky::SkyPatches;
use cicada_sun::sunpath::{Location, Period, SunPathOptions, sun_path};

fn quad(corners: [[f64; 3]; 4]) -> Mesh {
    Mesh::new(
        corners
            .iter()
            .map(|c| Point3::new(c[0], c[1], c[2]))
            .collect(),
        vec![[0, 1, 2, 3]],
    )
    .unwrap()
}

fn sensor(at: [f64; 3], normal: [f64; 3]) -> Sensor {
    Sensor {
        position: Point3::new(at[0], at[1], at[2]),
        normal: Vector3::new(normal[0], normal[1], normal[2]),
        area: 1.0,
    }
}

fn london_year(timestep: u32) -> Vec<[f64; 3]> {
    let loc = Location {
        latitude: 51.5,
        longitude: -0.12,
        utc_offset: 0.0,
        elevation: 20.0,
    };
    let period = Period {
        timestep,
        ..Period::default()
    };
    sun_path(&loc, &period, &SunPathOptions::default())
        .unwrap()
        .iter()
        .map(|s| s.direction)
        .collect()
}

#[test]
fn open_plane_sees_every_daylight_step_and_a_downward_face_none() {
    let suns = london_year(1);
    let ground = quad([
        [-50., -50., 0.],
        [50., -50., 0.],
        [50., 50., 0.],
        [-50., 50., 0.],
    ]);
    let scene = TriangleScene::new(std::slice::from_ref(&ground));
    let up = face_sensors(&ground, 0.1);
    assert_eq!(up[0].position, Point3::new(0.0, 0.0, 0.1));
    let down = sensor([0.0, 0.0, -0.1], [0.0, 0.0, -1.0]);
    let e = sun_exposure(
        &Backend::cpu(),
        &scene.bvh,
        &[up[0], down],
        &suns,
        None,
        false,
        &NoProgress,
    )
    .unwrap();
    // Every sun of the path is above the horizon, so the open plane sees them all.
    assert_eq!(e.lit[0] as usize, suns.len());
    assert_eq!(e.lit[1], 0);
    // A point under a closed box sees nothing either.
    let roofed = TriangleScene::new(&[closed_box([-5., -5., -1.], [5., 5., 3.])]);
    let inside = sensor([0.0, 0.0, 0.1], [0.0, 0.0, 1.0]);
    let e = sun_exposure(
        &Backend::cpu(),
        &roofed.bvh,
        &[inside],
        &suns,
        None,
        false,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(e.lit[0], 0);
}

/// An axis-aligned box as 6 outward quads.
fn closed_box(lo: [f64; 3], hi: [f64; 3]) -> Mesh {
    Mesh::axis_aligned_box(
        Point3::new(lo[0], lo[1], lo[2]),
        Point3::new(hi[0], hi[1], hi[2]),
    )
}

#[test]
fn east_and_west_walls_add_up_to_the_horizontal() {
    // Ten-minute steps for a year: every daylight sun is east, west or (never exactly)
    // due north–south of the vertical, so east + west = horizontal up to suns exactly at
    // 90° to both, which Ladybug counts for both.
    let suns = london_year(6);
    let empty = TriangleScene::new(&[]);
    let sensors = [
        sensor([0.0; 3], [0.0, 0.0, 1.0]),
        sensor([0.0; 3], [1.0, 0.0, 0.0]),
        sensor([0.0; 3], [-1.0, 0.0, 0.0]),
    ];
    let e = sun_exposure(
        &Backend::cpu(),
        &empty.bvh,
        &sensors,
        &suns,
        None,
        false,
        &NoProgress,
    )
    .unwrap();
    let ties = suns.iter().filter(|d| d[0] == 0.0).count() as u32;
    assert_eq!(e.lit[1] + e.lit[2], e.lit[0] + ties);
    assert!(e.lit[1] > 0 && e.lit[2] > 0);
}

#[test]
fn foot_of_a_long_wall_is_lit_exactly_when_the_profile_angle_clears_it() {
    // An east–west wall 3 m high, 10 m south of the sensor, 2 km long.
    let (h, d, half) = (3.0, 10.0, 1000.0);
    let wall = quad([
        [-half, -d, 0.],
        [half, -d, 0.],
        [half, -d, h],
        [-half, -d, h],
    ]);
    let scene = TriangleScene::new(&[wall]);
    let suns = london_year(4);
    let at = sensor([0.0, 0.0, 0.0], [0.0, 0.0, 1.0]);
    let e = sun_exposure(
        &Backend::cpu(),
        &scene.bvh,
        &[at],
        &suns,
        None,
        true,
        &NoProgress,
    )
    .unwrap();
    let m = e.matrix.unwrap();
    let mut checked = 0;
    for (k, s) in suns.iter().enumerate() {
        // The ray reaches the wall's plane y = −d only for a southern sun; there its height
        // is d·tan(profile) and its x offset d·x/(−y).
        let blocked = s[1] < 0.0 && {
            let t = d / -s[1];
            s[2] * t < h && (s[0] * t).abs() < half
        };
        // Rays that graze the wall's top edge are ties; none falls within 1 µm here.
        if s[1] < 0.0 && ((s[2] * d / -s[1]) - h).abs() < 1e-6 {
            continue;
        }
        assert_eq!(m.get(0, k), !blocked, "sun {k}: {s:?}");
        checked += 1;
    }
    assert!(checked > 4000);
    // Winter noon sun at London stands about 15° high: tan 15° · 10 m = 2.7 m < 3 m, so
    // the sensor is in shade at midwinter noon, and the wall blocks a real share of suns.
    assert!((e.lit[0] as usize) < suns.len() * 9 / 10);
}

#[test]
fn uniform_sky_gives_pi_and_half_pi_and_sky_view_one_and_a_half() {
    let patches = SkyPatches::new(1);
    let dirs = patches.directions(0.0);
    let empty = TriangleScene::new(&[]);
    let sensors = [
        sensor([0.0; 3], [0.0, 0.0, 1.0]),
        sensor([0.0; 3], [0.0, 1.0, 0.0]),
        sensor([0.0; 3], [1.0, 0.0, 0.0]),
    ];
    let vis = sky_visibility(&Backend::cpu(), &empty.bvh, &sensors, &dirs, &NoProgress).unwrap();
    // Radiance 1 W/m²/sr on every patch: each patch sends Ω_p W/m² to a surface facing it.
    let uniform = incident(&vis, &sensors, &patches.solid_angles);
    let view: Vec<f64> = incident(
        &vis,
        &sensors,
        &patches
            .solid_angles
            .iter()
            .map(|o| o / PI)
            .collect::<Vec<_>>(),
    );
    // Closed forms π and π/2; the patch sums are midpoint rules within 1 %.
    assert!((uniform[0] - PI).abs() / PI < 0.01, "{}", uniform[0]);
    for s in [1, 2] {
        assert!(
            (uniform[s] - PI / 2.0).abs() / (PI / 2.0) < 0.01,
            "{}",
            uniform[s]
        );
        assert!((view[s] - 0.5).abs() < 0.005, "{}", view[s]);
    }
    assert!((view[0] - 1.0).abs() < 0.01);
    // A wall in front of the vertical sensor takes its whole view away (patches exactly
    // edge-on to the sensor run parallel to the wall and pass; they carry cos θ ≈ 1e-17).
    let wall = quad([
        [-100., 1., -100.],
        [100., 1., -100.],
        [100., 1., 100.],
        [-100., 1., 100.],
    ]);
    let blocked = TriangleScene::new(&[wall]);
    let vis = sky_visibility(
        &Backend::cpu(),
        &blocked.bvh,
        &sensors[1..2],
        &dirs,
        &NoProgress,
    )
    .unwrap();
    assert!(incident(&vis, &sensors[1..2], &patches.solid_angles)[0] < 1e-12);
}

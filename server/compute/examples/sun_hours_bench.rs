//! Times a year of hourly sun hours, and the sky-visibility rays of a radiation study, on a
//! scene and sensors written by bench/sun_hours_vs_embree.py, so Cicada and Embree trace the
//! same rays. Writes the sun directions next to the scene for the Embree side and prints one
//! JSON line.
//!
//! Scene file (little-endian): u64 triangle count T, u64 sensor count S, T·9 f64 corners,
//! S·3 f64 sensor positions, S·3 f64 unit normals. Suns file: u64 count, count·3 f64.
//!
//! cargo run --release -p cicada-compute --example sun_hours_bench -- scene.bin suns.bin

use std::time::Instant;

use cicada_compute::sunlight::{Sensor, direction_order, sky_visibility, sun_exposure};
use cicada_compute::{Backend, NoProgress};
use cicada_geom::bvh::Bvh;
use cicada_geom::{Point3, Vector3};
use cicada_sun::sky::SkyPatches;
use cicada_sun::sunpath::{Location, Period, SunPathOptions, sun_path};

fn f64s(bytes: &[u8], count: usize, at: &mut usize) -> Vec<f64> {
    let out = bytes[*at..*at + count * 8]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    *at += count * 8;
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(scene), Some(suns_out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sun_hours_bench SCENE.bin SUNS.bin");
        std::process::exit(2);
    };
    let bytes = std::fs::read(scene).unwrap_or_else(|e| panic!("reading {scene}: {e}"));
    let header = |i: usize| {
        u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8])) as usize
    };
    let (nt, ns) = (header(0), header(1));
    let mut at = 16;
    let corners = f64s(&bytes, nt * 9, &mut at);
    let positions = f64s(&bytes, ns * 3, &mut at);
    let normals = f64s(&bytes, ns * 3, &mut at);
    let triangles: Vec<[Point3; 3]> = corners
        .chunks_exact(9)
        .map(|c| {
            [
                Point3::new(c[0], c[1], c[2]),
                Point3::new(c[3], c[4], c[5]),
                Point3::new(c[6], c[7], c[8]),
            ]
        })
        .collect();
    let sensors: Vec<Sensor> = positions
        .chunks_exact(3)
        .zip(normals.chunks_exact(3))
        .map(|(p, n)| Sensor {
            position: Point3::new(p[0], p[1], p[2]),
            normal: Vector3::new(n[0], n[1], n[2]),
            area: 1.0,
        })
        .collect();
    // A year of hourly suns at London, on the hour.
    let location = Location {
        latitude: 51.5,
        longitude: -0.12,
        utc_offset: 0.0,
        elevation: 20.0,
    };
    let in_time: Vec<[f64; 3]> =
        sun_path(&location, &Period::default(), &SunPathOptions::default())
            .unwrap_or_default()
            .iter()
            .map(|s| s.direction)
            .collect();
    // The kernel traces each sensor's suns in this order; Embree is handed the same order.
    let suns: Vec<[f64; 3]> = direction_order(&in_time)
        .iter()
        .map(|&k| in_time[k as usize])
        .collect();
    let mut out = (suns.len() as u64).to_le_bytes().to_vec();
    for d in &suns {
        for c in d {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }
    std::fs::write(suns_out, out).unwrap_or_else(|e| panic!("writing {suns_out}: {e}"));

    let t = Instant::now();
    let bvh = Bvh::new(&triangles);
    let build_secs = t.elapsed().as_secs_f64();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let t = Instant::now();
    let single = one
        .install(|| {
            sun_exposure(
                &Backend::cpu(),
                &bvh,
                &sensors,
                &suns,
                None,
                false,
                &NoProgress,
            )
        })
        .expect("not cancelled");
    let secs_one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let all = sun_exposure(
        &Backend::cpu(),
        &bvh,
        &sensors,
        &suns,
        None,
        false,
        &NoProgress,
    )
    .expect("not cancelled");
    let secs_all = t.elapsed().as_secs_f64();
    assert_eq!(single.lit, all.lit);
    // Radiation's rays: every sensor towards 145 sky and 145 ground patch centres.
    let patches = SkyPatches::new(1);
    let mut directions = patches.directions(0.0);
    let sky = directions.clone();
    directions.extend(sky.iter().map(|d| [d[0], d[1], -d[2]]));
    let t = Instant::now();
    let vis = one
        .install(|| sky_visibility(&Backend::cpu(), &bvh, &sensors, &directions, &NoProgress))
        .expect("not cancelled");
    let secs_sky = t.elapsed().as_secs_f64();
    println!(
        "{{\"triangles\": {nt}, \"sensors\": {ns}, \"suns\": {}, \"build_secs\": {build_secs:.4}, \
         \"rays\": {}, \"lit\": {}, \"secs_one_thread\": {secs_one:.4}, \
         \"secs_all_threads\": {secs_all:.4}, \"threads\": {}, \"rays_per_sec_one_thread\": {:.0}, \
         \"sky_rays\": {}, \"sky_secs_one_thread\": {secs_sky:.4}}}",
        suns.len(),
        single.rays,
        single.lit.iter().map(|&x| u64::from(x)).sum::<u64>(),
        rayon::current_num_threads(),
        single.rays as f64 / secs_one,
        vis.rays,
    );
}

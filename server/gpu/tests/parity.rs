//! The WGSL traversal against the CPU reference on the same trees: closest-hit triangles and
//! distances, and any-hit answers, agree ray for ray except rays through triangle edges,
//! which f32 and f64 may decide differently (counted, and kept rare).
//!
//! Runs on any Vulkan device; in CI that is Mesa's lavapipe (scripts/test.sh installs it).
//! Without a Vulkan driver the test fails with the reason, unless CICADA_SKIP_GPU_TESTS is
//! set by someone who knows the machine has none.

use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};
use cicada_gpu::Gpu;

/// xorshift64*: a fixed, dependency-free random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

fn gpu() -> Option<Gpu> {
    cicada_gpu::device_for_test(Gpu::new())
}

/// Random triangles in a 20 m cube around `at`, and rays through it.
fn scene(rng: &mut Rng, n: usize, at: Point3) -> (Vec<[Point3; 3]>, Vec<Ray>) {
    let tris = (0..n)
        .map(|i| {
            let c = Point3::new(
                at.x + rng.range(-10.0, 10.0),
                at.y + rng.range(-10.0, 10.0),
                at.z + rng.range(-10.0, 10.0),
            );
            let size = if i % 50 == 0 { 8.0 } else { 0.8 };
            let mut corner = || {
                c + Vector3::new(
                    rng.range(-size, size),
                    rng.range(-size, size),
                    rng.range(-size, size),
                )
            };
            [corner(), corner(), corner()]
        })
        .collect();
    let rays = (0..20_000)
        .map(|i| {
            let origin = at
                + Vector3::new(
                    rng.range(-15.0, 15.0),
                    rng.range(-15.0, 15.0),
                    rng.range(-15.0, 15.0),
                );
            let target = at
                + Vector3::new(
                    rng.range(-8.0, 8.0),
                    rng.range(-8.0, 8.0),
                    rng.range(-8.0, 8.0),
                );
            // Every tenth ray axis-aligned: zero direction components take their own path.
            let mut direction = target - origin;
            if i % 10 == 0 {
                direction = Vector3::new(0.0, 0.0, if i % 20 == 0 { 1.0 } else { -1.0 });
            }
            Ray {
                origin,
                direction,
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect();
    (tris, rays)
}

#[test]
fn gpu_rays_agree_with_the_cpu_reference() {
    let Some(gpu) = gpu() else { return };
    eprintln!("device: {}", gpu.device_name());
    // At the origin and 500 km away: the local origin keeps f32 precise in both.
    for at in [Point3::default(), Point3::new(500_000.0, 4_100_000.0, 50.0)] {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let (tris, rays) = scene(&mut rng, 20_000, at);
        let bvh = Bvh::new(&tris);
        let uploaded = gpu.upload(&bvh).unwrap();
        let closest = gpu.trace(&uploaded, &rays, false).unwrap();
        let any = gpu.trace(&uploaded, &rays, true).unwrap();
        let (mut hits, mut differ) = (0, 0);
        for (k, ray) in rays.iter().enumerate() {
            let cpu = bvh.closest_hit(ray);
            // Any-hit sees something exactly when closest-hit does, on each device.
            assert_eq!(
                any[k].is_some(),
                closest[k].is_some(),
                "ray {k}: GPU any vs closest"
            );
            if bvh.any_hit(ray).is_some() != any[k].is_some() {
                differ += 1;
            }
            match (cpu, closest[k]) {
                (None, None) => {}
                (Some(c), Some(g)) if c.triangle == g.triangle => {
                    hits += 1;
                    let scale = ray.direction.length();
                    assert!(
                        (c.t - g.t).abs() * scale < 1e-3,
                        "ray {k}: t {} vs {}",
                        c.t,
                        g.t
                    );
                }
                (c, g) => {
                    // Only a ray through an edge (or two triangles at the same distance to
                    // f32 precision) may differ.
                    differ += 1;
                    eprintln!("ray {k}: cpu {c:?}, gpu {g:?}");
                }
            }
        }
        eprintln!(
            "at {at:?}: {hits} hits agree, {differ} differ of {}",
            rays.len()
        );
        assert!(hits > 5_000, "too few hits to mean anything: {hits}");
        assert!(differ * 1000 <= rays.len(), "{differ} rays differ");
    }
}

#[test]
fn a_scene_larger_than_a_binding_is_split_not_refused() {
    let Some(mut gpu) = gpu() else { return };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (tris, rays) = scene(&mut rng, 20_000, Point3::default());
    let bvh = Bvh::new(&tris);
    let whole = gpu.upload(&bvh).unwrap();
    assert_eq!(whole.parts(), 1);
    let reference = gpu.trace(&whole, &rays, false).unwrap();
    let any_reference = gpu.trace(&whole, &rays, true).unwrap();
    // 20 000 triangles take 960 kB; a 64 kB binding splits the tree into dozens of parts.
    gpu.cap_binding_bytes(64 * 1024);
    let split = gpu.upload(&bvh).unwrap();
    assert!(split.parts() > 15, "{} parts", split.parts());
    assert_eq!(gpu.trace(&split, &rays, false).unwrap(), reference);
    let any = gpu.trace(&split, &rays, true).unwrap();
    for (a, b) in any.iter().zip(&any_reference) {
        assert_eq!(a.is_some(), b.is_some());
    }
}

#[test]
fn compiled_pipelines_are_cached_on_disk_and_a_damaged_cache_is_rebuilt() {
    let Some(plain) = gpu() else { return };
    let dir = std::env::temp_dir().join(format!("cicada-pipeline-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = Gpu::with_cache(Some(&dir)).unwrap();
    let Some(file) = first.kernel_load().cache_file.clone() else {
        eprintln!("skipped: {} has no pipeline cache", first.device_name());
        return;
    };
    assert!(!first.kernel_load().from_cache);
    assert!(file.exists(), "{} not written", file.display());
    let second = Gpu::with_cache(Some(&dir)).unwrap();
    assert!(second.kernel_load().from_cache);
    // Kernels from the cache answer as freshly compiled ones.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (tris, rays) = scene(&mut rng, 2_000, Point3::default());
    let bvh = Bvh::new(&tris);
    let expected = plain
        .trace(&plain.upload(&bvh).unwrap(), &rays, false)
        .unwrap();
    let cached = second
        .trace(&second.upload(&bvh).unwrap(), &rays, false)
        .unwrap();
    assert_eq!(cached, expected);
    // A damaged file fails its seal: compiled again, and the file made whole.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let third = Gpu::with_cache(Some(&dir)).unwrap();
    assert!(!third.kernel_load().from_cache);
    assert!(
        Gpu::with_cache(Some(&dir))
            .unwrap()
            .kernel_load()
            .from_cache
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

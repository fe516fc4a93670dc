//! The CUDA kernels' logic on the CPU: `traverse.cu` compiled as C++ with the system
//! compiler (host_harness.cpp), driven through the same host code as the CUDA backend
//! (`layout::upload`, `trace`, `sun_bits`, here over a [`Kernels`] that runs the harness),
//! against the f64 CPU reference. What this cannot check is the CUDA toolchain and device
//! themselves: NVRTC compiling the file is `nvrtc_compiles_the_kernels`, running it is the
//! device script (scripts/gpu-check.sh).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};

use crate::GpuError;
use crate::layout::{self, HitOut, Kernels, Params, PartArrays, SensorIn, SunParams};

/// The harness, compiled once per test run.
fn harness() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cuda/host_harness.cpp");
        let dir = std::env::temp_dir().join(format!("cicada-cuda-host-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("host_harness");
        let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
        let status = Command::new(&compiler)
            .args(["-O2", "-std=c++17", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(&src)
            .status()
            .unwrap_or_else(|e| {
                panic!("{compiler}: {e} (install g++: scripts/setup-test-deps.sh)")
            });
        assert!(status.success(), "{compiler} failed on host_harness.cpp");
        exe
    })
}

/// Runs the kernels of traverse.cu on the CPU, one call of the harness per launch.
struct Host {
    binding: u64,
    dir: PathBuf,
}

impl Host {
    fn new(binding: u64, name: &str) -> Host {
        let dir = harness().parent().unwrap().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        Host { binding, dir }
    }

    fn launch(&self, part: &PartArrays, mode: &str, inputs: &[(&str, &[u8])]) -> Vec<u8> {
        std::fs::write(self.dir.join("nodes"), bytemuck::cast_slice(&part.nodes)).unwrap();
        std::fs::write(self.dir.join("tris"), bytemuck::cast_slice(&part.triangles)).unwrap();
        for (name, bytes) in inputs {
            std::fs::write(self.dir.join(name), bytes).unwrap();
        }
        let status = Command::new(harness())
            .arg(mode)
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "host harness {mode} failed");
        std::fs::read(self.dir.join("output")).unwrap()
    }
}

impl Kernels for Host {
    type Part = PartArrays;

    fn max_binding_bytes(&self) -> u64 {
        self.binding
    }

    fn load(&self, part: &PartArrays) -> Result<PartArrays, GpuError> {
        Ok(PartArrays {
            nodes: part.nodes.clone(),
            triangles: part.triangles.clone(),
        })
    }

    fn rays(
        &self,
        part: &PartArrays,
        rays: &[layout::RayIn],
        params: &Params,
    ) -> Result<Vec<HitOut>, GpuError> {
        let out = self.launch(
            part,
            "rays",
            &[
                ("rays", bytemuck::cast_slice(rays)),
                ("params", bytemuck::bytes_of(params)),
            ],
        );
        Ok(bytemuck::pod_collect_to_vec(&out))
    }

    fn suns(
        &self,
        part: &PartArrays,
        sensors: &[SensorIn],
        suns: &[[f32; 4]],
        params: &SunParams,
    ) -> Result<Vec<u32>, GpuError> {
        let out = self.launch(
            part,
            "suns",
            &[
                ("sensors", bytemuck::cast_slice(sensors)),
                ("suns", bytemuck::cast_slice(suns)),
                ("params", bytemuck::bytes_of(params)),
            ],
        );
        Ok(bytemuck::pod_collect_to_vec(&out))
    }
}

/// xorshift64*: a fixed, dependency-free random sequence.
struct Rng(u64);

impl Rng {
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let unit = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }
}

/// `n` random triangles in a 20 m cube about `at`, one in fifty large.
fn triangles(rng: &mut Rng, n: usize, at: Point3) -> Vec<[Point3; 3]> {
    (0..n)
        .map(|i| {
            let c = at
                + Vector3::new(
                    rng.range(-10.0, 10.0),
                    rng.range(-10.0, 10.0),
                    rng.range(-10.0, 10.0),
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
        .collect()
}

#[test]
fn cuda_ray_kernel_agrees_with_the_cpu_reference() {
    for (at, binding) in [
        (Point3::default(), 1 << 31),
        // Far from the origin, and split into parts as a scene over a binding is.
        (Point3::new(500_000.0, 4_100_000.0, 50.0), 64 * 1024),
    ] {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let bvh = Bvh::new(&triangles(&mut rng, 20_000, at));
        let rays: Vec<Ray> = (0..10_000)
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
                // Every tenth ray axis-aligned: zero components take their own path.
                let direction = if i % 10 == 0 {
                    Vector3::new(0.0, 0.0, 1.0)
                } else {
                    target - origin
                };
                Ray {
                    origin,
                    direction,
                    t_min: 0.0,
                    t_max: f64::INFINITY,
                }
            })
            .collect();
        let host = Host::new(binding, &format!("rays-{binding}"));
        let scene = layout::upload(&host, &bvh).unwrap();
        assert_eq!(scene.parts.len() > 1, binding < 1 << 20, "parts");
        let closest = layout::trace(&host, &scene, &rays, false).unwrap();
        let any = layout::trace(&host, &scene, &rays, true).unwrap();
        let (mut hits, mut differ) = (0, 0);
        for (k, ray) in rays.iter().enumerate() {
            assert_eq!(any[k].is_some(), closest[k].is_some(), "ray {k}");
            if bvh.any_hit(ray).is_some() != any[k].is_some() {
                differ += 1;
            }
            match (bvh.closest_hit(ray), closest[k]) {
                (None, None) => {}
                (Some(c), Some(g)) if c.triangle == g.triangle => {
                    hits += 1;
                    assert!((c.t - g.t).abs() * ray.direction.length() < 1e-3, "ray {k}");
                }
                // Only a ray through an edge may be decided differently in f32.
                _ => differ += 1,
            }
        }
        eprintln!("at {at:?}: {hits} hits agree, {differ} differ");
        assert!(hits > 2_500, "too few hits to mean anything: {hits}");
        assert!(differ * 1000 <= rays.len(), "{differ} rays differ");
    }
}

#[test]
fn cuda_sun_kernel_agrees_with_the_cpu_reference() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let at = Point3::new(300_000.0, 5_000_000.0, 10.0);
    let bvh = Bvh::new(&triangles(
        &mut rng,
        5_000,
        at + Vector3::new(0.0, 0.0, 12.0),
    ));
    // Sensors on a 40 m square under the cloud, facing up, one facing nowhere.
    let mut sensors: Vec<(Point3, Vector3)> = (0..400)
        .map(|_| {
            let p = at + Vector3::new(rng.range(-20.0, 20.0), rng.range(-20.0, 20.0), 0.0);
            (p, Vector3::new(0.0, 0.0, 1.0))
        })
        .collect();
    sensors.push((at, Vector3::new(0.0, 0.0, 0.0)));
    // 70 directions over the sky and below the horizon (not a multiple of 32).
    let directions: Vec<[f64; 3]> = (0..70)
        .map(|_| {
            let v = Vector3::new(
                rng.range(-1.0, 1.0),
                rng.range(-1.0, 1.0),
                rng.range(-0.3, 1.0),
            );
            let v = v / v.length();
            [v.x, v.y, v.z]
        })
        .collect();
    let host = Host::new(96 * 1024, "suns");
    let scene = layout::upload(&host, &bvh).unwrap();
    assert!(scene.parts.len() > 1);
    let bits = layout::sun_bits(&host, &scene, &sensors, &directions).unwrap();
    let words = directions.len().div_ceil(32);
    let (mut lit, mut differ) = (0, 0);
    for (i, (p, n)) in sensors.iter().enumerate() {
        for (k, d) in directions.iter().enumerate() {
            let dir = Vector3::new(d[0], d[1], d[2]);
            let gpu = bits[i * words + k / 32] >> (k % 32) & 1 == 1;
            let ray = Ray {
                origin: *p,
                direction: dir,
                t_min: 0.0,
                t_max: f64::INFINITY,
            };
            let cpu = n.length_squared() > 0.0 && n.dot(dir) >= 0.0 && bvh.any_hit(&ray).is_none();
            lit += usize::from(cpu);
            differ += usize::from(cpu != gpu);
        }
    }
    eprintln!("{lit} lit pairs, {differ} differ");
    assert!(lit > 2_000 && lit < 20_000, "{lit} lit pairs");
    assert!(
        differ * 1000 <= sensors.len() * directions.len(),
        "{differ} differ"
    );
}

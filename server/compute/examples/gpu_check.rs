//! The GPU check for a machine with a GPU and no Rust toolchain (scripts/gpu-check.sh runs
//! the release build of this file carried over). In one run, on the cpu backend and every
//! GPU backend that opens:
//! 1. kernel start: CUDA and wgpu opened with an empty kernel cache (NVRTC, or the Vulkan
//!    driver, compiles) and again with the cache filled;
//! 2. parity and throughput of shadow rays (any hit, sensors on the ground towards the
//!    year's suns, the rays of a sun-hours study) and of random closest-hit rays on cities
//!    of 100 k and 1 M triangles: rays/s including upload and read-back, and rays whose
//!    answer differs from the cpu backend's;
//! 3. conjugate gradients against the sparse Cholesky on braced buildings, the clash
//!    filter on 20 M triangle pairs and a clash job on 10 k objects end to end;
//! 4. a year of hourly sun hours for SENSORS sensors on the 1 M city: seconds, rays/s, and
//!    sensors whose count differs from cpu.
//!
//! gpu_check [SENSORS] [RAYS]      (defaults 1 000 000 sensors, 4 000 000 rays per test)
//! gpu_check rays [RAYS]           (1 and 2 only)
//! gpu_check dry                   (every step at small sizes: a try before the device)
//!
//! With `CICADA_RAYS_DUMP=DIR` the ray tests also write their triangles, rays, the cpu
//! backend's answers and every backend's time to DIR, for bench/embree_rays.py to run
//! Embree on the same rays (scripts/gpu-check.sh does both when embreex imports).

use std::time::Instant;

use cicada_compute::sunlight::{Sensor, sun_exposure};
use cicada_compute::{Backend, NoProgress};
use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Point3, Vector3};
use cicada_sun::sunpath::{Location, Period, SunPathOptions, sun_path};

/// xorshift64*: a fixed sequence, so every machine builds the same city.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A ground grid and random boxes (12 triangles each) over `side` metres, about `n`
/// triangles: the city of bench/sun_hours_vs_embree.py, drawn from another sequence.
fn city(n: usize, side: f64, rng: &mut Rng) -> Vec<[Point3; 3]> {
    let mut tris = Vec::with_capacity(n);
    let g = 40;
    let cell = side / g as f64;
    for i in 0..g {
        for j in 0..g {
            let p = |a: usize, b: usize| Point3::new(a as f64 * cell, b as f64 * cell, 0.0);
            tris.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            tris.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    while tris.len() < n {
        let (x, y) = (rng.next() * (side - 20.0), rng.next() * (side - 20.0));
        let (w, d) = (2.0 + rng.next() * 18.0, 2.0 + rng.next() * 18.0);
        let h = 3.0 + 40.0 * rng.next() * rng.next();
        let b = cicada_geom::Mesh::axis_aligned_box(
            Point3::new(x, y, 0.0),
            Point3::new(x + w, y + d, h),
        );
        for f in b.faces() {
            let c = f.map(|i| b.positions()[i as usize]);
            tris.push([c[0], c[1], c[2]]);
            tris.push([c[0], c[2], c[3]]);
        }
    }
    tris
}

/// The year's hourly sun directions in London.
fn year_of_suns() -> Vec<[f64; 3]> {
    let loc = Location {
        latitude: 51.5,
        longitude: -0.12,
        utc_offset: 0.0,
        elevation: 20.0,
    };
    sun_path(&loc, &Period::default(), &SunPathOptions::default())
        .unwrap_or_default()
        .iter()
        .map(|s| s.direction)
        .collect()
}

/// Every backend that opens here, cpu first (the reference).
fn backends() -> Vec<Backend> {
    ["cpu", "wgpu", "cuda"]
        .into_iter()
        .filter_map(|name| match Backend::open(name) {
            Ok(b) => Some(b),
            Err(e) => {
                println!("{name:<6} unavailable: {e}");
                None
            }
        })
        .collect()
}

/// Opens CUDA twice against a fresh kernel cache: compiled, then cached.
fn kernel_start() {
    println!("\n== kernel start (worker start to kernels ready)");
    let dir = std::env::temp_dir().join(format!("cicada-gpu-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for attempt in ["empty cache", "cached"] {
        match cicada_gpu::Cuda::new(Some(&dir)) {
            Ok(c) => {
                let load = c.kernel_load();
                println!(
                    "cuda   {attempt:<12} {:>8.3} s  from cache: {}",
                    load.seconds, load.from_cache
                );
            }
            Err(e) => {
                println!("cuda   unavailable: {e}");
                break;
            }
        }
    }
    for attempt in ["empty cache", "cached"] {
        match cicada_gpu::Gpu::with_cache(Some(&dir)) {
            Ok(g) => {
                let load = g.kernel_load();
                println!(
                    "wgpu   {attempt:<12} {:>8.3} s  from cache: {} ({})",
                    load.seconds,
                    load.from_cache,
                    if load.cache_file.is_some() {
                        "pipeline cache"
                    } else {
                        "no pipeline cache on this device"
                    }
                );
            }
            Err(e) => {
                println!("wgpu   unavailable: {e}");
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Answers of `rays` on `backend`: the hit triangle per ray (`u32::MAX` for none).
fn trace(backend: &Backend, bvh: &Bvh, rays: &[Ray], any_hit: bool) -> Option<Vec<u32>> {
    use rayon::prelude::*;
    match backend.gpu() {
        Some(device) => {
            let scene = device.upload(bvh).ok()?;
            let hits = device.trace(&scene, rays, any_hit).ok()?;
            Some(
                hits.iter()
                    .map(|h| h.map_or(u32::MAX, |h| h.triangle))
                    .collect(),
            )
        }
        None => Some(
            rays.par_iter()
                .map(|r| {
                    let hit = if any_hit {
                        bvh.any_hit(r)
                    } else {
                        bvh.closest_hit(r)
                    };
                    hit.map_or(u32::MAX, |h| h.triangle)
                })
                .collect(),
        ),
    }
}

/// Shadow rays: from random ground points towards random suns of the year.
fn shadow_rays(rng: &mut Rng, side: f64, suns: &[[f64; 3]], n: usize) -> Vec<Ray> {
    (0..n)
        .map(|_| {
            let d = suns[(rng.next() * suns.len() as f64) as usize % suns.len()];
            Ray {
                origin: Point3::new(rng.next() * side, rng.next() * side, 0.1),
                direction: Vector3::new(d[0], d[1], d[2]),
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect()
}

/// Random rays: from above the city towards random points in it.
fn random_rays(rng: &mut Rng, side: f64, n: usize) -> Vec<Ray> {
    (0..n)
        .map(|_| {
            let origin = Point3::new(
                rng.next() * side,
                rng.next() * side,
                10.0 + 60.0 * rng.next(),
            );
            let target = Point3::new(rng.next() * side, rng.next() * side, 0.0);
            let d = target - origin;
            Ray {
                origin,
                direction: d / d.length(),
                t_min: 0.0,
                t_max: f64::INFINITY,
            }
        })
        .collect()
}

/// Where `CICADA_RAYS_DUMP` asks the ray tests to write their inputs, answers and times.
struct RayDump {
    dir: std::path::PathBuf,
    manifest: std::fs::File,
}

impl RayDump {
    fn from_env() -> Option<RayDump> {
        let dir = std::path::PathBuf::from(std::env::var_os("CICADA_RAYS_DUMP")?);
        let opened = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::File::create(dir.join("manifest.tsv")));
        match opened {
            Ok(manifest) => Some(RayDump { dir, manifest }),
            Err(e) => {
                println!(
                    "CICADA_RAYS_DUMP {}: {e}; not writing the rays",
                    dir.display()
                );
                None
            }
        }
    }

    /// Writes `bytes` to the file `name` in the dump folder.
    fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.dir.join(name), bytes)
    }

    /// One tab-separated line of the manifest (bench/embree_rays.py reads it).
    fn line(&mut self, fields: &[&str]) -> std::io::Result<()> {
        use std::io::Write;
        writeln!(self.manifest, "{}", fields.join("\t"))
    }

    /// The scene's triangles as little-endian f32, nine a triangle (what Embree takes).
    fn triangles(&mut self, stem: &str, tris: &[[Point3; 3]]) -> std::io::Result<()> {
        let flat: Vec<u8> = tris
            .iter()
            .flat_map(|t| t.iter().flat_map(|p| [p.x, p.y, p.z]))
            .flat_map(|v| (v as f32).to_le_bytes())
            .collect();
        self.write(&format!("{stem}.tris"), &flat)?;
        self.line(&["scene", stem, &tris.len().to_string()])
    }

    /// Rays as little-endian f32, origin then direction.
    fn rays(
        &mut self,
        scene: &str,
        kind: &str,
        any_hit: bool,
        rays: &[Ray],
    ) -> std::io::Result<()> {
        let flat: Vec<u8> = rays
            .iter()
            .flat_map(|r| {
                let (o, d) = (r.origin, r.direction);
                [o.x, o.y, o.z, d.x, d.y, d.z]
            })
            .flat_map(|v| (v as f32).to_le_bytes())
            .collect();
        let stem = format!("{scene}-{kind}");
        self.write(&format!("{stem}.rays"), &flat)?;
        let query = if any_hit { "any" } else { "closest" };
        self.line(&["rays", &stem, scene, kind, query, &rays.len().to_string()])
    }

    /// One backend's time; the cpu backend's answers (hit triangle or u32::MAX) as u32.
    fn answers(
        &mut self,
        scene: &str,
        kind: &str,
        backend: &Backend,
        hits: &[u32],
        secs: f64,
    ) -> std::io::Result<()> {
        let stem = format!("{scene}-{kind}");
        if backend.name() == "cpu" {
            let flat: Vec<u8> = hits.iter().flat_map(|h| h.to_le_bytes()).collect();
            self.write(&format!("{stem}.hits"), &flat)?;
        }
        self.line(&[
            "time",
            &stem,
            backend.name(),
            &format!("{secs:.6}"),
            &backend.device(),
        ])
    }
}

/// Parity and throughput of shadow and random rays on cities of 100 k and 1 M triangles on
/// every backend; returns the large city's hierarchy and side for the sun-hours study.
fn ray_tests(
    backends: &[Backend],
    suns: &[[f64; 3]],
    n_rays: usize,
    rng: &mut Rng,
) -> Option<(Bvh, f64)> {
    let mut dump = RayDump::from_env();
    let mut big = None;
    for n_tris in [100_000, 1_000_000] {
        let side = 3000.0 * (n_tris as f64 / 200_000.0).sqrt().max(1.0);
        let tris = city(n_tris, side, rng);
        let scene = format!("city{}k", n_tris / 1000);
        let t = Instant::now();
        let bvh = Bvh::new(&tris);
        println!(
            "\n== rays: city of {} triangles over {side:.0} m (BVH build {:.2} s)",
            tris.len(),
            t.elapsed().as_secs_f64()
        );
        if let Some(d) = dump.as_mut()
            && let Err(e) = d.triangles(&scene, &tris)
        {
            println!("CICADA_RAYS_DUMP: {e}");
        }
        println!(
            "{:<6} {:<10} {:<56} {:>9} {:>10} {:>8}",
            "kind", "backend", "device", "secs", "Mrays/s", "differ"
        );
        for (kind, rays, any_hit) in [
            ("shadow", shadow_rays(rng, side, suns, n_rays), true),
            ("random", random_rays(rng, side, n_rays), false),
        ] {
            if let Some(d) = dump.as_mut()
                && let Err(e) = d.rays(&scene, kind, any_hit, &rays)
            {
                println!("CICADA_RAYS_DUMP: {e}");
            }
            let mut reference: Option<Vec<u32>> = None;
            for backend in backends {
                // Once to warm up (allocations, first-use compilation), once timed.
                let _ = trace(backend, &bvh, &rays[..rays.len().min(10_000)], any_hit);
                let t = Instant::now();
                let Some(hits) = trace(backend, &bvh, &rays, any_hit) else {
                    println!("{kind:<6} {:<10} failed", backend.name());
                    continue;
                };
                let secs = t.elapsed().as_secs_f64();
                // Any-hit may name any blocker: compare blocked or not.
                let differ = reference.as_ref().map_or(0, |r| {
                    r.iter()
                        .zip(&hits)
                        .filter(|(a, b)| {
                            if any_hit {
                                (**a == u32::MAX) != (**b == u32::MAX)
                            } else {
                                a != b
                            }
                        })
                        .count()
                });
                println!(
                    "{kind:<6} {:<10} {:<56} {secs:>9.3} {:>10.1} {differ:>8}",
                    backend.name(),
                    backend.device(),
                    rays.len() as f64 / secs / 1e6
                );
                if let Some(d) = dump.as_mut()
                    && let Err(e) = d.answers(&scene, kind, backend, &hits, secs)
                {
                    println!("CICADA_RAYS_DUMP: {e}");
                }
                reference.get_or_insert(hits);
            }
        }
        big = Some((bvh, side));
    }
    big
}

/// A braced steel building (bench/frame_vs_peers.py's): `nx` × `ny` bays of 6 m, `storeys`
/// of 3.6 m, columns, beams both ways, X-braces (trusses) in the corner bays, fixed bases,
/// self-weight and wind.
fn building(nx: usize, ny: usize, storeys: usize) -> cicada_frame::Model {
    use cicada_frame::*;
    let id = |i: usize, j: usize, k: usize| (k * (nx + 1) + i) * (ny + 1) + j;
    let mut m = Model::default();
    for k in 0..=storeys {
        for i in 0..=nx {
            for j in 0..=ny {
                m.nodes
                    .push([i as f64 * 6.0, j as f64 * 6.0, k as f64 * 3.6]);
            }
        }
    }
    m.materials.push(Material {
        e: 210e9,
        g: 80.77e9,
        density: 7850.0,
        yield_stress: None,
    });
    let props = |a: f64, iy: f64, iz: f64, j: f64| Section {
        area: a,
        iy,
        iz,
        j,
        shear_area_y: a,
        shear_area_z: a,
        wy: None,
        wz: None,
    };
    m.sections = vec![
        props(1.49e-2, 2.517e-4, 8.56e-5, 1.85e-6),
        props(5.38e-3, 8.356e-5, 6.04e-6, 2.01e-7),
        props(2.04e-3, 1e-6, 1e-6, 1e-6),
    ];
    let element = |a: usize, b: usize, section: usize, kind: ElementKind| Element {
        nodes: [a, b],
        material: 0,
        section,
        kind,
        shear_deformation: false,
        releases: [[false; 6]; 2],
        orientation: Orientation::default(),
    };
    for k in 0..storeys {
        for i in 0..=nx {
            for j in 0..=ny {
                m.elements
                    .push(element(id(i, j, k), id(i, j, k + 1), 0, ElementKind::Beam));
            }
        }
        for (i, j, di, dj) in [
            (0, 0, 1, 0),
            (nx - 1, ny, 1, 0),
            (0, 0, 0, 1),
            (nx, ny - 1, 0, 1),
        ] {
            m.elements.push(element(
                id(i, j, k),
                id(i + di, j + dj, k + 1),
                2,
                ElementKind::Truss,
            ));
            m.elements.push(element(
                id(i + di, j + dj, k),
                id(i, j, k + 1),
                2,
                ElementKind::Truss,
            ));
        }
    }
    for k in 1..=storeys {
        for i in 0..=nx {
            for j in 0..ny {
                m.elements
                    .push(element(id(i, j, k), id(i, j + 1, k), 1, ElementKind::Beam));
            }
        }
        for j in 0..=ny {
            for i in 0..nx {
                m.elements
                    .push(element(id(i, j, k), id(i + 1, j, k), 1, ElementKind::Beam));
            }
        }
    }
    m.supports = (0..=nx)
        .flat_map(|i| (0..=ny).map(move |j| (i, j)))
        .map(|(i, j)| Support {
            node: id(i, j, 0),
            fixed: [true; 6],
            springs: [0.0; 6],
        })
        .collect();
    m.cases = vec![
        LoadCase {
            name: "dead".into(),
            gravity: Some([0.0, 0.0, -9.80665]),
            ..LoadCase::default()
        },
        LoadCase {
            name: "wind".into(),
            nodal: (1..=storeys)
                .flat_map(|k| (0..=ny).map(move |j| (id(0, j, k), [6e3, 0.0, 0.0, 0.0, 0.0, 0.0])))
                .collect(),
            ..LoadCase::default()
        },
    ];
    m
}

/// Conjugate gradients on each GPU backend against the direct solve on the CPU, on braced
/// buildings of about 50 k and 200 k DOF: time, iterations, largest displacement difference
/// relative to the largest displacement.
fn structural_pcg(backends: &[Backend], sizes: &[(&str, (usize, usize, usize))]) {
    use cicada_frame::pcg::PcgOptions;
    use cicada_frame::statics::{LinearSolver, StaticOptions, analyse};
    println!("\n== structural: PCG on the GPU against sparse Cholesky on the CPU");
    println!(
        "{:<6} {:<10} {:<56} {:>9} {:>10} {:>12}",
        "model", "solver", "device", "secs", "iterations", "max rel diff"
    );
    let cache = cicada_frame::SymbolicCache::new();
    for &(label, (nx, ny, storeys)) in sizes {
        let model = building(nx, ny, storeys);
        let options = StaticOptions {
            stations: 2,
            ..StaticOptions::default()
        };
        let t = Instant::now();
        let Ok(direct) = analyse(&model, options, &cache, &|_, _| true) else {
            println!("{label:<6} direct failed");
            continue;
        };
        println!(
            "{label:<6} {:<10} {:<56} {:>9.2} {:>10} {:>12}",
            "cholesky",
            "cpu",
            t.elapsed().as_secs_f64(),
            "-",
            "-"
        );
        for backend in backends.iter().filter(|b| b.gpu().is_some()) {
            let device = cicada_compute::structural::iterative_solver(backend);
            let options = StaticOptions {
                stations: 2,
                solver: LinearSolver::Pcg(PcgOptions::default(), device.as_ref()),
            };
            let t = Instant::now();
            match analyse(&model, options, &cache, &|_, _| true) {
                Ok(pcg) => {
                    let secs = t.elapsed().as_secs_f64();
                    let mut worst = 0.0f64;
                    let mut peak = 0.0f64;
                    for (a, b) in pcg.cases.iter().zip(&direct.cases) {
                        for (x, y) in a.displacements.iter().zip(&b.displacements) {
                            for k in 0..3 {
                                worst = worst.max((x[k] - y[k]).abs());
                                peak = peak.max(y[k].abs());
                            }
                        }
                    }
                    let iterations: usize = pcg.pcg.iter().map(|p| p.iterations).sum();
                    println!(
                        "{label:<6} {:<10} {:<56} {secs:>9.2} {iterations:>10} {:>12.2e}",
                        format!("pcg {}", backend.name()),
                        backend.device(),
                        worst / peak
                    );
                }
                Err(e) => println!("{label:<6} pcg {} failed: {e}", backend.name()),
            }
        }
    }
}

/// The clash narrow phase's contact filter on each GPU backend against the CPU's, on
/// `n` nearby random triangle pairs (about a tenth crossing, some touching and coplanar):
/// triangle pairs a second, pairs whose code differs from the CPU filter's (must be 0),
/// and the CPU's exact test for scale.
fn clash_filter(backends: &[Backend], n: usize) {
    use cicada_geom::triangle_contact::{FilteredContact, filtered_contact, triangle_contact};
    use rayon::prelude::*;
    println!("\n== clash narrow phase: {n} triangle pairs through the f64 contact filter");
    let mut rng = Rng(0x7219_c1a5_4dd0_2026);
    let mut coords = Vec::with_capacity(n * 18);
    for k in 0..n {
        let mut t = [[0.0; 3]; 6];
        for c in &mut t {
            *c = [rng.next(), rng.next(), rng.next()];
        }
        if k % 50 == 0 {
            t[3] = t[0];
        }
        coords.extend(t.iter().flatten());
    }
    let pair = |k: usize| {
        let c = &coords[18 * k..18 * k + 18];
        let p = |i: usize| Point3::new(c[3 * i], c[3 * i + 1], c[3 * i + 2]);
        ([p(0), p(1), p(2)], [p(3), p(4), p(5)])
    };
    let t = Instant::now();
    let want: Vec<u32> = (0..n)
        .into_par_iter()
        .map(|k| {
            let (a, b) = pair(k);
            match filtered_contact(a, b) {
                FilteredContact::Disjoint => 0,
                FilteredContact::Crossing => 1,
                FilteredContact::Undecided => 2,
            }
        })
        .collect();
    let filter_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let crossing = (0..n)
        .into_par_iter()
        .filter(|&k| {
            let (a, b) = pair(k);
            triangle_contact(a, b) == cicada_geom::triangle_contact::TriangleContact::Crossing
        })
        .count();
    let exact_secs = t.elapsed().as_secs_f64();
    println!(
        "{:<10} {:<56} {:>9} {:>12} {:>8}",
        "backend", "device", "secs", "Mpairs/s", "differ"
    );
    println!(
        "{:<10} {:<56} {filter_secs:>9.3} {:>12.1} {:>8}",
        "cpu",
        format!("filter, {} threads", rayon::current_num_threads()),
        n as f64 / filter_secs / 1e6,
        0
    );
    println!(
        "{:<10} {:<56} {exact_secs:>9.3} {:>12.1} {:>8}",
        "cpu",
        format!("exact test ({crossing} crossing)"),
        n as f64 / exact_secs / 1e6,
        "-"
    );
    for backend in backends {
        let Some(device) = backend.gpu() else {
            continue;
        };
        let _ = device.classify_triangle_pairs(&coords[..18 * n.min(10_000)]);
        let t = Instant::now();
        match device.classify_triangle_pairs(&coords) {
            Ok(codes) => {
                let secs = t.elapsed().as_secs_f64();
                let differ = codes.iter().zip(&want).filter(|(a, b)| a != b).count();
                println!(
                    "{:<10} {:<56} {secs:>9.3} {:>12.1} {differ:>8}",
                    backend.name(),
                    backend.device(),
                    n as f64 / secs / 1e6
                );
            }
            Err(e) => println!("{:<10} failed: {e}", backend.name()),
        }
    }
}

/// A clash job end to end on each backend: `n` random boxes (12 triangles) and icospheres
/// (320 and 1 280 triangles), about as dense as bench/clash_vs_fcl.py's scenes, all
/// against all, hard at 0 with a 0.05 m clearance (so touching and near pairs go through
/// the narrow phase without stopping at a crossing). Per backend: broad and narrow
/// seconds, triangle pairs the device classified and of those decided on the host, and
/// whether the clashes are the CPU's (must be: same pairs, kinds, distances and depths).
fn clash_scene(backends: &[Backend], n: usize) {
    use cicada_clash::{ObjectTags, Rules, Tests};
    use cicada_compute::clash::{detect, prepare_objects};
    use cicada_geom::Mesh;
    let mut rng = Rng(0x0c1a_5b0b_2026_1129);
    let side = 30.0 * (n as f64 / 500.0).cbrt();
    let meshes: Vec<Mesh> = (0..n)
        .map(|k| {
            let c = Point3::new(rng.next() * side, rng.next() * side, rng.next() * side);
            let r = 0.4 + 1.2 * rng.next();
            if k % 2 == 0 {
                Mesh::icosphere(c, r, 2 + (k % 4 == 0) as u32)
            } else {
                let h = Vector3::new(r, r * (0.3 + rng.next()), r * (0.3 + rng.next()));
                Mesh::axis_aligned_box(c - h, c + h)
            }
        })
        .collect();
    let inputs: Vec<(&Mesh, f64)> = meshes.iter().map(|m| (m, 0.0)).collect();
    let t = Instant::now();
    let Ok(objects) = prepare_objects(&inputs, &NoProgress) else {
        return;
    };
    let triangles: usize = objects.iter().map(|o| o.triangle_count()).sum();
    println!(
        "\n== clash job: {n} objects, {triangles} triangles over {side:.0} m (prepared in {:.2} s)",
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<10} {:<56} {:>8} {:>8} {:>12} {:>10} {:>8} {:>6}",
        "backend", "device", "broad s", "narrow s", "dev. pairs", "on host", "clashes", "same"
    );
    let tags = vec![
        ObjectTags {
            layer: None,
            group: None,
            in_a: true,
            in_b: false,
        };
        n
    ];
    let tests = Tests {
        hard: Some(0.0),
        clearance: Some(0.05),
        duplicates: None,
        containment: true,
        conservative: false,
    };
    let mut reference = None;
    for backend in backends {
        let Ok(run) = detect(
            &objects,
            &tags,
            &Rules::default(),
            &tests,
            backend,
            &NoProgress,
        ) else {
            continue;
        };
        let same = reference
            .as_ref()
            .is_none_or(|r: &Vec<cicada_clash::Clash>| *r == run.clashes);
        println!(
            "{:<10} {:<56} {:>8.3} {:>8.3} {:>12} {:>10} {:>8} {:>6}",
            backend.name(),
            run.device_fallback.as_deref().unwrap_or(&backend.device()),
            run.broad_secs,
            run.narrow_secs,
            run.device_pairs,
            run.device_undecided,
            run.clashes.len(),
            if same { "yes" } else { "NO" }
        );
        reference.get_or_insert(run.clashes);
    }
}

fn main() {
    // `gpu_check structural`: only the PCG check, on a 10 k DOF building (quick, for
    // software Vulkan). `gpu_check clash [PAIRS]`: only the clash filter.
    if std::env::args().nth(1).as_deref() == Some("structural") {
        structural_pcg(&backends(), &[("10k", (6, 6, 34))]);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("clash") {
        let n = std::env::args()
            .nth(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(200_000);
        let backends = backends();
        clash_filter(&backends, n);
        clash_scene(&backends, 2_000);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("rays") {
        let n_rays = std::env::args()
            .nth(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(1_000_000);
        kernel_start();
        ray_tests(
            &backends(),
            &year_of_suns(),
            n_rays,
            &mut Rng(0x00c1_cada_2026_1128),
        );
        return;
    }
    // `gpu_check dry`: every step at sizes a CPU with software Vulkan gets through in a
    // minute or two, to try the whole run before it goes to a device.
    let dry = std::env::args().nth(1).as_deref() == Some("dry");
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_sensors = args
        .first()
        .copied()
        .unwrap_or(if dry { 2_000 } else { 1_000_000 });
    let n_rays = args
        .get(1)
        .copied()
        .unwrap_or(if dry { 20_000 } else { 4_000_000 });
    let suns = year_of_suns();
    kernel_start();
    let backends = backends();
    let mut rng = Rng(0x00c1_cada_2026_1128);
    let big = ray_tests(&backends, &suns, n_rays, &mut rng);
    if dry {
        structural_pcg(&backends, &[("10k", (6, 6, 34))]);
        clash_filter(&backends, 100_000);
        clash_scene(&backends, 1_000);
    } else {
        structural_pcg(&backends, &[("50k", (12, 12, 50)), ("200k", (20, 20, 75))]);
        clash_filter(&backends, 20_000_000);
        clash_scene(&backends, 10_000);
    }
    let Some((bvh, side)) = big else { return };
    let sensors: Vec<Sensor> = (0..n_sensors)
        .map(|_| Sensor {
            position: Point3::new(rng.next() * side, rng.next() * side, 0.1),
            normal: Vector3::new(0.0, 0.0, 1.0),
            area: 1.0,
        })
        .collect();
    println!(
        "\n== a year of hourly sun hours: {} sensors, {} suns, 1 M-triangle city",
        sensors.len(),
        suns.len()
    );
    println!(
        "{:<10} {:<56} {:>9} {:>10} {:>8} {:>12}",
        "backend", "device", "secs", "Mrays/s", "differ", "rays differ"
    );
    let mut reference: Option<Vec<u32>> = None;
    for backend in &backends {
        let t = Instant::now();
        let Ok(e) = sun_exposure(backend, &bvh, &sensors, &suns, None, false, &NoProgress) else {
            continue;
        };
        let secs = t.elapsed().as_secs_f64();
        // Sensors whose count differs, and the rays at least that differ (the counts'
        // differences: exact unless a sensor's differing rays cancel).
        let (differ, rays_differ) = reference.as_ref().map_or((0, 0), |r| {
            r.iter().zip(&e.lit).fold((0, 0u64), |(n, d), (a, b)| {
                (n + usize::from(a != b), d + u64::from(a.abs_diff(*b)))
            })
        });
        println!(
            "{:<10} {:<56} {secs:>9.2} {:>10.1} {differ:>8} {rays_differ:>12}",
            backend.name(),
            backend.device(),
            e.rays as f64 / secs / 1e6
        );
        reference.get_or_insert(e.lit);
    }
}

//! The CUDA backend through cudarc: the driver and NVRTC are loaded at run time (so a build
//! needs no CUDA), the kernels of `cuda/traverse.cu` are compiled by NVRTC when a worker
//! opens the device and kept on disk as sealed PTX, keyed by everything that shapes it, so
//! the next worker on that machine skips the compiler (and runs with no NVRTC at all).

// The driver API is C: loading libraries and launching kernels are `unsafe` in cudarc.
// Each use below says why it is sound.
#![allow(unsafe_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use cicada_geom::bvh::{Bvh, Ray};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::{CompileOptions, Ptx};

use crate::layout::{self, HitOut, Kernels, Params, PartArrays, SensorIn, SunParams, WORKGROUP};
use crate::{GpuError, GpuHit, KernelLoad};

/// The kernels' source, compiled at worker start.
pub const KERNEL_SOURCE: &str = include_str!("cuda/traverse.cu");

/// The conjugate-gradient kernels' source, compiled on first use.
pub const PCG_SOURCE: &str = include_str!("cuda/pcg.cu");
/// The triangle-pair filter's CUDA C++ source (compiled by NVRTC on first use).
pub const TRI_PAIRS_SOURCE: &str = include_str!("cuda/tri_pairs.cu");

/// Bump when the host side changes what the kernels expect, so cached PTX is not reused.
const KERNEL_ABI: u32 = 1;

/// A CUDA device ready for Cicada's kernels.
pub struct Cuda {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    rays: CudaFunction,
    suns: CudaFunction,
    name: String,
    memory: u64,
    load: KernelLoad,
    options: CompileOptions,
    cache: Option<std::path::PathBuf>,
    driver_version: i32,
    pcg: std::sync::Mutex<Option<Arc<PcgFunctions>>>,
    tri_pairs: std::sync::Mutex<Option<CudaFunction>>,
}

/// The conjugate-gradient kernels of a device.
struct PcgFunctions {
    spmv_dot: CudaFunction,
    update: CudaFunction,
    precondition: CudaFunction,
    direction: CudaFunction,
    reduce: CudaFunction,
}

/// A hierarchy uploaded to a CUDA device (see [`Cuda::upload`]).
pub struct CudaScene(layout::Uploaded<Part>);

impl CudaScene {
    /// Number of subtrees the scene was uploaded as (1 unless it outgrew a binding).
    pub fn parts(&self) -> usize {
        self.0.parts.len()
    }
}

/// One subtree in device memory.
pub(crate) struct Part {
    nodes: CudaSlice<u32>,
    triangles: CudaSlice<f32>,
}

fn driver(e: cudarc::driver::DriverError) -> GpuError {
    GpuError::Device(e.to_string())
}

/// Whether the CUDA driver library can be loaded; cudarc panics on the first call into a
/// library it cannot load, so this is asked before anything else.
pub fn driver_present() -> bool {
    // SAFETY: only tries to dlopen libcuda under its usual names; nothing is called.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

/// Whether NVRTC (libnvrtc) can be loaded.
pub fn nvrtc_present() -> bool {
    // SAFETY: as `driver_present`, for libnvrtc.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// NVRTC options for a device of compute capability `major.minor`: PTX for that
/// architecture, fused multiply-add allowed (f32 rounding differs from the CPU only on
/// edge-grazing rays, which the parity tests count).
fn compile_options(major: i32, minor: i32) -> CompileOptions {
    CompileOptions {
        options: vec![
            format!("--gpu-architecture=compute_{major}{minor}"),
            "--std=c++17".into(),
        ],
        ..Default::default()
    }
}

/// The cache key of the PTX: source, options, architecture, driver and the host ABI.
fn cache_key(source: &str, options: &CompileOptions, driver_version: i32) -> String {
    let mut h = blake3::Hasher::new();
    h.update(source.as_bytes());
    for o in &options.options {
        h.update(o.as_bytes());
        h.update(&[0]);
    }
    h.update(&driver_version.to_le_bytes());
    h.update(&KERNEL_ABI.to_le_bytes());
    h.finalize().to_hex()[..32].to_string()
}

/// Compiles the ray kernels with NVRTC.
pub fn compile(options: CompileOptions) -> Result<String, GpuError> {
    compile_source(KERNEL_SOURCE, options)
}

/// Compiles `source` with NVRTC.
pub fn compile_source(source: &str, options: CompileOptions) -> Result<String, GpuError> {
    if !nvrtc_present() {
        return Err(GpuError::Unavailable(
            "NVRTC (libnvrtc.so) is not on the library path and no compiled kernel is cached \
             for this device"
                .into(),
        ));
    }
    cudarc::nvrtc::compile_ptx_with_opts(source, options)
        .map(|ptx| ptx.to_src())
        .map_err(|e| match e {
            cudarc::nvrtc::CompileError::CompileError { log, .. } => {
                GpuError::Device(format!("NVRTC: {}", log.to_string_lossy()))
            }
            other => GpuError::Device(format!("NVRTC: {other}")),
        })
}

/// Compiles for compute capability `major.minor` (tests and the device check).
pub fn compile_for(major: i32, minor: i32) -> Result<String, GpuError> {
    compile(compile_options(major, minor))
}

/// Compiles the triangle-pair filter for compute capability `major.minor`.
pub fn compile_tri_pairs_for(major: i32, minor: i32) -> Result<String, GpuError> {
    compile_source(TRI_PAIRS_SOURCE, compile_options(major, minor))
}

/// Compiles the conjugate-gradient kernels for compute capability `major.minor`.
pub fn compile_pcg_for(major: i32, minor: i32) -> Result<String, GpuError> {
    compile_source(PCG_SOURCE, compile_options(major, minor))
}

/// Loads `source` as a module: from sealed PTX in `cache` when there (a file that fails to
/// load is compiled again and replaced), else compiled and kept there. Also says whether
/// it came from the cache.
fn load_module(
    ctx: &Arc<CudaContext>,
    source: &str,
    options: &CompileOptions,
    cache: Option<&Path>,
    driver_version: i32,
) -> Result<(Arc<cudarc::driver::CudaModule>, bool), GpuError> {
    let cache_file = cache.map(|dir| {
        dir.join(format!(
            "{}.ptx",
            cache_key(source, options, driver_version)
        ))
    });
    let cached = cache_file
        .as_deref()
        .and_then(crate::sealed::read)
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if let Some(module) = cached.and_then(|ptx| ctx.load_module(Ptx::from_src(ptx)).ok()) {
        return Ok((module, true));
    }
    let ptx = compile_source(source, options.clone())?;
    if let Some(f) = &cache_file {
        // A read-only or full disk costs the next start a compile, nothing else.
        if let Err(e) = crate::sealed::write(f, ptx.as_bytes()) {
            tracing::warn!("kernel cache {}: {e}", f.display());
        }
    }
    Ok((ctx.load_module(Ptx::from_src(ptx)).map_err(driver)?, false))
}

impl Cuda {
    /// Opens CUDA device 0 with its kernels, from the PTX cache in `cache` when it has them
    /// (a cached file that fails to load is compiled again and replaced), or says why
    /// there is no CUDA device here.
    pub fn new(cache: Option<&Path>) -> Result<Cuda, GpuError> {
        Cuda::open(0, cache)
    }

    /// CUDA devices on this machine (0 without a driver).
    pub fn count() -> usize {
        if !driver_present() {
            return 0;
        }
        CudaContext::device_count().map_or(0, |n| n.max(0) as usize)
    }

    /// As [`Cuda::new`], on device `ordinal`.
    pub fn open(ordinal: usize, cache: Option<&Path>) -> Result<Cuda, GpuError> {
        let start = Instant::now();
        if !driver_present() {
            return Err(GpuError::Unavailable(
                "no CUDA driver (libcuda.so) on this machine".into(),
            ));
        }
        let ctx = CudaContext::new(ordinal).map_err(|e| GpuError::Unavailable(e.to_string()))?;
        let (major, minor) = ctx.compute_capability().map_err(driver)?;
        let name = ctx.name().map_err(driver)?;
        let memory = ctx.total_mem().map_err(driver)? as u64;
        let mut version = 0i32;
        // SAFETY: writes one int through a valid pointer; the driver is loaded (above).
        unsafe { cudarc::driver::sys::cuDriverGetVersion(&mut version) }
            .result()
            .map_err(driver)?;
        let options = compile_options(major, minor);
        let cache_file = cache.map(|dir| {
            dir.join(format!(
                "{}.ptx",
                cache_key(KERNEL_SOURCE, &options, version)
            ))
        });
        let (module, from_cache) = load_module(&ctx, KERNEL_SOURCE, &options, cache, version)?;
        let rays = module.load_function("trace").map_err(driver)?;
        let suns = module.load_function("sun_bits").map_err(driver)?;
        Ok(Cuda {
            stream: ctx.default_stream(),
            ctx: ctx.clone(),
            options,
            cache: cache.map(Path::to_path_buf),
            driver_version: version,
            pcg: std::sync::Mutex::new(None),
            tri_pairs: std::sync::Mutex::new(None),
            rays,
            suns,
            name: format!(
                "{name}, compute {major}.{minor}, driver {}.{}",
                version / 1000,
                version % 1000 / 10
            ),
            memory,
            load: KernelLoad {
                from_cache,
                seconds: start.elapsed().as_secs_f64(),
                cache_file,
            },
        })
    }

    /// The device's name, compute capability and driver version.
    pub fn device_name(&self) -> String {
        self.name.clone()
    }

    /// The device's memory in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory
    }

    /// How the kernels were made ready when the device was opened.
    pub fn kernel_load(&self) -> &KernelLoad {
        &self.load
    }

    /// Uploads `bvh` for ray queries (in parts of at most 2 GiB, the size a 32-bit index
    /// into 16-byte elements reaches).
    pub fn upload(&self, bvh: &Bvh) -> Result<CudaScene, GpuError> {
        layout::upload(self, bvh).map(CudaScene)
    }

    /// Traces `rays` against `scene`: the nearest hit of each, or with `any_hit` whichever
    /// hit the kernel finds first.
    pub fn trace(
        &self,
        scene: &CudaScene,
        rays: &[Ray],
        any_hit: bool,
    ) -> Result<Vec<Option<GpuHit>>, GpuError> {
        layout::trace(self, &scene.0, rays, any_hit)
    }

    /// Which of `directions` each sensor sees, as [`crate::Gpu::sun_bits`].
    pub fn sun_bits(
        &self,
        scene: &CudaScene,
        sensors: &[(cicada_geom::Point3, cicada_geom::Vector3)],
        directions: &[[f64; 3]],
    ) -> Result<Vec<u32>, GpuError> {
        layout::sun_bits(self, &scene.0, sensors, directions)
    }
}

impl Kernels for Cuda {
    type Part = Part;

    fn max_binding_bytes(&self) -> u64 {
        // Kernels index float4 arrays with 32-bit integers (2 * node, 3 * triangle).
        1 << 31
    }

    fn load(&self, part: &PartArrays) -> Result<Part, GpuError> {
        Ok(Part {
            nodes: self.stream.clone_htod(&part.nodes).map_err(driver)?,
            triangles: self.stream.clone_htod(&part.triangles).map_err(driver)?,
        })
    }

    fn rays(
        &self,
        part: &Part,
        rays: &[layout::RayIn],
        params: &Params,
    ) -> Result<Vec<HitOut>, GpuError> {
        let input = self
            .stream
            .clone_htod(bytemuck::cast_slice::<_, f32>(rays))
            .map_err(driver)?;
        let mut hits = self
            .stream
            .alloc_zeros::<u32>(rays.len() * 4)
            .map_err(driver)?;
        let mut launch = self.stream.launch_builder(&self.rays);
        launch
            .arg(&part.nodes)
            .arg(&part.triangles)
            .arg(&input)
            .arg(&mut hits)
            .arg(&params.count)
            .arg(&params.any_hit)
            .arg(&params.slack);
        // SAFETY: the arguments match `trace` in traverse.cu in order and type; `input`
        // holds `count` rays and `hits` `count` float4s; the nodes and triangles are one
        // part in the layout the kernel walks, whose links stay inside it (layout.rs).
        unsafe { launch.launch(grid(rays.len(), 1)) }.map_err(driver)?;
        let words = self.stream.clone_dtoh(&hits).map_err(driver)?;
        Ok(bytemuck::pod_collect_to_vec(&words))
    }

    fn suns(
        &self,
        part: &Part,
        sensors: &[SensorIn],
        suns: &[[f32; 4]],
        params: &SunParams,
    ) -> Result<Vec<u32>, GpuError> {
        let sensors_dev = self
            .stream
            .clone_htod(bytemuck::cast_slice::<_, f32>(sensors))
            .map_err(driver)?;
        let suns_dev = self
            .stream
            .clone_htod(bytemuck::cast_slice::<_, f32>(suns))
            .map_err(driver)?;
        let mut lit = self
            .stream
            .alloc_zeros::<u32>(sensors.len() * params.words as usize)
            .map_err(driver)?;
        let mut launch = self.stream.launch_builder(&self.suns);
        launch
            .arg(&part.nodes)
            .arg(&part.triangles)
            .arg(&sensors_dev)
            .arg(&suns_dev)
            .arg(&mut lit)
            .arg(&params.sensors)
            .arg(&params.suns)
            .arg(&params.slack)
            .arg(&params.words);
        // SAFETY: the arguments match `sun_bits` in traverse.cu; `lit` holds sensors ×
        // words words, the grid's y is `words`, and the part is in the kernel's layout.
        unsafe { launch.launch(grid(sensors.len(), params.words)) }.map_err(driver)?;
        self.stream.clone_dtoh(&lit).map_err(driver)
    }
}

/// A system and its CG vectors in CUDA device memory.
pub struct CudaPcg {
    row_ptr: CudaSlice<u32>,
    cols: CudaSlice<u32>,
    vals: CudaSlice<f64>,
    pre_rows: CudaSlice<u32>,
    pre_vals: CudaSlice<f64>,
    x: CudaSlice<f64>,
    r: CudaSlice<f64>,
    z: CudaSlice<f64>,
    p: CudaSlice<f64>,
    q: CudaSlice<f64>,
    partial: CudaSlice<f64>,
    scalars: CudaSlice<f64>,
    functions: Arc<PcgFunctions>,
    n: u32,
    groups: u32,
}

impl Cuda {
    /// The conjugate-gradient kernels, compiled (or loaded from the PTX cache) on first use.
    fn pcg_functions(&self) -> Result<Arc<PcgFunctions>, GpuError> {
        let mut slot = self
            .pcg
            .lock()
            .map_err(|_| GpuError::Device("a PCG compile panicked".into()))?;
        if let Some(f) = slot.as_ref() {
            return Ok(f.clone());
        }
        let (module, _) = load_module(
            &self.ctx,
            PCG_SOURCE,
            &self.options,
            self.cache.as_deref(),
            self.driver_version,
        )?;
        let get = |name: &str| module.load_function(name).map_err(driver);
        let functions = Arc::new(PcgFunctions {
            spmv_dot: get("spmv_dot")?,
            update: get("update")?,
            precondition: get("precondition")?,
            direction: get("direction")?,
            reduce: get("reduce")?,
        });
        *slot = Some(functions.clone());
        Ok(functions)
    }

    /// Classifies triangle pairs as [`crate::Gpu::classify_triangle_pairs`] does, the
    /// kernel compiled (or loaded from the PTX cache) on first use.
    pub fn classify_triangle_pairs(&self, coords: &[f64]) -> Result<Vec<u32>, GpuError> {
        use crate::tri_pairs::{PAIR_DOUBLES, check, chunk_pairs};
        let count = check(coords)?;
        let function = {
            let mut slot = self
                .tri_pairs
                .lock()
                .map_err(|_| GpuError::Device("a kernel compile panicked".into()))?;
            match slot.as_ref() {
                Some(f) => f.clone(),
                None => {
                    let (module, _) = load_module(
                        &self.ctx,
                        TRI_PAIRS_SOURCE,
                        &self.options,
                        self.cache.as_deref(),
                        self.driver_version,
                    )?;
                    let f = module.load_function("classify_pairs").map_err(driver)?;
                    *slot = Some(f.clone());
                    f
                }
            }
        };
        let mut codes = Vec::with_capacity(count);
        // Device memory is not a binding; a chunk bounds the staging copies.
        for chunk in coords.chunks(chunk_pairs(1 << 30) * PAIR_DOUBLES) {
            let n = (chunk.len() / PAIR_DOUBLES) as u32;
            let input = self.stream.clone_htod(chunk).map_err(driver)?;
            let mut output = self.stream.alloc_zeros::<u32>(n as usize).map_err(driver)?;
            let mut l = self.stream.launch_builder(&function);
            l.arg(&input).arg(&mut output).arg(&n);
            // SAFETY: classify_pairs(const double*, unsigned*, unsigned) in tri_pairs.cu;
            // `input` holds 18 n doubles, `output` n codes, the grid covers n threads.
            unsafe { l.launch(grid(n as usize, 1)) }.map_err(driver)?;
            codes.extend(self.stream.clone_dtoh(&output).map_err(driver)?);
        }
        Ok(codes)
    }

    /// Solves `system x = b` by preconditioned conjugate gradients on this device, as
    /// [`crate::Gpu::pcg`].
    pub fn pcg(
        &self,
        system: &crate::pcg::PcgSystem,
        b: &[f64],
        tolerance: f64,
        max_iterations: usize,
    ) -> Result<crate::pcg::PcgRun, GpuError> {
        crate::pcg::solve(self, system, b, tolerance, max_iterations)
    }

    fn launch_pcg(&self, up: &mut CudaPcg, step: PcgStep) -> Result<(), GpuError> {
        let f = up.functions.clone();
        let rows = grid(up.n as usize, 1);
        let one = LaunchConfig {
            grid_dim: (1, 1, 1),
            block_dim: (WORKGROUP, 1, 1),
            shared_mem_bytes: 0,
        };
        let s = &self.stream;
        // SAFETY (every launch below): the arguments match the kernel of the same name in
        // pcg.cu in order and type; every vector holds `n` doubles, `partial` 2 × groups,
        // `scalars` 8, the CSR and preconditioner arrays are consistent (PcgSystem), and
        // grids cover n rows with WORKGROUP (= GROUP in pcg.cu) threads per block.
        match step {
            PcgStep::SpmvDot => {
                let mut l = s.launch_builder(&f.spmv_dot);
                l.arg(&up.row_ptr)
                    .arg(&up.cols)
                    .arg(&up.vals)
                    .arg(&up.p)
                    .arg(&mut up.q);
                l.arg(&mut up.partial).arg(&up.n);
                unsafe { l.launch(rows) }.map_err(driver)?;
            }
            PcgStep::Update => {
                let mut l = s.launch_builder(&f.update);
                l.arg(&mut up.x)
                    .arg(&mut up.r)
                    .arg(&up.p)
                    .arg(&up.q)
                    .arg(&up.scalars);
                l.arg(&mut up.partial).arg(&up.n);
                unsafe { l.launch(rows) }.map_err(driver)?;
            }
            PcgStep::Precondition => {
                let mut l = s.launch_builder(&f.precondition);
                l.arg(&up.pre_rows)
                    .arg(&up.pre_vals)
                    .arg(&up.r)
                    .arg(&mut up.z);
                l.arg(&mut up.partial).arg(&up.n).arg(&up.groups);
                unsafe { l.launch(rows) }.map_err(driver)?;
            }
            PcgStep::Direction => {
                let mut l = s.launch_builder(&f.direction);
                l.arg(&mut up.p).arg(&up.z).arg(&up.scalars).arg(&up.n);
                unsafe { l.launch(rows) }.map_err(driver)?;
            }
            PcgStep::Reduce(mode) => {
                let mut l = s.launch_builder(&f.reduce);
                l.arg(&up.partial)
                    .arg(&mut up.scalars)
                    .arg(&up.groups)
                    .arg(&mode);
                unsafe { l.launch(one) }.map_err(driver)?;
            }
        }
        Ok(())
    }
}

/// One step of a CG iteration.
#[derive(Clone, Copy)]
enum PcgStep {
    SpmvDot,
    Update,
    Precondition,
    Direction,
    Reduce(u32),
}

impl crate::pcg::PcgKernels for Cuda {
    type Uploaded = std::sync::Mutex<CudaPcg>;

    fn start(&self, system: &crate::pcg::PcgSystem, b: &[f64]) -> Result<Self::Uploaded, GpuError> {
        let functions = self.pcg_functions()?;
        let n = system.n;
        let groups = (n as u32).div_ceil(WORKGROUP).max(1);
        let s = &self.stream;
        let zeros = |len: usize| s.alloc_zeros::<f64>(len.max(1)).map_err(driver);
        let mut up = CudaPcg {
            row_ptr: s.clone_htod(&system.row_ptr).map_err(driver)?,
            cols: s.clone_htod(&system.cols).map_err(driver)?,
            vals: s.clone_htod(&system.vals).map_err(driver)?,
            pre_rows: s
                .clone_htod(bytemuck::cast_slice::<_, u32>(&system.pre_rows))
                .map_err(driver)?,
            pre_vals: s.clone_htod(&system.pre_vals).map_err(driver)?,
            x: zeros(n)?,
            r: s.clone_htod(b).map_err(driver)?,
            z: zeros(n)?,
            p: zeros(n)?,
            q: zeros(n)?,
            partial: zeros(2 * groups as usize)?,
            scalars: zeros(8)?,
            functions,
            n: n as u32,
            groups,
        };
        for step in [
            PcgStep::Precondition,
            PcgStep::Reduce(2),
            PcgStep::Direction,
        ] {
            self.launch_pcg(&mut up, step)?;
        }
        Ok(std::sync::Mutex::new(up))
    }

    fn iterate(&self, up: &Self::Uploaded, iterations: usize) -> Result<f64, GpuError> {
        let mut up = up
            .lock()
            .map_err(|_| GpuError::Device("a PCG launch panicked".into()))?;
        for _ in 0..iterations {
            for step in [
                PcgStep::SpmvDot,
                PcgStep::Reduce(0),
                PcgStep::Update,
                PcgStep::Precondition,
                PcgStep::Reduce(1),
                PcgStep::Direction,
            ] {
                self.launch_pcg(&mut up, step)?;
            }
        }
        let scalars = self.stream.clone_dtoh(&up.scalars).map_err(driver)?;
        Ok(scalars[4])
    }

    fn solution(&self, up: &Self::Uploaded) -> Result<Vec<f64>, GpuError> {
        let up = up
            .lock()
            .map_err(|_| GpuError::Device("a PCG launch panicked".into()))?;
        let mut x = self.stream.clone_dtoh(&up.x).map_err(driver)?;
        x.truncate(up.n as usize);
        Ok(x)
    }
}

/// Blocks of [`WORKGROUP`] threads over `n` items, `y` deep.
fn grid(n: usize, y: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: ((n as u32).div_ceil(WORKGROUP), y, 1),
        block_dim: (WORKGROUP, 1, 1),
        shared_mem_bytes: 0,
    }
}

#[cfg(test)]
mod host_check;

#[cfg(test)]
mod pcg_host_check;
#[cfg(test)]
mod tri_pairs_host_check;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_without_the_driver_gets_a_reason_not_a_panic() {
        if driver_present() {
            return;
        }
        match Cuda::new(None) {
            Err(GpuError::Unavailable(reason)) => assert!(reason.contains("libcuda"), "{reason}"),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("opened CUDA with no driver"),
        }
    }

    /// NVRTC itself on the kernels, for a Hopper (9.0) and an Ampere (8.0) part, when it is
    /// on the library path (scripts/setup-test-deps.sh puts a pip copy under target/): a
    /// syntax or type error in traverse.cu fails here, not on the first GPU machine.
    #[test]
    fn nvrtc_compiles_the_kernels() {
        if !nvrtc_present() {
            assert!(
                std::env::var_os("CICADA_SKIP_GPU_TESTS").is_some(),
                "libnvrtc.so is not on the library path (scripts/setup-nvrtc.sh, or set \
                 CICADA_SKIP_GPU_TESTS)"
            );
            return;
        }
        for (major, minor) in [(9, 0), (8, 0)] {
            let ptx = compile_for(major, minor).unwrap();
            assert!(
                ptx.contains(&format!(".target sm_{major}{minor}")),
                "{ptx:.400}"
            );
            for entry in ["trace", "sun_bits"] {
                assert!(
                    ptx.contains(&format!(".entry {entry}(")),
                    "no entry {entry}"
                );
            }
            let pcg = compile_pcg_for(major, minor).unwrap();
            for entry in ["spmv_dot", "update", "precondition", "direction", "reduce"] {
                assert!(
                    pcg.contains(&format!(".entry {entry}(")),
                    "no entry {entry}"
                );
            }
            let pairs = compile_tri_pairs_for(major, minor).unwrap();
            assert!(pairs.contains(".entry classify_pairs("), "{pairs:.400}");
        }
    }

    #[test]
    fn the_cache_key_follows_source_options_and_driver() {
        let a = cache_key(KERNEL_SOURCE, &compile_options(9, 0), 12080);
        assert_eq!(a, cache_key(KERNEL_SOURCE, &compile_options(9, 0), 12080));
        assert_ne!(a, cache_key(KERNEL_SOURCE, &compile_options(8, 0), 12080));
        assert_ne!(a, cache_key(KERNEL_SOURCE, &compile_options(9, 0), 12090));
        assert_ne!(a, cache_key(PCG_SOURCE, &compile_options(9, 0), 12080));
    }
}

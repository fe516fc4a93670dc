//! The CUDA conjugate-gradient kernels' logic on the CPU: `pcg.cu` compiled as C++
//! (pcg_harness.cpp, each block's threads on host threads with a barrier), driven by the
//! same host loop as the devices (`pcg::solve`), against the exact solution of a
//! block-tridiagonal system with 3-DOF node blocks. NVRTC compiling the file is
//! `nvrtc_compiles_the_kernels`; running it on a GPU is the device script.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::GpuError;
use crate::pcg::{PcgKernels, PcgSystem, assert_solves_chain, chain_system, solve};

fn harness() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cuda/pcg_harness.cpp");
        let dir = std::env::temp_dir().join(format!("cicada-pcg-host-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("pcg_harness");
        let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
        let status = Command::new(&compiler)
            .args(["-O2", "-std=c++20", "-Wall", "-Werror", "-pthread", "-o"])
            .arg(&exe)
            .arg(&src)
            .status()
            .unwrap_or_else(|e| {
                panic!("{compiler}: {e} (install g++: scripts/setup-test-deps.sh)")
            });
        assert!(status.success(), "{compiler} failed on pcg_harness.cpp");
        exe
    })
}

/// The kernels of pcg.cu on the CPU, one harness run per start or batch of iterations,
/// the device memory being files in `dir`.
struct Host {
    dir: PathBuf,
}

impl Host {
    fn run(&self, args: &[&str]) {
        let status = Command::new(harness())
            .arg(args[0])
            .arg(&self.dir)
            .args(&args[1..])
            .status()
            .unwrap();
        assert!(status.success(), "pcg harness {args:?} failed");
    }

    fn read(&self, name: &str) -> Vec<f64> {
        bytemuck::pod_collect_to_vec(&std::fs::read(self.dir.join(name)).unwrap())
    }
}

impl PcgKernels for Host {
    type Uploaded = usize;

    fn start(&self, system: &PcgSystem, b: &[f64]) -> Result<usize, GpuError> {
        let n = system.n;
        let groups = (n as u32).div_ceil(256).max(1);
        let put = |name: &str, bytes: &[u8]| std::fs::write(self.dir.join(name), bytes).unwrap();
        put("row_ptr", bytemuck::cast_slice(&system.row_ptr));
        put("cols", bytemuck::cast_slice(&system.cols));
        put("vals", bytemuck::cast_slice(&system.vals));
        put("pre_rows", bytemuck::cast_slice(&system.pre_rows));
        put("pre_vals", bytemuck::cast_slice(&system.pre_vals));
        put("r", bytemuck::cast_slice(b));
        for (name, len) in [
            ("x", n),
            ("z", n),
            ("p", n),
            ("q", n),
            ("partial", 2 * groups as usize),
            ("scalars", 8),
        ] {
            put(name, bytemuck::cast_slice(&vec![0.0f64; len]));
        }
        put("params", bytemuck::cast_slice(&[n as u32, groups]));
        self.run(&["start"]);
        Ok(n)
    }

    fn iterate(&self, _: &usize, iterations: usize) -> Result<f64, GpuError> {
        self.run(&["iterate", &iterations.to_string()]);
        Ok(self.read("scalars")[4])
    }

    fn solution(&self, n: &usize) -> Result<Vec<f64>, GpuError> {
        let mut x = self.read("x");
        x.truncate(*n);
        Ok(x)
    }
}

#[test]
fn the_cuda_cg_kernels_solve_a_chain_of_node_blocks_on_the_host() {
    // 240 rows: one block, so the harness's thread-per-thread launches stay few.
    let (system, truth, b) = chain_system(80, 50.0);
    let dir = harness().parent().unwrap().join("chain");
    std::fs::create_dir_all(&dir).unwrap();
    assert_solves_chain(
        &solve(&Host { dir }, &system, &b, 1e-12, 2_000).unwrap(),
        &truth,
    );
}

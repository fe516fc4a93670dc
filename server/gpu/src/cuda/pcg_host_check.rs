//! The CUDA conjugate-gradient kernels' logic on the CPU: `pcg.cu` compiled as C++
//! (pcg_harness.cpp, each block's threads on host threads with a barrier), driven by the
//! same host loop as the devices (`pcg::solve`), against the exact solution of a
//! block-tridiagonal system with 3-DOF node blocks. NVRTC compiling the file is
//! `nvrtc_compiles_the_kernels`; running it on a GPU is the device script.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::GpuError;
use crate::pcg::{PcgKernels, PcgSystem, solve};

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
    let nodes = 80;
    let n = 3 * nodes;
    let mut col_ptr = vec![0usize];
    let mut row_idx = Vec::new();
    let mut values = Vec::new();
    let scale = |node: usize| 1.0 + (node % 5) as f64 * 50.0;
    let block = [6.0, 1.0, 0.0, 1.0, 6.0, 1.0, 0.0, 1.0, 6.0];
    for c in 0..n {
        let (node, k) = (c / 3, c % 3);
        if node > 0 {
            row_idx.push(c - 3);
            values.push(-(scale(node) * scale(node - 1)).sqrt());
        }
        for r in 0..=k {
            row_idx.push(node * 3 + r);
            values.push(block[r * 3 + k] * scale(node));
        }
        col_ptr.push(row_idx.len());
    }
    // Inverse of the scaled block: (1/s) · inverse of [[6,1,0],[1,6,1],[0,1,6]] (det 204).
    let base = [35.0, -6.0, 1.0, -6.0, 36.0, -6.0, 1.0, -6.0, 35.0].map(|v| v / 204.0);
    let starts: Vec<usize> = (0..=nodes).map(|i| 3 * i).collect();
    let inverses: Vec<Vec<f64>> = (0..nodes)
        .map(|node| base.map(|v| v / scale(node)).to_vec())
        .collect();
    let system = PcgSystem::from_upper(n, &col_ptr, &row_idx, &values, &starts, &inverses);
    let truth: Vec<f64> = (0..n)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) / 17.0)
        .collect();
    let b: Vec<f64> = (0..n)
        .map(|i| {
            let row = system.row_ptr[i] as usize..system.row_ptr[i + 1] as usize;
            row.map(|k| system.vals[k] * truth[system.cols[k] as usize])
                .sum()
        })
        .collect();
    let dir = harness().parent().unwrap().join("chain");
    std::fs::create_dir_all(&dir).unwrap();
    let run = solve(&Host { dir }, &system, &b, 1e-12, 2_000).unwrap();
    assert!(
        run.relative_residual <= 1e-12 && run.iterations > 10,
        "{run:?}"
    );
    let peak = truth.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (got, want) in run.x.iter().zip(&truth) {
        assert!((got - want).abs() <= 1e-9 * peak, "{got} vs {want}");
    }
}

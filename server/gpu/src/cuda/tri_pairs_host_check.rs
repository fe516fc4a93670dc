//! The CUDA triangle-pair filter's logic on the CPU: `tri_pairs.cu` compiled as C++
//! (tri_pairs_harness.cpp, no contraction of multiply–adds) must give the Rust filter's
//! code for every pair of a batch with random, far-from-origin, touching and coplanar
//! pairs. NVRTC compiling the file is `nvrtc_compiles_the_kernels`; running it on a GPU is
//! the device script.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn host_compiled_kernel_gives_the_filters_codes() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cuda/tri_pairs_harness.cpp");
    let dir = std::env::temp_dir().join(format!("cicada-tri-pairs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("tri_pairs_harness");
    let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let status = Command::new(&compiler)
        .args([
            "-O2",
            "-std=c++20",
            "-Wall",
            "-Werror",
            "-ffp-contract=off",
            "-o",
        ])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| panic!("{compiler}: {e} (install g++: scripts/setup-test-deps.sh)"));
    assert!(
        status.success(),
        "{compiler} failed on tri_pairs_harness.cpp"
    );
    let (coords, want) = crate::tri_pairs::tests::batch(20_000);
    let mut child = Command::new(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes: Vec<u8> = bytemuck::cast_slice(&coords).to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let got: Vec<u32> = bytemuck::pod_collect_to_vec(&out.stdout);
    assert_eq!(got.len(), want.len());
    let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} of {} pairs differ", want.len());
    let _ = std::fs::remove_dir_all(&dir);
}

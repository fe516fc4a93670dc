//! Conjugate gradients on the wgpu backend (lavapipe in CI) against the exact solution of
//! a block-tridiagonal SPD system with 3-DOF node blocks, the shape of a frame's stiffness.

use cicada_gpu::Gpu;
use cicada_gpu::pcg::PcgSystem;

fn gpu() -> Option<Gpu> {
    match Gpu::new() {
        Ok(g) => Some(g),
        Err(e) if std::env::var_os("CICADA_SKIP_GPU_TESTS").is_some() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e} (install mesa-vulkan-drivers, or set CICADA_SKIP_GPU_TESTS)"),
    }
}

/// Inverse of a small dense matrix (row-major) by Gauss–Jordan.
fn inverse(a: &[f64], n: usize) -> Vec<f64> {
    let mut m: Vec<f64> = Vec::new();
    for i in 0..n {
        m.extend_from_slice(&a[i * n..(i + 1) * n]);
        m.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
    }
    let w = 2 * n;
    for c in 0..n {
        let pivot = m[c * w + c];
        for j in 0..w {
            m[c * w + j] /= pivot;
        }
        for r in 0..n {
            if r != c {
                let f = m[r * w + c];
                for j in 0..w {
                    m[r * w + j] -= f * m[c * w + j];
                }
            }
        }
    }
    (0..n)
        .flat_map(|i| m[i * w + n..i * w + w].to_vec())
        .collect()
}

#[test]
fn block_jacobi_cg_solves_a_chain_of_node_blocks() {
    let Some(gpu) = gpu() else { return };
    let nodes = 700;
    let n = 3 * nodes;
    // Upper triangle, column by column: each node block [[6,1,0],[1,6,1],[0,1,6]] (scaled
    // per node, so the preconditioner has work to do) and -I to the previous node.
    let mut col_ptr = vec![0usize];
    let mut row_idx = Vec::new();
    let mut values = Vec::new();
    let scale = |node: usize| 1.0 + (node % 7) as f64 * 100.0;
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
    let starts: Vec<usize> = (0..=nodes).map(|i| 3 * i).collect();
    let inverses: Vec<Vec<f64>> = (0..nodes)
        .map(|node| inverse(&block.map(|v| v * scale(node)), 3))
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
    let run = gpu.pcg(&system, &b, 1e-12, 10_000).unwrap();
    assert!(
        run.relative_residual <= 1e-12 && run.iterations > 10,
        "{run:?}"
    );
    let peak = truth.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (got, want) in run.x.iter().zip(&truth) {
        assert!((got - want).abs() <= 1e-9 * peak, "{got} vs {want}");
    }
}

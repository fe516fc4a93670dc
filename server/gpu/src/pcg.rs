//! Conjugate gradients on a GPU: the system as both backends take it, and the loop that
//! decides when to stop, written once.
//!
//! The matrix goes up as full CSR in f64 (both triangles: one thread per row reads its
//! whole row), the preconditioner as each row's share of its node block's inverse. A
//! backend implements [`PcgKernels`]: upload, start, run a batch of iterations, read the
//! scalars, read x. Residuals are read every [`CHECK_EVERY`] iterations, so a solve costs
//! one round trip per batch, not per iteration.

use crate::GpuError;

/// Iterations between residual checks.
pub const CHECK_EVERY: usize = 32;

/// A symmetric system and its block-Jacobi preconditioner in the layout the kernels read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PcgSystem {
    /// Order.
    pub n: usize,
    /// CSR row starts, `n + 1`.
    pub row_ptr: Vec<u32>,
    /// CSR columns.
    pub cols: Vec<u32>,
    /// CSR values.
    pub vals: Vec<f64>,
    /// Per row: first row of its block, block size, offset of the row's inverse values, 0.
    pub pre_rows: Vec<[u32; 4]>,
    /// Block inverses, each row's `size` values at its offset.
    pub pre_vals: Vec<f64>,
}

impl PcgSystem {
    /// From a symmetric matrix stored as its upper triangle in sorted compressed columns,
    /// and node blocks (`starts`, ending with `n`) with each block's inverse row-major.
    pub fn from_upper(
        n: usize,
        col_ptr: &[usize],
        row_idx: &[usize],
        values: &[f64],
        starts: &[usize],
        inverses: &[Vec<f64>],
    ) -> PcgSystem {
        // Row counts of the full matrix: each stored (r, c) appears in row r, and in row c
        // when off the diagonal.
        let mut count = vec![0u32; n];
        for c in 0..n {
            for &r in &row_idx[col_ptr[c]..col_ptr[c + 1]] {
                count[r] += 1;
                if r != c {
                    count[c] += 1;
                }
            }
        }
        let mut row_ptr = vec![0u32; n + 1];
        for i in 0..n {
            row_ptr[i + 1] = row_ptr[i] + count[i];
        }
        let mut fill = row_ptr[..n].to_vec();
        let nnz = row_ptr[n] as usize;
        let mut cols = vec![0u32; nnz];
        let mut vals = vec![0.0; nnz];
        for c in 0..n {
            for p in col_ptr[c]..col_ptr[c + 1] {
                let r = row_idx[p];
                let at = fill[r] as usize;
                cols[at] = c as u32;
                vals[at] = values[p];
                fill[r] += 1;
                if r != c {
                    let at = fill[c] as usize;
                    cols[at] = r as u32;
                    vals[at] = values[p];
                    fill[c] += 1;
                }
            }
        }
        let mut pre_rows = vec![[0u32; 4]; n];
        let mut pre_vals = Vec::new();
        for (w, inverse) in starts.windows(2).zip(inverses) {
            let (lo, size) = (w[0], w[1] - w[0]);
            for i in 0..size {
                pre_rows[lo + i] = [lo as u32, size as u32, pre_vals.len() as u32, 0];
                pre_vals.extend_from_slice(&inverse[i * size..(i + 1) * size]);
            }
        }
        PcgSystem {
            n,
            row_ptr,
            cols,
            vals,
            pre_rows,
            pre_vals,
        }
    }
}

/// How a GPU solve ended.
#[derive(Clone, Debug, PartialEq)]
pub struct PcgRun {
    /// The solution.
    pub x: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// The recurrence's relative residual at the end (the caller checks the true one).
    pub relative_residual: f64,
}

/// What a backend does for [`solve`].
pub trait PcgKernels {
    /// The system and vectors on the device.
    type Uploaded;
    /// Uploads `system` with `b` as the right-hand side, x = 0, and runs the start step
    /// (z = M⁻¹ r, p = z, rz).
    fn start(&self, system: &PcgSystem, b: &[f64]) -> Result<Self::Uploaded, GpuError>;
    /// Runs `iterations` iterations and returns the recurrence's r·r.
    fn iterate(&self, up: &Self::Uploaded, iterations: usize) -> Result<f64, GpuError>;
    /// Reads x back.
    fn solution(&self, up: &Self::Uploaded) -> Result<Vec<f64>, GpuError>;
}

/// Solves `system x = b` from x = 0 until the recurrence's residual is `tolerance` of
/// ‖b‖ or `max_iterations` have run.
pub fn solve<K: PcgKernels>(
    kernels: &K,
    system: &PcgSystem,
    b: &[f64],
    tolerance: f64,
    max_iterations: usize,
) -> Result<PcgRun, GpuError> {
    let norm_b = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm_b == 0.0 || system.n == 0 {
        return Ok(PcgRun {
            x: vec![0.0; system.n],
            iterations: 0,
            relative_residual: 0.0,
        });
    }
    let up = kernels.start(system, b)?;
    let mut iterations = 0;
    let mut residual = 1.0;
    while iterations < max_iterations {
        let batch = CHECK_EVERY.min(max_iterations - iterations);
        let rr = kernels.iterate(&up, batch)?;
        iterations += batch;
        residual = rr.max(0.0).sqrt() / norm_b;
        if !residual.is_finite() {
            return Err(GpuError::Device(format!(
                "conjugate gradients broke down after {iterations} iterations (residual {residual})"
            )));
        }
        if residual <= tolerance {
            break;
        }
    }
    Ok(PcgRun {
        x: kernels.solution(&up)?,
        iterations,
        relative_residual: residual,
    })
}

/// A block-tridiagonal SPD system shaped like a frame's stiffness, for the kernels' tests:
/// `nodes` node blocks `s_i · [[6,1,0],[1,6,1],[0,1,6]]` (scales up to `1 + 6 · spread`,
/// so the preconditioner has work to do) coupled by `-√(s_i s_j) I` to the previous node;
/// returns the system, a known solution and its right-hand side.
#[cfg(test)]
pub(crate) fn chain_system(nodes: usize, spread: f64) -> (PcgSystem, Vec<f64>, Vec<f64>) {
    let n = 3 * nodes;
    let scale = |node: usize| 1.0 + (node % 7) as f64 * spread;
    let block = [6.0, 1.0, 0.0, 1.0, 6.0, 1.0, 0.0, 1.0, 6.0];
    let (mut col_ptr, mut row_idx, mut values) = (vec![0usize], Vec::new(), Vec::new());
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
    // The block's inverse (determinant 204), divided by the node's scale.
    let inverse = [35.0, -6.0, 1.0, -6.0, 36.0, -6.0, 1.0, -6.0, 35.0].map(|v| v / 204.0);
    let starts: Vec<usize> = (0..=nodes).map(|i| 3 * i).collect();
    let inverses: Vec<Vec<f64>> = (0..nodes)
        .map(|node| inverse.map(|v| v / scale(node)).to_vec())
        .collect();
    let system = PcgSystem::from_upper(n, &col_ptr, &row_idx, &values, &starts, &inverses);
    let truth: Vec<f64> = (0..n)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) / 17.0)
        .collect();
    let b = (0..n)
        .map(|i| {
            let row = system.row_ptr[i] as usize..system.row_ptr[i + 1] as usize;
            row.map(|k| system.vals[k] * truth[system.cols[k] as usize])
                .sum()
        })
        .collect();
    (system, truth, b)
}

/// Checks a solve of [`chain_system`] against its known solution.
#[cfg(test)]
pub(crate) fn assert_solves_chain(run: &PcgRun, truth: &[f64]) {
    assert!(
        run.relative_residual <= 1e-12 && run.iterations > 10,
        "{run:?}"
    );
    let peak = truth.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (got, want) in run.x.iter().zip(truth) {
        assert!((got - want).abs() <= 1e-9 * peak, "{got} vs {want}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Conjugate gradients on the wgpu backend (lavapipe in CI) on 2 100 equations.
    #[test]
    fn block_jacobi_cg_on_wgpu_solves_a_chain_of_node_blocks() {
        let Some(gpu) = crate::device_for_test(crate::Gpu::new()) else {
            return;
        };
        let (system, truth, b) = chain_system(700, 100.0);
        assert_solves_chain(&gpu.pcg(&system, &b, 1e-12, 10_000).unwrap(), &truth);
    }

    #[test]
    fn csr_holds_both_triangles_and_blocks_know_their_rows() {
        // [[4, 1, 0], [1, 3, 2], [0, 2, 5]] as its upper triangle.
        let col_ptr = [0, 1, 3, 5];
        let row_idx = [0, 0, 1, 1, 2];
        let values = [4.0, 1.0, 3.0, 2.0, 5.0];
        let inverses = vec![vec![0.1, 0.2, 0.3, 0.4], vec![0.2]];
        let s = PcgSystem::from_upper(3, &col_ptr, &row_idx, &values, &[0, 2, 3], &inverses);
        assert_eq!(s.row_ptr, vec![0, 2, 5, 7]);
        assert_eq!(s.cols, vec![0, 1, 0, 1, 2, 1, 2]);
        assert_eq!(s.vals, vec![4.0, 1.0, 1.0, 3.0, 2.0, 2.0, 5.0]);
        assert_eq!(s.pre_rows, vec![[0, 2, 0, 0], [0, 2, 2, 0], [2, 1, 4, 0]]);
        assert_eq!(s.pre_vals, vec![0.1, 0.2, 0.3, 0.4, 0.2]);
    }
}

//! Preconditioned conjugate gradients for the stiffness: the CPU reference of the GPU
//! solver, for models whose factor would not fit in memory.
//!
//! Hestenes & Stiefel's CG with a node-block Jacobi preconditioner: each node's free DOFs
//! (consecutive equations, up to six) form a dense diagonal block whose inverse is applied
//! exactly. Translations and rotations differ by the square of a length in stiffness, and
//! the block inverse removes that scale and the coupling within a node, which a scalar
//! Jacobi leaves to the iteration. The stopping test is the relative residual
//! `‖b − K x‖ / ‖b‖`; agreement with the direct solve to 1e-6 in displacements needs it
//! well below 1e-6 on ill-conditioned frames, hence the default 1e-10.

use nalgebra::DMatrix;

use crate::sparse::Symmetric;

/// Solves the stiffness for one right-hand side iteratively: the CPU reference below, or
/// a GPU backend (in `cicada-compute`).
pub trait IterativeSolver: Sync {
    /// Where it runs, for reports (`cpu`, or the GPU's name).
    fn device(&self) -> String;

    /// Solves `k x = b` from x = 0 with `preconditioner`.
    fn solve(
        &self,
        k: &Symmetric,
        preconditioner: &BlockJacobi,
        b: &[f64],
        options: PcgOptions,
    ) -> Result<(Vec<f64>, PcgReport), String>;
}

/// The CPU reference, [`solve`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuPcg;

impl IterativeSolver for CpuPcg {
    fn device(&self) -> String {
        "cpu".into()
    }

    fn solve(
        &self,
        k: &Symmetric,
        preconditioner: &BlockJacobi,
        b: &[f64],
        options: PcgOptions,
    ) -> Result<(Vec<f64>, PcgReport), String> {
        Ok(solve(k, b, preconditioner, options))
    }
}

/// When to stop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PcgOptions {
    /// Relative residual to reach.
    pub tolerance: f64,
    /// Iterations allowed.
    pub max_iterations: usize,
}

impl Default for PcgOptions {
    fn default() -> Self {
        PcgOptions {
            tolerance: 1e-10,
            max_iterations: 100_000,
        }
    }
}

/// How a solve ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PcgReport {
    /// Iterations taken.
    pub iterations: usize,
    /// Relative residual reached, recomputed from `b − K x` at the end.
    pub relative_residual: f64,
    /// Whether it reached the tolerance.
    pub converged: bool,
}

/// The inverses of the diagonal blocks of a symmetric matrix.
#[derive(Clone, Debug)]
pub struct BlockJacobi {
    /// Start of each block; the last entry is the order.
    pub starts: Vec<usize>,
    /// Each block's inverse, row-major, `size²` values.
    pub inverses: Vec<Vec<f64>>,
}

/// A diagonal block is not positive definite (a DOF without stiffness).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("diagonal block {0} is not positive definite")]
pub struct SingularBlock(pub usize);

impl BlockJacobi {
    /// Inverts the diagonal blocks `starts[i]..starts[i + 1]` of `k`.
    pub fn new(k: &Symmetric, starts: Vec<usize>) -> Result<BlockJacobi, SingularBlock> {
        let mut inverses = Vec::with_capacity(starts.len().saturating_sub(1));
        for (b, w) in starts.windows(2).enumerate() {
            let (lo, hi) = (w[0], w[1]);
            let size = hi - lo;
            let mut block = DMatrix::<f64>::zeros(size, size);
            for c in lo..hi {
                for p in k.col_ptr[c]..k.col_ptr[c + 1] {
                    let r = k.row_idx[p];
                    if r >= lo {
                        block[(r - lo, c - lo)] = k.values[p];
                        block[(c - lo, r - lo)] = k.values[p];
                    }
                }
            }
            let inverse = block.cholesky().ok_or(SingularBlock(b))?.inverse();
            inverses.push(inverse.transpose().as_slice().to_vec());
        }
        Ok(BlockJacobi { starts, inverses })
    }

    /// `z = M⁻¹ r`.
    pub fn apply(&self, r: &[f64], z: &mut [f64]) {
        for (w, inv) in self.starts.windows(2).zip(&self.inverses) {
            let (lo, size) = (w[0], w[1] - w[0]);
            for i in 0..size {
                let row = &inv[i * size..(i + 1) * size];
                z[lo + i] = row.iter().zip(&r[lo..lo + size]).map(|(a, b)| a * b).sum();
            }
        }
    }
}

/// Solves `k x = b` from `x = 0`. When the recurrence says it has converged, the true
/// residual `b − K x` is computed; if roundoff has left it above the tolerance, CG restarts
/// from there (residual replacement), at most a few times.
pub fn solve(
    k: &Symmetric,
    b: &[f64],
    preconditioner: &BlockJacobi,
    options: PcgOptions,
) -> (Vec<f64>, PcgReport) {
    let n = k.n;
    let norm_b = dot(b, b).sqrt();
    let mut x = vec![0.0; n];
    if norm_b == 0.0 {
        let report = PcgReport {
            iterations: 0,
            relative_residual: 0.0,
            converged: true,
        };
        return (x, report);
    }
    let mut r = b.to_vec();
    let mut z = vec![0.0; n];
    let mut p = vec![0.0; n];
    let mut q = vec![0.0; n];
    let mut iterations = 0;
    let mut residual = 1.0;
    for _restart in 0..4 {
        preconditioner.apply(&r, &mut z);
        p.copy_from_slice(&z);
        let mut rz = dot(&r, &z);
        while iterations < options.max_iterations {
            k.mul(&p, &mut q);
            let alpha = rz / dot(&p, &q);
            for i in 0..n {
                x[i] += alpha * p[i];
                r[i] -= alpha * q[i];
            }
            iterations += 1;
            if dot(&r, &r).sqrt() <= options.tolerance * norm_b {
                break;
            }
            preconditioner.apply(&r, &mut z);
            let rz_next = dot(&r, &z);
            let beta = rz_next / rz;
            rz = rz_next;
            for i in 0..n {
                p[i] = z[i] + beta * p[i];
            }
        }
        k.mul(&x, &mut q);
        for i in 0..n {
            r[i] = b[i] - q[i];
        }
        residual = dot(&r, &r).sqrt() / norm_b;
        if residual <= options.tolerance || iterations >= options.max_iterations {
            break;
        }
    }
    let report = PcgReport {
        iterations,
        relative_residual: residual,
        converged: residual <= options.tolerance,
    };
    (x, report)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

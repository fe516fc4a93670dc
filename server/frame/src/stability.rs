//! Naming the DOFs of a mechanism when the stiffness is singular.
//!
//! A free DOF without any stiffness is reported directly. Otherwise the mechanism modes
//! are the near-null space of the equilibrated stiffness `S`: block inverse iteration with
//! `(S + σI)⁻¹` (σ far below every elastic eigenvalue, far above roundoff) converges to
//! them in a few steps, and a Rayleigh–Ritz step separates the true null vectors from the
//! rest of the block. The DOFs that move in them are what the user must support.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::assemble::{NO_EQUATION, System};
use crate::error::{FrameError, NodeDof};
use crate::sparse::{Factor, SymbolicCache};

/// Size of the iterated block: more mechanisms than this are reported by their first few.
const BLOCK: usize = 8;
/// The shift σ, relative to the unit diagonal of `S`.
const SHIFT: f64 = 1e-9;
/// A Ritz value under this (relative to the unit diagonal) is a mechanism.
const NULL: f64 = 1e-8;
/// DOFs shown in the error.
const SHOWN: usize = 24;

/// The error for a singular stiffness, listing the DOFs that move.
pub(crate) fn find_mechanism(system: &System, cache: &SymbolicCache) -> FrameError {
    let dof_of: Vec<NodeDof> = {
        let mut v = vec![NodeDof { node: 0, dof: 0 }; system.k.n];
        for (g, &q) in system.eq.iter().enumerate() {
            if q != NO_EQUATION {
                v[q] = NodeDof {
                    node: g / 6,
                    dof: g % 6,
                };
            }
        }
        v
    };
    let diag = system.k.diagonal();
    let bare: Vec<NodeDof> = diag
        .iter()
        .enumerate()
        .filter(|(_, d)| **d <= 0.0)
        .map(|(q, _)| dof_of[q])
        .collect();
    if !bare.is_empty() {
        return unstable(bare);
    }
    let Ok(factor) = Factor::new(&system.k, SHIFT, cache) else {
        // Even the shifted matrix failed: report every DOF that has no fixed neighbour,
        // which is little, but true.
        return unstable(dof_of);
    };
    let n = system.k.n;
    let k = BLOCK.min(n);
    let scale = factor.scale().to_vec();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut block: Vec<Vec<f64>> = (0..k)
        .map(|_| {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                })
                .collect()
        })
        .collect();
    for _ in 0..6 {
        for v in &mut block {
            factor.solve_scaled_in_place(v);
        }
        orthonormalise(&mut block);
    }
    // Rayleigh–Ritz on S = D^-½ K D^-½.
    let apply_s = |v: &[f64]| {
        let x: Vec<f64> = v.iter().zip(&scale).map(|(a, s)| a * s).collect();
        let mut y = vec![0.0; n];
        system.k.mul(&x, &mut y);
        y.iter()
            .zip(&scale)
            .map(|(a, s)| a * s)
            .collect::<Vec<f64>>()
    };
    let sv: Vec<Vec<f64>> = block.iter().map(|v| apply_s(v)).collect();
    let h = DMatrix::from_fn(k, k, |i, j| dot(&block[i], &sv[j]));
    let eig = SymmetricEigen::new((&h + h.transpose()) * 0.5);
    let mut moving = vec![0.0f64; n];
    let mut found = false;
    for (m, &value) in eig.eigenvalues.iter().enumerate() {
        if value > NULL {
            continue;
        }
        found = true;
        let mut mode = vec![0.0; n];
        for (i, v) in block.iter().enumerate() {
            let c = eig.eigenvectors[(i, m)];
            for (x, y) in mode.iter_mut().zip(v) {
                *x += c * y;
            }
        }
        let peak = mode.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        for (acc, x) in moving.iter_mut().zip(&mode) {
            *acc = acc.max(x.abs() / peak);
        }
    }
    if !found {
        // Ill-conditioned rather than exactly singular: show the softest direction.
        let m = eig.eigenvalues.imin();
        for (i, v) in block.iter().enumerate() {
            let c = eig.eigenvectors[(i, m)];
            for (acc, y) in moving.iter_mut().zip(v) {
                *acc += c * y;
            }
        }
        let peak = moving.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        moving.iter_mut().for_each(|x| *x = x.abs() / peak);
    }
    let mut ranked: Vec<(f64, NodeDof)> = moving
        .iter()
        .enumerate()
        .filter(|(_, m)| **m >= 0.05)
        .map(|(q, m)| (*m, dof_of[q]))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    unstable(ranked.into_iter().map(|(_, d)| d).collect())
}

fn unstable(mut free: Vec<NodeDof>) -> FrameError {
    let total = free.len();
    free.truncate(SHOWN);
    FrameError::Unstable { free, total }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Modified Gram–Schmidt, twice (enough for a block of a few vectors).
fn orthonormalise(block: &mut [Vec<f64>]) {
    for _ in 0..2 {
        for i in 0..block.len() {
            for j in 0..i {
                let (head, tail) = block.split_at_mut(i);
                let c = dot(&tail[0], &head[j]);
                for (x, y) in tail[0].iter_mut().zip(&head[j]) {
                    *x -= c * y;
                }
            }
            let norm = dot(&block[i], &block[i]).sqrt();
            if norm > 0.0 {
                block[i].iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
}

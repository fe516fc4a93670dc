//! Modal analysis: the lowest natural frequencies and mode shapes of `K φ = ω² M φ`.
//!
//! Shift-invert Lanczos (Ericsson & Ruhe 1980; Grimes, Lewis & Simon 1994) at shift zero:
//! the operator `K⁻¹ M` has eigenvalues `1/ω²`, so the lowest frequencies come first and
//! converge in few steps. Lanczos vectors are M-orthonormal with full
//! reorthogonalisation (twice, Kahan's "twice is enough"), which keeps the basis clean
//! without the bookkeeping of selective schemes; the subspace grows until the requested
//! Ritz pairs pass the residual test. A singular M (lumped masses, no rotary inertia) is
//! fine: the start vector is taken in the range of `K⁻¹ M`.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::assemble::{MassKind, NO_EQUATION, assemble};
use crate::error::FrameError;
use crate::model::Model;
use crate::sparse::SymbolicCache;
use crate::statics::{factorise, total_mass};

/// What a modal analysis computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModalOptions {
    /// How many of the lowest modes.
    pub modes: usize,
    /// Consistent or lumped element mass.
    pub mass: MassKind,
}

/// One natural mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Mode {
    /// Natural frequency, Hz.
    pub frequency_hz: f64,
    /// Mode shape per node (global `ux … rz`), normalised to unit modal mass (φᵀ M φ = 1).
    pub shape: Vec<[f64; 6]>,
    /// Participation factor per global direction X, Y, Z: Γ = φᵀ M r.
    pub participation: [f64; 3],
    /// Effective modal mass per direction, Γ² (mass units).
    pub effective_mass: [f64; 3],
}

/// The modes found, lowest first.
#[derive(Clone, Debug, PartialEq)]
pub struct ModalResults {
    /// Modes, by rising frequency.
    pub modes: Vec<Mode>,
    /// Mass that can move in each direction (rᵀ M r): the sum the effective masses tend to.
    pub free_mass: [f64; 3],
    /// Total mass of the model.
    pub mass: f64,
    /// Unknowns.
    pub equations: usize,
    /// Lanczos steps taken in the last (converged) run.
    pub lanczos_steps: usize,
}

/// Relative residual a Ritz pair must reach.
const TOLERANCE: f64 = 1e-10;

/// Computes the lowest `options.modes` natural modes.
pub fn analyse(
    model: &Model,
    options: ModalOptions,
    cache: &SymbolicCache,
    keep_going: &(dyn Fn(f32, &str) -> bool + Sync),
) -> Result<ModalResults, FrameError> {
    let system = assemble(model)?;
    let m = system.mass(model, options.mass);
    if !m.values.iter().any(|v| *v > 0.0) {
        return Err(FrameError::NoMass);
    }
    if !keep_going(0.1, "factorising") {
        return Err(FrameError::Cancelled);
    }
    let factor = factorise(&system, cache)?;
    let n = system.k.n;
    let mass_rank = m.diagonal().iter().filter(|d| **d > 0.0).count();
    let wanted = options.modes.min(mass_rank).min(n);
    let op = |x: &[f64]| {
        let mut y = vec![0.0; n];
        m.mul(x, &mut y);
        factor.solve_in_place(&mut y, 1);
        y
    };
    let m_dot = |a: &[f64], b: &[f64]| {
        let mut mb = vec![0.0; n];
        m.mul(b, &mut mb);
        dot(a, &mb)
    };
    let mut steps = (2 * wanted).max(wanted + 20).min(n);
    let (values, vectors, taken) = loop {
        if !keep_going(0.2, "lanczos") {
            return Err(FrameError::Cancelled);
        }
        let (q, alpha, beta, breakdown) = lanczos(&op, &m, n, steps, keep_going)?;
        let j = alpha.len();
        let t = DMatrix::from_fn(j, j, |r, c| {
            if r == c {
                alpha[r]
            } else if r + 1 == c || c + 1 == r {
                beta[r.min(c)]
            } else {
                0.0
            }
        });
        let eig = SymmetricEigen::new(t);
        let mut order: Vec<usize> = (0..j).collect();
        order.sort_by(|a, b| eig.eigenvalues[*b].total_cmp(&eig.eigenvalues[*a]));
        let count = wanted.min(j);
        let residual_beta = if breakdown {
            0.0
        } else {
            beta.get(j - 1).copied().unwrap_or(0.0)
        };
        let converged = order[..count].iter().all(|&i| {
            let theta = eig.eigenvalues[i];
            theta > 0.0 && (residual_beta * eig.eigenvectors[(j - 1, i)]).abs() <= TOLERANCE * theta
        });
        if converged || breakdown || steps >= n {
            let values: Vec<f64> = order[..count].iter().map(|&i| eig.eigenvalues[i]).collect();
            let vectors: Vec<Vec<f64>> = order[..count]
                .iter()
                .map(|&i| {
                    let mut v = vec![0.0; n];
                    for (k, qk) in q.iter().enumerate() {
                        let c = eig.eigenvectors[(k, i)];
                        for (x, y) in v.iter_mut().zip(qk) {
                            *x += c * y;
                        }
                    }
                    v
                })
                .collect();
            break (values, vectors, j);
        }
        steps = (steps * 2).min(n);
    };
    // Influence vectors of rigid translations along X, Y, Z over the free DOFs.
    let influence: Vec<Vec<f64>> = (0..3)
        .map(|d| {
            let mut r = vec![0.0; n];
            for node in 0..model.nodes.len() {
                let q = system.eq[node * 6 + d];
                if q != NO_EQUATION {
                    r[q] = 1.0;
                }
            }
            r
        })
        .collect();
    let free_mass: [f64; 3] = std::array::from_fn(|d| m_dot(&influence[d], &influence[d]));
    let modes = values
        .iter()
        .zip(&vectors)
        .filter(|(theta, _)| **theta > 0.0)
        .map(|(theta, v)| {
            let norm = m_dot(v, v).sqrt();
            let v: Vec<f64> = v.iter().map(|x| x / norm).collect();
            let participation: [f64; 3] = std::array::from_fn(|d| m_dot(&v, &influence[d]));
            let shape = (0..model.nodes.len())
                .map(|node| {
                    std::array::from_fn(|d| match system.eq[node * 6 + d] {
                        NO_EQUATION => 0.0,
                        q => v[q],
                    })
                })
                .collect();
            Mode {
                frequency_hz: (1.0 / theta).sqrt() / (2.0 * std::f64::consts::PI),
                shape,
                participation,
                effective_mass: participation.map(|g| g * g),
            }
        })
        .collect();
    Ok(ModalResults {
        modes,
        free_mass,
        mass: total_mass(model),
        equations: n,
        lanczos_steps: taken,
    })
}

type Basis = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, bool);

/// `steps` Lanczos steps of `op` in the M-inner product: the basis, the tridiagonal's
/// diagonal and off-diagonal, and whether the Krylov space ran out (exact then).
fn lanczos(
    op: &dyn Fn(&[f64]) -> Vec<f64>,
    m: &crate::sparse::Symmetric,
    n: usize,
    steps: usize,
    keep_going: &(dyn Fn(f32, &str) -> bool + Sync),
) -> Result<Basis, FrameError> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let start: Vec<f64> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect();
    let mut mv = vec![0.0; n];
    let mut q0 = op(&start);
    m.mul(&q0, &mut mv);
    let norm = dot(&q0, &mv).sqrt();
    if norm <= 0.0 || !norm.is_finite() {
        return Err(FrameError::NoMass);
    }
    q0.iter_mut().for_each(|x| *x /= norm);
    let mut q = vec![q0];
    let mut mq: Vec<Vec<f64>> = Vec::new();
    let mut alpha = Vec::new();
    let mut beta: Vec<f64> = Vec::new();
    let mut scale = 0.0f64;
    for j in 0..steps {
        if j % 16 == 0 && !keep_going(0.2 + 0.7 * j as f32 / steps as f32, "lanczos") {
            return Err(FrameError::Cancelled);
        }
        let mut qm = vec![0.0; n];
        m.mul(&q[j], &mut qm);
        mq.push(qm);
        let mut w = op(&q[j]);
        let a = dot(&w, &mq[j]);
        alpha.push(a);
        scale = scale.max(a.abs());
        // Full reorthogonalisation against every basis vector, twice.
        for _ in 0..2 {
            for (qi, mqi) in q.iter().zip(&mq) {
                let c = dot(&w, mqi);
                for (x, y) in w.iter_mut().zip(qi) {
                    *x -= c * y;
                }
            }
        }
        m.mul(&w, &mut mv);
        let b = dot(&w, &mv).max(0.0).sqrt();
        if j + 1 == steps {
            beta.push(b);
            break;
        }
        if b <= 1e-12 * scale {
            return Ok((q, alpha, beta, true));
        }
        beta.push(b);
        w.iter_mut().for_each(|x| *x /= b);
        q.push(w);
    }
    Ok((q, alpha, beta, false))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

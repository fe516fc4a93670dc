//! `frame`: linear static and modal analysis of 3D frames and trusses (`cicada-frame`),
//! with progress and cancellation, and one symbolic-factorisation cache per process so a
//! worker that solves variants of one topology orders and analyses the pattern once.

use std::sync::OnceLock;

use cicada_frame::modal::{self, ModalOptions, ModalResults};
use cicada_frame::pcg::{BlockJacobi, CpuPcg, IterativeSolver, PcgOptions, PcgReport};
use cicada_frame::sparse::Symmetric;
use cicada_frame::statics::{self, StaticOptions, StaticResults};
use cicada_frame::{FrameError, Model, SymbolicCache};
use cicada_gpu::pcg::PcgSystem;

use crate::Backend;
use crate::progress::Progress;

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "frame@1";

/// The process's symbolic factorisations, by sparsity pattern.
fn cache() -> &'static SymbolicCache {
    static CACHE: OnceLock<SymbolicCache> = OnceLock::new();
    CACHE.get_or_init(SymbolicCache::new)
}

/// Progress from `from` to `to` of the whole job, asked whether to go on.
fn reporter<'a>(
    progress: &'a dyn Progress,
    from: f32,
    to: f32,
) -> impl Fn(f32, &str) -> bool + Sync + 'a {
    move |fraction, stage| {
        progress.report(from + (to - from) * fraction, stage);
        !progress.is_cancelled()
    }
}

/// Every load case and combination of `model`.
pub fn static_analysis(
    model: &Model,
    options: StaticOptions<'_>,
    progress: &dyn Progress,
    share: (f32, f32),
) -> Result<StaticResults, FrameError> {
    statics::analyse(
        model,
        options,
        cache(),
        &reporter(progress, share.0, share.1),
    )
}

/// The lowest natural modes of `model`.
pub fn modal_analysis(
    model: &Model,
    options: ModalOptions,
    progress: &dyn Progress,
    share: (f32, f32),
) -> Result<ModalResults, FrameError> {
    modal::analyse(
        model,
        options,
        cache(),
        &reporter(progress, share.0, share.1),
    )
}

/// Conjugate gradients on a backend's GPU, checked on the CPU: the device iterates in
/// f64, the true residual `b − K x` is recomputed here, and while it is above the
/// tolerance the correction `K d = r` is solved on the device again (iterative refinement;
/// at most a few rounds).
struct DevicePcg<'a>(&'a cicada_gpu::Device);

/// Rounds of refinement after the first solve.
const REFINEMENTS: usize = 3;

impl IterativeSolver for DevicePcg<'_> {
    fn device(&self) -> String {
        self.0.device_name()
    }

    fn solve(
        &self,
        k: &Symmetric,
        preconditioner: &BlockJacobi,
        b: &[f64],
        options: PcgOptions,
    ) -> Result<(Vec<f64>, PcgReport), String> {
        let system = PcgSystem::from_upper(
            k.n,
            &k.col_ptr,
            &k.row_idx,
            &k.values,
            &preconditioner.starts,
            &preconditioner.inverses,
        );
        let norm_b = b.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut x = vec![0.0; k.n];
        let mut r = b.to_vec();
        let mut iterations = 0;
        let mut residual = if norm_b > 0.0 { 1.0 } else { 0.0 };
        let mut kx = vec![0.0; k.n];
        for _ in 0..=REFINEMENTS {
            if residual <= options.tolerance || iterations >= options.max_iterations {
                break;
            }
            // Relative to this round's right-hand side, to reach the tolerance of ‖b‖.
            let norm_r = r.iter().map(|v| v * v).sum::<f64>().sqrt();
            let tolerance = (options.tolerance * norm_b / norm_r).min(0.5);
            let run = self
                .0
                .pcg(&system, &r, tolerance, options.max_iterations - iterations)
                .map_err(|e| e.to_string())?;
            iterations += run.iterations;
            for (xi, di) in x.iter_mut().zip(&run.x) {
                *xi += di;
            }
            k.mul(&x, &mut kx);
            for i in 0..k.n {
                r[i] = b[i] - kx[i];
            }
            residual = r.iter().map(|v| v * v).sum::<f64>().sqrt() / norm_b;
        }
        let report = PcgReport {
            iterations,
            relative_residual: residual,
            converged: residual <= options.tolerance,
        };
        Ok((x, report))
    }
}

/// The iterative solver of a backend: its GPU's conjugate gradients, or the CPU's.
pub fn iterative_solver(backend: &Backend) -> Box<dyn IterativeSolver + '_> {
    match backend.gpu() {
        Some(device) => Box::new(DevicePcg(device)),
        None => Box::new(CpuPcg),
    }
}

//! `frame`: linear static and modal analysis of 3D frames and trusses (`cicada-frame`),
//! with progress and cancellation, and one symbolic-factorisation cache per process so a
//! worker that solves variants of one topology orders and analyses the pattern once.

use std::sync::OnceLock;

use cicada_frame::modal::{self, ModalOptions, ModalResults};
use cicada_frame::statics::{self, StaticOptions, StaticResults};
use cicada_frame::{FrameError, Model, SymbolicCache};

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
    options: StaticOptions,
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

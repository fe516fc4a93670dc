//! `tessellate`: NURBS surfaces to quad meshes within chord, angle and edge-length
//! tolerances (the algorithm is `cicada_geom::tessellate`), in parallel across surfaces.

use std::sync::atomic::{AtomicUsize, Ordering};

use cicada_geom::nurbs::NurbsSurface;
use cicada_geom::tessellate::{SurfaceMesh, TessellationOptions, tessellate_surface};
use rayon::prelude::*;

use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "tessellate@1";

/// Tessellates every surface, reporting progress per surface finished.
pub fn tessellate(
    surfaces: &[NurbsSurface],
    options: &TessellationOptions,
    progress: &dyn Progress,
) -> Result<Vec<SurfaceMesh>, Cancelled> {
    let done = AtomicUsize::new(0);
    let total = surfaces.len().max(1) as f32;
    surfaces
        .par_iter()
        .map(|s| {
            progress.check()?;
            let mesh = tessellate_surface(s, options);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.report(n as f32 / total, "tessellating surfaces");
            Ok(mesh)
        })
        .collect()
}

//! `tessellate`: NURBS surfaces to quad meshes and Breps to crack-free triangle meshes within
//! chord, angle and edge-length tolerances (the algorithms are `cicada_geom::tessellate` and
//! `cicada_geom::tessellate_brep`), in parallel across objects.

use std::sync::atomic::{AtomicUsize, Ordering};

use cicada_geom::nurbs::NurbsSurface;
use cicada_geom::tessellate::{SurfaceMesh, TessellationOptions, tessellate_surface};
use cicada_geom::tessellate_brep::{BrepError, BrepMesh, TrimmedFace, tessellate_brep};
use rayon::prelude::*;

use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "tessellate@2";

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

/// Tessellates every Brep (its faces and edge count), in parallel across Breps; a Brep whose
/// loops cannot be triangulated gives its error in place.
pub fn tessellate_breps(
    breps: &[(Vec<TrimmedFace>, usize)],
    options: &TessellationOptions,
    progress: &dyn Progress,
) -> Result<Vec<Result<BrepMesh, BrepError>>, Cancelled> {
    breps
        .par_iter()
        .map(|(faces, edges)| {
            progress.check()?;
            Ok(tessellate_brep(faces, *edges, options))
        })
        .collect()
}

//! `clash`: objects prepared in parallel, the broad phase over their bounds, then every
//! candidate pair decided in parallel (`cicada_clash`), most severe first.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cicada_clash::broad::candidate_pairs;
use cicada_clash::{Clash, ClashObject, ObjectTags, Rules, Tests, examine, sort_by_severity};
use cicada_geom::Mesh;
use rayon::prelude::*;

use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "clash@1";

/// The clashes found and what finding them took.
#[derive(Clone, Debug, Default)]
pub struct ClashRun {
    /// The clashes, most severe first.
    pub clashes: Vec<Clash>,
    /// Object pairs the broad phase passed.
    pub candidate_pairs: usize,
    /// Seconds in the broad phase.
    pub broad_secs: f64,
    /// Seconds deciding pairs.
    pub narrow_secs: f64,
}

/// Prepares every mesh (with the deviation of the object it stands for) for clash tests,
/// in parallel.
pub fn prepare_objects(
    meshes: &[(&Mesh, f64)],
    progress: &dyn Progress,
) -> Result<Vec<ClashObject>, Cancelled> {
    progress.report(0.0, "building object hierarchies");
    meshes
        .par_iter()
        .map(|&(mesh, deviation)| {
            progress.check()?;
            Ok(ClashObject::from_mesh(mesh, deviation))
        })
        .collect()
}

/// Every clash among `objects` that the rules allow, most severe first.
pub fn detect(
    objects: &[ClashObject],
    tags: &[ObjectTags],
    rules: &Rules,
    tests: &Tests,
    progress: &dyn Progress,
) -> Result<ClashRun, Cancelled> {
    let started = Instant::now();
    let max_deviation = objects.iter().map(|o| o.deviation()).fold(0.0, f64::max);
    let bounds: Vec<_> = objects.iter().map(|o| o.bounds()).collect();
    let pairs = candidate_pairs(&bounds, tests.margin(max_deviation), |i, j| {
        rules.allows(&tags[i], &tags[j])
    });
    let broad_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let total = pairs.len().max(1) as f32;
    let step = (pairs.len() / 100).max(1);
    let found: Vec<Option<Clash>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            progress.check()?;
            let clash = examine(i, &objects[i as usize], j, &objects[j as usize], tests);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(step) {
                progress.report(n as f32 / total, "testing pairs");
            }
            Ok(clash)
        })
        .collect::<Result<_, Cancelled>>()?;
    let mut clashes: Vec<Clash> = found.into_iter().flatten().collect();
    sort_by_severity(&mut clashes);
    Ok(ClashRun {
        clashes,
        candidate_pairs: pairs.len(),
        broad_secs,
        narrow_secs: started.elapsed().as_secs_f64(),
    })
}

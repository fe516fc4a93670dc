//! `clash`: objects prepared in parallel, the broad phase over their bounds, then every
//! candidate pair decided in parallel (`cicada_clash`), most severe first. On a GPU
//! backend the triangle pairs of every candidate pair go through the device's
//! floating-point contact filter in batches, and the host decides the undecided ones
//! exactly in the same order as the CPU's scan, so the clashes are the CPU's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cicada_clash::broad::candidate_pairs;
use cicada_clash::{
    Clash, ClashObject, ObjectTags, Rules, Tests, examine_scanned, sort_by_severity,
};
use cicada_geom::Mesh;
use cicada_geom::bvh::visit_candidate_pairs;
use cicada_geom::mesh_contact::{ContactScan, PairContact};
use cicada_geom::triangle_contact::{TriangleContact, triangle_contact};
use cicada_gpu::tri_pairs::{PAIR_DOUBLES, code};
use cicada_gpu::{Device, GpuError};
use rayon::prelude::*;

use crate::backend::Backend;
use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "clash@1";

/// Triangle pairs sent to a device in one batch.
const DEVICE_BATCH: usize = 1 << 20;

/// The clashes found and what finding them took.
#[derive(Clone, Debug, Default)]
pub struct ClashRun {
    /// The clashes, most severe first.
    pub clashes: Vec<Clash>,
    /// Object pairs the broad phase passed.
    pub candidate_pairs: usize,
    /// Triangle pairs the device's filter classified (0 on the CPU).
    pub device_pairs: usize,
    /// Of those, the ones the host decided exactly (too close to call in f64).
    pub device_undecided: usize,
    /// Why a GPU backend's device did not take the triangle pairs (the CPU did).
    pub device_fallback: Option<String>,
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

/// Every clash among `objects` that the rules allow, most severe first; the triangle
/// pairs on `backend`'s device when it has one that can (else on the CPU).
pub fn detect(
    objects: &[ClashObject],
    tags: &[ObjectTags],
    rules: &Rules,
    tests: &Tests,
    backend: &Backend,
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
    let mut run = ClashRun {
        candidate_pairs: pairs.len(),
        broad_secs,
        ..ClashRun::default()
    };
    let scans = match backend.gpu() {
        Some(device) => match device_scans(device, objects, &pairs, progress)? {
            Ok((scans, classified, undecided)) => {
                run.device_pairs = classified;
                run.device_undecided = undecided;
                scans.into_iter().map(Some).collect()
            }
            Err(e) => {
                run.device_fallback = Some(e.to_string());
                vec![None; pairs.len()]
            }
        },
        None => vec![None; pairs.len()],
    };
    let done = AtomicUsize::new(0);
    let total = pairs.len().max(1) as f32;
    let step = (pairs.len() / 100).max(1);
    let found: Vec<Option<Clash>> = pairs
        .par_iter()
        .zip(scans)
        .map(|(&(i, j), scan)| {
            progress.check()?;
            let (a, b) = (&objects[i as usize], &objects[j as usize]);
            let clash = examine_scanned(i, a, j, b, tests, scan);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(step) {
                progress.report(n as f32 / total, "testing pairs");
            }
            Ok(clash)
        })
        .collect::<Result<_, Cancelled>>()?;
    run.clashes = found.into_iter().flatten().collect();
    sort_by_severity(&mut run.clashes);
    run.narrow_secs = started.elapsed().as_secs_f64();
    Ok(run)
}

/// Every pair's contact scan with the triangle pairs classified on `device`: each
/// object pair's candidate triangle pairs in the CPU scan's order, the device's certain
/// answers taken, the undecided ones decided exactly here, up to the first crossing.
/// Also the number of triangle pairs classified and of those decided here.
#[allow(clippy::type_complexity)]
fn device_scans(
    device: &Device,
    objects: &[ClashObject],
    pairs: &[(u32, u32)],
    progress: &dyn Progress,
) -> Result<Result<(Vec<ContactScan>, usize, usize), GpuError>, Cancelled> {
    let mut scans = Vec::with_capacity(pairs.len());
    let (mut classified, mut undecided) = (0, 0);
    let mut start = 0;
    while start < pairs.len() {
        progress.check()?;
        // Gather whole object pairs until the batch is full.
        let mut triangle_pairs: Vec<(u32, u32)> = Vec::new();
        let mut ends = Vec::new();
        let mut end = start;
        while end < pairs.len() && (end == start || triangle_pairs.len() < DEVICE_BATCH) {
            let (a, b) = (
                &objects[pairs[end].0 as usize],
                &objects[pairs[end].1 as usize],
            );
            let _ = visit_candidate_pairs(a.bvh(), b.bvh(), 0.0, |i, j| {
                triangle_pairs.push((i, j));
                std::ops::ControlFlow::<()>::Continue(())
            });
            ends.push(triangle_pairs.len());
            end += 1;
        }
        let mut coords = Vec::with_capacity(triangle_pairs.len() * PAIR_DOUBLES);
        let mut from = 0;
        for (k, &to) in ends.iter().enumerate() {
            let (a, b) = pairs[start + k];
            let (ta, tb) = (
                objects[a as usize].triangles(),
                objects[b as usize].triangles(),
            );
            for &(i, j) in &triangle_pairs[from..to] {
                for p in ta[i as usize].iter().chain(&tb[j as usize]) {
                    coords.extend(p.to_array());
                }
            }
            from = to;
        }
        let codes = match device.classify_triangle_pairs(&coords) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        classified += codes.len();
        let mut from = 0;
        for (k, &to) in ends.iter().enumerate() {
            let (a, b) = pairs[start + k];
            let (ta, tb) = (
                objects[a as usize].triangles(),
                objects[b as usize].triangles(),
            );
            let mut scan = ContactScan::default();
            for (&(i, j), &c) in triangle_pairs[from..to].iter().zip(&codes[from..to]) {
                let contact = match c {
                    code::DISJOINT => continue,
                    code::CROSSING => TriangleContact::Crossing,
                    _ => {
                        undecided += 1;
                        triangle_contact(ta[i as usize], tb[j as usize])
                    }
                };
                let pair = PairContact {
                    a: i,
                    b: j,
                    contact,
                };
                match contact {
                    TriangleContact::Crossing => {
                        scan.crossing = Some(pair);
                        break;
                    }
                    TriangleContact::Disjoint => {}
                    _ => scan.others.push(pair),
                }
            }
            scans.push(scan);
            from = to;
        }
        start = end;
    }
    Ok(Ok((scans, classified, undecided)))
}

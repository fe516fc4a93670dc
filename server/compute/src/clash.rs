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
pub const KERNEL_VERSION: &str = "clash@2";

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
        Some(device) => match device_scans(device, objects, &pairs, DEVICE_BATCH, progress)? {
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
/// object pair's candidate triangle pairs in the CPU scan's order, streamed through the
/// device in batches of at most `batch` (one object pair may span several), the device's
/// certain answers taken and the undecided ones decided exactly here, up to the pair's
/// first crossing. Also the number of triangle pairs classified and of those decided
/// here.
#[allow(clippy::type_complexity)]
fn device_scans(
    device: &Device,
    objects: &[ClashObject],
    pairs: &[(u32, u32)],
    batch: usize,
    progress: &dyn Progress,
) -> Result<Result<(Vec<ContactScan>, usize, usize), GpuError>, Cancelled> {
    let mut scans = vec![ContactScan::default(); pairs.len()];
    let mut stream = Stream {
        device,
        objects,
        pairs,
        queued: Vec::with_capacity(batch.min(1 << 20)),
        coords: Vec::with_capacity(batch.min(1 << 20) * PAIR_DOUBLES),
        classified: 0,
        undecided: 0,
    };
    for (k, &(a, b)) in pairs.iter().enumerate() {
        progress.check()?;
        let (oa, ob) = (&objects[a as usize], &objects[b as usize]);
        let mut failed = None;
        let _ = visit_candidate_pairs(oa.bvh(), ob.bvh(), 0.0, |i, j| {
            if stream.queued.len() >= batch {
                if let Err(e) = stream.flush(&mut scans) {
                    failed = Some(e);
                    return std::ops::ControlFlow::Break(());
                }
                // The pair's crossing may have come in that batch: the rest of its
                // candidates cannot change its scan.
                if scans[k].crossing.is_some() {
                    return std::ops::ControlFlow::Break(());
                }
            }
            stream.push(k, i, j);
            std::ops::ControlFlow::Continue(())
        });
        if let Some(e) = failed {
            return Ok(Err(e));
        }
    }
    if let Err(e) = stream.flush(&mut scans) {
        return Ok(Err(e));
    }
    Ok(Ok((scans, stream.classified, stream.undecided)))
}

/// Triangle pairs waiting for the device, in scan order.
struct Stream<'a> {
    device: &'a Device,
    objects: &'a [ClashObject],
    pairs: &'a [(u32, u32)],
    /// (object pair, triangle of a, triangle of b).
    queued: Vec<(usize, u32, u32)>,
    coords: Vec<f64>,
    classified: usize,
    undecided: usize,
}

impl Stream<'_> {
    fn push(&mut self, k: usize, i: u32, j: u32) {
        let (a, b) = self.pairs[k];
        let (ta, tb) = (
            self.objects[a as usize].triangles(),
            self.objects[b as usize].triangles(),
        );
        for p in ta[i as usize].iter().chain(&tb[j as usize]) {
            self.coords.extend(p.to_array());
        }
        self.queued.push((k, i, j));
    }

    /// Classifies what is queued and folds the answers, in order, into the pairs' scans.
    fn flush(&mut self, scans: &mut [ContactScan]) -> Result<(), GpuError> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let codes = self.device.classify_triangle_pairs(&self.coords)?;
        self.classified += codes.len();
        for (&(k, i, j), &c) in self.queued.iter().zip(&codes) {
            let scan = &mut scans[k];
            if scan.crossing.is_some() || c == code::DISJOINT {
                continue;
            }
            let contact = if c == code::CROSSING {
                TriangleContact::Crossing
            } else {
                self.undecided += 1;
                let (a, b) = self.pairs[k];
                triangle_contact(
                    self.objects[a as usize].triangles()[i as usize],
                    self.objects[b as usize].triangles()[j as usize],
                )
            };
            let pair = PairContact {
                a: i,
                b: j,
                contact,
            };
            match contact {
                TriangleContact::Crossing => scan.crossing = Some(pair),
                TriangleContact::Disjoint => {}
                _ => scan.others.push(pair),
            }
        }
        self.queued.clear();
        self.coords.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_geom::mesh_contact::first_crossing;
    use cicada_geom::{Mesh, Point3};

    /// Batches far smaller than one object pair's candidates: every scan is still the
    /// CPU's (lavapipe in CI).
    #[test]
    fn streamed_device_scans_equal_the_cpu_scans() {
        let Some(backend) = cicada_gpu::device_for_test(Backend::open("wgpu")) else {
            return;
        };
        let device = backend.gpu().expect("a GPU backend");
        let sphere = |x: f64| Mesh::icosphere(Point3::new(x, 0.0, 0.0), 1.0, 3);
        let cube = Mesh::axis_aligned_box(Point3::new(0.5, -0.4, -0.4), Point3::new(1.3, 0.4, 0.4));
        let objects: Vec<ClashObject> = [sphere(0.0), sphere(1.5), sphere(3.2)]
            .iter()
            .chain([&cube])
            .map(|m| ClashObject::from_mesh(m, 0.0))
            .collect();
        let pairs = vec![(0, 1), (0, 3), (1, 2), (1, 3)];
        for batch in [7, 100, 1 << 20] {
            let (scans, classified, _) =
                device_scans(device, &objects, &pairs, batch, &crate::NoProgress)
                    .unwrap()
                    .unwrap();
            assert!(classified > 0);
            for (k, &(a, b)) in pairs.iter().enumerate() {
                let (oa, ob) = (&objects[a as usize], &objects[b as usize]);
                let cpu = first_crossing(oa.triangles(), oa.bvh(), ob.triangles(), ob.bvh());
                assert_eq!(scans[k], cpu, "batch {batch}, pair {k}");
            }
        }
    }
}

//! Where two triangle sets meet: the broad phase over both hierarchies
//! ([`candidate_pairs`]), then every candidate pair decided exactly by
//! [`triangle_contact`] on the caller's own coordinates (never the hierarchies'
//! origin-relative copies, whose rounding an exact predicate would see). The narrow phase
//! of hard-clash detection; distances, depths and containment are built on top of it.

use rayon::prelude::*;

use crate::Point3;
use std::ops::ControlFlow;

use crate::bvh::{Bvh, candidate_pairs, visit_candidate_pairs};
use crate::triangle_contact::{ClosestPoints, TriangleContact, closest_points, triangle_contact};

/// One pair of triangles that meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairContact {
    /// Triangle of the first set.
    pub a: u32,
    /// Triangle of the second set.
    pub b: u32,
    /// How they meet (never `Disjoint`).
    pub contact: TriangleContact,
}

/// Every pair of a triangle of `a` and one of `b` that meet, sorted by `(a, b)`, given
/// hierarchies built over exactly these triangles.
pub fn mesh_contacts(
    a: &[[Point3; 3]],
    bvh_a: &Bvh,
    b: &[[Point3; 3]],
    bvh_b: &Bvh,
) -> Vec<PairContact> {
    candidate_pairs(bvh_a, bvh_b, 0.0)
        .into_par_iter()
        .filter_map(|(i, j)| {
            let contact = triangle_contact(a[i as usize], b[j as usize]);
            (contact != TriangleContact::Disjoint).then_some(PairContact {
                a: i,
                b: j,
                contact,
            })
        })
        .collect()
}

/// What [`first_crossing`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactScan {
    /// The first pair found whose interiors cross, if any.
    pub crossing: Option<PairContact>,
    /// The touching and coplanar pairs met before it (all of them when nothing crosses).
    pub others: Vec<PairContact>,
}

/// The first pair of triangles of `a` and `b` whose interiors cross, and the other
/// contacts met on the way: one sequential walk that stops there, for callers that only
/// need to know whether two surfaces pass through each other (deciding that is most of a
/// clash test, and a deep overlap has thousands of crossing pairs).
pub fn first_crossing(
    a: &[[Point3; 3]],
    bvh_a: &Bvh,
    b: &[[Point3; 3]],
    bvh_b: &Bvh,
) -> ContactScan {
    let mut others = Vec::new();
    let flow = visit_candidate_pairs(bvh_a, bvh_b, 0.0, |i, j| {
        let contact = triangle_contact(a[i as usize], b[j as usize]);
        let pair = PairContact {
            a: i,
            b: j,
            contact,
        };
        match contact {
            TriangleContact::Crossing => ControlFlow::Break(pair),
            TriangleContact::Disjoint => ControlFlow::Continue(()),
            _ => {
                others.push(pair);
                ControlFlow::Continue(())
            }
        }
    });
    ContactScan {
        crossing: match flow {
            ControlFlow::Break(pair) => Some(pair),
            ControlFlow::Continue(()) => None,
        },
        others,
    }
}

/// The closest pair of triangles of two sets: which ones and their closest points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClosestPair {
    /// Triangle of the first set.
    pub a: u32,
    /// Triangle of the second set.
    pub b: u32,
    /// Their distance and closest points (0 and a common point when they meet).
    pub points: ClosestPoints,
}

/// The least distance between the triangles of `a` and those of `b` when it is below
/// `limit` (`None` otherwise), given hierarchies over exactly these triangles: a
/// simultaneous descent of both hierarchies, nearer node pairs first, pruned by the best
/// distance found so far. Node boxes are rounded outwards, so their distances are true
/// lower bounds and no closer pair is missed.
pub fn closest_pair(
    a: &[[Point3; 3]],
    bvh_a: &Bvh,
    b: &[[Point3; 3]],
    bvh_b: &Bvh,
    limit: f64,
) -> Option<ClosestPair> {
    if bvh_a.is_empty() || bvh_b.is_empty() {
        return None;
    }
    let world = |bvh: &Bvh, i: u32| {
        let n = &bvh.nodes()[i as usize];
        let o = bvh.origin();
        (
            [0, 1, 2].map(|k| o.to_array()[k] + f64::from(n.min[k])),
            [0, 1, 2].map(|k| o.to_array()[k] + f64::from(n.max[k])),
        )
    };
    let gap = |i: u32, j: u32| {
        let ((amin, amax), (bmin, bmax)) = (world(bvh_a, i), world(bvh_b, j));
        (0..3)
            .map(|k| {
                let d = (amin[k] - bmax[k]).max(bmin[k] - amax[k]).max(0.0);
                d * d
            })
            .sum::<f64>()
            .sqrt()
    };
    let mut best: Option<ClosestPair> = None;
    let mut bound = limit;
    let mut stack = vec![(gap(0, 0), 0u32, 0u32)];
    while let Some((d, i, j)) = stack.pop() {
        if d >= bound {
            continue;
        }
        let (na, nb) = (&bvh_a.nodes()[i as usize], &bvh_b.nodes()[j as usize]);
        match (na.count > 0, nb.count > 0) {
            (true, true) => {
                for ka in na.first..na.first + na.count {
                    let ta = bvh_a.order()[ka as usize];
                    for kb in nb.first..nb.first + nb.count {
                        let tb = bvh_b.order()[kb as usize];
                        let points = closest_points(a[ta as usize], b[tb as usize]);
                        if points.distance < bound {
                            bound = points.distance;
                            best = Some(ClosestPair {
                                a: ta,
                                b: tb,
                                points,
                            });
                        }
                    }
                }
            }
            (leaf_a, leaf_b) => {
                // Split the inner node (the one with the larger box when both are).
                let split_a = !leaf_a && (leaf_b || node_extent(na) >= node_extent(nb));
                let children = if split_a {
                    [(na.first, j), (na.first + 1, j)]
                } else {
                    [(i, nb.first), (i, nb.first + 1)]
                };
                let mut next = children.map(|(ci, cj)| (gap(ci, cj), ci, cj));
                // Nearer pair last, so it is popped first.
                if next[0].0 < next[1].0 {
                    next.swap(0, 1);
                }
                stack.extend(next.into_iter().filter(|c| c.0 < bound));
            }
        }
    }
    best
}

fn node_extent(n: &crate::bvh::BvhNode) -> f32 {
    (0..3).map(|k| n.max[k] - n.min[k]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 12 triangles of the box from `lo` to `hi`, outward facing.
    fn cuboid(lo: [f64; 3], hi: [f64; 3]) -> Vec<[Point3; 3]> {
        crate::Mesh::axis_aligned_box(Point3::from_array(lo), Point3::from_array(hi))
            .triangles()
            .collect()
    }

    fn contacts(a: &[[Point3; 3]], b: &[[Point3; 3]]) -> Vec<PairContact> {
        mesh_contacts(a, &Bvh::new(a), b, &Bvh::new(b))
    }

    #[test]
    fn overlapping_boxes_cross_touching_boxes_touch_apart_boxes_do_not_meet() {
        let unit = cuboid([0.0; 3], [1.0; 3]);
        // Overlapping by 0.2 along x: faces cut through each other.
        let over = cuboid([0.8, 0.2, 0.2], [1.8, 0.8, 0.8]);
        let c = contacts(&unit, &over);
        assert!(
            c.iter().any(|p| p.contact == TriangleContact::Crossing),
            "{c:?}"
        );
        // Face to face at x = 1: only coplanar and touching contacts, nothing crosses.
        let face = cuboid([1.0, 0.2, 0.2], [2.0, 0.8, 0.8]);
        let c = contacts(&unit, &face);
        assert!(!c.is_empty());
        assert!(
            c.iter().all(|p| p.contact != TriangleContact::Crossing),
            "{c:?}"
        );
        assert!(c.iter().any(|p| p.contact == TriangleContact::Coplanar));
        // A hair apart (one ulp of 1.0 beyond x = 1): nothing.
        let gap = 1.0 + f64::EPSILON;
        assert!(contacts(&unit, &cuboid([gap, 0.2, 0.2], [2.0, 0.8, 0.8])).is_empty());
        // Inside without touching: no surface contact (containment is another question).
        assert!(contacts(&unit, &cuboid([0.25; 3], [0.75; 3])).is_empty());
        // The early-out scan agrees: a crossing for the overlap, only touching contacts
        // (all of them) face to face.
        let scan =
            |x: &[[Point3; 3]], y: &[[Point3; 3]]| first_crossing(x, &Bvh::new(x), y, &Bvh::new(y));
        assert!(scan(&unit, &over).crossing.is_some());
        let s = scan(&unit, &face);
        assert!(s.crossing.is_none());
        assert_eq!(s.others.len(), contacts(&unit, &face).len());
    }

    #[test]
    fn closest_pair_of_boxes_apart_and_meeting() {
        let unit = cuboid([0.0; 3], [1.0; 3]);
        let near = cuboid([1.25, 0.5, 0.5], [2.0, 0.75, 2.0]);
        let (ba, bb) = (Bvh::new(&unit), Bvh::new(&near));
        let c = closest_pair(&unit, &ba, &near, &bb, 10.0).expect("within 10");
        assert!((c.points.distance - 0.25).abs() < 1e-12, "{c:?}");
        assert!((c.points.on_first.x - 1.0).abs() < 1e-12);
        assert!((c.points.on_second.x - 1.25).abs() < 1e-12);
        // Beyond the limit: nothing.
        assert!(closest_pair(&unit, &ba, &near, &bb, 0.25).is_none());
        // Overlapping: zero.
        let over = cuboid([0.5; 3], [1.5; 3]);
        let c = closest_pair(&unit, &ba, &over, &Bvh::new(&over), 1.0).expect("meet");
        assert_eq!(c.points.distance, 0.0);
    }

    #[test]
    fn far_from_the_origin_contacts_are_decided_on_the_callers_coordinates() {
        // At UTM-like coordinates the hierarchy stores triangles relative to its origin;
        // the exact test must still see a face-to-face contact as touching, not a gap.
        let shift = |t: Vec<[Point3; 3]>| {
            t.into_iter()
                .map(|tri| tri.map(|p| Point3::new(p.x + 500_000.1, p.y + 4_100_000.3, p.z)))
                .collect::<Vec<_>>()
        };
        let a = shift(cuboid([0.0; 3], [1.0; 3]));
        let b = shift(cuboid([1.0, 0.2, 0.2], [2.0, 0.8, 0.8]));
        let c = contacts(&a, &b);
        assert!(
            !c.is_empty() && c.iter().all(|p| p.contact != TriangleContact::Crossing),
            "{c:?}"
        );
    }
}

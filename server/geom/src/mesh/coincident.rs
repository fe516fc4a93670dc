//! Groups of distinct vertices that lie within a tolerance of each other.
//!
//! Uniform-grid hashing with the tolerance as cell size: two points within the tolerance lie
//! in the same or adjacent cells, so each point is compared with the 27 cells around it.
//! Pairs within the tolerance are merged by union–find, so a chain of close points forms one
//! group (as Rhino's weld does).

use crate::bbox::Aabb;
use crate::cell_map::CellMap;
use crate::disjoint_set::DisjointSet;
use crate::vec3::Point3;

/// Groups of two or more point indices within `tolerance` of a neighbour in the group, each
/// group sorted, groups ordered by their first index. A tolerance of 0 finds exact
/// duplicates only.
pub fn coincident_vertex_groups(points: &[Point3], tolerance: f64) -> Vec<Vec<u32>> {
    let mut sets = DisjointSet::new(points.len());
    let bbox: Aabb = points.iter().copied().collect();
    if bbox.is_empty() {
        return Vec::new();
    }
    // Cells are keyed relative to the bounds' minimum so large coordinates still give small,
    // exact cell indices.
    let origin = bbox.min;
    let extent = bbox.size();
    let max_extent = extent.x.max(extent.y).max(extent.z);
    // A cell size far below the extent would overflow the index range; such a tolerance
    // only ever finds exact duplicates, which the smallest representable cell still does.
    let cell = tolerance
        .max(max_extent / f64::from(1u32 << 30))
        .max(f64::MIN_POSITIVE);
    let key = |p: Point3| {
        let d = p - origin;
        (
            (d.x / cell).floor() as i64,
            (d.y / cell).floor() as i64,
            (d.z / cell).floor() as i64,
        )
    };
    let mut grid: CellMap<(i64, i64, i64), Vec<u32>> =
        CellMap::with_capacity_and_hasher(points.len(), Default::default());
    for (i, &p) in points.iter().enumerate() {
        grid.entry(key(p)).or_default().push(i as u32);
    }
    let tol2 = tolerance * tolerance;
    for (i, &p) in points.iter().enumerate() {
        let (kx, ky, kz) = key(p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let Some(cell) = grid.get(&(kx + dx, ky + dy, kz + dz)) else {
                        continue;
                    };
                    for &j in cell {
                        if (j as usize) > i && p.distance_squared(points[j as usize]) <= tol2 {
                            sets.union(i as u32, j);
                        }
                    }
                }
            }
        }
    }
    let mut by_root: CellMap<u32, Vec<u32>> = CellMap::default();
    for i in 0..points.len() as u32 {
        if sets.set_size(i) > 1 {
            let root = sets.find(i);
            by_root.entry(root).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<u32>> = by_root.into_values().collect();
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_points_group_and_far_points_do_not() {
        let p = [
            Point3::new(0.0, 0.0, 0.0),
            Point3::new(1.0, 0.0, 0.0),
            Point3::new(0.0005, 0.0, 0.0),
            Point3::new(1.0, 0.0, 0.0011),
            Point3::new(1.0, 0.0, 0.0),
        ];
        assert_eq!(
            coincident_vertex_groups(&p, 0.001),
            vec![vec![0, 2], vec![1, 4]]
        );
    }

    #[test]
    fn zero_tolerance_finds_exact_duplicates_far_from_origin() {
        let p = [
            Point3::new(500_000.0, 4_100_000.0, 12.0),
            Point3::new(500_000.0, 4_100_000.0, 12.0),
            Point3::new(500_000.0, 4_100_000.0, 12.000_001),
        ];
        assert_eq!(coincident_vertex_groups(&p, 0.0), vec![vec![0, 1]]);
    }
}

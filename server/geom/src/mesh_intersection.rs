//! Where two triangle meshes meet, as curves: every pair of triangles that cross or touch
//! gives a segment (where the common line of their planes cuts both), and the segments are
//! joined end to end into ordered polylines, open or closed. Which side of a plane a corner
//! lies on is decided exactly, except that corners within the weld distance of the plane
//! are on it: flush faces apart only by rounding are coplanar, and a side ending on a face
//! touches it. Coplanar overlaps (flush faces) are
//! areas, not curves: they are listed and their shared area summed (each pair's overlap
//! clipped on its own), never passed to a triangulator, so they cannot upset the joining
//! (where parry panics, dimforge/parry#289). The flush region's outline joins the curves
//! where no crossing draws it already (open sheets lying on each other).

use crate::Point3;
use crate::Vector3;
use crate::bvh::Bvh;
use crate::bvh::candidate_pairs;
use crate::cell_map::CellMap;
use crate::chord_index::ChordIndex;
use crate::resting;
use crate::triangle_contact::{
    closest_on_triangle, coplanar_overlap_area, coplanar_overlap_polygon, plane_cut, polygon_area,
    projected_interiors_overlap, same_strict_side, side,
};

/// An ordered chain of points; a closed one returns to its first point (not repeated).
#[derive(Clone, Debug, PartialEq)]
pub struct Polyline {
    /// The points in order.
    pub points: Vec<Point3>,
    /// True for a loop.
    pub closed: bool,
}

/// The intersection of two meshes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshIntersection {
    /// The intersection curves.
    pub polylines: Vec<Polyline>,
    /// Triangle pairs `(a, b)` lying in one plane and sharing an area.
    pub coplanar: Vec<(u32, u32)>,
    /// The area over which the meshes lie flush: the sum of the areas the coplanar pairs
    /// share. A mesh's triangles do not overlap each other, so neither do these pieces.
    pub coplanar_area: f64,
    /// Points where the meshes only touch (a vertex on the other, isolated).
    pub touch_points: Vec<Point3>,
}

/// The curves along which triangle sets `a` and `b` meet (hierarchies over exactly these
/// triangles), with end points closer than `weld` taken as one and corners within `weld`
/// of the other triangle's plane taken as on it. Where they lie flush the outline of the
/// flush region is among the curves (its sides that no crossing already draws: an open
/// sheet lying on another has no crossing at all).
pub fn mesh_intersection(
    a: &[[Point3; 3]],
    bvh_a: &Bvh,
    b: &[[Point3; 3]],
    bvh_b: &Bvh,
    weld: f64,
) -> MeshIntersection {
    cut_meshes((a, bvh_a), (b, bvh_b), weld, true)
}

/// [`mesh_intersection`] without the flush regions' outlines: the seeding meshes' cut, whose
/// flush stretches the surface passes treat on their own.
pub(crate) fn seed_cut(a: Triangles, b: Triangles, weld: f64) -> MeshIntersection {
    cut_meshes(a, b, weld, false)
}

/// Triangles with their hierarchy.
type Triangles<'a> = (&'a [[Point3; 3]], &'a Bvh);

/// The cut of two meshes, with the flush regions' outlines when `outlines` asks.
fn cut_meshes(
    (a, bvh_a): Triangles,
    (b, bvh_b): Triangles,
    weld: f64,
    outlines: bool,
) -> MeshIntersection {
    use rayon::prelude::*;
    let mut out = MeshIntersection::default();
    let mut segments = Vec::new();
    let mut points = Vec::new();
    let met: Vec<(u32, u32, Meet)> = candidate_pairs(bvh_a, bvh_b, weld)
        .into_par_iter()
        .filter_map(|(i, j)| meet(a[i as usize], b[j as usize], weld).map(|m| (i, j, m)))
        .collect();
    for (i, j, m) in met {
        match m {
            Meet::Flush => out.coplanar.push((i, j)),
            Meet::Segment([p, q]) if p.distance(q) > weld => segments.push([p, q]),
            Meet::Segment([p, q]) => points.push(p.lerp(q, 0.5)),
        }
    }
    if outlines && !out.coplanar.is_empty() {
        // The shared polygons once, for the area and the outline both.
        let shared = shared_polygons(a, b, &out.coplanar);
        out.coplanar_area = total_area(&shared);
        let sides = flush_outline((a, bvh_a), (b, bvh_b), &out.coplanar, &shared, weld);
        // Sides along which a crossing (or a side face ending there) already runs are drawn.
        let drawn = ChordIndex::new(segments.clone(), 2.0 * weld);
        segments.extend(
            sides
                .into_iter()
                .filter(|&[p, q]| !drawn.near(p.lerp(q, 0.5))),
        );
    } else {
        out.coplanar_area = shared_area(a, b, &out.coplanar);
    }
    let mut welder = Welder::new(weld);
    let mut edges: Vec<[u32; 2]> = segments
        .iter()
        .map(|&[p, q]| [welder.id(p), welder.id(q)])
        .filter(|[i, j]| i != j)
        .map(|[i, j]| [i.min(j), i.max(j)])
        .collect();
    // A segment along an edge shared by two triangles comes twice.
    edges.sort_unstable();
    edges.dedup();
    out.polylines = join(&edges, &welder.points);
    // Touch points not on any curve are isolated contacts.
    let mut on_curve = vec![false; welder.points.len()];
    for [i, j] in &edges {
        on_curve[*i as usize] = true;
        on_curve[*j as usize] = true;
    }
    for p in points {
        let k = welder.id(p) as usize;
        if k >= on_curve.len() {
            on_curve.resize(k + 1, false);
        }
        if !on_curve[k] {
            on_curve[k] = true;
            out.touch_points.push(p);
        }
    }
    out
}

/// The area over which triangle sets `a` and `b` (hierarchies over exactly these) lie
/// flush, corners within `weld` of the other's plane taken as on it: the
/// [`MeshIntersection::coplanar_area`] alone, without the curves.
pub fn flush_area(
    a: &[[Point3; 3]],
    bvh_a: &Bvh,
    b: &[[Point3; 3]],
    bvh_b: &Bvh,
    weld: f64,
) -> f64 {
    use rayon::prelude::*;
    let flush: Vec<(u32, u32)> = candidate_pairs(bvh_a, bvh_b, weld)
        .into_par_iter()
        .filter(|&(i, j)| matches!(meet(a[i as usize], b[j as usize], weld), Some(Meet::Flush)))
        .collect();
    shared_area(a, b, &flush)
}

/// The area the flush pairs of `a` and `b` share, each pair's measured on its own (no
/// polygon kept) and summed in pair order.
fn shared_area(a: &[[Point3; 3]], b: &[[Point3; 3]], flush: &[(u32, u32)]) -> f64 {
    use rayon::prelude::*;
    let areas: Vec<f64> = flush
        .par_iter()
        .map(|&(i, j)| coplanar_overlap_area(a[i as usize], b[j as usize]))
        .collect();
    areas.iter().sum()
}

/// The polygon each flush pair of `a` and `b` shares, in pair order.
fn shared_polygons(a: &[[Point3; 3]], b: &[[Point3; 3]], flush: &[(u32, u32)]) -> Vec<Vec<Point3>> {
    use rayon::prelude::*;
    flush
        .par_iter()
        .map(|&(i, j)| coplanar_overlap_polygon(a[i as usize], b[j as usize]))
        .collect()
}

/// The area of polygons that do not overlap, summed in their order (so it does not depend
/// on how the pairs were shared out between threads).
fn total_area(polygons: &[Vec<Point3>]) -> f64 {
    polygons.iter().map(|p| polygon_area(p)).sum()
}

/// The sides of the region where `a` and `b` lie flush (`coplanar`: their flush pairs,
/// sorted; `polygons`: what each shares): each side of a pair's shared polygon with the region on one side of it only,
/// probed a little way off its middle on either side (a side no other piece shares).
fn flush_outline(
    (a, bvh_a): Triangles,
    (b, bvh_b): Triangles,
    coplanar: &[(u32, u32)],
    polygons: &[Vec<Point3>],
    weld: f64,
) -> Vec<[Point3; 2]> {
    use rayon::prelude::*;
    debug_assert!(
        coplanar.is_sorted(),
        "flush pairs come sorted from the broad phase"
    );
    // A point is in the region when it lies on a triangle of each that lie flush.
    let within = |t: [Point3; 3], q: Point3| closest_on_triangle(q, t).distance(q) <= weld;
    let in_region = |q: Point3| {
        let e = Vector3::new(weld, weld, weld);
        let mut on_a = Vec::new();
        bvh_a.for_each_in_box(q - e, q + e, |i| {
            if within(a[i as usize], q) {
                on_a.push(i);
            }
        });
        let mut found = false;
        if !on_a.is_empty() {
            bvh_b.for_each_in_box(q - e, q + e, |j| {
                found = found
                    || (within(b[j as usize], q)
                        && on_a
                            .iter()
                            .any(|&i| coplanar.binary_search(&(i, j)).is_ok()));
            });
        }
        found
    };
    // A side between two pieces comes once from each (welded ends alike) and lies inside
    // the region: only the sides met once are probed.
    let mut welder = Welder::new(weld);
    let mut sides: Vec<([u32; 2], u32, [Point3; 2])> = Vec::new();
    for (k, polygon) in polygons.iter().enumerate() {
        let ids: Vec<u32> = polygon.iter().map(|&p| welder.id(p)).collect();
        let n = polygon.len();
        for m in 0..n {
            let (p, q) = (polygon[m], polygon[(m + 1) % n]);
            let (i, j) = (ids[m], ids[(m + 1) % n]);
            if i != j {
                sides.push(([i.min(j), i.max(j)], k as u32, [p, q]));
            }
        }
    }
    sides.sort_unstable_by_key(|&(ends, _, _)| ends);
    let once: Vec<(u32, [Point3; 2])> = (0..sides.len())
        .filter(|&k| {
            (k == 0 || sides[k - 1].0 != sides[k].0)
                && (k + 1 == sides.len() || sides[k + 1].0 != sides[k].0)
        })
        .map(|k| (sides[k].1, sides[k].2))
        .collect();
    once.into_par_iter()
        .filter(|&(piece, [p, q])| {
            let x = a[coplanar[piece as usize].0 as usize];
            let across = (x[1] - x[0]).cross(x[2] - x[0]).cross(q - p);
            let across = across * (1.0 / across.length());
            // Past the weld, so a point off a triangle's side is off the triangle.
            let length = p.distance(q);
            let off = (4.0 * weld).max(1e-7 * length).min(0.25 * length);
            let middle = p.lerp(q, 0.5);
            in_region(middle + across * off) != in_region(middle - across * off)
        })
        .map(|(_, side)| side)
        .collect()
}

/// How two triangles meet.
enum Meet {
    /// In one plane (to the weld distance), sharing an area.
    Flush,
    /// Along a segment (of no length where they touch at a point).
    Segment([Point3; 2]),
}

/// Signed distances of `t`'s corners from the plane of `o`, those within `weld` of it
/// snapped onto it; `None` for a degenerate `o`. Signs are exact (Shewchuk's orient3d).
fn snapped_sides(t: [Point3; 3], o: [Point3; 3], weld: f64) -> Option<[f64; 3]> {
    let normal = (o[1] - o[0]).cross(o[2] - o[0]).length();
    (normal > 0.0).then(|| {
        t.map(|p| {
            let d = side(o[0], o[1], o[2], p) / normal;
            if d.abs() <= weld { 0.0 } else { d }
        })
    })
}

/// Where triangles `x` and `y` meet, corners within `weld` of the other's plane taken as
/// on it: flush faces that only rounding keeps apart (a model turned or moved) are then
/// coplanar, and a side that ends on the other's face touches it, instead of crossing it
/// in slivers or missing it by an ulp. Signs away from the planes are exact.
fn meet(x: [Point3; 3], y: [Point3; 3], weld: f64) -> Option<Meet> {
    // Most candidate pairs lie to one side of a plane: the second plane's signs only
    // for those that do not.
    let dx = snapped_sides(x, y, weld)?;
    if same_strict_side(dx[0], dx[1], dx[2]) {
        return None;
    }
    let dy = snapped_sides(y, x, weld)?;
    if same_strict_side(dy[0], dy[1], dy[2]) {
        return None;
    }
    if dx.iter().all(|&d| d == 0.0) || dy.iter().all(|&d| d == 0.0) {
        return projected_interiors_overlap(x, y).then_some(Meet::Flush);
    }
    let (cut_x, cut_y) = (plane_cut(x, dx)?, plane_cut(y, dy)?);
    let line = (x[1] - x[0])
        .cross(x[2] - x[0])
        .cross((y[1] - y[0]).cross(y[2] - y[0]));
    let length = line.length();
    if length == 0.0 {
        return None;
    }
    let along = |p: Point3| line.dot(p - x[0]) / length;
    let order = |[a, b]: [Point3; 2]| if along(a) <= along(b) { [a, b] } else { [b, a] };
    let ([a0, a1], [b0, b1]) = (order(cut_x), order(cut_y));
    // The later start and the earlier end: apart by more than the weld, they miss.
    let start = if along(a0) >= along(b0) { a0 } else { b0 };
    let end = if along(a1) <= along(b1) { a1 } else { b1 };
    let gap = along(start) - along(end);
    if gap > weld {
        return None;
    }
    if gap > 0.0 {
        let p = start.lerp(end, 0.5);
        return Some(Meet::Segment([p, p]));
    }
    Some(Meet::Segment([start, end]))
}

/// Whether the meshes `a` and `b` (each with its hierarchy) only rest on each other along
/// `curve`, one of the polylines where they meet: their triangles around it, cut across it,
/// do not alternate round it once the flush ones are left out (a box standing on a slab,
/// boxes side by side; see [`crate::resting`]). Where both meshes are flat at a point of
/// the curve they cross there.
pub fn meshes_touch_along(
    (a, bvh_a): (&[[Point3; 3]], &Bvh),
    (b, bvh_b): (&[[Point3; 3]], &Bvh),
    curve: &Polyline,
    tolerance: f64,
) -> bool {
    let Some(&first) = curve.points.first() else {
        return false;
    };
    let ring: Vec<Point3> = curve
        .points
        .iter()
        .chain(curve.closed.then_some(&first))
        .copied()
        .collect();
    // The points lie on both meshes up to the rounding of where triangles meet.
    let eps = |p: Point3| (tolerance * 1e-2).max(1e-12 * p.to_vector().length());
    resting::piece_touches(
        &ring,
        |k| {
            let p = ring[k];
            resting::mesh_flat_at(a, bvh_a, p, tolerance)
                && resting::mesh_flat_at(b, bvh_b, p, tolerance)
        },
        |k, s, along| {
            let p = ring[k].lerp(ring[k + 1], s);
            let ray_a = resting::mesh_rays(a, bvh_a, p, along, eps(p), tolerance);
            let ray_b = resting::mesh_rays(b, bvh_b, p, along, eps(p), tolerance);
            resting::touch(along, &ray_a, &ray_b, tolerance)
        },
    )
}

/// Points merged within a distance, on a hash grid of twice that cell size: the points
/// within the distance of one lie in the eight cells nearest it.
struct Welder {
    distance: f64,
    cell: f64,
    points: Vec<Point3>,
    grid: CellMap<[i64; 3], Vec<u32>>,
}

impl Welder {
    fn new(distance: f64) -> Welder {
        let distance = distance.max(f64::MIN_POSITIVE);
        Welder {
            distance,
            cell: 2.0 * distance,
            points: Vec::new(),
            grid: CellMap::default(),
        }
    }

    /// The id of the point within the distance of `p`, or a new one.
    fn id(&mut self, p: Point3) -> u32 {
        let at = [p.x, p.y, p.z].map(|c| c / self.cell);
        let key = at.map(|c| c.floor() as i64);
        // Per axis the cell beside, on the side of the nearer face; the own cell first.
        let beside = [0, 1, 2].map(|k| if at[k] - (key[k] as f64) < 0.5 { -1 } else { 1 });
        for corner in 0..8 {
            let step = |k: usize| if corner >> k & 1 == 1 { beside[k] } else { 0 };
            let cell = [key[0] + step(0), key[1] + step(1), key[2] + step(2)];
            if let Some(ids) = self.grid.get(&cell) {
                for &i in ids {
                    if self.points[i as usize].distance(p) <= self.distance {
                        return i;
                    }
                }
            }
        }
        let id = self.points.len() as u32;
        self.points.push(p);
        self.grid.entry(key).or_default().push(id);
        id
    }
}

/// Walks the graph of `edges` over `points` into polylines: chains between nodes that are
/// not simple (ends and junctions) first, then the loops left.
fn join(edges: &[[u32; 2]], points: &[Point3]) -> Vec<Polyline> {
    let n = points.len();
    let mut adjacent: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n];
    for (e, &[i, j]) in edges.iter().enumerate() {
        adjacent[i as usize].push((j, e));
        adjacent[j as usize].push((i, e));
    }
    let mut used = vec![false; edges.len()];
    let mut out = Vec::new();
    let walk = |start: u32, first: (u32, usize), used: &mut Vec<bool>| {
        let mut chain = vec![start];
        let (mut at, mut via) = first;
        loop {
            used[via] = true;
            chain.push(at);
            if adjacent[at as usize].len() != 2 {
                break;
            }
            match adjacent[at as usize].iter().find(|&&(_, e)| !used[e]) {
                Some(&(next, e)) => {
                    at = next;
                    via = e;
                }
                None => break,
            }
        }
        chain
    };
    for s in 0..n as u32 {
        if adjacent[s as usize].len() == 2 {
            continue;
        }
        for step in adjacent[s as usize].clone() {
            if !used[step.1] {
                let chain = walk(s, step, &mut used);
                out.push(Polyline {
                    points: chain.iter().map(|&i| points[i as usize]).collect(),
                    closed: false,
                });
            }
        }
    }
    for s in 0..n as u32 {
        if let Some(&step) = adjacent[s as usize].iter().find(|&&(_, e)| !used[e]) {
            let mut chain = walk(s, step, &mut used);
            // Back at the start: drop the repeated point.
            if chain.len() > 1 && chain.last() == chain.first() {
                chain.pop();
            }
            out.push(Polyline {
                points: chain.iter().map(|&i| points[i as usize]).collect(),
                closed: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The triangles of an icosphere of radius `r` about the origin.
    fn icosphere(r: f64, levels: u32) -> Vec<[Point3; 3]> {
        let m = crate::Mesh::icosphere(Point3::new(0.0, 0.0, 0.0), r, levels);
        let p = m.positions();
        m.faces()
            .iter()
            .map(|f| [p[f[0] as usize], p[f[1] as usize], p[f[2] as usize]])
            .collect()
    }

    fn plane(z: f64, half: f64) -> Vec<[Point3; 3]> {
        let p = |x: f64, y: f64| Point3::new(x, y, z);
        vec![
            [p(-half, -half), p(half, -half), p(half, half)],
            [p(-half, -half), p(half, half), p(-half, half)],
        ]
    }

    /// The triangles of the box from `lo` to `hi`, turned by `turn`.
    fn boxed(lo: [f64; 3], hi: [f64; 3], turn: &crate::Rotation) -> Vec<[Point3; 3]> {
        let m = crate::Mesh::axis_aligned_box(Point3::from_array(lo), Point3::from_array(hi));
        let p = |i: u32| turn.point(m.positions()[i as usize]);
        m.faces()
            .iter()
            .flat_map(|f| [[p(f[0]), p(f[1]), p(f[2])], [p(f[0]), p(f[2]), p(f[3])]])
            .collect()
    }

    /// The length of a polyline, with its closing chord when closed.
    fn length(line: &Polyline) -> f64 {
        let p = &line.points;
        let chords = if line.closed { p.len() } else { p.len() - 1 };
        (0..chords)
            .map(|k| p[k].distance(p[(k + 1) % p.len()]))
            .sum()
    }

    fn intersect(a: &[[Point3; 3]], b: &[[Point3; 3]]) -> MeshIntersection {
        mesh_intersection(a, &Bvh::new(a), b, &Bvh::new(b), 1e-9)
    }

    #[test]
    fn plane_through_a_sphere_cuts_one_closed_loop() {
        // Case I9 on meshes: the cut is one closed loop in the plane, its points on the
        // mesh, so within the chord error of the circle of radius √(R² − h²).
        let sphere = icosphere(1.0, 3);
        for h in [0.0, 0.3, -0.61, 0.9] {
            let cut = intersect(&sphere, &plane(h, 2.0));
            assert_eq!(cut.polylines.len(), 1, "h = {h}: {:?}", cut.polylines.len());
            let loop_ = &cut.polylines[0];
            assert!(loop_.closed);
            assert!(loop_.points.len() > 20);
            let r = (1.0 - h * h).sqrt();
            for p in &loop_.points {
                assert!((p.z - h).abs() < 1e-12);
                let rho = p.x.hypot(p.y);
                // A level-3 icosphere's facets sag at most ~0.5 % of the radius.
                assert!(rho <= r + 1e-12 && rho > r - 0.01, "h = {h}: {rho} vs {r}");
            }
        }
        // Through a vertex of the mesh (z = 1 touches the top vertex only).
        let top = intersect(&sphere, &plane(1.0, 2.0));
        assert!(top.polylines.is_empty());
        assert_eq!(top.touch_points.len(), 1);
    }

    #[test]
    fn a_sheet_cut_by_a_box_gives_open_chains_and_coplanar_overlap_is_an_area() {
        // A square sheet at z = 0.5 through a unit box, wider than the box: the cut is the
        // box's outline at that height, one closed loop of four sides.
        let cube =
            crate::Mesh::axis_aligned_box(Point3::new(0.0, 0.0, 0.0), Point3::new(1.0, 1.0, 1.0));
        let tri: Vec<[Point3; 3]> = cube
            .faces()
            .iter()
            .flat_map(|f| {
                let p = |i: u32| cube.positions()[i as usize];
                [[p(f[0]), p(f[1]), p(f[2])], [p(f[0]), p(f[2]), p(f[3])]]
            })
            .collect();
        let cut = intersect(&tri, &plane(0.5, 2.0));
        assert_eq!(cut.polylines.len(), 1);
        assert!(cut.polylines[0].closed);
        let perimeter = length(&cut.polylines[0]);
        assert!((perimeter - 4.0).abs() < 1e-12, "{perimeter}");
        // A sheet smaller than the box's top, lying on it: an area, outlined by the sheet's
        // edges (nothing crosses there), no panic.
        let lid = plane(1.0, 0.25)
            .into_iter()
            .map(|t| t.map(|p| Point3::new(p.x + 0.5, p.y + 0.5, p.z)))
            .collect::<Vec<_>>();
        let flush = intersect(&tri, &lid);
        assert_eq!(flush.polylines.len(), 1, "{:?}", flush.polylines);
        assert!(flush.polylines[0].closed);
        let outline = length(&flush.polylines[0]);
        assert!((outline - 2.0).abs() < 1e-12, "{outline}");
        assert!(!flush.coplanar.is_empty());
        assert!(
            (flush.coplanar_area - 0.25).abs() < 1e-15,
            "{}",
            flush.coplanar_area
        );
        // A sheet half in: an open chain across the box (its ends on the sheet's edge).
        let half: Vec<[Point3; 3]> = vec![[
            Point3::new(0.5, -1.0, 0.5),
            Point3::new(0.5, 0.5, 0.5),
            Point3::new(2.0, 0.5, 0.5),
        ]];
        let cut = intersect(&tri, &half);
        assert!(cut.polylines.iter().all(|p| !p.closed));
        assert!(!cut.polylines.is_empty());
    }

    /// A box standing on a slab bears on it over its footprint: 1 × 1 wholly on the slab,
    /// 0.5 × 1 when it overhangs the slab's edge by half, 0 when it stands beside it;
    /// the same turned out of every coordinate plane (the faces then flush to rounding).
    #[test]
    fn a_box_on_a_slab_lies_flush_over_its_footprint() {
        let turns = [
            crate::Rotation::from_quaternion([1.0, 0.0, 0.0, 0.0]),
            crate::Rotation::from_quaternion([0.9, 0.3, -0.2, 0.25]),
        ];
        for turn in &turns {
            let slab = boxed([-1.0, -1.0, -0.2], [1.0, 1.0, 0.0], turn);
            for (lo_x, area) in [(-0.5, 1.0), (0.5, 0.5), (1.0, 0.0)] {
                let block = boxed([lo_x, 0.0, 0.0], [lo_x + 1.0, 1.0, 1.0], turn);
                let cut =
                    mesh_intersection(&slab, &Bvh::new(&slab), &block, &Bvh::new(&block), 1e-9);
                assert!(
                    (cut.coplanar_area - area).abs() < 1e-9,
                    "box from x = {lo_x}: {} against {area}",
                    cut.coplanar_area
                );
            }
        }
    }

    /// An open wall mesh (one quad, x = 1) standing on a floor mesh touches it along its
    /// foot, the foot's ends on the wall's open edges; let down through the floor it
    /// crosses it. Case from the wall-on-floor surface test, both sides meshes.
    #[test]
    fn an_open_wall_mesh_standing_on_a_floor_mesh_touches_it() {
        let floor = plane(0.0, 3.0);
        let (bvh_floor, weld) = (Bvh::new(&floor), 1e-9);
        for (foot, touch) in [(0.0, true), (-1.0, false)] {
            let p = |y: f64, z: f64| Point3::new(1.0, y, z);
            let wall = vec![
                [p(0.0, foot), p(2.0, foot), p(2.0, 2.0)],
                [p(0.0, foot), p(2.0, 2.0), p(0.0, 2.0)],
            ];
            let bvh_wall = Bvh::new(&wall);
            let cut = mesh_intersection(&wall, &bvh_wall, &floor, &bvh_floor, weld);
            assert_eq!(cut.polylines.len(), 1, "foot {foot}");
            let found = meshes_touch_along(
                (&wall, &bvh_wall),
                (&floor, &bvh_floor),
                &cut.polylines[0],
                weld,
            );
            assert_eq!(found, touch, "foot {foot}");
        }
    }

    /// A non-manifold edge: three sheets on the z axis (a fin, three faces on each edge
    /// along it), 120° apart and 1 wide, cut by the plane z = 0.5. The cut is three unit
    /// segments from the axis, which meet there at a junction of three: three open chains,
    /// each from the junction out to a sheet's edge.
    #[test]
    fn a_plane_through_a_fin_of_three_sheets_cuts_three_chains_from_the_junction() {
        let axis = [Point3::new(0.0, 0.0, 0.0), Point3::new(0.0, 0.0, 1.0)];
        let mut fin = Vec::new();
        for k in 0..3 {
            let angle = f64::from(k) * 2.0 * std::f64::consts::PI / 3.0;
            let (x, y) = (angle.cos(), angle.sin());
            let rim = [Point3::new(x, y, 0.0), Point3::new(x, y, 1.0)];
            fin.push([axis[0], rim[0], rim[1]]);
            fin.push([axis[0], rim[1], axis[1]]);
        }
        let cut = intersect(&fin, &plane(0.5, 2.0));
        assert_eq!(cut.polylines.len(), 3, "{:?}", cut.polylines);
        let junction = Point3::new(0.0, 0.0, 0.5);
        for chain in &cut.polylines {
            assert!(!chain.closed);
            let (first, last) = (chain.points[0], chain.points[chain.points.len() - 1]);
            // One end at the junction, the other on the rim.
            let (at_axis, at_rim) = if first.distance(junction) < 1e-12 {
                (first, last)
            } else {
                (last, first)
            };
            assert!(at_axis.distance(junction) < 1e-12, "{chain:?}");
            assert!(
                (at_rim.z - 0.5).abs() < 1e-12 && (at_rim.x.hypot(at_rim.y) - 1.0).abs() < 1e-12
            );
        }
        // Each sheet crosses the plane at z = 0.5; standing on the plane z = 0, each only
        // touches it along its foot (the three feet meet at the axis' foot).
        for (z, touch) in [(0.5, false), (0.0, true)] {
            let floor = plane(z, 2.0);
            let cut = intersect(&fin, &floor);
            assert_eq!(cut.polylines.len(), 3, "z = {z}");
            let (bvh_fin, bvh_floor) = (Bvh::new(&fin), Bvh::new(&floor));
            for chain in &cut.polylines {
                let found = meshes_touch_along((&fin, &bvh_fin), (&floor, &bvh_floor), chain, 1e-9);
                assert_eq!(found, touch, "z = {z}: {chain:?}");
            }
        }
    }
}

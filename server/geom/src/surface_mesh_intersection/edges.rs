//! Mesh edges that lie on the surface. Where a mesh rests on a surface (a box on a slab),
//! its side triangles end on the surface along their bottom edges and its bottom triangles
//! lie flat on it: nothing crosses, so the seed curves have nothing there. What the two
//! meet in is then a set of the mesh's own edges: the outline of the flat contact, the
//! boundary of a sheet that ends on the surface, a ridge resting on it. An edge counts
//! when it lies on the surface along its length, unless every triangle on it lies flat on
//! the surface too (inside the contact; an open edge of a sheet lying flat outlines the
//! contact all the same); such edges are joined into curves where they share a vertex.

use super::SurfaceMeshCurve;
use crate::Point3;
use crate::bvh::{Bvh, candidate_pairs};
use crate::cell_map::CellMap;
use crate::chord_index::{ChordIndex, chords_of};
use crate::nurbs::NurbsSurface;
use crate::nurbs_intersection::{Seeds, along_line};

/// Fractions along an edge at which it must lie on the surface.
const ALONG: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The height of `p` over `s` along the surface's normal, with the parameters of its foot,
/// when the seeding mesh comes within `reach` of it.
fn height(
    s: &NurbsSurface,
    seeds: &Seeds,
    p: Point3,
    reach: f64,
    tolerance: f64,
) -> Option<(f64, [f64; 2])> {
    let uv = seeds.parameters_within(p, reach)?;
    let n = s.normal_at(uv[0], uv[1])?;
    let (z, uv, _) = along_line(s, uv, p, n, tolerance)?;
    // `along_line` gives the surface point as `p + z n`: p lies at −z over it.
    Some((-z, uv))
}

/// Bit patterns of a point's coordinates: equal for a vertex shared by triangles.
fn key(p: Point3) -> [u64; 3] {
    // + 0.0 makes −0 and 0 one key.
    [p.x, p.y, p.z].map(|c| (c + 0.0).to_bits())
}

/// One mesh edge on the surface: its ends with their parameters, and whether the mesh
/// touches the surface there (its other triangles all on one side) rather than crossing.
struct OnEdge {
    ends: [(Point3, [f64; 2]); 2],
    tangent: bool,
}

/// The curves of mesh edges lying on `s` within `tolerance` (see the module), leaving out
/// edges whose middle `known` already covers.
pub(super) fn edges_on_surface(
    s: &NurbsSurface,
    seeds: &Seeds,
    (tris, bvh): (&[[Point3; 3]], &Bvh),
    tolerance: f64,
    known: impl Fn(Point3) -> bool,
) -> Vec<SurfaceMeshCurve> {
    let (_, seed_bvh, deviation) = seeds.parts();
    let reach = deviation + tolerance;
    // The triangles that come within reach of the seeding mesh (the surface's own
    // hierarchy against the mesh's); an edge on the surface has all its triangles there.
    let mut near: Vec<u32> = candidate_pairs(seed_bvh, bvh, reach)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    near.sort_unstable();
    near.dedup();
    // Each edge of those triangles, with the triangles on it.
    let mut sharing: CellMap<[[u64; 3]; 2], Vec<u32>> = CellMap::default();
    for t in near {
        let c = tris[t as usize];
        for k in 0..3 {
            let (a, b) = (key(c[k]), key(c[(k + 1) % 3]));
            let edge = if a <= b { [a, b] } else { [b, a] };
            sharing.entry(edge).or_default().push(t);
        }
    }
    let mut found = Vec::new();
    for (edge, sharers) in &sharing {
        let [a, b] = edge.map(|k| {
            Point3::new(
                f64::from_bits(k[0]),
                f64::from_bits(k[1]),
                f64::from_bits(k[2]),
            )
        });
        // Which samples come within reach of the seeding mesh: a query that stops at the
        // root for points well off the surface, so most edges cost five of them.
        let near = ALONG.map(|f| seed_bvh.closest_point(a.lerp(b, f), reach).is_some());
        if !near.iter().any(|&x| x) {
            continue;
        }
        // The stretch of the edge on the surface: a run of the samples, its ends found by
        // bisection where the edge leaves the surface (an untrimmed patch smaller than
        // the mesh face that rests on it).
        let on_at = |f: f64| {
            height(s, seeds, a.lerp(b, f), reach, tolerance)
                .filter(|(h, _)| h.abs() <= tolerance)
                .map(|(_, uv)| uv)
        };
        let mut on = near;
        for (k, &f) in ALONG.iter().enumerate() {
            on[k] = on[k] && on_at(f).is_some();
        }
        let (Some(first), Some(last)) = (on.iter().position(|&x| x), on.iter().rposition(|&x| x))
        else {
            continue;
        };
        if on[first..=last].iter().any(|&x| !x) {
            continue;
        }
        let length = a.distance(b);
        let refine = |mut off: f64, mut on: f64| {
            while (on - off).abs() * length > tolerance * 1e-2 {
                let mid = 0.5 * (on + off);
                if on_at(mid).is_some() {
                    on = mid;
                } else {
                    off = mid;
                }
            }
            on
        };
        let f0 = if first == 0 {
            0.0
        } else {
            refine(ALONG[first - 1], ALONG[first])
        };
        let f1 = if last == ALONG.len() - 1 {
            1.0
        } else {
            refine(ALONG[last + 1], ALONG[last])
        };
        // An edge through the surface is on it only within the tolerance of the crossing.
        if (f1 - f0) * length <= 4.0 * tolerance || known(a.lerp(b, 0.5 * (f0 + f1))) {
            continue;
        }
        let (Some(uv0), Some(uv1)) = (on_at(f0), on_at(f1)) else {
            continue;
        };
        let ends = [(a.lerp(b, f0), uv0), (a.lerp(b, f1), uv1)];
        // Each triangle on the edge: flat on the surface, or off it to one side. Judged by
        // the surface's tangent plane along the edge (the triangle may reach beyond an
        // untrimmed patch), and by the surface itself where the corner lies over it.
        let middle = 0.5 * (f0 + f1);
        let Some(n) = on_at(middle).and_then(|uv| s.normal_at(uv[0], uv[1])) else {
            continue;
        };
        let (m, along) = (a.lerp(b, middle), b - a);
        let mut sides = Vec::new();
        for &t in sharers {
            let c = tris[t as usize];
            let Some(apex) = c
                .iter()
                .copied()
                .find(|&p| key(p) != edge[0] && key(p) != edge[1])
            else {
                continue;
            };
            let normal = (c[1] - c[0]).cross(c[2] - c[0]);
            if normal.length() == 0.0 {
                continue;
            }
            let normal = normal / normal.length();
            // The apex's distance from the edge's line, times the sine between the planes:
            // how far the triangle leaves the tangent plane.
            let reach_out = (apex - a).cross(along).length() / length;
            let leaves = normal.cross(n).length() * reach_out;
            let over = height(s, seeds, apex, reach, tolerance).map(|(h, _)| h);
            if leaves <= tolerance && over.is_none_or(|h| h.abs() <= tolerance) {
                continue;
            }
            sides.push(over.unwrap_or((apex - m).dot(n)).signum());
        }
        // Every triangle flat on the surface: inside the contact, unless the edge is open
        // (the mesh's own boundary, one triangle on it), where it outlines the contact.
        if sides.is_empty() {
            if sharers.len() == 1 {
                found.push(OnEdge {
                    ends,
                    tangent: true,
                });
            }
            continue;
        }
        let tangent = sides.iter().all(|&x| x == sides[0]);
        found.push(OnEdge { ends, tangent });
    }
    chains(found)
}

/// The edges joined into curves where they share a vertex (two edges a vertex; at a
/// vertex of three or more a curve ends), touching and crossing ones apart.
fn chains(edges: Vec<OnEdge>) -> Vec<SurfaceMeshCurve> {
    let mut out = Vec::new();
    for tangent in [false, true] {
        let group: Vec<&OnEdge> = edges.iter().filter(|e| e.tangent == tangent).collect();
        let mut at: CellMap<[u64; 3], Vec<usize>> = CellMap::default();
        for (i, e) in group.iter().enumerate() {
            for (p, _) in e.ends {
                at.entry(key(p)).or_default().push(i);
            }
        }
        let mut used = vec![false; group.len()];
        // The edge after `i` through its end `p`, where exactly two edges meet.
        let next = |i: usize, p: Point3, used: &[bool]| -> Option<usize> {
            let here = at.get(&key(p))?;
            (here.len() == 2).then(|| here.iter().copied().find(|&j| j != i && !used[j]))?
        };
        // Open chains start at a vertex that is not shared by exactly two edges.
        let mut starts: Vec<(usize, usize)> = Vec::new();
        for (i, e) in group.iter().enumerate() {
            for end in 0..2 {
                if at.get(&key(e.ends[end].0)).is_none_or(|h| h.len() != 2) {
                    starts.push((i, end));
                }
            }
        }
        let all_loops = (0..group.len()).map(|i| (i, 0));
        for (first, end) in starts.into_iter().chain(all_loops) {
            if used[first] {
                continue;
            }
            used[first] = true;
            let (mut points, mut uv) = (Vec::new(), Vec::new());
            let e = group[first];
            for (p, w) in [e.ends[end], e.ends[1 - end]] {
                points.push(p);
                uv.push(w);
            }
            let mut i = first;
            while let Some(p) = points.last().copied()
                && let Some(j) = next(i, p, &used)
            {
                used[j] = true;
                let far = if key(group[j].ends[0].0) == key(p) {
                    1
                } else {
                    0
                };
                points.push(group[j].ends[far].0);
                uv.push(group[j].ends[far].1);
                i = j;
            }
            let closed = points.len() > 3 && key(points[0]) == key(points[points.len() - 1]);
            if closed {
                points.pop();
                uv.pop();
            }
            out.push(SurfaceMeshCurve {
                points,
                uv,
                closed,
                tangent,
            });
        }
    }
    out
}

/// The chords of `curves` (closing chords of closed ones included) for "is this point
/// within `radius` of one of them", asked once per mesh edge.
pub(super) fn chord_index(curves: &[SurfaceMeshCurve], radius: f64) -> ChordIndex {
    let chords = curves
        .iter()
        .flat_map(|c| chords_of(&c.points, c.closed))
        .collect();
    ChordIndex::new(chords, radius)
}

/// Whether the mesh only rests on the surface at `m` (a point of a curve, `uv` on the
/// surface): every corner of the triangles within `reach` of it lies on the surface or to
/// one side of it (over the surface where the seeding mesh reaches, else over its tangent
/// plane at `m`), some of them off it. A curve the seed meshes found along a mesh edge
/// that rests on the surface (a wall standing on it, a ridge lying on it) is then a touch.
pub(super) fn rests_on(
    s: &NurbsSurface,
    seeds: &Seeds,
    (tris, bvh): (&[[Point3; 3]], &Bvh),
    (m, uv): (Point3, [f64; 2]),
    reach: f64,
    tolerance: f64,
) -> bool {
    let Some(n) = s.normal_at(uv[0], uv[1]) else {
        return false;
    };
    let grow = crate::Vector3::new(reach, reach, reach);
    let (mut above, mut below) = (false, false);
    bvh.for_each_in_box(m - grow, m + grow, |t| {
        for &v in &tris[t as usize] {
            let h = height(s, seeds, v, reach, tolerance).map_or((v - m).dot(n), |(h, _)| h);
            above |= h > tolerance;
            below |= h < -tolerance;
        }
    });
    above != below
}

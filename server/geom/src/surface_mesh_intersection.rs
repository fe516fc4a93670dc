//! Where a NURBS surface meets a triangle mesh, exact on both: the seed curves of the
//! surface's own mesh against the triangles ([`mesh_intersection`]) give the order and the
//! points; each is moved onto the surface while staying on the planes of the triangles it
//! lies on (Newton on the planes' equations in (u, v): on a mesh edge two planes fix the
//! point; inside a triangle the least-norm step keeps it near), and the chords are
//! densified with midpoints moved onto the surface in the plane their two ends share,
//! until every chord is within the tolerance of the true curve. A point that slides off
//! its triangle (farther than the tolerance from the mesh) is dropped. Touches (where the
//! seed mesh touches the mesh, or with no crossing where it comes within its chord error
//! of it) are refined by alternating projection between the surface and the mesh, and
//! kept when the two meet to the tolerance. Small loops the seed mesh misses (a cap of the
//! surface through a triangle's plane, narrower than the seed mesh resolves) and touches
//! beside crossings are found at the stationary points of the gap between the surface and
//! the plane of the triangle it comes near (`nurbs_intersection::caps`). Where the surface grazes the mesh all along a
//! seed, or touches it, it may touch along a curve (a pipe on a slab): the contact with
//! the plane of the nearest triangle is traced as between two surfaces and kept where it
//! lies on the mesh, its ends on the mesh's boundary.

use crate::bbox::Aabb;
use crate::bvh::Bvh;
use crate::mesh_contact::closest_pair;
use crate::mesh_intersection::mesh_intersection;
use crate::nurbs::NurbsSurface;
use crate::nurbs_intersection::{
    MAX_NEWTON, NEAR_MISSES, Seeds, SurfaceCurve, bounds_size, caps, clamp_uv, frame,
    polyline_distance, subdivide, touch_point, trace_contact,
};
use crate::triangle_contact::closest_on_triangle;
use crate::{Point3, Vector3};

/// One curve where a surface meets a mesh.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceMeshCurve {
    /// Points on the surface and the mesh, in order.
    pub points: Vec<Point3>,
    /// The surface parameters of each point.
    pub uv: Vec<[f64; 2]>,
    /// True for a closed loop (the last point joins the first).
    pub closed: bool,
    /// True where the surface touches the mesh along the curve (a pipe on a slab) rather
    /// than crossing it.
    pub tangent: bool,
}

/// Where a surface meets a mesh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurfaceMeshIntersection {
    /// The curves.
    pub curves: Vec<SurfaceMeshCurve>,
    /// Isolated touches, on both to the tolerance, with the surface parameters there.
    pub touch_points: Vec<(Point3, [f64; 2])>,
    /// Seed triangle pairs lying flat on each other (the surface flush with the mesh).
    pub coplanar: usize,
}

/// A plane `n · x = d` with a unit normal.
pub(crate) type Plane = (Vector3, f64);

/// The planes of the triangles that `p` lies on (within `eps`), each plane once.
pub(crate) fn planes_at(tris: &[[Point3; 3]], bvh: &Bvh, p: Point3, eps: f64) -> Vec<Plane> {
    let e = Vector3::new(eps, eps, eps);
    let mut out: Vec<Plane> = Vec::new();
    bvh.for_each_in_box(p - e, p + e, |k| {
        let t = tris[k as usize];
        if closest_on_triangle(p, t).distance(p) > eps {
            return;
        }
        let n = (t[1] - t[0]).cross(t[2] - t[0]);
        let len = n.length();
        if len == 0.0 {
            return;
        }
        let n = n * (1.0 / len);
        if out.iter().all(|(m, _)| m.cross(n).length() > 1e-9) {
            out.push((n, n.dot(t[0].to_vector())));
        }
    });
    out
}

/// Moves `uv` until the surface point lies on `planes`: on two (an edge; with more, the two
/// most different) the point is fixed; on one the least-norm step keeps it near where it
/// started. `None` without a plane or when Newton stalls.
fn onto_planes(
    s: &NurbsSurface,
    planes: &[Plane],
    mut uv: [f64; 2],
    tolerance: f64,
) -> Option<(Point3, [f64; 2])> {
    let pair = match planes.len() {
        0 => return None,
        1 => None,
        n => (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .max_by(|x, y| {
                let w = |(i, j): (usize, usize)| planes[i].0.cross(planes[j].0).length();
                w(*x).total_cmp(&w(*y))
            }),
    };
    for _ in 0..MAX_NEWTON {
        let (p, su, sv) = frame(s, uv);
        let step = match pair {
            None => {
                let (n, d) = planes[0];
                let g = n.dot(p.to_vector()) - d;
                if g.abs() <= tolerance * 1e-3 {
                    return Some((p, uv));
                }
                let grad = [n.dot(su), n.dot(sv)];
                let norm = grad[0] * grad[0] + grad[1] * grad[1];
                if norm <= f64::MIN_POSITIVE {
                    return None;
                }
                [-g * grad[0] / norm, -g * grad[1] / norm]
            }
            Some((i, j)) => {
                let ((n1, d1), (n2, d2)) = (planes[i], planes[j]);
                let (g1, g2) = (n1.dot(p.to_vector()) - d1, n2.dot(p.to_vector()) - d2);
                if g1.abs().max(g2.abs()) <= tolerance * 1e-3 {
                    return Some((p, uv));
                }
                let (a, b, c, d) = (n1.dot(su), n1.dot(sv), n2.dot(su), n2.dot(sv));
                let det = a * d - b * c;
                if det.abs() <= 1e-14 * (a.abs() + b.abs()) * (c.abs() + d.abs()) {
                    return None;
                }
                [(-g1 * d + g2 * b) / det, (-g2 * a + g1 * c) / det]
            }
        };
        uv = clamp_uv(s, [uv[0] + step[0], uv[1] + step[1]]);
    }
    None
}

/// The intersection of surface `s` with the triangles `tris` (a hierarchy over exactly
/// them), every point on both to `tolerance` and every chord within `tolerance` of the
/// true curve.
pub fn surface_mesh(
    s: &NurbsSurface,
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    tolerance: f64,
) -> SurfaceMeshIntersection {
    surface_mesh_seeded(s, &Seeds::new(s, tolerance), tris, bvh, tolerance)
}

/// [`surface_mesh`] from the surface's seeding mesh, made beforehand.
pub fn surface_mesh_seeded(
    s: &NurbsSurface,
    seeds: &Seeds,
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    tolerance: f64,
) -> SurfaceMeshIntersection {
    let (seed, seed_bvh, deviation) = seeds.parts();
    let size = bounds_size(s);
    let cut = mesh_intersection(seed, seed_bvh, tris, bvh, 1e-9 * size);
    // Seed points lie on the mesh's triangles up to rounding.
    let eps = 1e-9 * size.max(1e-300);
    let mut out = SurfaceMeshIntersection {
        coplanar: cut.coplanar.len(),
        ..SurfaceMeshIntersection::default()
    };
    let reach = 4.0 * deviation + tolerance;
    // Below this sine of the angle between the surface and the triangles all along a seed,
    // the surface grazes the mesh: a contact, traced below (as for two surfaces).
    let grazing = 4.0 * (tolerance / size).sqrt();
    let mut contacts = Vec::new();
    let span = tris
        .iter()
        .flatten()
        .copied()
        .collect::<Aabb>()
        .size()
        .length()
        .max(size);
    let seeded: Vec<Point3> = cut
        .polylines
        .iter()
        .flat_map(|p| p.points.clone())
        .collect();
    for seed_curve in cut.polylines {
        // A closed seed may be the meshes cutting only the tip of a wider cap.
        if seed_curve.closed
            && let Some((on, _, k)) = bvh.closest_point(seed_curve.points[0], reach)
            && let Some(plane) = caps::plane_patch(tris[k as usize], on, span)
            && let Some(c) =
                caps::seed_cap(s, seeds, &plane, &seed_curve.points, size / 16.0, tolerance)
            && let Some(curve) = cap_on_mesh(bvh, c, tolerance)
        {
            out.curves.push(curve);
            continue;
        }
        let mut kept: Vec<Station> = Vec::new();
        let mut grazes = true;
        for &p in &seed_curve.points {
            let planes = planes_at(tris, bvh, p, eps);
            let uv = seeds.parameters_near(s, p);
            let Some((q, uv)) = onto_planes(s, &planes, uv, tolerance) else {
                continue;
            };
            // At a shallow crossing the seed mesh's error moves the crossing farther, by
            // one over the sine of the angle between the surface and the triangle.
            let sine = s.normal_at(uv[0], uv[1]).map_or(1.0, |n| {
                planes
                    .iter()
                    .map(|(m, _)| n.cross(*m).length())
                    .fold(1.0, f64::min)
            });
            let reach = 4.0 * deviation / sine.max(0.05) + tolerance;
            if q.distance(p) > reach || bvh.closest_point(q, tolerance).is_none() {
                continue;
            }
            grazes &= sine <= grazing;
            match kept.last_mut() {
                // One point within the tolerance: the one on more planes (an edge) stays.
                Some(last) if last.0.distance(q) <= tolerance => {
                    if planes.len() > last.2.len() {
                        *last = (q, uv, planes);
                    }
                }
                _ => kept.push((q, uv, planes)),
            }
        }
        let closed = seed_curve.closed && kept.len() > 2;
        if closed && kept[0].0.distance(kept[kept.len() - 1].0) <= tolerance {
            kept.pop();
        }
        if kept.len() < 2 || grazes {
            contacts.push(kept.first().map_or(seed_curve.points[0], |k| k.0));
            continue;
        }
        out.curves.push(densify(s, &kept, closed, tolerance));
    }
    // Where the seed mesh comes near the mesh away from the seeds, the surface may cross a
    // triangle's plane in a small loop or touch it: at a stationary point of the gap.
    let margin = deviation + tolerance;
    let misses = caps::near_misses((seed, seed_bvh), (tris, bvh), margin, &seeded, NEAR_MISSES);
    let mut stationary: Vec<Point3> = Vec::new();
    for (pa, pb, r, k) in misses {
        // The patch is centred on `pb`: its parameters there are (½, ½).
        let Some(plane) = caps::plane_patch(tris[k as usize], pb, span) else {
            continue;
        };
        let uv = seeds.parameters_near(s, pa);
        let at = caps::stationary_gap(s, &plane, uv, [0.5, 0.5], 2.0 * r + margin, tolerance);
        let Some(at) = at.filter(|x| stationary.iter().all(|q| q.distance(x.at.0) > reach)) else {
            continue;
        };
        stationary.push(at.at.0);
        if at.gap.abs() <= tolerance {
            contacts.push(at.at.0);
            continue;
        }
        let found = caps::curves_at(s, &plane, &at, size, tolerance, |p| {
            out.curves
                .iter()
                .any(|c| polyline_distance(&c.points, c.closed, p) <= 2.0 * tolerance)
        });
        out.curves.extend(
            found
                .into_iter()
                .filter_map(|c| cap_on_mesh(bvh, c, tolerance)),
        );
    }
    // Contacts: grazing seeds, where the seed mesh touches the mesh, or, with no crossing
    // at all, where it comes within its chord error of the mesh (the surface itself may
    // touch there), each along a curve or at a point.
    let mut near = contacts;
    near.extend(cut.touch_points);
    if out.curves.is_empty() && near.is_empty() {
        near.extend(
            closest_pair(seed, seed_bvh, tris, bvh, deviation + tolerance)
                .map(|pair| pair.points.on_first),
        );
    }
    for p in near {
        let on_contact = |q: Point3| {
            out.curves
                .iter()
                .filter(|c| c.tangent)
                .any(|c| polyline_distance(&c.points, c.closed, q) <= reach)
        };
        if on_contact(p) {
            continue;
        }
        if let Some(runs) = contact_on_mesh(s, tris, bvh, p, (size, span), tolerance, reach) {
            out.curves.extend(runs);
            continue;
        }
        let Some(touch) = touch_on_mesh(s, bvh, p, tolerance, reach) else {
            continue;
        };
        let known = out
            .touch_points
            .iter()
            .any(|t| t.0.distance(touch.0) <= tolerance)
            || out.curves.iter().any(|c| {
                c.points
                    .iter()
                    .any(|q| q.distance(touch.0) <= reach.max(tolerance))
            });
        if !known {
            out.touch_points.push(touch);
        }
    }
    out
}

/// Where surface `s` touches the mesh along a curve near `p`: its contact with the plane
/// of the triangle nearest `p` (as a patch `span` wide each way), traced as between two
/// surfaces and kept where it lies on the mesh, each run ended on the mesh's boundary.
/// `None` where the surface touches that plane at a point, or not at all.
fn contact_on_mesh(
    s: &NurbsSurface,
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    p: Point3,
    (size, span): (f64, f64),
    tolerance: f64,
    reach: f64,
) -> Option<Vec<SurfaceMeshCurve>> {
    let (on, _, k) = bvh.closest_point(p, reach)?;
    let plane = caps::plane_patch(tris[k as usize], on, span)?;
    let touch = touch_point(s, &plane, p, tolerance, reach)?;
    let contact = trace_contact(s, &plane, touch, size, tolerance)?;
    let stations: Vec<(Point3, [f64; 2])> = contact.points.into_iter().zip(contact.uv_a).collect();
    let runs = on_mesh_runs(s, bvh, &stations, contact.closed, tolerance);
    (!runs.is_empty()).then_some(runs)
}

/// A loop where the surface crosses the plane of a triangle (as `caps` builds it for two
/// surfaces, the surface first), when all of it lies on the mesh.
fn cap_on_mesh(bvh: &Bvh, curve: SurfaceCurve, tolerance: f64) -> Option<SurfaceMeshCurve> {
    let on_mesh = curve
        .points
        .iter()
        .all(|&q| bvh.closest_point(q, tolerance).is_some());
    on_mesh.then_some(SurfaceMeshCurve {
        points: curve.points,
        uv: curve.uv_a,
        closed: curve.closed,
        tangent: false,
    })
}

/// The runs of the contact curve through `stations` that lie on the mesh, each end where
/// it leaves the mesh found by bisecting the chord that does.
fn on_mesh_runs(
    s: &NurbsSurface,
    bvh: &Bvh,
    stations: &[(Point3, [f64; 2])],
    closed: bool,
    tolerance: f64,
) -> Vec<SurfaceMeshCurve> {
    let on_mesh = |q: Point3| bvh.closest_point(q, tolerance).is_some();
    let inside: Vec<bool> = stations.iter().map(|x| on_mesh(x.0)).collect();
    let run = |points: Vec<(Point3, [f64; 2])>, closed: bool| SurfaceMeshCurve {
        points: points.iter().map(|x| x.0).collect(),
        uv: points.iter().map(|x| x.1).collect(),
        closed,
        tangent: true,
    };
    if inside.iter().all(|&x| x) {
        return vec![run(stations.to_vec(), closed)];
    }
    let n = stations.len();
    // The point where the chord from `x` (on the mesh) to `y` (off it) leaves the mesh,
    // with the surface's parameters interpolated there.
    let boundary = |x: (Point3, [f64; 2]), y: (Point3, [f64; 2])| {
        let (mut lo, mut hi) = (0.0, 1.0);
        while (hi - lo) * x.0.distance(y.0) > tolerance * 1e-2 {
            let mid = (lo + hi) / 2.0;
            if on_mesh(x.0.lerp(y.0, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let uv = [0, 1].map(|i| x.1[i] + (y.1[i] - x.1[i]) * lo);
        let point = x.0.lerp(y.0, lo);
        // Across a closed surface's seam the parameters do not interpolate.
        let uv = if s.point_at(uv[0], uv[1]).distance(point) <= x.0.distance(y.0) {
            uv
        } else {
            s.closest_point(point).0
        };
        (point, uv)
    };
    // Walk from a station off the mesh, once round (a closed curve) or from the start.
    let first = if closed {
        inside.iter().position(|&x| !x).unwrap_or(0)
    } else {
        0
    };
    let steps = if closed { n } else { n - 1 };
    let mut runs = Vec::new();
    let mut current = inside[first].then(|| vec![stations[first]]);
    for step in 0..steps {
        let (i, j) = ((first + step) % n, (first + step + 1) % n);
        match (inside[i], inside[j]) {
            (true, true) => current.get_or_insert_with(Vec::new).push(stations[j]),
            (true, false) => {
                let mut piece = current.take().unwrap_or_default();
                piece.push(boundary(stations[i], stations[j]));
                runs.push(piece);
            }
            (false, true) => current = Some(vec![boundary(stations[j], stations[i]), stations[j]]),
            (false, false) => {}
        }
    }
    runs.extend(current);
    runs.into_iter()
        .filter(|r| r.len() >= 2 && r[0].0.distance(r[r.len() - 1].0) > tolerance)
        .map(|r| run(r, false))
        .collect()
}

/// Where surface `s` touches the mesh near `start`, if it does to `tolerance`: the closest
/// points of the surface and the mesh (within `reach` of each other) by alternating
/// projection; the point on the mesh with the surface's parameters.
fn touch_on_mesh(
    s: &NurbsSurface,
    bvh: &Bvh,
    start: Point3,
    tolerance: f64,
    reach: f64,
) -> Option<(Point3, [f64; 2])> {
    let mut p = start;
    let mut best: Option<(f64, Point3, [f64; 2])> = None;
    for _ in 0..MAX_NEWTON {
        let (uv, on_surface, _) = s.closest_point(p);
        let (on_mesh, d, _) = bvh.closest_point(on_surface, reach)?;
        if best.is_none_or(|(bd, ..)| d < bd) {
            best = Some((d, on_mesh, uv));
        }
        if on_mesh.distance(p) <= tolerance * 1e-3 {
            break;
        }
        p = on_mesh;
    }
    let (d, point, uv) = best?;
    (d <= tolerance).then_some((point, uv))
}

/// A curve point, its surface parameters and the planes of the triangles it lies on.
type Station = (Point3, [f64; 2], Vec<Plane>);

/// The planes in both lists.
fn common(a: &[Plane], b: &[Plane]) -> Vec<Plane> {
    a.iter()
        .filter(|(n, d)| {
            b.iter().any(|(m, e)| {
                n.cross(*m).length() <= 1e-9 && (n.dot(*m) * e - d).abs() <= 1e-9 * (1.0 + d.abs())
            })
        })
        .copied()
        .collect()
}

/// Inserts midpoints moved onto the surface in the plane both ends of their chord lie on,
/// until every chord is within `tolerance` of the curve.
fn densify(s: &NurbsSurface, points: &[Station], closed: bool, tolerance: f64) -> SurfaceMeshCurve {
    let n = points.len();
    let chords = if closed { n } else { n - 1 };
    let mut out: Vec<(Point3, [f64; 2])> = Vec::with_capacity(n);
    for k in 0..chords {
        let (p, q) = (&points[k], &points[(k + 1) % n]);
        // Both ends inside one triangle, or one on its edge: their shared plane holds the
        // curve between them. On no plane or two (a chord along an edge) it stays a chord.
        let plane = common(&p.2, &q.2);
        let plane = (plane.len() == 1).then(|| plane[0]);
        let chord = subdivide(&[(p.0, p.1), (q.0, q.1)], false, |x, y| {
            let chord_mid = x.0.lerp(y.0, 0.5);
            let reach = x.0.distance(y.0);
            let uv_mid = [(x.1[0] + y.1[0]) / 2.0, (x.1[1] + y.1[1]) / 2.0];
            let start = if s.point_at(uv_mid[0], uv_mid[1]).distance(chord_mid) <= reach {
                uv_mid
            } else {
                s.closest_point(chord_mid).0
            };
            plane
                .and_then(|plane| onto_planes(s, &[plane], start, tolerance))
                .filter(|m| {
                    let off = m.0.distance(chord_mid);
                    off <= reach && off > tolerance
                })
        });
        // Each chord's end is the next one's start.
        out.extend(&chord[..chord.len() - 1]);
    }
    if !closed {
        out.push((points[n - 1].0, points[n - 1].1));
    }
    SurfaceMeshCurve {
        points: out.iter().map(|r| r.0).collect(),
        uv: out.iter().map(|r| r.1).collect(),
        closed,
        tangent: false,
    }
}

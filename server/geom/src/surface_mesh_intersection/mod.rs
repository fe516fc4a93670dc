//! Where a NURBS surface meets a triangle mesh, exact on both: the seed curves of the
//! surface's own mesh against the triangles ([`crate::mesh_intersection`]) give the order and the
//! points; each is moved onto the surface while staying on the planes of the triangles it
//! lies on (Newton on the planes' equations in (u, v): on a mesh edge two planes fix the
//! point; inside a triangle the least-norm step keeps it near), and the chords are
//! densified with midpoints moved onto the surface in the plane their two ends share,
//! until every chord is within the tolerance of the true curve. A point that slides off
//! its triangle (a shallow crossing of a folded mesh) is moved again from the mesh point
//! nearest where it landed; where consecutive points share no plane, a point is put on
//! each mesh edge between them. Touches (where the seed mesh touches the mesh, or with no
//! crossing where it comes within its chord error of it) are refined by alternating
//! projection between the surface and the mesh, and kept when the two meet to the
//! tolerance. Small loops the seed mesh misses (a cap of the surface through a triangle's
//! plane, narrower than the seed mesh resolves) and touches beside crossings are found at
//! the stationary points of the gap between the surface and the plane of the triangle it
//! comes near (`nurbs_intersection::caps`), and carried along a folded mesh. Where the
//! surface grazes the mesh all along a seed, or touches it, it may touch along a curve (a
//! pipe on a slab): the contact with the plane of the nearest triangle is traced as
//! between two surfaces and kept where it lies on the mesh, its ends on the mesh's
//! boundary. Where the mesh rests on the surface (nothing crosses), what they meet in is
//! the mesh's own edges that lie on the surface (module `edges`).

use crate::bbox::Aabb;
use crate::bvh::Bvh;
use crate::mesh_contact::closest_pair;
use crate::mesh_intersection::seed_cut;
use crate::nurbs::NurbsSurface;
use crate::nurbs_intersection::repeats::{Branch, without_repeats};
use crate::nurbs_intersection::{
    MAX_NEWTON, NEAR_MISSES, Seeds, SurfaceCurve, boundary_runs_on, bounds_size, caps, clamp_uv,
    coincide_at, frame, polyline_distance, subdivide, touch_point, trace_contact,
};
use crate::triangle_contact::{closest_on_triangle, segment_fractions};
use crate::{Point3, Vector3};

mod edges;

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
    /// The area those pairs share, on the seeding mesh.
    pub coplanar_area: f64,
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
    let cut = seed_cut((seed, seed_bvh), (tris, bvh), 1e-9 * size);
    // Seed points lie on the mesh's triangles up to rounding.
    let eps = 1e-9 * size.max(1e-300);
    let mut out = SurfaceMeshIntersection {
        coplanar: cut.coplanar.len(),
        coplanar_area: cut.coplanar_area,
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
    // A seed (points on the mesh, in order) made exact: each point moved onto the surface
    // within the planes of the triangles it lies on, the chords densified; a contact where
    // the surface grazes the mesh all along it (traced below), or nothing left.
    let follow = |points: &[Point3], closed: bool| -> Result<SurfaceMeshCurve, Point3> {
        let mut kept: Vec<Station> = Vec::new();
        let mut grazes = true;
        for &p in points {
            let Some((q, uv, planes)) = onto_mesh(s, (tris, bvh), p, seeds, eps, tolerance) else {
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
            if q.distance(p) > reach {
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
        let closed = closed && kept.len() > 2;
        if closed && kept[0].0.distance(kept[kept.len() - 1].0) <= tolerance {
            kept.pop();
        }
        if kept.len() < 2 || grazes {
            return Err(kept.first().map_or(points[0], |k| k.0));
        }
        // Where consecutive points share no plane (a point between them was dropped, or
        // they came from elsewhere than the meshes' intersection), the curve crosses mesh
        // edges between them: a point on each such edge, moved onto the surface along it.
        let n = kept.len();
        let chords = if closed { n } else { n - 1 };
        let mut filled: Vec<Station> = Vec::with_capacity(n);
        for k in 0..chords {
            let (p, q) = (&kept[k], &kept[(k + 1) % n]);
            filled.push(p.clone());
            if !common(&p.2, &q.2).is_empty() {
                continue;
            }
            let on = |x: Point3| bvh.closest_point(x, span).map(|(at, _, t)| (at, t));
            let mut between = Vec::new();
            if let (Some(a), Some(b)) = (on(p.0), on(q.0)) {
                let _ = edge_points(tris, &on, a, b, 0, &mut between);
            }
            for e in between {
                let planes = planes_at(tris, bvh, e, eps);
                let uv = [0, 1].map(|i| (p.1[i] + q.1[i]) / 2.0);
                if let Some((x, uv)) = onto_planes(s, &planes, uv, tolerance)
                    && x.distance(e) <= p.0.distance(q.0)
                    && bvh.closest_point(x, tolerance).is_some()
                {
                    filled.push((x, uv, planes));
                }
            }
        }
        if !closed {
            filled.push(kept[n - 1].clone());
        }
        Ok(densify(s, &filled, closed, tolerance))
    };
    // A curve `caps` found against one triangle's plane, onto the mesh: on a flat mesh as it
    // is; where the mesh folds, its points carried to the mesh and followed as a seed.
    let carried = |c: SurfaceCurve| -> Option<SurfaceMeshCurve> {
        let on_mesh = c
            .points
            .iter()
            .all(|&q| bvh.closest_point(q, tolerance).is_some());
        if on_mesh {
            return Some(SurfaceMeshCurve {
                points: c.points,
                uv: c.uv_a,
                closed: c.closed,
                tangent: false,
            });
        }
        follow(&mesh_path(tris, bvh, &c.points, c.closed, span)?, c.closed).ok()
    };
    for seed_curve in &cut.polylines {
        // A closed seed may be the meshes cutting only the tip of a wider cap.
        if seed_curve.closed
            && let Some((on, _, k)) = bvh.closest_point(seed_curve.points[0], reach)
            && let Some(plane) = caps::plane_patch(tris[k as usize], on, span)
            && let Some(c) =
                caps::seed_cap(s, seeds, &plane, &seed_curve.points, size / 16.0, tolerance)
            && let Some(curve) = carried(c)
        {
            out.curves.push(curve);
            continue;
        }
        match follow(&seed_curve.points, seed_curve.closed) {
            Ok(curve) => out.curves.push(curve),
            Err(contact) => contacts.push(contact),
        }
    }
    // Where the seed mesh comes near the mesh away from the seeds, the surface may cross a
    // triangle's plane in a small loop or touch it: at a stationary point of the gap.
    let margin = deviation + tolerance;
    let misses = caps::near_misses((seed, seed_bvh), (tris, bvh), margin, &seeded, NEAR_MISSES);
    let mut stationary: Vec<Point3> = Vec::new();
    // Whether `p` lies within `d` of a curve found already.
    let known = |curves: &[SurfaceMeshCurve], p: Point3, d: f64| {
        curves
            .iter()
            .any(|c| polyline_distance(&c.points, c.closed, p) <= d)
    };
    for (pa, pb, r, k) in misses {
        // Near a curve found already there is nothing new.
        if known(&out.curves, pa, reach) {
            continue;
        }
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
        // Against the plane a point of a known curve may lie off it by the mesh's fold:
        // known ones are left out again once carried onto the mesh.
        let found = caps::curves_at(s, &plane, &at, size, tolerance, |p| {
            known(&out.curves, p, 2.0 * tolerance)
        });
        for curve in found.into_iter().filter_map(carried) {
            if !known(&out.curves, curve.points[0], 2.0 * tolerance) {
                out.curves.push(curve);
            }
        }
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
        if let Some(runs) =
            contact_on_mesh((s, seeds), tris, bvh, p, (size, span), tolerance, reach)
        {
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
    // Mesh edges lying on the surface (a mesh resting on it, a sheet ending on it): where
    // nothing crosses, what the two meet in.
    let found = edges::chord_index(&out.curves, 2.0 * tolerance);
    let on_edges = edges::edges_on_surface(s, seeds, (tris, bvh), tolerance, |p| found.near(p));
    if !on_edges.is_empty() {
        let along = edges::chord_index(&on_edges, reach.max(tolerance));
        out.touch_points.retain(|t| !along.near(t.0));
        out.curves.extend(on_edges);
    }
    // A crossing found along a mesh edge that only rests on the surface is a touch: the
    // mesh lies to one side at a quarter, half and three quarters along it.
    for c in out.curves.iter_mut().filter(|c| !c.tangent) {
        let n = c.points.len();
        c.tangent = n >= 2
            && [n / 4, n / 2, (3 * n) / 4].iter().all(|&k| {
                let k = k.min(n - 1);
                edges::rests_on(
                    s,
                    seeds,
                    (tris, bvh),
                    (c.points[k], c.uv[k]),
                    eps.max(tolerance),
                    tolerance,
                )
            });
    }
    if out.coplanar > 0 {
        // Where the surface lies flush on the mesh its own boundary over the mesh outlines
        // the contact too (a patch on a larger sheet, or over a sheet's edge): nothing
        // crosses there and no mesh edge runs along it.
        // On the mesh as the seeds were flush with it (to rounding), so that a run ends
        // where the mesh does, not a tolerance past it.
        let found = edges::chord_index(&out.curves, 2.0 * tolerance);
        let on_mesh = |p: Point3, _: Vector3, _: Option<()>| {
            bvh.closest_point(p, eps).is_some().then_some(())
        };
        for run in boundary_runs_on(s, tolerance, on_mesh) {
            if !found.near(run[run.len() / 2].0) {
                out.curves.push(SurfaceMeshCurve {
                    points: run.iter().map(|r| r.0).collect(),
                    uv: run.iter().map(|r| r.1).collect(),
                    closed: false,
                    tangent: true,
                });
            }
        }
        // Seeds along the edges of seed triangles lying flush on the mesh may come back as
        // pieces of the curves beside them.
        out.curves = without_repeats(out.curves, tolerance);
    }
    out
}

impl Branch for SurfaceMeshCurve {
    type Sample = (Point3, [f64; 2]);
    fn points(&self) -> &[Point3] {
        &self.points
    }
    fn closed(&self) -> bool {
        self.closed
    }
    fn tangent(&self) -> bool {
        self.tangent
    }
    fn sample(&self, k: usize) -> Self::Sample {
        (self.points[k], self.uv[k])
    }
    fn from_samples(samples: Vec<Self::Sample>, closed: bool, tangent: bool) -> Self {
        let (points, uv) = samples.into_iter().unzip();
        SurfaceMeshCurve {
            points,
            uv,
            closed,
            tangent,
        }
    }
}

/// Where surface `s` touches the mesh along a curve near `p`: its contact with the plane
/// of the triangle nearest `p` (as a patch `span` wide each way), traced as between two
/// surfaces and kept where it lies on the mesh, each run ended on the mesh's boundary.
/// `None` where the surface touches that plane at a point, or not at all; nothing where it
/// lies flush with it all round.
fn contact_on_mesh(
    (s, seeds): (&NurbsSurface, &Seeds),
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    p: Point3,
    (size, span): (f64, f64),
    tolerance: f64,
    reach: f64,
) -> Option<Vec<SurfaceMeshCurve>> {
    let (on, _, k) = bvh.closest_point(p, reach)?;
    let plane = caps::plane_patch(tris[k as usize], on, span)?;
    let starts = (seeds.parameters_near(s, p), plane.closest_point(p).0);
    let touch = touch_point(s, &plane, p, starts, tolerance, reach)?;
    // Flush with the triangle's plane all round (a face lying on the mesh, flat to within
    // rounding): an area, not a curve; its outline is the mesh's edges on the surface.
    if coincide_at(s, &plane, touch, size, tolerance) {
        return Some(Vec::new());
    }
    let contact = trace_contact(s, &plane, touch, size, tolerance)?;
    let stations: Vec<(Point3, [f64; 2])> = contact.points.into_iter().zip(contact.uv_a).collect();
    let runs = on_mesh_runs(s, bvh, &stations, contact.closed, tolerance);
    (!runs.is_empty()).then_some(runs)
}

/// Seed point `p` (on the mesh) moved onto the surface within the planes of the triangles
/// it lies on ([`onto_planes`]); where that lands off those triangles (a shallow crossing
/// of a folded mesh slides far along a plane), again from the mesh's point nearest to where
/// it landed, within that point's planes, up to eight times (`eps`: how near a plane a
/// point lies on it). The point (on both to `tolerance`), its surface parameters and its
/// planes; `None` when it does not settle.
fn onto_mesh(
    s: &NurbsSurface,
    (tris, bvh): (&[[Point3; 3]], &Bvh),
    p: Point3,
    seeds: &Seeds,
    eps: f64,
    tolerance: f64,
) -> Option<Station> {
    let mut planes = planes_at(tris, bvh, p, eps);
    let mut uv = seeds.parameters_near(s, p);
    for _ in 0..8 {
        let (q, at) = onto_planes(s, &planes, uv, tolerance)?;
        uv = at;
        let (on, d, _) = bvh.closest_point(q, f64::INFINITY)?;
        if d <= tolerance {
            return Some((q, uv, planes));
        }
        planes = planes_at(tris, bvh, on, eps);
    }
    None
}

/// `points` (near the mesh, in order) carried to their closest points on the mesh, with a
/// point on every mesh edge the path between them crosses (where consecutive points lie
/// on adjacent triangles of different planes: the point of the shared edge nearest their
/// chord; on triangles farther apart, the chord's midpoint carried over first, to eight
/// halvings): a seed whose every stretch lies in one triangle's plane, as the meshes'
/// own intersection gives. `None` where a point has no mesh within `reach`.
fn mesh_path(
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    points: &[Point3],
    closed: bool,
    reach: f64,
) -> Option<Vec<Point3>> {
    let onto = |p: Point3| bvh.closest_point(p, reach).map(|(on, _, k)| (on, k));
    let on: Vec<(Point3, u32)> = points.iter().map(|&p| onto(p)).collect::<Option<_>>()?;
    let n = on.len();
    let chords = if closed { n } else { n.saturating_sub(1) };
    let mut out = Vec::with_capacity(n);
    for k in 0..chords {
        out.push(on[k].0);
        edge_points(tris, &onto, on[k], on[(k + 1) % n], 0, &mut out)?;
    }
    if !closed {
        out.extend(on.last().map(|x| x.0));
    }
    Some(out)
}

/// The points between `a` and `b` (each a point on the mesh with its triangle) that
/// [`mesh_path`] adds, in order, into `out`.
fn edge_points(
    tris: &[[Point3; 3]],
    onto: &impl Fn(Point3) -> Option<(Point3, u32)>,
    (a, ta): (Point3, u32),
    (b, tb): (Point3, u32),
    depth: u32,
    out: &mut Vec<Point3>,
) -> Option<()> {
    let (x, y) = (tris[ta as usize], tris[tb as usize]);
    if ta == tb || same_plane(x, y) {
        return Some(());
    }
    if let Some([e0, e1]) = shared_edge(x, y) {
        let (along, _) = segment_fractions(e0, e1, a, b);
        out.push(e0.lerp(e1, along));
        return Some(());
    }
    if depth >= 8 {
        return Some(());
    }
    let mid = onto(a.lerp(b, 0.5))?;
    edge_points(tris, onto, (a, ta), mid, depth + 1, out)?;
    out.push(mid.0);
    edge_points(tris, onto, mid, (b, tb), depth + 1, out)
}

/// The edge two triangles share (equal corners), if they do.
fn shared_edge(x: [Point3; 3], y: [Point3; 3]) -> Option<[Point3; 2]> {
    let common: Vec<Point3> = x.iter().filter(|p| y.contains(p)).copied().collect();
    (common.len() == 2).then(|| [common[0], common[1]])
}

/// True when two triangles lie in one plane (to rounding).
fn same_plane(x: [Point3; 3], y: [Point3; 3]) -> bool {
    let normal = (x[1] - x[0]).cross(x[2] - x[0]);
    let scale = normal.length() * (x[1] - x[0]).length().max((x[2] - x[0]).length());
    y.iter()
        .all(|&p| normal.dot(p - x[0]).abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE))
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

//! Intersections of NURBS: a curve with a surface (points, with the curve's and the
//! surface's parameters) and two surfaces (curves as polylines whose every point lies on
//! both surfaces to the tolerance), with tangent touches found as their own events.
//!
//! Both start from meshes (`tessellate` at a chord error of 0.2 % of the surface's size, or
//! the tolerance if coarser): the mesh intersection seeds every branch, closed loops
//! included, and Newton's method moves each seed onto the true intersection. Surface–surface curves are then refined: a midpoint
//! that lies farther than the tolerance from its chord is inserted, until every chord is
//! within the tolerance. Where the meshes do not cross but come within their chord errors
//! of each other (or cross only round one vertex), the surfaces may still touch, or cross
//! in a loop smaller than the meshes resolve: `caps` finds the point where the gap between
//! them is stationary and either reports a touch there or builds the loop round it from
//! the gap's second-order model. With no other lead, the meshes' closest points are
//! refined by alternating projection and reported as a tangent point when they meet to
//! the tolerance.
//!
//! Surfaces that coincide over an area (a surface against itself, flush faces) are an
//! overlap (`overlap`): flagged, its edges reported, nothing inside it.
//!
//! Surfaces may also touch along a curve (a pipe on a slab, a ball in a tube of its
//! radius). Their seeds graze (the normals agree to about √(tol / size) all along), and the
//! crossing Newton is ill-posed there, so such seeds (and touch points) start a contact
//! trace instead: a step along the direction where the surfaces' normal curvatures agree,
//! then onto the middle of the contact across it (where the gap between the surfaces is
//! least), until the contact ends. A traced stretch no longer than the tolerance zone of an
//! isolated touch stays a tangent point.

pub(crate) mod caps;
mod overlap;
pub(crate) mod repeats;
pub(crate) use overlap::{RunPoint, boundary_runs_on, coincide_at, coincide_within, runs_along};

use crate::bvh::Bvh;
use crate::mesh_contact::closest_pair;
use crate::mesh_intersection::seed_cut;
use crate::nurbs::{NurbsCurve, NurbsSurface};
use crate::tessellate::{TessellationOptions, tessellate_surface};
use crate::tessellate_brep::distance_to_segment;
use crate::triangle_contact::segment_triangle;
use crate::{Point3, Vector3};

/// Where a curve meets a surface.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurveSurfacePoint {
    /// Curve parameter.
    pub t: f64,
    /// Surface parameters.
    pub uv: [f64; 2],
    /// The point (on the curve).
    pub point: Point3,
    /// True when the curve only touches the surface there (tangent), not crossing it.
    pub tangent: bool,
}

/// A curve where two surfaces meet.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceCurve {
    /// Points on both surfaces, in order.
    pub points: Vec<Point3>,
    /// Parameters of each point on the first surface.
    pub uv_a: Vec<[f64; 2]>,
    /// Parameters of each point on the second surface.
    pub uv_b: Vec<[f64; 2]>,
    /// True for a closed loop (the last point joins the first).
    pub closed: bool,
    /// True where the surfaces touch along the curve (tangent to each other) rather than
    /// cross: a pipe lying on a slab, a ball in a tube of its radius.
    pub tangent: bool,
}

/// The intersection of two surfaces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurfaceIntersection {
    /// Intersection curves: where the surfaces cross, and where they touch along a curve
    /// (`tangent`).
    pub curves: Vec<SurfaceCurve>,
    /// Isolated points where the surfaces touch (tangent point events).
    pub tangent_points: Vec<(Point3, [f64; 2], [f64; 2])>,
    /// The surfaces coincide over an area: its edges (where one's boundary lies on the
    /// other) are among the `tangent` curves, and nothing inside it is reported.
    pub overlap: bool,
}

/// Near misses of the seeding meshes looked at for small loops and touches, nearest
/// first: a bound on the work where surfaces run close over a large area. Each
/// neighbourhood of twice a seed triangle's size gives one at most, so a sheet of a
/// hundred bumps on a plane gets all its touches (at 64, the bound before, 36 were lost).
pub(crate) const NEAR_MISSES: usize = 4096;

/// Newton steps before a point is given up.
pub(crate) const MAX_NEWTON: usize = 40;

/// Chord tolerance of the seeding meshes: coarse enough to be quick, fine enough that
/// Newton starts within its basin.
fn seed_chord(s: &NurbsSurface, tolerance: f64) -> f64 {
    let size = bounds_size(s);
    (size * 2e-3).max(tolerance)
}

pub(crate) fn bounds_size(s: &NurbsSurface) -> f64 {
    let ((u0, u1), (v0, v1)) = s.domain();
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for i in 0..=8 {
        for j in 0..=8 {
            let p = s.point_at(
                u0 + (u1 - u0) * i as f64 / 8.0,
                v0 + (v1 - v0) * j as f64 / 8.0,
            );
            for (k, c) in p.to_array().into_iter().enumerate() {
                lo[k] = lo[k].min(c);
                hi[k] = hi[k].max(c);
            }
        }
    }
    (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f64>().sqrt()
}

/// Point, ∂u and ∂v of a surface.
pub(crate) fn frame(s: &NurbsSurface, [u, v]: [f64; 2]) -> (Point3, Vector3, Vector3) {
    s.frame_at(u, v)
}

/// Parameters kept in the domain: wrapped across a seam where the surface is closed in
/// that direction (its two boundary curves coincide there), clamped otherwise. Checked
/// only when a step leaves the domain, which is rare.
pub(crate) fn clamp_uv(s: &NurbsSurface, [u, v]: [f64; 2]) -> [f64; 2] {
    let (u, v) = s.in_domain(u, v);
    [u, v]
}

/// The parameter step that moves a surface point by `delta` in its tangent plane (least
/// squares on the 2 × 2 normal equations).
pub(crate) fn tangent_step(su: Vector3, sv: Vector3, delta: Vector3) -> Option<[f64; 2]> {
    let (a, b, c) = (su.dot(su), su.dot(sv), sv.dot(sv));
    let (r, s) = (su.dot(delta), sv.dot(delta));
    let det = a * c - b * b;
    if det.abs() <= f64::MIN_POSITIVE {
        return None;
    }
    Some([(c * r - b * s) / det, (a * s - b * r) / det])
}

/// Solves the 3 × 3 system with rows `m` for `rhs` (Cramer; `None` when singular).
pub(crate) fn solve3(m: [Vector3; 3], rhs: [f64; 3]) -> Option<[f64; 3]> {
    let det = m[0].dot(m[1].cross(m[2]));
    if det.abs() <= 1e-300 {
        return None;
    }
    // Columns of the inverse are the cross products of the rows.
    let (c0, c1, c2) = (m[1].cross(m[2]), m[2].cross(m[0]), m[0].cross(m[1]));
    let x = c0 * rhs[0] + c1 * rhs[1] + c2 * rhs[2];
    Some([x.x / det, x.y / det, x.z / det])
}

/// Moves a point near the intersection of `a` and `b` onto it: the point on both tangent
/// planes and on the plane through the current point across the curve, then each
/// surface's parameters moved to it, until the two surface points agree to `tolerance`
/// (Newton's method for surface–surface intersection points). `None` when it does not
/// converge, the surfaces are tangent there, or the point ends farther than `reach` from
/// where it started (it jumped to another branch).
pub(crate) fn refine_on_both(
    a: &NurbsSurface,
    b: &NurbsSurface,
    uv_a: [f64; 2],
    uv_b: [f64; 2],
    tolerance: f64,
    reach: f64,
) -> Option<(Point3, [f64; 2], [f64; 2])> {
    refine_with_tangent(a, b, uv_a, uv_b, tolerance, reach).map(|(r, _)| r)
}

/// [`refine_on_both`], with the curve's unit direction at the point when Newton's last
/// step found it (`na × nb` of the frames it converged on; `None` after the fallback
/// check): what densification needs of every new point, without evaluating it again.
pub(crate) fn refine_with_tangent(
    a: &NurbsSurface,
    b: &NurbsSurface,
    mut uv_a: [f64; 2],
    mut uv_b: [f64; 2],
    tolerance: f64,
    reach: f64,
) -> Option<(Station, Option<Vector3>)> {
    let start = a.point_at(uv_a[0], uv_a[1]);
    let within = |r: Station| (r.0.distance(start) <= reach).then_some(r);
    for _ in 0..MAX_NEWTON {
        let (pa, au, av) = frame(a, uv_a);
        let (pb, bu, bv) = frame(b, uv_b);
        let (na, nb) = (au.cross(av), bu.cross(bv));
        if pa.distance(pb) <= tolerance * 1e-3 {
            return within((pa.lerp(pb, 0.5), uv_a, uv_b)).map(|r| (r, direction(na, nb)));
        }
        let t = na.cross(nb);
        if t.length() <= 1e-12 * na.length() * nb.length() {
            return None;
        }
        let mid = pa.lerp(pb, 0.5);
        let origin = mid;
        let x = solve3([na, nb, t], [na.dot(pa - origin), nb.dot(pb - origin), 0.0])?;
        let target = origin + Vector3::new(x[0], x[1], x[2]);
        let da = tangent_step(au, av, target - pa)?;
        let db = tangent_step(bu, bv, target - pb)?;
        uv_a = clamp_uv(a, [uv_a[0] + da[0], uv_a[1] + da[1]]);
        uv_b = clamp_uv(b, [uv_b[0] + db[0], uv_b[1] + db[1]]);
    }
    let (pa, pb) = (a.point_at(uv_a[0], uv_a[1]), b.point_at(uv_b[0], uv_b[1]));
    (pa.distance(pb) <= tolerance)
        .then(|| (pa.lerp(pb, 0.5), uv_a, uv_b))
        .and_then(within)
        .map(|r| (r, None))
}

/// A surface's seeding mesh: its triangles, their hierarchy and the chord error achieved.
/// Made once per surface and kept where a surface meets many others (a Brep face).
#[derive(Clone, Debug)]
pub struct Seeds {
    triangles: Vec<[Point3; 3]>,
    /// The parameters of each triangle's corners.
    params: Vec<[[f64; 2]; 3]>,
    bvh: Bvh,
    deviation: f64,
    size: f64,
}

impl Seeds {
    /// The seeding mesh of `s` for intersections to `tolerance`: its grid's quads split
    /// into triangles (those with no area left out), each with its corners' parameters.
    pub fn new(s: &NurbsSurface, tolerance: f64) -> Seeds {
        let options = TessellationOptions {
            chord_tolerance: seed_chord(s, tolerance),
            angle_tolerance: 10f64.to_radians(),
            ..TessellationOptions::default()
        };
        let m = tessellate_surface(s, &options);
        let (p, uv) = (&m.positions, &m.uv);
        let (triangles, params): (Vec<[Point3; 3]>, Vec<[[f64; 2]; 3]>) = m
            .faces
            .iter()
            .flat_map(|f| {
                let [a, b, c, d] = f.map(|i| i as usize);
                [[a, b, c], [a, c, d]]
            })
            .map(|t| (t.map(|i| p[i]), t.map(|i| uv[i])))
            .filter(|(t, _)| (t[1] - t[0]).cross(t[2] - t[0]).length() > 0.0)
            .unzip();
        Seeds {
            bvh: Bvh::new(&triangles),
            triangles,
            params,
            deviation: m.max_deviation,
            size: bounds_size(s),
        }
    }

    /// The triangles and their hierarchy: the surface as a mesh, within its chord error.
    pub fn mesh(&self) -> (&[[Point3; 3]], &Bvh) {
        (&self.triangles, &self.bvh)
    }

    /// The triangles, their hierarchy and the chord error they achieved.
    pub(crate) fn parts(&self) -> (&[[Point3; 3]], &Bvh, f64) {
        (&self.triangles, &self.bvh, self.deviation)
    }

    /// Parameters of `s` near `p`, a point on the mesh: interpolated from the corners of
    /// the mesh triangle nearest to it (a start for Newton as good as the mesh, without a
    /// closest-point search on the surface), or the surface's closest point when the mesh
    /// is not within its chord error of `p`.
    pub(crate) fn parameters_near(&self, s: &NurbsSurface, p: Point3) -> [f64; 2] {
        self.parameters_within(p, self.deviation.max(1e-9 * self.size))
            .unwrap_or_else(|| s.closest_point(p).0)
    }

    /// Parameters interpolated at the point of the mesh nearest to `p`, when the mesh
    /// comes within `reach` of it (and that triangle has an area).
    pub(crate) fn parameters_within(&self, p: Point3, reach: f64) -> Option<[f64; 2]> {
        let (q, _, k) = self.bvh.closest_point(p, reach)?;
        let ([a, b, c], [ua, ub, uc]) = (self.triangles[k as usize], self.params[k as usize]);
        // Barycentric coordinates of q (Ericson 3.4).
        let (v0, v1, v2) = (b - a, c - a, q - a);
        let (d00, d01, d11) = (v0.dot(v0), v0.dot(v1), v1.dot(v1));
        let (d20, d21) = (v2.dot(v0), v2.dot(v1));
        let denom = d00 * d11 - d01 * d01;
        if denom <= f64::MIN_POSITIVE {
            return None;
        }
        let y = (d11 * d20 - d01 * d21) / denom;
        let z = (d00 * d21 - d01 * d20) / denom;
        let x = 1.0 - y - z;
        Some([0, 1].map(|i| x * ua[i] + y * ub[i] + z * uc[i]))
    }

    /// The centre of each triangle in the surface's parameters: points spread over it.
    pub(crate) fn centres(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.params
            .iter()
            .map(|c| [0, 1].map(|k| (c[0][k] + c[1][k] + c[2][k]) / 3.0))
    }
}

/// The intersection of surfaces `a` and `b`, every curve point on both to `tolerance` and
/// every chord within `tolerance` of the true curve.
pub fn surface_surface(a: &NurbsSurface, b: &NurbsSurface, tolerance: f64) -> SurfaceIntersection {
    // The two seeding meshes are independent: made side by side.
    let (seeds_a, seeds_b) = rayon::join(|| Seeds::new(a, tolerance), || Seeds::new(b, tolerance));
    surface_surface_seeded(a, &seeds_a, b, &seeds_b, tolerance)
}

/// [`surface_surface`] from the surfaces' seeding meshes, made beforehand.
pub fn surface_surface_seeded(
    a: &NurbsSurface,
    seeds_a: &Seeds,
    b: &NurbsSurface,
    seeds_b: &Seeds,
    tolerance: f64,
) -> SurfaceIntersection {
    // The same surface twice (a copy left in place, common in CAD models) coincides
    // everywhere: the overlap and its edges, without a search over every pair of the
    // seeding meshes' triangles, all of which are near each other.
    if a == b {
        return SurfaceIntersection {
            curves: overlap::overlap_edges(a, b, tolerance),
            tangent_points: Vec::new(),
            overlap: true,
        };
    }
    let (ta, bvh_a, dev_a) = (&seeds_a.triangles, &seeds_a.bvh, seeds_a.deviation);
    let (tb, bvh_b, dev_b) = (&seeds_b.triangles, &seeds_b.bvh, seeds_b.deviation);
    let size = seeds_a.size.max(seeds_b.size);
    let cut = seed_cut((ta, bvh_a), (tb, bvh_b), 1e-9 * size);
    let mut out = SurfaceIntersection::default();
    // Below this sine of the angle between their normals, surfaces meeting all along a
    // seed graze: within the tolerance of each other across a zone √(tol · size) wide,
    // where the crossing Newton wanders. Such seeds start contact traces instead.
    let grazing = 4.0 * (tolerance / size).sqrt();
    let mut contacts = Vec::new();
    for seed in &cut.polylines {
        // A closed seed may be the meshes cutting only the tip of a wider cap.
        if seed.closed
            && let Some(curve) = caps::seed_cap(a, seeds_a, b, &seed.points, size / 16.0, tolerance)
        {
            out.curves.push(curve);
            continue;
        }
        let mut points = Vec::new();
        let n = seed.points.len();
        for (k, &p) in seed.points.iter().enumerate() {
            let uv_a = seeds_a.parameters_near(a, p);
            let uv_b = seeds_b.parameters_near(b, p);
            // A seed moves at most as far as its neighbours are, plus the meshes' errors
            // over the sine of the crossing angle (a shallow crossing moves far across).
            let gap = [k.checked_sub(1), (k + 1 < n).then_some(k + 1)]
                .into_iter()
                .flatten()
                .map(|j| seed.points[j].distance(p))
                .fold(0.0, f64::max);
            let reach = |r: Station| {
                gap + 4.0 * (dev_a + dev_b) / crossing_sine(a, b, r).max(0.05) + tolerance
            };
            let refined = refine_on_both(a, b, uv_a, uv_b, tolerance, f64::INFINITY)
                .filter(|&r| r.0.distance(p) <= reach(r));
            if let Some(r) = refined {
                // Seeds closer than the tolerance after refinement are one point.
                if points
                    .last()
                    .is_none_or(|&(q, _, _): &(Point3, _, _)| q.distance(r.0) > tolerance)
                {
                    points.push(r);
                }
            }
        }
        if points.len() < 2 || points.iter().all(|&p| crossing_sine(a, b, p) <= grazing) {
            contacts.push(points.first().map_or(seed.points[0], |p| p.0));
            continue;
        }
        let closed = seed.closed && points.len() > 2;
        if !closed {
            // An open curve ends where it leaves a surface: on that surface's boundary,
            // which the seeds (from meshes) only come near.
            let reach = 4.0 * (dev_a + dev_b) + tolerance;
            for at_start in [true, false] {
                let end = if at_start {
                    points[0]
                } else {
                    points[points.len() - 1]
                };
                let Some(edge) = onto_boundary(a, b, end, reach, tolerance) else {
                    continue;
                };
                match (edge.0.distance(end.0) > tolerance, at_start) {
                    (true, true) => points.insert(0, edge),
                    (true, false) => points.push(edge),
                    (false, true) => points[0] = edge,
                    (false, false) => {
                        let last = points.len() - 1;
                        points[last] = edge;
                    }
                }
            }
        }
        let curve = densify(a, b, &points, closed, tolerance);
        out.curves.push(curve);
    }
    // Where the meshes come close without crossing, away from the seeds, the surfaces may
    // still cross in a small loop or touch: at a stationary point of the gap between them.
    let band = 4.0 * (dev_a + dev_b) + tolerance;
    let margin = dev_a + dev_b + tolerance;
    let seeded: Vec<Point3> = cut
        .polylines
        .iter()
        .flat_map(|p| p.points.clone())
        .collect();
    let mut stationary: Vec<Point3> = Vec::new();
    let near = caps::near_misses((ta, bvh_a), (tb, bvh_b), margin, &seeded, NEAR_MISSES);
    // Near misses come nearest first, from every pair within the margin when no seed
    // curve keeps any away: the first is then the meshes' closest pair.
    let nearest = (seeded.is_empty()).then(|| near.first().map(|n| n.0));
    // Whether `p` lies within `d` of a curve found already.
    let known = |curves: &[SurfaceCurve], p: Point3, d: f64| {
        curves
            .iter()
            .any(|c| polyline_distance(&c.points, c.closed, p) <= d)
    };
    for (pa, pb, r, _) in near {
        // Near a curve found already (beside a ridge, say) there is nothing new.
        if known(&out.curves, pa, band) {
            continue;
        }
        let (uv_a, uv_b) = (
            seeds_a.parameters_near(a, pa),
            seeds_b.parameters_near(b, pb),
        );
        let Some(s) = caps::stationary_gap(a, b, uv_a, uv_b, 2.0 * r + margin, tolerance) else {
            continue;
        };
        if stationary.iter().any(|q| q.distance(s.at.0) <= band) {
            continue;
        }
        stationary.push(s.at.0);
        if s.gap.abs() <= tolerance {
            contacts.push(s.at.0);
            continue;
        }
        // A point on the curves is on a known one when within its chords' tolerance.
        let found = caps::curves_at(a, b, &s, size, tolerance, |p| {
            known(&out.curves, p, 2.0 * tolerance)
        });
        out.curves.extend(found);
    }
    if out.curves.is_empty() && contacts.is_empty() {
        // No crossing: the surfaces may still touch, within their meshes' chord errors,
        // nearest where the meshes are (a second search over every pair within the margin
        // when the near misses have not given it: a third of the time of surfaces near
        // each other everywhere).
        contacts.extend(nearest.unwrap_or_else(|| {
            closest_pair(ta, bvh_a, tb, bvh_b, margin).map(|near| near.points.on_first)
        }));
    }
    // Each contact once: along a curve (traced from the touch point) or at a point.
    for start in contacts {
        // Inside an area where the surfaces coincide every seed is a touch.
        if out.overlap && overlap::on_both_meshes(seeds_a, seeds_b, start, band) {
            continue;
        }
        let known = out
            .tangent_points
            .iter()
            .any(|t| t.0.distance(start) <= band)
            || out
                .curves
                .iter()
                .filter(|c| c.tangent)
                .any(|c| polyline_distance(&c.points, c.closed, start) <= band);
        if known {
            continue;
        }
        let starts = (
            seeds_a.parameters_near(a, start),
            seeds_b.parameters_near(b, start),
        );
        let Some(touch) = touch_point(a, b, start, starts, tolerance, band) else {
            continue;
        };
        if overlap::coincide_at(a, b, touch, size, tolerance) {
            out.overlap = true;
            continue;
        }
        match trace_contact(a, b, touch, size, tolerance) {
            Some(curve) => out.curves.push(curve),
            None => out.tangent_points.push(touch),
        }
    }
    if out.overlap {
        for edge in overlap::overlap_edges(a, b, tolerance) {
            let middle = edge.points[edge.points.len() / 2];
            let known = out
                .curves
                .iter()
                .any(|k| polyline_distance(&k.points, k.closed, middle) <= 2.0 * tolerance);
            if !known {
                out.curves.push(edge);
            }
        }
        // Touch points inside the area are part of it.
        out.tangent_points
            .retain(|t| !overlap::coincide_at(a, b, *t, size, tolerance));
    }
    // Seeds along the edges of seed triangles lying flush on each other may come back as
    // pieces of the curves beside them.
    if !cut.coplanar.is_empty() {
        out.curves = repeats::without_repeats(out.curves, tolerance);
    }
    out
}

/// The sine of the angle between the surfaces' normals at a point on both.
pub(crate) fn crossing_sine(a: &NurbsSurface, b: &NurbsSurface, (_, uv_a, uv_b): Station) -> f64 {
    let (_, au, av) = frame(a, uv_a);
    let (_, bu, bv) = frame(b, uv_b);
    let (na, nb) = (au.cross(av), bu.cross(bv));
    na.cross(nb).length() / (na.length() * nb.length()).max(f64::MIN_POSITIVE)
}

/// The distance from `p` to the polyline through `points`.
pub(crate) fn polyline_distance(points: &[Point3], closed: bool, p: Point3) -> f64 {
    let n = points.len();
    let chords = if closed { n } else { n.saturating_sub(1) };
    (0..chords)
        .map(|k| distance_to_segment(p, points[k], points[(k + 1) % n]))
        .fold(
            points.first().map_or(f64::INFINITY, |&q| p.distance(q)),
            f64::min,
        )
}

/// The point where the intersection curve of `a` and `b` near its end `end` crosses the
/// nearest boundary of either surface (a seam of a closed surface is no boundary), when
/// that boundary is within `reach`: Newton on `S_x(t on the edge) = S_y(u, v)`.
pub(crate) fn onto_boundary(
    a: &NurbsSurface,
    b: &NurbsSurface,
    end: (Point3, [f64; 2], [f64; 2]),
    reach: f64,
    tolerance: f64,
) -> Option<(Point3, [f64; 2], [f64; 2])> {
    // Each candidate edge: (surface, its parameters at the end, the fixed parameter's index,
    // its value, the distance there), nearest first.
    let mut edges = Vec::new();
    for (side, s, uv) in [(0, a, end.1), (1, b, end.2)] {
        let ((u0, u1), (v0, v1)) = s.domain();
        let (_, su, sv) = frame(s, uv);
        for (k, lo, hi, speed) in [(0, u0, u1, su.length()), (1, v0, v1, sv.length())] {
            let seam = s.closed_at(k, uv[1 - k]);
            for value in [lo, hi] {
                let distance = (uv[k] - value).abs() * speed;
                if !seam && distance <= reach {
                    edges.push((side, k, value, distance));
                }
            }
        }
    }
    edges.sort_by(|x, y| x.3.total_cmp(&y.3));
    for (side, k, value, _) in edges {
        let (x, y, mut uv_x, mut uv_y) = if side == 0 {
            (a, b, end.1, end.2)
        } else {
            (b, a, end.2, end.1)
        };
        uv_x[k] = value;
        let free = 1 - k;
        let ((u0, u1), (v0, v1)) = x.domain();
        let (lo, hi) = if free == 0 { (u0, u1) } else { (v0, v1) };
        let mut found = None;
        for _ in 0..MAX_NEWTON {
            let (px, xu, xv) = frame(x, uv_x);
            let (py, yu, yv) = frame(y, uv_y);
            let f = px - py;
            if f.length() <= tolerance * 1e-3 {
                found = Some(px.lerp(py, 0.5));
                break;
            }
            let along = if free == 0 { xu } else { xv };
            let rows = [
                Vector3::new(along.x, -yu.x, -yv.x),
                Vector3::new(along.y, -yu.y, -yv.y),
                Vector3::new(along.z, -yu.z, -yv.z),
            ];
            let Some(step) = solve3(rows, [-f.x, -f.y, -f.z]) else {
                break;
            };
            uv_x[free] = (uv_x[free] + step[0]).clamp(lo, hi);
            uv_y = clamp_uv(y, [uv_y[0] + step[1], uv_y[1] + step[2]]);
        }
        if let Some(p) = found.filter(|p| p.distance(end.0) <= reach) {
            return Some(if side == 0 {
                (p, uv_x, uv_y)
            } else {
                (p, uv_y, uv_x)
            });
        }
    }
    None
}

/// Inserts refined midpoints until every chord is within `tolerance` of the curve.
fn densify(
    a: &NurbsSurface,
    b: &NurbsSurface,
    points: &[(Point3, [f64; 2], [f64; 2])],
    closed: bool,
    tolerance: f64,
) -> SurfaceCurve {
    let mid = |x: [f64; 2], y: [f64; 2]| [(x[0] + y[0]) / 2.0, (x[1] + y[1]) / 2.0];
    // Each station with the curve's direction there (found once: a chord's two ends).
    let with_tangent = |(p, uv_a, uv_b): Station| (p, uv_a, uv_b, curve_tangent(a, b, uv_a, uv_b));
    let stations: Vec<_> = points.iter().copied().map(with_tangent).collect();
    let out = subdivide(&stations, closed, |x, y| {
        let reach = x.0.distance(y.0);
        let chord_mid = x.0.lerp(y.0, 0.5);
        let chord = y.0 - x.0;
        // The cubic through the ends with the curve's directions there leaves the chord's
        // midpoint by L (t_x − t_y) / 8: far within the tolerance, the chord stands without
        // a Newton solve (the curve is smooth between stations a chord's length apart).
        if let (Some(tx), Some(ty)) = (x.3, y.3) {
            let along = |t: Vector3| if t.dot(chord) < 0.0 { t * -1.0 } else { t };
            if (along(tx) - along(ty)).length() * reach / 8.0 <= 0.25 * tolerance {
                return None;
            }
        }
        // The parameters' midpoint, unless the chord crosses a closed surface's seam
        // (then it lies on the far side): the closest point to the chord's midpoint.
        let start = |s: &NurbsSurface, p: [f64; 2], q: [f64; 2]| {
            let m = mid(p, q);
            if s.point_at(m[0], m[1]).distance(chord_mid) <= reach {
                m
            } else {
                s.closest_point(chord_mid).0
            }
        };
        // The midpoint must be of this branch: between the ends along the chord and
        // running the chord's way (where branches cross, Newton can land on another).
        let of_branch = |(m, found): (Station, Option<Vector3>)| {
            let between = (m.0 - x.0).dot(chord) / chord.length_squared().max(1e-300);
            let direction = found.or_else(|| curve_tangent(a, b, m.1, m.2));
            let along = direction.is_some_and(|t| t.dot(chord).abs() >= 0.7 * chord.length());
            ((0.0..1.0).contains(&between) && along).then_some((m.0, m.1, m.2, direction))
        };
        // Near a pole the parameters' midpoint can lie on another meridian (u means
        // nothing at the pole itself): then start from the closest points instead.
        let from_mid = (start(a, x.1, y.1), start(b, x.2, y.2));
        let from_closest = || (a.closest_point(chord_mid).0, b.closest_point(chord_mid).0);
        refine_with_tangent(a, b, from_mid.0, from_mid.1, tolerance, reach)
            .and_then(of_branch)
            .or_else(|| {
                let (ua, ub) = from_closest();
                refine_with_tangent(a, b, ua, ub, tolerance, reach).and_then(of_branch)
            })
            .filter(|m| chord_mid.distance(m.0) > tolerance)
    });
    SurfaceCurve {
        points: out.iter().map(|r| r.0).collect(),
        uv_a: out.iter().map(|r| r.1).collect(),
        uv_b: out.iter().map(|r| r.2).collect(),
        closed,
        tangent: false,
    }
}

/// The polyline through `points` with each chord split where `split` returns a point for
/// it, and the halves split again, depth first (at most 12 levels): the densification of
/// every refined intersection curve. A closed polyline's first point is not repeated.
pub(crate) fn subdivide<P: Copy>(
    points: &[P],
    closed: bool,
    mut split: impl FnMut(&P, &P) -> Option<P>,
) -> Vec<P> {
    let n = points.len();
    let chords = if closed { n } else { n.saturating_sub(1) };
    let mut out = Vec::with_capacity(n);
    for k in 0..chords {
        let (p, q) = (points[k], points[(k + 1) % n]);
        out.push(p);
        // Depth first, left half first, so the accepted ends come out in order.
        let mut stack = vec![(p, q, 0u32)];
        let mut ends = Vec::new();
        while let Some((x, y, depth)) = stack.pop() {
            match (depth < 12).then(|| split(&x, &y)).flatten() {
                Some(m) => {
                    stack.push((m, y, depth + 1));
                    stack.push((x, m, depth + 1));
                }
                None => ends.push(y),
            }
        }
        // The last end is `q`, the next chord's start.
        ends.pop();
        out.extend(ends);
    }
    if !closed {
        out.extend(points.last().copied());
    }
    out
}

/// The unit direction of the intersection curve at parameters `uv_a`, `uv_b` (`None`
/// where the surfaces are tangent).
pub(crate) fn curve_tangent(
    a: &NurbsSurface,
    b: &NurbsSurface,
    uv_a: [f64; 2],
    uv_b: [f64; 2],
) -> Option<Vector3> {
    let (_, au, av) = frame(a, uv_a);
    let (_, bu, bv) = frame(b, uv_b);
    direction(au.cross(av), bu.cross(bv))
}

/// The unit direction of the curve where surfaces of normals `na` and `nb` (any length)
/// cross: `na × nb`, `None` where they are parallel.
fn direction(na: Vector3, nb: Vector3) -> Option<Vector3> {
    let t = na.cross(nb);
    let len = t.length();
    (len > 1e-12 * na.length() * nb.length()).then(|| t * (1.0 / len))
}

/// Where two surfaces that come close near `start` touch, if they do to `tolerance`: the
/// closest points by alternating projection, or, where that stalls short of touching,
/// the least gap across the contact direction within `reach`. `starts`: parameters near
/// `start` on each surface (from their seeding meshes); each projection searches the
/// knot spans round the last one's parameters (a lattice over the whole of a large
/// surface at every step cost milliseconds a touch).
pub(crate) fn touch_point(
    a: &NurbsSurface,
    b: &NurbsSurface,
    start: Point3,
    starts: ([f64; 2], [f64; 2]),
    tolerance: f64,
    reach: f64,
) -> Option<Station> {
    let (d, point, uv_a, uv_b) = alternating_projection(a, b, start, starts, tolerance)?;
    if d <= tolerance {
        return Some((point, uv_a, uv_b));
    }
    // Across a contact along a curve the surfaces part only quadratically, so alternating
    // projection creeps towards it by a fraction of its offset a step.
    let (t, ..) = contact_direction(a, b, uv_a, uv_b)?;
    onto_contact(a, b, point, t, (uv_a, uv_b), tolerance, reach)
}

/// The closest points of `a` and `b` near `start` by projecting onto each in turn: the
/// least gap met, the point halfway across it and the parameters on each. Each projection
/// searches the knot spans round the last one's parameters (`starts` for the first).
fn alternating_projection(
    a: &NurbsSurface,
    b: &NurbsSurface,
    start: Point3,
    (mut near_a, mut near_b): ([f64; 2], [f64; 2]),
    tolerance: f64,
) -> Option<(f64, Point3, [f64; 2], [f64; 2])> {
    let mut p = start;
    let mut best: Option<(f64, Point3, [f64; 2], [f64; 2])> = None;
    for _ in 0..MAX_NEWTON {
        let (uv_a, pa, _) = a.closest_point_near(p, near_a, 2);
        let (uv_b, pb, d) = b.closest_point_near(pa, near_b, 2);
        (near_a, near_b) = (uv_a, uv_b);
        if best.is_none_or(|(bd, ..)| d < bd) {
            best = Some((d, pa.lerp(pb, 0.5), uv_a, uv_b));
        }
        if pb.distance(p) <= tolerance * 1e-3 {
            break;
        }
        p = pb;
    }
    best
}

/// A point on two surfaces with its parameters on each.
pub(crate) type Station = (Point3, [f64; 2], [f64; 2]);

/// `v` scaled to unit length (`None` for a zero vector).
fn unit(v: Vector3) -> Option<Vector3> {
    let len = v.length();
    (len > 0.0 && len.is_finite()).then(|| v / len)
}

/// Where the line `o + z n` meets surface `s`, by Newton's method on
/// `S(u, v) − o − z n = 0` from parameters `uv`: the height `z`, the parameters and the
/// surface's unit normal there. `None` when it does not converge (the line misses the
/// surface inside its domain).
pub(crate) fn along_line(
    s: &NurbsSurface,
    mut uv: [f64; 2],
    o: Point3,
    n: Vector3,
    tolerance: f64,
) -> Option<(f64, [f64; 2], Vector3)> {
    let mut z = (s.point_at(uv[0], uv[1]) - o).dot(n);
    for _ in 0..MAX_NEWTON {
        let (p, su, sv) = frame(s, uv);
        let f = p - (o + n * z);
        if f.length() <= tolerance * 1e-4 {
            return Some((z, uv, unit(su.cross(sv))?));
        }
        let rows = [
            Vector3::new(su.x, sv.x, -n.x),
            Vector3::new(su.y, sv.y, -n.y),
            Vector3::new(su.z, sv.z, -n.z),
        ];
        let step = solve3(rows, [-f.x, -f.y, -f.z])?;
        uv = clamp_uv(s, [uv[0] + step[0], uv[1] + step[1]]);
        z += step[2];
    }
    None
}

/// The point where `a` and `b` touch in the plane through `o` across the direction `t`:
/// both surfaces as heights over the line through `o` across `t` in the tangent plane,
/// the place on that line where the gap between them is least (where their slopes agree,
/// found by the secant method), if the gap is within `tolerance` there and the place
/// within `reach` of `o`. `uv_a`, `uv_b`: parameters near `o` on each surface.
fn onto_contact(
    a: &NurbsSurface,
    b: &NurbsSurface,
    o: Point3,
    t: Vector3,
    (uv_a, uv_b): ([f64; 2], [f64; 2]),
    tolerance: f64,
    reach: f64,
) -> Option<Station> {
    let n = a.normal_at(uv_a[0], uv_a[1])?;
    let w = unit(n.cross(t))?;
    // The difference of the surfaces' slopes across the line at offset `y`, with the
    // heights and parameters found there.
    let slopes = |y: f64, uv_a: [f64; 2], uv_b: [f64; 2]| {
        let at = o + w * y;
        let (za, uv_a, na) = along_line(a, uv_a, at, n, tolerance)?;
        let (zb, uv_b, nb) = along_line(b, uv_b, at, n, tolerance)?;
        let slope = |m: Vector3| {
            let up = m.dot(n);
            (up.abs() > 1e-3).then(|| -m.dot(w) / up)
        };
        Some((slope(na)? - slope(nb)?, za, zb, uv_a, uv_b))
    };
    let mut y0 = 0.0;
    let mut at0 = slopes(y0, uv_a, uv_b)?;
    let mut y1 = (reach * 1e-2).max(tolerance);
    let mut at1 = slopes(y1, at0.3, at0.4)?;
    for _ in 0..MAX_NEWTON {
        let curvature = (at1.0 - at0.0) / (y1 - y0);
        if curvature == 0.0 || !curvature.is_finite() {
            // Flat across (the surfaces agree in slope along the whole line): keep the
            // nearer sample.
            break;
        }
        let y = y1 - at1.0 / curvature;
        if y.abs() > reach {
            return None;
        }
        let at = slopes(y, at1.3, at1.4)?;
        let done = (y - y1).abs() <= tolerance * 1e-3;
        (y0, at0, y1, at1) = (y1, at1, y, at);
        if done {
            break;
        }
    }
    let (_, za, zb, uv_a, uv_b) = at1;
    let point = o + w * y1 + n * ((za + zb) / 2.0);
    ((za - zb).abs() <= tolerance).then_some((point, uv_a, uv_b))
}

/// The direction in which `a` and `b`, touching at parameters `uv_a` and `uv_b`, stay in
/// contact: where their normal curvatures agree, the eigenvector of the smaller (in size)
/// eigenvalue of the difference of their second fundamental forms. With it, that
/// eigenvalue and the other (the difference of curvatures along and across the contact).
/// `None` where the difference vanishes both ways (flat contact: no one direction).
fn contact_direction(
    a: &NurbsSurface,
    b: &NurbsSurface,
    uv_a: [f64; 2],
    uv_b: [f64; 2],
) -> Option<(Vector3, f64, f64)> {
    let da = a.derivatives(uv_a[0], uv_a[1], 2);
    let db = b.derivatives(uv_b[0], uv_b[1], 2);
    let n = unit(da[1][0].cross(da[0][1]))?;
    let e1 = unit(da[1][0])?;
    let e2 = n.cross(e1);
    let [p, q, r] = gap_form(&da, &db, n, e1, e2)?;
    let scale = p.abs().max(q.abs()).max(r.abs());
    if scale <= 1e-12 * (da[2][0].length() + db[2][0].length()).max(f64::MIN_POSITIVE) {
        return None;
    }
    let [(large, _), (small, [x, y])] = eigen2(p, q, r);
    Some((unit(e1 * x + e2 * y)?, small, large))
}

/// The second-order part of the gap from `a` to `b` along `a`'s unit normal `n` (b's
/// height minus a's): the difference of their second fundamental forms, both measured
/// against `n`, as the quadratic form `[[p, q], [q, r]]` in the orthonormal tangent
/// basis `(e1, e2)`. `da`, `db`: each surface's derivatives to second order.
pub(crate) fn gap_form(
    da: &[Vec<Vector3>],
    db: &[Vec<Vector3>],
    n: Vector3,
    e1: Vector3,
    e2: Vector3,
) -> Option<[f64; 3]> {
    // Normal curvature along the unit tangent `dir`.
    let kappa = |d: &[Vec<Vector3>], dir: Vector3| {
        let [du, dv] = tangent_step(d[1][0], d[0][1], dir)?;
        let second = d[2][0] * (du * du) + d[1][1] * (2.0 * du * dv) + d[0][2] * (dv * dv);
        Some(second.dot(n))
    };
    let diff = |dir: Vector3| Some(kappa(db, dir)? - kappa(da, dir)?);
    let (p, r) = (diff(e1)?, diff(e2)?);
    let q = diff((e1 + e2) * std::f64::consts::FRAC_1_SQRT_2)? - (p + r) / 2.0;
    Some([p, q, r])
}

/// The eigenvalues and unit eigenvectors of the symmetric form `[[p, q], [q, r]]`, the
/// larger eigenvalue in size first.
pub(crate) fn eigen2(p: f64, q: f64, r: f64) -> [(f64, [f64; 2]); 2] {
    let (mean, radius) = ((p + r) / 2.0, ((p - r) / 2.0).hypot(q));
    let (large, small) = if mean >= 0.0 {
        (mean + radius, mean - radius)
    } else {
        (mean - radius, mean + radius)
    };
    let vector = |lambda: f64| {
        // Two forms of the eigenvector; the longer is the better conditioned.
        let (x1, y1) = (q, lambda - p);
        let (x2, y2) = (lambda - r, q);
        let (x, y) = if x1.hypot(y1) >= x2.hypot(y2) {
            (x1, y1)
        } else {
            (x2, y2)
        };
        let len = x.hypot(y);
        if len > 0.0 {
            [x / len, y / len]
        } else {
            [1.0, 0.0]
        }
    };
    let along = vector(large);
    // The other is at right angles (exactly, also where the two are equal).
    [(large, along), (small, [-along[1], along[0]])]
}

/// The curve along which `a` and `b` touch, through their touch point `start`, traced
/// both ways (a step along the contact direction, then back onto the contact across it;
/// steps halved where that fails, down to the tolerance, so the ends lie where the contact
/// ends) and densified to the tolerance. `None` for an isolated touch: a traced stretch no
/// longer than the tolerance zone around a touch point of the same curvatures, and not
/// flat enough along its length to be a contact curve.
pub(crate) fn trace_contact(
    a: &NurbsSurface,
    b: &NurbsSurface,
    start: Station,
    size: f64,
    tolerance: f64,
) -> Option<SurfaceCurve> {
    let longest = size / 32.0;
    // The touch point may lie anywhere in the zone where the surfaces are within the
    // tolerance: first onto the middle of the contact.
    let (t0, ..) = contact_direction(a, b, start.1, start.2)?;
    let start =
        onto_contact(a, b, start.0, t0, (start.1, start.2), tolerance, longest).unwrap_or(start);
    let (t0, small, _) = contact_direction(a, b, start.1, start.2)?;
    let (points, closed) = march(
        start,
        t0,
        (longest, longest),
        tolerance,
        1 << 14,
        |p, t, h| {
            let q = onto_contact(a, b, p.0 + t * h, t, (p.1, p.2), tolerance, h)
                .filter(|q| (q.0 - p.0).dot(t) > 0.5 * h)?;
            let chord = unit(q.0 - p.0)?;
            let t = contact_direction(a, b, q.1, q.2)
                .map(|(d, ..)| if d.dot(chord) < 0.0 { d * -1.0 } else { d })
                .unwrap_or(chord);
            Some((q, t))
        },
    );
    let n = points.len();
    let chords = if closed { n } else { n - 1 };
    let length: f64 = (0..chords)
        .map(|k| points[k].0.distance(points[(k + 1) % n].0))
        .sum();
    // An isolated touch of curvature difference `small` along the traced direction stays
    // within the tolerance over 2√(2 tol / small); a contact curve either runs well past
    // that or is flat enough that its gap stays far below the tolerance over its length.
    let flat = small.abs() * length * length / 8.0 <= 0.1 * tolerance;
    let beyond = length > 3.0 * (2.0 * tolerance / small.abs()).sqrt();
    if n < 2 || !(flat || beyond) {
        return None;
    }
    let out = subdivide(&points, closed, |x, y| {
        let chord = y.0 - x.0;
        let mid = x.0.lerp(y.0, 0.5);
        onto_contact(a, b, mid, chord, (x.1, x.2), tolerance, chord.length())
            .filter(|m| m.0.distance(mid) > tolerance)
    });
    Some(SurfaceCurve {
        points: out.iter().map(|r| r.0).collect(),
        uv_a: out.iter().map(|r| r.1).collect(),
        uv_b: out.iter().map(|r| r.2).collect(),
        closed,
        tangent: true,
    })
}

/// A curve marched from `start` both ways, first along `t0` then against it: from the
/// last station a step of `h` (`step` gives the next station and the curve's direction
/// there, or `None`, which halves `h` down to `tolerance`), `h` starting at `first` and
/// growing by half after each step taken up to `longest`, until the curve comes back
/// round to `start` (closed; then once) or cannot go on, at most `most` stations a way.
/// The stations in order and whether the curve closed.
pub(crate) fn march(
    start: Station,
    t0: Vector3,
    (first, longest): (f64, f64),
    tolerance: f64,
    most: usize,
    mut step: impl FnMut(Station, Vector3, f64) -> Option<(Station, Vector3)>,
) -> (Vec<Station>, bool) {
    let mut closed = false;
    let mut halves: Vec<Vec<Station>> = Vec::new();
    for sign in [1.0, -1.0] {
        if closed {
            break;
        }
        let mut points = vec![start];
        let mut t = t0 * sign;
        let mut h = first;
        while points.len() < most {
            let p = points[points.len() - 1];
            // Back at the start after going round: a closed loop.
            let home = start.0 - p.0;
            if points.len() > 3 && home.length() <= 1.5 * h && home.dot(t) > 0.0 {
                closed = true;
                break;
            }
            match step(p, t, h) {
                Some((q, tq)) => {
                    points.push(q);
                    t = tq;
                    h = (h * 1.5).min(longest);
                }
                None if h > tolerance => h /= 2.0,
                None => break,
            }
        }
        halves.push(points);
    }
    let mut points = halves.pop().unwrap_or_default();
    if let Some(forward) = halves.pop() {
        points.reverse();
        points.extend_from_slice(&forward[1..]);
    }
    (points, closed)
}

/// Where curve `c` meets surface `s` to `tolerance`: crossings seeded by the curve's
/// polyline through the surface's mesh and refined by Newton's method on
/// `C(t) − S(u, v) = 0`; tangent touches where the polyline passes within the meshes'
/// errors without crossing, refined as closest points. Sorted by `t`.
pub fn curve_surface(c: &NurbsCurve, s: &NurbsSurface, tolerance: f64) -> Vec<CurveSurfacePoint> {
    curve_surface_seeded(c, s, &Seeds::new(s, tolerance), tolerance)
}

/// [`curve_surface`] from the surface's seeding mesh, made beforehand.
pub fn curve_surface_seeded(
    c: &NurbsCurve,
    s: &NurbsSurface,
    seeds: &Seeds,
    tolerance: f64,
) -> Vec<CurveSurfacePoint> {
    let (tris, bvh, dev) = (&seeds.triangles, &seeds.bvh, seeds.deviation);
    let (ts, pts) = curve_samples(c);
    let mut found: Vec<CurveSurfacePoint> = Vec::new();
    let offer = |x: CurveSurfacePoint, found: &mut Vec<CurveSurfacePoint>| {
        if found.iter().all(|y| y.point.distance(x.point) > tolerance) {
            found.push(x);
        }
    };
    for k in 0..pts.len() - 1 {
        let (p, q) = (pts[k], pts[k + 1]);
        let mut crossings = Vec::new();
        let lo = Point3::new(p.x.min(q.x), p.y.min(q.y), p.z.min(q.z));
        let hi = Point3::new(p.x.max(q.x), p.y.max(q.y), p.z.max(q.z));
        bvh.for_each_in_box(lo, hi, |tri| {
            if let Some(x) = segment_triangle(p, q, tris[tri as usize]) {
                crossings.push(x);
            }
        });
        for x in crossings {
            let along = (x - p).dot(q - p) / p.distance_squared(q).max(1e-300);
            let t0 = ts[k] + (ts[k + 1] - ts[k]) * along.clamp(0.0, 1.0);
            let uv0 = seeds.parameters_near(s, x);
            if let Some(hit) = newton_curve_surface(c, s, t0, uv0, tolerance) {
                offer(hit, &mut found);
            }
        }
    }
    // Tangent touches: where the polyline's distance from the mesh has a local minimum
    // no larger than the neighbouring chords (a touch between samples is at most that far
    // from them), refine the closest points and keep those that meet.
    let distance: Vec<f64> = pts
        .iter()
        .map(|&p| {
            bvh.closest_point(p, f64::INFINITY)
                .map_or(f64::INFINITY, |h| h.1)
        })
        .collect();
    for k in 0..pts.len() {
        let before = if k > 0 {
            distance[k - 1]
        } else {
            f64::INFINITY
        };
        let after = distance.get(k + 1).copied().unwrap_or(f64::INFINITY);
        let reach = [k.checked_sub(1), Some(k + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| pts.get(j).map(|q| q.distance(pts[k])))
            .fold(0.0, f64::max);
        let local_minimum =
            distance[k] <= before && distance[k] <= after && distance[k] <= reach + dev + tolerance;
        // A crossing on a neighbouring chord already explains the minimum.
        let (t_lo, t_hi) = (ts[k.saturating_sub(1)], ts[(k + 1).min(ts.len() - 1)]);
        let crossed = found
            .iter()
            .any(|h| !h.tangent && h.t >= t_lo && h.t <= t_hi);
        if !local_minimum || crossed {
            continue;
        }
        // Where the curve's height over the surface is stationary it touches, dips
        // through in two crossings closer than the mesh resolves, or stays clear.
        let uv = seeds.parameters_near(s, pts[k]);
        match caps::curve_dip(c, s, ts[k], uv, tolerance) {
            Some(caps::Dip::Touch(x)) => offer(x, &mut found),
            Some(caps::Dip::Through(xs)) => xs.into_iter().for_each(|x| offer(x, &mut found)),
            Some(caps::Dip::Clear) => {}
            None => {
                if let Some(x) = closest_curve_surface(c, s, ts[k], tolerance) {
                    offer(x, &mut found);
                }
            }
        }
    }
    found.sort_by(|x, y| x.t.total_cmp(&y.t));
    found
}

/// The curve as a polyline fine enough for its own chord error to be small: 8 (p + 1)
/// samples a knot span. Parameters and points.
pub(crate) fn curve_samples(c: &NurbsCurve) -> (Vec<f64>, Vec<Point3>) {
    let mut ts = Vec::new();
    for (a, b) in c.spans() {
        let n = 8 * (c.degree() + 1);
        for i in 0..n {
            ts.push(a + (b - a) * i as f64 / n as f64);
        }
    }
    ts.push(c.domain().1);
    let pts = ts.iter().map(|&t| c.point_at(t)).collect();
    (ts, pts)
}

/// Where curve `c` passes through or touches the triangles `tris` (a hierarchy over
/// exactly them): the curve's polyline cut by the triangles (decided exactly), each hit
/// moved along the curve onto the triangle's plane by Newton's method in `t`; where the
/// polyline comes near the mesh without a hit, the curve may still touch it or dip
/// through it between samples: [`caps::curve_dip`] against the nearest triangle's plane,
/// kept where on the mesh. `uv` is unset (0, 0): a mesh has no parameters. Sorted by `t`;
/// hits closer than `tolerance` are one.
pub fn curve_mesh(
    c: &NurbsCurve,
    tris: &[[Point3; 3]],
    bvh: &Bvh,
    tolerance: f64,
) -> Vec<CurveSurfacePoint> {
    let (ts, pts) = curve_samples(c);
    let (t_lo, t_hi) = c.domain();
    let mut found: Vec<CurveSurfacePoint> = Vec::new();
    for k in 0..pts.len() - 1 {
        let (p, q) = (pts[k], pts[k + 1]);
        let lo = Point3::new(p.x.min(q.x), p.y.min(q.y), p.z.min(q.z));
        let hi = Point3::new(p.x.max(q.x), p.y.max(q.y), p.z.max(q.z));
        let mut hits = Vec::new();
        bvh.for_each_in_box(lo, hi, |tri| {
            if let Some(x) = segment_triangle(p, q, tris[tri as usize]) {
                hits.push((x, tri));
            }
        });
        for (x, tri) in hits {
            let along = (x - p).dot(q - p) / p.distance_squared(q).max(1e-300);
            let mut t = ts[k] + (ts[k + 1] - ts[k]) * along.clamp(0.0, 1.0);
            let [a, b, cc] = tris[tri as usize];
            let n = (b - a).cross(cc - a);
            for _ in 0..MAX_NEWTON {
                let f = n.dot(c.point_at(t) - a);
                let slope = n.dot(c.derivatives(t, 1)[1]);
                if slope.abs() <= f64::MIN_POSITIVE {
                    break;
                }
                let next = (t - f / slope).clamp(t_lo, t_hi);
                if (next - t).abs() <= 1e-15 * (1.0 + t.abs()) {
                    t = next;
                    break;
                }
                t = next;
            }
            let point = c.point_at(t);
            // A straight segment is exact already; if Newton wandered off the triangle's
            // neighbourhood, keep the polyline's hit.
            let (t, point) = if point.distance(x) <= p.distance(q) {
                (t, point)
            } else {
                (ts[k] + (ts[k + 1] - ts[k]) * along.clamp(0.0, 1.0), x)
            };
            if found.iter().all(|y| y.point.distance(point) > tolerance) {
                found.push(CurveSurfacePoint {
                    t,
                    uv: [0.0, 0.0],
                    point,
                    tangent: false,
                });
            }
        }
    }
    let near: Vec<Option<(Point3, f64, u32)>> = pts
        .iter()
        .map(|&p| bvh.closest_point(p, f64::INFINITY))
        .collect();
    let distance = |k: usize| {
        near.get(k)
            .copied()
            .flatten()
            .map_or(f64::INFINITY, |n| n.1)
    };
    for k in 0..pts.len() {
        let Some((on, d, tri)) = near[k] else {
            continue;
        };
        let before = k.checked_sub(1).map_or(f64::INFINITY, distance);
        // A touch or dip between samples is at most a neighbouring chord away.
        let reach = [k.checked_sub(1), Some(k + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| pts.get(j).map(|q| q.distance(pts[k])))
            .fold(0.0, f64::max);
        let (t_lo, t_hi) = (ts[k.saturating_sub(1)], ts[(k + 1).min(ts.len() - 1)]);
        let explained = found.iter().any(|h| h.t >= t_lo && h.t <= t_hi);
        if d > before || d > distance(k + 1) || d > reach + tolerance || explained {
            continue;
        }
        let Some(plane) = caps::plane_patch(tris[tri as usize], on, 8.0 * reach + d) else {
            continue;
        };
        let hits = match caps::curve_dip(c, &plane, ts[k], [0.5, 0.5], tolerance) {
            Some(caps::Dip::Touch(x)) => vec![x],
            Some(caps::Dip::Through(xs)) => xs,
            _ => Vec::new(),
        };
        for x in hits {
            let on_mesh = bvh.closest_point(x.point, tolerance).is_some();
            if on_mesh && found.iter().all(|y| y.point.distance(x.point) > tolerance) {
                found.push(CurveSurfacePoint {
                    uv: [0.0, 0.0],
                    ..x
                });
            }
        }
    }
    found.sort_by(|x, y| x.t.total_cmp(&y.t));
    found
}

/// Newton's method on `F(t, u, v) = C(t) − S(u, v)`; a crossing when it converges with a
/// non-singular Jacobian, else `None`.
fn newton_curve_surface(
    c: &NurbsCurve,
    s: &NurbsSurface,
    mut t: f64,
    mut uv: [f64; 2],
    tolerance: f64,
) -> Option<CurveSurfacePoint> {
    let (t_lo, t_hi) = c.domain();
    for _ in 0..MAX_NEWTON {
        let d = c.derivatives(t, 1);
        let (pc, ct) = (c.point_at(t), d[1]);
        let (ps, su, sv) = frame(s, uv);
        let f = pc - ps;
        if f.length() <= tolerance * 1e-3 {
            let n = su.cross(sv);
            let tangent = ct.dot(n).abs() <= 1e-9 * ct.length() * n.length();
            return Some(CurveSurfacePoint {
                t,
                uv,
                point: pc,
                tangent,
            });
        }
        // J = [C' | −S_u | −S_v]; solve J Δ = −F via its transpose's rows.
        let (jx, jy, jz) = (
            Vector3::new(ct.x, -su.x, -sv.x),
            Vector3::new(ct.y, -su.y, -sv.y),
            Vector3::new(ct.z, -su.z, -sv.z),
        );
        let step = solve3([jx, jy, jz], [-f.x, -f.y, -f.z])?;
        t = (t + step[0]).clamp(t_lo, t_hi);
        uv = clamp_uv(s, [uv[0] + step[1], uv[1] + step[2]]);
    }
    None
}

/// The closest points of curve and surface near `t0`, alternating projection; a tangent
/// point when they meet to `tolerance`.
fn closest_curve_surface(
    c: &NurbsCurve,
    s: &NurbsSurface,
    t0: f64,
    tolerance: f64,
) -> Option<CurveSurfacePoint> {
    let mut p = c.point_at(t0);
    let mut t = t0;
    for _ in 0..MAX_NEWTON {
        let (uv, q, _) = s.closest_point(p);
        let (t_next, p_next, d) = c.closest_point(q);
        t = t_next;
        if p_next.distance(p) <= tolerance * 1e-4 {
            return (d <= tolerance).then_some(CurveSurfacePoint {
                t,
                uv,
                point: p_next,
                tangent: true,
            });
        }
        p = p_next;
    }
    let (uv, q, _) = s.closest_point(p);
    (p.distance(q) <= tolerance).then_some(CurveSurfacePoint {
        t,
        uv,
        point: p,
        tangent: true,
    })
}

//! Tessellation of Breps: trimmed NURBS faces with outer and inner loops, meshed so that
//! faces sharing an edge share its vertices exactly (no cracks).
//!
//! 1. Every Brep edge is sampled once, along the first trim that uses it, adaptively until
//!    each chord lies within the tolerance of the surface (and under the edge-length limit).
//!    The 3D points are the edge's vertices on every face that uses it; the other faces find
//!    their parameters by closest point on their own trim.
//! 2. Each face's loops become polygons in its (u, v) domain; with the interior points of the
//!    untrimmed surface's grid (see [`crate::tessellate`]) that fall inside, they go into a
//!    constrained Delaunay triangulation (spade), and triangles outside the loops are dropped.
//! 3. Triangles whose dense deviation check fails, whose corner normals turn by more than the
//!    angle tolerance, or whose edges are too long get their parameter centroid inserted, until
//!    all pass (or a round limit is hit); the deviation reported is that dense check.
//!
//! Poles (singular trims, where a whole side of the parameter square is one 3D point, as at
//! the tips of a sphere) are one vertex in 3D: triangles with two corners on a pole have no
//! area and are dropped, and a triangle with one corner there is checked over the whole
//! sector it covers in 3D (down to the pole line in (u, v)), not its (u, v) triangle.

use spade::{ConstrainedDelaunayTriangulation, Point2, Triangulation};

use crate::nurbs::{NurbsCurve, NurbsSurface};
use crate::tessellate::{TessellationOptions, tessellate_surface};
use crate::vec3::Point3;

/// One trim: a curve in the face's parameter space (x = u, y = v, z unused).
#[derive(Clone, Debug)]
pub struct FaceTrim {
    /// The trim curve.
    pub curve: NurbsCurve,
    /// The Brep edge it lies on; `None` for a singular trim (a pole).
    pub edge: Option<usize>,
}

/// A closed loop of trims.
#[derive(Clone, Debug)]
pub struct FaceLoop {
    /// Trims in order, each starting where the previous ends.
    pub trims: Vec<FaceTrim>,
}

/// A trimmed face.
#[derive(Clone, Debug)]
pub struct TrimmedFace {
    /// The untrimmed surface.
    pub surface: NurbsSurface,
    /// True when the face's normal is opposite to `S_u × S_v`.
    pub reversed: bool,
    /// The outer loop first, then holes.
    pub loops: Vec<FaceLoop>,
}

/// A Brep's mesh: triangles over shared vertices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BrepMesh {
    /// Vertex positions.
    pub positions: Vec<Point3>,
    /// Triangles, counter-clockwise seen from outside (the face normal's side).
    pub triangles: Vec<[u32; 3]>,
    /// Which face each triangle belongs to.
    pub face_of: Vec<u32>,
    /// Largest surface-to-mesh distance found by the dense check.
    pub max_deviation: f64,
    /// False when refinement stopped at its round limit with some triangle still failing.
    pub converged: bool,
}

/// Why a Brep could not be tessellated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BrepError {
    /// A face has no loop.
    #[error("face {0} has no trim loop")]
    NoLoop(usize),
    /// The loops of a face cross each other or themselves.
    #[error("face {0}: trim loops cross each other")]
    CrossingLoops(usize),
}

pub(crate) fn uv_at(c: &NurbsCurve, t: f64) -> [f64; 2] {
    let p = c.point_at(t);
    [p.x, p.y]
}

/// Samples `t` of a trim (without its end) so that chords of the surface image stay within
/// the tolerance and under the length limit, and the surface normal turns by at most the
/// angle tolerance between samples: adaptive bisection from a few pieces per span, then
/// neighbouring pieces merged where the merged chord still passes (a straight seam needs no
/// inner samples, and every extra boundary sample costs the face a fan of triangles).
pub(crate) fn sample_trim(
    surface: &NurbsSurface,
    trim: &NurbsCurve,
    options: &TessellationOptions,
) -> Vec<f64> {
    let image = |t: f64| {
        let [u, v] = uv_at(trim, t);
        surface.point_at(u, v)
    };
    let normal = |t: f64| {
        let [u, v] = uv_at(trim, t);
        surface.normal_at(u, v)
    };
    let cos_limit = options.angle_tolerance.cos();
    let turns = |s0: f64, s1: f64| match (normal(s0), normal(s1)) {
        (Some(n), Some(m)) => n.dot(m) < cos_limit,
        _ => false,
    };
    let long =
        |p0: Point3, p1: Point3| options.max_edge_length.is_some_and(|m| p0.distance(p1) > m);
    let mut fine = Vec::new();
    for (a, b) in trim.spans() {
        // Start with a few pieces per span so curvature between samples is seen.
        let pieces = 4;
        for k in 0..pieces {
            let (t0, t1) = (
                a + (b - a) * k as f64 / pieces as f64,
                a + (b - a) * (k + 1) as f64 / pieces as f64,
            );
            let mut stack = vec![(t0, t1, 0)];
            while let Some((s0, s1, depth)) = stack.pop() {
                let (p0, p1) = (image(s0), image(s1));
                let sm = (s0 + s1) / 2.0;
                let mid = image(sm);
                let chord_mid = p0 + (p1 - p0) * 0.5;
                let quarter = image(s0 + (s1 - s0) * 0.25).distance(p0 + (p1 - p0) * 0.25);
                let sag = mid.distance(chord_mid).max(quarter);
                if depth < 24 && (sag > options.chord_tolerance || long(p0, p1) || turns(s0, s1)) {
                    stack.push((sm, s1, depth + 1));
                    stack.push((s0, sm, depth + 1));
                } else {
                    fine.push(s0);
                }
            }
        }
    }
    let (_, end) = trim.domain();
    fine.push(end);
    // Greedy merge: from each kept sample, reach as far as the chord allows. The chord is
    // checked against every fine sample it skips and the midpoints between them.
    let merged_ok = |i: usize, j: usize| {
        let (p0, p1) = (image(fine[i]), image(fine[j]));
        if long(p0, p1) {
            return false;
        }
        for k in i..j {
            let inner = [fine[k], (fine[k] + fine[k + 1]) / 2.0];
            for t in inner {
                if distance_to_segment(image(t), p0, p1) > options.chord_tolerance
                    || turns(fine[i], t)
                    || turns(t, fine[j])
                {
                    return false;
                }
            }
        }
        true
    };
    let mut kept = vec![fine[0]];
    let mut i = 0;
    while i + 1 < fine.len() {
        let mut j = i + 1;
        while j + 1 < fine.len() && merged_ok(i, j + 1) {
            j += 1;
        }
        if j + 1 < fine.len() {
            kept.push(fine[j]);
        }
        i = j;
    }
    kept
}

/// The distance from `p` to the segment `a`–`b`.
pub(crate) fn distance_to_segment(p: Point3, a: Point3, b: Point3) -> f64 {
    let ab = b - a;
    let len2 = ab.dot(ab);
    let t = if len2 > 0.0 {
        ((p - a).dot(ab) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.distance(a + ab * t)
}

/// The parameter on `trim` whose surface image is closest to `p` (dense samples, then
/// golden-section refinement).
fn trim_parameter_of(surface: &NurbsSurface, trim: &NurbsCurve, p: Point3) -> f64 {
    let image = |t: f64| {
        let [u, v] = uv_at(trim, t);
        surface.point_at(u, v).distance_squared(p)
    };
    let (lo, hi) = trim.domain();
    let n = 256;
    let step = (hi - lo) / n as f64;
    let best = (0..=n)
        .map(|k| lo + step * k as f64)
        .min_by(|a, b| image(*a).total_cmp(&image(*b)))
        .unwrap_or(lo);
    let (mut a, mut b) = ((best - step).max(lo), (best + step).min(hi));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if image(c) < image(d) {
            b = d;
        } else {
            a = c;
        }
    }
    (a + b) / 2.0
}

/// Even-odd point-in-polygons test over all loops of a face.
fn inside(loops: &[Vec<[f64; 2]>], q: [f64; 2]) -> bool {
    let mut crossings = 0;
    for poly in loops {
        for k in 0..poly.len() {
            let (a, b) = (poly[k], poly[(k + 1) % poly.len()]);
            if (a[1] > q[1]) != (b[1] > q[1]) {
                let x = a[0] + (q[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if q[0] < x {
                    crossings += 1;
                }
            }
        }
    }
    crossings % 2 == 1
}

/// The distance in (u, v) from `q` to the nearest loop segment: grid points on a trim (a
/// pole line, an iso-parametric edge) must not be inserted twice.
fn distance_to_loops(loops: &[Vec<[f64; 2]>], q: [f64; 2]) -> f64 {
    let mut best = f64::INFINITY;
    for poly in loops {
        for k in 0..poly.len() {
            let (a, b) = (poly[k], poly[(k + 1) % poly.len()]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (a[0] + dx * t - q[0], a[1] + dy * t - q[1]);
            best = best.min((ex * ex + ey * ey).sqrt());
        }
    }
    best
}

/// A vertex of the face triangulation.
#[derive(Clone, Copy)]
struct FaceVertex {
    uv: [f64; 2],
    /// Index into the Brep's positions.
    index: u32,
    /// On a singular trim (the whole trim is this one 3D point): which way the trim runs.
    pole: Option<PoleAxis>,
}

/// The parameter that varies along a singular trim; the other is constant on it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PoleAxis {
    U,
    V,
}

impl PoleAxis {
    /// The point of the pole line nearest to `uv` in parameter space, given one point on it.
    fn foot(self, on_line: [f64; 2], uv: [f64; 2]) -> [f64; 2] {
        match self {
            PoleAxis::U => [uv[0], on_line[1]],
            PoleAxis::V => [on_line[0], uv[1]],
        }
    }
}

/// Tessellates every face of a Brep (faces, and the number of edges the trims refer to).
pub fn tessellate_brep(
    faces: &[TrimmedFace],
    edge_count: usize,
    options: &TessellationOptions,
) -> Result<BrepMesh, BrepError> {
    let mut mesh = BrepMesh {
        converged: true,
        ..BrepMesh::default()
    };
    // 1. Edge samples: 3D points and their vertex indices, in the first trim's direction.
    let mut edges: Vec<Option<Vec<(Point3, u32)>>> = vec![None; edge_count];
    for face in faces {
        for lp in &face.loops {
            for trim in &lp.trims {
                let Some(e) = trim.edge else { continue };
                if e >= edge_count || edges[e].is_some() {
                    continue;
                }
                let ts = sample_trim(&face.surface, &trim.curve, options);
                let (_, t_end) = trim.curve.domain();
                let ts: Vec<f64> = ts.into_iter().chain(std::iter::once(t_end)).collect();
                let mut points = Vec::with_capacity(ts.len());
                for (k, &t) in ts.iter().enumerate() {
                    let [u, v] = uv_at(&trim.curve, t);
                    let p = face.surface.point_at(u, v);
                    // Edge ends are Brep vertices shared with neighbouring edges: weld those.
                    let end = k == 0 || k + 1 == ts.len();
                    let index = add_vertex(
                        &mut mesh.positions,
                        p,
                        end.then_some(options.chord_tolerance * 1e-6),
                    );
                    points.push((p, index));
                }
                edges[e] = Some(points);
            }
        }
    }
    // 2-3. Each face.
    for (f, face) in faces.iter().enumerate() {
        if face.loops.is_empty() {
            return Err(BrepError::NoLoop(f));
        }
        let mut loops_uv: Vec<Vec<FaceVertex>> = Vec::new();
        for lp in &face.loops {
            let mut ring: Vec<FaceVertex> = Vec::new();
            for trim in &lp.trims {
                let (t0, t1) = trim.curve.domain();
                let shared = trim.edge.and_then(|e| edges.get(e).cloned().flatten());
                let samples: Vec<FaceVertex> = match shared {
                    Some(points) => {
                        // Walk the edge's samples in this trim's direction: compare the trim's
                        // start with the edge's ends, or, for a closed edge whose ends
                        // coincide, a point a little way along the trim with the second and
                        // the second-to-last sample.
                        let n = points.len();
                        let start = uv_at(&trim.curve, t0);
                        let start = face.surface.point_at(start[0], start[1]);
                        let (d_first, d_last) =
                            (points[0].0.distance(start), points[n - 1].0.distance(start));
                        let forward = if (d_first - d_last).abs() > options.chord_tolerance {
                            d_first < d_last
                        } else {
                            let ahead = uv_at(&trim.curve, t0 + 1e-3 * (t1 - t0));
                            let ahead = face.surface.point_at(ahead[0], ahead[1]);
                            n < 3 || points[1].0.distance(ahead) <= points[n - 2].0.distance(ahead)
                        };
                        let ordered: Vec<(Point3, u32)> = if forward {
                            points
                        } else {
                            points.into_iter().rev().collect()
                        };
                        ordered
                            .iter()
                            .map(|&(p, index)| FaceVertex {
                                uv: uv_at(
                                    &trim.curve,
                                    trim_parameter_of(&face.surface, &trim.curve, p),
                                ),
                                index,
                                pole: None,
                            })
                            .collect()
                    }
                    // A singular trim (a pole): its samples only shape the (u, v) polygon; in 3D
                    // they are one vertex, welded with the ends of the neighbouring edges.
                    None => {
                        let ts: Vec<f64> = sample_trim(&face.surface, &trim.curve, options)
                            .into_iter()
                            .chain(std::iter::once(t1))
                            .collect();
                        let uv0 = uv_at(&trim.curve, t0);
                        let p = face.surface.point_at(uv0[0], uv0[1]);
                        let index = add_vertex(
                            &mut mesh.positions,
                            p,
                            Some(options.chord_tolerance * 1e-6),
                        );
                        let uv1 = uv_at(&trim.curve, t1);
                        let axis = if (uv1[0] - uv0[0]).abs() >= (uv1[1] - uv0[1]).abs() {
                            PoleAxis::U
                        } else {
                            PoleAxis::V
                        };
                        ts.iter()
                            .map(|&t| FaceVertex {
                                uv: uv_at(&trim.curve, t),
                                index,
                                pole: Some(axis),
                            })
                            .collect()
                    }
                };
                // Each trim's last sample is the next trim's first.
                let skip_last = samples.len().saturating_sub(1);
                ring.extend(samples.into_iter().take(skip_last));
            }
            // Consecutive samples on one 3D point stay apart in (u, v) only along a pole.
            ring.dedup_by(|a, b| {
                a.index == b.index && (a.uv == b.uv || (a.pole.is_none() && b.pole.is_none()))
            });
            loops_uv.push(ring);
        }
        // A seam's end at a pole is the pole too.
        let poles: Vec<(u32, PoleAxis)> = loops_uv
            .iter()
            .flatten()
            .filter_map(|v| Some((v.index, v.pole?)))
            .collect();
        for v in loops_uv.iter_mut().flatten() {
            if let Some(&(_, axis)) = poles.iter().find(|(i, _)| *i == v.index) {
                v.pole = Some(axis);
            }
        }
        face_triangles(f, face, &loops_uv, options, &mut mesh)?;
    }
    Ok(mesh)
}

/// Adds `p` to `positions` and returns its index; with `weld`, an existing point within that
/// distance is returned instead. Only Brep vertices (trim ends) are welded, so the linear
/// search runs a few times per edge.
fn add_vertex(positions: &mut Vec<Point3>, p: Point3, weld: Option<f64>) -> u32 {
    if let Some(w) = weld
        && let Some(i) = positions.iter().position(|q| q.distance(p) <= w)
    {
        return i as u32;
    }
    positions.push(p);
    (positions.len() - 1) as u32
}

fn face_triangles(
    f: usize,
    face: &TrimmedFace,
    loops: &[Vec<FaceVertex>],
    options: &TessellationOptions,
    mesh: &mut BrepMesh,
) -> Result<(), BrepError> {
    let polygons: Vec<Vec<[f64; 2]>> = loops
        .iter()
        .map(|l| l.iter().map(|v| v.uv).collect())
        .collect();
    // Triangulate in (u, v) scaled by the surface's mean speed along each direction, so that
    // Delaunay's well-shaped triangles are well shaped on the surface too.
    let ((u0, u1), (v0, v1)) = face.surface.domain();
    let (mut su, mut sv) = (0.0, 0.0);
    for i in 0..5 {
        for j in 0..5 {
            let d = face.surface.derivatives(
                u0 + (u1 - u0) * i as f64 / 4.0,
                v0 + (v1 - v0) * j as f64 / 4.0,
                1,
            );
            su += d[1][0].length();
            sv += d[0][1].length();
        }
    }
    let (su, sv) = (
        if su > 0.0 { su / 25.0 } else { 1.0 },
        if sv > 0.0 { sv / 25.0 } else { 1.0 },
    );
    let mut cdt: ConstrainedDelaunayTriangulation<Point2<f64>> =
        ConstrainedDelaunayTriangulation::new();
    // Vertex data by spade's handle index.
    let mut data: Vec<Option<FaceVertex>> = Vec::new();
    let insert = |cdt: &mut ConstrainedDelaunayTriangulation<Point2<f64>>,
                  data: &mut Vec<Option<FaceVertex>>,
                  v: FaceVertex| {
        let handle = cdt.insert(Point2::new(v.uv[0] * su, v.uv[1] * sv)).ok()?;
        let i = handle.index();
        if data.len() <= i {
            data.resize(i + 1, None);
        }
        if data[i].is_none() {
            data[i] = Some(v);
        }
        Some(handle)
    };
    for ring in loops {
        let handles: Vec<_> = ring
            .iter()
            .filter_map(|&v| insert(&mut cdt, &mut data, v))
            .collect();
        for k in 0..handles.len() {
            let (a, b) = (handles[k], handles[(k + 1) % handles.len()]);
            if a == b {
                continue;
            }
            if !cdt.can_add_constraint(a, b) {
                return Err(BrepError::CrossingLoops(f));
            }
            cdt.add_constraint(a, b);
        }
    }
    // Interior points from the untrimmed surface's grid.
    let grid = tessellate_surface(&face.surface, options);
    for (uv, p) in grid.uv.iter().zip(&grid.positions) {
        if inside(&polygons, *uv) && distance_to_loops(&polygons, *uv) > 1e-9 {
            mesh.positions.push(*p);
            let v = FaceVertex {
                uv: *uv,
                index: (mesh.positions.len() - 1) as u32,
                pole: None,
            };
            insert(&mut cdt, &mut data, v);
        }
    }
    for round in 0..16 {
        let mut worst_round: f64 = 0.0;
        let mut fixes = Vec::new();
        for tri in cdt.inner_faces() {
            let vs = tri.vertices();
            let [a, b, c] = vs.map(|h| data.get(h.fix().index()).copied().flatten());
            let (Some(a), Some(b), Some(c)) = (a, b, c) else {
                continue;
            };
            if !inside(&polygons, centroid(&[a, b, c])) {
                continue;
            }
            let Some(check) = check_triangle(&face.surface, [a, b, c], &mesh.positions) else {
                continue;
            };
            worst_round = worst_round.max(check.deviation);
            let corners = [a, b, c].map(|v| mesh.positions[v.index as usize]);
            let long = options
                .max_edge_length
                .is_some_and(|m| (0..3).any(|k| corners[k].distance(corners[(k + 1) % 3]) > m));
            let normals = [a.uv, b.uv, c.uv].map(|uv| face.surface.normal_at(uv[0], uv[1]));
            let cos_limit = options.angle_tolerance.cos();
            let turns = (0..3).any(|k| match (normals[k], normals[(k + 1) % 3]) {
                (Some(n), Some(m)) => n.dot(m) < cos_limit,
                _ => false,
            });
            if (check.deviation > options.chord_tolerance || long || turns) && round < 15 {
                fixes.push(check.split_at);
            }
        }
        if fixes.is_empty() {
            mesh.max_deviation = mesh.max_deviation.max(worst_round);
            if round == 15 && worst_round > options.chord_tolerance {
                mesh.converged = false;
            }
            break;
        }
        for uv in fixes {
            let p = face.surface.point_at(uv[0], uv[1]);
            mesh.positions.push(p);
            let v = FaceVertex {
                uv,
                index: (mesh.positions.len() - 1) as u32,
                pole: None,
            };
            insert(&mut cdt, &mut data, v);
        }
    }
    for tri in cdt.inner_faces() {
        let [a, b, c] = tri
            .vertices()
            .map(|h| data.get(h.fix().index()).copied().flatten());
        let (Some(a), Some(b), Some(c)) = (a, b, c) else {
            continue;
        };
        // Two corners on one pole: a sliver of zero area in 3D, covered by its fan neighbours.
        if a.index == b.index || b.index == c.index || c.index == a.index {
            continue;
        }
        if !inside(&polygons, centroid(&[a, b, c])) {
            continue;
        }
        // spade's faces run counter-clockwise in (u, v): along S_u × S_v.
        let t = if face.reversed {
            [a.index, c.index, b.index]
        } else {
            [a.index, b.index, c.index]
        };
        mesh.triangles.push(t);
        mesh.face_of.push(f as u32);
    }
    Ok(())
}

fn centroid(corners: &[FaceVertex; 3]) -> [f64; 2] {
    let [a, b, c] = corners.map(|v| v.uv);
    [(a[0] + b[0] + c[0]) / 3.0, (a[1] + b[1] + c[1]) / 3.0]
}

/// The dense deviation check of one triangle and where to split it when it fails.
struct TriangleCheck {
    deviation: f64,
    split_at: [f64; 2],
}

/// Measures how far the surface strays from a triangle of the face triangulation; `None`
/// for a triangle with two corners on one pole (a zero-area sliver the mesh drops).
///
/// A triangle with one corner on a pole is a fan triangle: in 3D it spans the whole sector
/// between the pole and its opposite edge, which in (u, v) is the quad from that edge down
/// to the pole line, not the (u, v) triangle. That quad is what is sampled.
fn check_triangle(
    surface: &NurbsSurface,
    corners: [FaceVertex; 3],
    positions: &[Point3],
) -> Option<TriangleCheck> {
    let [a, b, c] = corners;
    if a.index == b.index || b.index == c.index || c.index == a.index {
        return None;
    }
    let p = corners.map(|v| positions[v.index as usize]);
    const N: usize = 4;
    let mut deviation: f64 = 0.0;
    let lerp2 =
        |x: [f64; 2], y: [f64; 2], t: f64| [x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t];
    if let Some(k) = corners.iter().position(|v| v.pole.is_some()) {
        let (pole, b, c) = (corners[k], corners[(k + 1) % 3], corners[(k + 2) % 3]);
        let axis = pole.pole?;
        let (pp, pb, pc) = (p[k], p[(k + 1) % 3], p[(k + 2) % 3]);
        for i in 0..=N {
            let s = i as f64 / N as f64;
            let top = lerp2(b.uv, c.uv, s);
            let foot = axis.foot(pole.uv, top);
            let top_point = pb + (pc - pb) * s;
            for j in 1..=N {
                let t = j as f64 / N as f64;
                let uv = lerp2(foot, top, t);
                let linear = pp + (top_point - pp) * t;
                deviation = deviation.max(surface.point_at(uv[0], uv[1]).distance(linear));
            }
        }
        let mid = lerp2(b.uv, c.uv, 0.5);
        return Some(TriangleCheck {
            deviation,
            split_at: lerp2(axis.foot(pole.uv, mid), mid, 2.0 / 3.0),
        });
    }
    for i in 0..=N {
        for j in 0..=(N - i) {
            let (s, t) = (i as f64 / N as f64, j as f64 / N as f64);
            let uv = [
                a.uv[0] + (b.uv[0] - a.uv[0]) * s + (c.uv[0] - a.uv[0]) * t,
                a.uv[1] + (b.uv[1] - a.uv[1]) * s + (c.uv[1] - a.uv[1]) * t,
            ];
            let linear = p[0] + (p[1] - p[0]) * s + (p[2] - p[0]) * t;
            deviation = deviation.max(surface.point_at(uv[0], uv[1]).distance(linear));
        }
    }
    Some(TriangleCheck {
        deviation,
        split_at: centroid(&corners),
    })
}

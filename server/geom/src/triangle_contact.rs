//! Whether two triangles meet, decided exactly: Guigue & Devillers' test ("Fast and Robust
//! Triangle-Triangle Overlap Test Using Orientation Predicates", JGT 8(1), 2003), whose
//! every decision is the sign of a 3×3 orientation determinant, evaluated with Shewchuk's
//! adaptive exact arithmetic (the `robust` crate). So touching, grazing and coplanar pairs
//! are classified as the input coordinates say, never by a rounding of them; there is no
//! epsilon anywhere.
//!
//! Beyond "do they meet", the contact is classified: `Crossing` when each triangle has
//! vertices strictly on both sides of the other's plane and the two cuts of the common line
//! overlap in more than a point (interiors pass through each other); `Touching` when they
//! meet without that (a vertex or edge on the other triangle, an end-to-end contact);
//! `Coplanar` when all six vertices lie in one plane and the triangles share at least a
//! point.

use robust::{Coord, Coord3D, orient2d, orient3d};

use crate::Point3;

/// How two triangles meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriangleContact {
    /// No common point.
    Disjoint,
    /// Common points only on a boundary: a vertex or an edge on the other triangle.
    Touching,
    /// The interiors pass through each other along a segment of positive length.
    Crossing,
    /// Both in one plane, with at least one common point.
    Coplanar,
}

/// `(p − c) · ((a − c) × (b − c))`, exactly signed: positive when `p` is on the side the
/// right-hand normal of `a, b, c` points to. (Shewchuk's `orient3d` has the other sign.)
pub(crate) fn side(a: Point3, b: Point3, c: Point3, p: Point3) -> f64 {
    let c3 = |v: Point3| Coord3D {
        x: v.x,
        y: v.y,
        z: v.z,
    };
    -orient3d(c3(a), c3(b), c3(c), c3(p))
}

/// Classifies the contact of triangles `t1` and `t2`.
pub fn triangle_contact(t1: [Point3; 3], t2: [Point3; 3]) -> TriangleContact {
    // Exact signs are always known.
    contact_with(t1, t2, &|a, b, c, p| Some(side(a, b, c, p))).unwrap_or(TriangleContact::Disjoint)
}

/// What the floating-point filter decides about a pair of triangles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilteredContact {
    /// Certainly no common point.
    Disjoint,
    /// Certainly interiors crossing.
    Crossing,
    /// Some orientation is too close to zero to decide in f64 (every touching and coplanar
    /// pair is): the exact test decides.
    Undecided,
}

/// Shewchuk's error bound of the f64 `orient3d`, (7 + 56ε)ε, times 4 so that a device
/// that fuses multiply–adds is covered too.
const ORIENT3D_BOUND: f64 = 4.0 * (7.0 + 56.0 * f64::EPSILON / 2.0) * (f64::EPSILON / 2.0);

/// [`side`] in plain f64 when its sign is certain (Shewchuk's static filter: the
/// determinant exceeds its error bound), `None` otherwise. The GPU narrow phase evaluates
/// exactly this, term by term, in `tri_pairs.wgsl` and `cuda/tri_pairs.cu`.
pub fn filtered_side(a: Point3, b: Point3, c: Point3, d: Point3) -> Option<f64> {
    let (adx, ady, adz) = (a.x - d.x, a.y - d.y, a.z - d.z);
    let (bdx, bdy, bdz) = (b.x - d.x, b.y - d.y, b.z - d.z);
    let (cdx, cdy, cdz) = (c.x - d.x, c.y - d.y, c.z - d.z);
    let (bdxcdy, cdxbdy) = (bdx * cdy, cdx * bdy);
    let (cdxady, adxcdy) = (cdx * ady, adx * cdy);
    let (adxbdy, bdxady) = (adx * bdy, bdx * ady);
    let det = adz * (bdxcdy - cdxbdy) + bdz * (cdxady - adxcdy) + cdz * (adxbdy - bdxady);
    let permanent = (bdxcdy.abs() + cdxbdy.abs()) * adz.abs()
        + (cdxady.abs() + adxcdy.abs()) * bdz.abs()
        + (adxbdy.abs() + bdxady.abs()) * cdz.abs();
    // orient3d's sign is the opposite of `side`'s.
    (det.abs() > ORIENT3D_BOUND * permanent).then_some(-det)
}

/// The contact of two triangles as far as f64 arithmetic with error bounds can decide it:
/// the same walk as [`triangle_contact`] on [`filtered_side`] signs, `Undecided` at the
/// first sign it cannot certify.
pub fn filtered_contact(t1: [Point3; 3], t2: [Point3; 3]) -> FilteredContact {
    match contact_with(t1, t2, &filtered_side) {
        Some(TriangleContact::Disjoint) => FilteredContact::Disjoint,
        Some(TriangleContact::Crossing) => FilteredContact::Crossing,
        _ => FilteredContact::Undecided,
    }
}

/// Guigue & Devillers' walk with signs from `side` (`None`: unknown, then the answer is
/// `None`).
fn contact_with(
    t1: [Point3; 3],
    t2: [Point3; 3],
    side: &impl Fn(Point3, Point3, Point3, Point3) -> Option<f64>,
) -> Option<TriangleContact> {
    let [p1, q1, r1] = t1;
    let [p2, q2, r2] = t2;
    let (dp1, dq1, dr1) = (
        side(p2, q2, r2, p1)?,
        side(p2, q2, r2, q1)?,
        side(p2, q2, r2, r1)?,
    );
    if same_strict_side(dp1, dq1, dr1) {
        return Some(TriangleContact::Disjoint);
    }
    let (dp2, dq2, dr2) = (
        side(p1, q1, r1, p2)?,
        side(p1, q1, r1, q2)?,
        side(p1, q1, r1, r2)?,
    );
    if same_strict_side(dp2, dq2, dr2) {
        return Some(TriangleContact::Disjoint);
    }
    if dp1 == 0.0 && dq1 == 0.0 && dr1 == 0.0 {
        return Some(if coplanar_overlap(t1, t2) {
            TriangleContact::Coplanar
        } else {
            TriangleContact::Disjoint
        });
    }
    let straddles =
        |a: f64, b: f64, c: f64| (a > 0.0 || b > 0.0 || c > 0.0) && (a < 0.0 || b < 0.0 || c < 0.0);
    let both_straddle = straddles(dp1, dq1, dr1) && straddles(dp2, dq2, dr2);
    // Put t1's lone vertex first (alone on its side of t2's plane), flipping t2 so the
    // orientation stays consistent; Guigue & Devillers' case table.
    let flipped = (p2, r2, q2, dp2, dr2, dq2);
    let straight = (p2, q2, r2, dp2, dq2, dr2);
    let (a, b, c, t2) = if dp1 > 0.0 {
        if dq1 > 0.0 {
            (r1, p1, q1, flipped)
        } else if dr1 > 0.0 {
            (q1, r1, p1, flipped)
        } else {
            (p1, q1, r1, straight)
        }
    } else if dp1 < 0.0 {
        if dq1 < 0.0 {
            (r1, p1, q1, straight)
        } else if dr1 < 0.0 {
            (q1, r1, p1, straight)
        } else {
            (p1, q1, r1, flipped)
        }
    } else if dq1 < 0.0 {
        if dr1 >= 0.0 {
            (q1, r1, p1, flipped)
        } else {
            (p1, q1, r1, straight)
        }
    } else if dq1 > 0.0 {
        if dr1 > 0.0 {
            (p1, q1, r1, flipped)
        } else {
            (q1, r1, p1, straight)
        }
    } else if dr1 > 0.0 {
        (r1, p1, q1, straight)
    } else {
        // dr1 < 0 (all three zero was the coplanar case above).
        (r1, p1, q1, flipped)
    };
    Some(match lone_vertex_test(a, b, c, t2, side)? {
        None => TriangleContact::Disjoint,
        Some(proper) if proper && both_straddle => TriangleContact::Crossing,
        Some(_) => TriangleContact::Touching,
    })
}

pub(crate) fn same_strict_side(a: f64, b: f64, c: f64) -> bool {
    (a > 0.0 && b > 0.0 && c > 0.0) || (a < 0.0 && b < 0.0 && c < 0.0)
}

/// The second half of the case table: t2 (with its signs w.r.t. t1's plane) put in the
/// canonical form, then the two interval checks on the planes' common line. `None` when
/// disjoint; `Some(proper)` when they meet, `proper` when the intervals overlap in more
/// than a point.
fn lone_vertex_test(
    p1: Point3,
    q1: Point3,
    r1: Point3,
    (p2, q2, r2, dp2, dq2, dr2): (Point3, Point3, Point3, f64, f64, f64),
    side: &impl Fn(Point3, Point3, Point3, Point3) -> Option<f64>,
) -> Option<Option<bool>> {
    let (a, b, c, d, e, f) = if dp2 > 0.0 {
        if dq2 > 0.0 {
            (p1, r1, q1, r2, p2, q2)
        } else if dr2 > 0.0 {
            (p1, r1, q1, q2, r2, p2)
        } else {
            (p1, q1, r1, p2, q2, r2)
        }
    } else if dp2 < 0.0 {
        if dq2 < 0.0 {
            (p1, q1, r1, r2, p2, q2)
        } else if dr2 < 0.0 {
            (p1, q1, r1, q2, r2, p2)
        } else {
            (p1, r1, q1, p2, q2, r2)
        }
    } else if dq2 < 0.0 {
        if dr2 >= 0.0 {
            (p1, r1, q1, q2, r2, p2)
        } else {
            (p1, q1, r1, p2, q2, r2)
        }
    } else if dq2 > 0.0 {
        if dr2 > 0.0 {
            (p1, r1, q1, p2, q2, r2)
        } else {
            (p1, q1, r1, q2, r2, p2)
        }
    } else if dr2 > 0.0 {
        (p1, q1, r1, r2, p2, q2)
    } else {
        // dr2 < 0: all three zero cannot happen here (t1 is not in t2's plane).
        (p1, r1, q1, r2, p2, q2)
    };
    check_min_max([a, b, c, d, e, f], side)
}

/// Guigue & Devillers' CHECK_MIN_MAX: the two cuts of the common line overlap. The outer
/// `None` is an unknown sign.
fn check_min_max(
    [p1, q1, r1, p2, q2, r2]: [Point3; 6],
    side: &impl Fn(Point3, Point3, Point3, Point3) -> Option<f64>,
) -> Option<Option<bool>> {
    let first = side(p2, p1, q1, q2)?;
    if first > 0.0 {
        return Some(None);
    }
    let second = side(p2, r1, p1, r2)?;
    if second > 0.0 {
        return Some(None);
    }
    Some(Some(first < 0.0 && second < 0.0))
}

/// Whether two triangles in one plane share a point: an edge of one meets an edge of the
/// other, or a vertex of one lies in (or on) the other. Exact 2-D orientations in the axis
/// plane where the triangles' projection is largest (projection keeps every sign, up to one
/// common flip).
fn coplanar_overlap(t1: [Point3; 3], t2: [Point3; 3]) -> bool {
    let project = projection(t1);
    let a = t1.map(project);
    let b = t2.map(project);
    let o = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>| orient2d(p, q, r);
    let on_segment = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>| {
        // r collinear with p, q: within their box.
        r.x >= p.x.min(q.x) && r.x <= p.x.max(q.x) && r.y >= p.y.min(q.y) && r.y <= p.y.max(q.y)
    };
    let segments_meet = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>, s: Coord<f64>| {
        let (d1, d2, d3, d4) = (o(p, q, r), o(p, q, s), o(r, s, p), o(r, s, q));
        if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
            && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
        {
            return true;
        }
        (d1 == 0.0 && on_segment(p, q, r))
            || (d2 == 0.0 && on_segment(p, q, s))
            || (d3 == 0.0 && on_segment(r, s, p))
            || (d4 == 0.0 && on_segment(r, s, q))
    };
    let inside = |t: [Coord<f64>; 3], p: Coord<f64>| {
        let (d1, d2, d3) = (o(t[0], t[1], p), o(t[1], t[2], p), o(t[2], t[0], p));
        (d1 >= 0.0 && d2 >= 0.0 && d3 >= 0.0) || (d1 <= 0.0 && d2 <= 0.0 && d3 <= 0.0)
    };
    for i in 0..3 {
        for j in 0..3 {
            if segments_meet(a[i], a[(i + 1) % 3], b[j], b[(j + 1) % 3]) {
                return true;
            }
        }
    }
    inside(a, b[0]) || inside(b, a[0])
}

/// Where segment `p`–`q` meets triangle `t`, when it does (decided exactly: the ends'
/// sides of the triangle's plane and the segment's side of each edge are exact signs); the
/// point is computed in f64. A segment lying in the triangle's plane is not reported (it
/// meets along a stretch, not at a point). `None` for a degenerate triangle.
pub fn segment_triangle(p: Point3, q: Point3, t: [Point3; 3]) -> Option<Point3> {
    let (dp, dq) = (side(t[0], t[1], t[2], p), side(t[0], t[1], t[2], q));
    if (dp > 0.0 && dq > 0.0) || (dp < 0.0 && dq < 0.0) || (dp == 0.0 && dq == 0.0) {
        return None;
    }
    // The segment's line passes each edge on the same side (or on it) exactly when it
    // pierces the triangle's closure.
    let e = [
        side(p, q, t[0], t[1]),
        side(p, q, t[1], t[2]),
        side(p, q, t[2], t[0]),
    ];
    let inside = e.iter().all(|&x| x >= 0.0) || e.iter().all(|&x| x <= 0.0);
    if !inside || e.iter().all(|&x| x == 0.0) {
        return None;
    }
    Some(if dp == 0.0 {
        p
    } else if dq == 0.0 {
        q
    } else {
        p.lerp(q, dp / (dp - dq))
    })
}

/// Whether two coplanar triangles share interior points (an area, not just an edge or a
/// vertex): an edge of one properly crosses an edge of the other, or a vertex or the
/// centroid of one lies strictly inside the other. Exact 2-D orientations; false for
/// triangles that are not coplanar or are degenerate.
pub fn coplanar_interiors_overlap(t1: [Point3; 3], t2: [Point3; 3]) -> bool {
    let d = t2.map(|p| side(t1[0], t1[1], t1[2], p));
    if d.iter().any(|&x| x != 0.0) {
        return false;
    }
    projected_interiors_overlap(t1, t2)
}

/// Whether the interiors of `t1` and `t2` overlap seen along `t1`'s normal (projected onto
/// the coordinate plane it is most nearly parallel to): for triangles in one plane, or
/// within a tolerance of one.
pub(crate) fn projected_interiors_overlap(t1: [Point3; 3], t2: [Point3; 3]) -> bool {
    let project = projection(t1);
    let (a, b) = (t1.map(project), t2.map(project));
    let o = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>| orient2d(p, q, r);
    if o(a[0], a[1], a[2]) == 0.0 || o(b[0], b[1], b[2]) == 0.0 {
        return false;
    }
    let opposite = |x: f64, y: f64| (x > 0.0 && y < 0.0) || (x < 0.0 && y > 0.0);
    for i in 0..3 {
        for j in 0..3 {
            let (p, q, r, s) = (a[i], a[(i + 1) % 3], b[j], b[(j + 1) % 3]);
            if opposite(o(p, q, r), o(p, q, s)) && opposite(o(r, s, p), o(r, s, q)) {
                return true;
            }
        }
    }
    let strictly_inside = |t: [Coord<f64>; 3], p: Coord<f64>| {
        let (d1, d2, d3) = (o(t[0], t[1], p), o(t[1], t[2], p), o(t[2], t[0], p));
        (d1 > 0.0 && d2 > 0.0 && d3 > 0.0) || (d1 < 0.0 && d2 < 0.0 && d3 < 0.0)
    };
    // The centroid in the triangles' own coordinates: rounding it cannot move it across
    // an edge of a triangle it is well inside, and one on the boundary has no interior.
    let centroid = |t: [Coord<f64>; 3]| Coord {
        x: (t[0].x + t[1].x + t[2].x) / 3.0,
        y: (t[0].y + t[1].y + t[2].y) / 3.0,
    };
    a.iter().any(|&p| strictly_inside(b, p))
        || b.iter().any(|&p| strictly_inside(a, p))
        || strictly_inside(b, centroid(a))
        || strictly_inside(a, centroid(b))
}

/// The polygon the interiors of `t1` and `t2` share seen along `t1`'s normal, on `t1`'s
/// plane, in `t2`'s winding: for triangles in one plane (or within a tolerance of one),
/// their overlap. `t2`, moved onto the plane, is clipped by the planes through `t1`'s
/// edges along its normal (Sutherland–Hodgman); empty when they share no area or `t1` is
/// degenerate.
pub fn coplanar_overlap_polygon(t1: [Point3; 3], t2: [Point3; 3]) -> Vec<Point3> {
    let n = (t1[1] - t1[0]).cross(t1[2] - t1[0]);
    let nn = n.length_squared();
    if nn == 0.0 || !nn.is_finite() {
        return Vec::new();
    }
    let mut polygon: Vec<Point3> = t2
        .iter()
        .map(|&p| p - n * (n.dot(p - t1[0]) / nn))
        .collect();
    let mut clipped = Vec::with_capacity(7);
    for i in 0..3 {
        let (from, to) = (t1[i], t1[(i + 1) % 3]);
        // Positive on the side of the edge the triangle lies on.
        let inward = n.cross(to - from);
        let inside = |p: Point3| inward.dot(p - from);
        clipped.clear();
        for k in 0..polygon.len() {
            let (p, q) = (polygon[k], polygon[(k + 1) % polygon.len()]);
            let (sp, sq) = (inside(p), inside(q));
            if sp >= 0.0 {
                clipped.push(p);
            }
            if (sp > 0.0 && sq < 0.0) || (sp < 0.0 && sq > 0.0) {
                clipped.push(p.lerp(q, sp / (sp - sq)));
            }
        }
        std::mem::swap(&mut polygon, &mut clipped);
        if polygon.len() < 3 {
            return Vec::new();
        }
    }
    if polygon_area(&polygon) == 0.0 {
        return Vec::new();
    }
    polygon
}

/// The area of the overlap [`coplanar_overlap_polygon`] finds.
pub fn coplanar_overlap_area(t1: [Point3; 3], t2: [Point3; 3]) -> f64 {
    polygon_area(&coplanar_overlap_polygon(t1, t2))
}

/// The area of a plane polygon (a fan of its corners from the first).
pub(crate) fn polygon_area(polygon: &[Point3]) -> f64 {
    let Some(&first) = polygon.first() else {
        return 0.0;
    };
    let twice = polygon
        .windows(2)
        .skip(1)
        .fold(crate::Vector3::new(0.0, 0.0, 0.0), |sum, w| {
            sum + (w[0] - first).cross(w[1] - first)
        });
    0.5 * twice.length()
}

/// The distance between two triangles: 0 when they meet (decided exactly), else the
/// least of the six vertex-to-triangle and nine edge-to-edge distances, which for disjoint
/// triangles is where the closest points lie (Ericson, *Real-Time Collision Detection*,
/// 5.1.5 and 5.1.9). The distance itself is computed in f64.
pub fn triangle_distance(t1: [Point3; 3], t2: [Point3; 3]) -> f64 {
    closest_points(t1, t2).distance
}

/// A pair of closest points of two triangles and their distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClosestPoints {
    /// Distance between the triangles (0 when they meet).
    pub distance: f64,
    /// The point of the first triangle.
    pub on_first: Point3,
    /// The point of the second triangle (equal to `on_first` when they meet).
    pub on_second: Point3,
}

/// The closest points of two triangles: a common point when they meet (decided exactly;
/// on the intersection segment, or a shared vertex, edge point or overlap point), else the
/// ends of the shortest of the vertex-to-triangle and edge-to-edge connections.
pub fn closest_points(t1: [Point3; 3], t2: [Point3; 3]) -> ClosestPoints {
    if let Some(p) = common_point(t1, t2) {
        return ClosestPoints {
            distance: 0.0,
            on_first: p,
            on_second: p,
        };
    }
    let mut best = ClosestPoints {
        distance: f64::INFINITY,
        on_first: t1[0],
        on_second: t2[0],
    };
    let mut offer = |p: Point3, q: Point3| {
        let d = (p - q).length();
        if d < best.distance {
            best = ClosestPoints {
                distance: d,
                on_first: p,
                on_second: q,
            };
        }
    };
    for p in t1 {
        offer(p, closest_on_triangle(p, t2));
    }
    for q in t2 {
        offer(closest_on_triangle(q, t1), q);
    }
    for i in 0..3 {
        for j in 0..3 {
            let (p, q) = segment_closest(t1[i], t1[(i + 1) % 3], t2[j], t2[(j + 1) % 3]);
            offer(p, q);
        }
    }
    best
}

/// A point both triangles contain, when they meet.
fn common_point(t1: [Point3; 3], t2: [Point3; 3]) -> Option<Point3> {
    match triangle_contact(t1, t2) {
        TriangleContact::Disjoint => None,
        TriangleContact::Coplanar => Some(coplanar_common_point(t1, t2)),
        TriangleContact::Touching | TriangleContact::Crossing => {
            let [a, b] = intersection_segment(t1, t2)?;
            Some(a.lerp(b, 0.5))
        }
    }
}

/// A point of the overlap of two coplanar triangles that meet: a vertex of one inside the
/// other, else where two edges cross (found in f64 as the closest points of the edges).
fn coplanar_common_point(t1: [Point3; 3], t2: [Point3; 3]) -> Point3 {
    let mut best = (f64::INFINITY, t1[0]);
    for (x, y) in [(t1, t2), (t2, t1)] {
        for p in x {
            let d = (p - closest_on_triangle(p, y)).length();
            if d < best.0 {
                best = (d, p);
            }
        }
    }
    for i in 0..3 {
        for j in 0..3 {
            let (p, q) = segment_closest(t1[i], t1[(i + 1) % 3], t2[j], t2[(j + 1) % 3]);
            let d = (p - q).length();
            if d < best.0 {
                best = (d, p.lerp(q, 0.5));
            }
        }
    }
    best.1
}

/// The segment two non-coplanar triangles share, when they meet (a zero-length segment when
/// they touch at a point): where the common line of their planes cuts both triangles. Which
/// vertices lie on which side of the other plane is decided exactly, so a segment is
/// found exactly when [`triangle_contact`] says they meet; its end points are computed in
/// f64. `None` for disjoint or coplanar pairs.
pub fn intersection_segment(t1: [Point3; 3], t2: [Point3; 3]) -> Option<[Point3; 2]> {
    let d1 = t1.map(|p| side(t2[0], t2[1], t2[2], p));
    let d2 = t2.map(|p| side(t1[0], t1[1], t1[2], p));
    if same_strict_side(d1[0], d1[1], d1[2])
        || same_strict_side(d2[0], d2[1], d2[2])
        || d1.iter().all(|&d| d == 0.0)
    {
        return None;
    }
    let cut1 = plane_cut(t1, d1)?;
    let cut2 = plane_cut(t2, d2)?;
    let n1 = (t1[1] - t1[0]).cross(t1[2] - t1[0]);
    let n2 = (t2[1] - t2[0]).cross(t2[2] - t2[0]);
    let line = n1.cross(n2);
    let along = |p: Point3| line.dot(p - t1[0]);
    let order = |[a, b]: [Point3; 2]| if along(a) <= along(b) { [a, b] } else { [b, a] };
    let ([a0, a1], [b0, b1]) = (order(cut1), order(cut2));
    // The later start and the earlier end; rounding can make them cross when the cuts
    // only touch, and then both ends are the touching point.
    let start = if along(a0) >= along(b0) { a0 } else { b0 };
    let end = if along(a1) <= along(b1) { a1 } else { b1 };
    if along(start) > along(end) {
        let p = start.lerp(end, 0.5);
        return Some([p, p]);
    }
    Some([start, end])
}

/// Where the plane of the other triangle cuts triangle `t`, given the signed sides `d` of
/// its vertices: the two points on its boundary (equal when only one vertex touches).
pub(crate) fn plane_cut(t: [Point3; 3], d: [f64; 3]) -> Option<[Point3; 2]> {
    let mut points = Vec::with_capacity(3);
    for i in 0..3 {
        let j = (i + 1) % 3;
        if d[i] == 0.0 {
            points.push(t[i]);
        }
        if (d[i] > 0.0 && d[j] < 0.0) || (d[i] < 0.0 && d[j] > 0.0) {
            let s = d[i] / (d[i] - d[j]);
            points.push(t[i].lerp(t[j], s));
        }
    }
    match points.as_slice() {
        [p] => Some([*p, *p]),
        [p, q] => Some([*p, *q]),
        // An edge in the plane plus nothing else: its two vertices; more points only
        // come from a degenerate triangle.
        [p, .., q] => Some([*p, *q]),
        [] => None,
    }
}

/// The point of triangle `t` closest to `p` (Ericson's Voronoi-region walk).
pub(crate) fn closest_on_triangle(p: Point3, t: [Point3; 3]) -> Point3 {
    let [a, b, c] = t;
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(ap), ac.dot(ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(bp), ac.dot(bp));
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return a + ab * (d1 / (d1 - d3));
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(cp), ac.dot(cp));
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return a + ac * (d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = 1.0 / (va + vb + vc);
    a + ab * (vb * denom) + ac * (vc * denom)
}

/// The closest points of segments `p1`–`q1` and `p2`–`q2`.
fn segment_closest(p1: Point3, q1: Point3, p2: Point3, q2: Point3) -> (Point3, Point3) {
    let (s, t) = segment_fractions(p1, q1, p2, q2);
    (p1.lerp(q1, s), p2.lerp(q2, t))
}

/// Where the segments `p1`–`q1` and `p2`–`q2` come closest, as fractions along each
/// (Ericson's clamped parameters, *Real-Time Collision Detection* 5.1.9).
pub(crate) fn segment_fractions(p1: Point3, q1: Point3, p2: Point3, q2: Point3) -> (f64, f64) {
    let (d1, d2, r) = (q1 - p1, q2 - p2, p1 - p2);
    let (a, e, f) = (d1.dot(d1), d2.dot(d2), d2.dot(r));
    if a <= f64::MIN_POSITIVE && e <= f64::MIN_POSITIVE {
        return (0.0, 0.0);
    }
    if a <= f64::MIN_POSITIVE {
        return (0.0, (f / e).clamp(0.0, 1.0));
    }
    let c = d1.dot(r);
    if e <= f64::MIN_POSITIVE {
        return ((-c / a).clamp(0.0, 1.0), 0.0);
    }
    let b = d1.dot(d2);
    let denom = a * e - b * b;
    let mut s = if denom > 0.0 {
        ((b * f - c * e) / denom).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut t = (b * s + f) / e;
    if t < 0.0 {
        t = 0.0;
        s = (-c / a).clamp(0.0, 1.0);
    } else if t > 1.0 {
        t = 1.0;
        s = ((b - c) / a).clamp(0.0, 1.0);
    }
    (s, t)
}

/// The projection onto the coordinate plane most facing triangle `t`: for points in its
/// plane it keeps every orientation exact (up to one sign for all).
pub(crate) fn projection(t: [Point3; 3]) -> impl Fn(Point3) -> Coord<f64> + Copy {
    let n = (t[1] - t[0]).cross(t[2] - t[0]);
    let (ax, ay, az) = (n.x.abs(), n.y.abs(), n.z.abs());
    move |p: Point3| {
        if az >= ax && az >= ay {
            Coord { x: p.x, y: p.y }
        } else if ay >= ax {
            Coord { x: p.z, y: p.x }
        } else {
            Coord { x: p.y, y: p.z }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vector3;
    use TriangleContact::*;

    fn p(x: f64, y: f64, z: f64) -> Point3 {
        Point3::new(x, y, z)
    }

    /// Overlaps worked by hand: the triangle x + y ≤ 2 (x, y ≥ 0) and the triangle under
    /// y = x over 0 ≤ x ≤ 2 share the triangle (0,0), (2,0), (1,1) of area 1; the same
    /// after a turn out of every coordinate plane, either way round and either winding.
    #[test]
    fn coplanar_overlap_areas_as_worked_by_hand() {
        let t1 = [p(0.0, 0.0, 0.0), p(2.0, 0.0, 0.0), p(0.0, 2.0, 0.0)];
        let t2 = [p(0.0, 0.0, 0.0), p(2.0, 0.0, 0.0), p(2.0, 2.0, 0.0)];
        let turn = crate::Rotation::from_quaternion([0.9, 0.3, -0.2, 0.25]);
        let turned = |t: [Point3; 3]| t.map(|q| turn.point(q));
        let reversed = |t: [Point3; 3]| [t[2], t[1], t[0]];
        for (x, y) in [(t1, t2), (turned(t1), turned(t2))] {
            for (x, y) in [(x, y), (y, x), (reversed(x), y), (x, reversed(y))] {
                let area = coplanar_overlap_area(x, y);
                assert!((area - 1.0).abs() < 1e-12, "{area}");
            }
            // Identical: the whole triangle, 2.
            assert!((coplanar_overlap_area(x, x) - 2.0).abs() < 1e-12);
        }
        // Sharing only an edge, or apart: no area.
        let beside = [p(0.0, 0.0, 0.0), p(0.0, 2.0, 0.0), p(-1.0, 1.0, 0.0)];
        assert_eq!(coplanar_overlap_area(t1, beside), 0.0);
        let apart = [p(3.0, 3.0, 0.0), p(4.0, 3.0, 0.0), p(3.0, 4.0, 0.0)];
        assert_eq!(coplanar_overlap_area(t1, apart), 0.0);
        // A small triangle inside a large one: all of the small one.
        let small = [p(0.25, 0.25, 0.0), p(0.75, 0.25, 0.0), p(0.25, 0.75, 0.0)];
        assert!((coplanar_overlap_area(t1, small) - 0.125).abs() < 1e-15);
        assert!((coplanar_overlap_area(small, t1) - 0.125).abs() < 1e-15);
    }

    /// Uniform numbers in [0, `scale`) from a xorshift generator seeded with `seed`.
    fn uniform(seed: u64, scale: f64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * scale
        }
    }

    fn flat() -> [Point3; 3] {
        [p(0.0, 0.0, 0.0), p(4.0, 0.0, 0.0), p(0.0, 4.0, 0.0)]
    }

    /// The contact must not depend on the order of the triangles or of their vertices.
    fn classify(a: [Point3; 3], b: [Point3; 3]) -> TriangleContact {
        let c = triangle_contact(a, b);
        for (x, y) in [(a, b), (b, a)] {
            for k in 0..3 {
                let rot = [x[k], x[(k + 1) % 3], x[(k + 2) % 3]];
                let rev = [x[(k + 2) % 3], x[(k + 1) % 3], x[k]];
                assert_eq!(triangle_contact(rot, y), c, "{rot:?} {y:?}");
                assert_eq!(triangle_contact(rev, y), c, "{rev:?} {y:?}");
            }
        }
        c
    }

    #[test]
    fn crossing_touching_and_apart() {
        // A vertical triangle through the middle of the flat one.
        let through = [p(1.0, 1.0, -1.0), p(1.0, 1.0, 1.0), p(2.0, 0.5, 1.0)];
        assert_eq!(classify(flat(), through), Crossing);
        // Its lowest vertex exactly on the flat one's interior.
        let on = [p(1.0, 1.0, 0.0), p(1.0, 2.0, 1.0), p(2.0, 1.0, 1.0)];
        assert_eq!(classify(flat(), on), Touching);
        // An edge lying in the flat one's plane, across it.
        let edge = [p(1.0, -1.0, 0.0), p(1.0, 5.0, 0.0), p(1.0, 2.0, 3.0)];
        assert_eq!(classify(flat(), edge), Touching);
        // Lifted by the smallest step above 1e-12: apart.
        let above = [p(1.0, 1.0, 1e-12), p(1.0, 2.0, 1.0), p(2.0, 1.0, 1.0)];
        assert_eq!(classify(flat(), above), Disjoint);
        // Beside, crossing the plane but outside the triangle.
        let beside = [p(5.0, 5.0, -1.0), p(5.0, 5.0, 1.0), p(6.0, 5.0, 1.0)];
        assert_eq!(classify(flat(), beside), Disjoint);
    }

    #[test]
    fn neighbours_sharing_an_edge_touch() {
        // Two faces of a tetrahedron.
        let a = [p(0.0, 0.0, 0.0), p(1.0, 0.0, 0.0), p(0.0, 1.0, 0.0)];
        let b = [p(0.0, 0.0, 0.0), p(1.0, 0.0, 0.0), p(0.0, 0.0, 1.0)];
        assert_eq!(classify(a, b), Touching);
        // Two faces of a fan sharing only a vertex.
        let c = [p(0.0, 0.0, 0.0), p(-1.0, 0.0, 1.0), p(0.0, -1.0, 1.0)];
        assert_eq!(classify(a, c), Touching);
    }

    #[test]
    fn coplanar_pairs() {
        let overlapping = [p(1.0, 1.0, 0.0), p(5.0, 1.0, 0.0), p(1.0, 5.0, 0.0)];
        assert_eq!(classify(flat(), overlapping), Coplanar);
        let shared_edge = [p(4.0, 0.0, 0.0), p(0.0, 4.0, 0.0), p(4.0, 4.0, 0.0)];
        assert_eq!(classify(flat(), shared_edge), Coplanar);
        let inside = [p(0.5, 0.5, 0.0), p(1.0, 0.5, 0.0), p(0.5, 1.0, 0.0)];
        assert_eq!(classify(flat(), inside), Coplanar);
        let apart = [p(3.0, 3.0, 0.0), p(5.0, 3.0, 0.0), p(3.0, 5.0, 0.0)];
        assert_eq!(classify(flat(), apart), Disjoint);
        // Tilted plane x + y + z = 1, projected on its largest axis.
        let t = [p(1.0, 0.0, 0.0), p(0.0, 1.0, 0.0), p(0.0, 0.0, 1.0)];
        let u = [p(0.5, 0.5, 0.0), p(0.5, 0.0, 0.5), p(2.0, -0.5, -0.5)];
        assert_eq!(classify(t, u), Coplanar);
    }

    #[test]
    fn the_near_degenerate_pair_of_geogram_issue_10_is_apart() {
        // BrunoLevy/geogram#10: an assertion fired on this pair, which does not intersect.
        let t0 = [
            p(1898.68, 775.0, 1158.48),
            p(2000.0, 775.0, 1166.7),
            p(1898.68, 675.0, 1148.6),
        ];
        let t1 = [
            p(1966.41, 675.0, 1163.79),
            p(1971.63, 675.0, 1166.95),
            p(1967.56, 684.554, 1166.67),
        ];
        assert_eq!(classify(t0, t1), Disjoint);
    }

    #[test]
    fn distances_between_triangles_by_hand() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // A parallel copy 0.3 above: the gap.
        let lifted = flat().map(|v| p(v.x, v.y, v.z + 0.3));
        close(triangle_distance(flat(), lifted), 0.3);
        // A vertex 2 above the interior.
        let over = [p(1.0, 1.0, 2.0), p(1.0, 2.0, 5.0), p(2.0, 1.0, 5.0)];
        close(triangle_distance(flat(), over), 2.0);
        // Skew edges: the hypotenuse x + y = 4 (z = 0) and a segment along z at (3, 3),
        // 1/√2 of the way out: distance √2.
        let post = [p(3.0, 3.0, -1.0), p(3.0, 3.0, 1.0), p(6.0, 6.0, 0.0)];
        close(triangle_distance(flat(), post), std::f64::consts::SQRT_2);
        // Meeting pairs are at zero.
        let through = [p(1.0, 1.0, -1.0), p(1.0, 1.0, 1.0), p(2.0, 0.5, 1.0)];
        assert_eq!(triangle_distance(flat(), through), 0.0);
    }

    #[test]
    fn the_float_filter_agrees_with_the_exact_test_whenever_it_decides() {
        let mut next = uniform(0x1234_5678_9abc_def1u64, 2.0);
        let (mut decided, mut crossing) = (0, 0);
        for k in 0..20_000 {
            // Far from the origin half the time, as survey coordinates are.
            let o = if k % 2 == 0 { 0.0 } else { 500_000.0 };
            let mut tri = || [0; 3].map(|_| p(o + next(), o + next(), next()));
            let (a, b) = (tri(), tri());
            let exact = triangle_contact(a, b);
            match filtered_contact(a, b) {
                FilteredContact::Disjoint => {
                    decided += 1;
                    assert_eq!(exact, Disjoint);
                }
                FilteredContact::Crossing => {
                    decided += 1;
                    crossing += 1;
                    assert_eq!(exact, Crossing);
                }
                FilteredContact::Undecided => {}
            }
        }
        assert!(
            decided > 19_900 && crossing > 1000,
            "{decided} decided, {crossing} crossing"
        );
        // Touching and coplanar pairs are never decided by the filter.
        let f = flat();
        assert_eq!(filtered_contact(f, f), FilteredContact::Undecided);
        let poke = [p(1.0, 1.0, 0.0), p(1.0, 1.0, 2.0), p(2.0, 1.0, 2.0)];
        assert_eq!(filtered_contact(f, poke), FilteredContact::Undecided);
    }

    #[test]
    fn segments_through_triangles_by_hand() {
        let f = flat();
        let hit = segment_triangle(p(1.0, 1.0, -1.0), p(1.0, 1.0, 3.0), f).expect("pierces");
        assert!(hit.distance(p(1.0, 1.0, 0.0)) < 1e-15);
        // Through an edge and through a vertex: still met (closure).
        assert!(segment_triangle(p(2.0, 0.0, -1.0), p(2.0, 0.0, 1.0), f).is_some());
        assert!(segment_triangle(p(0.0, 0.0, -1.0), p(0.0, 0.0, 1.0), f).is_some());
        // Ending on the plane inside: the end point.
        assert_eq!(
            segment_triangle(p(1.0, 1.0, 0.0), p(1.0, 1.0, 2.0), f),
            Some(p(1.0, 1.0, 0.0))
        );
        // Missing, above, in the plane.
        assert!(segment_triangle(p(3.0, 3.0, -1.0), p(3.0, 3.0, 1.0), f).is_none());
        assert!(segment_triangle(p(1.0, 1.0, 1.0), p(1.0, 1.0, 2.0), f).is_none());
        assert!(segment_triangle(p(-1.0, 1.0, 0.0), p(5.0, 1.0, 0.0), f).is_none());
    }

    #[test]
    fn coplanar_interiors_overlap_only_for_shared_area() {
        let f = flat();
        assert!(coplanar_interiors_overlap(f, f));
        // Shifted half way: overlapping area.
        assert!(coplanar_interiors_overlap(
            f,
            f.map(|v| p(v.x + 1.0, v.y, 0.0))
        ));
        // Sharing only the hypotenuse (the other half of the square): no area.
        let other = [p(4.0, 0.0, 0.0), p(4.0, 4.0, 0.0), p(0.0, 4.0, 0.0)];
        assert!(!coplanar_interiors_overlap(f, other));
        // Sharing a vertex only, and apart.
        assert!(!coplanar_interiors_overlap(
            f,
            f.map(|v| p(v.x + 4.0, v.y, 0.0))
        ));
        assert!(!coplanar_interiors_overlap(
            f,
            f.map(|v| p(v.x + 5.0, v.y, 0.0))
        ));
        // A small triangle inside, all vertices on the big one's edges.
        let inner = [p(2.0, 0.0, 0.0), p(2.0, 2.0, 0.0), p(0.0, 2.0, 0.0)];
        assert!(coplanar_interiors_overlap(f, inner));
        // Not coplanar.
        assert!(!coplanar_interiors_overlap(f, f.map(|v| p(v.x, v.y, 1e-9))));
    }

    #[test]
    fn intersection_segments_by_hand() {
        let near = |a: Point3, b: Point3| assert!(a.distance(b) < 1e-12, "{a:?} vs {b:?}");
        // A triangle in x = 1 crossing the flat one: its cut of z = 0 runs y ∈ [-1/3, 7/3],
        // the flat one's cut of x = 1 runs y ∈ [0, 3]; they share y ∈ [0, 7/3].
        let wall = [p(1.0, -1.0, -1.0), p(1.0, 3.0, -1.0), p(1.0, 1.0, 2.0)];
        let [a, b] = intersection_segment(flat(), wall).expect("they cross");
        let (a, b) = if a.y <= b.y { (a, b) } else { (b, a) };
        near(a, p(1.0, 0.0, 0.0));
        near(b, p(1.0, 7.0 / 3.0, 0.0));
        // Touching at one vertex: a zero-length segment at the vertex.
        let poke = [p(1.0, 1.0, 0.0), p(1.0, 1.0, 2.0), p(2.0, 1.0, 2.0)];
        let [a, b] = intersection_segment(flat(), poke).expect("they touch");
        near(a, p(1.0, 1.0, 0.0));
        near(b, p(1.0, 1.0, 0.0));
        // Disjoint and coplanar pairs have none.
        assert!(intersection_segment(flat(), flat().map(|v| p(v.x, v.y, 1.0))).is_none());
        assert!(intersection_segment(flat(), flat()).is_none());
        // The closest points of meeting triangles are one common point, on both.
        let c = closest_points(flat(), wall);
        assert_eq!(c.distance, 0.0);
        assert!((c.on_first.x - 1.0).abs() < 1e-12 && c.on_first.z.abs() < 1e-12);
        // Of a lifted copy: straight above each other, 0.3 apart.
        let c = closest_points(flat(), flat().map(|v| p(v.x, v.y, 0.3)));
        assert!((c.distance - 0.3).abs() < 1e-12);
        near(c.on_second, c.on_first + Vector3::new(0.0, 0.0, 0.3));
    }

    #[test]
    fn distances_bound_sampled_point_pairs() {
        // For random disjoint pairs, the distance is at most that of any two sampled points
        // and within the sampling's resolution of the closest sampled pair.
        let mut next = uniform(0x9e37_79b9_7f4a_7c15u64, 2.0);
        let samples = |t: [Point3; 3]| {
            let n = 24;
            let mut out = Vec::new();
            for i in 0..=n {
                for j in 0..=n - i {
                    let (u, v) = (i as f64 / n as f64, j as f64 / n as f64);
                    out.push(t[0] + (t[1] - t[0]) * u + (t[2] - t[0]) * v);
                }
            }
            out
        };
        for _ in 0..200 {
            let mut tri = |dx: f64| {
                [
                    p(next() + dx, next(), next()),
                    p(next() + dx, next(), next()),
                    p(next() + dx, next(), next()),
                ]
            };
            let (a, b) = (tri(0.0), tri(1.5));
            let d = triangle_distance(a, b);
            let (sa, sb) = (samples(a), samples(b));
            let sampled = sa
                .iter()
                .flat_map(|x| sb.iter().map(move |y| (*x - *y).length()))
                .fold(f64::INFINITY, f64::min);
            assert!(d <= sampled + 1e-12, "{d} > {sampled}");
            assert!(sampled - d <= 0.2, "{d} far below {sampled}");
        }
    }

    #[test]
    fn far_from_the_origin_the_answers_hold() {
        // The crossing pair moved 1e7 along every axis: exact predicates do not care.
        let at = |t: [Point3; 3]| t.map(|v| p(v.x + 1e7, v.y + 1e7, v.z + 1e7));
        let through = [p(1.0, 1.0, -1.0), p(1.0, 1.0, 1.0), p(2.0, 0.5, 1.0)];
        assert_eq!(classify(at(flat()), at(through)), Crossing);
        let on = [p(1.0, 1.0, 0.0), p(1.0, 2.0, 1.0), p(2.0, 1.0, 1.0)];
        assert_eq!(classify(at(flat()), at(on)), Touching);
    }

    /// Whether segment `a`–`b` passes through triangle `t` (f64, with the margin at which
    /// the answer could depend on rounding), by barycentric signs.
    fn pierces(a: Point3, b: Point3, t: [Point3; 3]) -> Option<bool> {
        let d = b - a;
        let (e1, e2) = (t[1] - t[0], t[2] - t[0]);
        let h = d.cross(e2);
        let det = e1.dot(h);
        if det.abs() < 1e-9 {
            return None;
        }
        let s = a - t[0];
        let u = s.dot(h) / det;
        let q = s.cross(e1);
        let v = d.dot(q) / det;
        let w = e2.dot(q) / det;
        let margins = [u, v, 1.0 - u - v, w, 1.0 - w];
        if margins.iter().any(|m| m.abs() < 1e-9) {
            return None;
        }
        Some(margins.iter().all(|m| *m > 0.0))
    }

    #[test]
    fn random_pairs_agree_with_edge_piercing() {
        // Two generic triangles meet iff an edge of one pierces the other; then they
        // cross. Pairs too close to a degenerate configuration for f64 to judge are skipped.
        let mut next = uniform(0x2545_f491_4f6c_dd1du64, 4.0);
        let (mut met, mut apart) = (0, 0);
        for _ in 0..20_000 {
            let mut tri = || {
                [
                    p(next(), next(), next()),
                    p(next(), next(), next()),
                    p(next(), next(), next()),
                ]
            };
            let (a, b) = (tri(), tri());
            let mut verdicts = Vec::new();
            for (x, y) in [(a, b), (b, a)] {
                for k in 0..3 {
                    verdicts.push(pierces(x[k], x[(k + 1) % 3], y));
                }
            }
            if verdicts.iter().any(Option::is_none) {
                continue;
            }
            let expected = verdicts.contains(&Some(true));
            let got = triangle_contact(a, b);
            if expected {
                met += 1;
                assert_eq!(got, Crossing, "{a:?} {b:?}");
            } else {
                apart += 1;
                assert_eq!(got, Disjoint, "{a:?} {b:?}");
            }
        }
        assert!(met > 1000 && apart > 1000, "{met} {apart}");
    }
}

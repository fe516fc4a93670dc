//! One pair of objects: do they clash, and how.

use cicada_geom::mesh_contact::{ContactScan, closest_pair, first_crossing};
use cicada_geom::triangle_contact::{
    TriangleContact, closest_points, coplanar_interiors_overlap, intersection_segment,
};
use cicada_geom::{Point3, Vector3};

use crate::ClashObject;
use crate::depth::penetration;
use crate::inside::is_inside;

/// Which tests run, with their tolerances in model units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tests {
    /// Hard clashes: surfaces that pass through each other deeper than this.
    pub hard: Option<f64>,
    /// Clearance clashes: objects closer than this.
    pub clearance: Option<f64>,
    /// Duplicates: objects that coincide within this.
    pub duplicates: Option<f64>,
    /// Containment: an object wholly inside a closed one.
    pub containment: bool,
    /// Decide on the worst case the tessellation error allows (a clash is reported when
    /// the true surfaces could clash), as Navisworks' "Hard (Conservative)".
    pub conservative: bool,
}

impl Tests {
    /// How far apart two objects' bounds may be and still clash, for the broad phase,
    /// given the largest deviation of any object.
    pub fn margin(&self, max_deviation: f64) -> f64 {
        let slack = if self.conservative {
            2.0 * max_deviation
        } else {
            0.0
        };
        let clearance = self.clearance.unwrap_or(0.0) + slack;
        clearance
            .max(self.duplicates.unwrap_or(0.0))
            .max(if self.hard.is_some() { slack } else { 0.0 })
    }
}

/// The type of a clash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClashKind {
    /// Surfaces pass through each other deeper than the hard tolerance.
    Hard,
    /// One object wholly inside a closed other, their surfaces apart.
    Containment,
    /// The two coincide within the duplicate tolerance.
    Duplicate,
    /// Closer than the clearance distance (including meeting or shallow penetration).
    Clearance,
}

/// Which object of a containment is the inner one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    /// The first object is inside the second.
    A,
    /// The second object is inside the first.
    B,
}

/// One clash between objects `a` and `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clash {
    /// The first object (the lower index).
    pub a: u32,
    /// The second object.
    pub b: u32,
    /// The type.
    pub kind: ClashKind,
    /// Least distance between the surfaces (0 when they meet; for duplicates, the largest
    /// distance of either surface from the other).
    pub distance: f64,
    /// Penetration depth estimate (hard and containment clashes, and clearance clashes
    /// whose surfaces cross); 0 otherwise.
    pub depth: f64,
    /// Direction to move `b` by `depth` to clear `a`, where there is a depth.
    pub axis: Option<Vector3>,
    /// A point of `a` where the clash is: on the intersection of the surfaces when they
    /// meet, else the point of `a` closest to `b`.
    pub point_a: Point3,
    /// The matching point of `b`.
    pub point_b: Point3,
    /// How far the true surfaces may lie from the meshes measured (sum of both objects'
    /// tessellation deviations): distance and depth are within this of the truth.
    pub uncertainty: f64,
    /// For a containment, which object is inside.
    pub inner: Option<Inner>,
}

/// Decides one pair of objects (indices `ia`, `ib`) against the tests: at most one clash,
/// the first that applies of duplicate, hard, containment and clearance.
pub fn examine(ia: u32, a: &ClashObject, ib: u32, b: &ClashObject, tests: &Tests) -> Option<Clash> {
    examine_scanned(ia, a, ib, b, tests, None)
}

/// [`examine`] with the pair's contact scan already made (by a device: the same scan as
/// `first_crossing`'s, see `cicada_compute::clash`); `None` makes it here.
pub fn examine_scanned(
    ia: u32,
    a: &ClashObject,
    ib: u32,
    b: &ClashObject,
    tests: &Tests,
    scan: Option<ContactScan>,
) -> Option<Clash> {
    let uncertainty = a.deviation + b.deviation;
    let slack = if tests.conservative { uncertainty } else { 0.0 };
    let clash = |kind, distance, depth, axis, point_a, point_b| Clash {
        a: ia,
        b: ib,
        kind,
        distance,
        depth,
        axis,
        point_a,
        point_b,
        uncertainty,
        inner: None,
    };
    if let Some(d) = tests
        .duplicates
        .and_then(|tolerance| duplicate_distance(a, b, tolerance))
    {
        let (pa, pb) = (a.bounds.center(), b.bounds.center());
        return Some(clash(ClashKind::Duplicate, d, 0.0, None, pa, pb));
    }
    let scan = scan.unwrap_or_else(|| first_crossing(&a.triangles, &a.bvh, &b.triangles, &b.bvh));
    if let Some(point) = interiors_meet(a, b, &scan) {
        let pen = penetration(a, b);
        let mut c = clash(
            ClashKind::Hard,
            0.0,
            pen.depth,
            Some(pen.axis),
            point,
            point,
        );
        // A depth within the coordinates' rounding is no penetration: faces flush in the
        // model, turned or moved, cross by an ulp.
        let noise = rounding_depth(a, b);
        if pen.depth <= noise {
            c.depth = 0.0;
        }
        if tests.hard.is_some_and(|t| pen.depth + slack > t.max(noise)) {
            return Some(c);
        }
        if tests.clearance.is_some_and(|d| d > 0.0) {
            c.kind = ClashKind::Clearance;
            return Some(c);
        }
        return None;
    }
    if let Some(first) = scan.others.first() {
        // Touching, no crossing: distance 0, nothing to penetrate (unless the true
        // surfaces, off the meshes by up to the uncertainty, could cross).
        let point =
            closest_points(a.triangles[first.a as usize], b.triangles[first.b as usize]).on_first;
        if tests.hard.is_some_and(|t| slack > t) {
            return Some(clash(ClashKind::Hard, 0.0, 0.0, None, point, point));
        }
        if tests.clearance.is_some_and(|d| d > 0.0) {
            return Some(clash(ClashKind::Clearance, 0.0, 0.0, None, point, point));
        }
        return None;
    }
    if let Some(c) = tests.containment.then(|| containment(a, b)).flatten() {
        let limit = f64::INFINITY;
        let (inner_first, outer, inner) = match c {
            Inner::A => (true, b, a),
            Inner::B => (false, a, b),
        };
        let gap = closest_pair(
            &inner.triangles,
            &inner.bvh,
            &outer.triangles,
            &outer.bvh,
            limit,
        );
        let pen = penetration(a, b);
        let (pi, po, d) = gap.map_or((inner.vertices[0], inner.vertices[0], 0.0), |g| {
            (g.points.on_first, g.points.on_second, g.points.distance)
        });
        let (pa, pb) = if inner_first { (pi, po) } else { (po, pi) };
        let mut out = clash(ClashKind::Containment, d, pen.depth, Some(pen.axis), pa, pb);
        out.inner = Some(c);
        return Some(out);
    }
    let reach = tests
        .clearance
        .unwrap_or(0.0)
        .max(if tests.hard.is_some() { slack } else { 0.0 });
    if reach <= 0.0 {
        return None;
    }
    let near = closest_pair(&a.triangles, &a.bvh, &b.triangles, &b.bvh, reach + slack)?;
    let (d, pa, pb) = (
        near.points.distance,
        near.points.on_first,
        near.points.on_second,
    );
    if tests.hard.is_some_and(|t| d < slack && slack > t) {
        return Some(clash(ClashKind::Hard, d, 0.0, None, pa, pb));
    }
    if tests.clearance.is_some_and(|c| d - slack < c) {
        return Some(clash(ClashKind::Clearance, d, 0.0, None, pa, pb));
    }
    None
}

/// The depth rounding alone can make: 64 ulps of the largest coordinate of the two objects
/// (a vertex turned or moved is off by about one; the depth compares a few of them).
fn rounding_depth(a: &ClashObject, b: &ClashObject) -> f64 {
    let (x, y) = (a.bounds, b.bounds);
    let largest = [x.min, x.max, y.min, y.max]
        .iter()
        .flat_map(|p| [p.x.abs(), p.y.abs(), p.z.abs()])
        .fold(0.0, f64::max);
    64.0 * f64::EPSILON * largest
}

/// A point where the two objects pass into each other, given their contact scan:
/// where two triangles' interiors cross; or, for two solids whose surfaces only touch,
/// where flush faces overlap facing the same way (both solids on one side: a beam flush
/// with the side of a column it runs into), or a vertex of one strictly inside the other.
fn interiors_meet(a: &ClashObject, b: &ClashObject, scan: &ContactScan) -> Option<Point3> {
    if let Some(c) = &scan.crossing {
        let (x, y) = (a.triangles[c.a as usize], b.triangles[c.b as usize]);
        return Some(intersection_segment(x, y).map_or(x[0], |[p, q]| p.lerp(q, 0.5)));
    }
    let contacts = &scan.others;
    if contacts.is_empty() || !a.closed || !b.closed {
        return None;
    }
    let normal = |t: [Point3; 3], sign: f64| (t[1] - t[0]).cross(t[2] - t[0]) * sign;
    for c in contacts
        .iter()
        .filter(|c| c.contact == TriangleContact::Coplanar)
    {
        let (x, y) = (a.triangles[c.a as usize], b.triangles[c.b as usize]);
        if normal(x, a.outward).dot(normal(y, b.outward)) > 0.0 && coplanar_interiors_overlap(x, y)
        {
            return Some(closest_points(x, y).on_first);
        }
    }
    vertex_strictly_inside(b, a).or_else(|| vertex_strictly_inside(a, b))
}

/// A vertex of `x` inside the closed `y` and off its surface, if any.
fn vertex_strictly_inside(x: &ClashObject, y: &ClashObject) -> Option<Point3> {
    let size = y.bounds.size().length();
    let yb = y.bounds;
    x.vertices.iter().copied().find(|&p| {
        let in_box = p.x > yb.min.x
            && p.y > yb.min.y
            && p.z > yb.min.z
            && p.x < yb.max.x
            && p.y < yb.max.y
            && p.z < yb.max.z;
        // On the surface (to rounding) the winding number is a fraction; decide only off it.
        in_box && y.bvh.closest_point(p, 1e-9 * size).is_none() && is_inside(&y.triangles, p)
    })
}

/// Whether one object lies inside the other, given that their surfaces do not meet: then
/// one vertex decides for the whole object.
fn containment(a: &ClashObject, b: &ClashObject) -> Option<Inner> {
    let within = |x: &ClashObject, y: &ClashObject| {
        let (xb, yb) = (x.bounds, y.bounds);
        xb.min.x >= yb.min.x
            && xb.min.y >= yb.min.y
            && xb.min.z >= yb.min.z
            && xb.max.x <= yb.max.x
            && xb.max.y <= yb.max.y
            && xb.max.z <= yb.max.z
    };
    if b.closed && !a.vertices.is_empty() && within(a, b) && is_inside(&b.triangles, a.vertices[0])
    {
        return Some(Inner::A);
    }
    if a.closed && !b.vertices.is_empty() && within(b, a) && is_inside(&a.triangles, b.vertices[0])
    {
        return Some(Inner::B);
    }
    None
}

/// The larger of the two one-sided distances of the surfaces (sampled at vertices and
/// triangle centroids) when both are within `tolerance`; `None` otherwise.
fn duplicate_distance(a: &ClashObject, b: &ClashObject, tolerance: f64) -> Option<f64> {
    let (x, y) = (a.bounds, b.bounds);
    let near = |p: f64, q: f64| (p - q).abs() <= tolerance;
    let bounds_match = near(x.min.x, y.min.x)
        && near(x.min.y, y.min.y)
        && near(x.min.z, y.min.z)
        && near(x.max.x, y.max.x)
        && near(x.max.y, y.max.y)
        && near(x.max.z, y.max.z);
    if !bounds_match {
        return None;
    }
    let one_sided = |from: &ClashObject, to: &ClashObject| -> Option<f64> {
        let centroids = from.triangles.iter().map(|t| {
            Point3::new(
                (t[0].x + t[1].x + t[2].x) / 3.0,
                (t[0].y + t[1].y + t[2].y) / 3.0,
                (t[0].z + t[1].z + t[2].z) / 3.0,
            )
        });
        let mut worst = 0.0f64;
        for p in from.vertices.iter().copied().chain(centroids) {
            let (_, d, _) = to.bvh.closest_point(p, tolerance)?;
            worst = worst.max(d);
        }
        Some(worst)
    };
    Some(one_sided(a, b)?.max(one_sided(b, a)?))
}

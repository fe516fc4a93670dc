//! `intersect`: where objects meet, each pair by the best method its kinds allow, pairs in
//! parallel: two NURBS surfaces exactly (`surface_surface`), Breps with surfaces or Breps
//! exactly on their faces, clipped by the trims and joined across edges (`brep_brep`), a
//! NURBS curve and a surface or Brep exactly (`curve_surface`, `curve_brep`), two curves
//! exactly (`curve_curve`: points and overlaps), a NURBS surface or Brep and a mesh
//! exactly on both (`surface_mesh`, `brep_mesh`), a curve and a mesh by the curve's
//! polyline refined onto the triangles (`curve_mesh`), two meshes as meshes
//! (`mesh_intersection`).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use cicada_clash::broad::candidate_pairs;
use cicada_geom::brep_intersection::{
    BrepStation, Face, brep_brep, brep_mesh, curve_brep, rest_on_each_other, rests_on_mesh,
};
use cicada_geom::bvh::Bvh;
use cicada_geom::curve_intersection::curve_curve;
use cicada_geom::mesh_intersection::{flush_area, mesh_intersection, meshes_touch_along};
use cicada_geom::nurbs::{NurbsCurve, NurbsSurface, fit_cubic};
use cicada_geom::nurbs_intersection::{curve_mesh, curve_surface_seeded, surface_surface_seeded};
use cicada_geom::surface_mesh_intersection::surface_mesh_seeded;
use cicada_geom::{Aabb, Point3};
use rayon::prelude::*;

use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "intersect@7";

/// What an object is, for intersecting.
pub enum Shape {
    /// A mesh's triangles and their hierarchy.
    Triangles {
        /// The triangles.
        triangles: Vec<[Point3; 3]>,
        /// Their hierarchy.
        bvh: Bvh,
    },
    /// A NURBS surface, as one whole face (which keeps its seeding mesh for every pair).
    Surface {
        /// The surface.
        face: Box<Face>,
    },
    /// A Brep's trimmed faces.
    Brep {
        /// The faces, their trims sampled to the job's tolerance.
        faces: Vec<Face>,
        /// Where the Brep lies.
        bounds: Aabb,
        /// Its tessellation, on which the area it lies flush on another is measured.
        triangles: Vec<[Point3; 3]>,
        /// Their hierarchy, made for the first such pair (most Breps never have one).
        bvh: OnceLock<Bvh>,
    },
    /// A NURBS curve.
    Curve(NurbsCurve),
}

impl Shape {
    /// Triangles with their hierarchy built.
    pub fn triangles(triangles: Vec<[Point3; 3]>) -> Shape {
        Shape::Triangles {
            bvh: Bvh::new(&triangles),
            triangles,
        }
    }

    /// A surface.
    pub fn surface(surface: NurbsSurface) -> Shape {
        Shape::Surface {
            face: Box::new(Face::whole(surface)),
        }
    }

    /// A Brep from its faces and its tessellation (which bounds it).
    pub fn brep(faces: Vec<Face>, triangles: Vec<[Point3; 3]>) -> Shape {
        Shape::Brep {
            faces,
            bounds: triangles.iter().flatten().copied().collect(),
            triangles,
            bvh: OnceLock::new(),
        }
    }

    /// Where the shape lies (curves and surfaces within their control points' hull).
    pub fn bounds(&self) -> Aabb {
        match self {
            Shape::Triangles { triangles, .. } => triangles.iter().flatten().copied().collect(),
            Shape::Surface { face } => face.bounds,
            Shape::Brep { bounds, .. } => *bounds,
            Shape::Curve(c) => c.control_points().into_iter().collect(),
        }
    }

    /// `f` of the triangles standing for the shape (a mesh's own, a Brep's tessellation, a
    /// surface's seeding mesh for `tolerance`) and their hierarchy; `None` for a curve.
    fn on_triangles<R>(
        &self,
        tolerance: f64,
        f: impl FnOnce(&[[Point3; 3]], &Bvh) -> R,
    ) -> Option<R> {
        match self {
            Shape::Triangles { triangles, bvh } => Some(f(triangles, bvh)),
            Shape::Brep { triangles, bvh, .. } => {
                Some(f(triangles, bvh.get_or_init(|| Bvh::new(triangles))))
            }
            Shape::Surface { face } => {
                let seeds = face.seeds(tolerance);
                let (triangles, bvh) = seeds.mesh();
                Some(f(triangles, bvh))
            }
            Shape::Curve(_) => None,
        }
    }

    /// The shape as exact faces: a Brep's, or a surface as one whole face; `None` for
    /// meshes and curves.
    fn faces(&self) -> Option<&[Face]> {
        match self {
            Shape::Brep { faces, .. } => Some(faces),
            Shape::Surface { face } => Some(std::slice::from_ref(face.as_ref())),
            Shape::Triangles { .. } | Shape::Curve(_) => None,
        }
    }
}

/// The parameters of a curve's points on the first and on the second object, where that
/// object is a surface or Brep.
pub type SurfaceParameters = (Option<Vec<[f64; 2]>>, Option<Vec<[f64; 2]>>);

/// One intersection curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Points in order.
    pub points: Vec<Point3>,
    /// True for a loop.
    pub closed: bool,
    /// Parameters on the two objects, for those that are surfaces or Breps.
    pub uv: SurfaceParameters,
    /// The face of each point on the first and on the second object, for a Brep (the
    /// parameters are on those faces).
    pub faces: (Option<Vec<u32>>, Option<Vec<u32>>),
    /// The cubic fit, when asked for and found.
    pub fitted: Option<NurbsCurve>,
    /// True where the objects touch along the curve rather than cross.
    pub tangent: bool,
}

/// One intersection point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Where.
    pub point: Point3,
    /// Curve parameter (on the first curve of two).
    pub t: Option<f64>,
    /// Parameter on the second curve of two.
    pub t_b: Option<f64>,
    /// Surface parameters.
    pub uv: Option<[f64; 2]>,
    /// The Brep face that `uv` lies on.
    pub face: Option<u32>,
    /// Touching, not crossing.
    pub tangent: bool,
}

/// Where one pair meets.
#[derive(Clone, Debug, PartialEq)]
pub struct PairIntersection {
    /// First object.
    pub a: u32,
    /// Second object.
    pub b: u32,
    /// True when intersected on the NURBS, false as meshes.
    pub exact: bool,
    /// Curves.
    pub curves: Vec<Curve>,
    /// Points.
    pub points: Vec<Point>,
    /// Coplanar triangle pairs sharing an area.
    pub coplanar: u32,
    /// The area over which the objects lie flush: those pairs' shared area, or for an
    /// overlap of surfaces or Breps (or a Brep resting on a mesh) the area measured on
    /// their tessellations.
    pub coplanar_area: f64,
    /// Two surfaces, or faces of two Breps, coincide over an area (its edges, or its
    /// outline, are among the curves).
    pub overlap: bool,
}

/// Every listed pair (or, when `pairs` is `None`, every pair whose bounds come within
/// `tolerance`) intersected to `tolerance`; only pairs that meet are returned, in pair
/// order. `fit` asks for a cubic fit of each curve.
pub fn intersect(
    shapes: &[Shape],
    pairs: Option<Vec<(u32, u32)>>,
    tolerance: f64,
    fit: bool,
    progress: &dyn Progress,
) -> Result<(Vec<PairIntersection>, usize), Cancelled> {
    let pairs = pairs.unwrap_or_else(|| {
        let bounds: Vec<Aabb> = shapes.iter().map(Shape::bounds).collect();
        candidate_pairs(&bounds, tolerance, |_, _| true)
    });
    let total = pairs.len().max(1) as f32;
    let done = AtomicUsize::new(0);
    let found: Vec<Option<PairIntersection>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            progress.check()?;
            let pair = intersect_pair(
                i,
                &shapes[i as usize],
                j,
                &shapes[j as usize],
                tolerance,
                fit,
            );
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.report(n as f32 / total, "intersecting pairs");
            Ok(pair)
        })
        .collect::<Result<_, Cancelled>>()?;
    Ok((found.into_iter().flatten().collect(), pairs.len()))
}

/// One pair, by the exact method when both are NURBS of kinds that have one.
fn intersect_pair(
    ia: u32,
    a: &Shape,
    ib: u32,
    b: &Shape,
    tolerance: f64,
    fit: bool,
) -> Option<PairIntersection> {
    let mut pair = PairIntersection {
        a: ia,
        b: ib,
        exact: false,
        curves: Vec::new(),
        points: Vec::new(),
        coplanar: 0,
        coplanar_area: 0.0,
        overlap: false,
    };
    let point = |point: Point3, t: Option<f64>, uv: Option<[f64; 2]>, tangent: bool| Point {
        point,
        t,
        t_b: None,
        uv,
        face: None,
        tangent,
    };
    let is_brep = |s: &Shape| matches!(s, Shape::Brep { .. });
    match (a, b) {
        (Shape::Surface { face: fa }, Shape::Surface { face: fb }) => {
            pair.exact = true;
            let (sa, sb) = (&fa.surface, &fb.surface);
            let cut = surface_surface_seeded(
                sa,
                &fa.seeds(tolerance),
                sb,
                &fb.seeds(tolerance),
                tolerance,
            );
            for c in cut.curves {
                // A surface ending on the other from one side touches it, as Breps do.
                let stations = on_one_face(&c.points, &c.uv_a, Some(&c.uv_b));
                let (one_a, one_b) = (std::slice::from_ref(&**fa), std::slice::from_ref(&**fb));
                let tangent =
                    c.tangent || rest_on_each_other(one_a, one_b, &stations, c.closed, tolerance);
                pair.curves.push(Curve {
                    tangent,
                    ..curve(
                        &c.points,
                        c.closed,
                        (Some(c.uv_a), Some(c.uv_b)),
                        tolerance,
                        fit,
                    )
                });
            }
            for (p, uv, _) in cut.tangent_points {
                pair.points.push(point(p, None, Some(uv), true));
            }
            pair.overlap = cut.overlap;
            if cut.overlap {
                pair.coplanar_area = flush_area_of(a, b, tolerance);
            }
        }
        (
            Shape::Surface { .. } | Shape::Brep { .. },
            Shape::Surface { .. } | Shape::Brep { .. },
        ) => {
            let (fa, fb) = (a.faces()?, b.faces()?);
            pair.exact = true;
            let cut = brep_brep(fa, fb, tolerance);
            for c in cut.curves {
                let points: Vec<Point3> = c.points.iter().map(|s| s.point).collect();
                let uv_a = c.points.iter().map(|s| s.uv_a).collect();
                let uv_b = c.points.iter().map(|s| s.uv_b).collect();
                let mut found = curve(&points, c.closed, (Some(uv_a), Some(uv_b)), tolerance, fit);
                found.faces = (
                    is_brep(a).then(|| c.points.iter().map(|s| s.face_a).collect()),
                    is_brep(b).then(|| c.points.iter().map(|s| s.face_b).collect()),
                );
                found.tangent = c.tangent;
                pair.curves.push(found);
            }
            for t in cut.tangent_points {
                pair.points.push(Point {
                    face: is_brep(a).then_some(t.face_a),
                    ..point(t.point, None, Some(t.uv_a), true)
                });
            }
            pair.overlap = cut.overlap;
            if cut.overlap {
                pair.coplanar_area = flush_area_of(a, b, tolerance);
            }
        }
        (Shape::Curve(c), Shape::Brep { faces, .. })
        | (Shape::Brep { faces, .. }, Shape::Curve(c)) => {
            pair.exact = true;
            for (face, h) in curve_brep(c, faces, tolerance) {
                pair.points.push(Point {
                    face: Some(face),
                    ..point(h.point, Some(h.t), Some(h.uv), h.tangent)
                });
            }
        }
        (Shape::Curve(c), Shape::Surface { face }) | (Shape::Surface { face }, Shape::Curve(c)) => {
            pair.exact = true;
            for h in curve_surface_seeded(c, &face.surface, &face.seeds(tolerance), tolerance) {
                pair.points
                    .push(point(h.point, Some(h.t), Some(h.uv), h.tangent));
            }
        }
        (Shape::Curve(ca), Shape::Curve(cb)) => {
            pair.exact = true;
            let cut = curve_curve(ca, cb, tolerance);
            for p in cut.points {
                pair.points.push(Point {
                    t_b: Some(p.t),
                    ..point(p.point, Some(p.s), None, p.tangent)
                });
            }
            for o in cut.overlaps {
                pair.curves
                    .push(curve(&o.points, false, (None, None), tolerance, fit));
            }
        }
        (Shape::Surface { face }, Shape::Triangles { triangles, bvh })
        | (Shape::Triangles { triangles, bvh }, Shape::Surface { face }) => {
            pair.exact = true;
            let surface_first = matches!(a, Shape::Surface { .. });
            let seeds = face.seeds(tolerance);
            let cut = surface_mesh_seeded(&face.surface, &seeds, triangles, bvh, tolerance);
            for c in cut.curves {
                let stations = on_one_face(&c.points, &c.uv, None);
                let one = std::slice::from_ref(&**face);
                let tangent = c.tangent
                    || rests_on_mesh(one, (triangles, bvh), &stations, c.closed, tolerance);
                // Parameters on the surface's side; a mesh has none.
                let uv = if surface_first {
                    (Some(c.uv), None)
                } else {
                    (None, Some(c.uv))
                };
                pair.curves.push(Curve {
                    tangent,
                    ..curve(&c.points, c.closed, uv, tolerance, fit)
                });
            }
            for (p, uv) in cut.touch_points {
                pair.points.push(point(p, None, Some(uv), true));
            }
            pair.coplanar = cut.coplanar as u32;
            pair.coplanar_area = cut.coplanar_area;
        }
        (Shape::Brep { faces, .. }, Shape::Triangles { triangles, bvh })
        | (Shape::Triangles { triangles, bvh }, Shape::Brep { faces, .. }) => {
            pair.exact = true;
            let brep_first = is_brep(a);
            for c in brep_mesh(faces, triangles, bvh, tolerance) {
                let (uv, faces) = if brep_first {
                    ((Some(c.uv), None), (Some(c.faces), None))
                } else {
                    ((None, Some(c.uv)), (None, Some(c.faces)))
                };
                let mut found = curve(&c.points, c.closed, uv, tolerance, fit);
                found.faces = faces;
                found.tangent = c.tangent;
                pair.curves.push(found);
            }
            // Faces lying flush on the mesh are bounded by curves where they touch.
            if pair.curves.iter().any(|c| c.tangent) {
                pair.coplanar_area = flush_area_of(a, b, tolerance);
            }
        }
        (Shape::Curve(c), Shape::Triangles { triangles, bvh })
        | (Shape::Triangles { triangles, bvh }, Shape::Curve(c)) => {
            for h in curve_mesh(c, triangles, bvh, tolerance) {
                pair.points.push(point(h.point, Some(h.t), None, false));
            }
        }
        (
            Shape::Triangles {
                triangles: ta,
                bvh: ba,
            },
            Shape::Triangles {
                triangles: tb,
                bvh: bb,
            },
        ) => {
            let cut = mesh_intersection(ta, ba, tb, bb, tolerance);
            for p in cut.polylines {
                let tangent = meshes_touch_along((ta, ba), (tb, bb), &p, tolerance);
                pair.curves.push(Curve {
                    tangent,
                    ..curve(&p.points, p.closed, (None, None), tolerance, fit)
                });
            }
            for p in cut.touch_points {
                pair.points.push(point(p, None, None, true));
            }
            pair.coplanar = cut.coplanar.len() as u32;
            pair.coplanar_area = cut.coplanar_area;
        }
    }
    let meets =
        !pair.curves.is_empty() || !pair.points.is_empty() || pair.coplanar > 0 || pair.overlap;
    meets.then_some(pair)
}

/// The area over which shapes `a` and `b` lie flush to `tolerance`, measured on the
/// triangles standing for them: exact for plane faces with straight edges, within the
/// tessellations' chord error elsewhere.
fn flush_area_of(a: &Shape, b: &Shape, tolerance: f64) -> f64 {
    a.on_triangles(tolerance, |ta, ba| {
        b.on_triangles(tolerance, |tb, bb| flush_area(ta, ba, tb, bb, tolerance))
    })
    .flatten()
    .unwrap_or(0.0)
}

/// A curve of one surface (and another, or a mesh) as stations on face 0 of each, for
/// the Brep kernel's questions about it.
fn on_one_face(
    points: &[Point3],
    uv_a: &[[f64; 2]],
    uv_b: Option<&[[f64; 2]]>,
) -> Vec<BrepStation> {
    (0..points.len())
        .map(|k| BrepStation {
            point: points[k],
            face_a: 0,
            uv_a: uv_a[k],
            face_b: 0,
            uv_b: uv_b.map_or([0.0, 0.0], |uv| uv[k]),
        })
        .collect()
}

/// A curve from its points (and parameters), with its cubic fit when asked.
fn curve(
    points: &[Point3],
    closed: bool,
    uv: SurfaceParameters,
    tolerance: f64,
    fit: bool,
) -> Curve {
    let fitted = fit
        .then(|| {
            let mut through = points.to_vec();
            if closed {
                through.push(points[0]);
            }
            fit_cubic(&through, tolerance)
        })
        .flatten()
        .map(|(c, _)| c);
    Curve {
        points: points.to_vec(),
        closed,
        uv,
        faces: (None, None),
        fitted,
        tangent: false,
    }
}

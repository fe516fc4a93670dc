//! Wire types of the `intersect` job: where the scene's objects meet, as curves and
//! points, for fabrication and detailing checks.
//!
//! Every pair with a NURBS side is intersected exactly: surfaces and Brep faces (clipped
//! by their trims, joined across edges) with each other and with meshes (every curve point
//! on both objects to the tolerance, every chord within the tolerance of the true curve,
//! tangent touches as points); curves with surfaces, Breps and curves give points with
//! the parameters of each side (and overlaps of two curves as curves). Two meshes meet in
//! polylines, robust to coplanar faces (faces within the tolerance of one plane count as
//! flush), whose overlaps are counted rather than drawn; the outline of a flush overlap is
//! drawn where the faces beside it end on the other mesh.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::geometry::NurbsCurve;
use crate::packed::Packed;

/// Parameters of an `intersect` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntersectParams {
    /// Pairs of object ids to intersect; default every pair of objects whose bounds meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<[String; 2]>>,
    /// How close intersection points lie to both objects and chords to the true curves,
    /// model units; default the scene's tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Also fit a cubic NURBS curve to each intersection curve, within the tolerance;
    /// default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_curves: Option<bool>,
    /// Chord tolerance of the Breps' tessellation, which checks their trims and bounds
    /// them (their intersections are exact), model units; default 10 × the scene's
    /// tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chord_tolerance: Option<f64>,
}

/// The output of `intersect`: one entry per pair of objects that meet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntersectReport {
    /// Pairs that meet, in the order of their objects in the scene.
    pub pairs: Vec<IntersectPair>,
    /// Pairs looked at (bounds meeting, or listed).
    pub pairs_tested: u64,
}

/// How a pair was intersected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntersectMethod {
    /// Exactly, on the NURBS.
    Nurbs,
    /// As triangle meshes.
    Mesh,
}

/// Where two objects meet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntersectPair {
    /// The first object (`/inputs/scene/surfaces/0`).
    pub a: String,
    /// The second object.
    pub b: String,
    /// First object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_id: Option<String>,
    /// Second object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_id: Option<String>,
    /// How they were intersected.
    pub method: IntersectMethod,
    /// Intersection curves; for two curves, the stretches where they overlap.
    pub curves: Vec<IntersectCurve>,
    /// Intersection points: a curve through a surface or mesh, or surfaces that touch.
    pub points: Vec<IntersectPoint>,
    /// Triangle pairs of the two meshes that lie in one plane and share an area (flush
    /// faces: an overlap region, whose outline is among the curves as touches).
    pub coplanar_triangle_pairs: u32,
    /// The area over which the objects lie flush (model units²), the area of contact: for
    /// meshes, what their coplanar triangle pairs share; for surfaces and Breps that
    /// overlap, or a Brep or surface lying on a mesh, measured the same way on their
    /// tessellations (exact for plane faces with straight edges, within the chord error
    /// otherwise). Omitted when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coplanar_area: Option<f64>,
    /// Two surfaces that coincide over an area (a surface against itself or a copy):
    /// nothing inside the area is reported, its edges (where one surface's boundary lies on
    /// the other) are among the `tangent` curves. For two Breps, faces that coincide over
    /// an area inside both trims (solids resting on or beside each other): the area's
    /// outline is among the curves. Omitted when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overlap: bool,
}

/// One intersection curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntersectCurve {
    /// Points in order.
    pub points: Packed<[f64; 3]>,
    /// True for a closed loop (the last point joins the first).
    pub closed: bool,
    /// Parameters of each point on the first object (NURBS surfaces and Breps, on the
    /// face named in `faces_a`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uv_a: Option<Packed<[f64; 2]>>,
    /// Parameters of each point on the second object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uv_b: Option<Packed<[f64; 2]>>,
    /// The face of the first object (a Brep) each point lies on: a curve runs across
    /// faces, joined at their shared edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faces_a: Option<Vec<u32>>,
    /// The face of the second object (a Brep) each point lies on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faces_b: Option<Vec<u32>>,
    /// A cubic NURBS through the curve's ends within the tolerance of its points, when
    /// `fit_curves` asked for one and a fit was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<NurbsCurve>,
    /// True where the objects touch along the curve rather than cross: tangent surfaces (a
    /// pipe lying on a slab), or faces that end on the other object from one side (a box
    /// standing on a slab, boxes side by side, a sheet ending on another).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tangent: bool,
}

/// One intersection point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntersectPoint {
    /// Where.
    pub point: [f64; 3],
    /// Curve parameter (curve–surface points), or on the first curve (curve–curve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// Parameter on the second curve (curve–curve points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_b: Option<f64>,
    /// Surface parameters on the surface or Brep face of the pair (curve–surface points),
    /// or on the first object (touching surfaces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uv: Option<[f64; 2]>,
    /// The Brep face `uv` lies on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<u32>,
    /// True where the objects touch without crossing.
    pub tangent: bool,
}

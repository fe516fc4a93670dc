//! Geometry on the wire: meshes, NURBS curves and surfaces, trimmed surfaces (Brep faces),
//! polylines, lines and points, gathered in a [`Scene`] with its units and tolerance.
//!
//! Coordinates are f64 in model units. Control points are Euclidean `[x, y, z]` with a
//! separate weight array; Rhino's homogeneous `Point4d` (x·w, y·w, z·w, w) is divided by w at
//! the client edge.
//!
//! ## Knot vectors
//!
//! Knot vectors are *full*: a curve with `n` control points of degree `p` has `n + p + 1`
//! knots, as in Piegl & Tiller and most textbooks. Rhino and openNURBS store `n + p - 1`
//! knots, leaving out the first and the last ("superfluous") knot, which never affects
//! evaluation. To convert from Rhino, add one knot at each end: repeat the first and the last
//! value (`[0,0,0,1,1,1]` of a cubic Bézier becomes `[0,0,0,0,1,1,1,1]`). To convert back,
//! drop the first and the last knot. Periodic curves arrive unclamped in the same way, with
//! their wrapped control points written out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::packed::{Face, Packed};

/// Length unit of a scene's coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Units {
    /// Millimetres.
    #[serde(rename = "mm", alias = "millimeters", alias = "millimetres")]
    Millimeters,
    /// Centimetres.
    #[serde(rename = "cm", alias = "centimeters", alias = "centimetres")]
    Centimeters,
    /// Metres.
    #[serde(rename = "m", alias = "meters", alias = "metres")]
    Meters,
    /// Kilometres.
    #[serde(rename = "km", alias = "kilometers", alias = "kilometres")]
    Kilometers,
    /// Inches.
    #[serde(rename = "in", alias = "inches")]
    Inches,
    /// Feet.
    #[serde(rename = "ft", alias = "feet")]
    Feet,
}

impl Units {
    /// Length of one unit in metres.
    pub fn metres_per_unit(self) -> f64 {
        match self {
            Units::Millimeters => 1e-3,
            Units::Centimeters => 1e-2,
            Units::Meters => 1.0,
            Units::Kilometers => 1e3,
            Units::Inches => 0.0254,
            Units::Feet => 0.3048,
        }
    }
}

/// A polygon mesh of triangles and quads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mesh {
    /// Caller's identifier (a Rhino object id, a layer path); echoed in results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name, for ignore rules and grouping of results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Group, block or composite object this belongs to, for the `same_group` ignore rule
    /// of `clash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Vertex positions `[x, y, z]` in model units.
    pub vertices: Packed<[f64; 3]>,
    /// Faces as vertex indices; see [`Face`] for the triangle convention.
    pub faces: Packed<Face>,
    /// Optional unit vertex normals, one per vertex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normals: Option<Packed<[f64; 3]>>,
    /// Optional vertex colours `[r, g, b, a]`, one per vertex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<Packed<[u8; 4]>>,
}

/// A rational or polynomial NURBS curve in 3D.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NurbsCurve {
    /// Caller's identifier, echoed in results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Polynomial degree `p` (order − 1), at least 1.
    pub degree: u32,
    /// Euclidean control points.
    pub points: Packed<[f64; 3]>,
    /// Positive weights, one per control point; absent for a non-rational curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Packed<f64>>,
    /// Full knot vector: `points.len() + degree + 1` non-decreasing values.
    pub knots: Packed<f64>,
}

/// A NURBS curve in a surface's `(u, v)` parameter space: a trim curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrimCurve {
    /// Polynomial degree, at least 1.
    pub degree: u32,
    /// Control points `[u, v]`.
    pub points: Packed<[f64; 2]>,
    /// Positive weights, one per control point; absent for a non-rational curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Packed<f64>>,
    /// Full knot vector: `points.len() + degree + 1` values.
    pub knots: Packed<f64>,
}

/// A rational or polynomial NURBS surface.
///
/// Control point `(i, j)`, `i` along u and `j` along v, is `points[i * count_v + j]` (the
/// order of Rhino's `Points[(i, j)]` walked with `j` fastest).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NurbsSurface {
    /// Caller's identifier, echoed in results (unused inside a Brep face).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name (unused inside a Brep face).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Group, block or composite object this belongs to, for the `same_group` ignore rule
    /// of `clash` (unused inside a Brep face).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Degree along u.
    pub degree_u: u32,
    /// Degree along v.
    pub degree_v: u32,
    /// Number of control points along u.
    pub count_u: u32,
    /// Number of control points along v.
    pub count_v: u32,
    /// `count_u * count_v` Euclidean control points, v fastest.
    pub points: Packed<[f64; 3]>,
    /// Positive weights in the same order; absent for a non-rational surface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Packed<f64>>,
    /// Full knot vector along u: `count_u + degree_u + 1` values.
    pub knots_u: Packed<f64>,
    /// Full knot vector along v: `count_v + degree_v + 1` values.
    pub knots_v: Packed<f64>,
}

/// Whether a trim loop bounds a face from outside or cuts a hole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoopKind {
    /// The outer boundary (counter-clockwise in `(u, v)`).
    Outer,
    /// A hole (clockwise in `(u, v)`).
    Inner,
}

/// One trim of a loop: a parameter-space curve and the Brep edge it runs along.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trim {
    /// The trim curve in the face surface's parameter space.
    pub curve: TrimCurve,
    /// Index into [`Brep::edges`]; absent for a singular trim (a collapsed pole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge: Option<u32>,
    /// True when the trim runs against its edge's direction.
    #[serde(default)]
    pub reversed: bool,
}

/// A closed loop of trims in a face's parameter space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrimLoop {
    /// Outer boundary or hole.
    pub kind: LoopKind,
    /// Trims in order, each starting where the previous ends.
    pub trims: Vec<Trim>,
}

/// A trimmed surface: one face of a Brep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BrepFace {
    /// The untrimmed surface.
    pub surface: NurbsSurface,
    /// True when the face normal is opposite to the surface's `du × dv`.
    #[serde(default)]
    pub reversed: bool,
    /// One outer loop and any number of inner loops.
    pub loops: Vec<TrimLoop>,
}

/// An edge of a Brep, shared by the trims (and so faces) that name it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BrepEdge {
    /// The 3D edge curve, when the client sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<NurbsCurve>,
}

/// A boundary representation: trimmed faces joined along shared edges.
///
/// Which faces share an edge follows from the trims: every trim that names edge `e` lies on
/// it, so an edge named by two trims of two faces joins those faces; an edge named once is a
/// naked (boundary) edge.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Brep {
    /// Caller's identifier, echoed in results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Group, block or composite object this belongs to, for the `same_group` ignore rule
    /// of `clash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The faces.
    pub faces: Vec<BrepFace>,
    /// The edges that trims refer to by index.
    #[serde(default)]
    pub edges: Vec<BrepEdge>,
}

/// An open or closed polyline; closed when the last point equals the first (Rhino's rule).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Polyline {
    /// Caller's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// At least two vertices.
    pub points: Packed<[f64; 3]>,
}

/// A straight line segment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Line {
    /// Caller's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Start point.
    pub from: [f64; 3],
    /// End point.
    pub to: [f64; 3],
}

/// A single point object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    /// Caller's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Layer or group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Position in model units.
    pub position: [f64; 3],
}

/// Geometry with its units and tolerance: what an analysis runs on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scene {
    /// Unit of every coordinate in the scene.
    pub units: Units,
    /// The document's absolute tolerance in model units (Rhino's `ModelAbsoluteTolerance`);
    /// positive. Points closer than this are the same point.
    pub tolerance: f64,
    /// Polygon meshes.
    #[serde(default)]
    pub meshes: Vec<Mesh>,
    /// NURBS curves.
    #[serde(default)]
    pub curves: Vec<NurbsCurve>,
    /// Untrimmed NURBS surfaces.
    #[serde(default)]
    pub surfaces: Vec<NurbsSurface>,
    /// Breps (trimmed surfaces joined along edges).
    #[serde(default)]
    pub breps: Vec<Brep>,
    /// Polylines.
    #[serde(default)]
    pub polylines: Vec<Polyline>,
    /// Line segments.
    #[serde(default)]
    pub lines: Vec<Line>,
    /// Points.
    #[serde(default)]
    pub points: Vec<Point>,
}

impl Scene {
    /// An empty scene in the given units and tolerance.
    pub fn new(units: Units, tolerance: f64) -> Self {
        Scene {
            units,
            tolerance,
            meshes: Vec::new(),
            curves: Vec::new(),
            surfaces: Vec::new(),
            breps: Vec::new(),
            polylines: Vec::new(),
            lines: Vec::new(),
            points: Vec::new(),
        }
    }
}

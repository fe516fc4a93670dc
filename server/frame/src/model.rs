//! The structural model: nodes, two-node elements, materials, sections, supports, loads.
//!
//! Units are the caller's, but they must be consistent (e.g. N, m, kg, Pa or kN, m, t,
//! kPa): the kernel never converts. Every index refers into the model's own lists.

use crate::section::Section;

/// Six degrees of freedom per node, in this order: translations `ux, uy, uz`, rotations
/// `rx, ry, rz` (right-hand rule about the global axes).
pub const DOF_NAMES: [&str; 6] = ["ux", "uy", "uz", "rx", "ry", "rz"];

/// An elastic, isotropic material.
#[derive(Clone, Debug, PartialEq)]
pub struct Material {
    /// Young's modulus E.
    pub e: f64,
    /// Shear modulus G (given, or E / (2 (1 + ν))).
    pub g: f64,
    /// Mass per unit volume ρ; self-weight is ρ A g.
    pub density: f64,
    /// Yield stress f_y for the stress utilisation; none means no utilisation is reported.
    pub yield_stress: Option<f64>,
}

/// How an element carries load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementKind {
    /// A 3D beam: axial force, torsion, bending and shear about both local axes.
    Beam,
    /// A truss bar: axial force only, pinned at both ends (transverse member loads go to
    /// its ends as a simply supported span would pass them on).
    Truss,
}

/// How the local axes of an element are fixed.
///
/// Local x runs from the first node to the second. Local y and z follow OpenSees'
/// `vecxz`: `reference` is any vector in the local x–z plane not parallel to x, then
/// `y = reference × x` and `z = x × y` (normalised). The default reference is global Z,
/// so a horizontal beam has local z up and local y horizontal; for a vertical element
/// (within 1e-9 of parallel to Z) the default makes local y global Y. `roll_rad` then turns
/// y and z about x by the right-hand rule. PyNite's axes convert by taking its member's
/// local z (third row of `Member3D.T()`) as the reference and a roll of zero.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Orientation {
    /// A vector in the local x–z plane; global Z when absent.
    pub reference: Option<[f64; 3]>,
    /// Rotation of the local y–z axes about local x after the reference, radians.
    pub roll_rad: f64,
}

/// A two-node element.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// Start and end node.
    pub nodes: [usize; 2],
    /// Index into [`Model::materials`].
    pub material: usize,
    /// Index into [`Model::sections`].
    pub section: usize,
    /// Beam or truss.
    pub kind: ElementKind,
    /// Timoshenko beam (shear deformation from the section's shear areas) instead of
    /// Euler–Bernoulli.
    pub shear_deformation: bool,
    /// Released end DOFs, in local axes: `releases[end][dof]` with the DOF order of
    /// [`DOF_NAMES`]; a released DOF passes no force through that end (a hinge for a
    /// rotation).
    pub releases: [[bool; 6]; 2],
    /// Local axes.
    pub orientation: Orientation,
}

/// A support at one node: fixed DOFs and elastic springs to the ground, in global axes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Support {
    /// The supported node.
    pub node: usize,
    /// Which DOFs are held (a prescribed displacement in a load case may move them).
    pub fixed: [bool; 6],
    /// Spring stiffness per DOF (force per length, moment per radian); 0 for none.
    pub springs: [f64; 6],
}

/// Where a load along an element acts: in global or in the element's local axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadAxes {
    /// Global X, Y, Z.
    Global,
    /// The element's local x, y, z.
    Local,
}

/// A load along one element, positions measured from its first node.
#[derive(Clone, Debug, PartialEq)]
pub enum ElementLoad {
    /// A uniform line load (force per unit length of the element, not of its projection)
    /// from `start` to `end`.
    Uniform {
        /// The loaded element.
        element: usize,
        /// Force per unit length (x, y, z in `axes`).
        force: [f64; 3],
        /// Start of the loaded stretch, length units from the first node.
        start: f64,
        /// End of the loaded stretch.
        end: f64,
        /// Axes of `force`.
        axes: LoadAxes,
    },
    /// A point force at `at` length units from the first node.
    Point {
        /// The loaded element.
        element: usize,
        /// Force (x, y, z in `axes`).
        force: [f64; 3],
        /// Position along the element.
        at: f64,
        /// Axes of `force`.
        axes: LoadAxes,
    },
}

impl ElementLoad {
    /// The loaded element.
    pub fn element(&self) -> usize {
        match self {
            ElementLoad::Uniform { element, .. } | ElementLoad::Point { element, .. } => *element,
        }
    }
}

/// Loads applied together, analysed as one right-hand side.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadCase {
    /// The case's name, unique in the model.
    pub name: String,
    /// Nodal forces and moments in global axes: `(node, [Fx, Fy, Fz, Mx, My, Mz])`.
    pub nodal: Vec<(usize, [f64; 6])>,
    /// Loads along elements.
    pub element: Vec<ElementLoad>,
    /// Self-weight of every element as ρ A times this acceleration (e.g. `[0, 0, -9.80665]`).
    pub gravity: Option<[f64; 3]>,
    /// Prescribed displacements of supported DOFs: `(node, dof, value)`; the DOF must be
    /// fixed by a support.
    pub displacements: Vec<(usize, usize, f64)>,
}

/// A linear combination of load cases; results superpose (the analysis is linear).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Combination {
    /// The combination's name.
    pub name: String,
    /// `(case index, factor)`.
    pub factors: Vec<(usize, f64)>,
}

/// A whole structural model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// Node positions.
    pub nodes: Vec<[f64; 3]>,
    /// Materials.
    pub materials: Vec<Material>,
    /// Cross-sections, as properties.
    pub sections: Vec<Section>,
    /// Elements.
    pub elements: Vec<Element>,
    /// Supports (at most one per node).
    pub supports: Vec<Support>,
    /// Point masses at nodes `(node, mass)`, added to the element masses in modal analysis
    /// and to the total mass.
    pub point_masses: Vec<(usize, f64)>,
    /// Load cases.
    pub cases: Vec<LoadCase>,
    /// Combinations of the load cases.
    pub combinations: Vec<Combination>,
}

impl Model {
    /// The element's length.
    pub fn length(&self, element: usize) -> f64 {
        let [a, b] = self.elements[element].nodes;
        distance(self.nodes[a], self.nodes[b])
    }
}

/// Euclidean distance between two points.
pub fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt()
}

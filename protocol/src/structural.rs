//! Wire types of the `frame` job: a structural model of beams and trusses, what to
//! analyse, and the report.
//!
//! Units are the sender's and must be consistent (N, m, kg, Pa; or kN, m, t, kPa): the
//! service never converts. A member is a line or polyline given by node indices or by
//! points; points closer than the model's `tolerance` become one node, so geometry from
//! CAD can be sent as it is drawn. Supports, nodal loads and point masses attach to a node
//! by index or by a point that must lie within the tolerance of one.
//!
//! Local axes follow OpenSees' `vecxz`: local x runs along the member (first point to
//! last), `reference` is a vector in the local x–z plane (default global Z; for a vertical
//! member local y is global Y), `y = reference × x`, `z = x × y`, then `roll_deg` turns
//! y and z about x. A section's `iy` resists bending about local y (deflection along z).
//! To convert a PyNite member, send its local z axis (third row of `Member3D.T()`) as
//! `reference`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::packed::Packed;

/// Parameters of a `frame` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameParams {
    /// Run the linear static analysis of every load case and combination; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statics: Option<bool>,
    /// How many of the lowest natural modes to compute; default 0 (no modal analysis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<u32>,
    /// Element mass for the modal analysis; default `consistent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass: Option<MassModel>,
    /// Stations per element (ends included) where internal forces and displacements are
    /// reported; 2 to 101, default 11.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stations: Option<u32>,
    /// Scale of the drawn deformed shape; default: the largest displacement is drawn as 5 %
    /// of the model's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deformed_scale: Option<f64>,
    /// How the static equations are solved; default `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<SolverChoice>,
    /// Relative residual at which `pcg` stops; default 1e-10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcg_tolerance: Option<f64>,
}

/// How the static equations are solved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SolverChoice {
    /// `direct` when its factor fits in the worker's available memory (the symbolic
    /// factorisation says how large it will be), else `pcg`.
    #[default]
    Auto,
    /// Sparse Cholesky, one factorisation for every load case.
    Direct,
    /// Preconditioned conjugate gradients (node-block Jacobi), case by case, in the memory
    /// of the stiffness alone; for models whose factor would not fit.
    Pcg,
}

/// Element mass for modal analysis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MassModel {
    /// Consistent element mass matrices.
    #[default]
    Consistent,
    /// Half of each element's mass on each end's translations.
    Lumped,
}

/// A structural model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StructuralModel {
    /// Points closer than this are one node, model units; default 0.001.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Nodes given by position; members, supports and loads may refer to them by index.
    /// Points given elsewhere add nodes after these.
    #[serde(default)]
    pub nodes: Packed<[f64; 3]>,
    /// Materials, referred to by name.
    pub materials: Vec<MaterialSpec>,
    /// Cross-sections, referred to by name.
    pub sections: Vec<SectionSpec>,
    /// Members: beams and trusses.
    pub members: Vec<MemberSpec>,
    /// Supports.
    #[serde(default)]
    pub supports: Vec<SupportSpec>,
    /// Point masses (modal analysis and total mass).
    #[serde(default)]
    pub point_masses: Vec<PointMassSpec>,
    /// Load cases.
    #[serde(default)]
    pub load_cases: Vec<LoadCaseSpec>,
    /// Linear combinations of the load cases.
    #[serde(default)]
    pub combinations: Vec<CombinationSpec>,
}

/// An elastic isotropic material.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MaterialSpec {
    /// Name members refer to.
    pub name: String,
    /// Young's modulus E.
    pub e: f64,
    /// Shear modulus G; give this or `nu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g: Option<f64>,
    /// Poisson's ratio ν (G = E / (2 (1 + ν))); give this or `g`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nu: Option<f64>,
    /// Mass per volume ρ (self-weight ρ A g, modal mass); default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<f64>,
    /// Yield stress for the stress utilisation; none means no utilisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yield_stress: Option<f64>,
}

/// A named cross-section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectionSpec {
    /// Name members refer to.
    pub name: String,
    /// Properties, or a shape to compute them from.
    #[serde(flatten)]
    pub shape: SectionShape,
}

/// A section by its properties or by a shape (local y across, local z up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum SectionShape {
    /// Properties given directly.
    Properties {
        /// Area A.
        area: f64,
        /// Second moment about local y.
        iy: f64,
        /// Second moment about local z.
        iz: f64,
        /// Torsion constant J.
        j: f64,
        /// Shear area along local y; default 5/6 A.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shear_area_y: Option<f64>,
        /// Shear area along local z; default 5/6 A.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shear_area_z: Option<f64>,
        /// Elastic modulus about y (I_y / z_max), for the utilisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wy: Option<f64>,
        /// Elastic modulus about z.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wz: Option<f64>,
    },
    /// Solid rectangle.
    Rectangle {
        /// Along local y.
        width: f64,
        /// Along local z.
        height: f64,
    },
    /// Solid circle.
    Circle {
        /// Diameter.
        diameter: f64,
    },
    /// Circular hollow section.
    Tube {
        /// Outer diameter.
        diameter: f64,
        /// Wall thickness.
        thickness: f64,
    },
    /// Doubly symmetric I, web along local z.
    I {
        /// Depth along local z.
        height: f64,
        /// Flange width along local y.
        width: f64,
        /// Flange thickness.
        flange: f64,
        /// Web thickness.
        web: f64,
    },
}

/// How a member carries load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// Axial, shear, bending and torsion.
    #[default]
    Beam,
    /// Axial force only, pinned ends.
    Truss,
}

/// A degree of freedom, or a set of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dof {
    /// Translation along x.
    Ux,
    /// Translation along y.
    Uy,
    /// Translation along z.
    Uz,
    /// Rotation about x.
    Rx,
    /// Rotation about y.
    Ry,
    /// Rotation about z.
    Rz,
    /// All six.
    All,
    /// The three translations.
    Translations,
    /// The three rotations.
    Rotations,
}

impl Dof {
    /// The DOF indices (0..6: ux uy uz rx ry rz) this names.
    pub fn indices(self) -> &'static [usize] {
        match self {
            Dof::Ux => &[0],
            Dof::Uy => &[1],
            Dof::Uz => &[2],
            Dof::Rx => &[3],
            Dof::Ry => &[4],
            Dof::Rz => &[5],
            Dof::All => &[0, 1, 2, 3, 4, 5],
            Dof::Translations => &[0, 1, 2],
            Dof::Rotations => &[3, 4, 5],
        }
    }
}

/// End releases of a member, in its local axes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Releases {
    /// Released DOFs at the first point (e.g. `["ry", "rz"]` for a hinge).
    #[serde(default)]
    pub start: Vec<Dof>,
    /// Released DOFs at the last point.
    #[serde(default)]
    pub end: Vec<Dof>,
}

/// A member: a line or polyline of elements with one material and section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemberSpec {
    /// The caller's label, echoed in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Node indices along the member (two or more); or give `points`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<u32>>,
    /// Points along the member (two or more), merged into nodes at the tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Packed<[f64; 3]>>,
    /// Material name.
    pub material: String,
    /// Section name.
    pub section: String,
    /// Beam (default) or truss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MemberKind>,
    /// Timoshenko beam (shear deformation); default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shear_deformation: Option<bool>,
    /// End releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<Releases>,
    /// A vector in the local x–z plane; default global Z.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<[f64; 3]>,
    /// Roll of the local axes about local x, degrees; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_deg: Option<f64>,
}

/// Where something attaches: a node index or a point within the tolerance of a node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct At {
    /// Node index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    /// A point on a node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<[f64; 3]>,
}

/// A support.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupportSpec {
    /// Where.
    #[serde(flatten)]
    pub at: At,
    /// Held DOFs (global axes), e.g. `["all"]`, `["translations"]`, `["uz"]`.
    #[serde(default)]
    pub fixed: Vec<Dof>,
    /// Spring stiffness to the ground per DOF `[ux, uy, uz, rx, ry, rz]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub springs: Option<[f64; 6]>,
}

/// A point mass.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PointMassSpec {
    /// Where.
    #[serde(flatten)]
    pub at: At,
    /// Mass.
    pub mass: f64,
}

/// A force and moment at a node, global axes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NodalLoadSpec {
    /// Where.
    #[serde(flatten)]
    pub at: At,
    /// Force `[Fx, Fy, Fz]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<[f64; 3]>,
    /// Moment `[Mx, My, Mz]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moment: Option<[f64; 3]>,
}

/// Axes of a member load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadAxesSpec {
    /// Global X, Y, Z.
    #[default]
    Global,
    /// The member's local axes (of the element the load falls on).
    Local,
}

/// A load along a member: a point force at `at`, or a uniform line load (force per unit
/// length of the member) from `from` to `to`. Positions are fractions of the member's
/// whole length, 0 at its first point.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemberLoadSpec {
    /// Member index.
    pub member: u32,
    /// Force, or force per length for a line load.
    pub force: [f64; 3],
    /// Axes of `force`; default global.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axes: Option<LoadAxesSpec>,
    /// Position of a point load (0–1); absent for a line load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<f64>,
    /// Start of a line load (0–1); default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// End of a line load (0–1); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
}

/// A prescribed displacement of a supported DOF (a settlement).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DisplacementSpec {
    /// Where (a node with a support holding `dof`).
    #[serde(flatten)]
    pub at: At,
    /// Which single DOF.
    pub dof: Dof,
    /// The displacement (length) or rotation (radians).
    pub value: f64,
}

/// A load case.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadCaseSpec {
    /// Name, unique; combinations refer to it.
    pub name: String,
    /// Nodal loads.
    #[serde(default)]
    pub nodal: Vec<NodalLoadSpec>,
    /// Member loads.
    #[serde(default)]
    pub members: Vec<MemberLoadSpec>,
    /// Self-weight of every member as ρ A times this acceleration, e.g. `[0, 0, -9.80665]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gravity: Option<[f64; 3]>,
    /// Prescribed displacements of supported DOFs.
    #[serde(default)]
    pub displacements: Vec<DisplacementSpec>,
}

/// A linear combination of load cases.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CombinationSpec {
    /// Name.
    pub name: String,
    /// Factor per load case name.
    pub factors: BTreeMap<String, f64>,
}

/// The output of a `frame` job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameReport {
    /// Node positions after merging (indices used everywhere in this report).
    pub nodes: Packed<[f64; 3]>,
    /// Each element's start and end node.
    pub elements: Packed<[u32; 2]>,
    /// The member each element belongs to.
    pub element_member: Packed<u32>,
    /// Members' labels, as sent.
    pub member_ids: Vec<Option<String>>,
    /// Total mass: ρ A L of every member plus point masses.
    pub mass: f64,
    /// Unknowns (free DOFs).
    pub equations: u32,
    /// How the equations were solved.
    pub solver: SolverReport,
    /// Stations per element.
    pub stations: u32,
    /// One per load case, in order.
    pub cases: Vec<StaticResponse>,
    /// One per combination, in order.
    pub combinations: Vec<StaticResponse>,
    /// Natural modes, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modal: Option<ModalReport>,
}

/// How a system was solved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SolverReport {
    /// `sparse_cholesky` or `pcg`.
    pub method: String,
    /// Where the equations were solved: `cpu`, or the GPU that ran conjugate gradients.
    #[serde(default)]
    pub device: String,
    /// Per load case, the PCG iterations taken (empty for the direct solver).
    #[serde(default)]
    pub pcg_iterations: Vec<u32>,
    /// Per load case, the relative residual PCG reached.
    #[serde(default)]
    pub pcg_residuals: Vec<f64>,
    /// Stored entries of the stiffness (upper triangle).
    pub stiffness_entries: u64,
    /// Entries of the factor.
    pub factor_entries: u64,
    /// Whether the symbolic factorisation was reused from an earlier job with the same
    /// topology.
    pub symbolic_reused: bool,
    /// Seconds building element matrices and the sparse stiffness.
    #[serde(default)]
    pub assemble_secs: f64,
    /// Seconds ordering (AMD) and in the symbolic factorisation; 0 when reused.
    #[serde(default)]
    pub symbolic_secs: f64,
    /// Seconds in the numeric factorisation.
    #[serde(default)]
    pub factor_secs: f64,
    /// Seconds forming and solving every load case.
    #[serde(default)]
    pub solve_secs: f64,
    /// Seconds recovering forces along members, reactions and combinations.
    #[serde(default)]
    pub recover_secs: f64,
}

/// The response to one load case or combination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StaticResponse {
    /// Case or combination name.
    pub name: String,
    /// Per node, global `[ux, uy, uz, rx, ry, rz]`.
    pub displacements: Packed<[f64; 6]>,
    /// Per supported node.
    pub reactions: Vec<Reaction>,
    /// Per element: the forces the start and end node apply to it, local axes,
    /// `[N, Vy, Vz, T, My, Mz]` at the start then at the end.
    pub end_forces: Packed<[f64; 12]>,
    /// Per element and station: internal forces `[N, Vy, Vz, T, My, Mz]`, local axes, the
    /// resultants on the cut face whose normal is local +x (N > 0 in tension; My > 0 puts
    /// +z fibres in tension, Mz > 0 puts −y fibres in tension).
    pub station_forces: Packed<[f64; 6]>,
    /// Per element and station: displacement, global.
    pub station_displacements: Packed<[f64; 3]>,
    /// The largest nodal translation.
    pub max_displacement: MaxDisplacement,
    /// Per element: largest elastic stress `|N|/A + |My|/Wy + |Mz|/Wz` over the yield
    /// stress; null where the material has no yield stress or the section no moduli.
    pub utilisation: Vec<Option<f64>>,
    /// The drawn deformed shape: per element and station, the station's position plus
    /// `scale` times its displacement.
    pub deformed: DeformedShape,
}

/// Reaction at a supported node (forces and moments the support applies, global).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reaction {
    /// The node.
    pub node: u32,
    /// `[Fx, Fy, Fz]`.
    pub force: [f64; 3],
    /// `[Mx, My, Mz]`.
    pub moment: [f64; 3],
}

/// Where the structure moves most.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MaxDisplacement {
    /// Node with the largest translation.
    pub node: u32,
    /// Its size.
    pub value: f64,
    /// The element and station with the largest translation along members.
    pub element: u32,
    /// Station index within that element.
    pub station: u32,
    /// Its size.
    pub along_members: f64,
}

/// A deformed shape to draw.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeformedShape {
    /// Displacements are multiplied by this.
    pub scale: f64,
    /// Per element, `stations` points: one polyline per element.
    pub points: Packed<[f64; 3]>,
}

/// Natural modes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModalReport {
    /// Mass model used.
    pub mass: MassModel,
    /// Modes by rising frequency.
    pub modes: Vec<ModeReport>,
    /// Mass free to move along X, Y, Z (the sum effective masses tend to).
    pub free_mass: [f64; 3],
}

/// One natural mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModeReport {
    /// Frequency, Hz.
    pub frequency_hz: f64,
    /// Period, s.
    pub period_secs: f64,
    /// Per node, mass-normalised shape `[ux, uy, uz, rx, ry, rz]`.
    pub shape: Packed<[f64; 6]>,
    /// Participation factor along X, Y, Z.
    pub participation: [f64; 3],
    /// Effective modal mass along X, Y, Z.
    pub effective_mass: [f64; 3],
}

//! From a model to the global system: element matrices, equation numbers, the sparse
//! stiffness (and mass) over the free DOFs.
//!
//! A DOF is an unknown unless a support fixes it or no element gives it stiffness and it
//! is a rotation (a node where only trusses or hinged ends meet: its rotation is
//! meaningless, not a mechanism). Entries coupling free and fixed DOFs are kept aside so
//! prescribed displacements can move to the right-hand side.

use rayon::prelude::*;

use crate::element::{
    Axes, Condensation, LocalLoad, Mat12, Properties, Vec12, consistent_mass, equivalent_nodal,
    local_stiffness, lumped_mass,
};
use crate::error::{FrameError, invalid};
use crate::model::{ElementKind, ElementLoad, LoadAxes, Model};
use crate::sparse::Symmetric;

/// Marks a DOF without an equation.
pub const NO_EQUATION: usize = usize::MAX;

/// One element, ready to assemble and to recover forces from.
#[derive(Clone, Debug)]
pub struct ElementSystem {
    /// Stiffness numbers.
    pub props: Properties,
    /// Local axes.
    pub axes: Axes,
    /// `u_local = T u_global`.
    pub t: Mat12,
    /// Local stiffness before releases (to condense loads).
    pub k_full: Mat12,
    /// Local stiffness after releases.
    pub k: Mat12,
    /// Released DOFs and how they follow the others.
    pub condensation: Option<Condensation>,
    /// Global DOF numbers (node · 6 + dof) of the 12 element DOFs.
    pub dofs: [usize; 12],
}

impl ElementSystem {
    /// The global stiffness `Tᵀ K T`.
    pub fn k_global(&self) -> Mat12 {
        self.t.transpose() * self.k * self.t
    }

    /// Fixed-end forces on the element (local, condensed) for these local loads: the end
    /// forces of the element with its retained DOFs clamped.
    pub fn fixed_end_forces(&self, loads: &[LocalLoad]) -> (Vec12, Vec12) {
        let mut f = Vec12::zeros();
        for load in loads {
            f += equivalent_nodal(&self.props, load);
        }
        let condensed = match &self.condensation {
            Some(c) => c.condense_load(&f, &self.k_full),
            None => f,
        };
        (-condensed, f)
    }
}

/// The assembled system.
pub struct System {
    /// Per element.
    pub elements: Vec<ElementSystem>,
    /// Equation number per global DOF, or [`NO_EQUATION`].
    pub eq: Vec<usize>,
    /// Global DOFs fixed by supports.
    pub fixed: Vec<bool>,
    /// Rotational DOFs with no stiffness, left out.
    pub dropped: Vec<bool>,
    /// Stiffness over the free DOFs.
    pub k: Symmetric,
    /// Stiffness entries between a free equation and a fixed DOF: `(eq, dof, k)`.
    pub couplings: Vec<(usize, usize, f64)>,
    /// Spring stiffness per global DOF.
    pub springs: Vec<f64>,
    /// Node adjacency (sorted, with the node itself), which fixes the pattern.
    adjacency: Vec<Vec<usize>>,
}

/// Checks indices, numbers and geometry; every problem names its place in the model.
pub fn validate(model: &Model) -> Result<(), FrameError> {
    let finite_pos = |path: String, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(invalid(path, format!("must be positive, got {v}")))
        }
    };
    if model.nodes.is_empty() {
        return Err(invalid("nodes", "the model has no nodes"));
    }
    for (i, p) in model.nodes.iter().enumerate() {
        if p.iter().any(|v| !v.is_finite()) {
            return Err(invalid(format!("nodes/{i}"), "coordinates must be finite"));
        }
    }
    for (i, m) in model.materials.iter().enumerate() {
        finite_pos(format!("materials/{i}/e"), m.e)?;
        finite_pos(format!("materials/{i}/g"), m.g)?;
        if !(m.density.is_finite() && m.density >= 0.0) {
            return Err(invalid(
                format!("materials/{i}/density"),
                "must be zero or positive",
            ));
        }
        if let Some(fy) = m.yield_stress {
            finite_pos(format!("materials/{i}/yield_stress"), fy)?;
        }
    }
    for (i, s) in model.sections.iter().enumerate() {
        finite_pos(format!("sections/{i}/area"), s.area)?;
        finite_pos(format!("sections/{i}/iy"), s.iy)?;
        finite_pos(format!("sections/{i}/iz"), s.iz)?;
        finite_pos(format!("sections/{i}/j"), s.j)?;
        finite_pos(format!("sections/{i}/shear_area_y"), s.shear_area_y)?;
        finite_pos(format!("sections/{i}/shear_area_z"), s.shear_area_z)?;
    }
    if model.elements.is_empty() {
        return Err(invalid("elements", "the model has no elements"));
    }
    for (i, e) in model.elements.iter().enumerate() {
        for (k, &n) in e.nodes.iter().enumerate() {
            if n >= model.nodes.len() {
                return Err(invalid(
                    format!("elements/{i}/nodes/{k}"),
                    format!("node {n} does not exist"),
                ));
            }
        }
        if e.material >= model.materials.len() {
            return Err(invalid(
                format!("elements/{i}/material"),
                format!("material {} does not exist", e.material),
            ));
        }
        if e.section >= model.sections.len() {
            return Err(invalid(
                format!("elements/{i}/section"),
                format!("section {} does not exist", e.section),
            ));
        }
        if model.length(i) <= 0.0 {
            return Err(invalid(
                format!("elements/{i}"),
                "the element has zero length (both ends at one point)",
            ));
        }
    }
    let mut supported = vec![false; model.nodes.len()];
    for (i, s) in model.supports.iter().enumerate() {
        if s.node >= model.nodes.len() {
            return Err(invalid(
                format!("supports/{i}/node"),
                format!("node {} does not exist", s.node),
            ));
        }
        if std::mem::replace(&mut supported[s.node], true) {
            return Err(invalid(
                format!("supports/{i}/node"),
                format!("node {} already has a support", s.node),
            ));
        }
        if s.springs.iter().any(|k| !(k.is_finite() && *k >= 0.0)) {
            return Err(invalid(
                format!("supports/{i}/springs"),
                "spring stiffness must be zero or positive",
            ));
        }
    }
    for (i, (n, m)) in model.point_masses.iter().enumerate() {
        if *n >= model.nodes.len() {
            return Err(invalid(
                format!("point_masses/{i}/node"),
                format!("node {n} does not exist"),
            ));
        }
        if !(m.is_finite() && *m >= 0.0) {
            return Err(invalid(
                format!("point_masses/{i}/mass"),
                "must be zero or positive",
            ));
        }
    }
    for (c, case) in model.cases.iter().enumerate() {
        for (i, (n, v)) in case.nodal.iter().enumerate() {
            if *n >= model.nodes.len() {
                return Err(invalid(
                    format!("cases/{c}/nodal/{i}/node"),
                    format!("node {n} does not exist"),
                ));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(invalid(
                    format!("cases/{c}/nodal/{i}"),
                    "load values must be finite",
                ));
            }
        }
        for (i, load) in case.element.iter().enumerate() {
            let e = load.element();
            let path = format!("cases/{c}/element/{i}");
            if e >= model.elements.len() {
                return Err(invalid(
                    format!("{path}/element"),
                    format!("element {e} does not exist"),
                ));
            }
            let l = model.length(e);
            let tol = 1e-9 * l;
            match load {
                ElementLoad::Uniform {
                    force, start, end, ..
                } => {
                    if force.iter().any(|x| !x.is_finite()) {
                        return Err(invalid(format!("{path}/force"), "must be finite"));
                    }
                    if !(*start >= -tol && start <= end && *end <= l + tol) {
                        return Err(invalid(
                            path,
                            format!(
                                "the stretch {start}..{end} must lie within the element (length {l})"
                            ),
                        ));
                    }
                }
                ElementLoad::Point { force, at, .. } => {
                    if force.iter().any(|x| !x.is_finite()) {
                        return Err(invalid(format!("{path}/force"), "must be finite"));
                    }
                    if !(*at >= -tol && *at <= l + tol) {
                        return Err(invalid(
                            format!("{path}/at"),
                            format!("{at} must lie within the element (length {l})"),
                        ));
                    }
                }
            }
        }
        for (i, &(n, d, v)) in case.displacements.iter().enumerate() {
            let path = format!("cases/{c}/displacements/{i}");
            if n >= model.nodes.len() || d >= 6 || !v.is_finite() {
                return Err(invalid(
                    path,
                    "needs an existing node, a DOF 0..6 and a finite value",
                ));
            }
            let held = model.supports.iter().any(|s| s.node == n && s.fixed[d]);
            if !held {
                return Err(invalid(
                    path,
                    format!(
                        "node {n} {} is not fixed by a support, so it cannot be displaced",
                        crate::model::DOF_NAMES[d]
                    ),
                ));
            }
        }
    }
    for (i, combo) in model.combinations.iter().enumerate() {
        for (k, (case, f)) in combo.factors.iter().enumerate() {
            if *case >= model.cases.len() || !f.is_finite() {
                return Err(invalid(
                    format!("combinations/{i}/factors/{k}"),
                    "needs an existing case and a finite factor",
                ));
            }
        }
    }
    Ok(())
}

fn element_system(model: &Model, i: usize) -> Result<ElementSystem, FrameError> {
    let e = &model.elements[i];
    let mat = &model.materials[e.material];
    let sec = &model.sections[e.section];
    let [a, b] = e.nodes;
    let length = model.length(i);
    let axes = Axes::new(model.nodes[a], model.nodes[b], e.orientation).map_err(|_| {
        invalid(
            format!("elements/{i}/orientation"),
            "the reference vector is parallel to the element",
        )
    })?;
    let (phi_y, phi_z) = if e.shear_deformation && e.kind == ElementKind::Beam {
        (
            12.0 * mat.e * sec.iz / (mat.g * sec.shear_area_y * length * length),
            12.0 * mat.e * sec.iy / (mat.g * sec.shear_area_z * length * length),
        )
    } else {
        (0.0, 0.0)
    };
    let props = Properties {
        kind: e.kind,
        length,
        e: mat.e,
        g: mat.g,
        area: sec.area,
        iy: sec.iy,
        iz: sec.iz,
        j: sec.j,
        phi_y,
        phi_z,
        mass_per_length: mat.density * sec.area,
        polar_mass_per_length: mat.density * (sec.iy + sec.iz),
    };
    let k_full = local_stiffness(&props);
    let mut k = k_full;
    let mut released = [false; 12];
    if e.kind == ElementKind::Beam {
        for end in 0..2 {
            for d in 0..6 {
                released[end * 6 + d] = e.releases[end][d];
            }
        }
    }
    let condensation = Condensation::apply(&mut k, &released)
        .map_err(|_| FrameError::UnstableReleases { element: i })?;
    let mut dofs = [0usize; 12];
    for d in 0..6 {
        dofs[d] = a * 6 + d;
        dofs[6 + d] = b * 6 + d;
    }
    Ok(ElementSystem {
        props,
        t: axes.transformation(),
        axes,
        k_full,
        k,
        condensation,
        dofs,
    })
}

/// Builds the element matrices and the global stiffness over the free DOFs.
pub fn assemble(model: &Model) -> Result<System, FrameError> {
    validate(model)?;
    let elements = (0..model.elements.len())
        .into_par_iter()
        .map(|i| element_system(model, i))
        .collect::<Result<Vec<_>, _>>()?;
    let globals: Vec<Mat12> = elements.par_iter().map(ElementSystem::k_global).collect();
    let ndof = model.nodes.len() * 6;
    let mut diag = vec![0.0; ndof];
    for (e, kg) in elements.iter().zip(&globals) {
        for a in 0..12 {
            diag[e.dofs[a]] += kg[(a, a)];
        }
    }
    let mut fixed = vec![false; ndof];
    let mut springs = vec![0.0; ndof];
    for s in &model.supports {
        for d in 0..6 {
            fixed[s.node * 6 + d] = s.fixed[d];
            springs[s.node * 6 + d] = s.springs[d];
            diag[s.node * 6 + d] += s.springs[d];
        }
    }
    let dropped: Vec<bool> = (0..ndof)
        .map(|g| g % 6 >= 3 && !fixed[g] && diag[g] == 0.0)
        .collect();
    let mut eq = vec![NO_EQUATION; ndof];
    let mut n = 0;
    for g in 0..ndof {
        if !fixed[g] && !dropped[g] {
            eq[g] = n;
            n += 1;
        }
    }
    let mut adjacency: Vec<Vec<usize>> = (0..model.nodes.len()).map(|i| vec![i]).collect();
    for e in &model.elements {
        let [a, b] = e.nodes;
        adjacency[a].push(b);
        adjacency[b].push(a);
    }
    for list in &mut adjacency {
        list.sort_unstable();
        list.dedup();
    }
    let mut k = pattern(&adjacency, &eq, n);
    let mut couplings = Vec::new();
    for (e, kg) in elements.iter().zip(&globals) {
        for a in 0..12 {
            let ea = eq[e.dofs[a]];
            if ea == NO_EQUATION {
                continue;
            }
            for b in 0..12 {
                let eb = eq[e.dofs[b]];
                if eb == NO_EQUATION {
                    if fixed[e.dofs[b]] && kg[(a, b)] != 0.0 {
                        couplings.push((ea, e.dofs[b], kg[(a, b)]));
                    }
                } else if ea <= eb {
                    k.add(ea, eb, kg[(a, b)]);
                }
            }
        }
    }
    for g in 0..ndof {
        if eq[g] != NO_EQUATION && springs[g] != 0.0 {
            k.add(eq[g], eq[g], springs[g]);
        }
    }
    Ok(System {
        elements,
        eq,
        fixed,
        dropped,
        k,
        couplings,
        springs,
        adjacency,
    })
}

/// The upper pattern over the free DOFs: every pair of DOFs of adjacent nodes.
fn pattern(adjacency: &[Vec<usize>], eq: &[usize], n: usize) -> Symmetric {
    let mut columns = vec![Vec::new(); n];
    for (node, neighbours) in adjacency.iter().enumerate() {
        for d in 0..6 {
            let c = eq[node * 6 + d];
            if c == NO_EQUATION {
                continue;
            }
            let rows = &mut columns[c];
            for &m in neighbours {
                for d2 in 0..6 {
                    let r = eq[m * 6 + d2];
                    if r != NO_EQUATION && r <= c {
                        rows.push(r);
                    }
                }
            }
        }
    }
    for rows in &mut columns {
        rows.sort_unstable();
        rows.dedup();
    }
    Symmetric::from_columns(&columns)
}

/// How a modal analysis distributes element mass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MassKind {
    /// Consistent element mass matrices.
    #[default]
    Consistent,
    /// Half of each element's mass on each end's translations.
    Lumped,
}

impl System {
    /// The mass matrix over the free DOFs (same pattern as the stiffness), with the model's
    /// point masses on their nodes' translations.
    pub fn mass(&self, model: &Model, kind: MassKind) -> Symmetric {
        let mut m = pattern(&self.adjacency, &self.eq, self.k.n);
        for e in &self.elements {
            let local = match kind {
                MassKind::Consistent => consistent_mass(&e.props),
                MassKind::Lumped => lumped_mass(&e.props),
            };
            let local = match &e.condensation {
                Some(c) if kind == MassKind::Consistent => c.condense_mass(&local),
                _ => local,
            };
            let mg = e.t.transpose() * local * e.t;
            for a in 0..12 {
                let ea = self.eq[e.dofs[a]];
                if ea == NO_EQUATION {
                    continue;
                }
                for b in 0..12 {
                    let eb = self.eq[e.dofs[b]];
                    if eb != NO_EQUATION && ea <= eb && mg[(a, b)] != 0.0 {
                        m.add(ea, eb, mg[(a, b)]);
                    }
                }
            }
        }
        for &(node, mass) in &model.point_masses {
            for d in 0..3 {
                let e = self.eq[node * 6 + d];
                if e != NO_EQUATION {
                    m.add(e, e, mass);
                }
            }
        }
        m
    }

    /// Where each node's equations start (they are consecutive per node), ending with the
    /// number of equations; nodes without free DOFs are left out.
    pub fn node_blocks(&self) -> Vec<usize> {
        let mut starts = Vec::new();
        for node in 0..self.eq.len() / 6 {
            if let Some(&q) = self.eq[node * 6..node * 6 + 6]
                .iter()
                .find(|&&q| q != NO_EQUATION)
            {
                starts.push(q);
            }
        }
        starts.push(self.k.n);
        starts
    }

    /// Every element's loads of one case in its local axes (self-weight included),
    /// indexed by element.
    pub fn case_loads(&self, model: &Model, case: usize) -> Vec<Vec<LocalLoad>> {
        let c = &model.cases[case];
        let mut out: Vec<Vec<LocalLoad>> = self
            .elements
            .iter()
            .map(|e| match c.gravity {
                Some(g) if e.props.mass_per_length != 0.0 => {
                    let w = e.props.mass_per_length;
                    vec![LocalLoad::Uniform {
                        q: e.axes.to_local([w * g[0], w * g[1], w * g[2]]),
                        start: 0.0,
                        end: e.props.length,
                    }]
                }
                _ => Vec::new(),
            })
            .collect();
        for load in &c.element {
            let e = &self.elements[load.element()];
            let to_local = |axes: LoadAxes, v: [f64; 3]| match axes {
                LoadAxes::Global => e.axes.to_local(v),
                LoadAxes::Local => v,
            };
            let l = e.props.length;
            out[load.element()].push(match *load {
                ElementLoad::Uniform {
                    force,
                    start,
                    end,
                    axes,
                    ..
                } => LocalLoad::Uniform {
                    q: to_local(axes, force),
                    start: start.clamp(0.0, l),
                    end: end.clamp(0.0, l),
                },
                ElementLoad::Point {
                    force, at, axes, ..
                } => LocalLoad::Point {
                    p: to_local(axes, force),
                    at: at.clamp(0.0, l),
                },
            });
        }
        out
    }
}

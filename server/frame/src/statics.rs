//! Linear static analysis: one factorisation, every load case as a column of one solve,
//! combinations by superposition, then forces and displacements along every element.

use rayon::prelude::*;

use crate::assemble::{NO_EQUATION, System, assemble};
use crate::element::{LocalLoad, Vec12, displacement_at, internal_forces};
use crate::error::FrameError;
use crate::model::Model;
use crate::sparse::{Factor, SolveError, SymbolicCache};
use crate::stability::find_mechanism;

/// What a static analysis reports along elements, and how it solves.
#[derive(Clone, Copy)]
pub struct StaticOptions<'a> {
    /// Stations per element at which internal forces and displacements are reported,
    /// both ends included (at least 2).
    pub stations: usize,
    /// How the stiffness equations are solved.
    pub solver: LinearSolver<'a>,
}

impl Default for StaticOptions<'_> {
    fn default() -> Self {
        StaticOptions {
            stations: 11,
            solver: LinearSolver::Direct,
        }
    }
}

/// How the stiffness equations are solved.
#[derive(Clone, Copy)]
pub enum LinearSolver<'a> {
    /// Sparse Cholesky: exact, one factorisation for every case; memory grows with fill.
    Direct,
    /// Node-block-Jacobi preconditioned conjugate gradients, case by case, on `device`
    /// (the CPU's [`crate::pcg::CpuPcg`] or a GPU): memory of the stiffness only. An
    /// unstable model shows as no convergence.
    Pcg(crate::pcg::PcgOptions, &'a dyn crate::pcg::IterativeSolver),
    /// The direct solver when its factor fits in `budget_bytes` (as the symbolic
    /// factorisation predicts, counting the factor's f64 values and the scratch the
    /// numeric factorisation needs beside them), else conjugate gradients as [`Self::Pcg`].
    Auto {
        /// Memory the factorisation may use.
        budget_bytes: u64,
        /// For the iterative fallback.
        pcg: crate::pcg::PcgOptions,
        /// Where the iterative fallback runs.
        device: &'a dyn crate::pcg::IterativeSolver,
    },
}

/// Bytes a factor of `entries` values is taken to need: twice its f64 values, for the row
/// structure and the dense update scratch beside them (measured: the peak RSS of a whole
/// `cicada-server run` is 2.0 times the factor's values on the 50 k DOF building).
fn factor_bytes(entries: usize) -> u64 {
    (entries as u64).saturating_mul(8 * 2)
}

/// The response to one load case or combination.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// Per node, global: `ux, uy, uz, rx, ry, rz` (rotations of nodes where no element
    /// takes moments are reported as 0).
    pub displacements: Vec<[f64; 6]>,
    /// Per support (in the model's order): the force and moment the support applies to
    /// the structure, global, springs included.
    pub reactions: Vec<[f64; 6]>,
    /// Per element, `[start, end]`: the forces each node applies to the element, in the
    /// element's local axes.
    pub end_forces: Vec<[[f64; 6]; 2]>,
    /// Per element and station: internal forces `N, Vy, Vz, T, My, Mz` (local; see
    /// [`internal_forces`](crate::element::internal_forces) for the signs).
    pub station_forces: Vec<[f64; 6]>,
    /// Per element and station: displacement, global.
    pub station_displacements: Vec<[f64; 3]>,
}

impl Response {
    fn scaled_add(&mut self, other: &Response, factor: f64) {
        fn axpy<const N: usize>(a: &mut [[f64; N]], b: &[[f64; N]], f: f64) {
            for (x, y) in a.iter_mut().zip(b) {
                for k in 0..N {
                    x[k] += f * y[k];
                }
            }
        }
        axpy(&mut self.displacements, &other.displacements, factor);
        axpy(&mut self.reactions, &other.reactions, factor);
        for (x, y) in self.end_forces.iter_mut().zip(&other.end_forces) {
            axpy(x, y, factor);
        }
        axpy(&mut self.station_forces, &other.station_forces, factor);
        axpy(
            &mut self.station_displacements,
            &other.station_displacements,
            factor,
        );
    }

    fn zeros_like(other: &Response) -> Response {
        Response {
            displacements: vec![[0.0; 6]; other.displacements.len()],
            reactions: vec![[0.0; 6]; other.reactions.len()],
            end_forces: vec![[[0.0; 6]; 2]; other.end_forces.len()],
            station_forces: vec![[0.0; 6]; other.station_forces.len()],
            station_displacements: vec![[0.0; 3]; other.station_displacements.len()],
        }
    }

    /// The node with the largest translation and its size.
    pub fn max_node_displacement(&self) -> (usize, f64) {
        self.displacements
            .iter()
            .enumerate()
            .map(|(i, d)| (i, (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()))
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best })
    }

    /// The station (element, station) with the largest translation and its size.
    pub fn max_station_displacement(&self, stations: usize) -> ((usize, usize), f64) {
        self.station_displacements
            .iter()
            .enumerate()
            .map(|(i, d)| (i, (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()))
            .fold(((0, 0), 0.0), |best, (i, v)| {
                if v > best.1 {
                    ((i / stations, i % stations), v)
                } else {
                    best
                }
            })
    }

    /// Per element: the largest elastic extreme-fibre stress over its stations,
    /// `|N|/A + |My|/W_y + |Mz|/W_z`, over the yield stress; `None` where the material has
    /// no yield stress or the section no moduli (a truss needs only the area).
    pub fn utilisation(&self, model: &Model, stations: usize) -> Vec<Option<f64>> {
        model
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let fy = model.materials[e.material].yield_stress?;
                let s = &model.sections[e.section];
                let truss = e.kind == crate::model::ElementKind::Truss;
                let (wy, wz) = if truss {
                    (None, None)
                } else {
                    (Some(s.wy?), Some(s.wz?))
                };
                let worst = self.station_forces[i * stations..(i + 1) * stations]
                    .iter()
                    .map(|f| {
                        f[0].abs() / s.area
                            + wy.map_or(0.0, |w| f[4].abs() / w)
                            + wz.map_or(0.0, |w| f[5].abs() / w)
                    })
                    .fold(0.0, f64::max);
                Some(worst / fy)
            })
            .collect()
    }
}

/// Every load case and combination of a model, with figures about the solve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaticResults {
    /// One per load case, in the model's order.
    pub cases: Vec<Response>,
    /// One per combination.
    pub combinations: Vec<Response>,
    /// Stations per element.
    pub stations: usize,
    /// Unknowns solved for.
    pub equations: usize,
    /// Stored entries of the stiffness (upper triangle).
    pub stiffness_entries: usize,
    /// Entries of the Cholesky factor (0 for PCG).
    pub factor_entries: usize,
    /// Per case, how PCG ended (empty for the direct solver).
    pub pcg: Vec<crate::pcg::PcgReport>,
    /// Whether the symbolic factorisation came from the cache (same topology as before).
    pub symbolic_reused: bool,
    /// Total mass: ρ A L of every element plus the point masses.
    pub mass: f64,
    /// Where the time went.
    pub timings: PhaseTimings,
}

/// Seconds spent in each phase of a static analysis.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimings {
    /// Element matrices and the sparse stiffness.
    pub assemble_secs: f64,
    /// Ordering and symbolic factorisation (0 when reused).
    pub symbolic_secs: f64,
    /// Numeric factorisation.
    pub factor_secs: f64,
    /// Right-hand sides and the solve of every case.
    pub solve_secs: f64,
    /// End forces, stations, reactions and combinations.
    pub recover_secs: f64,
}

/// Total mass of the model.
pub fn total_mass(model: &Model) -> f64 {
    let elements: f64 = model
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            model.materials[e.material].density * model.sections[e.section].area * model.length(i)
        })
        .sum();
    elements + model.point_masses.iter().map(|(_, m)| m).sum::<f64>()
}

/// Factorises the stiffness, or explains which DOFs make it singular.
pub(crate) fn factorise(system: &System, cache: &SymbolicCache) -> Result<Factor, FrameError> {
    match Factor::new(&system.k, 0.0, cache) {
        Ok(f) => Ok(f),
        Err(SolveError::OutOfMemory) => Err(FrameError::OutOfMemory),
        Err(SolveError::Singular) => Err(find_mechanism(system, cache)),
    }
}

/// Runs the linear static analysis of every load case and combination. `keep_going` is
/// asked between phases with the fraction done; returning false cancels.
pub fn analyse(
    model: &Model,
    options: StaticOptions,
    cache: &SymbolicCache,
    keep_going: &(dyn Fn(f32, &str) -> bool + Sync),
) -> Result<StaticResults, FrameError> {
    let stations = options.stations.max(2);
    let clock = std::time::Instant::now();
    let system = assemble(model)?;
    let mut timings = PhaseTimings {
        assemble_secs: clock.elapsed().as_secs_f64(),
        ..PhaseTimings::default()
    };
    if !keep_going(0.2, "factorising") {
        return Err(FrameError::Cancelled);
    }
    let clock = std::time::Instant::now();
    // `auto` orders the pattern before choosing; that is the symbolic phase, and whether
    // it was reused is decided there, not by the factorisation that finds it cached.
    let mut symbolic_first: Option<(bool, f64)> = None;
    let solver = match options.solver {
        LinearSolver::Auto {
            budget_bytes,
            pcg,
            device,
        } => {
            let (entries, reused) = cache
                .factor_entries(&system.k)
                .map_err(|_| FrameError::OutOfMemory)?;
            symbolic_first = Some((reused, clock.elapsed().as_secs_f64()));
            if factor_bytes(entries) > budget_bytes {
                LinearSolver::Pcg(pcg, device)
            } else {
                LinearSolver::Direct
            }
        }
        other => other,
    };
    let factor = match solver {
        LinearSolver::Direct | LinearSolver::Auto { .. } => {
            let mut f = factorise(&system, cache)?;
            if let Some((reused, secs)) = symbolic_first {
                f.symbolic_reused = reused;
                f.symbolic_secs = if reused { 0.0 } else { secs };
            }
            timings.symbolic_secs = f.symbolic_secs;
            timings.factor_secs = clock.elapsed().as_secs_f64() - f.symbolic_secs;
            Some(f)
        }
        LinearSolver::Pcg(..) => None,
    };
    if !keep_going(0.5, "solving") {
        return Err(FrameError::Cancelled);
    }
    let clock = std::time::Instant::now();
    let n = system.k.n;
    let ncases = model.cases.len();
    let ndof = model.nodes.len() * 6;
    let loads: Vec<Vec<Vec<LocalLoad>>> = (0..ncases)
        .into_par_iter()
        .map(|c| system.case_loads(model, c))
        .collect();
    // Fixed-end forces per case and element (local, condensed) and the uncondensed
    // equivalent loads the released DOFs need.
    let fixed_end: Vec<Vec<(Vec12, Vec12)>> = loads
        .par_iter()
        .map(|per_element| {
            system
                .elements
                .iter()
                .zip(per_element)
                .map(|(e, l)| {
                    if l.is_empty() {
                        (Vec12::zeros(), Vec12::zeros())
                    } else {
                        e.fixed_end_forces(l)
                    }
                })
                .collect()
        })
        .collect();
    let mut rhs = vec![0.0; n * ncases];
    let mut prescribed = vec![vec![0.0; ndof]; ncases];
    let mut nodal = vec![vec![0.0; ndof]; ncases];
    for (c, case) in model.cases.iter().enumerate() {
        let col = &mut rhs[c * n..(c + 1) * n];
        for &(node, v) in &case.nodal {
            for (d, &value) in v.iter().enumerate() {
                let g = node * 6 + d;
                nodal[c][g] += value;
                if system.eq[g] != NO_EQUATION {
                    col[system.eq[g]] += value;
                } else if system.dropped[g] && value != 0.0 {
                    return Err(FrameError::MomentOnHinge {
                        case: c,
                        node,
                        dof: d,
                    });
                }
            }
        }
        for (e, (fef, _)) in system.elements.iter().zip(&fixed_end[c]) {
            if fef.iter().all(|v| *v == 0.0) {
                continue;
            }
            let global = e.t.transpose() * fef;
            for a in 0..12 {
                let q = system.eq[e.dofs[a]];
                if q != NO_EQUATION {
                    col[q] -= global[a];
                }
            }
        }
        for &(node, dof, v) in &case.displacements {
            prescribed[c][node * 6 + dof] = v;
        }
        if !case.displacements.is_empty() {
            for &(q, g, k) in &system.couplings {
                col[q] -= k * prescribed[c][g];
            }
        }
    }
    let mut pcg_reports = Vec::new();
    if let Some(f) = &factor {
        f.solve_in_place(&mut rhs, ncases);
    } else if let LinearSolver::Pcg(pcg_options, device) = solver {
        let blocks =
            crate::pcg::BlockJacobi::new(&system.k, system.node_blocks()).map_err(|_| {
                // A block without stiffness: the direct path names the DOFs.
                find_mechanism(&system, cache)
            })?;
        for (c, col) in rhs.chunks_mut(n.max(1)).enumerate().take(ncases) {
            if !keep_going(0.5 + 0.2 * c as f32 / ncases as f32, "conjugate gradients") {
                return Err(FrameError::Cancelled);
            }
            let (x, report) = device
                .solve(&system.k, &blocks, col, pcg_options)
                .map_err(|reason| FrameError::Device { reason })?;
            if !report.converged {
                return Err(FrameError::NotConverged {
                    case: c,
                    iterations: report.iterations,
                    residual: report.relative_residual,
                });
            }
            col.copy_from_slice(&x);
            pcg_reports.push(report);
        }
    }
    timings.solve_secs = clock.elapsed().as_secs_f64();
    if !keep_going(0.7, "recovering forces") {
        return Err(FrameError::Cancelled);
    }
    let clock = std::time::Instant::now();
    let cases: Vec<Response> = (0..ncases)
        .into_par_iter()
        .map(|c| {
            let col = &rhs[c * n..(c + 1) * n];
            let displacements: Vec<[f64; 6]> = (0..model.nodes.len())
                .map(|node| {
                    std::array::from_fn(|d| {
                        let g = node * 6 + d;
                        match system.eq[g] {
                            NO_EQUATION => prescribed[c][g],
                            q => col[q],
                        }
                    })
                })
                .collect();
            recover(
                model,
                &system,
                &displacements,
                &loads[c],
                &fixed_end[c],
                &nodal[c],
                stations,
            )
        })
        .collect();
    let combinations = model
        .combinations
        .iter()
        .map(|combo| {
            let mut r = cases.first().map(Response::zeros_like).unwrap_or_default();
            for &(case, f) in &combo.factors {
                r.scaled_add(&cases[case], f);
            }
            r
        })
        .collect();
    timings.recover_secs = clock.elapsed().as_secs_f64();
    Ok(StaticResults {
        cases,
        combinations,
        stations,
        equations: n,
        stiffness_entries: system.k.values.len(),
        factor_entries: factor.as_ref().map_or(0, |f| f.factor_entries),
        pcg: pcg_reports,
        symbolic_reused: factor.as_ref().is_some_and(|f| f.symbolic_reused),
        mass: total_mass(model),
        timings,
    })
}

/// One element's share of a response: end forces, station forces and displacements, and
/// its end forces in global axes (for the reactions).
type ElementResponse = ([[f64; 6]; 2], Vec<[f64; 6]>, Vec<[f64; 3]>, Vec12);

/// End forces, stations and reactions of one case from its nodal displacements.
fn recover(
    model: &Model,
    system: &System,
    displacements: &[[f64; 6]],
    loads: &[Vec<LocalLoad>],
    fixed_end: &[(Vec12, Vec12)],
    nodal: &[f64],
    stations: usize,
) -> Response {
    let per_element: Vec<ElementResponse> = system
        .elements
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let [a, b] = model.elements[i].nodes;
            let mut ug = Vec12::zeros();
            for d in 0..6 {
                ug[d] = displacements[a][d];
                ug[6 + d] = displacements[b][d];
            }
            let mut ul = e.t * ug;
            let (fef, equivalent) = &fixed_end[i];
            let forces = e.k * ul + fef;
            if let Some(c) = &e.condensation {
                c.recover(&mut ul, equivalent);
            }
            let start: [f64; 6] = std::array::from_fn(|k| forces[k]);
            let end: [f64; 6] = std::array::from_fn(|k| forces[6 + k]);
            let l = e.props.length;
            let mut sf = Vec::with_capacity(stations);
            let mut sd = Vec::with_capacity(stations);
            for s in 0..stations {
                let x = l * s as f64 / (stations - 1) as f64;
                sf.push(internal_forces(&start, &loads[i], x));
                let local = displacement_at(&e.props, &ul, &loads[i], x);
                sd.push(e.axes.to_global(local.into()).into());
            }
            (([start, end]), sf, sd, e.t.transpose() * forces)
        })
        .collect();
    let mut at_node = vec![[0.0; 6]; model.nodes.len()];
    for (i, (_, _, _, global)) in per_element.iter().enumerate() {
        let [a, b] = model.elements[i].nodes;
        for d in 0..6 {
            at_node[a][d] += global[d];
            at_node[b][d] += global[6 + d];
        }
    }
    let reactions = model
        .supports
        .iter()
        .map(|s| std::array::from_fn(|d| at_node[s.node][d] - nodal[s.node * 6 + d]))
        .collect();
    let mut out = Response {
        displacements: displacements.to_vec(),
        reactions,
        end_forces: Vec::with_capacity(per_element.len()),
        station_forces: Vec::with_capacity(per_element.len() * stations),
        station_displacements: Vec::with_capacity(per_element.len() * stations),
    };
    for (ends, sf, sd, _) in per_element {
        out.end_forces.push(ends);
        out.station_forces.extend(sf);
        out.station_displacements.extend(sd);
    }
    out
}

//! The `frame` job: the wire model lowered to `cicada-frame`'s (points merged into nodes,
//! members split into elements at their vertices, names resolved), the analyses run, and
//! the report assembled with the drawn deformed shape.

use std::collections::HashMap;

use cicada_compute::{Backend, Progress, structural};
use cicada_frame::modal::ModalOptions;
use cicada_frame::pcg::PcgOptions;
use cicada_frame::points::NodeSet;
use cicada_frame::statics::{LinearSolver, Response, StaticOptions, StaticResults};
use cicada_frame::{
    Combination, Element, ElementKind, ElementLoad, FrameError, LoadAxes, LoadCase, MassKind,
    Material, Model, Orientation, Section, Shape, Support,
};
use cicada_protocol::structural::{
    self as wire, At, DeformedShape, FrameParams, FrameReport, MassModel, MaxDisplacement,
    ModalReport, ModeReport, Reaction, SectionShape, SolverReport, StaticResponse, StructuralModel,
};
use cicada_protocol::{Output, Packed, Problem};

use crate::execute::JobError;

/// A lowered model and how its elements map back to the members sent.
pub struct Lowered {
    /// The kernel's model.
    pub model: Model,
    /// The member of each element.
    pub element_member: Vec<u32>,
    /// Members' labels.
    pub member_ids: Vec<Option<String>>,
}

fn problem(path: String, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
    }
}

/// Lowers a validated wire model; `at` is its path in the job. Every problem found is
/// reported (points off every node, repeated points, impossible shapes).
pub fn lower(m: &StructuralModel, at: &str) -> Result<Lowered, Vec<Problem>> {
    let mut problems = Vec::new();
    let tolerance = m.tolerance.unwrap_or(0.001);
    let mut set = NodeSet::new(tolerance);
    let explicit: Vec<usize> = m.nodes.iter().map(|p| set.insert(*p)).collect();
    let materials: HashMap<&str, usize> = m
        .materials
        .iter()
        .enumerate()
        .map(|(i, x)| (x.name.as_str(), i))
        .collect();
    let sections: HashMap<&str, usize> = m
        .sections
        .iter()
        .enumerate()
        .map(|(i, x)| (x.name.as_str(), i))
        .collect();
    let material_list = m
        .materials
        .iter()
        .map(|x| Material {
            e: x.e,
            g: x.g
                .unwrap_or_else(|| x.e / (2.0 * (1.0 + x.nu.unwrap_or(0.3)))),
            density: x.density.unwrap_or(0.0),
            yield_stress: x.yield_stress,
        })
        .collect();
    let mut section_list = Vec::with_capacity(m.sections.len());
    for (i, s) in m.sections.iter().enumerate() {
        let section = match s.shape {
            SectionShape::Properties {
                area,
                iy,
                iz,
                j,
                shear_area_y,
                shear_area_z,
                wy,
                wz,
            } => Ok(Section {
                area,
                iy,
                iz,
                j,
                shear_area_y: shear_area_y.unwrap_or(area * 5.0 / 6.0),
                shear_area_z: shear_area_z.unwrap_or(area * 5.0 / 6.0),
                wy,
                wz,
            }),
            SectionShape::Rectangle { width, height } => {
                Shape::Rectangle { width, height }.properties()
            }
            SectionShape::Circle { diameter } => Shape::Circle { diameter }.properties(),
            SectionShape::Tube {
                diameter,
                thickness,
            } => Shape::Tube {
                diameter,
                thickness,
            }
            .properties(),
            SectionShape::I {
                height,
                width,
                flange,
                web,
            } => Shape::I {
                height,
                width,
                flange,
                web,
            }
            .properties(),
        };
        match section {
            Ok(s) => section_list.push(s),
            Err(e) => {
                problems.push(problem(format!("{at}/sections/{i}"), e.0));
                section_list.push(Section {
                    area: 1.0,
                    iy: 1.0,
                    iz: 1.0,
                    j: 1.0,
                    shear_area_y: 1.0,
                    shear_area_z: 1.0,
                    wy: None,
                    wz: None,
                });
            }
        }
    }
    let mut elements = Vec::new();
    let mut element_member = Vec::new();
    // Per member: its elements' range and the cumulative length at each vertex.
    let mut member_elements: Vec<(usize, Vec<f64>)> = Vec::with_capacity(m.members.len());
    for (i, mem) in m.members.iter().enumerate() {
        let path = format!("{at}/members/{i}");
        let nodes: Vec<usize> = match (&mem.nodes, &mem.points) {
            (Some(list), _) => list.iter().map(|n| explicit[*n as usize]).collect(),
            (None, Some(points)) => points.iter().map(|p| set.insert(*p)).collect(),
            (None, None) => Vec::new(),
        };
        let first = elements.len();
        let mut cumulative = vec![0.0];
        let kind = match mem.kind.unwrap_or_default() {
            wire::MemberKind::Beam => ElementKind::Beam,
            wire::MemberKind::Truss => ElementKind::Truss,
        };
        let releases = mem.releases.clone().unwrap_or_default();
        let mask = |dofs: &[wire::Dof]| {
            let mut m = [false; 6];
            for d in dofs {
                for &k in d.indices() {
                    m[k] = true;
                }
            }
            m
        };
        let segments = nodes.len().saturating_sub(1);
        for k in 0..segments {
            let (a, b) = (nodes[k], nodes[k + 1]);
            if a == b {
                let which = if mem.points.is_some() {
                    "points"
                } else {
                    "nodes"
                };
                problems.push(problem(
                    format!("{path}/{which}/{}", k + 1),
                    format!("lies within the tolerance ({tolerance}) of the previous one: a member segment needs length"),
                ));
                continue;
            }
            let length = cicada_frame::model::distance(set.points[a], set.points[b]);
            cumulative.push(cumulative.last().copied().unwrap_or(0.0) + length);
            let mut r = [[false; 6]; 2];
            if k == 0 {
                r[0] = mask(&releases.start);
            }
            if k + 1 == segments {
                r[1] = mask(&releases.end);
            }
            elements.push(Element {
                nodes: [a, b],
                material: materials.get(mem.material.as_str()).copied().unwrap_or(0),
                section: sections.get(mem.section.as_str()).copied().unwrap_or(0),
                kind,
                shear_deformation: mem.shear_deformation.unwrap_or(false),
                releases: r,
                orientation: Orientation {
                    reference: mem.reference,
                    roll_rad: mem.roll_deg.unwrap_or(0.0).to_radians(),
                },
            });
            element_member.push(i as u32);
        }
        member_elements.push((first, cumulative));
    }
    let node_at = |a: &At, path: String, problems: &mut Vec<Problem>| -> Option<usize> {
        match (a.node, a.point) {
            (Some(n), _) => Some(explicit[n as usize]),
            (None, Some(p)) => {
                let found = set.find(p);
                if found.is_none() {
                    problems.push(problem(
                        format!("{path}/point"),
                        format!(
                            "no node within the tolerance ({tolerance}) of ({}, {}, {})",
                            p[0], p[1], p[2]
                        ),
                    ));
                }
                found
            }
            (None, None) => None,
        }
    };
    let mut supports: Vec<Support> = Vec::new();
    let mut supported: HashMap<usize, usize> = HashMap::new();
    for (i, s) in m.supports.iter().enumerate() {
        let path = format!("{at}/supports/{i}");
        let Some(node) = node_at(&s.at, path.clone(), &mut problems) else {
            continue;
        };
        if let Some(&other) = supported.get(&node) {
            problems.push(problem(
                path,
                format!("node {node} already has a support (supports/{other})"),
            ));
            continue;
        }
        supported.insert(node, i);
        let mut fixed = [false; 6];
        for d in &s.fixed {
            for &k in d.indices() {
                fixed[k] = true;
            }
        }
        supports.push(Support {
            node,
            fixed,
            springs: s.springs.unwrap_or([0.0; 6]),
        });
    }
    let mut point_masses = Vec::new();
    for (i, pm) in m.point_masses.iter().enumerate() {
        if let Some(node) = node_at(&pm.at, format!("{at}/point_masses/{i}"), &mut problems) {
            point_masses.push((node, pm.mass));
        }
    }
    let mut cases = Vec::with_capacity(m.load_cases.len());
    for (c, case) in m.load_cases.iter().enumerate() {
        let pc = format!("{at}/load_cases/{c}");
        let mut out = LoadCase {
            name: case.name.clone(),
            gravity: case.gravity,
            ..LoadCase::default()
        };
        for (i, load) in case.nodal.iter().enumerate() {
            if let Some(node) = node_at(&load.at, format!("{pc}/nodal/{i}"), &mut problems) {
                let f = load.force.unwrap_or([0.0; 3]);
                let mo = load.moment.unwrap_or([0.0; 3]);
                out.nodal
                    .push((node, [f[0], f[1], f[2], mo[0], mo[1], mo[2]]));
            }
        }
        for load in &case.members {
            let (first, cumulative) = &member_elements[load.member as usize];
            let total = cumulative.last().copied().unwrap_or(0.0);
            let axes = match load.axes.unwrap_or_default() {
                wire::LoadAxesSpec::Global => LoadAxes::Global,
                wire::LoadAxesSpec::Local => LoadAxes::Local,
            };
            let segments = cumulative.len() - 1;
            match load.at {
                Some(fraction) => {
                    let s = fraction * total;
                    let k = (0..segments)
                        .find(|&k| s <= cumulative[k + 1])
                        .unwrap_or(segments.saturating_sub(1));
                    if segments > 0 {
                        out.element.push(ElementLoad::Point {
                            element: first + k,
                            force: load.force,
                            at: s - cumulative[k],
                            axes,
                        });
                    }
                }
                None => {
                    let (s0, s1) = (
                        load.from.unwrap_or(0.0) * total,
                        load.to.unwrap_or(1.0) * total,
                    );
                    for k in 0..segments {
                        let (a, b) = (s0.max(cumulative[k]), s1.min(cumulative[k + 1]));
                        if b > a {
                            out.element.push(ElementLoad::Uniform {
                                element: first + k,
                                force: load.force,
                                start: a - cumulative[k],
                                end: b - cumulative[k],
                                axes,
                            });
                        }
                    }
                }
            }
        }
        for (i, d) in case.displacements.iter().enumerate() {
            let path = format!("{pc}/displacements/{i}");
            if let Some(node) = node_at(&d.at, path.clone(), &mut problems) {
                let dof = d.dof.indices()[0];
                let held = supports.iter().any(|x| x.node == node && x.fixed[dof]);
                if !held {
                    problems.push(problem(
                        path,
                        format!(
                            "node {node} {} is not fixed by a support, so it cannot be displaced",
                            cicada_frame::model::DOF_NAMES[dof]
                        ),
                    ));
                    continue;
                }
                out.displacements.push((node, dof, d.value));
            }
        }
        cases.push(out);
    }
    let case_index: HashMap<&str, usize> = m
        .load_cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let combinations = m
        .combinations
        .iter()
        .map(|c| Combination {
            name: c.name.clone(),
            factors: c
                .factors
                .iter()
                .filter_map(|(name, f)| case_index.get(name.as_str()).map(|&i| (i, *f)))
                .collect(),
        })
        .collect();
    if elements.is_empty() && problems.is_empty() {
        problems.push(problem(format!("{at}/members"), "the model has no members"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Lowered {
        model: Model {
            nodes: set.points,
            materials: material_list,
            sections: section_list,
            elements,
            supports,
            point_masses,
            cases,
            combinations,
        },
        element_member,
        member_ids: m.members.iter().map(|x| x.id.clone()).collect(),
    })
}

/// Memory a direct factorisation may take: 80 % of what the kernel reports available
/// (`MemAvailable`), or no limit where that cannot be read.
fn memory_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(u64::MAX, |kib| kib * 1024 / 10 * 8)
}

/// A kernel error as a job error. Model problems point into the structure input as the
/// sender wrote it: an element's problem at its member, a case's at the load case.
fn job_error(e: FrameError, at: &str, element_member: &[u32]) -> JobError {
    let member_path = |element: usize, rest: &str| {
        let member = element_member
            .get(element)
            .copied()
            .unwrap_or(element as u32);
        format!("{at}/members/{member}{rest}")
    };
    let problem =
        |path: String, message: String| JobError::Invalid(vec![Problem { path, message }]);
    match e {
        FrameError::Cancelled => JobError::Cancelled,
        FrameError::OutOfMemory | FrameError::Device { .. } => JobError::Input(e.to_string()),
        FrameError::Invalid {
            path,
            problem: message,
        } => {
            // Kernel paths name elements (`elements/3/orientation`); senders know members.
            let mut parts = path.splitn(3, '/');
            match (
                parts.next(),
                parts.next().and_then(|i| i.parse::<usize>().ok()),
            ) {
                (Some("elements"), Some(element)) => {
                    let rest = parts.next().map(|r| format!("/{r}")).unwrap_or_default();
                    let rest = rest.replace("/orientation", "/reference");
                    problem(member_path(element, &rest), message)
                }
                _ => problem(format!("{at}/{path}"), message),
            }
        }
        FrameError::UnstableReleases { element } => problem(
            member_path(element, "/releases"),
            "the releases leave the member free to move without strain (e.g. torsion \
             released at both ends, or every DOF at one end)"
                .into(),
        ),
        FrameError::MomentOnHinge { case, .. } | FrameError::NotConverged { case, .. } => {
            // The kernel's message starts with its own `cases/N: `; the path says it here.
            let text = e.to_string();
            let text = text
                .split_once(": ")
                .map_or(text.clone(), |(_, r)| r.to_string());
            problem(format!("{at}/load_cases/{case}"), text)
        }
        other => problem(at.to_string(), other.to_string()),
    }
}

/// Runs a `frame` job on its (validated) model.
pub fn frame(
    model: &StructuralModel,
    at: &str,
    params: &FrameParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Output, JobError> {
    progress.report(0.0, "building the model");
    let lowered = lower(model, at).map_err(JobError::Invalid)?;
    let m = &lowered.model;
    let stations = params.stations.unwrap_or(11).clamp(2, 101) as usize;
    let modes = params.modes.unwrap_or(0) as usize;
    let statics_wanted = params.statics.unwrap_or(true);
    let static_share = if modes > 0 { (0.0, 0.6) } else { (0.0, 1.0) };
    let device = structural::iterative_solver(backend);
    let device_name = device.device();
    let pcg = PcgOptions {
        tolerance: params
            .pcg_tolerance
            .unwrap_or(PcgOptions::default().tolerance),
        ..PcgOptions::default()
    };
    let solver = match params.solver.unwrap_or_default() {
        wire::SolverChoice::Auto => LinearSolver::Auto {
            budget_bytes: memory_budget(),
            pcg,
            device: device.as_ref(),
        },
        wire::SolverChoice::Direct => LinearSolver::Direct,
        wire::SolverChoice::Pcg => LinearSolver::Pcg(pcg, device.as_ref()),
    };
    let results = if statics_wanted {
        Some(
            structural::static_analysis(
                m,
                StaticOptions { stations, solver },
                progress,
                static_share,
            )
            .map_err(|e| job_error(e, at, &lowered.element_member))?,
        )
    } else {
        None
    };
    let mass_model = params.mass.unwrap_or_default();
    let modal = if modes > 0 {
        let options = ModalOptions {
            modes,
            mass: match mass_model {
                MassModel::Consistent => MassKind::Consistent,
                MassModel::Lumped => MassKind::Lumped,
            },
        };
        let from = if statics_wanted { 0.6 } else { 0.0 };
        Some(
            structural::modal_analysis(m, options, progress, (from, 1.0))
                .map_err(|e| job_error(e, at, &lowered.element_member))?,
        )
    } else {
        None
    };
    progress.report(1.0, "writing the report");
    Ok(Output::Frame(report(
        &lowered,
        results,
        modal,
        stations,
        params,
        mass_model,
        &device_name,
    )))
}

fn report(
    lowered: &Lowered,
    results: Option<StaticResults>,
    modal: Option<cicada_frame::modal::ModalResults>,
    stations: usize,
    params: &FrameParams,
    mass_model: MassModel,
    device_name: &str,
) -> FrameReport {
    let m = &lowered.model;
    let (cases, combinations, solver, equations) = match &results {
        Some(r) => {
            let all: Vec<&Response> = r.cases.iter().chain(&r.combinations).collect();
            let scale = params
                .deformed_scale
                .unwrap_or_else(|| auto_scale(m, &all, stations));
            let respond =
                |resp: &Response, name: &str| static_response(m, resp, name, stations, scale);
            (
                r.cases
                    .iter()
                    .zip(&m.cases)
                    .map(|(x, c)| respond(x, &c.name))
                    .collect(),
                r.combinations
                    .iter()
                    .zip(&m.combinations)
                    .map(|(x, c)| respond(x, &c.name))
                    .collect(),
                SolverReport {
                    method: if r.pcg.is_empty() {
                        "sparse_cholesky"
                    } else {
                        "pcg"
                    }
                    .into(),
                    device: if r.pcg.is_empty() { "cpu" } else { device_name }.into(),
                    pcg_iterations: r.pcg.iter().map(|p| p.iterations as u32).collect(),
                    pcg_residuals: r.pcg.iter().map(|p| p.relative_residual).collect(),
                    stiffness_entries: r.stiffness_entries as u64,
                    factor_entries: r.factor_entries as u64,
                    symbolic_reused: r.symbolic_reused,
                    assemble_secs: r.timings.assemble_secs,
                    symbolic_secs: r.timings.symbolic_secs,
                    factor_secs: r.timings.factor_secs,
                    solve_secs: r.timings.solve_secs,
                    recover_secs: r.timings.recover_secs,
                },
                r.equations as u32,
            )
        }
        None => (
            Vec::new(),
            Vec::new(),
            SolverReport {
                method: "sparse_cholesky".into(),
                ..SolverReport::default()
            },
            modal.as_ref().map_or(0, |x| x.equations as u32),
        ),
    };
    FrameReport {
        nodes: Packed(m.nodes.clone()),
        elements: Packed(
            m.elements
                .iter()
                .map(|e| [e.nodes[0] as u32, e.nodes[1] as u32])
                .collect(),
        ),
        element_member: Packed(lowered.element_member.clone()),
        member_ids: lowered.member_ids.clone(),
        mass: cicada_frame::statics::total_mass(m),
        equations,
        solver,
        stations: stations as u32,
        cases,
        combinations,
        modal: modal.map(|r| ModalReport {
            mass: mass_model,
            free_mass: r.free_mass,
            modes: r
                .modes
                .into_iter()
                .map(|mode| ModeReport {
                    frequency_hz: mode.frequency_hz,
                    period_secs: 1.0 / mode.frequency_hz,
                    shape: Packed(mode.shape),
                    participation: mode.participation,
                    effective_mass: mode.effective_mass,
                })
                .collect(),
        }),
    }
}

/// A scale that draws the largest displacement of any response as 5 % of the model's size.
fn auto_scale(m: &Model, responses: &[&Response], stations: usize) -> f64 {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for p in &m.nodes {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let size = ((hi[0] - lo[0]).powi(2) + (hi[1] - lo[1]).powi(2) + (hi[2] - lo[2]).powi(2)).sqrt();
    let largest = responses
        .iter()
        .map(|r| {
            r.max_station_displacement(stations)
                .1
                .max(r.max_node_displacement().1)
        })
        .fold(0.0, f64::max);
    if largest > 0.0 && size > 0.0 {
        0.05 * size / largest
    } else {
        1.0
    }
}

fn static_response(
    m: &Model,
    r: &Response,
    name: &str,
    stations: usize,
    scale: f64,
) -> StaticResponse {
    let (node, value) = r.max_node_displacement();
    let ((element, station), along) = r.max_station_displacement(stations);
    let mut points = Vec::with_capacity(r.station_displacements.len());
    for (i, e) in m.elements.iter().enumerate() {
        let (a, b) = (m.nodes[e.nodes[0]], m.nodes[e.nodes[1]]);
        for s in 0..stations {
            let t = s as f64 / (stations - 1) as f64;
            let d = r.station_displacements[i * stations + s];
            points.push(std::array::from_fn(|k| {
                a[k] + (b[k] - a[k]) * t + scale * d[k]
            }));
        }
    }
    StaticResponse {
        name: name.to_string(),
        displacements: Packed(r.displacements.clone()),
        reactions: m
            .supports
            .iter()
            .zip(&r.reactions)
            .map(|(s, f)| Reaction {
                node: s.node as u32,
                force: [f[0], f[1], f[2]],
                moment: [f[3], f[4], f[5]],
            })
            .collect(),
        end_forces: Packed(
            r.end_forces
                .iter()
                .map(|[s, e]| std::array::from_fn(|k| if k < 6 { s[k] } else { e[k - 6] }))
                .collect(),
        ),
        station_forces: Packed(r.station_forces.clone()),
        station_displacements: Packed(r.station_displacements.clone()),
        max_displacement: MaxDisplacement {
            node: node as u32,
            value,
            element: element as u32,
            station: station as u32,
            along_members: along,
        },
        utilisation: r.utilisation(m, stations),
        deformed: DeformedShape {
            scale,
            points: Packed(points),
        },
    }
}

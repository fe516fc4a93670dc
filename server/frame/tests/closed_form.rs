//! Closed-form answers (textbook beam theory: Timoshenko & Gere, *Mechanics of Materials*;
//! Roark's *Formulas for Stress and Strain*; Blevins, *Formulas for Natural Frequency and
//! Mode Shape*) against the kernel, to 1e-6 relative, with equilibrium checked on every model.

use cicada_frame::modal::{self, ModalOptions};
use cicada_frame::statics::{self, StaticOptions, StaticResults};
use cicada_frame::*;

const E: f64 = 210e9;
const G: f64 = 81e9;
const RHO: f64 = 7850.0;

fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "got {got}, want {want} (relative error {:e})",
        ((got - want) / want).abs()
    );
}

fn section() -> Section {
    // A 0.1 × 0.3 rectangle with exact-looking, distinct properties.
    Shape::Rectangle {
        width: 0.1,
        height: 0.3,
    }
    .properties()
    .unwrap()
}

fn beam_element(a: usize, b: usize) -> Element {
    Element {
        nodes: [a, b],
        material: 0,
        section: 0,
        kind: ElementKind::Beam,
        shear_deformation: false,
        releases: [[false; 6]; 2],
        orientation: Orientation::default(),
    }
}

/// A straight member along global X from 0 to `length` in `parts` elements.
fn line_model(length: f64, parts: usize) -> Model {
    Model {
        nodes: (0..=parts)
            .map(|i| [length * i as f64 / parts as f64, 0.0, 0.0])
            .collect(),
        materials: vec![Material {
            e: E,
            g: G,
            density: RHO,
            yield_stress: Some(355e6),
        }],
        sections: vec![section()],
        elements: (0..parts).map(|i| beam_element(i, i + 1)).collect(),
        ..Model::default()
    }
}

fn support(node: usize, fixed: [bool; 6]) -> Support {
    Support {
        node,
        fixed,
        springs: [0.0; 6],
    }
}

const FIXED: [bool; 6] = [true; 6];
/// Pinned, with the torsion held so the line cannot spin about its axis.
const PINNED: [bool; 6] = [true, true, true, true, false, false];
const ROLLER: [bool; 6] = [false, true, true, false, false, false];

fn case(nodal: Vec<(usize, [f64; 6])>, element: Vec<ElementLoad>) -> LoadCase {
    LoadCase {
        name: "case".into(),
        nodal,
        element,
        ..LoadCase::default()
    }
}

fn udl_everywhere(model: &Model, force: [f64; 3]) -> Vec<ElementLoad> {
    (0..model.elements.len())
        .map(|e| ElementLoad::Uniform {
            element: e,
            force,
            start: 0.0,
            end: model.length(e),
            axes: LoadAxes::Global,
        })
        .collect()
}

fn run(model: &Model) -> StaticResults {
    let r = statics::analyse(
        model,
        StaticOptions::default(),
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (c, response) in r.cases.iter().enumerate() {
        assert_equilibrium(model, c, response);
    }
    r
}

/// Reactions balance every applied load, forces and moments about the origin.
fn assert_equilibrium(model: &Model, c: usize, r: &statics::Response) {
    let mut sum = [0.0f64; 6];
    let mut scale = 0.0f64;
    let mut add = |p: [f64; 3], f: [f64; 6]| {
        for k in 0..3 {
            sum[k] += f[k];
        }
        sum[3] += f[3] + p[1] * f[2] - p[2] * f[1];
        sum[4] += f[4] + p[2] * f[0] - p[0] * f[2];
        sum[5] += f[5] + p[0] * f[1] - p[1] * f[0];
        scale = scale.max(f.iter().fold(0.0, |a, b| a.max(b.abs())));
    };
    for (s, reaction) in model.supports.iter().zip(&r.reactions) {
        add(model.nodes[s.node], *reaction);
    }
    let case = &model.cases[c];
    for (n, f) in &case.nodal {
        add(model.nodes[*n], *f);
    }
    // Element loads and self-weight as resultants, integrated along each element.
    for (i, e) in model.elements.iter().enumerate() {
        let [a, b] = e.nodes;
        let (pa, pb) = (model.nodes[a], model.nodes[b]);
        let l = model.length(i);
        let at = |x: f64| std::array::from_fn::<f64, 3, _>(|k| pa[k] + (pb[k] - pa[k]) * x / l);
        let axes = cicada_frame::element::Axes::new(pa, pb, e.orientation).unwrap();
        let global = |axes_kind: LoadAxes, v: [f64; 3]| match axes_kind {
            LoadAxes::Global => v,
            LoadAxes::Local => axes.to_global(v.into()).into(),
        };
        let mut point = |x: f64, f: [f64; 3]| add(at(x), [f[0], f[1], f[2], 0.0, 0.0, 0.0]);
        if let Some(g) = case.gravity {
            let w = model.materials[e.material].density * model.sections[e.section].area;
            point(l / 2.0, [w * g[0] * l, w * g[1] * l, w * g[2] * l]);
        }
        for load in case.element.iter().filter(|x| x.element() == i) {
            match *load {
                ElementLoad::Uniform {
                    force,
                    start,
                    end,
                    axes: k,
                    ..
                } => {
                    let f = global(k, force);
                    let len = end - start;
                    point((start + end) / 2.0, [f[0] * len, f[1] * len, f[2] * len]);
                }
                ElementLoad::Point {
                    force,
                    at: x,
                    axes: k,
                    ..
                } => point(x, global(k, force)),
            }
        }
    }
    for (k, v) in sum.iter().enumerate() {
        assert!(
            v.abs() <= 1e-8 * scale.max(1.0) * 10.0,
            "case {c}: component {k} out of balance by {v}"
        );
    }
}

#[test]
fn cantilever_tip_load_in_both_planes() {
    let (l, p) = (3.0, 10e3);
    let s = section();
    for parts in [1, 4] {
        let mut m = line_model(l, parts);
        m.supports = vec![support(0, FIXED)];
        m.cases = vec![
            case(vec![(parts, [0.0, -p, 0.0, 0.0, 0.0, 0.0])], vec![]),
            case(vec![(parts, [0.0, 0.0, -p, 0.0, 0.0, 0.0])], vec![]),
        ];
        let r = run(&m);
        let tip_y = r.cases[0].displacements[parts];
        close(tip_y[1], -p * l.powi(3) / (3.0 * E * s.iz), 1e-9);
        close(tip_y[5], -p * l * l / (2.0 * E * s.iz), 1e-9);
        close(r.cases[0].reactions[0][1], p, 1e-12);
        close(r.cases[0].reactions[0][5], p * l, 1e-12);
        let tip_z = r.cases[1].displacements[parts];
        close(tip_z[2], -p * l.powi(3) / (3.0 * E * s.iy), 1e-9);
        close(tip_z[4], p * l * l / (2.0 * E * s.iy), 1e-9);
        // Root moment on the cut face: My = ∫ z σ dA > 0, tension on top (hogging).
        let root = r.cases[1].station_forces[0];
        close(root[4], p * l, 1e-12);
        close(root[2], -p, 1e-12);
    }
}

#[test]
fn timoshenko_cantilever_adds_shear_deflection() {
    let (l, p) = (1.2, 50e3);
    let s = section();
    let mut m = line_model(l, 3);
    m.elements
        .iter_mut()
        .for_each(|e| e.shear_deformation = true);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![case(vec![(3, [0.0, 0.0, -p, 0.0, 0.0, 0.0])], vec![])];
    let r = run(&m);
    let want = p * l.powi(3) / (3.0 * E * s.iy) + p * l / (G * s.shear_area_z);
    close(-r.cases[0].displacements[3][2], want, 1e-9);
}

#[test]
fn axial_bar_and_torsion_bar() {
    let (l, p, t) = (4.0, 1e6, 2e4);
    let s = section();
    let mut m = line_model(l, 2);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![case(vec![(2, [p, 0.0, 0.0, t, 0.0, 0.0])], vec![])];
    let r = run(&m);
    close(r.cases[0].displacements[2][0], p * l / (E * s.area), 1e-12);
    close(r.cases[0].displacements[2][3], t * l / (G * s.j), 1e-12);
    close(r.cases[0].station_forces[0][0], p, 1e-12);
    close(r.cases[0].station_forces[0][3], t, 1e-12);
}

#[test]
fn simply_supported_udl_mid_span_deflection_and_moment() {
    let (l, w) = (8.0, 12e3);
    let s = section();
    // One element: the mid-span value comes from the element's own deflected shape.
    for parts in [1, 2] {
        let mut m = line_model(l, parts);
        m.supports = vec![support(0, PINNED), support(parts, ROLLER)];
        m.cases = vec![case(vec![], udl_everywhere(&m, [0.0, 0.0, -w]))];
        let r = run(&m);
        let stations = r.stations;
        let mid = if parts == 1 {
            stations / 2
        } else {
            stations - 1
        };
        let mid_station = r.cases[0].station_displacements[mid];
        close(
            -mid_station[2],
            5.0 * w * l.powi(4) / (384.0 * E * s.iy),
            1e-9,
        );
        close(-r.cases[0].station_forces[mid][4], w * l * l / 8.0, 1e-9);
        close(r.cases[0].reactions[0][2], w * l / 2.0, 1e-12);
    }
}

#[test]
fn fixed_fixed_beam_udl_and_point_load() {
    let (l, w, p) = (6.0, 5e3, 40e3);
    let s = section();
    let mut m = line_model(l, 2);
    m.supports = vec![support(0, FIXED), support(2, FIXED)];
    m.cases = vec![
        case(vec![], udl_everywhere(&m, [0.0, -w, 0.0])),
        case(vec![(1, [0.0, -p, 0.0, 0.0, 0.0, 0.0])], vec![]),
    ];
    let r = run(&m);
    let udl = &r.cases[0];
    close(
        -udl.displacements[1][1],
        w * l.powi(4) / (384.0 * E * s.iz),
        1e-9,
    );
    close(udl.reactions[0][5], w * l * l / 12.0, 1e-9);
    close(udl.reactions[1][5], -w * l * l / 12.0, 1e-9);
    // Mid-span moment wL²/24, sagging (positive Mz with local y up... here y is global Y).
    let mid = udl.station_forces[r.stations - 1];
    close(mid[5], w * l * l / 24.0, 1e-9);
    let point = &r.cases[1];
    close(
        -point.displacements[1][1],
        p * l.powi(3) / (192.0 * E * s.iz),
        1e-9,
    );
    close(point.reactions[0][5], p * l / 8.0, 1e-9);
}

#[test]
fn propped_cantilever_udl_reaction_moment_and_deflected_shape() {
    let (l, w) = (5.0, 8e3);
    let s = section();
    let mut m = line_model(l, 1);
    m.supports = vec![support(0, FIXED), support(1, ROLLER)];
    m.cases = vec![case(vec![], udl_everywhere(&m, [0.0, 0.0, -w]))];
    let r = run(&m);
    let c = &r.cases[0];
    close(c.reactions[1][2], 3.0 * w * l / 8.0, 1e-9);
    close(c.reactions[0][2], 5.0 * w * l / 8.0, 1e-9);
    close(c.reactions[0][4].abs(), w * l * l / 8.0, 1e-9);
    // Deflection along the span (x from the fixed end): w x² (3L² − 5Lx + 2x²) / (48 EI).
    for (k, d) in c
        .station_displacements
        .iter()
        .enumerate()
        .skip(1)
        .take(r.stations - 2)
    {
        let x = l * k as f64 / (r.stations - 1) as f64;
        let want = w * x * x * (3.0 * l * l - 5.0 * l * x + 2.0 * x * x) / (48.0 * E * s.iy);
        close(-d[2], want, 1e-9);
    }
    // And the textbook maximum, wL⁴/(185 EI) at 0.4215 L from the prop (Roark: 0.005416).
    let x = l * (1.0 - 0.4215);
    let at_max = w * x * x * (3.0 * l * l - 5.0 * l * x + 2.0 * x * x) / (48.0 * E * s.iy);
    close(at_max, 0.005416 * w * l.powi(4) / (E * s.iy), 1e-3);
}

fn portal(bases: [bool; 6]) -> (Model, f64, f64) {
    let (h, b) = (4.0, 6.0);
    // The closed form takes the columns as axially rigid (no overturning rotation).
    let col = Section {
        area: section().area * 1e6,
        ..section()
    };
    let girder = Section {
        area: section().area * 1e6,
        iy: col.iy * 1e6,
        iz: col.iz * 1e6,
        j: col.j * 1e6,
        ..col.clone()
    };
    let mut m = Model {
        nodes: vec![[0.0, 0.0, 0.0], [0.0, 0.0, h], [b, 0.0, h], [b, 0.0, 0.0]],
        materials: line_model(1.0, 1).materials,
        sections: vec![col.clone(), girder],
        elements: vec![beam_element(0, 1), beam_element(1, 2), beam_element(3, 2)],
        supports: vec![support(0, bases), support(3, bases)],
        ..Model::default()
    };
    m.elements[1].section = 1;
    // Sway in X bends the columns about their local axis that lies along global Y.
    let hload = 25e3;
    m.cases = vec![case(vec![(1, [hload, 0.0, 0.0, 0.0, 0.0, 0.0])], vec![])];
    // Vertical columns: local y is global Y, local z is −X, so sway uses I_y.
    (m, hload, col.iy)
}

#[test]
fn portal_frame_sway_with_rigid_girder() {
    let h: f64 = 4.0;
    let (m, hl, ic) = portal(FIXED);
    let r = run(&m);
    close(
        r.cases[0].displacements[1][0],
        hl * h.powi(3) / (24.0 * E * ic),
        1e-6,
    );
    let (m, hl, ic) = portal([true, true, true, true, false, true]);
    let r = run(&m);
    close(
        r.cases[0].displacements[1][0],
        hl * h.powi(3) / (6.0 * E * ic),
        1e-6,
    );
}

fn truss(a: usize, b: usize, section: usize) -> Element {
    Element {
        kind: ElementKind::Truss,
        section,
        ..beam_element(a, b)
    }
}

#[test]
fn two_bar_truss_solved_by_hand() {
    // Bars from (±a, 0, 0) to the apex (0, 0, h); load P down at the apex.
    let (a, h, p) = (3.0, 4.0, 100e3);
    let mut m = line_model(1.0, 1);
    m.nodes = vec![[-a, 0.0, 0.0], [a, 0.0, 0.0], [0.0, 0.0, h]];
    m.elements = vec![truss(0, 2, 0), truss(1, 2, 0)];
    m.supports = vec![
        support(0, [true, true, true, false, false, false]),
        support(1, [true, true, true, false, false, false]),
    ];
    m.cases = vec![case(vec![(2, [0.0, 0.0, -p, 0.0, 0.0, 0.0])], vec![])];
    // The apex can swing out of the plane: a mechanism, and the error says where.
    let err = statics::analyse(
        &m,
        StaticOptions::default(),
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap_err();
    match &err {
        FrameError::Unstable { free, .. } => {
            assert_eq!(free[0], NodeDof { node: 2, dof: 1 }, "{err}")
        }
        other => panic!("{other}"),
    }
    m.supports
        .push(support(2, [false, true, false, false, false, false]));
    let r = run(&m);
    let l = (a * a + h * h).sqrt();
    let sin = h / l;
    let area = section().area;
    close(r.cases[0].station_forces[0][0], -p / (2.0 * sin), 1e-12);
    close(
        -r.cases[0].displacements[2][2],
        p * l / (2.0 * E * area * sin * sin),
        1e-12,
    );
}

#[test]
fn tripod_shares_a_vertical_load_equally() {
    let (r0, h, p) = (2.0, 3.0, 90e3);
    let mut m = line_model(1.0, 1);
    m.nodes = (0..3)
        .map(|k| {
            let t = k as f64 * 2.0 * std::f64::consts::PI / 3.0;
            [r0 * t.cos(), r0 * t.sin(), 0.0]
        })
        .chain([[0.0, 0.0, h]])
        .collect();
    m.elements = (0..3).map(|k| truss(k, 3, 0)).collect();
    m.supports = (0..3)
        .map(|k| support(k, [true, true, true, false, false, false]))
        .collect();
    m.cases = vec![case(vec![(3, [0.0, 0.0, -p, 0.0, 0.0, 0.0])], vec![])];
    let r = run(&m);
    let l = (r0 * r0 + h * h).sqrt();
    for e in 0..3 {
        close(
            r.cases[0].station_forces[e * r.stations][0],
            -p * l / (3.0 * h),
            1e-12,
        );
    }
    let err = {
        let mut m = m.clone();
        m.cases[0].nodal[0].1[3] = 1.0;
        statics::analyse(
            &m,
            StaticOptions::default(),
            &SymbolicCache::new(),
            &|_, _| true,
        )
        .unwrap_err()
    };
    assert_eq!(
        err,
        FrameError::MomentOnHinge {
            case: 0,
            node: 3,
            dof: 3
        }
    );
}

#[test]
fn end_releases_make_a_simply_supported_span() {
    let (l, w) = (7.0, 3e3);
    let s = section();
    let mut m = line_model(l, 1);
    m.elements[0].releases = [
        [false, false, false, false, true, true],
        [false, false, false, false, true, true],
    ];
    m.supports = vec![support(0, FIXED), support(1, FIXED)];
    m.cases = vec![case(vec![], udl_everywhere(&m, [0.0, 0.0, -w]))];
    let r = run(&m);
    let mid = r.cases[0].station_displacements[r.stations / 2];
    close(-mid[2], 5.0 * w * l.powi(4) / (384.0 * E * s.iy), 1e-9);
    assert!(r.cases[0].reactions[0][4].abs() < 1e-6);
    // A hinge at a cantilever's root leaves a mechanism, and the error names the tip.
    let mut m = line_model(l, 2);
    m.elements[0].releases[0] = [false, false, false, false, true, false];
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![case(vec![(2, [0.0, 0.0, -1.0, 0.0, 0.0, 0.0])], vec![])];
    let err = statics::analyse(
        &m,
        StaticOptions::default(),
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap_err();
    match err {
        FrameError::Unstable { free, .. } => {
            assert!(free.contains(&NodeDof { node: 2, dof: 2 }), "{free:?}");
            assert!(free.contains(&NodeDof { node: 1, dof: 2 }), "{free:?}");
            assert!(!free.iter().any(|d| d.dof == 0 || d.dof == 1), "{free:?}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn support_settlement_springs_and_self_weight() {
    let l = 5.0;
    let s = section();
    let ei = E * s.iz;
    // Fixed-fixed beam, one end settles by Δ: end moments 6EIΔ/L², shear 12EIΔ/L³.
    let delta = 0.01;
    let mut m = line_model(l, 3);
    m.supports = vec![support(0, FIXED), support(3, FIXED)];
    m.cases = vec![LoadCase {
        name: "settlement".into(),
        displacements: vec![(3, 1, -delta)],
        ..LoadCase::default()
    }];
    let r = run(&m);
    close(
        r.cases[0].reactions[0][1].abs(),
        12.0 * ei * delta / l.powi(3),
        1e-9,
    );
    close(
        r.cases[0].reactions[0][5].abs(),
        6.0 * ei * delta / (l * l),
        1e-9,
    );
    // A cantilever whose tip rests on a spring: δ = P / (k + 3EI/L³).
    let (p, k) = (20e3, 2e6);
    let mut m = line_model(l, 2);
    m.supports = vec![
        support(0, FIXED),
        Support {
            node: 2,
            fixed: [false; 6],
            springs: [0.0, k, 0.0, 0.0, 0.0, 0.0],
        },
    ];
    m.cases = vec![case(vec![(2, [0.0, -p, 0.0, 0.0, 0.0, 0.0])], vec![])];
    let r = run(&m);
    close(
        -r.cases[0].displacements[2][1],
        p / (k + 3.0 * ei / l.powi(3)),
        1e-9,
    );
    close(
        r.cases[0].reactions[1][1],
        k * p / (k + 3.0 * ei / l.powi(3)),
        1e-9,
    );
    // Self-weight of a cantilever: w = ρ A g, δ = wL⁴/(8EI); mass ρ A L.
    let mut m = line_model(l, 4);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![LoadCase {
        name: "dead".into(),
        gravity: Some([0.0, 0.0, -9.80665]),
        ..LoadCase::default()
    }];
    let r = run(&m);
    let w = RHO * s.area * 9.80665;
    close(
        -r.cases[0].displacements[4][2],
        w * l.powi(4) / (8.0 * E * s.iy),
        1e-9,
    );
    close(r.mass, RHO * s.area * l, 1e-12);
}

#[test]
fn combinations_superpose_and_utilisation_uses_the_yield_stress() {
    let (l, p, q) = (4.0, 10e3, 3e3);
    let s = section();
    let mut m = line_model(l, 2);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![
        case(vec![(2, [0.0, 0.0, -p, 0.0, 0.0, 0.0])], vec![]),
        case(vec![], udl_everywhere(&m, [0.0, 0.0, -q])),
    ];
    m.combinations = vec![Combination {
        name: "ULS".into(),
        factors: vec![(0, 1.35), (1, 1.5)],
    }];
    let r = run(&m);
    let tip = |resp: &statics::Response| resp.displacements[2][2];
    close(
        tip(&r.combinations[0]),
        1.35 * tip(&r.cases[0]) + 1.5 * tip(&r.cases[1]),
        1e-12,
    );
    let want = -(1.35 * p * l.powi(3) / (3.0 * E * s.iy) + 1.5 * q * l.powi(4) / (8.0 * E * s.iy));
    close(tip(&r.combinations[0]), want, 1e-9);
    let u = r.combinations[0].utilisation(&m, r.stations);
    let root_moment = 1.35 * p * l + 1.5 * q * l * l / 2.0;
    close(u[0].unwrap(), root_moment / s.wy.unwrap() / 355e6, 1e-9);
}

#[test]
fn an_unsupported_model_names_its_free_dofs() {
    let mut m = line_model(3.0, 3);
    m.cases = vec![case(vec![(3, [0.0, 0.0, -1.0, 0.0, 0.0, 0.0])], vec![])];
    let err = statics::analyse(
        &m,
        StaticOptions::default(),
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap_err();
    match &err {
        FrameError::Unstable { total, .. } => assert!(*total >= 6, "{err}"),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("node 0"), "{err}");
}

fn planar_line(l: f64, parts: usize) -> Model {
    // Bending in X–Z only: every node keeps uy, rx and rz held.
    let mut m = line_model(l, parts);
    m.supports = (0..=parts)
        .map(|i| support(i, [false, true, false, true, false, true]))
        .collect();
    m
}

#[test]
fn cantilever_and_simply_supported_natural_frequencies() {
    let l = 10.0;
    let s = section();
    let base = (E * s.iy / (RHO * s.area)).sqrt() / (2.0 * std::f64::consts::PI * l * l);
    let mut m = planar_line(l, 80);
    m.supports[0].fixed = FIXED;
    let r = modal::analyse(
        &m,
        ModalOptions {
            modes: 3,
            mass: MassKind::Consistent,
        },
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap();
    for (mode, beta_l) in r.modes.iter().zip([
        1.875_104_068_711_961,
        4.694_091_132_974_175,
        7.854_757_438_237_613,
    ]) {
        close(mode.frequency_hz, beta_l * beta_l * base, 1e-6);
    }
    // Mode 1 carries 61.3 % of the mass as effective mass (Chopra, Dynamics of Structures, §17.6).
    close(
        r.modes[0].effective_mass[2] / (RHO * s.area * l),
        0.6131,
        1e-3,
    );
    let mut m = planar_line(l, 80);
    m.supports[0].fixed = PINNED;
    m.supports[0].fixed[1] = true;
    m.supports[0].fixed[5] = true;
    m.supports[80].fixed = [false, true, true, true, false, true];
    let r = modal::analyse(
        &m,
        ModalOptions {
            modes: 3,
            mass: MassKind::Consistent,
        },
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap();
    for (n, mode) in r.modes.iter().enumerate() {
        let k = (n + 1) as f64 * std::f64::consts::PI;
        close(mode.frequency_hz, k * k * base, 1e-6);
    }
    let lumped = modal::analyse(
        &m,
        ModalOptions {
            modes: 1,
            mass: MassKind::Lumped,
        },
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap();
    let ratio = lumped.modes[0].frequency_hz / r.modes[0].frequency_hz;
    assert!((0.8..1.2).contains(&ratio), "{ratio}");
    close(
        lumped.modes[0].frequency_hz,
        std::f64::consts::PI.powi(2) * base,
        1e-3,
    );
}

#[test]
fn axial_bar_frequencies_converge_to_the_wave_solution() {
    // Fixed–free bar: f_n = (2n − 1)/(4L) √(E/ρ). Linear axial elements converge as h², so
    // 400 elements give the first two modes to a few parts in a million.
    let l = 20.0;
    let mut m = line_model(l, 400);
    m.supports = (0..=400)
        .map(|i| {
            support(
                i,
                if i == 0 {
                    FIXED
                } else {
                    [false, true, true, true, true, true]
                },
            )
        })
        .collect();
    let r = modal::analyse(
        &m,
        ModalOptions {
            modes: 2,
            mass: MassKind::Consistent,
        },
        &SymbolicCache::new(),
        &|_, _| true,
    )
    .unwrap();
    let c = (E / RHO).sqrt();
    for (n, mode) in r.modes.iter().enumerate() {
        close(mode.frequency_hz, (2 * n + 1) as f64 * c / (4.0 * l), 1e-5);
    }
}

#[test]
fn variants_of_one_topology_reuse_the_symbolic_factorisation() {
    // A design variant (stiffer steel) keeps the pattern: the second solve skips the
    // ordering, and being linear in 1/E its deflection halves exactly.
    let cache = SymbolicCache::new();
    let mut m = line_model(3.0, 4);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![case(vec![(4, [0.0, 0.0, -1e3, 0.0, 0.0, 0.0])], vec![])];
    let a = statics::analyse(&m, StaticOptions::default(), &cache, &|_, _| true).unwrap();
    m.materials[0].e *= 2.0;
    m.materials[0].g *= 2.0;
    let b = statics::analyse(&m, StaticOptions::default(), &cache, &|_, _| true).unwrap();
    assert!(!a.symbolic_reused && b.symbolic_reused);
    close(
        b.cases[0].displacements[4][2],
        a.cases[0].displacements[4][2] / 2.0,
        1e-12,
    );
    // Another support layout is another pattern.
    m.supports[0].fixed[3] = false;
    m.supports
        .push(support(4, [false, false, false, true, false, false]));
    let c = statics::analyse(&m, StaticOptions::default(), &cache, &|_, _| true).unwrap();
    assert!(!c.symbolic_reused);
}

#[test]
fn conjugate_gradients_agree_with_the_direct_solve() {
    use cicada_frame::pcg::PcgOptions;
    use cicada_frame::statics::LinearSolver;
    // A propped cantilever under a line load and a tip moment, in 20 elements.
    let (l, w) = (6.0, 4e3);
    let mut m = line_model(l, 20);
    m.supports = vec![support(0, FIXED), support(20, ROLLER)];
    m.cases = vec![case(
        vec![(20, [0.0, 0.0, 0.0, 0.0, 5e3, 0.0])],
        udl_everywhere(&m, [0.0, 0.0, -w]),
    )];
    let direct = run(&m);
    let options = StaticOptions {
        solver: LinearSolver::Pcg(PcgOptions::default(), &cicada_frame::pcg::CpuPcg),
        ..StaticOptions::default()
    };
    let pcg = statics::analyse(&m, options, &SymbolicCache::new(), &|_, _| true).unwrap();
    assert_eq!(pcg.factor_entries, 0);
    assert!(
        pcg.pcg[0].converged && pcg.pcg[0].iterations > 1,
        "{:?}",
        pcg.pcg
    );
    let peak = direct.cases[0]
        .displacements
        .iter()
        .map(|d| d[2].abs())
        .fold(0.0, f64::max);
    for (a, b) in pcg.cases[0]
        .displacements
        .iter()
        .zip(&direct.cases[0].displacements)
    {
        assert!((a[2] - b[2]).abs() <= 1e-6 * peak, "{} vs {}", a[2], b[2]);
    }
    assert_equilibrium(&m, 0, &pcg.cases[0]);
}

#[test]
fn auto_falls_back_to_conjugate_gradients_when_the_factor_would_not_fit() {
    use cicada_frame::pcg::{CpuPcg, PcgOptions};
    use cicada_frame::statics::LinearSolver;
    let mut m = line_model(5.0, 30);
    m.supports = vec![support(0, FIXED)];
    m.cases = vec![case(vec![(30, [0.0, 0.0, -1e3, 0.0, 0.0, 0.0])], vec![])];
    let auto = |budget_bytes| StaticOptions {
        solver: LinearSolver::Auto {
            budget_bytes,
            pcg: PcgOptions::default(),
            device: &CpuPcg,
        },
        ..StaticOptions::default()
    };
    let cache = SymbolicCache::new();
    let roomy = statics::analyse(&m, auto(1 << 30), &cache, &|_, _| true).unwrap();
    assert!(roomy.pcg.is_empty() && roomy.factor_entries > 0);
    // Choosing ordered the pattern; that was not a reuse.
    assert!(!roomy.symbolic_reused);
    let again = statics::analyse(&m, auto(1 << 30), &cache, &|_, _| true).unwrap();
    assert!(again.symbolic_reused);
    let tight = statics::analyse(&m, auto(1_000), &cache, &|_, _| true).unwrap();
    assert!(!tight.pcg.is_empty() && tight.factor_entries == 0);
    let (a, b) = (
        roomy.cases[0].displacements[30][2],
        tight.cases[0].displacements[30][2],
    );
    close(b, a, 1e-8);
}

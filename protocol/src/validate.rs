//! Validation of jobs and scenes before they are queued.
//!
//! Every problem is reported with the JSON-pointer path of the offending field, not just the
//! first one, so that a client can fix a payload in one round trip. Checks are structural
//! (finite numbers, index ranges, knot/degree/control-point consistency, positive weights,
//! sizes within [`Limits`]); geometric judgement (degenerate faces, open meshes) is the
//! kernels' job and comes back as results, not errors.

use crate::PROTOCOL_VERSION;
use crate::api::Problem;
use crate::geometry::{Brep, LoopKind, Mesh, NurbsCurve, NurbsSurface, Scene, TrimCurve};
use crate::job::{Input, Job, Rays, Task};

/// Size limits that a service enforces on what it accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Most vertices in one mesh.
    pub max_mesh_vertices: usize,
    /// Most faces in one mesh.
    pub max_mesh_faces: usize,
    /// Most objects of all kinds in one scene.
    pub max_scene_objects: usize,
    /// Most control points in one curve or surface.
    pub max_control_points: usize,
    /// Highest NURBS degree.
    pub max_degree: u32,
    /// Most problems listed in one report; the rest are counted.
    pub max_problems: usize,
    /// Most rays in one job.
    pub max_rays: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_mesh_vertices: 50_000_000,
            max_mesh_faces: 100_000_000,
            max_scene_objects: 1_000_000,
            max_control_points: 1_000_000,
            max_degree: 11,
            max_problems: 100,
            max_rays: 100_000_000,
        }
    }
}

/// Collects problems under a path prefix, up to a cap.
struct Report<'a> {
    limits: &'a Limits,
    problems: Vec<Problem>,
    omitted: usize,
}

impl Report<'_> {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        if self.problems.len() < self.limits.max_problems {
            self.problems.push(Problem {
                path: path.into(),
                message: message.into(),
            });
        } else {
            self.omitted += 1;
        }
    }

    fn finish(mut self, root: &str) -> Vec<Problem> {
        if self.omitted > 0 {
            self.problems.push(Problem {
                path: root.to_string(),
                message: format!("{} more problems not listed", self.omitted),
            });
        }
        self.problems
    }
}

/// Checks a whole job: envelope, parameters and inline inputs. Inputs given by blob hash
/// are checked with [`validate_scene`] once their bytes are at hand.
pub fn validate_job(job: &Job, limits: &Limits) -> Vec<Problem> {
    let mut r = Report {
        limits,
        problems: Vec::new(),
        omitted: 0,
    };
    if job.protocol != PROTOCOL_VERSION {
        r.add(
            "/protocol",
            format!(
                "unsupported protocol version {} (this service speaks {PROTOCOL_VERSION})",
                job.protocol
            ),
        );
    }
    if let Some(t) = job.timeout_secs
        && !(t.is_finite() && t > 0.0)
    {
        r.add(
            "/timeout_secs",
            format!("must be a positive number of seconds, got {t}"),
        );
    }
    match &job.task {
        Task::MeshCheck(p) => {
            if let Some(t) = p.coincident_tolerance
                && !(t.is_finite() && t >= 0.0)
            {
                r.add(
                    "/params/coincident_tolerance",
                    format!("must be a finite distance >= 0, got {t}"),
                );
            }
            if job.inputs.scene.is_none() {
                r.add("/inputs/scene", "mesh_check needs a scene input");
            }
        }
        Task::Tessellate(p) => {
            let positive = [
                ("chord_tolerance", p.chord_tolerance),
                ("angle_tolerance_deg", p.angle_tolerance_deg),
                ("max_edge_length", p.max_edge_length),
            ];
            for (name, value) in positive {
                if let Some(x) = value
                    && !(x.is_finite() && x > 0.0)
                {
                    r.add(
                        format!("/params/{name}"),
                        format!("must be positive and finite, got {x}"),
                    );
                }
            }
            if job.inputs.scene.is_none() {
                r.add("/inputs/scene", "tessellate needs a scene input");
            }
        }
        Task::Raycast(p) => {
            if let Some(d) = p.max_distance
                && !(d.is_finite() && d > 0.0)
            {
                r.add(
                    "/params/max_distance",
                    format!("must be a positive finite distance, got {d}"),
                );
            }
            if job.inputs.scene.is_none() {
                r.add("/inputs/scene", "raycast needs a scene input");
            }
            if job.inputs.rays.is_none() {
                r.add("/inputs/rays", "raycast needs a rays input");
            }
        }
        Task::SunHours(p) => {
            location_checks(&mut r, &p.location, "/params/location");
            if let Some(period) = &p.period {
                period_checks(&mut r, period, "/params/period");
            }
            grid_checks(&mut r, &p.grid);
            if let Some(e) = p.min_elevation_deg
                && !(e.is_finite() && (-90.0..90.0).contains(&e))
            {
                r.add(
                    "/params/min_elevation_deg",
                    format!("must be an angle from -90 to 90 degrees, got {e}"),
                );
            }
            if job.inputs.scene.is_none() {
                r.add(
                    "/inputs/scene",
                    "sun_hours needs a scene input (the analysis geometry)",
                );
            }
        }
        Task::Frame(p) => {
            if let Some(n) = p.stations
                && !(2..=101).contains(&n)
            {
                r.add("/params/stations", format!("must be 2 to 101, got {n}"));
            }
            if let Some(n) = p.modes
                && n > 10_000
            {
                r.add("/params/modes", format!("at most 10000 modes, got {n}"));
            }
            if let Some(s) = p.deformed_scale
                && !(s.is_finite() && s >= 0.0)
            {
                r.add(
                    "/params/deformed_scale",
                    format!("must be a finite factor >= 0, got {s}"),
                );
            }
            if let Some(t) = p.pcg_tolerance
                && !(t.is_finite() && t > 0.0 && t < 1.0)
            {
                r.add(
                    "/params/pcg_tolerance",
                    format!("must be a relative residual between 0 and 1, got {t}"),
                );
            }
            if p.statics == Some(false) && p.modes.unwrap_or(0) == 0 {
                r.add(
                    "/params",
                    "nothing to do: statics is false and no modes are asked for",
                );
            }
            if job.inputs.structure.is_none() {
                r.add("/inputs/structure", "frame needs a structure input");
            }
        }
        Task::Clash(p) => {
            distance_checks(
                &mut r,
                &[
                    ("hard_tolerance", p.hard_tolerance),
                    ("duplicates", p.duplicates),
                ],
                true,
            );
            distance_checks(
                &mut r,
                &[
                    ("clearance", p.clearance),
                    ("chord_tolerance", p.chord_tolerance),
                ],
                false,
            );
            if p.hard == Some(false)
                && p.clearance.is_none()
                && p.duplicates.is_none()
                && p.containment == Some(false)
            {
                r.add(
                    "/params",
                    "nothing to test: hard and containment are off and no clearance or \
                     duplicates tolerance is given",
                );
            }
            for (name, set) in [("set_a", &p.set_a), ("set_b", &p.set_b)] {
                if let Some(s) = set
                    && s.layers.is_empty()
                    && s.ids.is_empty()
                {
                    r.add(
                        format!("/params/{name}"),
                        "an empty selection: give layers or ids",
                    );
                }
            }
            if job.inputs.scene.is_none() {
                r.add("/inputs/scene", "clash needs a scene input");
            }
        }
        Task::Intersect(p) => {
            distance_checks(
                &mut r,
                &[
                    ("tolerance", p.tolerance),
                    ("chord_tolerance", p.chord_tolerance),
                ],
                false,
            );
            for (k, [x, y]) in p.pairs.iter().flatten().enumerate() {
                if x == y {
                    r.add(
                        format!("/params/pairs/{k}"),
                        format!("names {x} twice: an object is not intersected with itself"),
                    );
                }
            }
            if job.inputs.scene.is_none() {
                r.add("/inputs/scene", "intersect needs a scene input");
            }
        }
        Task::Radiation(p) => {
            match &p.location {
                Some(l) => location_checks(&mut r, l, "/params/location"),
                None if job.inputs.weather.is_none() => r.add(
                    "/params/location",
                    "radiation needs a location when no weather file gives one",
                ),
                None => {}
            }
            if let Some(period) = &p.period {
                period_checks(&mut r, period, "/params/period");
            }
            grid_checks(&mut r, &p.grid);
            if let Some(g) = p.ground_reflectance
                && !(0.0..=1.0).contains(&g)
            {
                r.add(
                    "/params/ground_reflectance",
                    format!("must be a fraction from 0 to 1, got {g}"),
                );
            }
            if job.inputs.scene.is_none() {
                r.add(
                    "/inputs/scene",
                    "radiation needs a scene input (the analysis geometry)",
                );
            }
        }
    }
    match &job.inputs.context {
        Some(Input::Inline(scene)) => scene_checks(&mut r, scene, "/inputs/context/inline"),
        Some(Input::Blob(hash)) => blob_hash_check(&mut r, hash, "/inputs/context/blob"),
        None => {}
    }
    if let Some(Input::Blob(hash)) = &job.inputs.weather {
        blob_hash_check(&mut r, hash, "/inputs/weather/blob");
    }
    match &job.inputs.scene {
        Some(Input::Inline(scene)) => scene_checks(&mut r, scene, "/inputs/scene/inline"),
        Some(Input::Blob(hash)) => blob_hash_check(&mut r, hash, "/inputs/scene/blob"),
        None => {}
    }
    match &job.inputs.rays {
        Some(Input::Inline(rays)) => rays_checks(&mut r, rays, "/inputs/rays/inline"),
        Some(Input::Blob(hash)) => blob_hash_check(&mut r, hash, "/inputs/rays/blob"),
        None => {}
    }
    match &job.inputs.structure {
        Some(Input::Inline(model)) => structure_checks(&mut r, model, "/inputs/structure/inline"),
        Some(Input::Blob(hash)) => blob_hash_check(&mut r, hash, "/inputs/structure/blob"),
        None => {}
    }
    r.finish("")
}

/// Checks a structural model; problem paths start with `prefix`. Whether points land on
/// nodes and members have length is decided when the model is built, with the same paths.
pub fn validate_structure(
    model: &crate::structural::StructuralModel,
    prefix: &str,
    limits: &Limits,
) -> Vec<Problem> {
    let mut r = Report {
        limits,
        problems: Vec::new(),
        omitted: 0,
    };
    structure_checks(&mut r, model, prefix);
    r.finish(prefix)
}

fn structure_checks(r: &mut Report, m: &crate::structural::StructuralModel, at: &str) {
    use crate::structural::{Dof, SectionShape};
    use std::collections::HashSet;
    let finite3 = |v: &[f64; 3]| v.iter().all(|x| x.is_finite());
    if let Some(t) = m.tolerance
        && !(t.is_finite() && t > 0.0)
    {
        r.add(
            format!("{at}/tolerance"),
            format!("must be a positive distance, got {t}"),
        );
    }
    if let Some(i) = m.nodes.iter().position(|p| !finite3(p)) {
        r.add(format!("{at}/nodes/{i}"), "coordinates must be finite");
    }
    if m.members.len() > r.limits.max_scene_objects {
        r.add(
            format!("{at}/members"),
            format!(
                "{} members, more than the {} this service accepts",
                m.members.len(),
                r.limits.max_scene_objects
            ),
        );
        return;
    }
    let mut materials = HashSet::new();
    for (i, mat) in m.materials.iter().enumerate() {
        let p = format!("{at}/materials/{i}");
        if !materials.insert(mat.name.as_str()) {
            r.add(
                format!("{p}/name"),
                format!("material '{}' is defined twice", mat.name),
            );
        }
        if !(mat.e.is_finite() && mat.e > 0.0) {
            r.add(format!("{p}/e"), format!("must be positive, got {}", mat.e));
        }
        match (mat.g, mat.nu) {
            (Some(_), Some(_)) => r.add(format!("{p}/nu"), "give g or nu, not both"),
            (None, None) => r.add(
                format!("{p}/g"),
                "give the shear modulus g or Poisson's ratio nu",
            ),
            (Some(g), None) if !(g.is_finite() && g > 0.0) => {
                r.add(format!("{p}/g"), format!("must be positive, got {g}"))
            }
            (None, Some(nu)) if !(nu.is_finite() && nu > -1.0 && nu < 0.5) => r.add(
                format!("{p}/nu"),
                format!("must be greater than -1 and less than 0.5, got {nu}"),
            ),
            _ => {}
        }
        if let Some(d) = mat.density
            && !(d.is_finite() && d >= 0.0)
        {
            r.add(
                format!("{p}/density"),
                format!("must be zero or positive, got {d}"),
            );
        }
        if let Some(y) = mat.yield_stress
            && !(y.is_finite() && y > 0.0)
        {
            r.add(
                format!("{p}/yield_stress"),
                format!("must be positive, got {y}"),
            );
        }
    }
    let mut sections = HashSet::new();
    for (i, sec) in m.sections.iter().enumerate() {
        let p = format!("{at}/sections/{i}");
        if !sections.insert(sec.name.as_str()) {
            r.add(
                format!("{p}/name"),
                format!("section '{}' is defined twice", sec.name),
            );
        }
        let fields: Vec<(&str, Option<f64>)> = match &sec.shape {
            SectionShape::Properties {
                area,
                iy,
                iz,
                j,
                shear_area_y,
                shear_area_z,
                wy,
                wz,
            } => vec![
                ("area", Some(*area)),
                ("iy", Some(*iy)),
                ("iz", Some(*iz)),
                ("j", Some(*j)),
                ("shear_area_y", *shear_area_y),
                ("shear_area_z", *shear_area_z),
                ("wy", *wy),
                ("wz", *wz),
            ],
            SectionShape::Rectangle { width, height } => {
                vec![("width", Some(*width)), ("height", Some(*height))]
            }
            SectionShape::Circle { diameter } => vec![("diameter", Some(*diameter))],
            SectionShape::Tube {
                diameter,
                thickness,
            } => {
                vec![
                    ("diameter", Some(*diameter)),
                    ("thickness", Some(*thickness)),
                ]
            }
            SectionShape::I {
                height,
                width,
                flange,
                web,
            } => vec![
                ("height", Some(*height)),
                ("width", Some(*width)),
                ("flange", Some(*flange)),
                ("web", Some(*web)),
            ],
        };
        for (name, v) in fields {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                r.add(format!("{p}/{name}"), format!("must be positive, got {v}"));
            }
        }
    }
    let nodes = m.nodes.len();
    let at_checks = |r: &mut Report, a: &crate::structural::At, p: &str| match (a.node, a.point) {
        (Some(_), Some(_)) => r.add(p.to_string(), "give node or point, not both"),
        (None, None) => r.add(p.to_string(), "needs a node index or a point"),
        (Some(n), None) if n as usize >= nodes => r.add(
            format!("{p}/node"),
            format!("node {n} out of range (the model gives {nodes} nodes)"),
        ),
        (None, Some(pt)) if !finite3(&pt) => {
            r.add(format!("{p}/point"), "coordinates must be finite")
        }
        _ => {}
    };
    for (i, mem) in m.members.iter().enumerate() {
        let p = format!("{at}/members/{i}");
        match (&mem.nodes, &mem.points) {
            (Some(_), Some(_)) => r.add(p.clone(), "give nodes or points, not both"),
            (None, None) => r.add(p.clone(), "needs nodes or points (two or more)"),
            (Some(list), None) => {
                if list.len() < 2 {
                    r.add(format!("{p}/nodes"), "needs two or more nodes");
                }
                if let Some(k) = list.iter().position(|n| *n as usize >= nodes) {
                    r.add(
                        format!("{p}/nodes/{k}"),
                        format!(
                            "node {} out of range (the model gives {nodes} nodes)",
                            list[k]
                        ),
                    );
                }
            }
            (None, Some(points)) => {
                if points.len() < 2 {
                    r.add(format!("{p}/points"), "needs two or more points");
                }
                if let Some(k) = points.iter().position(|q| !finite3(q)) {
                    r.add(format!("{p}/points/{k}"), "coordinates must be finite");
                }
            }
        }
        if !materials.contains(mem.material.as_str()) {
            r.add(
                format!("{p}/material"),
                format!("no material named '{}'", mem.material),
            );
        }
        if !sections.contains(mem.section.as_str()) {
            r.add(
                format!("{p}/section"),
                format!("no section named '{}'", mem.section),
            );
        }
        if let Some(v) = mem.reference
            && (!finite3(&v) || v == [0.0; 3])
        {
            r.add(
                format!("{p}/reference"),
                "must be a finite, non-zero vector",
            );
        }
        if let Some(a) = mem.roll_deg
            && !a.is_finite()
        {
            r.add(format!("{p}/roll_deg"), format!("must be finite, got {a}"));
        }
    }
    for (i, s) in m.supports.iter().enumerate() {
        let p = format!("{at}/supports/{i}");
        at_checks(r, &s.at, &p);
        if let Some(k) = s.springs
            && k.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        {
            r.add(
                format!("{p}/springs"),
                "spring stiffnesses must be zero or positive",
            );
        }
        if s.fixed.is_empty() && s.springs.is_none() {
            r.add(
                format!("{p}/fixed"),
                "a support needs fixed DOFs or springs",
            );
        }
    }
    for (i, pm) in m.point_masses.iter().enumerate() {
        let p = format!("{at}/point_masses/{i}");
        at_checks(r, &pm.at, &p);
        if !(pm.mass.is_finite() && pm.mass >= 0.0) {
            r.add(
                format!("{p}/mass"),
                format!("must be zero or positive, got {}", pm.mass),
            );
        }
    }
    let mut cases = HashSet::new();
    for (c, case) in m.load_cases.iter().enumerate() {
        let pc = format!("{at}/load_cases/{c}");
        if !cases.insert(case.name.as_str()) {
            r.add(
                format!("{pc}/name"),
                format!("load case '{}' is defined twice", case.name),
            );
        }
        for (i, load) in case.nodal.iter().enumerate() {
            let p = format!("{pc}/nodal/{i}");
            at_checks(r, &load.at, &p);
            if load.force.is_none() && load.moment.is_none() {
                r.add(p.clone(), "needs a force or a moment");
            }
            for (name, v) in [("force", load.force), ("moment", load.moment)] {
                if let Some(v) = v
                    && !finite3(&v)
                {
                    r.add(format!("{p}/{name}"), "must be finite");
                }
            }
        }
        for (i, load) in case.members.iter().enumerate() {
            let p = format!("{pc}/members/{i}");
            if load.member as usize >= m.members.len() {
                r.add(
                    format!("{p}/member"),
                    format!(
                        "member {} out of range (the model has {})",
                        load.member,
                        m.members.len()
                    ),
                );
            }
            if !finite3(&load.force) {
                r.add(format!("{p}/force"), "must be finite");
            }
            let fraction = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
            match (load.at, load.from, load.to) {
                (Some(_), Some(_), _) | (Some(_), _, Some(_)) => r.add(
                    p.clone(),
                    "a point load has `at`; a line load `from` and `to`, not both",
                ),
                (Some(a), None, None) if !fraction(a) => r.add(
                    format!("{p}/at"),
                    format!("must be a fraction 0 to 1 of the member, got {a}"),
                ),
                (None, from, to) => {
                    let (f, t) = (from.unwrap_or(0.0), to.unwrap_or(1.0));
                    if !(fraction(f) && fraction(t) && f <= t) {
                        r.add(
                            format!("{p}/from"),
                            format!("from {f} and to {t} must be fractions 0 to 1 with from <= to"),
                        );
                    }
                }
                _ => {}
            }
        }
        if let Some(g) = case.gravity
            && !finite3(&g)
        {
            r.add(format!("{pc}/gravity"), "must be finite");
        }
        for (i, d) in case.displacements.iter().enumerate() {
            let p = format!("{pc}/displacements/{i}");
            at_checks(r, &d.at, &p);
            if matches!(d.dof, Dof::All | Dof::Translations | Dof::Rotations) {
                r.add(
                    format!("{p}/dof"),
                    "name one DOF (ux, uy, uz, rx, ry or rz)",
                );
            }
            if !d.value.is_finite() {
                r.add(format!("{p}/value"), "must be finite");
            }
        }
    }
    for (i, combo) in m.combinations.iter().enumerate() {
        for (name, f) in &combo.factors {
            if !cases.contains(name.as_str()) {
                r.add(
                    format!("{at}/combinations/{i}/factors/{name}"),
                    format!("no load case named '{name}'"),
                );
            } else if !f.is_finite() {
                r.add(
                    format!("{at}/combinations/{i}/factors/{name}"),
                    "must be finite",
                );
            }
        }
    }
}

/// Each named parameter that is given must be a finite distance, > 0 (or >= 0 with
/// `zero_ok`).
fn distance_checks(r: &mut Report, params: &[(&str, Option<f64>)], zero_ok: bool) {
    for &(name, value) in params {
        if let Some(x) = value
            && !(x.is_finite() && (x > 0.0 || zero_ok && x == 0.0))
        {
            let least = if zero_ok { ">= 0" } else { "> 0" };
            r.add(
                format!("/params/{name}"),
                format!("must be a finite distance {least}, got {x}"),
            );
        }
    }
}

fn location_checks(r: &mut Report, l: &crate::sunlight::SiteLocation, at: &str) {
    let ranges = [
        ("latitude", l.latitude, -90.0, 90.0, "degrees"),
        ("longitude", l.longitude, -180.0, 180.0, "degrees"),
        ("utc_offset", l.utc_offset, -12.0, 14.0, "hours"),
        (
            "elevation",
            l.elevation.unwrap_or(0.0),
            -500.0,
            9000.0,
            "metres",
        ),
    ];
    for (name, v, lo, hi, unit) in ranges {
        if !(v.is_finite() && v >= lo && v <= hi) {
            r.add(
                format!("{at}/{name}"),
                format!("must be from {lo} to {hi} {unit}, got {v}"),
            );
        }
    }
}

fn period_checks(r: &mut Report, p: &crate::sunlight::StudyPeriod, at: &str) {
    let year = p.year.unwrap_or(2017);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = |m: u32| match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    for (which, month, day, default_day) in [
        ("start", p.start_month.unwrap_or(1), p.start_day, 1),
        ("end", p.end_month.unwrap_or(12), p.end_day, 31),
    ] {
        if !(1..=12).contains(&month) {
            r.add(
                format!("{at}/{which}_month"),
                format!("must be 1 to 12, got {month}"),
            );
            continue;
        }
        let day = day.unwrap_or(default_day.min(days(month)));
        if day == 0 || day > days(month) {
            r.add(
                format!("{at}/{which}_day"),
                format!("{month}/{day} is not a date in {year}"),
            );
        }
    }
    let (h0, h1) = (p.start_hour.unwrap_or(0), p.end_hour.unwrap_or(23));
    if h0 > 23 || h1 > 23 || h0 > h1 {
        r.add(
            format!("{at}/start_hour"),
            format!("hours {h0} to {h1} must be within 0-23, the start not after the end"),
        );
    }
    if let Some(t) = p.timestep
        && (t == 0 || t > 60 || 60 % t != 0)
    {
        r.add(
            format!("{at}/timestep"),
            format!("must divide an hour into whole minutes (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60), got {t}"),
        );
    }
}

fn grid_checks(r: &mut Report, g: &crate::sunlight::SensorGridParams) {
    if let Some(o) = g.offset
        && !(o.is_finite() && o >= 0.0)
    {
        r.add(
            "/params/offset",
            format!("must be a finite distance >= 0, got {o}"),
        );
    }
    if let Some(s) = g.grid_size
        && !(s.is_finite() && s > 0.0)
    {
        r.add(
            "/params/grid_size",
            format!("must be a positive finite length, got {s}"),
        );
    }
    if let Some(n) = g.north_angle_deg
        && !n.is_finite()
    {
        r.add(
            "/params/north_angle_deg",
            format!("must be a finite angle, got {n}"),
        );
    }
}

fn blob_hash_check(r: &mut Report, hash: &crate::BlobHash, at: &str) {
    if !hash.is_well_formed() {
        r.add(
            at,
            format!("'{hash}' is not a BLAKE3 hash (64 lowercase hex digits)"),
        );
    }
}

/// Checks rays; problem paths start with `prefix` (their path in the job).
pub fn validate_rays(rays: &Rays, prefix: &str, limits: &Limits) -> Vec<Problem> {
    let mut r = Report {
        limits,
        problems: Vec::new(),
        omitted: 0,
    };
    rays_checks(&mut r, rays, prefix);
    r.finish(prefix)
}

fn rays_checks(r: &mut Report, rays: &Rays, at: &str) {
    if rays.origins.len() != rays.directions.len() {
        r.add(
            format!("{at}/directions"),
            format!(
                "{} directions for {} origins (need one per ray)",
                rays.directions.len(),
                rays.origins.len()
            ),
        );
    }
    if rays.origins.len() > r.limits.max_rays {
        r.add(
            format!("{at}/origins"),
            format!(
                "{} rays exceed the limit of {}",
                rays.origins.len(),
                r.limits.max_rays
            ),
        );
    }
    points_finite(r, &rays.origins, &format!("{at}/origins"));
    points_finite(r, &rays.directions, &format!("{at}/directions"));
    for (i, d) in rays.directions.iter().enumerate() {
        if d.iter().all(|c| *c == 0.0) {
            r.add(
                format!("{at}/directions/{i}"),
                "a ray direction must not be zero",
            );
        }
    }
}

/// Checks a scene; problem paths start with `prefix` (the scene's own path in the job).
pub fn validate_scene(scene: &Scene, prefix: &str, limits: &Limits) -> Vec<Problem> {
    let mut r = Report {
        limits,
        problems: Vec::new(),
        omitted: 0,
    };
    scene_checks(&mut r, scene, prefix);
    r.finish(prefix)
}

fn scene_checks(r: &mut Report, scene: &Scene, at: &str) {
    if !(scene.tolerance.is_finite() && scene.tolerance > 0.0) {
        r.add(
            format!("{at}/tolerance"),
            format!(
                "must be a positive distance in model units, got {}",
                scene.tolerance
            ),
        );
    }
    let objects = scene.meshes.len()
        + scene.curves.len()
        + scene.surfaces.len()
        + scene.breps.len()
        + scene.polylines.len()
        + scene.lines.len()
        + scene.points.len();
    if objects > r.limits.max_scene_objects {
        r.add(
            at.to_string(),
            format!(
                "{objects} objects exceed the limit of {}",
                r.limits.max_scene_objects
            ),
        );
    }
    for (i, mesh) in scene.meshes.iter().enumerate() {
        mesh_checks(r, mesh, &format!("{at}/meshes/{i}"));
    }
    for (i, curve) in scene.curves.iter().enumerate() {
        curve_checks(r, curve, &format!("{at}/curves/{i}"));
    }
    for (i, surface) in scene.surfaces.iter().enumerate() {
        surface_checks(r, surface, &format!("{at}/surfaces/{i}"));
    }
    for (i, brep) in scene.breps.iter().enumerate() {
        brep_checks(r, brep, &format!("{at}/breps/{i}"));
    }
    for (i, polyline) in scene.polylines.iter().enumerate() {
        let path = format!("{at}/polylines/{i}/points");
        if polyline.points.len() < 2 {
            r.add(
                path.clone(),
                format!(
                    "a polyline needs at least 2 points, got {}",
                    polyline.points.len()
                ),
            );
        }
        points_finite(r, &polyline.points, &path);
    }
    for (i, line) in scene.lines.iter().enumerate() {
        point_finite(r, &line.from, &format!("{at}/lines/{i}/from"));
        point_finite(r, &line.to, &format!("{at}/lines/{i}/to"));
    }
    for (i, point) in scene.points.iter().enumerate() {
        point_finite(r, &point.position, &format!("{at}/points/{i}/position"));
    }
}

/// Reports non-finite coordinates of each point of an array, at `path/i`.
fn points_finite<const N: usize>(r: &mut Report, points: &[[f64; N]], path: &str) {
    for (i, p) in points.iter().enumerate() {
        point_finite(r, p, &format!("{path}/{i}"));
    }
}

/// Reports a non-finite coordinate of one point, at `path`.
fn point_finite<const N: usize>(r: &mut Report, p: &[f64; N], path: &str) {
    if let Some(axis) = p.iter().position(|v| !v.is_finite()) {
        let name = ["x", "y", "z"].get(axis).copied().unwrap_or("coordinate");
        r.add(
            path,
            format!("{name} is {} (coordinates must be finite)", p[axis]),
        );
    }
}

fn mesh_checks(r: &mut Report, mesh: &Mesh, at: &str) {
    let nv = mesh.vertices.len();
    if nv > r.limits.max_mesh_vertices {
        r.add(
            format!("{at}/vertices"),
            format!(
                "{nv} vertices exceed the limit of {}",
                r.limits.max_mesh_vertices
            ),
        );
    }
    if mesh.faces.len() > r.limits.max_mesh_faces {
        r.add(
            format!("{at}/faces"),
            format!(
                "{} faces exceed the limit of {}",
                mesh.faces.len(),
                r.limits.max_mesh_faces
            ),
        );
    }
    points_finite(r, &mesh.vertices, &format!("{at}/vertices"));
    for (f, face) in mesh.faces.iter().enumerate() {
        for &v in face.corners() {
            if v as usize >= nv {
                r.add(
                    format!("{at}/faces/{f}"),
                    format!("vertex index {v} out of range (mesh has {nv} vertices)"),
                );
                break;
            }
        }
    }
    if let Some(normals) = &mesh.normals {
        if normals.len() != nv {
            r.add(
                format!("{at}/normals"),
                format!(
                    "{} normals for {nv} vertices (need one per vertex)",
                    normals.len()
                ),
            );
        }
        points_finite(r, normals, &format!("{at}/normals"));
    }
    if let Some(colors) = &mesh.colors
        && colors.len() != nv
    {
        r.add(
            format!("{at}/colors"),
            format!(
                "{} colours for {nv} vertices (need one per vertex)",
                colors.len()
            ),
        );
    }
}

/// Checks one direction of a NURBS: degree, knot count, knot order and domain.
fn knot_checks(
    r: &mut Report,
    (degree, degree_field): (u32, &str),
    count: usize,
    (knots, knots_field): (&[f64], &str),
    at: &str,
) {
    if degree == 0 {
        r.add(format!("{at}/{degree_field}"), "degree must be at least 1");
        return;
    }
    if degree > r.limits.max_degree {
        r.add(
            format!("{at}/{degree_field}"),
            format!(
                "degree {degree} exceeds the limit of {}",
                r.limits.max_degree
            ),
        );
        return;
    }
    let p = degree as usize;
    if count < p + 1 {
        r.add(
            at.to_string(),
            format!(
                "{count} control points are too few for degree {p} (need at least {})",
                p + 1
            ),
        );
        return;
    }
    if count > r.limits.max_control_points {
        r.add(
            at.to_string(),
            format!(
                "{count} control points exceed the limit of {}",
                r.limits.max_control_points
            ),
        );
    }
    let expected = count + p + 1;
    if knots.len() != expected {
        let hint = if knots.len() + 2 == expected {
            " (this looks like Rhino's convention of n + p - 1 knots: repeat the first and last knot)"
        } else {
            ""
        };
        r.add(
            format!("{at}/{knots_field}"),
            format!(
                "{} knots for {count} control points of degree {p}; need {expected} (n + p + 1){hint}",
                knots.len()
            ),
        );
        return;
    }
    if let Some(i) = knots.iter().position(|k| !k.is_finite()) {
        r.add(
            format!("{at}/{knots_field}/{i}"),
            format!("knot is {} (must be finite)", knots[i]),
        );
        return;
    }
    if let Some(i) = knots.windows(2).position(|w| w[1] < w[0]) {
        r.add(
            format!("{at}/{knots_field}/{}", i + 1),
            format!(
                "knots must not decrease: {} follows {}",
                knots[i + 1],
                knots[i]
            ),
        );
        return;
    }
    // An interior knot repeated more than p times splits the curve into disconnected pieces.
    let (lo, hi) = (knots[p], knots[count]);
    let mut i = 0;
    while i < knots.len() {
        let run = knots[i..].iter().take_while(|&&k| k == knots[i]).count();
        if knots[i] > lo && knots[i] < hi && run > p {
            r.add(
                format!("{at}/{knots_field}/{i}"),
                format!(
                    "interior knot {} repeated {run} times; at most {p} for degree {p}",
                    knots[i]
                ),
            );
            return;
        }
        i += run;
    }
    if knots[p] >= knots[count] {
        r.add(
            format!("{at}/{knots_field}"),
            format!(
                "empty domain: knot {p} ({}) must be less than knot {count} ({})",
                knots[p], knots[count]
            ),
        );
    }
}

fn weight_checks(r: &mut Report, weights: Option<&[f64]>, count: usize, at: &str) {
    let Some(weights) = weights else { return };
    if weights.len() != count {
        r.add(
            format!("{at}/weights"),
            format!(
                "{} weights for {count} control points (need one per point)",
                weights.len()
            ),
        );
        return;
    }
    if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
        r.add(
            format!("{at}/weights/{i}"),
            format!("weight {} must be positive and finite", weights[i]),
        );
    }
}

fn curve_checks(r: &mut Report, c: &NurbsCurve, at: &str) {
    nurbs_curve_checks(r, c.degree, &c.points, c.weights.as_deref(), &c.knots, at);
}

fn trim_curve_checks(r: &mut Report, c: &TrimCurve, at: &str) {
    nurbs_curve_checks(r, c.degree, &c.points, c.weights.as_deref(), &c.knots, at);
}

/// Checks a NURBS curve in any dimension (3D curves and 2D trims).
fn nurbs_curve_checks<const N: usize>(
    r: &mut Report,
    degree: u32,
    points: &[[f64; N]],
    weights: Option<&[f64]>,
    knots: &[f64],
    at: &str,
) {
    knot_checks(r, (degree, "degree"), points.len(), (knots, "knots"), at);
    weight_checks(r, weights, points.len(), at);
    points_finite(r, points, &format!("{at}/points"));
}

fn surface_checks(r: &mut Report, s: &NurbsSurface, at: &str) {
    let (nu, nv) = (s.count_u as usize, s.count_v as usize);
    let Some(count) = nu.checked_mul(nv) else {
        r.add(format!("{at}/count_u"), "count_u * count_v overflows");
        return;
    };
    if s.points.len() != count {
        r.add(
            format!("{at}/points"),
            format!(
                "{} control points, but count_u * count_v = {nu} * {nv} = {count}",
                s.points.len()
            ),
        );
        return;
    }
    knot_checks(r, (s.degree_u, "degree_u"), nu, (&s.knots_u, "knots_u"), at);
    knot_checks(r, (s.degree_v, "degree_v"), nv, (&s.knots_v, "knots_v"), at);
    weight_checks(r, s.weights.as_deref(), count, at);
    points_finite(r, &s.points, &format!("{at}/points"));
}

fn brep_checks(r: &mut Report, brep: &Brep, at: &str) {
    let mut edge_uses = vec![0u32; brep.edges.len()];
    if brep.faces.is_empty() {
        r.add(format!("{at}/faces"), "a Brep needs at least one face");
    }
    for (f, face) in brep.faces.iter().enumerate() {
        let fat = format!("{at}/faces/{f}");
        surface_checks(r, &face.surface, &format!("{fat}/surface"));
        let outer = face
            .loops
            .iter()
            .filter(|l| l.kind == LoopKind::Outer)
            .count();
        if outer != 1 {
            r.add(
                format!("{fat}/loops"),
                format!("a face needs exactly one outer loop, found {outer}"),
            );
        }
        for (l, lp) in face.loops.iter().enumerate() {
            let lat = format!("{fat}/loops/{l}");
            if lp.trims.is_empty() {
                r.add(format!("{lat}/trims"), "a loop needs at least one trim");
            }
            for (t, trim) in lp.trims.iter().enumerate() {
                let tat = format!("{lat}/trims/{t}");
                trim_curve_checks(r, &trim.curve, &format!("{tat}/curve"));
                if let Some(e) = trim.edge {
                    match edge_uses.get_mut(e as usize) {
                        Some(uses) => *uses += 1,
                        None => r.add(
                            format!("{tat}/edge"),
                            format!(
                                "edge index {e} out of range (Brep has {} edges)",
                                brep.edges.len()
                            ),
                        ),
                    }
                }
            }
        }
    }
    for (e, edge) in brep.edges.iter().enumerate() {
        if edge_uses[e] == 0 {
            r.add(format!("{at}/edges/{e}"), "no trim uses this edge");
        }
        if let Some(curve) = &edge.curve {
            curve_checks(r, curve, &format!("{at}/edges/{e}/curve"));
        }
    }
}

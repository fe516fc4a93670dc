//! Running `clash` jobs: the scene's objects as meshes, the sets and ignore rules as tags,
//! the kernel of `cicada_compute::clash`, and the report with ids, layers and groups.

use std::collections::HashMap;
use std::time::Instant;

use cicada_clash::{Clash, ClashKind, Inner, ObjectTags, Rules, Tests, group_by_layers};
use cicada_compute::clash::{detect, prepare_objects};
use cicada_compute::{Backend, Progress};
use cicada_protocol::clash as wire;
use cicada_protocol::{Problem, Scene};

use crate::execute::JobError;
use crate::scene_objects::{AnalysisObject, scene_meshes};

/// Listed clashes when the job does not say.
const DEFAULT_MAX_LISTED: u32 = 10_000;

/// Finds the clashes of `scene` that `params` asks for.
pub fn clash(
    scene: &Scene,
    params: &wire::ClashParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<wire::ClashReport, JobError> {
    let started = Instant::now();
    let objects = scene_meshes(
        scene,
        "/inputs/scene",
        None,
        params.chord_tolerance,
        true,
        progress,
    )?;
    let (tags, layer_names, rules) = tags_and_rules(&objects, params);
    let meshes: Vec<_> = objects.iter().map(|o| (&o.mesh, o.deviation)).collect();
    let prepared = prepare_objects(&meshes, progress)?;
    let prepare_secs = started.elapsed().as_secs_f64();
    let tests = Tests {
        hard: (params.hard != Some(false)).then(|| params.hard_tolerance.unwrap_or(0.0)),
        clearance: params.clearance,
        duplicates: params.duplicates,
        containment: params.containment != Some(false),
        conservative: params.conservative == Some(true),
    };
    let run = detect(&prepared, &tags, &rules, &tests, backend, progress)?;
    if let Some(why) = &run.device_fallback {
        tracing::warn!("clash narrow phase on the CPU: {why}");
    }
    let mut counts = wire::ClashCounts::default();
    for c in &run.clashes {
        match c.kind {
            ClashKind::Hard => counts.hard += 1,
            ClashKind::Containment => counts.containment += 1,
            ClashKind::Duplicate => counts.duplicate += 1,
            ClashKind::Clearance => counts.clearance += 1,
        }
        counts.total += 1;
    }
    let listed = &run.clashes[..run
        .clashes
        .len()
        .min(params.max_listed.unwrap_or(DEFAULT_MAX_LISTED) as usize)];
    let groups = group_by_layers(listed, &tags)
        .into_iter()
        .map(|g| wire::ClashGroup {
            layers: [g.layers.0, g.layers.1].map(|l| l.map(|l| layer_names[l as usize].clone())),
            clashes: g.members.iter().map(|&k| k as u32).collect(),
        })
        .collect();
    Ok(wire::ClashReport {
        clashes: listed.iter().map(|c| entry(c, &objects)).collect(),
        groups,
        counts,
        stats: wire::ClashStats {
            triangles: prepared.iter().map(|o| o.triangle_count() as u64).sum(),
            candidate_pairs: run.candidate_pairs as u64,
            device_pairs: run.device_pairs as u64,
            device_undecided: run.device_undecided as u64,
            device_fallback: run.device_fallback.clone(),
            prepare_secs,
            broad_secs: run.broad_secs,
            narrow_secs: run.narrow_secs,
        },
        objects: objects
            .iter()
            .zip(&prepared)
            .map(|(o, p)| wire::ClashObjectInfo {
                id: o.id.clone(),
                source: format!("/inputs/scene/{}/{}", o.collection, o.index),
                layer: o.layer.clone(),
                group: o.group.clone(),
                triangles: p.triangle_count() as u64,
                closed: p.is_closed(),
                deviation: o.deviation,
            })
            .collect(),
    })
}

/// The sets of `params` that select no object of `scene` (a misspelt layer, ids of another
/// model), as problems to refuse the job with before it is queued.
pub fn selection_problems(params: &wire::ClashParams, scene: &Scene) -> Vec<Problem> {
    let labels = scene
        .meshes
        .iter()
        .map(|m| (&m.layer, &m.id))
        .chain(scene.surfaces.iter().map(|s| (&s.layer, &s.id)))
        .chain(scene.breps.iter().map(|b| (&b.layer, &b.id)));
    let mut hit = [false; 2];
    let sets = [&params.set_a, &params.set_b];
    for (layer, id) in labels {
        for (k, set) in sets.iter().enumerate() {
            if let Some(s) = set {
                hit[k] |= layer.as_ref().is_some_and(|l| s.layers.contains(l))
                    || id.as_ref().is_some_and(|i| s.ids.contains(i));
            }
        }
    }
    ["/params/set_a", "/params/set_b"]
        .into_iter()
        .zip(sets)
        .zip(hit)
        .filter(|((_, set), hit)| set.is_some() && !hit)
        .map(|((path, _), _)| Problem {
            path: path.into(),
            message: "selects no object of the scene: no layer or id matches".into(),
        })
        .collect()
}

fn entry(c: &Clash, objects: &[AnalysisObject]) -> wire::ClashEntry {
    wire::ClashEntry {
        a: c.a,
        b: c.b,
        a_id: objects[c.a as usize].id.clone(),
        b_id: objects[c.b as usize].id.clone(),
        kind: match c.kind {
            ClashKind::Hard => wire::ClashType::Hard,
            ClashKind::Containment => wire::ClashType::Containment,
            ClashKind::Duplicate => wire::ClashType::Duplicate,
            ClashKind::Clearance => wire::ClashType::Clearance,
        },
        distance: c.distance,
        depth: c.depth,
        axis: c.axis.map(|v| [v.x, v.y, v.z]),
        point_a: c.point_a.to_array(),
        point_b: c.point_b.to_array(),
        uncertainty: c.uncertainty,
        inner: c.inner.map(|i| match i {
            Inner::A => c.a,
            Inner::B => c.b,
        }),
    }
}

/// Interns layers and groups, marks set membership, and turns the ignore rules into
/// kernel rules.
fn tags_and_rules(
    objects: &[AnalysisObject],
    params: &wire::ClashParams,
) -> (Vec<ObjectTags>, Vec<String>, Rules) {
    let mut layers: HashMap<&str, u32> = HashMap::new();
    let mut layer_names = Vec::new();
    let mut groups: HashMap<&str, u32> = HashMap::new();
    let selects = |set: &Option<wire::Selection>, o: &AnalysisObject| {
        set.as_ref().is_none_or(|s| {
            o.layer.as_ref().is_some_and(|l| s.layers.contains(l))
                || o.id.as_ref().is_some_and(|i| s.ids.contains(i))
        })
    };
    let a_against_b = params.set_b.is_some();
    let mut tags = Vec::with_capacity(objects.len());
    for o in objects {
        let layer = o.layer.as_deref().map(|l| {
            *layers.entry(l).or_insert_with(|| {
                layer_names.push(l.to_string());
                (layer_names.len() - 1) as u32
            })
        });
        let next_group = groups.len() as u32;
        let group = o
            .group
            .as_deref()
            .map(|g| *groups.entry(g).or_insert(next_group));
        tags.push(ObjectTags {
            layer,
            group,
            in_a: selects(&params.set_a, o),
            in_b: a_against_b && selects(&params.set_b, o),
        });
    }
    let ignore = params.ignore.clone().unwrap_or_default();
    let rules = Rules {
        a_against_b,
        ignore_same_layer: ignore.same_layer,
        ignore_same_group: ignore.same_group,
        // A rule naming a layer the scene lacks matches nothing (templates are shared
        // across models); it is not an error.
        ignore_layer_pairs: ignore
            .layer_pairs
            .iter()
            .filter_map(|[x, y]| Some((*layers.get(x.as_str())?, *layers.get(y.as_str())?)))
            .collect(),
    };
    (tags, layer_names, rules)
}

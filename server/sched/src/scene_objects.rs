//! The objects of a scene as meshes: meshes as sent, NURBS surfaces and Breps tessellated
//! (with the deviation the tessellation measured), each with its source, id, layer and group.

use cicada_compute::{Progress, tessellate};
use cicada_geom::Mesh;
use cicada_geom::tessellate::TessellationOptions;
use cicada_protocol::{Problem, Scene};

use crate::execute::JobError;
use crate::lower;

fn invalid(path: impl Into<String>, message: impl ToString) -> JobError {
    JobError::Invalid(vec![Problem {
        path: path.into(),
        message: message.to_string(),
    }])
}

/// One object of the analysis scene as a mesh.
pub(crate) struct AnalysisObject {
    /// `meshes`, `surfaces` or `breps`.
    pub collection: &'static str,
    /// Index in that collection.
    pub index: usize,
    /// Caller's id.
    pub id: Option<String>,
    /// Layer.
    pub layer: Option<String>,
    /// Group, block or composite object.
    pub group: Option<String>,
    /// The object as a mesh.
    pub mesh: Mesh,
    /// Largest distance of the mesh from the object sent (0 for meshes).
    pub deviation: f64,
}

/// Every mesh, surface (unless `surfaces` is false) and Brep of `scene` as meshes: meshes as
/// they are, surfaces and Breps meshed with edges no longer than `max_edge` and within
/// `chord` of the surface (default ten tolerances).
pub(crate) fn scene_meshes(
    scene: &Scene,
    at: &str,
    max_edge: Option<f64>,
    chord: Option<f64>,
    surfaces: bool,
    progress: &dyn Progress,
) -> Result<Vec<AnalysisObject>, JobError> {
    let mut out = Vec::new();
    for (i, m) in scene.meshes.iter().enumerate() {
        out.push(AnalysisObject {
            collection: "meshes",
            index: i,
            id: m.id.clone(),
            layer: m.layer.clone(),
            group: m.group.clone(),
            mesh: lower::mesh(m).map_err(|e| invalid(format!("{at}/meshes/{i}"), e))?,
            deviation: 0.0,
        });
    }
    let options = TessellationOptions {
        chord_tolerance: chord.unwrap_or(10.0 * scene.tolerance),
        max_edge_length: max_edge,
        ..TessellationOptions::default()
    };
    let wanted: &[cicada_protocol::NurbsSurface] = if surfaces { &scene.surfaces } else { &[] };
    let surfaces = wanted
        .iter()
        .enumerate()
        .map(|(i, s)| lower::surface(s).map_err(|e| invalid(format!("{at}/surfaces/{i}"), e)))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, m) in tessellate::tessellate(&surfaces, &options, progress)?
        .into_iter()
        .enumerate()
    {
        let deviation = m.max_deviation;
        let mesh = Mesh::new(m.positions, m.faces)
            .map_err(|e| invalid(format!("{at}/surfaces/{i}"), e))?;
        let s = &scene.surfaces[i];
        out.push(AnalysisObject {
            collection: "surfaces",
            index: i,
            id: s.id.clone(),
            layer: s.layer.clone(),
            group: s.group.clone(),
            mesh,
            deviation,
        });
    }
    let breps = scene
        .breps
        .iter()
        .enumerate()
        .map(|(i, b)| {
            lower::brep(b).map_err(|(path, e)| invalid(format!("{at}/breps/{i}{path}"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, m) in tessellate::tessellate_breps(&breps, &options, progress)?
        .into_iter()
        .enumerate()
    {
        let m = m.map_err(|e| invalid(format!("{at}/breps/{i}"), e))?;
        let faces = m.triangles.iter().map(|&[a, b, c]| [a, b, c, c]).collect();
        let deviation = m.max_deviation;
        let mesh =
            Mesh::new(m.positions, faces).map_err(|e| invalid(format!("{at}/breps/{i}"), e))?;
        let b = &scene.breps[i];
        out.push(AnalysisObject {
            collection: "breps",
            index: i,
            id: b.id.clone(),
            layer: b.layer.clone(),
            group: b.group.clone(),
            mesh,
            deviation,
        });
    }
    Ok(out)
}

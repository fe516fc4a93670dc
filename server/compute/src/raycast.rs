//! `raycast`: rays against meshes, nearest hit or any hit per ray, through a BVH over every
//! triangle of the scene (quads split along their a–c diagonal).

use cicada_geom::bvh::{Bvh, Ray};
use cicada_geom::{Mesh, Point3, Vector3};
use rayon::prelude::*;

use crate::backend::Backend;
use crate::progress::{Cancelled, Progress};

/// Name and version of this kernel.
pub const KERNEL_VERSION: &str = "raycast@1";

/// What to look for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Farthest accepted hit along the unit direction.
    pub max_distance: f64,
    /// True for any-hit (occlusion) queries, false for the nearest hit.
    pub any_hit: bool,
}

/// Where one ray hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RayHit {
    /// Distance along the unit direction.
    pub distance: f64,
    /// Index of the mesh.
    pub mesh: u32,
    /// Index of the face in the mesh.
    pub face: u32,
    /// Unit normal of the triangle hit, following the face's winding.
    pub normal: Vector3,
}

/// The scene's triangles, with the mesh and face each came from.
pub struct TriangleScene {
    /// The hierarchy over all triangles.
    pub bvh: Bvh,
    /// `(mesh, face)` of each triangle.
    source: Vec<(u32, u32)>,
    /// Where the hierarchy stores each triangle (the inverse of its order).
    stored: Vec<u32>,
}

/// The inverse of a hierarchy's order: the stored position of each caller triangle.
fn stored_positions(bvh: &Bvh) -> Vec<u32> {
    let mut stored = vec![0u32; bvh.len()];
    for (k, &t) in bvh.order().iter().enumerate() {
        stored[t as usize] = k as u32;
    }
    stored
}

impl TriangleScene {
    /// Splits every face of `meshes` into triangles and builds the hierarchy.
    pub fn new(meshes: &[Mesh]) -> TriangleScene {
        let mut triangles = Vec::new();
        let mut source = Vec::new();
        for (m, mesh) in meshes.iter().enumerate() {
            let p = mesh.positions();
            for (f, face) in mesh.faces().iter().enumerate() {
                let [a, b, c, d] = face.map(|i| p[i as usize]);
                triangles.push([a, b, c]);
                source.push((m as u32, f as u32));
                if face[2] != face[3] {
                    triangles.push([a, c, d]);
                    source.push((m as u32, f as u32));
                }
            }
        }
        let bvh = Bvh::new(&triangles);
        TriangleScene {
            stored: stored_positions(&bvh),
            bvh,
            source,
        }
    }

    /// The scene as named arrays for a snapshot: the hierarchy's and where each triangle
    /// came from (`tri.source`).
    pub fn to_sections(&self) -> Vec<cicada_geom::bvh::Section<'_>> {
        let source: Vec<u32> = self.source.iter().flat_map(|&(m, f)| [m, f]).collect();
        let mut out = self.bvh.to_sections();
        out.push(("tri.source", bytemuck::cast_slice(&source).to_vec().into()));
        out
    }

    /// The scene back from [`Self::to_sections`]'s arrays.
    pub fn from_sections<'a>(
        section: impl Fn(&str) -> Option<&'a [u8]>,
    ) -> Result<TriangleScene, cicada_geom::bvh::FlatError> {
        use cicada_geom::bvh::FlatError;
        let bvh = Bvh::from_sections(&section)?;
        let source = section("tri.source").ok_or(FlatError::Missing("tri.source"))?;
        if source.len() != bvh.len() * 8 {
            return Err(FlatError::Length("tri.source"));
        }
        let source: Vec<u32> = bytemuck::pod_collect_to_vec(source);
        Ok(TriangleScene {
            stored: stored_positions(&bvh),
            bvh,
            source: source.chunks_exact(2).map(|s| (s[0], s[1])).collect(),
        })
    }

    /// The scene over [`Self::to_sections`]'s arrays where they lie in `backing` (a mapped
    /// snapshot), at the ranges `range` names: the hierarchy is used in place.
    pub fn from_mapped(
        backing: std::sync::Arc<dyn cicada_geom::bvh::StableBytes>,
        range: impl Fn(&str) -> Option<std::ops::Range<usize>>,
    ) -> Result<TriangleScene, cicada_geom::bvh::FlatError> {
        use cicada_geom::bvh::FlatError;
        let source = range("tri.source")
            .and_then(|r| backing.bytes().get(r))
            .ok_or(FlatError::Missing("tri.source"))?;
        let source: Vec<u32> = bytemuck::pod_collect_to_vec(source);
        let bvh = Bvh::from_mapped(backing, range)?;
        if source.len() != bvh.len() * 2 {
            return Err(FlatError::Length("tri.source"));
        }
        Ok(TriangleScene {
            stored: stored_positions(&bvh),
            bvh,
            source: source.chunks_exact(2).map(|s| (s[0], s[1])).collect(),
        })
    }

    /// Bytes the scene holds in memory, roughly (for a worker's budget of held scenes).
    pub fn heap_bytes(&self) -> usize {
        self.bvh.len() * (72 + 8 + 4 + 4) + self.bvh.nodes().len() * (32 + 64)
    }

    fn hit(&self, triangle: u32, distance: f64) -> RayHit {
        // From the corners about the local origin: differences of small numbers, so the
        // normal is as exact as the corners allow, and the same for a restored scene.
        let t = self.bvh.local_triangles()[self.stored[triangle as usize] as usize]
            .map(|[x, y, z]| Vector3::new(x, y, z));
        let n = (t[1] - t[0]).cross(t[2] - t[0]);
        let len = n.length();
        let (mesh, face) = self.source[triangle as usize];
        RayHit {
            distance,
            mesh,
            face,
            normal: if len > 0.0 {
                n / len
            } else {
                Vector3::default()
            },
        }
    }
}

/// Traces `rays` (origin, direction) against `scene` on `backend` (the GPU when it has one,
/// else all CPU threads), reporting progress and checking for cancellation per block.
pub fn raycast(
    scene: &TriangleScene,
    rays: &[(Point3, Vector3)],
    params: &Params,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<Option<RayHit>>, Cancelled> {
    const BLOCK: usize = 16 * 1024;
    let unit = |&(origin, direction): &(Point3, Vector3)| Ray {
        origin,
        direction: direction / direction.length(),
        t_min: 0.0,
        t_max: params.max_distance,
    };
    // A scene the device cannot take (deeper than its stack, larger than a binding) runs
    // on the CPU rather than not at all.
    let gpu = backend
        .gpu()
        .and_then(|g| backend.upload(&scene.bvh).map(|s| (g, s)));
    let block = if gpu.is_some() { 1 << 20 } else { BLOCK };
    let mut out = Vec::with_capacity(rays.len());
    for (b, chunk) in rays.chunks(block).enumerate() {
        progress.check()?;
        let hits: Vec<Option<RayHit>> = match &gpu {
            Some((g, uploaded)) => {
                let batch: Vec<Ray> = chunk.iter().map(unit).collect();
                match g.trace(uploaded, &batch, params.any_hit) {
                    Ok(hits) => hits
                        .into_iter()
                        .map(|h| h.map(|h| scene.hit(h.triangle, h.t)))
                        .collect(),
                    Err(_) => cpu_block(scene, chunk, params, &unit),
                }
            }
            None => cpu_block(scene, chunk, params, &unit),
        };
        out.extend(hits);
        progress.report(
            ((b + 1) * block).min(rays.len()) as f32 / rays.len().max(1) as f32,
            "tracing rays",
        );
    }
    Ok(out)
}

fn cpu_block(
    scene: &TriangleScene,
    chunk: &[(Point3, Vector3)],
    params: &Params,
    unit: &(dyn Fn(&(Point3, Vector3)) -> Ray + Sync),
) -> Vec<Option<RayHit>> {
    chunk
        .par_iter()
        .map(|r| {
            let ray = unit(r);
            let h = if params.any_hit {
                scene.bvh.any_hit(&ray)?
            } else {
                scene.bvh.closest_hit(&ray)?
            };
            Some(scene.hit(h.triangle, h.t))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    /// The unit cube [0,1]^3 as six outward quads.
    fn cube() -> Mesh {
        Mesh::axis_aligned_box(Point3::new(0.0, 0.0, 0.0), Point3::new(1.0, 1.0, 1.0))
    }

    #[test]
    fn rays_hit_the_cube_where_geometry_says() {
        let scene = TriangleScene::new(&[cube()]);
        let rays = [
            // Straight down onto the top face (face 1, z = 1), from z = 5: distance 4.
            (Point3::new(0.3, 0.6, 5.0), Vector3::new(0.0, 0.0, -2.0)),
            // Along +x from x = -2 into the x = 0 face (face 4): distance 2.
            (Point3::new(-2.0, 0.5, 0.25), Vector3::new(1.0, 0.0, 0.0)),
            // Misses: passes beside the cube.
            (Point3::new(2.0, 2.0, 2.0), Vector3::new(0.0, 0.0, 1.0)),
        ];
        let params = Params {
            max_distance: f64::INFINITY,
            any_hit: false,
        };
        let hits = raycast(&scene, &rays, &params, &Backend::cpu(), &NoProgress).unwrap();
        let top = hits[0].unwrap();
        assert_eq!((top.distance, top.mesh, top.face), (4.0, 0, 1));
        assert_eq!(top.normal, Vector3::new(0.0, 0.0, 1.0));
        let side = hits[1].unwrap();
        assert_eq!((side.distance, side.face), (2.0, 4));
        assert_eq!(side.normal, Vector3::new(-1.0, 0.0, 0.0));
        assert!(hits[2].is_none());
        let short = Params {
            max_distance: 3.9,
            any_hit: true,
        };
        let occluded = raycast(&scene, &rays, &short, &Backend::cpu(), &NoProgress).unwrap();
        assert!(occluded[0].is_none() && occluded[1].is_some());
    }
}

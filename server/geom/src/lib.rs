//! Cicada's geometry kernel: plain data and pure functions.
//!
//! Architecture invariant: this crate does no I/O, knows nothing of the wire format (no
//! serde) and never panics on bad geometry; it returns typed errors for broken contracts and
//! reports for questionable input.

pub mod bbox;
pub mod brep_intersection;
pub mod bvh;
mod cell_map;
mod chord_index;
pub mod curve_intersection;
pub mod disjoint_set;
pub mod mesh;
pub mod mesh_contact;
pub mod mesh_intersection;
pub mod nurbs;
pub mod nurbs_intersection;
mod resting;
pub mod surface_mesh_intersection;
pub mod tessellate;
pub mod tessellate_brep;
pub mod triangle_contact;
pub mod vec3;

pub use bbox::Aabb;
pub use mesh::{Mesh, MeshError};
pub use vec3::{Point3, Rotation, Vector3};

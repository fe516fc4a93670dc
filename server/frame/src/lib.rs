//! Structural analysis of 3D frames and trusses: linear static (every load case through
//! one sparse Cholesky factorisation, combinations by superposition) and modal (shift-invert
//! Lanczos), with forces and displacements along every element.
//!
//! Architecture invariant: pure functions over plain data (no I/O, no serde); a malformed
//! model or an unstable structure comes back as a [`FrameError`] naming the items or the
//! DOFs at fault, never as NaNs or a panic.

pub mod assemble;
pub mod element;
pub mod error;
pub mod modal;
pub mod model;
pub mod pcg;
pub mod points;
pub mod section;
pub mod sparse;
mod stability;
pub mod statics;

pub use assemble::MassKind;
pub use error::{FrameError, NodeDof};
pub use model::{
    Combination, Element, ElementKind, ElementLoad, LoadAxes, LoadCase, Material, Model,
    Orientation, Support,
};
pub use section::{Section, Shape};
pub use sparse::SymbolicCache;

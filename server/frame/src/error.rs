//! What can go wrong in an analysis, each error naming the item at fault.

use crate::model::DOF_NAMES;

/// A DOF of the model: node and DOF index (see [`DOF_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeDof {
    /// Node index.
    pub node: usize,
    /// DOF index, 0..6.
    pub dof: usize,
}

impl std::fmt::Display for NodeDof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "node {} {}", self.node, DOF_NAMES[self.dof])
    }
}

/// Why an analysis did not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FrameError {
    /// A model item is malformed; `path` names it (`elements/3/section`).
    #[error("{path}: {problem}")]
    Invalid {
        /// Where, as a path into the model.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The structure can move without resisting: a mechanism, or a part without
    /// supports. `free` lists the DOFs that move in the mechanism modes (at most 24).
    #[error("the structure is unstable (a mechanism or an unsupported part): {} can move freely{}; add supports or members, or remove releases there", list(.free), more(*.total, .free.len()))]
    Unstable {
        /// The DOFs that move without strain, largest motion first.
        free: Vec<NodeDof>,
        /// How many DOFs move in total.
        total: usize,
    },
    /// An element's releases let it move without strain.
    #[error(
        "elements/{element}/releases: the releases leave the element free to move (e.g. torsion released at both ends)"
    )]
    UnstableReleases {
        /// The element.
        element: usize,
    },
    /// A moment acts on a rotation no element resists (a node where only trusses or
    /// hinged ends meet).
    #[error("cases/{case}: a moment {} acts at node {node}, where no element takes moments", DOF_NAMES[*.dof])]
    MomentOnHinge {
        /// The load case.
        case: usize,
        /// The node.
        node: usize,
        /// The rotational DOF.
        dof: usize,
    },
    /// Conjugate gradients did not reach the tolerance (an ill-conditioned or unstable
    /// model; the direct solver names the DOFs of a mechanism).
    #[error(
        "cases/{case}: conjugate gradients stopped at relative residual {residual:e} after {iterations} iterations; use the direct solver"
    )]
    NotConverged {
        /// The load case.
        case: usize,
        /// Iterations run.
        iterations: usize,
        /// Relative residual reached.
        residual: f64,
    },
    /// The device running the iterative solver failed.
    #[error("the solver's device failed: {reason}")]
    Device {
        /// What the device said.
        reason: String,
    },
    /// The model has no mass to vibrate.
    #[error("the model has no mass: give materials a density or add point masses")]
    NoMass,
    /// The factorisation did not fit in memory.
    #[error("out of memory for the factorisation")]
    OutOfMemory,
    /// The caller asked the analysis to stop.
    #[error("cancelled")]
    Cancelled,
}

fn list(free: &[NodeDof]) -> String {
    free.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn more(total: usize, shown: usize) -> String {
    if total > shown {
        format!(" (and {} more)", total - shown)
    } else {
        String::new()
    }
}

/// An invalid-model error at `path`.
pub(crate) fn invalid(path: impl Into<String>, problem: impl Into<String>) -> FrameError {
    FrameError::Invalid {
        path: path.into(),
        problem: problem.into(),
    }
}

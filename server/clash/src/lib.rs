//! Clash detection among many objects, as coordination tools define it (Navisworks' Clash
//! Detective semantics): **hard** clashes (surfaces pass through each other; reported when
//! the penetration depth exceeds a tolerance), **clearance** clashes (closer than a
//! distance), **duplicates** (coincident within a tolerance) and **containment** (an
//! object wholly inside a closed one).
//!
//! The flow: [`ClashObject`] prepares each object once (triangles, hierarchy, bounds,
//! closedness, the axes of its penetration estimate); [`broad::candidate_pairs`] sweeps
//! the object bounds for pairs that could clash and that the [`Rules`] allow;
//! [`examine`] decides one pair (exact triangle contacts, then distance, depth or
//! containment as the tests ask); [`sort_by_severity`] and [`group_by_layers`] order the
//! result. Pure functions over plain data; the caller runs pairs in parallel.

pub mod broad;
pub mod depth;
pub mod inside;
mod object;
mod pair;
mod rules;

pub use object::ClashObject;
pub use pair::{Clash, ClashKind, Inner, Tests, examine, examine_scanned};
pub use rules::{ObjectTags, Rules};

/// Orders clashes most severe first: hard clashes by depth (deepest first), then
/// containments by depth, duplicates, and clearance clashes by distance (closest first);
/// ties by object indices, so the order is deterministic.
pub fn sort_by_severity(clashes: &mut [Clash]) {
    clashes.sort_by(severity_order);
}

fn severity_order(x: &Clash, y: &Clash) -> std::cmp::Ordering {
    let rank = |c: &Clash| match c.kind {
        ClashKind::Hard => 0,
        ClashKind::Containment => 1,
        ClashKind::Duplicate => 2,
        ClashKind::Clearance => 3,
    };
    rank(x)
        .cmp(&rank(y))
        .then_with(|| match x.kind {
            ClashKind::Clearance => x.distance.total_cmp(&y.distance),
            _ => y.depth.total_cmp(&x.depth),
        })
        .then_with(|| (x.a, x.b).cmp(&(y.a, y.b)))
}

/// Clashes that share a pair of layers (unordered; `None` for an object without a layer).
/// Layer ids are the caller's interning order.
#[derive(Clone, Debug, PartialEq)]
pub struct ClashGroup {
    /// The two layers, the lesser id first.
    pub layers: (Option<u32>, Option<u32>),
    /// Indices into the clash list, most severe first.
    pub members: Vec<usize>,
}

/// The clashes grouped by the layers of their two objects ("Structure × Ducts"), each group
/// most severe first and the groups ordered by their most severe clash. `clashes` must be
/// sorted by [`sort_by_severity`].
pub fn group_by_layers(clashes: &[Clash], tags: &[ObjectTags]) -> Vec<ClashGroup> {
    let mut groups: Vec<ClashGroup> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (k, c) in clashes.iter().enumerate() {
        let (la, lb) = (tags[c.a as usize].layer, tags[c.b as usize].layer);
        let layers = if la <= lb { (la, lb) } else { (lb, la) };
        let g = *index.entry(layers).or_insert_with(|| {
            groups.push(ClashGroup {
                layers,
                members: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].members.push(k);
    }
    groups
}

//! Which pairs are tested: the A and B sets and the ignore rules of coordination tools
//! (same layer, same group or block, listed layer pairs).

/// What the rules know of an object: its layer and group (interned by the caller) and the
/// sets it is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectTags {
    /// Layer, if any.
    pub layer: Option<u32>,
    /// Group, block or composite object, if any.
    pub group: Option<u32>,
    /// In set A (every object, for an all-against-all test).
    pub in_a: bool,
    /// In set B (unused for an all-against-all test).
    pub in_b: bool,
}

/// The pair filter of a clash test.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Set A against set B (true), or all of set A against itself (false).
    pub a_against_b: bool,
    /// Ignore pairs on one layer.
    pub ignore_same_layer: bool,
    /// Ignore pairs in one group (parts of one composite object).
    pub ignore_same_group: bool,
    /// Ignore pairs between these layers (in either order).
    pub ignore_layer_pairs: Vec<(u32, u32)>,
}

impl Rules {
    /// True when the pair of objects tagged `a` and `b` is to be tested.
    pub fn allows(&self, a: &ObjectTags, b: &ObjectTags) -> bool {
        let in_sets = if self.a_against_b {
            (a.in_a && b.in_b) || (a.in_b && b.in_a)
        } else {
            a.in_a && b.in_a
        };
        if !in_sets {
            return false;
        }
        if self.ignore_same_layer && a.layer.is_some() && a.layer == b.layer {
            return false;
        }
        if self.ignore_same_group && a.group.is_some() && a.group == b.group {
            return false;
        }
        match (a.layer, b.layer) {
            (Some(la), Some(lb)) => !self
                .ignore_layer_pairs
                .iter()
                .any(|&(x, y)| (x, y) == (la, lb) || (y, x) == (la, lb)),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(layer: u32, group: Option<u32>, in_a: bool, in_b: bool) -> ObjectTags {
        ObjectTags {
            layer: Some(layer),
            group,
            in_a,
            in_b,
        }
    }

    #[test]
    fn sets_and_ignore_rules_filter_pairs() {
        let all = Rules::default();
        let (x, y) = (tag(0, Some(1), true, false), tag(0, Some(1), true, false));
        assert!(all.allows(&x, &y));
        let same_layer = Rules {
            ignore_same_layer: true,
            ..Rules::default()
        };
        assert!(!same_layer.allows(&x, &y));
        let same_group = Rules {
            ignore_same_group: true,
            ..Rules::default()
        };
        assert!(!same_group.allows(&x, &y));
        assert!(same_group.allows(&x, &tag(0, Some(2), true, false)));
        let pairs = Rules {
            ignore_layer_pairs: vec![(3, 0)],
            ..Rules::default()
        };
        assert!(!pairs.allows(&x, &tag(3, None, true, false)));
        assert!(pairs.allows(&x, &tag(2, None, true, false)));
        let ab = Rules {
            a_against_b: true,
            ..Rules::default()
        };
        let (a, b) = (tag(0, None, true, false), tag(1, None, false, true));
        assert!(ab.allows(&a, &b) && ab.allows(&b, &a));
        assert!(!ab.allows(&a, &a) && !ab.allows(&b, &b));
    }
}

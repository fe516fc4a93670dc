//! The hierarchy as plain arrays and back, for snapshot files that a worker maps instead of
//! rebuilding: every array goes out as its in-memory bytes (little-endian, `#[repr(C)]`), and
//! comes back with one copy per array after checks that every link stays in range, so a
//! damaged file is an error, never a panic or a wrong walk.

use std::borrow::Cow;

use super::wide::{EMPTY, WideNode};
use super::{Bvh, BvhNode};
use crate::vec3::Point3;

/// One named array of a flattened hierarchy.
pub type Section<'a> = (&'static str, Cow<'a, [u8]>);

/// Why arrays do not make a hierarchy.
#[derive(Debug, thiserror::Error)]
pub enum FlatError {
    /// A section is absent.
    #[error("section '{0}' is missing")]
    Missing(&'static str),
    /// A section's length is not a whole number of elements, or disagrees with another.
    #[error("section '{0}' has a wrong length")]
    Length(&'static str),
    /// A link points outside its array.
    #[error("section '{0}' links outside the hierarchy")]
    Link(&'static str),
}

impl Bvh {
    /// The hierarchy's arrays, named: `bvh.meta` (origin and radius), `bvh.triangles`,
    /// `bvh.order`, `bvh.nodes`, `bvh.wide`.
    pub fn to_sections(&self) -> Vec<Section<'_>> {
        let meta = [self.origin.x, self.origin.y, self.origin.z, self.radius];
        vec![
            ("bvh.meta", Cow::Owned(bytemuck::cast_slice(&meta).to_vec())),
            (
                "bvh.triangles",
                Cow::Borrowed(bytemuck::cast_slice(&self.triangles)),
            ),
            (
                "bvh.order",
                Cow::Borrowed(bytemuck::cast_slice(&self.order)),
            ),
            (
                "bvh.nodes",
                Cow::Borrowed(bytemuck::cast_slice(&self.nodes)),
            ),
            ("bvh.wide", Cow::Borrowed(bytemuck::cast_slice(&self.wide))),
        ]
    }

    /// Rebuilds the hierarchy from [`Self::to_sections`]'s arrays, as `section` finds them.
    pub fn from_sections<'a>(section: impl Fn(&str) -> Option<&'a [u8]>) -> Result<Bvh, FlatError> {
        let get = |name: &'static str| section(name).ok_or(FlatError::Missing(name));
        let meta: Vec<f64> = array(get("bvh.meta")?, "bvh.meta")?;
        let [x, y, z, radius] = meta[..] else {
            return Err(FlatError::Length("bvh.meta"));
        };
        let triangles: Vec<[[f64; 3]; 3]> = array(get("bvh.triangles")?, "bvh.triangles")?;
        let order: Vec<u32> = array(get("bvh.order")?, "bvh.order")?;
        let nodes: Vec<BvhNode> = array(get("bvh.nodes")?, "bvh.nodes")?;
        let wide: Vec<WideNode> = array(get("bvh.wide")?, "bvh.wide")?;
        let n = order.len();
        if triangles.len() != n || (n > 0 && (nodes.is_empty() || wide.is_empty())) {
            return Err(FlatError::Length("bvh.triangles"));
        }
        if order.iter().any(|&i| i as usize >= n) {
            return Err(FlatError::Link("bvh.order"));
        }
        let leaf_ok = |first: u32, count: u32| first as usize + count as usize <= n;
        for node in &nodes {
            let ok = if node.count > 0 {
                leaf_ok(node.first, node.count)
            } else {
                node.first as usize + 1 < nodes.len()
            };
            if !ok {
                return Err(FlatError::Link("bvh.nodes"));
            }
        }
        for node in &wide {
            for lane in 0..4 {
                let (child, count) = (node.child[lane], node.count[lane]);
                let ok = child == EMPTY
                    || if count > 0 {
                        leaf_ok(child, count)
                    } else {
                        (child as usize) < wide.len()
                    };
                if !ok {
                    return Err(FlatError::Link("bvh.wide"));
                }
            }
        }
        Ok(Bvh {
            origin: Point3::new(x, y, z),
            triangles,
            order,
            nodes,
            wide,
            radius,
        })
    }
}

/// The elements of `bytes` (any alignment), or a length error naming `name`.
fn array<T: bytemuck::Pod>(bytes: &[u8], name: &'static str) -> Result<Vec<T>, FlatError> {
    if !bytes.len().is_multiple_of(std::mem::size_of::<T>()) {
        return Err(FlatError::Length(name));
    }
    Ok(bytemuck::pod_collect_to_vec(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bvh::Ray;
    use crate::vec3::Vector3;

    fn grid(n: usize) -> Vec<[Point3; 3]> {
        (0..n * n)
            .map(|k| {
                let (i, j) = ((k % n) as f64, (k / n) as f64);
                let z = (i * 0.37 + j * 0.11).sin();
                [
                    Point3::new(i, j, z),
                    Point3::new(i + 1.0, j, z),
                    Point3::new(i, j + 1.0, z + 0.5),
                ]
            })
            .collect()
    }

    #[test]
    fn a_flattened_hierarchy_comes_back_answering_the_same() {
        let bvh = Bvh::new(&grid(40));
        let sections = bvh.to_sections();
        let find = |name: &str| {
            sections
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.as_ref())
        };
        let back = Bvh::from_sections(find).unwrap();
        assert_eq!(back.nodes(), bvh.nodes());
        assert_eq!(back.order(), bvh.order());
        for k in 0..500 {
            let ray = Ray {
                origin: Point3::new(k as f64 * 0.08, 20.0, 5.0),
                direction: Vector3::new(0.01, -0.3, -1.0),
                t_min: 0.0,
                t_max: f64::INFINITY,
            };
            assert_eq!(back.closest_hit(&ray), bvh.closest_hit(&ray));
        }
    }

    #[test]
    fn a_damaged_array_is_an_error_not_a_panic() {
        let bvh = Bvh::new(&grid(10));
        let sections = bvh.to_sections();
        let with = |name: &'static str, bytes: Vec<u8>| {
            let sections = &sections;
            move |n: &str| -> Option<&[u8]> {
                if n == name {
                    // Leaked: a test's few bytes, so the closure can hand out a slice.
                    Some(Box::leak(bytes.clone().into_boxed_slice()))
                } else {
                    sections
                        .iter()
                        .find(|(s, _)| *s == n)
                        .map(|(_, b)| b.as_ref())
                }
            }
        };
        let nodes = sections
            .iter()
            .find(|(n, _)| *n == "bvh.nodes")
            .unwrap()
            .1
            .to_vec();
        let mut bad = nodes.clone();
        // The root's link far past the end.
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Bvh::from_sections(with("bvh.nodes", bad)),
            Err(FlatError::Link(_))
        ));
        assert!(matches!(
            Bvh::from_sections(with("bvh.nodes", nodes[..nodes.len() - 3].to_vec())),
            Err(FlatError::Length(_))
        ));
        assert!(matches!(
            Bvh::from_sections(|n| if n == "bvh.wide" {
                None
            } else {
                with("x", vec![])(n)
            }),
            Err(FlatError::Missing("bvh.wide"))
        ));
    }
}

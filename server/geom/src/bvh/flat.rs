//! The hierarchy as plain arrays and back, for snapshot files that a worker maps instead of
//! rebuilding: every array goes out as its in-memory bytes (little-endian, `#[repr(C)]`), and
//! comes back copied or used where it lies in the mapping, after checks that every link
//! stays in range, so a damaged file is an error, never a panic or a wrong walk.

use std::borrow::Cow;
use std::sync::Arc;

use super::shared::{Arr, StableBytes};
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

    /// Rebuilds the hierarchy from [`Self::to_sections`]'s arrays, as `section` finds them,
    /// copying them.
    pub fn from_sections<'a>(section: impl Fn(&str) -> Option<&'a [u8]>) -> Result<Bvh, FlatError> {
        let get = |name: &'static str| section(name).ok_or(FlatError::Missing(name));
        Bvh::checked(
            array(get("bvh.meta")?, "bvh.meta")?,
            array(get("bvh.triangles")?, "bvh.triangles")?.into(),
            array(get("bvh.order")?, "bvh.order")?.into(),
            array(get("bvh.nodes")?, "bvh.nodes")?.into(),
            array(get("bvh.wide")?, "bvh.wide")?.into(),
        )
    }

    /// The hierarchy over [`Self::to_sections`]'s arrays where they lie in `backing` (a
    /// mapped snapshot file) at the byte ranges `range` names: nothing is copied, and the
    /// hierarchy keeps `backing` alive. Each array must be aligned for its type.
    pub fn from_mapped(
        backing: Arc<dyn StableBytes>,
        range: impl Fn(&str) -> Option<std::ops::Range<usize>>,
    ) -> Result<Bvh, FlatError> {
        fn borrow<T: bytemuck::Pod>(
            backing: &Arc<dyn StableBytes>,
            range: &dyn Fn(&str) -> Option<std::ops::Range<usize>>,
            name: &'static str,
        ) -> Result<Arr<T>, FlatError> {
            let r = range(name).ok_or(FlatError::Missing(name))?;
            Arr::shared(backing, r).ok_or(FlatError::Length(name))
        }
        let meta: Arr<f64> = borrow(&backing, &range, "bvh.meta")?;
        Bvh::checked(
            meta.to_vec(),
            borrow(&backing, &range, "bvh.triangles")?,
            borrow(&backing, &range, "bvh.order")?,
            borrow(&backing, &range, "bvh.nodes")?,
            borrow(&backing, &range, "bvh.wide")?,
        )
    }

    /// A hierarchy of these arrays once every link is checked to stay inside them.
    fn checked(
        meta: Vec<f64>,
        triangles: Arr<[[f64; 3]; 3]>,
        order: Arr<u32>,
        nodes: Arr<BvhNode>,
        wide: Arr<WideNode>,
    ) -> Result<Bvh, FlatError> {
        let [x, y, z, radius] = meta[..] else {
            return Err(FlatError::Length("bvh.meta"));
        };
        let n = order.len();
        if triangles.len() != n || (n > 0 && (nodes.is_empty() || wide.is_empty())) {
            return Err(FlatError::Length("bvh.triangles"));
        }
        if order.iter().any(|&i| i as usize >= n) {
            return Err(FlatError::Link("bvh.order"));
        }
        let leaf_ok = |first: u32, count: u32| first as usize + count as usize <= n;
        for node in nodes.iter() {
            let ok = if node.count > 0 {
                leaf_ok(node.first, node.count)
            } else {
                node.first as usize + 1 < nodes.len()
            };
            if !ok {
                return Err(FlatError::Link("bvh.nodes"));
            }
        }
        for node in wide.iter() {
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
            id: super::next_id(),
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

    /// Bytes in a 64-byte aligned buffer, as a mapping is.
    struct Aligned(Vec<WideNode>, usize);

    // SAFETY: the vector is never touched after construction; its bytes stay put.
    #[allow(unsafe_code)]
    unsafe impl StableBytes for Aligned {
        fn bytes(&self) -> &[u8] {
            &bytemuck::cast_slice(&self.0)[..self.1]
        }
    }

    #[test]
    fn a_mapped_hierarchy_is_used_in_place() {
        let bvh = Bvh::new(&grid(30));
        let sections = bvh.to_sections();
        // Lay the sections out 64-aligned in one buffer, as a snapshot file does.
        let mut bytes = Vec::new();
        let mut ranges = Vec::new();
        for (name, data) in &sections {
            while bytes.len() % 64 != 0 {
                bytes.push(0);
            }
            ranges.push((*name, bytes.len()..bytes.len() + data.len()));
            bytes.extend_from_slice(data);
        }
        let len = bytes.len();
        let mut store = vec![bytemuck::Zeroable::zeroed(); len.div_ceil(128)];
        bytemuck::cast_slice_mut::<WideNode, u8>(&mut store)[..len].copy_from_slice(&bytes);
        let backing: Arc<dyn StableBytes> = Arc::new(Aligned(store, len));
        let mapped = Bvh::from_mapped(backing.clone(), |n| {
            ranges.iter().find(|(s, _)| *s == n).map(|(_, r)| r.clone())
        })
        .unwrap();
        assert!(format!("{:?}", mapped.nodes).contains("shared"));
        assert_eq!(mapped.nodes(), bvh.nodes());
        let ray = Ray {
            origin: Point3::new(7.3, 11.1, 9.0),
            direction: Vector3::new(0.02, 0.01, -1.0),
            t_min: 0.0,
            t_max: f64::INFINITY,
        };
        assert_eq!(mapped.closest_hit(&ray), bvh.closest_hit(&ray));
        // An array off its alignment is refused, not read unaligned.
        let shifted = Bvh::from_mapped(backing, |n| {
            ranges.iter().find(|(s, _)| *s == n).map(|(_, r)| {
                if n == "bvh.triangles" {
                    r.start + 4..r.end + 4
                } else {
                    r.clone()
                }
            })
        });
        assert!(matches!(shifted, Err(FlatError::Length("bvh.triangles"))));
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

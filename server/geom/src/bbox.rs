//! Axis-aligned bounding boxes.

use crate::vec3::{Point3, Vector3};

/// An axis-aligned box; empty until a point is added.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aabb {
    /// Smallest corner.
    pub min: Point3,
    /// Largest corner.
    pub max: Point3,
}

impl Aabb {
    /// The empty box (min = +inf, max = -inf), the identity of [`Aabb::grow`].
    pub const EMPTY: Aabb = Aabb {
        min: Point3::new(f64::INFINITY, f64::INFINITY, f64::INFINITY),
        max: Point3::new(f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY),
    };

    /// True when no point has been added.
    pub fn is_empty(&self) -> bool {
        self.min.x > self.max.x
    }

    /// Extends the box to contain `p`.
    pub fn grow(&mut self, p: Point3) {
        self.min = Point3::new(
            self.min.x.min(p.x),
            self.min.y.min(p.y),
            self.min.z.min(p.z),
        );
        self.max = Point3::new(
            self.max.x.max(p.x),
            self.max.y.max(p.y),
            self.max.z.max(p.z),
        );
    }

    /// True when the boxes come within `margin` of each other on every axis.
    pub fn meets(&self, other: &Aabb, margin: f64) -> bool {
        self.min.x <= other.max.x + margin
            && other.min.x <= self.max.x + margin
            && self.min.y <= other.max.y + margin
            && other.min.y <= self.max.y + margin
            && self.min.z <= other.max.z + margin
            && other.min.z <= self.max.z + margin
    }

    /// True when `other` lies within this box widened by `margin` on every side.
    pub fn encloses(&self, other: &Aabb, margin: f64) -> bool {
        self.min.x - margin <= other.min.x
            && other.max.x <= self.max.x + margin
            && self.min.y - margin <= other.min.y
            && other.max.y <= self.max.y + margin
            && self.min.z - margin <= other.min.z
            && other.max.z <= self.max.z + margin
    }

    /// The box's centre.
    pub fn center(&self) -> Point3 {
        self.min + (self.max - self.min) * 0.5
    }

    /// The box's extent along each axis.
    pub fn size(&self) -> Vector3 {
        self.max - self.min
    }
}

impl FromIterator<Point3> for Aabb {
    fn from_iter<I: IntoIterator<Item = Point3>>(iter: I) -> Self {
        let mut b = Aabb::EMPTY;
        for p in iter {
            b.grow(p);
        }
        b
    }
}

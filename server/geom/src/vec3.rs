//! Points, vectors and rotations in 3D, f64.

use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

/// A position in model space.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point3 {
    /// x coordinate.
    pub x: f64,
    /// y coordinate.
    pub y: f64,
    /// z coordinate.
    pub z: f64,
}

/// A direction or displacement in model space.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vector3 {
    /// x component.
    pub x: f64,
    /// y component.
    pub y: f64,
    /// z component.
    pub z: f64,
}

impl Point3 {
    /// The point `(x, y, z)`.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Point3 { x, y, z }
    }

    /// The point from an `[x, y, z]` array.
    pub const fn from_array(a: [f64; 3]) -> Self {
        Point3 {
            x: a[0],
            y: a[1],
            z: a[2],
        }
    }

    /// `[x, y, z]`.
    pub const fn to_array(self) -> [f64; 3] {
        [self.x, self.y, self.z]
    }

    /// The vector from the origin to this point.
    pub const fn to_vector(self) -> Vector3 {
        Vector3 {
            x: self.x,
            y: self.y,
            z: self.z,
        }
    }

    /// Distance to `other`.
    pub fn distance(self, other: Point3) -> f64 {
        (other - self).length()
    }

    /// Squared distance to `other`.
    pub fn distance_squared(self, other: Point3) -> f64 {
        (other - self).length_squared()
    }

    /// The point a fraction `t` of the way from this point to `other`.
    pub fn lerp(self, other: Point3, t: f64) -> Point3 {
        self + (other - self) * t
    }
}

impl Vector3 {
    /// The vector `(x, y, z)`.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Vector3 { x, y, z }
    }

    /// Dot product.
    pub fn dot(self, o: Vector3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// Cross product (right-handed).
    pub fn cross(self, o: Vector3) -> Vector3 {
        Vector3 {
            x: self.y * o.z - self.z * o.y,
            y: self.z * o.x - self.x * o.z,
            z: self.x * o.y - self.y * o.x,
        }
    }

    /// Euclidean length.
    pub fn length(self) -> f64 {
        self.length_squared().sqrt()
    }

    /// Squared length.
    pub fn length_squared(self) -> f64 {
        self.dot(self)
    }
}

impl Sub for Point3 {
    type Output = Vector3;
    fn sub(self, o: Point3) -> Vector3 {
        Vector3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Add<Vector3> for Point3 {
    type Output = Point3;
    fn add(self, v: Vector3) -> Point3 {
        Point3::new(self.x + v.x, self.y + v.y, self.z + v.z)
    }
}

impl Sub<Vector3> for Point3 {
    type Output = Point3;
    fn sub(self, v: Vector3) -> Point3 {
        Point3::new(self.x - v.x, self.y - v.y, self.z - v.z)
    }
}

impl Add for Vector3 {
    type Output = Vector3;
    fn add(self, o: Vector3) -> Vector3 {
        Vector3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl AddAssign for Vector3 {
    fn add_assign(&mut self, o: Vector3) {
        *self = *self + o;
    }
}

impl Sub for Vector3 {
    type Output = Vector3;
    fn sub(self, o: Vector3) -> Vector3 {
        Vector3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f64> for Vector3 {
    type Output = Vector3;
    fn mul(self, s: f64) -> Vector3 {
        Vector3::new(self.x * s, self.y * s, self.z * s)
    }
}

impl Div<f64> for Vector3 {
    type Output = Vector3;
    fn div(self, s: f64) -> Vector3 {
        Vector3::new(self.x / s, self.y / s, self.z / s)
    }
}

impl Neg for Vector3 {
    type Output = Vector3;
    fn neg(self) -> Vector3 {
        Vector3::new(-self.x, -self.y, -self.z)
    }
}

/// A rotation of model space about the origin, held as its 3 × 3 matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rotation {
    rows: [[f64; 3]; 3],
}

impl Rotation {
    /// The rotation of the quaternion `[w, x, y, z]`, scaled to unit length here (a zero
    /// quaternion gives no rotation).
    pub fn from_quaternion(q: [f64; 4]) -> Rotation {
        let length = q.iter().map(|v| v * v).sum::<f64>().sqrt();
        if length == 0.0 || !length.is_finite() {
            return Rotation::from_quaternion([1.0, 0.0, 0.0, 0.0]);
        }
        let [w, x, y, z] = q.map(|v| v / length);
        Rotation {
            rows: [
                [
                    1.0 - 2.0 * (y * y + z * z),
                    2.0 * (x * y - z * w),
                    2.0 * (x * z + y * w),
                ],
                [
                    2.0 * (x * y + z * w),
                    1.0 - 2.0 * (x * x + z * z),
                    2.0 * (y * z - x * w),
                ],
                [
                    2.0 * (x * z - y * w),
                    2.0 * (y * z + x * w),
                    1.0 - 2.0 * (x * x + y * y),
                ],
            ],
        }
    }

    /// The coordinates `p` turned.
    pub fn apply(&self, p: [f64; 3]) -> [f64; 3] {
        self.rows.map(|r| r[0] * p[0] + r[1] * p[1] + r[2] * p[2])
    }

    /// The point `p` turned about the origin.
    pub fn point(&self, p: Point3) -> Point3 {
        Point3::from_array(self.apply(p.to_array()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_is_right_handed() {
        let z = Vector3::new(1.0, 0.0, 0.0).cross(Vector3::new(0.0, 1.0, 0.0));
        assert_eq!(z, Vector3::new(0.0, 0.0, 1.0));
    }

    #[test]
    fn distance_is_pythagorean() {
        assert_eq!(
            Point3::new(1.0, 2.0, 3.0).distance(Point3::new(4.0, 6.0, 3.0)),
            5.0
        );
    }

    #[test]
    fn a_quarter_turn_about_z_takes_x_to_y_and_keeps_lengths() {
        // The quaternion (cos 45°, 0, 0, sin 45°) is the quarter turn about z.
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let r = Rotation::from_quaternion([h, 0.0, 0.0, h]);
        let [x, y, z] = r.apply([1.0, 0.0, 0.0]);
        assert!(x.abs() < 1e-15 && (y - 1.0).abs() < 1e-15 && z.abs() < 1e-15);
        let turned = Rotation::from_quaternion([0.9, 0.3, -0.2, 0.25]).apply([1.0, 2.0, 3.0]);
        let length = turned.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((length - 14f64.sqrt()).abs() < 1e-14, "{length}");
    }
}

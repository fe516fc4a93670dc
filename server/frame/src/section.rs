//! Cross-section properties, given or computed from a shape.
//!
//! Axes are the element's local axes: y and z span the section, `iy` is the second moment
//! about local y (bending that deflects along z, moment `My`), `iz` about local z. Shear
//! areas are the areas that carry shear along local y (`shear_area_y`) and z.

use thiserror::Error;

/// Section properties.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Area A.
    pub area: f64,
    /// Second moment of area about local y, I_y = ∫ z² dA.
    pub iy: f64,
    /// Second moment of area about local z, I_z = ∫ y² dA.
    pub iz: f64,
    /// Saint-Venant torsion constant J.
    pub j: f64,
    /// Shear area along local y (κ A); used by Timoshenko beams.
    pub shear_area_y: f64,
    /// Shear area along local z.
    pub shear_area_z: f64,
    /// Elastic section modulus about y, I_y / z_max; needed for stress utilisation.
    pub wy: Option<f64>,
    /// Elastic section modulus about z, I_z / y_max.
    pub wz: Option<f64>,
}

/// A section shape whose properties the kernel computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Solid rectangle, `width` along local y, `height` along local z.
    Rectangle {
        /// Extent along local y.
        width: f64,
        /// Extent along local z.
        height: f64,
    },
    /// Solid circle.
    Circle {
        /// Diameter.
        diameter: f64,
    },
    /// Circular hollow section.
    Tube {
        /// Outer diameter.
        diameter: f64,
        /// Wall thickness (less than half the diameter).
        thickness: f64,
    },
    /// Doubly symmetric I section, web along local z (strong axis y).
    I {
        /// Overall depth along local z.
        height: f64,
        /// Flange width along local y.
        width: f64,
        /// Flange thickness.
        flange: f64,
        /// Web thickness.
        web: f64,
    },
}

/// A shape with impossible dimensions.
#[derive(Debug, Error, PartialEq)]
#[error("{0}")]
pub struct ShapeError(pub String);

impl Shape {
    /// The shape's properties. Torsion constants: the rectangle's series approximation
    /// (Roark, within 0.5 %), exact for circle and tube, thin-walled open sections for the I.
    /// Shear areas: 5/6 A for the rectangle, 9/10 A for the circle, A/2 for the tube; the
    /// web (h · t_w) along z and 5/6 of both flanges along y for the I.
    pub fn properties(self) -> Result<Section, ShapeError> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(ShapeError(format!("{name} must be positive, got {v}")))
            }
        };
        match self {
            Shape::Rectangle { width, height } => {
                positive("width", width)?;
                positive("height", height)?;
                let area = width * height;
                let iy = width * height.powi(3) / 12.0;
                let iz = height * width.powi(3) / 12.0;
                let (a, b) = (width.max(height), width.min(height));
                let j = a
                    * b.powi(3)
                    * (1.0 / 3.0 - 0.21 * b / a * (1.0 - b.powi(4) / (12.0 * a.powi(4))));
                Ok(Section {
                    area,
                    iy,
                    iz,
                    j,
                    shear_area_y: area * 5.0 / 6.0,
                    shear_area_z: area * 5.0 / 6.0,
                    wy: Some(iy / (height / 2.0)),
                    wz: Some(iz / (width / 2.0)),
                })
            }
            Shape::Circle { diameter } => {
                positive("diameter", diameter)?;
                let area = std::f64::consts::PI * diameter.powi(2) / 4.0;
                let i = std::f64::consts::PI * diameter.powi(4) / 64.0;
                Ok(Section {
                    area,
                    iy: i,
                    iz: i,
                    j: 2.0 * i,
                    shear_area_y: 0.9 * area,
                    shear_area_z: 0.9 * area,
                    wy: Some(i / (diameter / 2.0)),
                    wz: Some(i / (diameter / 2.0)),
                })
            }
            Shape::Tube {
                diameter,
                thickness,
            } => {
                positive("diameter", diameter)?;
                positive("thickness", thickness)?;
                if 2.0 * thickness >= diameter {
                    return Err(ShapeError(format!(
                        "thickness {thickness} must be less than half the diameter {diameter}"
                    )));
                }
                let inner = diameter - 2.0 * thickness;
                let area = std::f64::consts::PI * (diameter.powi(2) - inner.powi(2)) / 4.0;
                let i = std::f64::consts::PI * (diameter.powi(4) - inner.powi(4)) / 64.0;
                Ok(Section {
                    area,
                    iy: i,
                    iz: i,
                    j: 2.0 * i,
                    shear_area_y: area / 2.0,
                    shear_area_z: area / 2.0,
                    wy: Some(i / (diameter / 2.0)),
                    wz: Some(i / (diameter / 2.0)),
                })
            }
            Shape::I {
                height,
                width,
                flange,
                web,
            } => {
                positive("height", height)?;
                positive("width", width)?;
                positive("flange", flange)?;
                positive("web", web)?;
                if 2.0 * flange >= height {
                    return Err(ShapeError(format!(
                        "flange {flange} must be less than half the height {height}"
                    )));
                }
                if web >= width {
                    return Err(ShapeError(format!(
                        "web {web} must be thinner than the flange width {width}"
                    )));
                }
                let hw = height - 2.0 * flange;
                let area = 2.0 * width * flange + hw * web;
                let iy = (width * height.powi(3) - (width - web) * hw.powi(3)) / 12.0;
                let iz = 2.0 * flange * width.powi(3) / 12.0 + hw * web.powi(3) / 12.0;
                let j = (2.0 * width * flange.powi(3) + (height - flange) * web.powi(3)) / 3.0;
                Ok(Section {
                    area,
                    iy,
                    iz,
                    j,
                    shear_area_y: 2.0 * width * flange * 5.0 / 6.0,
                    shear_area_z: height * web,
                    wy: Some(iy / (height / 2.0)),
                    wz: Some(iz / (width / 2.0)),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn rectangle_properties_by_hand() {
        let s = Shape::Rectangle {
            width: 0.2,
            height: 0.4,
        }
        .properties()
        .unwrap();
        assert!(close(s.area, 0.08, 1e-12));
        assert!(close(s.iy, 0.2 * 0.4f64.powi(3) / 12.0, 1e-12));
        assert!(close(s.iz, 0.4 * 0.2f64.powi(3) / 12.0, 1e-12));
        // Roark: a square of side a has J = 0.1406 a^4 (the series gives 0.1408).
        let sq = Shape::Rectangle {
            width: 1.0,
            height: 1.0,
        }
        .properties()
        .unwrap();
        assert!(close(sq.j, 0.1406, 0.003), "{}", sq.j);
    }

    #[test]
    fn tube_and_circle_are_exact() {
        let t = Shape::Tube {
            diameter: 0.2,
            thickness: 0.01,
        }
        .properties()
        .unwrap();
        let expected_i = std::f64::consts::PI * (0.2f64.powi(4) - 0.18f64.powi(4)) / 64.0;
        assert!(close(t.iy, expected_i, 1e-12));
        assert!(close(t.j, 2.0 * expected_i, 1e-12));
        assert!(
            Shape::Tube {
                diameter: 0.2,
                thickness: 0.1
            }
            .properties()
            .is_err()
        );
    }

    #[test]
    fn i_section_matches_a_catalogue_w14x48() {
        // AISC W14x48: d = 13.8 in, bf = 8.03, tf = 0.595, tw = 0.340; catalogue A = 14.1 in²,
        // Ix = 484 in⁴, Iy = 51.4 in⁴ (with root fillets, which this shape leaves out).
        let s = Shape::I {
            height: 13.8,
            width: 8.03,
            flange: 0.595,
            web: 0.340,
        }
        .properties()
        .unwrap();
        assert!(close(s.area, 14.1, 0.04), "{}", s.area);
        assert!(close(s.iy, 484.0, 0.03), "{}", s.iy);
        assert!(close(s.iz, 51.4, 0.03), "{}", s.iz);
    }
}

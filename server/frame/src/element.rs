//! One two-node element in its local axes: stiffness, mass, loads, end releases.
//!
//! The beam is the classical 12-DOF 3D frame element (Przemieniecki, *Theory of Matrix
//! Structural Analysis*, ch. 5): Euler–Bernoulli bending, or Timoshenko with the shear
//! parameter φ = 12 E I / (G A_s L²) and the interdependent interpolation that makes the
//! element exact for end loads. Member loads become fixed-end forces by integrating the
//! same shape functions (exact for cubic beams), and released end DOFs are condensed out
//! statically, so a hinge carries no moment and the element is still exact.

use nalgebra::{DMatrix, DVector, Matrix3, SMatrix, SVector, Vector3};

use crate::model::{ElementKind, Orientation};

/// A 12 × 12 element matrix (DOFs: start ux uy uz rx ry rz, end ux … rz).
pub type Mat12 = SMatrix<f64, 12, 12>;
/// A 12-vector of element DOFs or forces.
pub type Vec12 = SVector<f64, 12>;

/// Local axes of an element as rows of global direction cosines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axes {
    /// Local x, y, z (unit, right-handed) in global coordinates, one per row.
    pub rotation: Matrix3<f64>,
}

/// The reference vector is parallel to the element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParallelReference;

impl Axes {
    /// The local axes of an element from `start` to `end` (see [`Orientation`]).
    pub fn new(
        start: [f64; 3],
        end: [f64; 3],
        orientation: Orientation,
    ) -> Result<Axes, ParallelReference> {
        let x = (Vector3::from(end) - Vector3::from(start)).normalize();
        let (mut y, mut z) = match orientation.reference {
            Some(r) => {
                let r = Vector3::from(r);
                let y = r.cross(&x);
                if y.norm() <= 1e-9 * r.norm() || r.norm() == 0.0 {
                    return Err(ParallelReference);
                }
                let y = y.normalize();
                (y, x.cross(&y))
            }
            None => {
                let up = Vector3::z();
                let y = up.cross(&x);
                if y.norm() <= 1e-9 {
                    let y = Vector3::y();
                    (y, x.cross(&y))
                } else {
                    let y = y.normalize();
                    (y, x.cross(&y))
                }
            }
        };
        if orientation.roll_rad != 0.0 {
            let (s, c) = orientation.roll_rad.sin_cos();
            let (y0, z0) = (y, z);
            y = c * y0 + s * z0;
            z = -s * y0 + c * z0;
        }
        Ok(Axes {
            rotation: Matrix3::from_rows(&[x.transpose(), y.transpose(), z.transpose()]),
        })
    }

    /// Local x in global coordinates.
    pub fn x(&self) -> Vector3<f64> {
        self.rotation.row(0).transpose()
    }

    /// Global vector → local.
    pub fn to_local(&self, v: [f64; 3]) -> [f64; 3] {
        (self.rotation * Vector3::from(v)).into()
    }

    /// Local vector → global.
    pub fn to_global(&self, v: Vector3<f64>) -> Vector3<f64> {
        self.rotation.transpose() * v
    }

    /// `T` with `u_local = T u_global` for all 12 DOFs.
    pub fn transformation(&self) -> Mat12 {
        let mut t = Mat12::zeros();
        for b in 0..4 {
            t.fixed_view_mut::<3, 3>(3 * b, 3 * b)
                .copy_from(&self.rotation);
        }
        t
    }
}

/// The stiffness-relevant numbers of one element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Properties {
    /// Beam or truss.
    pub kind: ElementKind,
    /// Length L.
    pub length: f64,
    /// E.
    pub e: f64,
    /// G.
    pub g: f64,
    /// A.
    pub area: f64,
    /// I_y.
    pub iy: f64,
    /// I_z.
    pub iz: f64,
    /// J.
    pub j: f64,
    /// Shear parameter for bending in the local x–y plane (0 for Euler–Bernoulli).
    pub phi_y: f64,
    /// Shear parameter for bending in the local x–z plane.
    pub phi_z: f64,
    /// Mass per unit length ρA.
    pub mass_per_length: f64,
    /// Rotary mass per unit length about x, ρ(I_y + I_z).
    pub polar_mass_per_length: f64,
}

/// The stiffness matrix in local axes, before releases.
pub fn local_stiffness(p: &Properties) -> Mat12 {
    let l = p.length;
    let mut k = Mat12::zeros();
    let ea = p.e * p.area / l;
    k[(0, 0)] = ea;
    k[(6, 6)] = ea;
    k[(0, 6)] = -ea;
    if p.kind == ElementKind::Beam {
        let gj = p.g * p.j / l;
        k[(3, 3)] = gj;
        k[(9, 9)] = gj;
        k[(3, 9)] = -gj;
        // Bending in x–y: v and θz (DOFs 1, 5, 7, 11).
        let (a, b, c, d) = bending_terms(p.e * p.iz, l, p.phi_y);
        k[(1, 1)] = a;
        k[(1, 5)] = b;
        k[(1, 7)] = -a;
        k[(1, 11)] = b;
        k[(5, 5)] = c;
        k[(5, 7)] = -b;
        k[(5, 11)] = d;
        k[(7, 7)] = a;
        k[(7, 11)] = -b;
        k[(11, 11)] = c;
        // Bending in x–z: w and θy (DOFs 2, 4, 8, 10); θy = -w', hence the signs.
        let (a, b, c, d) = bending_terms(p.e * p.iy, l, p.phi_z);
        k[(2, 2)] = a;
        k[(2, 4)] = -b;
        k[(2, 8)] = -a;
        k[(2, 10)] = -b;
        k[(4, 4)] = c;
        k[(4, 8)] = b;
        k[(4, 10)] = d;
        k[(8, 8)] = a;
        k[(8, 10)] = b;
        k[(10, 10)] = c;
    }
    symmetrise_upper(&mut k);
    k
}

fn bending_terms(ei: f64, l: f64, phi: f64) -> (f64, f64, f64, f64) {
    let f = 1.0 + phi;
    (
        12.0 * ei / (f * l.powi(3)),
        6.0 * ei / (f * l * l),
        (4.0 + phi) * ei / (f * l),
        (2.0 - phi) * ei / (f * l),
    )
}

fn symmetrise_upper(k: &mut Mat12) {
    for r in 0..12 {
        for c in 0..r {
            k[(r, c)] = k[(c, r)];
        }
    }
}

/// The consistent mass matrix in local axes (translational inertia of ρA with cubic
/// shape functions, torsional inertia ρ I_p with linear ones; rotary inertia of bending is
/// left out, as in Przemieniecki's basic element). Trusses get the consistent bar mass in
/// all three directions.
pub fn consistent_mass(p: &Properties) -> Mat12 {
    let l = p.length;
    let m = p.mass_per_length * l;
    let mut k = Mat12::zeros();
    let bar = |k: &mut Mat12, i: usize, j: usize, total: f64| {
        k[(i, i)] += total / 3.0;
        k[(j, j)] += total / 3.0;
        k[(i, j)] += total / 6.0;
    };
    bar(&mut k, 0, 6, m);
    match p.kind {
        ElementKind::Truss => {
            bar(&mut k, 1, 7, m);
            bar(&mut k, 2, 8, m);
        }
        ElementKind::Beam => {
            bar(&mut k, 3, 9, p.polar_mass_per_length * l);
            let c = m / 420.0;
            k[(1, 1)] = 156.0 * c;
            k[(1, 5)] = 22.0 * l * c;
            k[(1, 7)] = 54.0 * c;
            k[(1, 11)] = -13.0 * l * c;
            k[(5, 5)] = 4.0 * l * l * c;
            k[(5, 7)] = 13.0 * l * c;
            k[(5, 11)] = -3.0 * l * l * c;
            k[(7, 7)] = 156.0 * c;
            k[(7, 11)] = -22.0 * l * c;
            k[(11, 11)] = 4.0 * l * l * c;
            k[(2, 2)] = 156.0 * c;
            k[(2, 4)] = -22.0 * l * c;
            k[(2, 8)] = 54.0 * c;
            k[(2, 10)] = 13.0 * l * c;
            k[(4, 4)] = 4.0 * l * l * c;
            k[(4, 8)] = -13.0 * l * c;
            k[(4, 10)] = -3.0 * l * l * c;
            k[(8, 8)] = 156.0 * c;
            k[(8, 10)] = 22.0 * l * c;
            k[(10, 10)] = 4.0 * l * l * c;
        }
    }
    symmetrise_upper(&mut k);
    k
}

/// The lumped mass matrix in local axes: half of ρAL on each end's translations, half of
/// ρ I_p L on each end's torsion, no rotary inertia for bending.
pub fn lumped_mass(p: &Properties) -> Mat12 {
    let half = p.mass_per_length * p.length / 2.0;
    let mut k = Mat12::zeros();
    for d in [0, 1, 2, 6, 7, 8] {
        k[(d, d)] = half;
    }
    if p.kind == ElementKind::Beam {
        let half_polar = p.polar_mass_per_length * p.length / 2.0;
        k[(3, 3)] = half_polar;
        k[(9, 9)] = half_polar;
    }
    k
}

/// A load along the element in local axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LocalLoad {
    /// Uniform force per length `q` on `[start, end]`.
    Uniform {
        /// Local force per length.
        q: [f64; 3],
        /// From (length units from the first node).
        start: f64,
        /// To.
        end: f64,
    },
    /// Point force `p` at `at`.
    Point {
        /// Local force.
        p: [f64; 3],
        /// Position.
        at: f64,
    },
}

/// Shape functions of the element at `x`: axial `[N1, N2]`, then for bending in x–y the
/// four Hermite (or interdependent Timoshenko) functions for `v_i, θz_i, v_j, θz_j`, and
/// the same for x–z with φ_z (where they multiply `w_i, -θy_i, w_j, -θy_j`).
fn shape(p: &Properties, x: f64) -> ([f64; 2], [f64; 4], [f64; 4]) {
    let l = p.length;
    let s = x / l;
    let axial = [1.0 - s, s];
    if p.kind == ElementKind::Truss {
        return (axial, [1.0 - s, 0.0, s, 0.0], [1.0 - s, 0.0, s, 0.0]);
    }
    let hermite = |phi: f64| {
        let f = 1.0 + phi;
        [
            (1.0 - 3.0 * s * s + 2.0 * s.powi(3) + phi * (1.0 - s)) / f,
            l * (s - 2.0 * s * s + s.powi(3) + phi * (s - s * s) / 2.0) / f,
            (3.0 * s * s - 2.0 * s.powi(3) + phi * s) / f,
            l * (-s * s + s.powi(3) - phi * (s - s * s) / 2.0) / f,
        ]
    };
    (axial, hermite(p.phi_y), hermite(p.phi_z))
}

/// The nodal forces equivalent to a load (∫ Nᵀ q), in local axes.
pub fn equivalent_nodal(p: &Properties, load: &LocalLoad) -> Vec12 {
    let mut f = Vec12::zeros();
    let mut add = |x: f64, q: [f64; 3], weight: f64| {
        let (ax, ny, nz) = shape(p, x);
        f[0] += weight * ax[0] * q[0];
        f[6] += weight * ax[1] * q[0];
        f[1] += weight * ny[0] * q[1];
        f[5] += weight * ny[1] * q[1];
        f[7] += weight * ny[2] * q[1];
        f[11] += weight * ny[3] * q[1];
        f[2] += weight * nz[0] * q[2];
        f[4] -= weight * nz[1] * q[2];
        f[8] += weight * nz[2] * q[2];
        f[10] -= weight * nz[3] * q[2];
    };
    match *load {
        LocalLoad::Point { p: force, at } => add(at, force, 1.0),
        LocalLoad::Uniform { q, start, end } => {
            // Three-point Gauss is exact for the cubic shape functions times a constant.
            let half = (end - start) / 2.0;
            let mid = (start + end) / 2.0;
            let r = (0.6f64).sqrt();
            for (t, w) in [(-r, 5.0 / 9.0), (0.0, 8.0 / 9.0), (r, 5.0 / 9.0)] {
                add(mid + t * half, q, w * half);
            }
        }
    }
    f
}

/// How the released DOFs of an element follow from the others: `u_c = a u_r + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condensation {
    /// Released local DOFs.
    pub released: Vec<usize>,
    /// Retained local DOFs.
    pub retained: Vec<usize>,
    /// `-K_cc⁻¹ K_cr`.
    pub a: DMatrix<f64>,
    /// `K_cc⁻¹` (times the released part of the equivalent nodal loads gives `b`).
    pub kcc_inv: DMatrix<f64>,
}

/// The releases leave the element free to move without strain (e.g. torsion released at
/// both ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnstableReleases;

impl Condensation {
    /// Condenses `released` DOFs out of `k`; `k` becomes the stiffness of the retained DOFs
    /// (zero rows and columns for the released ones).
    pub fn apply(
        k: &mut Mat12,
        released: &[bool; 12],
    ) -> Result<Option<Condensation>, UnstableReleases> {
        let c: Vec<usize> = (0..12).filter(|&d| released[d]).collect();
        if c.is_empty() {
            return Ok(None);
        }
        let r: Vec<usize> = (0..12).filter(|&d| !released[d]).collect();
        let kcc = DMatrix::from_fn(c.len(), c.len(), |i, j| k[(c[i], c[j])]);
        let kcr = DMatrix::from_fn(c.len(), r.len(), |i, j| k[(c[i], r[j])]);
        let scale = kcc.diagonal().amax().max(f64::MIN_POSITIVE);
        let chol = kcc.clone().cholesky().ok_or(UnstableReleases)?;
        let kcc_inv = chol.inverse();
        // A pivot lost to roundoff is as good as zero: the released DOFs are a mechanism.
        let min_pivot = chol
            .l()
            .diagonal()
            .iter()
            .fold(f64::INFINITY, |m, v| m.min(v * v));
        if min_pivot <= 1e-10 * scale {
            return Err(UnstableReleases);
        }
        let a = -&kcc_inv * &kcr;
        let krc = kcr.transpose();
        let correction = &krc * &kcc_inv * &kcr;
        let mut out = Mat12::zeros();
        for (i, &ri) in r.iter().enumerate() {
            for (j, &rj) in r.iter().enumerate() {
                out[(ri, rj)] = k[(ri, rj)] - correction[(i, j)];
            }
        }
        *k = out;
        Ok(Some(Condensation {
            released: c,
            retained: r,
            a,
            kcc_inv,
        }))
    }

    /// Condenses equivalent nodal forces: the released part moves onto the retained DOFs.
    pub fn condense_load(&self, f: &Vec12, k_full: &Mat12) -> Vec12 {
        let fc = DVector::from_iterator(self.released.len(), self.released.iter().map(|&d| f[d]));
        let y = &self.kcc_inv * fc;
        let mut out = *f;
        for &ri in &self.retained {
            let mut s = 0.0;
            for (i, &ci) in self.released.iter().enumerate() {
                s += k_full[(ri, ci)] * y[i];
            }
            out[ri] -= s;
        }
        for &ci in &self.released {
            out[ci] = 0.0;
        }
        out
    }

    /// The element's own displacements at its released DOFs, given the retained ones and
    /// the (uncondensed) equivalent nodal loads on it: `u_c = K_cc⁻¹ (f_c − K_cr u_r)`.
    pub fn recover(&self, u: &mut Vec12, f_equivalent: &Vec12) {
        let ur = DVector::from_iterator(self.retained.len(), self.retained.iter().map(|&d| u[d]));
        let fc = DVector::from_iterator(
            self.released.len(),
            self.released.iter().map(|&d| f_equivalent[d]),
        );
        let uc = &self.a * ur + &self.kcc_inv * fc;
        for (i, &ci) in self.released.iter().enumerate() {
            u[ci] = uc[i];
        }
    }

    /// `Tᵀ M T` with `T` the map from retained DOFs to all (released ones follow `a`).
    pub fn condense_mass(&self, m: &Mat12) -> Mat12 {
        let mut t = DMatrix::<f64>::zeros(12, self.retained.len());
        for (j, &rj) in self.retained.iter().enumerate() {
            t[(rj, j)] = 1.0;
        }
        for (i, &ci) in self.released.iter().enumerate() {
            for j in 0..self.retained.len() {
                t[(ci, j)] = self.a[(i, j)];
            }
        }
        let md = DMatrix::from_fn(12, 12, |i, j| m[(i, j)]);
        let reduced = t.transpose() * md * &t;
        let mut out = Mat12::zeros();
        for (i, &ri) in self.retained.iter().enumerate() {
            for (j, &rj) in self.retained.iter().enumerate() {
                out[(ri, rj)] = reduced[(i, j)];
            }
        }
        out
    }
}

/// Displacement (local x, y, z) of a point at `x` along the element from its end
/// displacements `u` (local, released DOFs recovered) plus the deflection its loads cause
/// between the ends as if both were clamped (Euler–Bernoulli Green's function; the shear
/// part of a Timoshenko beam's span deflection is left out of this drawn shape).
pub fn displacement_at(p: &Properties, u: &Vec12, loads: &[LocalLoad], x: f64) -> [f64; 3] {
    let (ax, ny, nz) = shape(p, x);
    let mut d = [
        ax[0] * u[0] + ax[1] * u[6],
        ny[0] * u[1] + ny[1] * u[5] + ny[2] * u[7] + ny[3] * u[11],
        nz[0] * u[2] - nz[1] * u[4] + nz[2] * u[8] - nz[3] * u[10],
    ];
    if p.kind == ElementKind::Truss {
        return d;
    }
    let l = p.length;
    // Clamped–clamped beam, unit load at a, deflection at x (Roark table 8.1 case 1e).
    let green = |x: f64, a: f64, ei: f64| {
        let (x, a) = if x <= a { (x, a) } else { (l - x, l - a) };
        let b = l - a;
        x * x * b * b * (3.0 * a * l - x * (3.0 * a + b)) / (6.0 * ei * l.powi(3))
    };
    let bar = |x: f64, a: f64| {
        let (lo, hi) = if x <= a { (x, a) } else { (a, x) };
        lo * (l - hi) / (p.e * p.area * l)
    };
    let mut add = |a: f64, q: [f64; 3], w: f64| {
        d[0] += w * q[0] * bar(x, a);
        d[1] += w * q[1] * green(x, a, p.e * p.iz);
        d[2] += w * q[2] * green(x, a, p.e * p.iy);
    };
    for load in loads {
        match *load {
            LocalLoad::Point { p, at } => add(at, p, 1.0),
            LocalLoad::Uniform { q, start, end } => {
                // The Green's function has a kink at x: integrate each side separately.
                let mut pieces = vec![(start, end)];
                if x > start && x < end {
                    pieces = vec![(start, x), (x, end)];
                }
                let r = (0.6f64).sqrt();
                for (s0, s1) in pieces {
                    let half = (s1 - s0) / 2.0;
                    let mid = (s0 + s1) / 2.0;
                    for (t, w) in [(-r, 5.0 / 9.0), (0.0, 8.0 / 9.0), (r, 5.0 / 9.0)] {
                        add(mid + t * half, q, w * half);
                    }
                }
            }
        }
    }
    d
}

/// Internal forces `[N, Vy, Vz, T, My, Mz]` at `x`: the stress resultants on the cut face
/// whose outward normal is local +x (N positive in tension), from the forces the first
/// node applies to the element (`start`, local) and the loads between the first node and
/// `x` (a point load exactly at `x` counts as already passed).
pub fn internal_forces(start: &[f64; 6], loads: &[LocalLoad], x: f64) -> [f64; 6] {
    let mut f = [start[0], start[1], start[2]];
    let mut m = [start[3], start[4] + x * start[2], start[5] - x * start[1]];
    let mut add = |q: [f64; 3], total: f64, lever: f64| {
        // `total` is the resultant's size, `lever` the distance from it to the cut.
        for k in 0..3 {
            f[k] += total * q[k];
        }
        m[1] += total * lever * q[2];
        m[2] -= total * lever * q[1];
    };
    for load in loads {
        match *load {
            LocalLoad::Point { p, at } if at <= x => add(p, 1.0, x - at),
            LocalLoad::Point { .. } => {}
            LocalLoad::Uniform { q, start, end } if start < x => {
                let stop = end.min(x);
                add(q, stop - start, x - (start + stop) / 2.0);
            }
            LocalLoad::Uniform { .. } => {}
        }
    }
    [-f[0], -f[1], -f[2], -m[0], -m[1], -m[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beam(l: f64) -> Properties {
        Properties {
            kind: ElementKind::Beam,
            length: l,
            e: 200e9,
            g: 80e9,
            area: 0.01,
            iy: 2e-5,
            iz: 1e-5,
            j: 3e-5,
            phi_y: 0.0,
            phi_z: 0.0,
            mass_per_length: 78.5,
            polar_mass_per_length: 78.5 * 3e-3,
        }
    }

    #[test]
    fn axes_follow_vecxz() {
        let a = Axes::new([0.0; 3], [2.0, 0.0, 0.0], Orientation::default()).unwrap();
        assert_eq!(
            a.rotation,
            Matrix3::new(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
        );
        let v = Axes::new([0.0; 3], [0.0, 0.0, 3.0], Orientation::default()).unwrap();
        assert!((v.rotation.row(1) - Vector3::y().transpose()).norm() < 1e-15);
        assert!((v.rotation.row(2) + Vector3::x().transpose()).norm() < 1e-15);
        let rolled = Axes::new(
            [0.0; 3],
            [1.0, 0.0, 0.0],
            Orientation {
                reference: None,
                roll_rad: std::f64::consts::FRAC_PI_2,
            },
        )
        .unwrap();
        assert!((rolled.rotation.row(1) - Vector3::z().transpose()).norm() < 1e-15);
        assert!(
            Axes::new(
                [0.0; 3],
                [1.0, 0.0, 0.0],
                Orientation {
                    reference: Some([2.0, 0.0, 0.0]),
                    roll_rad: 0.0
                }
            )
            .is_err()
        );
    }

    #[test]
    fn stiffness_has_six_rigid_body_modes() {
        let k = local_stiffness(&beam(3.0));
        // Translation along y and a rotation about z are strain free.
        let mut t = Vec12::zeros();
        t[1] = 1.0;
        t[7] = 1.0;
        assert!((k * t).norm() < 1e-6);
        let mut r = Vec12::zeros();
        r[5] = 1.0;
        r[11] = 1.0;
        r[7] = 3.0; // v_j = θ L
        assert!((k * r).norm() < 1e-3, "{}", (k * r).norm());
    }

    #[test]
    fn uniform_load_gives_textbook_fixed_end_forces() {
        let p = beam(4.0);
        let f = equivalent_nodal(
            &p,
            &LocalLoad::Uniform {
                q: [0.0, -10.0, 0.0],
                start: 0.0,
                end: 4.0,
            },
        );
        // wL/2 and wL²/12 (the equivalent loads are the negated fixed-end reactions).
        assert!((f[1] + 20.0).abs() < 1e-12);
        assert!((f[5] + 10.0 * 16.0 / 12.0).abs() < 1e-12);
        assert!((f[11] - 10.0 * 16.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn hinge_condensation_carries_no_moment() {
        let p = beam(2.0);
        let mut k = local_stiffness(&p);
        let mut released = [false; 12];
        released[11] = true;
        Condensation::apply(&mut k, &released).unwrap();
        // Propped-cantilever stiffness at the free end: 3EI/L³.
        let expected = 3.0 * p.e * p.iz / 8.0;
        assert!((k[(7, 7)] - expected).abs() < 1e-6 * expected);
        let mut both = [false; 12];
        both[3] = true;
        both[9] = true;
        let mut k = local_stiffness(&p);
        assert_eq!(Condensation::apply(&mut k, &both), Err(UnstableReleases));
    }
}

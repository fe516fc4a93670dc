//! The sky as patches: Tregenza's 145 (and Reinhart's subdivisions of them), their radiance
//! under the Perez all-weather model, the sun spread over its nearest patches, and the
//! cumulative sky of a period that radiation studies weigh visibility with.
//!
//! Patch layout as Radiance's `gendaymtx` (`rh_init`) and Ladybug's view sphere: with
//! `m` subdivisions, rows of altitude width `α = (π/2)/(7m + ½)` from the horizon up, row
//! `i` holding `tregenza[i / m]·m` patches with centres at `α(i + ½)` and azimuths `2πj/n`
//! clockwise from north, then one zenith cap of half a row. A patch of row `i` covers
//! `2π(sin α(i+1) − sin αi)/n` sr and the cap `2π(1 − cos(α/2))`.

use std::f64::consts::PI;

use crate::sunpath::sun_direction;

/// Patches per Tregenza row, horizon first.
const TREGENZA_ROWS: [usize; 7] = [30, 30, 24, 24, 18, 12, 6];

/// The sky hemisphere cut into patches.
#[derive(Clone, Debug, PartialEq)]
pub struct SkyPatches {
    /// Subdivisions of the Tregenza sky (1: 145 patches, 2: Reinhart 577, …).
    pub subdivisions: usize,
    /// Centre altitude of each patch, radians.
    pub altitudes: Vec<f64>,
    /// Centre azimuth of each patch, radians clockwise from true north.
    pub azimuths: Vec<f64>,
    /// Solid angle of each patch, steradians (they sum to 2π).
    pub solid_angles: Vec<f64>,
}

impl SkyPatches {
    /// The Tregenza sky (`subdivisions` = 1) or its Reinhart subdivision.
    pub fn new(subdivisions: usize) -> SkyPatches {
        let m = subdivisions.max(1);
        let alpha = (PI / 2.0) / ((7 * m) as f64 + 0.5);
        let mut sky = SkyPatches {
            subdivisions: m,
            altitudes: Vec::new(),
            azimuths: Vec::new(),
            solid_angles: Vec::new(),
        };
        for i in 0..7 * m {
            let n = TREGENZA_ROWS[i / m] * m;
            let omega =
                2.0 * PI * ((alpha * (i + 1) as f64).sin() - (alpha * i as f64).sin()) / n as f64;
            for j in 0..n {
                sky.altitudes.push(alpha * (i as f64 + 0.5));
                sky.azimuths.push(2.0 * PI * j as f64 / n as f64);
                sky.solid_angles.push(omega);
            }
        }
        sky.altitudes.push(PI / 2.0);
        sky.azimuths.push(0.0);
        sky.solid_angles
            .push(2.0 * PI * (1.0 - (alpha / 2.0).cos()));
        sky
    }

    /// Number of patches.
    pub fn len(&self) -> usize {
        self.altitudes.len()
    }

    /// True for no patches (never, for a built sky).
    pub fn is_empty(&self) -> bool {
        self.altitudes.is_empty()
    }

    /// Unit vectors to the patch centres in model coordinates, for a model whose north is
    /// `north_angle` degrees counter-clockwise from +Y.
    pub fn directions(&self, north_angle: f64) -> Vec<[f64; 3]> {
        self.altitudes
            .iter()
            .zip(&self.azimuths)
            .map(|(alt, az)| sun_direction(alt.to_degrees(), az.to_degrees(), north_angle))
            .collect()
    }

    /// Index of the patch whose centre is nearest the direction at `altitude`, `azimuth`
    /// (radians, azimuth from north clockwise), with the cosines to the `k` nearest.
    fn nearest(&self, altitude: f64, azimuth: f64, k: usize) -> Vec<(usize, f64)> {
        let s = unit(altitude, azimuth);
        let mut best: Vec<(usize, f64)> = Vec::with_capacity(k + 1);
        for p in 0..self.len() {
            let v = unit(self.altitudes[p], self.azimuths[p]);
            let c = s[0] * v[0] + s[1] * v[1] + s[2] * v[2];
            let at = best.iter().position(|&(_, b)| c > b).unwrap_or(best.len());
            if at < k {
                best.insert(at, (p, c));
                best.truncate(k);
            }
        }
        best
    }
}

fn unit(altitude: f64, azimuth: f64) -> [f64; 3] {
    [
        altitude.cos() * azimuth.sin(),
        altitude.cos() * azimuth.cos(),
        altitude.sin(),
    ]
}

/// Perez et al. 1993 (Solar Energy 50(3) 235–245), Table 1: for each sky-clearness bin the
/// coefficients a1–a4, b1–b4, c1–c4, d1–d4, e1–e4.
const PEREZ: [[f64; 20]; 8] = [
    [
        1.3525, -0.2576, -0.2690, -1.4366, -0.7670, 0.0007, 1.2734, -0.1233, 2.8000, 0.6004,
        1.2375, 1.0000, 1.8734, 0.6297, 0.9738, 0.2809, 0.0356, -0.1246, -0.5718, 0.9938,
    ],
    [
        -1.2219, -0.7730, 1.4148, 1.1016, -0.2054, 0.0367, -3.9128, 0.9156, 6.9750, 0.1774, 6.4477,
        -0.1239, -1.5798, -0.5081, -1.7812, 0.1080, 0.2624, 0.0672, -0.2190, -0.4285,
    ],
    [
        -1.1000, -0.2515, 0.8952, 0.0156, 0.2782, -0.1812, -4.5000, 1.1766, 24.7219, -13.0812,
        -37.7000, 34.8438, -5.0000, 1.5218, 3.9229, -2.6204, -0.0156, 0.1597, 0.4199, -0.5562,
    ],
    [
        -0.5484, -0.6654, -0.2672, 0.7117, 0.7234, -0.6219, -5.6812, 2.6297, 33.3389, -18.3000,
        -62.2500, 52.0781, -3.5000, 0.0016, 1.1477, 0.1062, 0.4659, -0.3296, -0.0876, -0.0329,
    ],
    [
        -0.6000, -0.3566, -2.5000, 2.3250, 0.2937, 0.0496, -5.6812, 1.8415, 21.0000, -4.7656,
        -21.5906, 7.2492, -3.5000, -0.1554, 1.4062, 0.3988, 0.0032, 0.0766, -0.0656, -0.1294,
    ],
    [
        -1.0156, -0.3670, 1.0078, 1.4051, 0.2875, -0.5328, -3.8500, 3.3750, 14.0000, -0.9999,
        -7.1406, 7.5469, -3.4000, -0.1078, -1.0750, 1.5702, -0.0672, 0.4016, 0.3017, -0.4844,
    ],
    [
        -1.0000, 0.0211, 0.5025, -0.5119, -0.3000, 0.1922, 0.7023, -1.6317, 19.0000, -5.0000,
        1.2438, -1.9094, -4.0000, 0.0250, 0.3844, 0.2656, 1.0468, -0.3788, -2.4517, 1.4656,
    ],
    [
        -1.0500, 0.0289, 0.4260, 0.3590, -0.3250, 0.1156, 0.7781, 0.0025, 31.0625, -14.5000,
        -46.1148, 55.3750, -7.2312, 0.4050, 13.3500, 0.6234, 1.5000, -0.6426, 1.8564, 0.5636,
    ],
];

/// Upper bounds of the sky-clearness bins (Perez et al. 1990, Table 1).
const CLEARNESS_BINS: [f64; 7] = [1.065, 1.230, 1.500, 1.950, 2.800, 4.500, 6.200];

/// The sun and the two measured components of one instant's sky.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkyState {
    /// Sun altitude, radians (apparent).
    pub sun_altitude: f64,
    /// Sun azimuth, radians clockwise from true north.
    pub sun_azimuth: f64,
    /// Direct normal irradiance, W/m².
    pub direct_normal: f64,
    /// Diffuse horizontal irradiance, W/m².
    pub diffuse_horizontal: f64,
    /// Day of the year, 1–366 (for the sun–earth distance in the sky brightness).
    pub day_of_year: u32,
}

/// The five Perez parameters (a, b, c, d, e) of one sky state (Perez 1993, Eqns 6–8, with
/// gendaymtx's limits: the sun altitude capped at 87°, the brightness floored at 0.2 in the
/// intermediate bins, the clearness bin capped at the clearest).
fn perez_parameters(state: &SkyState) -> [f64; 5] {
    let altitude = state.sun_altitude.min(87f64.to_radians());
    let z = PI / 2.0 - altitude;
    let z3 = 1.041 * z.powi(3);
    let (dni, dhi) = (state.direct_normal, state.diffuse_horizontal);
    let clearness = ((dhi + dni) / dhi + z3) / (1.0 + z3);
    // Kasten (1966) relative air mass; extraterrestrial irradiance by Spencer's series.
    let air_mass = 1.0 / (z.cos() + 0.15 * (93.885 - z.to_degrees()).powf(-1.253));
    let day_angle = (f64::from(state.day_of_year) - 1.0) * 2.0 * PI / 365.0;
    let eccentricity = 1.00011
        + 0.034221 * day_angle.cos()
        + 0.00128 * day_angle.sin()
        + 0.000719 * (2.0 * day_angle).cos()
        + 0.000077 * (2.0 * day_angle).sin();
    let mut brightness = dhi * air_mass / (1367.0 * eccentricity);
    let bin = CLEARNESS_BINS
        .iter()
        .position(|&upper| clearness < upper)
        .unwrap_or(7);
    if clearness > 1.065 && clearness < 2.8 && brightness < 0.2 {
        brightness = 0.2;
    }
    let x = &PEREZ[bin];
    let linear =
        |k: usize| x[4 * k] + x[4 * k + 1] * z + brightness * (x[4 * k + 2] + x[4 * k + 3] * z);
    let mut p = [linear(0), linear(1), linear(2), linear(3), linear(4)];
    if bin == 0 {
        p[2] = (brightness * (x[8] + x[9] * z)).powf(x[10]).exp() - x[11];
        p[3] = -(brightness * (x[12] + x[13] * z)).exp() + x[14] + brightness * x[15];
    }
    p
}

/// Relative luminance of the sky at zenith angle `zeta` and angle `gamma` from the sun
/// (Perez 1993, Eqn 1).
fn relative_luminance(p: &[f64; 5], zeta: f64, gamma: f64) -> f64 {
    (1.0 + p[0] * (p[1] / zeta.cos()).exp())
        * (1.0 + p[2] * (p[3] * gamma).exp() + p[4] * gamma.cos() * gamma.cos())
}

/// Radiance of each patch, W·m⁻²·sr⁻¹, of the diffuse sky alone under the Perez all-weather
/// model, scaled so that a horizontal surface under the whole patch sky receives exactly the
/// diffuse horizontal irradiance. (gendaymtx scales through luminous efficacies and an
/// equal-area approximation; the radiometric form here makes the sum exact.)
pub fn perez_sky(patches: &SkyPatches, state: &SkyState) -> Vec<f64> {
    let mut out = vec![0.0; patches.len()];
    if state.diffuse_horizontal <= 1e-4 || state.sun_altitude <= 0.0 {
        // No sky, or the sun below the horizon where the model has no sun to centre on:
        // spread any remaining diffuse light uniformly.
        if state.diffuse_horizontal > 1e-4 {
            return uniform_sky(patches, state.diffuse_horizontal);
        }
        return out;
    }
    let p = perez_parameters(state);
    let sun_zenith = PI / 2.0 - state.sun_altitude.min(87f64.to_radians());
    let mut horizontal = 0.0;
    for (k, l) in out.iter_mut().enumerate() {
        let zeta = PI / 2.0 - patches.altitudes[k];
        let cos_gamma = sun_zenith.cos() * zeta.cos()
            + sun_zenith.sin() * zeta.sin() * (patches.azimuths[k] - state.sun_azimuth).cos();
        let gamma = cos_gamma.clamp(-1.0, 1.0).acos();
        *l = relative_luminance(&p, zeta, gamma).max(0.0);
        horizontal += *l * patches.altitudes[k].sin() * patches.solid_angles[k];
    }
    if horizontal > 0.0 {
        let scale = state.diffuse_horizontal / horizontal;
        out.iter_mut().for_each(|l| *l *= scale);
    }
    out
}

/// A sky of equal radiance on every patch that gives `horizontal` W/m² on a horizontal
/// surface.
pub fn uniform_sky(patches: &SkyPatches, horizontal: f64) -> Vec<f64> {
    let h: f64 = (0..patches.len())
        .map(|k| patches.altitudes[k].sin() * patches.solid_angles[k])
        .sum();
    vec![horizontal / h; patches.len()]
}

/// Adds the direct normal irradiance to the radiance of the four patches nearest the sun,
/// weighted by `1/(1.002 − cos ψ)` as gendaymtx does.
pub fn add_sun_to_patches(patches: &SkyPatches, state: &SkyState, radiance: &mut [f64]) {
    if state.direct_normal <= 1e-4 || state.sun_altitude <= 0.0 {
        return;
    }
    let near = patches.nearest(state.sun_altitude, state.sun_azimuth, 4);
    let weights: Vec<f64> = near.iter().map(|&(_, c)| 1.0 / (1.002 - c)).collect();
    let total: f64 = weights.iter().sum();
    for (&(p, _), w) in near.iter().zip(&weights) {
        radiance[p] += w * state.direct_normal / (total * patches.solid_angles[p]);
    }
}

/// How the sun's direct light enters a cumulative sky.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectMode {
    /// Spread over the four nearest patches (gendaymtx; what Ladybug's sky matrix holds).
    Patches,
    /// Left out of the patches: the caller traces the exact sun instead.
    ExactSun,
}

/// The energy each sky patch sends over a period, kWh/m² on a surface facing the patch
/// centre, plus the ground's value (Ladybug's mirrored ground hemisphere: each ground patch
/// gets the mean sky patch value times the ground reflectance).
#[derive(Clone, Debug, PartialEq)]
pub struct CumulativeSky {
    /// kWh/m² per sky patch.
    pub sky: Vec<f64>,
    /// kWh/m² per ground patch (the same value for each mirrored patch).
    pub ground: f64,
    /// Hours the period covers.
    pub hours: f64,
}

/// Accumulates the sky over instants of `hours_per_step` hours each.
pub fn cumulative_sky(
    patches: &SkyPatches,
    states: &[SkyState],
    hours_per_step: f64,
    direct: DirectMode,
    ground_reflectance: f64,
) -> CumulativeSky {
    let mut sky = vec![0.0; patches.len()];
    for state in states {
        let mut radiance = perez_sky(patches, state);
        if direct == DirectMode::Patches {
            add_sun_to_patches(patches, state, &mut radiance);
        }
        for (k, l) in radiance.iter().enumerate() {
            sky[k] += l * patches.solid_angles[k] * hours_per_step / 1000.0;
        }
    }
    let mean = sky.iter().sum::<f64>() / sky.len() as f64;
    CumulativeSky {
        ground: mean * ground_reflectance,
        sky,
        hours: states.len() as f64 * hours_per_step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tregenza_and_reinhart_cover_the_hemisphere() {
        for (m, n) in [(1, 145), (2, 577)] {
            let s = SkyPatches::new(m);
            assert_eq!(s.len(), n);
            let total: f64 = s.solid_angles.iter().sum();
            assert!((total - 2.0 * PI).abs() < 1e-12, "{total}");
        }
        // Ladybug's TREGENZA_COEFFICIENTS: row 0 0.04354 sr, zenith cap 0.03442 sr.
        let s = SkyPatches::new(1);
        assert!((s.solid_angles[0] - 0.04354).abs() < 5e-6);
        assert!((s.solid_angles[144] - 0.03442).abs() < 5e-6);
    }

    #[test]
    fn uniform_sky_gives_pi_on_a_horizontal_surface() {
        // Closed form: a sky of radiance 1 gives π W/m² on a horizontal surface; the
        // patch sum is a midpoint rule of that integral.
        let s = SkyPatches::new(1);
        let h: f64 = (0..s.len())
            .map(|k| s.altitudes[k].sin() * s.solid_angles[k])
            .sum();
        assert!((h - PI).abs() / PI < 0.01, "{h}");
    }

    #[test]
    fn perez_sky_returns_the_diffuse_and_the_sun_its_direct() {
        let s = SkyPatches::new(1);
        let state = SkyState {
            sun_altitude: 40f64.to_radians(),
            sun_azimuth: 200f64.to_radians(),
            direct_normal: 700.0,
            diffuse_horizontal: 120.0,
            day_of_year: 172,
        };
        let mut l = perez_sky(&s, &state);
        let horizontal = |l: &[f64]| -> f64 {
            (0..s.len())
                .map(|k| l[k] * s.altitudes[k].sin() * s.solid_angles[k])
                .sum()
        };
        assert!((horizontal(&l) - 120.0).abs() < 1e-9);
        // A clear sky is brightest around the sun: the patch nearest it outshines the one
        // opposite.
        let near = s.nearest(state.sun_altitude, state.sun_azimuth, 1)[0].0;
        let far = s.nearest(state.sun_altitude, state.sun_azimuth + PI, 1)[0].0;
        assert!(l[near] > 3.0 * l[far]);
        add_sun_to_patches(&s, &state, &mut l);
        // The sun adds DNI · sin(altitude) on the horizontal, up to where its four patches sit.
        let direct = horizontal(&l) - 120.0;
        assert!(
            (direct - 700.0 * state.sun_altitude.sin()).abs() / direct < 0.03,
            "{direct}"
        );
    }
}

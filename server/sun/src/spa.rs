//! The NREL Solar Position Algorithm (Reda & Andreas, Solar Energy 76(5) 577–589, 2004;
//! NREL/TP-560-34302 rev. 2008), in f64: topocentric zenith and azimuth with atmospheric
//! refraction, ±0.0003° over years −2000…6000 by the authors' account.
//!
//! Numbered steps follow section 3 of the report; the periodic-term tables are in
//! [`crate::spa_terms`], generated from the published tables.

use crate::spa_terms::{
    B0, B1, L0, L1, L2, L3, L4, L5, NUTATION_ABCD, NUTATION_Y, R0, R1, R2, R3, R4,
};

/// Where the sun is seen from, and the air it is seen through.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observer {
    /// Geodetic latitude, degrees, north positive.
    pub latitude: f64,
    /// Longitude, degrees, east positive.
    pub longitude: f64,
    /// Height above sea level, metres.
    pub elevation: f64,
    /// Mean annual air pressure, millibars (hPa); refraction scales with it.
    pub pressure_mbar: f64,
    /// Mean annual air temperature, °C.
    pub temperature_c: f64,
}

impl Observer {
    /// An observer whose pressure is the standard atmosphere's at `elevation` (as pvlib's
    /// `alt2pres`) and temperature 12 °C (pvlib's default).
    pub fn at(latitude: f64, longitude: f64, elevation: f64) -> Observer {
        Observer {
            latitude,
            longitude,
            elevation,
            pressure_mbar: standard_pressure_mbar(elevation),
            temperature_c: 12.0,
        }
    }
}

/// The standard atmosphere's pressure at a height above sea level, millibars (the formula of
/// pvlib's `atmosphere.alt2pres`).
pub fn standard_pressure_mbar(elevation: f64) -> f64 {
    ((44331.514 - elevation) / 11880.516).powf(1.0 / 0.1902632)
}

/// The sun as seen by an observer at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolarPosition {
    /// Apparent (refracted) elevation above the horizon, degrees.
    pub apparent_elevation: f64,
    /// Topocentric elevation without refraction, degrees.
    pub elevation: f64,
    /// Azimuth, degrees clockwise from north (east = 90°).
    pub azimuth: f64,
    /// Geocentric declination, degrees.
    pub declination: f64,
    /// Earth–sun distance, astronomical units.
    pub distance_au: f64,
}

impl SolarPosition {
    /// Apparent zenith angle, degrees.
    pub fn apparent_zenith(&self) -> f64 {
        90.0 - self.apparent_elevation
    }
}

/// The sun's mean angular radius plus refraction at the horizon, degrees: below this
/// geometric elevation no refraction is applied (the report's and pvlib's switch).
const ATMOS_REFRACT: f64 = 0.5667;
const SUN_RADIUS: f64 = 0.26667;

/// Julian Day of a UTC calendar instant (Gregorian calendar), step 3.1.1 of the report.
pub fn julian_day(year: i32, month: u32, day: u32, seconds_of_day: f64) -> f64 {
    let (mut y, mut m) = (i64::from(year), i64::from(month));
    if m <= 2 {
        y -= 1;
        m += 12;
    }
    let d = f64::from(day) + seconds_of_day / 86_400.0;
    let jd = (365.25 * (y + 4716) as f64).floor() + (30.6001 * (m + 1) as f64).floor() + d - 1524.5;
    let a = (y as f64 / 100.0).floor();
    jd + 2.0 - a + (a / 4.0).floor()
}

/// ΔT = TT − UT, seconds, from the Espenak & Meeus polynomials (NASA eclipse pages; the same
/// as pvlib's `spa.calculate_deltat`), good to a second or so for 1986–2050.
pub fn delta_t_estimate(year: i32, month: u32) -> f64 {
    let y = f64::from(year) + (f64::from(month) - 0.5) / 12.0;
    let t = y - 2000.0;
    let far = |y: f64| -20.0 + 32.0 * ((y - 1820.0) / 100.0).powi(2);
    match year {
        ..1986 => far(y),
        1986..2005 => {
            63.86 + 0.3345 * t - 0.060374 * t.powi(2)
                + 0.0017275 * t.powi(3)
                + 0.000651814 * t.powi(4)
                + 0.00002373599 * t.powi(5)
        }
        2005..2050 => 62.92 + 0.32217 * t + 0.005589 * t * t,
        2050..2150 => far(y) - 0.5628 * (2150.0 - y),
        _ => far(y),
    }
}

fn periodic(terms: &[[f64; 3]], jme: f64) -> f64 {
    terms.iter().map(|[a, b, c]| a * (b + c * jme).cos()).sum()
}

fn polynomial(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

/// Reduces degrees to [0, 360).
fn limit_degrees(d: f64) -> f64 {
    d.rem_euclid(360.0)
}

/// The sun's position at Julian Day `jd` (UT) with `delta_t` seconds of TT − UT.
pub fn solar_position(jd: f64, delta_t: f64, observer: &Observer) -> SolarPosition {
    // 3.1: Julian ephemeris day, century and millennium.
    let jde = jd + delta_t / 86_400.0;
    let jc = (jd - 2_451_545.0) / 36_525.0;
    let jce = (jde - 2_451_545.0) / 36_525.0;
    let jme = jce / 10.0;
    // 3.2: Earth heliocentric longitude, latitude (degrees) and radius vector (AU).
    let series = |tables: &[&[[f64; 3]]]| {
        let terms: Vec<f64> = tables.iter().map(|t| periodic(t, jme)).collect();
        polynomial(&terms, jme) / 1e8
    };
    let l = limit_degrees(series(&[&L0, &L1, &L2, &L3, &L4, &L5]).to_degrees());
    let b = series(&[&B0, &B1]).to_degrees();
    let r = series(&[&R0, &R1, &R2, &R3, &R4]);
    // 3.3: geocentric longitude and latitude.
    let theta = limit_degrees(l + 180.0);
    let beta = -b;
    // 3.4: nutation in longitude and obliquity.
    let x = [
        polynomial(
            &[297.85036, 445_267.111_480, -0.001_914_2, 1.0 / 189_474.0],
            jce,
        ),
        polynomial(
            &[357.52772, 35_999.050_340, -0.000_160_3, -1.0 / 300_000.0],
            jce,
        ),
        polynomial(
            &[134.96298, 477_198.867_398, 0.008_697_2, 1.0 / 56_250.0],
            jce,
        ),
        polynomial(
            &[93.27191, 483_202.017_538, -0.003_682_5, 1.0 / 327_270.0],
            jce,
        ),
        polynomial(
            &[125.04452, -1_934.136_261, 0.002_070_8, 1.0 / 450_000.0],
            jce,
        ),
    ];
    let (mut dpsi, mut deps) = (0.0, 0.0);
    for (abcd, y) in NUTATION_ABCD.iter().zip(NUTATION_Y.iter()) {
        let arg = (0..5).map(|k| x[k] * y[k]).sum::<f64>().to_radians();
        dpsi += (abcd[0] + abcd[1] * jce) * arg.sin();
        deps += (abcd[2] + abcd[3] * jce) * arg.cos();
    }
    let (dpsi, deps) = (dpsi / 36_000_000.0, deps / 36_000_000.0);
    // 3.5: true obliquity of the ecliptic.
    let u = jme / 10.0;
    let eps0 = polynomial(
        &[
            84_381.448, -4_680.93, -1.55, 1_999.25, -51.38, -249.67, -39.05, 7.12, 27.87, 5.79,
            2.45,
        ],
        u,
    );
    let eps = eps0 / 3600.0 + deps;
    // 3.6–3.7: aberration and apparent sun longitude.
    let dtau = -20.4898 / (3600.0 * r);
    let lambda = theta + dpsi + dtau;
    // 3.8: apparent sidereal time at Greenwich.
    let nu0 = limit_degrees(
        280.460_618_37 + 360.985_647_366_29 * (jd - 2_451_545.0) + 0.000_387_933 * jc * jc
            - jc * jc * jc / 38_710_000.0,
    );
    let nu = nu0 + dpsi * eps.to_radians().cos();
    // 3.9–3.10: geocentric right ascension and declination.
    let (lr, er, br) = (lambda.to_radians(), eps.to_radians(), beta.to_radians());
    let alpha = limit_degrees(
        (lr.sin() * er.cos() - br.tan() * er.sin())
            .atan2(lr.cos())
            .to_degrees(),
    );
    let delta = (br.sin() * er.cos() + br.cos() * er.sin() * lr.sin())
        .asin()
        .to_degrees();
    // 3.11: observer local hour angle.
    let h = limit_degrees(nu + observer.longitude - alpha);
    // 3.12: topocentric right ascension and declination (parallax).
    let xi = (8.794 / (3600.0 * r)).to_radians();
    let phi = observer.latitude.to_radians();
    let uu = (0.996_647_19 * phi.tan()).atan();
    let xt = uu.cos() + observer.elevation / 6_378_140.0 * phi.cos();
    let yt = 0.996_647_19 * uu.sin() + observer.elevation / 6_378_140.0 * phi.sin();
    let (hr, dr) = (h.to_radians(), delta.to_radians());
    let dalpha = (-xt * xi.sin() * hr.sin()).atan2(dr.cos() - xt * xi.sin() * hr.cos());
    let delta_p =
        ((dr.sin() - yt * xi.sin()) * dalpha.cos()).atan2(dr.cos() - xt * xi.sin() * hr.cos());
    // 3.13: topocentric local hour angle.
    let hp = hr - dalpha;
    // 3.14: topocentric elevation, with refraction when the sun is not far below the horizon.
    let e0 = (phi.sin() * delta_p.sin() + phi.cos() * delta_p.cos() * hp.cos())
        .asin()
        .to_degrees();
    let refraction = if e0 >= -(SUN_RADIUS + ATMOS_REFRACT) {
        (observer.pressure_mbar / 1010.0) * (283.0 / (273.0 + observer.temperature_c)) * 1.02
            / (60.0 * (e0 + 10.3 / (e0 + 5.11)).to_radians().tan())
    } else {
        0.0
    };
    // 3.15: topocentric azimuth, measured from north.
    let gamma = hp
        .sin()
        .atan2(hp.cos() * phi.sin() - delta_p.tan() * phi.cos())
        .to_degrees();
    SolarPosition {
        apparent_elevation: e0 + refraction,
        elevation: e0,
        azimuth: limit_degrees(gamma + 180.0),
        declination: delta,
        distance_au: r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_case_of_the_report() {
        // NREL/TP-560-34302, Table A5.1: 2003-10-17 12:30:30 local (UTC−7), ΔT = 67 s,
        // lat 39.742476, lon −105.1786, 1830.14 m, 820 mbar, 11 °C:
        // topocentric zenith 50.11162°, azimuth 194.34024°.
        let observer = Observer {
            latitude: 39.742476,
            longitude: -105.1786,
            elevation: 1830.14,
            pressure_mbar: 820.0,
            temperature_c: 11.0,
        };
        let jd = julian_day(2003, 10, 17, (19.0 * 60.0 + 30.0) * 60.0 + 30.0);
        assert!((jd - 2_452_930.312_847).abs() < 1e-6, "{jd}");
        let p = solar_position(jd, 67.0, &observer);
        assert!((p.apparent_zenith() - 50.11162).abs() < 1e-5, "{p:?}");
        assert!((p.azimuth - 194.34024).abs() < 1e-5, "{p:?}");
    }
}

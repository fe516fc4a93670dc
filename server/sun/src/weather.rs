//! Hourly weather for radiation studies: EPW files (EnergyPlus weather format) and, when
//! none is given, the ASHRAE clear sky.
//!
//! EPW irradiation is Wh/m² over the hour *ending* at the row's hour, so the sun for row
//! hour `h` is taken at `h − 0.5` (Ladybug's `Wea` does the same).

use crate::sky::SkyState;
use crate::spa::{Observer, delta_t_estimate, julian_day, solar_position};
use crate::sunpath::{Location, Period, PeriodError, days_in_month, sun_direction};

/// One hour of a weather file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeatherHour {
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// Hour 1–24: the hour ending then.
    pub hour: u32,
    /// Global horizontal irradiation, Wh/m² (EPW field 14).
    pub global_horizontal: f64,
    /// Direct normal irradiation, Wh/m² (field 15).
    pub direct_normal: f64,
    /// Diffuse horizontal irradiation, Wh/m² (field 16).
    pub diffuse_horizontal: f64,
}

/// A year (or less) of hourly weather at a place.
#[derive(Clone, Debug, PartialEq)]
pub struct Weather {
    /// Where, from the file's LOCATION line.
    pub location: Location,
    /// The place's name.
    pub name: String,
    /// The hours, in file order.
    pub hours: Vec<WeatherHour>,
}

/// Why a weather file was refused; line numbers are 1-based.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WeatherError {
    /// The file does not start with a LOCATION line.
    #[error("line 1: an EPW file starts with a LOCATION line")]
    NoLocation,
    /// A field is missing or not a number.
    #[error("line {line}, field {field} ({name}): {problem}")]
    BadField {
        /// Line number.
        line: usize,
        /// Field number, 1-based.
        field: usize,
        /// What the field holds.
        name: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// No data rows.
    #[error("the file has no hourly records after its 8 header lines")]
    NoData,
}

fn field<'a>(
    fields: &[&'a str],
    line: usize,
    k: usize,
    name: &'static str,
) -> Result<&'a str, WeatherError> {
    fields
        .get(k - 1)
        .map(|s| s.trim())
        .ok_or_else(|| WeatherError::BadField {
            line,
            field: k,
            name,
            problem: "missing".into(),
        })
}

fn number(fields: &[&str], line: usize, k: usize, name: &'static str) -> Result<f64, WeatherError> {
    let s = field(fields, line, k, name)?;
    let v: f64 = s.parse().map_err(|_| WeatherError::BadField {
        line,
        field: k,
        name,
        problem: format!("{s:?} is not a number"),
    })?;
    if !v.is_finite() {
        return Err(WeatherError::BadField {
            line,
            field: k,
            name,
            problem: "not finite".into(),
        });
    }
    Ok(v)
}

/// Parses an EPW file's text.
pub fn parse_epw(text: &str) -> Result<Weather, WeatherError> {
    let mut lines = text.lines();
    let first = lines.next().ok_or(WeatherError::NoLocation)?;
    let loc: Vec<&str> = first.split(',').collect();
    if loc.first().map(|s| s.trim()) != Some("LOCATION") {
        return Err(WeatherError::NoLocation);
    }
    let location = Location {
        latitude: number(&loc, 1, 7, "latitude")?,
        longitude: number(&loc, 1, 8, "longitude")?,
        utc_offset: number(&loc, 1, 9, "time zone")?,
        elevation: number(&loc, 1, 10, "elevation")?,
    };
    let name = field(&loc, 1, 2, "city")?.to_string();
    let mut hours = Vec::with_capacity(8760);
    for (i, line) in text.lines().enumerate().skip(8) {
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let f: Vec<&str> = line.split(',').collect();
        let whole = |k: usize, name: &'static str, range: std::ops::RangeInclusive<u32>| {
            let v = number(&f, n, k, name)?;
            if v.fract() != 0.0 || v < 0.0 || !range.contains(&(v as u32)) {
                return Err(WeatherError::BadField {
                    line: n,
                    field: k,
                    name,
                    problem: format!("{v} is not within {range:?}"),
                });
            }
            Ok(v as u32)
        };
        let irradiation = |k: usize, name: &'static str| {
            let v = number(&f, n, k, name)?;
            // 9999 is EPW's "missing"; a radiation study cannot guess the hour.
            if !(0.0..9999.0).contains(&v) {
                return Err(WeatherError::BadField {
                    line: n,
                    field: k,
                    name,
                    problem: format!("{v} is missing or negative (EPW marks missing values 9999)"),
                });
            }
            Ok(v)
        };
        let month = whole(2, "month", 1..=12)?;
        let day = whole(3, "day", 1..=31)?;
        let hour = whole(4, "hour", 1..=24)?;
        hours.push(WeatherHour {
            month,
            day,
            hour,
            global_horizontal: irradiation(14, "global horizontal irradiation")?,
            direct_normal: irradiation(15, "direct normal irradiation")?,
            diffuse_horizontal: irradiation(16, "diffuse horizontal irradiation")?,
        });
    }
    if hours.is_empty() {
        return Err(WeatherError::NoData);
    }
    Ok(Weather {
        location,
        name,
        hours,
    })
}

/// ASHRAE clear-sky constants per month (ASHRAE Handbook of Fundamentals 1985, ch. 27,
/// Table 1; Ladybug's "original ASHRAE clear sky"): apparent extraterrestrial irradiance A
/// (W/m²), optical depth B, diffuse factor C.
const ASHRAE_CLEAR_SKY: [(f64, f64, f64); 12] = [
    (1202.0, 0.141, 0.103),
    (1187.0, 0.142, 0.104),
    (1164.0, 0.149, 0.109),
    (1130.0, 0.164, 0.120),
    (1106.0, 0.177, 0.130),
    (1092.0, 0.185, 0.137),
    (1093.0, 0.186, 0.138),
    (1107.0, 0.182, 0.134),
    (1136.0, 0.165, 0.121),
    (1166.0, 0.152, 0.111),
    (1190.0, 0.144, 0.106),
    (1204.0, 0.141, 0.103),
];

/// A year of hourly clear-sky weather at `location` (ASHRAE model: DNI = A·e^(−B/sin α),
/// DHI = C·DNI, GHI = DNI·sin α + DHI), the sun at each hour's midpoint.
pub fn clear_sky_year(location: &Location, year: i32) -> Weather {
    let observer = Observer::at(location.latitude, location.longitude, location.elevation);
    let mut hours = Vec::with_capacity(8784);
    for month in 1..=12 {
        let (a, b, c) = ASHRAE_CLEAR_SKY[month as usize - 1];
        for day in 1..=days_in_month(year, month) {
            for hour in 1..=24 {
                let seconds = (f64::from(hour) - 0.5 - location.utc_offset) * 3600.0;
                let jd = julian_day(year, month, day, seconds);
                let sun = solar_position(jd, delta_t_estimate(year, month), &observer);
                let sin_alt = sun.apparent_elevation.to_radians().sin();
                let (dni, dhi) = if sin_alt > 0.0 {
                    let dni = a * (-b / sin_alt).exp();
                    (dni, c * dni)
                } else {
                    (0.0, 0.0)
                };
                hours.push(WeatherHour {
                    month,
                    day,
                    hour,
                    global_horizontal: dni * sin_alt.max(0.0) + dhi,
                    direct_normal: dni,
                    diffuse_horizontal: dhi,
                });
            }
        }
    }
    Weather {
        location: *location,
        name: "ASHRAE clear sky".into(),
        hours,
    }
}

/// One weather hour of a study with its sun.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkyHour {
    /// The sky's state, for the Perez model.
    pub state: SkyState,
    /// Unit vector towards the sun in model coordinates (meaningful when it is up).
    pub sun: [f64; 3],
    /// The weather hour it came from.
    pub hour: WeatherHour,
}

/// The hours of `weather` that fall in `period` (its days, and hours whose interval starts
/// within `start_hour..=end_hour`), each with the sun at the middle of its hour and the
/// model-space sun direction for `north_angle`. Night hours are kept: their sky is dark but
/// they count towards the period's length.
pub fn sky_hours(
    weather: &Weather,
    period: &Period,
    north_angle: f64,
) -> Result<Vec<SkyHour>, PeriodError> {
    period.validate()?;
    let days = period.days();
    let location = &weather.location;
    let observer = Observer::at(location.latitude, location.longitude, location.elevation);
    let mut out = Vec::new();
    for h in &weather.hours {
        let starts = h.hour - 1;
        if starts < period.start_hour
            || starts > period.end_hour
            || !days.contains(&(h.month, h.day))
        {
            continue;
        }
        let seconds = (f64::from(h.hour) - 0.5 - location.utc_offset) * 3600.0;
        let jd = julian_day(period.year, h.month, h.day, seconds);
        let sun = solar_position(jd, delta_t_estimate(period.year, h.month), &observer);
        let day_of_year = (1..h.month)
            .map(|m| days_in_month(period.year, m))
            .sum::<u32>()
            + h.day;
        out.push(SkyHour {
            state: SkyState {
                sun_altitude: sun.apparent_elevation.to_radians(),
                sun_azimuth: sun.azimuth.to_radians(),
                direct_normal: h.direct_normal,
                diffuse_horizontal: h.diffuse_horizontal,
                day_of_year,
            },
            sun: sun_direction(sun.apparent_elevation, sun.azimuth, north_angle),
            hour: *h,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_name_line_and_field() {
        let header = "LOCATION,Here,,,,,40.0,-75.0,-5.0,10.0\n".to_string() + &"x\n".repeat(7);
        let ok = header.clone() + "2017,1,1,1,0,s,0,0,0,0,0,0,0,0,0,0\n";
        let w = parse_epw(&ok).unwrap();
        assert_eq!(w.hours.len(), 1);
        assert_eq!(w.location.utc_offset, -5.0);
        let missing = header.clone() + "2017,1,1,12,0,s,0,0,0,0,0,0,0,400,9999,100\n";
        assert_eq!(
            parse_epw(&missing).unwrap_err().to_string(),
            "line 9, field 15 (direct normal irradiation): 9999 is missing or negative (EPW marks missing values 9999)"
        );
        let bad_hour = header + "2017,1,1,25,0,s,0,0,0,0,0,0,0,0,0,0\n";
        assert!(
            parse_epw(&bad_hour)
                .unwrap_err()
                .to_string()
                .starts_with("line 9, field 4 (hour)")
        );
        assert_eq!(parse_epw("hello").unwrap_err(), WeatherError::NoLocation);
    }

    #[test]
    fn clear_sky_is_zero_at_night_and_bright_at_noon() {
        let loc = Location {
            latitude: 40.0,
            longitude: -75.0,
            utc_offset: -5.0,
            elevation: 0.0,
        };
        let w = clear_sky_year(&loc, 2017);
        assert_eq!(w.hours.len(), 8760);
        // 21 June, hour ending 13:00 local: the sun is high; ASHRAE's June DNI at an air
        // mass near 1.1 is about 1092·e^(−0.185/0.96) ≈ 900 W/m².
        let noon = w
            .hours
            .iter()
            .find(|h| (h.month, h.day, h.hour) == (6, 21, 13))
            .unwrap();
        assert!((850.0..950.0).contains(&noon.direct_normal), "{noon:?}");
        let night = w
            .hours
            .iter()
            .find(|h| (h.month, h.day, h.hour) == (6, 21, 1))
            .unwrap();
        assert_eq!(night.global_horizontal, 0.0);
    }
}

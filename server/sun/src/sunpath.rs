//! Study periods and the sun's path through them: which instants a study covers, and the
//! direction to the sun at each one that is in daylight.
//!
//! Times are local standard time (no daylight saving), as in weather files and Ladybug.
//! Directions are in model coordinates: +Z up and, with a north angle of 0, +Y north and +X
//! east. They point *towards* the sun (Ladybug's sun vectors point away from it).

use crate::spa::{Observer, delta_t_estimate, julian_day, solar_position};

/// A site on the earth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    /// Latitude, degrees, north positive.
    pub latitude: f64,
    /// Longitude, degrees, east positive.
    pub longitude: f64,
    /// Hours from UTC of the local standard time (−12…14).
    pub utc_offset: f64,
    /// Height above sea level, metres.
    pub elevation: f64,
}

/// The instants a study covers: every day from `start` to `end` (month, day; wrapping over
/// the new year when `end` comes before `start`), every hour from `start_hour` to `end_hour`
/// inclusive, `timestep` instants per hour at `hour + k / timestep` (Ladybug's analysis
/// period), each moved by `shift_hours` (−0.5 puts hourly weather data at the half hour).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Period {
    /// First day, (month 1–12, day).
    pub start: (u32, u32),
    /// Last day, inclusive.
    pub end: (u32, u32),
    /// First hour of each day, 0–23.
    pub start_hour: u32,
    /// Last hour of each day, inclusive, 0–23.
    pub end_hour: u32,
    /// Instants per hour, 1–60.
    pub timestep: u32,
    /// Moves every instant by this many hours.
    pub shift_hours: f64,
    /// Calendar year the dates fall in (leap or not decides 29 February).
    pub year: i32,
}

impl Default for Period {
    /// A whole non-leap year, hourly, on the hour.
    fn default() -> Self {
        Period {
            start: (1, 1),
            end: (12, 31),
            start_hour: 0,
            end_hour: 23,
            timestep: 1,
            shift_hours: 0.0,
            year: 2017,
        }
    }
}

/// Why a period cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PeriodError {
    /// A month outside 1–12 or a day outside the month.
    #[error("{field}: {month}/{day} is not a date in {year}")]
    BadDate {
        /// Which field.
        field: &'static str,
        /// Month given.
        month: u32,
        /// Day given.
        day: u32,
        /// Year of the period.
        year: i32,
    },
    /// An hour outside 0–23 or start after end.
    #[error("hours {start}–{end} are not within 0–23 in order")]
    BadHours {
        /// First hour.
        start: u32,
        /// Last hour.
        end: u32,
    },
    /// A timestep outside 1–60 or not dividing an hour into whole minutes.
    #[error("timestep {0} is not one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60 per hour")]
    BadTimestep(u32),
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// One instant of a period, in local standard time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instant {
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// Hour of the day, decimal (may fall outside 0–24 after a shift).
    pub hour: f64,
}

impl Period {
    /// Checks the fields.
    pub fn validate(&self) -> Result<(), PeriodError> {
        for (field, (m, d)) in [("start", self.start), ("end", self.end)] {
            if !(1..=12).contains(&m) || d == 0 || d > days_in_month(self.year, m) {
                return Err(PeriodError::BadDate {
                    field,
                    month: m,
                    day: d,
                    year: self.year,
                });
            }
        }
        if self.start_hour > 23 || self.end_hour > 23 || self.start_hour > self.end_hour {
            return Err(PeriodError::BadHours {
                start: self.start_hour,
                end: self.end_hour,
            });
        }
        if self.timestep == 0 || self.timestep > 60 || 60 % self.timestep != 0 {
            return Err(PeriodError::BadTimestep(self.timestep));
        }
        Ok(())
    }

    /// The days of the period, in order.
    pub fn days(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let (mut m, mut d) = self.start;
        loop {
            out.push((m, d));
            if (m, d) == self.end || out.len() > 366 {
                break;
            }
            d += 1;
            if d > days_in_month(self.year, m) {
                d = 1;
                m = m % 12 + 1;
            }
        }
        out
    }

    /// Every instant of the period, in order.
    pub fn instants(&self) -> Vec<Instant> {
        let mut out = Vec::new();
        for (month, day) in self.days() {
            for h in self.start_hour..=self.end_hour {
                for k in 0..self.timestep {
                    out.push(Instant {
                        month,
                        day,
                        hour: f64::from(h)
                            + f64::from(k) / f64::from(self.timestep)
                            + self.shift_hours,
                    });
                }
            }
        }
        out
    }
}

/// The sun at one instant of a study.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sun {
    /// The instant.
    pub instant: Instant,
    /// Index of the instant in [`Period::instants`].
    pub step: u32,
    /// Apparent elevation, degrees.
    pub elevation: f64,
    /// Azimuth, degrees clockwise from true north.
    pub azimuth: f64,
    /// Unit vector towards the sun in model coordinates.
    pub direction: [f64; 3],
}

/// Options of a sun path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SunPathOptions {
    /// Angle from the model's +Y axis to true north, degrees counter-clockwise seen from
    /// above (Ladybug's `north_angle`: 90 puts north on −X).
    pub north_angle: f64,
    /// Instants with the sun at or below this apparent elevation, degrees, are dropped.
    pub min_elevation: f64,
    /// TT − UT, seconds; `None` uses [`delta_t_estimate`].
    pub delta_t: Option<f64>,
}

impl Default for SunPathOptions {
    fn default() -> Self {
        SunPathOptions {
            north_angle: 0.0,
            min_elevation: 0.0,
            delta_t: None,
        }
    }
}

/// The model-space unit vector towards a sun at `elevation` and `azimuth` (degrees, from true
/// north clockwise) for a model whose north is `north_angle` degrees counter-clockwise from +Y.
pub fn sun_direction(elevation: f64, azimuth: f64, north_angle: f64) -> [f64; 3] {
    let (el, az) = (elevation.to_radians(), azimuth.to_radians());
    let (x, y, z) = (el.cos() * az.sin(), el.cos() * az.cos(), el.sin());
    let (s, c) = north_angle.to_radians().sin_cos();
    [x * c - y * s, x * s + y * c, z]
}

/// The daylight instants of `period` at `location` with the sun's direction at each: the
/// suns that sun-hour and radiation studies cast rays towards.
pub fn sun_path(
    location: &Location,
    period: &Period,
    options: &SunPathOptions,
) -> Result<Vec<Sun>, PeriodError> {
    period.validate()?;
    let observer = Observer::at(location.latitude, location.longitude, location.elevation);
    let mut suns = Vec::new();
    for (step, instant) in period.instants().into_iter().enumerate() {
        let seconds_utc = (instant.hour - location.utc_offset) * 3600.0;
        // julian_day takes any seconds-of-day, so hours past midnight or before it roll over.
        let jd = julian_day(period.year, instant.month, instant.day, seconds_utc);
        let delta_t = options
            .delta_t
            .unwrap_or_else(|| delta_t_estimate(period.year, instant.month));
        let p = solar_position(jd, delta_t, &observer);
        if p.apparent_elevation <= options.min_elevation {
            continue;
        }
        suns.push(Sun {
            instant,
            step: step as u32,
            elevation: p.apparent_elevation,
            azimuth: p.azimuth,
            direction: sun_direction(p.apparent_elevation, p.azimuth, options.north_angle),
        });
    }
    Ok(suns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_has_8760_hours_and_a_leap_year_8784() {
        assert_eq!(Period::default().instants().len(), 8760);
        let leap = Period {
            year: 2024,
            ..Period::default()
        };
        assert_eq!(leap.instants().len(), 8784);
        let winter = Period {
            start: (12, 1),
            end: (1, 31),
            ..Period::default()
        };
        assert_eq!(winter.days().len(), 62);
    }

    #[test]
    fn bad_periods_name_the_problem() {
        let p = Period {
            start: (2, 30),
            ..Period::default()
        };
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "start: 2/30 is not a date in 2017"
        );
        let p = Period {
            timestep: 7,
            ..Period::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .starts_with("timestep 7")
        );
    }

    #[test]
    fn north_angle_turns_the_sun_counter_clockwise() {
        // Sun due south on the horizon: −Y; with north on −X (north angle 90), south is +X.
        let d = sun_direction(0.0, 180.0, 0.0);
        assert!((d[1] + 1.0).abs() < 1e-12 && d[0].abs() < 1e-12);
        let d = sun_direction(0.0, 180.0, 90.0);
        assert!((d[0] - 1.0).abs() < 1e-12 && d[1].abs() < 1e-12);
    }

    #[test]
    fn equinox_day_is_about_twelve_hours_and_noon_sun_is_south() {
        // At the equator near the March equinox, a one-minute path above the geometric
        // horizon lasts 12 h; refraction and the sun's semi-diameter add a few minutes.
        let loc = Location {
            latitude: 0.0,
            longitude: 0.0,
            utc_offset: 0.0,
            elevation: 0.0,
        };
        let period = Period {
            start: (3, 20),
            end: (3, 20),
            timestep: 60,
            year: 2025,
            ..Period::default()
        };
        let suns = sun_path(&loc, &period, &SunPathOptions::default()).unwrap();
        let hours = suns.len() as f64 / 60.0;
        assert!((12.0..12.2).contains(&hours), "{hours}");
        // Mid-latitude north: at solar noon the sun stands due south.
        let loc = Location {
            latitude: 45.0,
            ..loc
        };
        let suns = sun_path(&loc, &period, &SunPathOptions::default()).unwrap();
        let top = suns
            .iter()
            .max_by(|a, b| a.elevation.total_cmp(&b.elevation))
            .unwrap();
        assert!((top.azimuth - 180.0).abs() < 1.0, "{top:?}");
        assert!(top.direction[1] < 0.0 && top.direction[2] > 0.0);
    }
}

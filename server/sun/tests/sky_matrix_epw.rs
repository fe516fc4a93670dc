//! The cumulative sky of a real weather year (Chicago O'Hare TMY3, samples/weather) seen by
//! an unobstructed horizontal surface must give back the file's own global horizontal sum:
//! the diffuse sky is normalised to DHI and the sun adds DNI·sin(altitude), so the only
//! differences are the sun's spread over four patches and the file's own GHI ≠ DHI +
//! DNI·sin α at low sun. Bound: 2 % (the issue's).

use cicada_sun::sky::{DirectMode, SkyPatches, cumulative_sky};
use cicada_sun::sunpath::Period;
use cicada_sun::weather::{parse_epw, sky_hours};

#[test]
fn horizontal_sky_matrix_matches_the_global_horizontal_sum() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/weather/chicago_ohare_tmy3.epw"
    ))
    .unwrap();
    let weather = parse_epw(&text).unwrap();
    assert_eq!(weather.hours.len(), 8760);
    assert_eq!(weather.location.utc_offset, -6.0);
    let hours = sky_hours(&weather, &Period::default(), 0.0).unwrap();
    assert_eq!(hours.len(), 8760);
    let ghi: f64 = weather
        .hours
        .iter()
        .map(|h| h.global_horizontal)
        .sum::<f64>()
        / 1000.0;
    for subdivisions in [1, 2] {
        let patches = SkyPatches::new(subdivisions);
        let states: Vec<_> = hours.iter().map(|h| h.state).collect();
        let sky = cumulative_sky(&patches, &states, 1.0, DirectMode::Patches, 0.2);
        let horizontal: f64 = (0..patches.len())
            .map(|k| sky.sky[k] * patches.altitudes[k].sin())
            .sum();
        eprintln!(
            "{} patches: {horizontal:.1} kWh/m² vs GHI {ghi:.1}",
            patches.len()
        );
        assert!((horizontal - ghi).abs() / ghi < 0.02);
    }
}

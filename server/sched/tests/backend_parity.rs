//! The same jobs on the wgpu backend and on the cpu reference: raycast hits, sun-hour
//! counts (bit for bit) and radiation agree, except rays through triangle edges that f32
//! and f64 decide differently, which are counted and must stay rare.
//!
//! Runs on any Vulkan device; in CI that is Mesa's lavapipe (scripts/test.sh installs it).
//! Without one the test fails with the reason, unless CICADA_SKIP_GPU_TESTS is set.

mod common;

use cicada_compute::Backend;
use cicada_protocol::Output;

fn wgpu() -> Option<Backend> {
    cicada_compute::device_for_test(Backend::open("wgpu"))
}

fn run(path: &str, backend: &Backend, edit: impl Fn(&mut serde_json::Value)) -> (Output, String) {
    let text = std::fs::read_to_string(format!(
        "{}/../../samples/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut value);
    let r = common::run(&common::job(&value), backend).unwrap();
    (r.output, r.backend.name)
}

#[test]
fn sun_hours_are_the_same_bit_for_bit_on_wgpu() {
    let Some(gpu) = wgpu() else { return };
    let with_bits = |v: &mut serde_json::Value| v["params"]["bit_matrix"] = true.into();
    let (Output::SunHours(cpu), _) = run("sunlight/sun_hours.json", &Backend::cpu(), with_bits)
    else {
        panic!()
    };
    let (Output::SunHours(g), name) = run("sunlight/sun_hours.json", &gpu, with_bits) else {
        panic!()
    };
    assert_eq!(name, "wgpu");
    let (a, b) = (cpu.bit_matrix.unwrap(), g.bit_matrix.unwrap());
    assert_eq!(a.len(), b.len());
    let differ: u32 = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| (x ^ y).count_ones())
        .sum();
    let pairs = cpu.hours.len() * cpu.sun_directions.len();
    eprintln!("{differ} of {pairs} (sensor, sun) pairs differ");
    assert!(
        differ as usize * 10_000 <= pairs,
        "{differ} of {pairs} pairs differ"
    );
    assert_eq!(cpu.rays, g.rays);
}

#[test]
fn radiation_agrees_on_wgpu() {
    let Some(gpu) = wgpu() else { return };
    let (Output::Radiation(cpu), _) = run("sunlight/radiation.json", &Backend::cpu(), |_| {})
    else {
        panic!()
    };
    let (Output::Radiation(g), _) = run("sunlight/radiation.json", &gpu, |_| {}) else {
        panic!()
    };
    // A sensor whose rays all agree gets the same sum to 1e-5; a ray through an edge moves
    // its sensor by one patch's share (a patch holding the summer sun carries a few per
    // cent of a year), and such sensors must be rare.
    let mut differ = 0;
    for (k, (a, b)) in cpu.radiation.iter().zip(g.radiation.iter()).enumerate() {
        if (a - b).abs() > 1e-5 * a.abs().max(1e-9) {
            differ += 1;
            eprintln!("sensor {k}: cpu {a}, wgpu {b}");
            assert!((a - b).abs() < 0.1 * a, "sensor {k}: {a} vs {b}");
        }
    }
    eprintln!(
        "{differ} of {} sensors differ beyond 1e-5",
        cpu.radiation.len()
    );
    assert!(
        differ * 100 <= cpu.radiation.len(),
        "{differ} sensors differ"
    );
}

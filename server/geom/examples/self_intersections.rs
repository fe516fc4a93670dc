//! Times `mesh::self_intersections` on an OFF mesh, for bench/self_intersection_vs_cgal.py:
//! `self_intersections MESH.off [REPEAT]` prints one JSON line with the pair count and the
//! median seconds of the call alone (reading the file excluded, as on the CGAL side).

use std::time::Instant;

use cicada_geom::mesh::self_intersections;
use cicada_geom::{Mesh, Point3};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: self_intersections MESH.off [REPEAT]")?;
    let repeat: usize = args
        .next()
        .map_or(Ok(3), |r| r.parse())
        .map_err(|e| format!("{e}"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mesh = read_off(&text)?;
    let mut times = Vec::new();
    let mut pairs = 0;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        pairs = self_intersections(&mesh).len();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"pairs\": {pairs}, \"secs\": {}, \"triangles\": {}}}",
        times[times.len() / 2],
        mesh.faces().len()
    );
    Ok(())
}

/// A triangle mesh from OFF text (`OFF`, counts, vertices, `3 a b c` faces).
fn read_off(text: &str) -> Result<Mesh, String> {
    let mut words = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace);
    if words.next() != Some("OFF") {
        return Err("not an OFF file".into());
    }
    let mut number = || -> Result<f64, String> {
        words
            .next()
            .ok_or("file ends early")?
            .parse::<f64>()
            .map_err(|e| e.to_string())
    };
    let (nv, nf) = (number()? as usize, number()? as usize);
    number()?;
    let mut positions = Vec::with_capacity(nv);
    for _ in 0..nv {
        positions.push(Point3::new(number()?, number()?, number()?));
    }
    let mut faces = Vec::with_capacity(nf);
    for _ in 0..nf {
        if number()? as usize != 3 {
            return Err("only triangles".into());
        }
        let (a, b, c) = (number()? as u32, number()? as u32, number()? as u32);
        faces.push([a, b, c, c]);
    }
    Mesh::new(positions, faces).map_err(|e| e.to_string())
}

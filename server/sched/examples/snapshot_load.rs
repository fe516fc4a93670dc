//! Time to restore a 1 M-triangle raycast scene from its snapshot, phase by phase, beside
//! building it: `cargo run --release -p cicada-sched --example snapshot_load`.

use std::time::Instant;

use cicada_compute::raycast::TriangleScene;
use cicada_geom::{Mesh, Point3};
use cicada_sched::scenes::Prepared;
use cicada_sched::snapshot::SnapshotStore;

fn main() {
    let n = 708u32;
    let positions: Vec<Point3> = (0..n * n)
        .map(|k| {
            let (x, y) = (f64::from(k / n), f64::from(k % n));
            Point3::new(x, y, 3.0 * (x * 0.05).sin() * (y * 0.07).cos())
        })
        .collect();
    let mut faces = Vec::new();
    for i in 0..n - 1 {
        for j in 0..n - 1 {
            let a = i * n + j;
            faces.push([a, a + n, a + n + 1, a + n + 1]);
            faces.push([a, a + n + 1, a + 1, a + 1]);
        }
    }
    let mesh = Mesh::new(positions, faces).expect("terrain mesh");
    let t = Instant::now();
    let scene = TriangleScene::new(std::slice::from_ref(&mesh));
    let build = t.elapsed().as_secs_f64();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SnapshotStore::new(dir.path().to_path_buf(), u64::MAX);
    let t = Instant::now();
    let bytes = store
        .save("terrain.cpu", &scene.to_sections())
        .expect("save");
    let save = t.elapsed().as_secs_f64();
    println!(
        "{} triangles: build {build:.3} s, snapshot {:.0} MB written in {save:.3} s",
        scene.bvh.len(),
        bytes as f64 / 1e6
    );
    for _ in 0..5 {
        let t = Instant::now();
        let snap = std::sync::Arc::new(store.load("terrain.cpu").expect("load"));
        let mapped = t.elapsed().as_secs_f64();
        let restored = TriangleScene::from_snapshot(&snap).expect("restore");
        let total = t.elapsed().as_secs_f64();
        println!(
            "map + check {:.1} ms, arrays {:.1} ms, total {:.1} ms ({:.0}x faster than the build)",
            mapped * 1e3,
            (total - mapped) * 1e3,
            total * 1e3,
            build / total
        );
        drop(restored);
    }
}

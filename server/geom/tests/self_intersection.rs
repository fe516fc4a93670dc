//! Mesh self-intersections against CGAL (reference case I7): for each mesh of
//! tests/data/self_intersection/cases.json (a crumpled sphere folding through itself, two
//! overlapping spheres in one mesh, a strip folded over a shared edge, a coplanar fan
//! winding past a full turn, tetrahedra touching a plate at a tip and along an edge) the
//! pairs of faces must be exactly those of CGAL 6.0.1's
//! `Polygon_mesh_processing::self_intersections`, written by `make_cgal_reference.py`
//! beside the data.

use cicada_geom::mesh::self_intersections;
use cicada_geom::{Mesh, Point3};
use serde_json::Value;

/// A named mesh and CGAL's pairs for it.
type Case = (String, Mesh, Vec<(u32, u32)>);

fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/self_intersection/cases.json"
    );
    let text = std::fs::read_to_string(path).expect("cases.json");
    let data: Value = serde_json::from_str(&text).expect("json");
    let numbers = |v: &Value| -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    };
    data["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| {
            let positions = case["positions"]
                .as_array()
                .expect("positions")
                .iter()
                .map(|p| {
                    let c = numbers(p);
                    Point3::new(c[0], c[1], c[2])
                })
                .collect();
            let faces = case["faces"]
                .as_array()
                .expect("faces")
                .iter()
                .map(|f| {
                    let c = numbers(f);
                    [c[0] as u32, c[1] as u32, c[2] as u32, c[2] as u32]
                })
                .collect();
            let pairs = case["cgal_pairs"]
                .as_array()
                .expect("pairs")
                .iter()
                .map(|p| {
                    let c = numbers(p);
                    (c[0] as u32, c[1] as u32)
                })
                .collect();
            let name = case["name"].as_str().expect("name").to_string();
            (name, Mesh::new(positions, faces).expect("mesh"), pairs)
        })
        .collect()
}

#[test]
fn the_same_pairs_as_cgal() {
    let cases = cases();
    assert_eq!(cases.len(), 5);
    for (name, mesh, cgal) in cases {
        assert!(!cgal.is_empty(), "{name}: every case intersects itself");
        let ours = self_intersections(&mesh);
        assert_eq!(ours, cgal, "{name}");
    }
}

#[test]
fn a_closed_sphere_and_an_unwelded_copy_do_not_intersect_themselves() {
    // A clean icosphere: neighbours share edges and vertices, nothing else meets.
    let sphere = Mesh::icosphere(Point3::new(0.0, 0.0, 0.0), 1.0, 3);
    assert!(self_intersections(&sphere).is_empty());
    // The same triangles with every corner its own vertex (an STL soup): vertices at one
    // point are one vertex, so still nothing.
    let soup: Vec<Point3> = sphere.triangles().flatten().collect();
    let faces = (0..soup.len() as u32 / 3)
        .map(|k| [3 * k, 3 * k + 1, 3 * k + 2, 3 * k + 2])
        .collect();
    assert!(self_intersections(&Mesh::new(soup, faces).expect("soup")).is_empty());
}

#[test]
fn quads_split_along_a_c_and_their_halves_are_one_face() {
    // A flat quad and a quad folded over it along the shared edge 1-2 (coplanar, same
    // side): faces 0 and 1 intersect; a quad's own halves are never a pair.
    let p = |x: f64, y: f64| Point3::new(x, y, 0.0);
    let positions = vec![
        p(0.0, 0.0),
        p(1.0, 0.0),
        p(1.0, 1.0),
        p(0.0, 1.0),
        p(0.5, 0.5),
        p(0.6, 0.2),
    ];
    let flat = Mesh::new(positions.clone(), vec![[0, 1, 2, 3]]).expect("quad");
    assert!(self_intersections(&flat).is_empty());
    let folded = Mesh::new(positions, vec![[0, 1, 2, 3], [2, 1, 5, 4]]).expect("folded");
    assert_eq!(self_intersections(&folded), vec![(0, 1)]);
}

#[test]
fn a_cancelled_check_stops_and_an_uncancelled_one_is_the_same() {
    // A cancellable check (a job's) gives the same pairs when never stopped, and nothing
    // when stopped, whether at once or part way (after some of its questions).
    use std::sync::atomic::{AtomicUsize, Ordering};
    for (name, mesh, cgal) in cases() {
        assert_eq!(
            cicada_geom::mesh::self_intersections_until(&mesh, &|| false),
            Some(cgal),
            "{name}"
        );
        assert_eq!(
            cicada_geom::mesh::self_intersections_until(&mesh, &|| true),
            None
        );
    }
    let big = Mesh::icosphere(Point3::new(0.0, 0.0, 0.0), 1.0, 7);
    let asked = AtomicUsize::new(0);
    let later = || asked.fetch_add(1, Ordering::Relaxed) >= 3;
    assert_eq!(
        cicada_geom::mesh::self_intersections_until(&big, &later),
        None
    );
    assert!(
        asked.load(Ordering::Relaxed) > 3,
        "asked again after the first questions"
    );
}

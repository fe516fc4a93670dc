//! The BVH's answers against brute force over every triangle, on random scenes, with the
//! brute force written independently here (plane intersection plus an inside test).

use cicada_geom::bvh::{Bvh, Ray, candidate_pairs, self_candidate_pairs};
use cicada_geom::{Point3, Vector3};

/// xorshift64*: a fixed, dependency-free random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

/// Random triangles in a 20 m cube around `at`: mostly small, some long slivers.
fn scene(rng: &mut Rng, n: usize, at: Point3) -> Vec<[Point3; 3]> {
    (0..n)
        .map(|i| {
            let c = Point3::new(
                at.x + rng.range(-10.0, 10.0),
                at.y + rng.range(-10.0, 10.0),
                at.z + rng.range(-10.0, 10.0),
            );
            let size = if i % 50 == 0 { 8.0 } else { 0.8 };
            let mut corner = || {
                c + Vector3::new(
                    rng.range(-size, size),
                    rng.range(-size, size),
                    rng.range(-size, size),
                )
            };
            [corner(), corner(), corner()]
        })
        .collect()
}

fn shift(tris: &[[Point3; 3]], by: Vector3) -> Vec<[Point3; 3]> {
    tris.iter().map(|t| t.map(|p| p + by)).collect()
}

/// Ray–triangle by the plane, then same-side tests: (t, min barycentric) or None.
fn brute_hit(ray: &Ray, t: &[Point3; 3]) -> Option<(f64, f64)> {
    let n = (t[1] - t[0]).cross(t[2] - t[0]);
    let denom = n.dot(ray.direction);
    if denom == 0.0 {
        return None;
    }
    let s = n.dot(t[0] - ray.origin) / denom;
    if s < ray.t_min || s > ray.t_max {
        return None;
    }
    let p = ray.origin + ray.direction * s;
    let nn = n.length_squared();
    let w0 = (t[2] - t[1]).cross(p - t[1]).dot(n) / nn;
    let w1 = (t[0] - t[2]).cross(p - t[2]).dot(n) / nn;
    let w2 = 1.0 - w0 - w1;
    let m = w0.min(w1).min(w2);
    (m >= -1e-12).then_some((s, m))
}

fn random_ray(rng: &mut Rng, at: Point3) -> Ray {
    let origin = Point3::new(
        at.x + rng.range(-15.0, 15.0),
        at.y + rng.range(-15.0, 15.0),
        at.z + rng.range(-15.0, 15.0),
    );
    let target = Point3::new(
        at.x + rng.range(-8.0, 8.0),
        at.y + rng.range(-8.0, 8.0),
        at.z + rng.range(-8.0, 8.0),
    );
    Ray {
        origin,
        direction: target - origin,
        t_min: 0.0,
        t_max: f64::INFINITY,
    }
}

#[test]
fn closest_and_any_hit_match_brute_force() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let tris = scene(&mut rng, 3000, Point3::default());
    let bvh = Bvh::new(&tris);
    let (mut hits, mut edge_ties) = (0, 0);
    for _ in 0..3000 {
        let ray = random_ray(&mut rng, Point3::default());
        let brute = tris
            .iter()
            .enumerate()
            .filter_map(|(i, t)| brute_hit(&ray, t).map(|(s, m)| (s, m, i as u32)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        let got = bvh.closest_hit(&ray);
        match (brute, got) {
            (None, None) => {}
            (Some((s, _, i)), Some(h)) if h.triangle == i => {
                assert!((h.t - s).abs() <= 1e-9 * s.max(1.0), "t {} vs {s}", h.t);
                hits += 1;
            }
            // A ray grazing a triangle edge may be decided either way by the two methods.
            (Some((_, m, _)), _) if m.abs() < 1e-9 => edge_ties += 1,
            (b, g) => panic!("brute force {b:?}, bvh {g:?} for {ray:?}"),
        }
        assert_eq!(bvh.any_hit(&ray).is_some(), got.is_some());
    }
    assert!(hits > 500, "too few hits to mean anything: {hits}");
    assert!(edge_ties <= 3, "{edge_ties} edge ties");
}

#[test]
fn far_from_origin_scene_gives_the_same_hits() {
    let mut rng = Rng(42);
    let tris = scene(&mut rng, 2000, Point3::default());
    let offset = Vector3::new(500_000.0, 4_100_000.0, 0.0);
    let (near, far) = (Bvh::new(&tris), Bvh::new(&shift(&tris, offset)));
    for _ in 0..2000 {
        let ray = random_ray(&mut rng, Point3::default());
        let moved = Ray {
            origin: ray.origin + offset,
            ..ray
        };
        match (near.closest_hit(&ray), far.closest_hit(&moved)) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                assert_eq!(a.triangle, b.triangle);
                assert!((a.t - b.t).abs() < 1e-9, "{} vs {}", a.t, b.t);
            }
            (a, b) => panic!("{a:?} vs {b:?}"),
        }
    }
}

/// Distance from `p` to triangle `t`: to the plane when the foot is inside, else to the
/// nearest edge segment.
fn brute_distance(p: Point3, t: &[Point3; 3]) -> f64 {
    let n = (t[1] - t[0]).cross(t[2] - t[0]);
    let nn = n.length_squared();
    let h = n.dot(p - t[0]) / nn;
    let foot = p - n * h;
    let inside = (0..3).all(|k| (t[(k + 1) % 3] - t[k]).cross(foot - t[k]).dot(n) >= 0.0);
    if inside {
        return (p - foot).length();
    }
    (0..3)
        .map(|k| {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            let ab = b - a;
            let s = ((p - a).dot(ab) / ab.length_squared()).clamp(0.0, 1.0);
            (p - (a + ab * s)).length()
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn closest_point_matches_brute_force() {
    let mut rng = Rng(7);
    let tris = scene(&mut rng, 2000, Point3::default());
    let bvh = Bvh::new(&tris);
    for _ in 0..500 {
        let p = Point3::new(
            rng.range(-14.0, 14.0),
            rng.range(-14.0, 14.0),
            rng.range(-14.0, 14.0),
        );
        let want = tris
            .iter()
            .map(|t| brute_distance(p, t))
            .fold(f64::INFINITY, f64::min);
        let (q, d, tri) = bvh.closest_point(p, f64::INFINITY).unwrap();
        assert!((d - want).abs() < 1e-9, "{d} vs {want}");
        assert!((q.distance(p) - d).abs() < 1e-9);
        assert!((brute_distance(p, &tris[tri as usize]) - want).abs() < 1e-9);
    }
    assert!(
        bvh.closest_point(Point3::new(100.0, 0.0, 0.0), 1.0)
            .is_none()
    );
}

/// A triangle's bounding box, lowest and highest corner.
fn bbox(t: &[Point3; 3]) -> ([f64; 3], [f64; 3]) {
    let coordinate = |k: usize| t.iter().map(move |p| p.to_array()[k]);
    let lo = [0, 1, 2].map(|k| coordinate(k).fold(f64::INFINITY, f64::min));
    let hi = [0, 1, 2].map(|k| coordinate(k).fold(f64::NEG_INFINITY, f64::max));
    (lo, hi)
}

#[test]
fn candidate_pairs_are_exactly_the_overlapping_boxes() {
    let mut rng = Rng(99);
    let a = scene(&mut rng, 800, Point3::default());
    let b = scene(&mut rng, 600, Point3::new(3.0, 0.0, 0.0));
    let margin = 0.05;
    let mut want = Vec::new();
    for (i, ta) in a.iter().enumerate() {
        let (alo, ahi) = bbox(ta);
        for (j, tb) in b.iter().enumerate() {
            let (blo, bhi) = bbox(tb);
            if (0..3).all(|k| alo[k] - margin <= bhi[k] && blo[k] <= ahi[k] + margin) {
                want.push((i as u32, j as u32));
            }
        }
    }
    let got = candidate_pairs(&Bvh::new(&a), &Bvh::new(&b), margin);
    assert!(want.len() > 100);
    assert_eq!(got, want);
}

/// `f` run on a pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

#[test]
fn parallel_build_is_the_serial_tree_laid_out_differently() {
    // Large enough for sub-trees to be built as parallel tasks and the root's sweep to run
    // in parallel chunks: the same splits, so every ray finds the same triangle at the
    // same distance, and boxes nest.
    let mut rng = Rng(21);
    let tris = scene(&mut rng, 70_000, Point3::default());
    let serial = on_threads(1, || Bvh::new(&tris));
    let parallel = on_threads(4, || Bvh::new(&tris));
    assert_eq!(serial.nodes().len(), parallel.nodes().len());
    let mut seen = vec![0; tris.len()];
    for n in parallel.nodes().iter().filter(|n| n.count > 0) {
        for k in n.first..n.first + n.count {
            seen[parallel.order()[k as usize] as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&s| s == 1), "every triangle in one leaf");
    for n in parallel.nodes().iter().filter(|n| n.count == 0) {
        for c in [n.first, n.first + 1] {
            let child = &parallel.nodes()[c as usize];
            assert!((0..3).all(|k| n.min[k] <= child.min[k] && child.max[k] <= n.max[k]));
        }
    }
    for _ in 0..2000 {
        let ray = random_ray(&mut rng, Point3::default());
        let (a, b) = (serial.closest_hit(&ray), parallel.closest_hit(&ray));
        assert_eq!(a.map(|h| (h.triangle, h.t)), b.map(|h| (h.triangle, h.t)));
    }
}

#[test]
fn self_pairs_cover_every_overlapping_pair_once() {
    let mut rng = Rng(5);
    let tris = scene(&mut rng, 3000, Point3::default());
    let bvh = Bvh::new(&tris);
    let mut got = on_threads(4, || {
        self_candidate_pairs(&bvh, |i, j, out: &mut Vec<(u32, u32)>| {
            out.push((i.min(j), i.max(j)))
        })
    });
    let n = got.len();
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), n, "no pair twice");
    assert!(got.iter().all(|(i, j)| i != j));
    let boxes: Vec<_> = tris.iter().map(bbox).collect();
    let mut overlapping = 0;
    for (i, (alo, ahi)) in boxes.iter().enumerate() {
        for (j, (blo, bhi)) in boxes.iter().enumerate().skip(i + 1) {
            if (0..3).all(|k| alo[k] <= bhi[k] && blo[k] <= ahi[k]) {
                overlapping += 1;
                assert!(got.binary_search(&(i as u32, j as u32)).is_ok(), "{i}, {j}");
            }
        }
    }
    assert!(overlapping > 1000, "{overlapping}");
}

#[test]
fn flat_layout_is_32_bytes_and_leaves_cover_every_triangle() {
    assert_eq!(std::mem::size_of::<cicada_geom::bvh::BvhNode>(), 32);
    let mut rng = Rng(3);
    let tris = scene(&mut rng, 1000, Point3::default());
    let bvh = Bvh::new(&tris);
    let mut seen = vec![0; tris.len()];
    for n in bvh.nodes().iter().filter(|n| n.count > 0) {
        assert!(n.count <= 16);
        for k in n.first..n.first + n.count {
            seen[bvh.order()[k as usize] as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&s| s == 1));
}

#[test]
fn shadow_cache_never_changes_whether_a_ray_is_blocked() {
    // Runs of rays from one point towards neighbouring directions, as a sensor's suns in
    // direction order: the cache answers many of them with its last blocker, and each answer
    // must agree with a plain any-hit walk.
    use cicada_geom::bvh::ShadowCache;
    let mut rng = Rng(0x51ad_0c4c_3e11_2a07);
    let tris = scene(&mut rng, 3000, Point3::default());
    let bvh = Bvh::new(&tris);
    let mut blocked = 0;
    for _ in 0..40 {
        let origin = Point3::new(
            rng.range(-12.0, 12.0),
            rng.range(-12.0, 12.0),
            rng.range(-12.0, 12.0),
        );
        let mut cache = ShadowCache::default();
        let (mut az, mut el) = (rng.range(0.0, std::f64::consts::TAU), rng.range(-1.5, 1.5));
        for _ in 0..200 {
            az += rng.range(-0.05, 0.05);
            el = (el + rng.range(-0.05, 0.05)).clamp(-1.5, 1.5);
            let ray = Ray {
                origin,
                direction: Vector3::new(el.cos() * az.cos(), el.cos() * az.sin(), el.sin()),
                t_min: 0.0,
                t_max: f64::INFINITY,
            };
            let plain = bvh.any_hit(&ray).is_some();
            assert_eq!(bvh.any_hit_cached(&ray, &mut cache).is_some(), plain);
            blocked += usize::from(plain);
        }
    }
    assert!(
        blocked > 1000 && blocked < 7000,
        "{blocked} of 8000 blocked"
    );
}

// The floating-point filter of the triangle–triangle contact test, one pair per
// invocation: cicada-geom's `filtered_contact` (Guigue & Devillers' walk on orientation
// signs that Shewchuk's static error bound certifies), term by term in f64. Codes: 0
// certainly disjoint, 1 certainly crossing, 2 undecided (a sign too close to zero, as for
// every touching or coplanar pair): the host decides those exactly. The same code is
// cuda/tri_pairs.cu.

struct Params {
    count: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
};

// 18 doubles a pair: the first triangle's three corners, then the second's.
@group(0) @binding(0) var<storage, read> coords: array<f64>;
@group(0) @binding(1) var<storage, read_write> codes: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

// (7 + 56ε)ε × 4 with ε = 2⁻⁵³ (see ORIENT3D_BOUND in triangle_contact.rs).
const BOUND: f64 = 3.1086244689504397e-15;

var<private> unsure: bool;

// −orient3d(a, b, c, d) when its sign is certain; sets `unsure` otherwise.
fn side(a: vec3<f64>, b: vec3<f64>, c: vec3<f64>, d: vec3<f64>) -> f64 {
    let ad = a - d;
    let bd = b - d;
    let cd = c - d;
    let bdxcdy = bd.x * cd.y;
    let cdxbdy = cd.x * bd.y;
    let cdxady = cd.x * ad.y;
    let adxcdy = ad.x * cd.y;
    let adxbdy = ad.x * bd.y;
    let bdxady = bd.x * ad.y;
    let det = ad.z * (bdxcdy - cdxbdy) + bd.z * (cdxady - adxcdy) + cd.z * (adxbdy - bdxady);
    let permanent = (abs(bdxcdy) + abs(cdxbdy)) * abs(ad.z)
        + (abs(cdxady) + abs(adxcdy)) * abs(bd.z)
        + (abs(adxbdy) + abs(bdxady)) * abs(cd.z);
    if abs(det) <= BOUND * permanent {
        unsure = true;
        return 0.0;
    }
    return -det;
}

fn same_strict_side(a: f64, b: f64, c: f64) -> bool {
    return (a > 0.0 && b > 0.0 && c > 0.0) || (a < 0.0 && b < 0.0 && c < 0.0);
}

// CHECK_MIN_MAX: 0 apart, 1 overlapping properly, 2 touching; `unsure` may be set.
fn check_min_max(p1: vec3<f64>, q1: vec3<f64>, r1: vec3<f64>,
                 p2: vec3<f64>, q2: vec3<f64>, r2: vec3<f64>) -> u32 {
    let first = side(p2, p1, q1, q2);
    if unsure || first > 0.0 {
        return 0u;
    }
    let second = side(p2, r1, p1, r2);
    if unsure || second > 0.0 {
        return 0u;
    }
    if first < 0.0 && second < 0.0 {
        return 1u;
    }
    return 2u;
}

// The second half of the case table (t2 put in canonical form against t1's plane).
fn lone_vertex_test(p1: vec3<f64>, q1: vec3<f64>, r1: vec3<f64>,
                    p2: vec3<f64>, q2: vec3<f64>, r2: vec3<f64>,
                    dp2: f64, dq2: f64, dr2: f64) -> u32 {
    if dp2 > 0.0 {
        if dq2 > 0.0 { return check_min_max(p1, r1, q1, r2, p2, q2); }
        if dr2 > 0.0 { return check_min_max(p1, r1, q1, q2, r2, p2); }
        return check_min_max(p1, q1, r1, p2, q2, r2);
    }
    if dp2 < 0.0 {
        if dq2 < 0.0 { return check_min_max(p1, q1, r1, r2, p2, q2); }
        if dr2 < 0.0 { return check_min_max(p1, q1, r1, q2, r2, p2); }
        return check_min_max(p1, r1, q1, p2, q2, r2);
    }
    if dq2 < 0.0 {
        if dr2 >= 0.0 { return check_min_max(p1, r1, q1, q2, r2, p2); }
        return check_min_max(p1, q1, r1, p2, q2, r2);
    }
    if dq2 > 0.0 {
        if dr2 > 0.0 { return check_min_max(p1, r1, q1, p2, q2, r2); }
        return check_min_max(p1, q1, r1, q2, r2, p2);
    }
    if dr2 > 0.0 { return check_min_max(p1, q1, r1, r2, p2, q2); }
    return check_min_max(p1, r1, q1, r2, p2, q2);
}

fn corner(base: u32, k: u32) -> vec3<f64> {
    let i = base + 3u * k;
    return vec3<f64>(coords[i], coords[i + 1u], coords[i + 2u]);
}

fn classify(base: u32) -> u32 {
    unsure = false;
    let p1 = corner(base, 0u);
    let q1 = corner(base, 1u);
    let r1 = corner(base, 2u);
    let p2 = corner(base, 3u);
    let q2 = corner(base, 4u);
    let r2 = corner(base, 5u);
    let dp1 = side(p2, q2, r2, p1);
    let dq1 = side(p2, q2, r2, q1);
    let dr1 = side(p2, q2, r2, r1);
    if unsure { return 2u; }
    if same_strict_side(dp1, dq1, dr1) { return 0u; }
    let dp2 = side(p1, q1, r1, p2);
    let dq2 = side(p1, q1, r1, q2);
    let dr2 = side(p1, q1, r1, r2);
    if unsure { return 2u; }
    if same_strict_side(dp2, dq2, dr2) { return 0u; }
    // Every sign is certain, so none is zero: both triangles straddle the other's plane.
    var m: u32;
    if dp1 > 0.0 {
        if dq1 > 0.0 {
            m = lone_vertex_test(r1, p1, q1, p2, r2, q2, dp2, dr2, dq2);
        } else if dr1 > 0.0 {
            m = lone_vertex_test(q1, r1, p1, p2, r2, q2, dp2, dr2, dq2);
        } else {
            m = lone_vertex_test(p1, q1, r1, p2, q2, r2, dp2, dq2, dr2);
        }
    } else {
        if dq1 < 0.0 {
            m = lone_vertex_test(r1, p1, q1, p2, q2, r2, dp2, dq2, dr2);
        } else if dr1 < 0.0 {
            m = lone_vertex_test(q1, r1, p1, p2, q2, r2, dp2, dq2, dr2);
        } else {
            m = lone_vertex_test(p1, q1, r1, p2, r2, q2, dp2, dr2, dq2);
        }
    }
    if unsure { return 2u; }
    if m == 0u { return 0u; }
    if m == 1u { return 1u; }
    return 2u;
}

@compute @workgroup_size(64)
fn classify_pairs(@builtin(global_invocation_id) id: vec3<u32>,
                  @builtin(num_workgroups) groups: vec3<u32>) {
    let i = id.x + id.y * groups.x * 64u;
    if i >= params.count {
        return;
    }
    codes[i] = classify(18u * i);
}

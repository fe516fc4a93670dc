// BVH ray traversal over Cicada's flat binary layout (cicada_geom::bvh::BvhNode, 32 bytes:
// box min, first, box max, count; a leaf has count > 0 and owns triangles first..first+count,
// an inner node has its children at first and first + 1). Coordinates are f32 relative to
// the hierarchy's local origin; the host converts rays the same way.
//
// `walk` is one ray's traversal: closest hit (ties to the lowest original triangle index, as
// the CPU reference) or any hit. Boxes are widened by a slack so that f32 rounding never
// culls a box the ray meets; the triangle test is Möller–Trumbore in f32 with inclusive
// edges. The entry points (rays_entry.wgsl, suns_entry.wgsl) are appended to this file.

struct Node {
    bmin: vec3<f32>,
    first: u32,
    bmax: vec3<f32>,
    count: u32,
};

// Corners a, b, c; a.w holds the original triangle index as bits.
struct Tri {
    a: vec4<f32>,
    b: vec4<f32>,
    c: vec4<f32>,
};

// o.w = t_min, d.w = t_max; d has no zero component (the host nudges zeros).
struct RayIn {
    o: vec4<f32>,
    d: vec4<f32>,
};

// tri = 0xffffffff for a miss.
struct HitOut {
    t: f32,
    tri: u32,
    u: f32,
    v: f32,
};

@group(0) @binding(0) var<storage, read> nodes: array<Node>;
@group(0) @binding(1) var<storage, read> tris: array<Tri>;

const MISS: u32 = 0xffffffffu;
const FAR: f32 = 3.0e38;

// Entry distance into node n's widened box, or FAR when the ray misses it before t_max.
fn enter(n: Node, o: vec3<f32>, inv: vec3<f32>, slack: f32, t_min: f32, t_max: f32) -> f32 {
    let lo = (n.bmin - vec3<f32>(slack) - o) * inv;
    let hi = (n.bmax + vec3<f32>(slack) - o) * inv;
    let a = min(lo, hi);
    let b = max(lo, hi);
    let near = max(max(a.x, a.y), max(a.z, t_min));
    let far = min(min(b.x, b.y), min(b.z, t_max));
    if (near <= far) {
        return near;
    }
    return FAR;
}

// The hit of one ray (tri = MISS for none); `any_hit` returns the first found.
fn walk(o: vec3<f32>, d: vec3<f32>, t_min: f32, t_max: f32, slack: f32, any_hit: bool) -> HitOut {
    let inv = vec3<f32>(1.0) / d;
    var best_t = t_max;
    var best = MISS;
    var best_u = 0.0;
    var best_v = 0.0;
    var stack: array<u32, 64>;
    var sp = 0u;
    var node = 0u;
    if (enter(nodes[0], o, inv, slack, t_min, best_t) == FAR) {
        return HitOut(-1.0, MISS, 0.0, 0.0);
    }
    loop {
        let n = nodes[node];
        if (n.count > 0u) {
            for (var k = n.first; k < n.first + n.count; k = k + 1u) {
                let tri = tris[k];
                let e1 = tri.b.xyz - tri.a.xyz;
                let e2 = tri.c.xyz - tri.a.xyz;
                let p = cross(d, e2);
                let det = dot(e1, p);
                if (det == 0.0) {
                    continue;
                }
                let inv_det = 1.0 / det;
                let s = o - tri.a.xyz;
                let u = dot(s, p) * inv_det;
                if (u < 0.0 || u > 1.0) {
                    continue;
                }
                let q = cross(s, e1);
                let v = dot(d, q) * inv_det;
                if (v < 0.0 || u + v > 1.0) {
                    continue;
                }
                let t = dot(e2, q) * inv_det;
                if (t < t_min || t > best_t) {
                    continue;
                }
                let original = bitcast<u32>(tri.a.w);
                if (t < best_t || original < best) {
                    best_t = t;
                    best = original;
                    best_u = u;
                    best_v = v;
                    if (any_hit) {
                        return HitOut(best_t, best, best_u, best_v);
                    }
                }
            }
        } else {
            let l = n.first;
            let r = n.first + 1u;
            let tl = enter(nodes[l], o, inv, slack, t_min, best_t);
            let tr = enter(nodes[r], o, inv, slack, t_min, best_t);
            if (tl != FAR && tr != FAR) {
                // Nearer child now, the other later (the host checks the depth fits).
                if (tl <= tr) {
                    node = l;
                    stack[sp] = r;
                } else {
                    node = r;
                    stack[sp] = l;
                }
                sp = sp + 1u;
                continue;
            }
            if (tl != FAR) {
                node = l;
                continue;
            }
            if (tr != FAR) {
                node = r;
                continue;
            }
        }
        if (sp == 0u) {
            break;
        }
        sp = sp - 1u;
        node = stack[sp];
    }
    if (best == MISS) {
        return HitOut(-1.0, MISS, 0.0, 0.0);
    }
    return HitOut(best_t, best, best_u, best_v);
}

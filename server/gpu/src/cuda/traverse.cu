// BVH ray traversal in CUDA C++, compiled by NVRTC when a cuda worker starts. The same
// algorithm as traverse.wgsl, over the same bytes (layout.rs): nodes are two float4 each
// (box min + link, box max + count; a leaf has count > 0 and owns triangles link ..
// link + count, an inner node has its children at link and link + 1), triangles three
// float4 (corners a, b, c; a.w holds the caller's triangle index as bits). Coordinates are
// f32 about the hierarchy's local origin.
//
// The file also compiles as plain C++ (host_harness.cpp), so the kernels' logic is checked
// against the CPU reference on machines with no GPU; the few CUDA names it uses are given
// host definitions below.

#ifndef __CUDACC__
#include <cstring>
#include <cmath>
#define __device__
#define __global__
#define __forceinline__ inline
#define __restrict__
struct alignas(16) float4 {
    float x, y, z, w;
};
static inline float4 make_float4(float x, float y, float z, float w) {
    return float4{x, y, z, w};
}
static inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
static inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
struct Dim3 {
    unsigned x, y, z;
};
// Set by the host harness before each emulated thread.
static Dim3 blockIdx, threadIdx, blockDim;
#endif

#define CICADA_MISS 0xffffffffu
#define CICADA_FAR 3.0e38f
#define CICADA_STACK 64

struct Vec3 {
    float x, y, z;
};

__device__ __forceinline__ Vec3 v3(float x, float y, float z) {
    Vec3 r = {x, y, z};
    return r;
}
__device__ __forceinline__ Vec3 sub(Vec3 a, Vec3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
__device__ __forceinline__ float dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
__device__ __forceinline__ Vec3 cross(Vec3 a, Vec3 b) {
    return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
__device__ __forceinline__ Vec3 xyz(float4 a) { return v3(a.x, a.y, a.z); }

// One ray's answer; tri = CICADA_MISS for none.
struct Hit {
    float t;
    unsigned tri;
    float u, v;
};

// Entry distance into a node's box widened by `slack`, or CICADA_FAR when the ray misses it
// before t_max.
__device__ __forceinline__ float enter(float4 lo4, float4 hi4, Vec3 o, Vec3 inv, float slack,
                                       float t_min, float t_max) {
    float lx = (lo4.x - slack - o.x) * inv.x, hx = (hi4.x + slack - o.x) * inv.x;
    float ly = (lo4.y - slack - o.y) * inv.y, hy = (hi4.y + slack - o.y) * inv.y;
    float lz = (lo4.z - slack - o.z) * inv.z, hz = (hi4.z + slack - o.z) * inv.z;
    float near_t = fmaxf(fmaxf(fminf(lx, hx), fminf(ly, hy)), fmaxf(fminf(lz, hz), t_min));
    float far_t = fminf(fminf(fmaxf(lx, hx), fmaxf(ly, hy)), fminf(fmaxf(lz, hz), t_max));
    return near_t <= far_t ? near_t : CICADA_FAR;
}

// The hit of one ray: the nearest (ties to the lowest caller index, as the CPU reference)
// or, with any_hit, the first found.
__device__ Hit walk(const float4* __restrict__ nodes, const float4* __restrict__ tris, Vec3 o,
                    Vec3 d, float t_min, float t_max, float slack, bool any_hit) {
    Vec3 inv = v3(1.0f / d.x, 1.0f / d.y, 1.0f / d.z);
    Hit best = {-1.0f, CICADA_MISS, 0.0f, 0.0f};
    float best_t = t_max;
    unsigned stack[CICADA_STACK];
    unsigned sp = 0;
    unsigned node = 0;
    if (enter(nodes[0], nodes[1], o, inv, slack, t_min, best_t) == CICADA_FAR) {
        return best;
    }
    for (;;) {
        float4 lo = nodes[2 * node];
        float4 hi = nodes[2 * node + 1];
        unsigned link = __float_as_uint(lo.w);
        unsigned count = __float_as_uint(hi.w);
        if (count > 0) {
            for (unsigned k = link; k < link + count; ++k) {
                float4 a4 = tris[3 * k], b4 = tris[3 * k + 1], c4 = tris[3 * k + 2];
                Vec3 a = xyz(a4);
                Vec3 e1 = sub(xyz(b4), a);
                Vec3 e2 = sub(xyz(c4), a);
                Vec3 p = cross(d, e2);
                float det = dot(e1, p);
                if (det == 0.0f) continue;
                float inv_det = 1.0f / det;
                Vec3 s = sub(o, a);
                float u = dot(s, p) * inv_det;
                if (u < 0.0f || u > 1.0f) continue;
                Vec3 q = cross(s, e1);
                float v = dot(d, q) * inv_det;
                if (v < 0.0f || u + v > 1.0f) continue;
                float t = dot(e2, q) * inv_det;
                if (t < t_min || t > best_t) continue;
                unsigned original = __float_as_uint(a4.w);
                if (t < best_t || original < best.tri) {
                    best_t = t;
                    best.t = t;
                    best.tri = original;
                    best.u = u;
                    best.v = v;
                    if (any_hit) return best;
                }
            }
        } else {
            unsigned l = link, r = link + 1;
            float tl = enter(nodes[2 * l], nodes[2 * l + 1], o, inv, slack, t_min, best_t);
            float tr = enter(nodes[2 * r], nodes[2 * r + 1], o, inv, slack, t_min, best_t);
            if (tl != CICADA_FAR && tr != CICADA_FAR) {
                // Nearer child now, the other later (the host checks the depth fits).
                node = tl <= tr ? l : r;
                stack[sp++] = tl <= tr ? r : l;
                continue;
            }
            if (tl != CICADA_FAR) {
                node = l;
                continue;
            }
            if (tr != CICADA_FAR) {
                node = r;
                continue;
            }
        }
        if (sp == 0) break;
        node = stack[--sp];
    }
    return best;
}

// One thread per ray: rays are (origin, t_min), (direction, t_max); hits (t, tri bits, u, v).
extern "C" __global__ void trace(const float4* __restrict__ nodes, const float4* __restrict__ tris,
                                 const float4* __restrict__ rays, float4* __restrict__ hits,
                                 unsigned count, unsigned any_hit, float slack) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    float4 o = rays[2 * i];
    float4 d = rays[2 * i + 1];
    Hit h = walk(nodes, tris, xyz(o), xyz(d), o.w, d.w, slack, any_hit != 0);
    hits[i] = make_float4(h.t, __uint_as_float(h.tri), h.u, h.v);
}

// Thread (i, w): sensor i and suns 32w .. 32w + 31, one word whose bit b is set when sun
// 32w + b is in front of the sensor (angle to its normal at most 90 degrees) and nothing
// blocks it. w is the block's y, so a block's threads trace the same sun at the same step.
extern "C" __global__ void sun_bits(const float4* __restrict__ nodes,
                                    const float4* __restrict__ tris,
                                    const float4* __restrict__ sensors,
                                    const float4* __restrict__ suns, unsigned* __restrict__ lit,
                                    unsigned sensor_count, unsigned sun_count, float slack,
                                    unsigned words) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned w = blockIdx.y;
    if (i >= sensor_count || w >= words) return;
    Vec3 p = xyz(sensors[2 * i]);
    Vec3 n = xyz(sensors[2 * i + 1]);
    unsigned bits = 0;
    if (dot(n, n) > 0.0f) {
        for (unsigned b = 0; b < 32; ++b) {
            unsigned k = w * 32 + b;
            if (k >= sun_count) break;
            Vec3 d = xyz(suns[k]);
            if (dot(n, d) < 0.0f) continue;
            if (walk(nodes, tris, p, d, 0.0f, CICADA_FAR, slack, true).tri == CICADA_MISS) {
                bits |= 1u << b;
            }
        }
    }
    lit[i * words + w] = bits;
}

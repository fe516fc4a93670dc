// The floating-point filter of the triangle–triangle contact test for CUDA, compiled by
// NVRTC on first use: the same walk, bound and codes as tri_pairs.wgsl (see there and
// cicada-geom's `filtered_contact`). 0 certainly disjoint, 1 certainly crossing, 2
// undecided (the host decides exactly).
//
// The file also compiles as plain C++ (tri_pairs_harness.cpp) to check its logic on the
// CPU; `-ffp-contract=off` there keeps the host's rounding that of the plain expressions.
#ifndef __CUDACC__
#define __device__
#define __global__
#define __restrict__
#include <cmath>
using std::fabs;
#endif

#define BOUND 3.1086244689504397e-15

struct V3 {
    double x, y, z;
};

// −orient3d(a, b, c, d) when its sign is certain; sets *unsure otherwise.
__device__ double side(V3 a, V3 b, V3 c, V3 d, bool* unsure) {
    double adx = a.x - d.x, ady = a.y - d.y, adz = a.z - d.z;
    double bdx = b.x - d.x, bdy = b.y - d.y, bdz = b.z - d.z;
    double cdx = c.x - d.x, cdy = c.y - d.y, cdz = c.z - d.z;
    double bdxcdy = bdx * cdy, cdxbdy = cdx * bdy;
    double cdxady = cdx * ady, adxcdy = adx * cdy;
    double adxbdy = adx * bdy, bdxady = bdx * ady;
    double det = adz * (bdxcdy - cdxbdy) + bdz * (cdxady - adxcdy) + cdz * (adxbdy - bdxady);
    double permanent = (fabs(bdxcdy) + fabs(cdxbdy)) * fabs(adz) +
                       (fabs(cdxady) + fabs(adxcdy)) * fabs(bdz) +
                       (fabs(adxbdy) + fabs(bdxady)) * fabs(cdz);
    if (fabs(det) <= BOUND * permanent) {
        *unsure = true;
        return 0.0;
    }
    return -det;
}

__device__ bool same_strict_side(double a, double b, double c) {
    return (a > 0.0 && b > 0.0 && c > 0.0) || (a < 0.0 && b < 0.0 && c < 0.0);
}

// CHECK_MIN_MAX: 0 apart, 1 overlapping properly, 2 touching.
__device__ unsigned check_min_max(V3 p1, V3 q1, V3 r1, V3 p2, V3 q2, V3 r2, bool* unsure) {
    double first = side(p2, p1, q1, q2, unsure);
    if (*unsure || first > 0.0) return 0;
    double second = side(p2, r1, p1, r2, unsure);
    if (*unsure || second > 0.0) return 0;
    return (first < 0.0 && second < 0.0) ? 1 : 2;
}

__device__ unsigned lone_vertex_test(V3 p1, V3 q1, V3 r1, V3 p2, V3 q2, V3 r2, double dp2,
                                     double dq2, double dr2, bool* unsure) {
    if (dp2 > 0.0) {
        if (dq2 > 0.0) return check_min_max(p1, r1, q1, r2, p2, q2, unsure);
        if (dr2 > 0.0) return check_min_max(p1, r1, q1, q2, r2, p2, unsure);
        return check_min_max(p1, q1, r1, p2, q2, r2, unsure);
    }
    if (dp2 < 0.0) {
        if (dq2 < 0.0) return check_min_max(p1, q1, r1, r2, p2, q2, unsure);
        if (dr2 < 0.0) return check_min_max(p1, q1, r1, q2, r2, p2, unsure);
        return check_min_max(p1, r1, q1, p2, q2, r2, unsure);
    }
    if (dq2 < 0.0) {
        if (dr2 >= 0.0) return check_min_max(p1, r1, q1, q2, r2, p2, unsure);
        return check_min_max(p1, q1, r1, p2, q2, r2, unsure);
    }
    if (dq2 > 0.0) {
        if (dr2 > 0.0) return check_min_max(p1, r1, q1, p2, q2, r2, unsure);
        return check_min_max(p1, q1, r1, q2, r2, p2, unsure);
    }
    if (dr2 > 0.0) return check_min_max(p1, q1, r1, r2, p2, q2, unsure);
    return check_min_max(p1, r1, q1, r2, p2, q2, unsure);
}

__device__ unsigned classify(const double* __restrict__ c) {
    bool unsure = false;
    V3 p1 = {c[0], c[1], c[2]}, q1 = {c[3], c[4], c[5]}, r1 = {c[6], c[7], c[8]};
    V3 p2 = {c[9], c[10], c[11]}, q2 = {c[12], c[13], c[14]}, r2 = {c[15], c[16], c[17]};
    double dp1 = side(p2, q2, r2, p1, &unsure);
    double dq1 = side(p2, q2, r2, q1, &unsure);
    double dr1 = side(p2, q2, r2, r1, &unsure);
    if (unsure) return 2;
    if (same_strict_side(dp1, dq1, dr1)) return 0;
    double dp2 = side(p1, q1, r1, p2, &unsure);
    double dq2 = side(p1, q1, r1, q2, &unsure);
    double dr2 = side(p1, q1, r1, r2, &unsure);
    if (unsure) return 2;
    if (same_strict_side(dp2, dq2, dr2)) return 0;
    unsigned m;
    if (dp1 > 0.0) {
        if (dq1 > 0.0)
            m = lone_vertex_test(r1, p1, q1, p2, r2, q2, dp2, dr2, dq2, &unsure);
        else if (dr1 > 0.0)
            m = lone_vertex_test(q1, r1, p1, p2, r2, q2, dp2, dr2, dq2, &unsure);
        else
            m = lone_vertex_test(p1, q1, r1, p2, q2, r2, dp2, dq2, dr2, &unsure);
    } else {
        if (dq1 < 0.0)
            m = lone_vertex_test(r1, p1, q1, p2, q2, r2, dp2, dq2, dr2, &unsure);
        else if (dr1 < 0.0)
            m = lone_vertex_test(q1, r1, p1, p2, q2, r2, dp2, dq2, dr2, &unsure);
        else
            m = lone_vertex_test(p1, q1, r1, p2, r2, q2, dp2, dr2, dq2, &unsure);
    }
    if (unsure) return 2;
    return m == 0 ? 0 : (m == 1 ? 1 : 2);
}

#ifdef __CUDACC__
extern "C" __global__ void classify_pairs(const double* __restrict__ coords,
                                          unsigned* __restrict__ codes, unsigned count) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) codes[i] = classify(coords + 18ull * i);
}
#endif

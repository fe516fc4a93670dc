// Preconditioned conjugate gradients in f64 for CUDA, compiled by NVRTC on first use: the
// same steps, buffers and scalar slots as pcg.wgsl (see there and pcg.rs), so one host
// loop drives both. Scalars: 0 rz, 1 pq, 2 alpha, 3 beta, 4 rr.

// The file also compiles as plain C++ (pcg_harness.cpp): blocks run one after another,
// each thread of a block on its own host thread, `__syncthreads` a barrier among them.
#ifndef __CUDACC__
#include <barrier>
#define __device__
#define __global__
#define __restrict__
#define __shared__ static
struct Dim3 {
    unsigned x, y, z;
};
static thread_local Dim3 blockIdx, threadIdx;
static Dim3 blockDim;
static std::barrier<>* host_barrier;
static inline void __syncthreads() { host_barrier->arrive_and_wait(); }
#endif

#define GROUP 256

__device__ void group_sum(double v, double* partial, unsigned base) {
    __shared__ double sums[GROUP];
    unsigned local = threadIdx.x;
    sums[local] = v;
    __syncthreads();
    for (unsigned stride = GROUP / 2; stride > 0; stride /= 2) {
        if (local < stride) {
            sums[local] += sums[local + stride];
        }
        __syncthreads();
    }
    if (local == 0) {
        partial[base + blockIdx.x] = sums[0];
    }
}

extern "C" __global__ void spmv_dot(const unsigned* __restrict__ row_ptr,
                                    const unsigned* __restrict__ cols,
                                    const double* __restrict__ vals,
                                    const double* __restrict__ p, double* __restrict__ q,
                                    double* __restrict__ partial, unsigned n) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    double product = 0.0;
    if (i < n) {
        double acc = 0.0;
        for (unsigned k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
            acc += vals[k] * p[cols[k]];
        }
        q[i] = acc;
        product = p[i] * acc;
    }
    group_sum(product, partial, 0);
}

extern "C" __global__ void update(double* __restrict__ x, double* __restrict__ r,
                                  const double* __restrict__ p, const double* __restrict__ q,
                                  const double* __restrict__ scalars,
                                  double* __restrict__ partial, unsigned n) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    double rr = 0.0;
    if (i < n) {
        double alpha = scalars[2];
        x[i] += alpha * p[i];
        double ri = r[i] - alpha * q[i];
        r[i] = ri;
        rr = ri * ri;
    }
    group_sum(rr, partial, 0);
}

// pre_rows: four unsigned per row (block's first row, block size, offset, unused).
extern "C" __global__ void precondition(const unsigned* __restrict__ pre_rows,
                                        const double* __restrict__ pre_vals,
                                        const double* __restrict__ r, double* __restrict__ z,
                                        double* __restrict__ partial, unsigned n,
                                        unsigned groups) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    double rz = 0.0;
    if (i < n) {
        unsigned first = pre_rows[4 * i], size = pre_rows[4 * i + 1];
        unsigned offset = pre_rows[4 * i + 2];
        double acc = 0.0;
        for (unsigned j = 0; j < size; ++j) {
            acc += pre_vals[offset + j] * r[first + j];
        }
        z[i] = acc;
        rz = r[i] * acc;
    }
    group_sum(rz, partial, groups);
}

extern "C" __global__ void direction(double* __restrict__ p, const double* __restrict__ z,
                                     const double* __restrict__ scalars, unsigned n) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        p[i] = z[i] + scalars[3] * p[i];
    }
}

// One block. Mode 0: alpha = rz / pq. Mode 1: beta = rz' / rz, rz = rz', rr. Mode 2: rz,
// beta = 0.
extern "C" __global__ void reduce(const double* __restrict__ partial, double* scalars,
                                  unsigned groups, unsigned mode) {
    __shared__ double a_sums[GROUP];
    __shared__ double b_sums[GROUP];
    unsigned local = threadIdx.x;
    double a = 0.0, b = 0.0;
    for (unsigned k = local; k < groups; k += GROUP) {
        a += partial[k];
        b += partial[groups + k];
    }
    a_sums[local] = a;
    b_sums[local] = b;
    __syncthreads();
    for (unsigned stride = GROUP / 2; stride > 0; stride /= 2) {
        if (local < stride) {
            a_sums[local] += a_sums[local + stride];
            b_sums[local] += b_sums[local + stride];
        }
        __syncthreads();
    }
    if (local == 0) {
        double first = a_sums[0], second = b_sums[0];
        if (mode == 0) {
            scalars[1] = first;
            scalars[2] = scalars[0] / first;
        } else if (mode == 1) {
            scalars[4] = first;
            scalars[3] = second / scalars[0];
            scalars[0] = second;
        } else {
            scalars[0] = second;
            scalars[3] = 0.0;
        }
    }
}

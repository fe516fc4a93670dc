// Runs the CUDA kernels of traverse.cu on the CPU, one emulated thread at a time, so their
// logic is tested against the CPU reference where there is no GPU (cuda.rs's tests build
// this with the system C++ compiler). Not part of any release binary.
//
// Usage: host_harness rays|suns DIR. Reads DIR/nodes, DIR/tris and, for `rays`, DIR/rays
// and DIR/params (count, any_hit, slack, pad); for `suns`, DIR/sensors, DIR/suns and
// DIR/params (sensors, suns, slack, words). Writes DIR/output: the kernel's output buffer.

#include "traverse.cu"

#include <cstdio>
#include <string>
#include <vector>

static std::vector<float4> read4(const std::string& path) {
    std::vector<float4> out;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    float4 v;
    while (std::fread(&v, sizeof v, 1, f) == 1) out.push_back(v);
    std::fclose(f);
    return out;
}

// Calls `thread` once per emulated thread of a grid of (gx, gy) blocks of `bx` threads.
template <typename F>
static void launch(unsigned gx, unsigned gy, unsigned bx, F thread) {
    blockDim = Dim3{bx, 1, 1};
    for (unsigned y = 0; y < gy; ++y)
        for (unsigned x = 0; x < gx; ++x)
            for (unsigned t = 0; t < bx; ++t) {
                blockIdx = Dim3{x, y, 0};
                threadIdx = Dim3{t, 0, 0};
                thread();
            }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: host_harness rays|suns DIR\n");
        return 2;
    }
    const std::string mode = argv[1], dir = std::string(argv[2]) + "/";
    const std::vector<float4> nodes = read4(dir + "nodes"), tris = read4(dir + "tris");
    const std::vector<float4> params = read4(dir + "params");
    if (nodes.empty() || params.size() != 1) {
        std::fprintf(stderr, "missing nodes or params in %s\n", dir.c_str());
        return 2;
    }
    const float4 p = params[0];
    const unsigned block = 64;
    FILE* out = std::fopen((dir + "output").c_str(), "wb");
    if (!out) return 2;
    if (mode == "rays") {
        const std::vector<float4> rays = read4(dir + "rays");
        const unsigned count = __float_as_uint(p.x);
        std::vector<float4> hits(count);
        launch((count + block - 1) / block, 1, block, [&] {
            trace(nodes.data(), tris.data(), rays.data(), hits.data(), count,
                  __float_as_uint(p.y), p.z);
        });
        std::fwrite(hits.data(), sizeof(float4), hits.size(), out);
    } else if (mode == "suns") {
        const std::vector<float4> sensors = read4(dir + "sensors"), suns = read4(dir + "suns");
        const unsigned count = __float_as_uint(p.x), words = __float_as_uint(p.w);
        std::vector<unsigned> lit(size_t(count) * words);
        launch((count + block - 1) / block, words, block, [&] {
            sun_bits(nodes.data(), tris.data(), sensors.data(), suns.data(), lit.data(), count,
                     __float_as_uint(p.y), p.z, words);
        });
        std::fwrite(lit.data(), sizeof(unsigned), lit.size(), out);
    } else {
        std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
        return 2;
    }
    return std::fclose(out) == 0 ? 0 : 1;
}

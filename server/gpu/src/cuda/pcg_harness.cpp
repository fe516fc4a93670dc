// Runs the CUDA kernels of pcg.cu on the CPU (cuda.rs's tests build this with the system
// C++ compiler), so their logic is checked through the same host loop as on a device. Not
// part of any release binary.
//
// Usage: pcg_harness start DIR | pcg_harness iterate DIR K. DIR holds the system (row_ptr,
// cols, pre_rows as u32; vals, pre_vals as f64), the state (x r z p q partial scalars, f64)
// and params (n, groups as u32). `start` runs the start step, `iterate` K iterations; both
// write the state back.

#include "pcg.cu"

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

template <typename T>
static std::vector<T> read(const std::string& path) {
    std::vector<T> out;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    T v;
    while (std::fread(&v, sizeof v, 1, f) == 1) out.push_back(v);
    std::fclose(f);
    return out;
}

template <typename T>
static bool write(const std::string& path, const std::vector<T>& v) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    std::fwrite(v.data(), sizeof(T), v.size(), f);
    return std::fclose(f) == 0;
}

// Runs `kernel` on `blocks` blocks of GROUP threads, a block at a time.
template <typename F>
static void launch(unsigned blocks, F kernel) {
    blockDim = Dim3{GROUP, 1, 1};
    for (unsigned b = 0; b < blocks; ++b) {
        std::barrier<> barrier(GROUP);
        host_barrier = &barrier;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < GROUP; ++t) {
            threads.emplace_back([&, b, t] {
                blockIdx = Dim3{b, 0, 0};
                threadIdx = Dim3{t, 0, 0};
                kernel();
            });
        }
        for (auto& t : threads) t.join();
    }
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pcg_harness start|iterate DIR [K]\n");
        return 2;
    }
    const std::string mode = argv[1], dir = std::string(argv[2]) + "/";
    const auto row_ptr = read<unsigned>(dir + "row_ptr"), cols = read<unsigned>(dir + "cols");
    const auto pre_rows = read<unsigned>(dir + "pre_rows");
    const auto vals = read<double>(dir + "vals"), pre_vals = read<double>(dir + "pre_vals");
    auto x = read<double>(dir + "x"), r = read<double>(dir + "r"), z = read<double>(dir + "z");
    auto p = read<double>(dir + "p"), q = read<double>(dir + "q");
    auto partial = read<double>(dir + "partial"), scalars = read<double>(dir + "scalars");
    const auto params = read<unsigned>(dir + "params");
    if (params.size() != 2 || row_ptr.empty()) {
        std::fprintf(stderr, "missing params or system in %s\n", dir.c_str());
        return 2;
    }
    const unsigned n = params[0], groups = params[1];
    auto precondition_step = [&] {
        launch(groups, [&] {
            precondition(pre_rows.data(), pre_vals.data(), r.data(), z.data(), partial.data(), n,
                         groups);
        });
    };
    auto reduce_step = [&](unsigned mode_) {
        launch(1, [&] { reduce(partial.data(), scalars.data(), groups, mode_); });
    };
    auto direction_step = [&] {
        launch(groups, [&] { direction(p.data(), z.data(), scalars.data(), n); });
    };
    if (mode == "start") {
        precondition_step();
        reduce_step(2);
        direction_step();
    } else if (mode == "iterate" && argc == 4) {
        const int k = std::stoi(argv[3]);
        for (int i = 0; i < k; ++i) {
            launch(groups, [&] {
                spmv_dot(row_ptr.data(), cols.data(), vals.data(), p.data(), q.data(),
                         partial.data(), n);
            });
            reduce_step(0);
            launch(groups, [&] {
                update(x.data(), r.data(), p.data(), q.data(), scalars.data(), partial.data(), n);
            });
            precondition_step();
            reduce_step(1);
            direction_step();
        }
    } else {
        std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
        return 2;
    }
    bool ok = write(dir + "x", x) && write(dir + "r", r) && write(dir + "z", z) &&
              write(dir + "p", p) && write(dir + "q", q) && write(dir + "partial", partial) &&
              write(dir + "scalars", scalars);
    return ok ? 0 : 1;
}

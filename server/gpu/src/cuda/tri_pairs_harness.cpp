// Runs tri_pairs.cu's classification on the CPU (cuda.rs's tests build this with the
// system C++ compiler): reads pairs (18 doubles each) from stdin, writes one code per
// pair (u32) to stdout. Not part of any release binary.

#include "tri_pairs.cu"

#include <cstdio>
#include <vector>

int main() {
    std::vector<double> pair(18);
    while (std::fread(pair.data(), sizeof(double), 18, stdin) == 18) {
        unsigned code = classify(pair.data());
        std::fwrite(&code, sizeof code, 1, stdout);
    }
    return 0;
}

#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and no Rust toolchain. Build here with
#   cargo build --release -p cicada-compute --example gpu_check
# carry target/release/examples/gpu_check over, and run this script from the repository
# root (or beside the binary). In one run it prints: kernel start with and without the CUDA
# kernel cache; shadow-ray and random-ray throughput and parity with the cpu backend on
# cities of 100 k and 1 M triangles; conjugate gradients on the GPU against the CPU's sparse
# Cholesky on braced buildings of 50 k and 200 k DOF (time, iterations, largest relative
# displacement difference; `gpu_check structural` runs only a 10 k one); the clash narrow
# phase's f64 contact filter on 20 M triangle pairs (pairs/s, codes that differ from the
# CPU's: must be 0) and a clash job on 10 k objects end to end on each backend (the
# clashes must be the CPU's; `gpu_check clash [PAIRS]` runs only these two, the job on
# 2 k objects); a year of hourly sun hours for SENSORS sensors.
# Arguments: [SENSORS] [RAYS] (default 1000000 4000000). wgpu runs too where the machine
# has a Vulkan loader and driver (on the device machines: the .gl recipe in their README).
set -euo pipefail
cd "$(dirname "$0")/.."
exe=target/release/examples/gpu_check
[ -x "$exe" ] || exe=./gpu_check
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# NVRTC: the CUDA toolkit's, else the one PyTorch's wheels bring.
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
    "$(python3 -c 'import nvidia.cuda_nvrtc as m, os; print(os.path.join(os.path.dirname(m.__file__), "lib"))' 2>/dev/null || true)"; do
    if [ -n "$d" ] && ls "$d"/libnvrtc.so* >/dev/null 2>&1; then
        export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        break
    fi
done
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nproc
exec "$exe" "$@"

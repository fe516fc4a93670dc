#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and no Rust toolchain. Prepare it here with
#   bash scripts/prepare-device.sh
# which builds gpu_check, gathers what the device machine lacks into .device/ and prints the
# one call to make there (carry .device, run this script). In one run it prints: kernel
# start with and without the CUDA kernel cache; shadow-ray and random-ray throughput and
# parity with the cpu backend on cities of 100 k and 1 M triangles, then Embree (embreex,
# every core) on the same rays (bench/embree_rays.py); conjugate gradients on the GPU
# against the CPU's sparse Cholesky on braced buildings of 50 k and 200 k DOF (time,
# iterations, largest relative displacement difference; `gpu_check structural` runs only a
# 10 k one); the clash narrow phase's f64 contact filter on 20 M triangle pairs (pairs/s,
# codes that differ from the CPU's: must be 0) and a clash job on 10 k objects end to end on
# each backend (the clashes must be the CPU's; `gpu_check clash [PAIRS]` runs only these
# two, the job on 2 k objects); a year of hourly sun hours for SENSORS sensors.
# Arguments: [SENSORS] [RAYS] (default 1000000 4000000), or `rays [RAYS]` for the ray tests
# and Embree only, or `dry` for every step at small sizes (try it here first:
# `PATH=target/bench-venv/bin:$PATH bash scripts/gpu-check.sh dry`, a few minutes on
# lavapipe). The log also goes to $OUT/gpu-check.log where $OUT is set.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=target/release/examples/gpu_check
[ -x "$exe" ] || exe=.device/gpu_check
[ -x "$exe" ] || exe=./gpu_check
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# The Vulkan loader the device machine lacks (carried .deb), and NVIDIA's driver for it.
if [ -d .device/gl ] && ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
    for f in .device/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES="$nvidia_icd"
fi
# Embree for the peer figures: the wheel carried in .device/whl, if not importable already.
if ! python3 -c 'import embreex' 2>/dev/null && ls .device/whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/cicada-site .device/whl/*.whl &&
        export PYTHONPATH="/tmp/cicada-site${PYTHONPATH:+:$PYTHONPATH}"
fi
if python3 -c 'import embreex, numpy' 2>/dev/null; then
    export CICADA_RAYS_DUMP="${CICADA_RAYS_DUMP:-$(mktemp -d)}"
else
    echo "embreex does not import: no Embree figures"
fi
# NVRTC: the CUDA toolkit's, else the one PyTorch's wheels bring (nvidia/cu13/lib on CUDA
# 13). cudarc loads libnvrtc.so or a version up to .so.12: a newer, versioned-only library
# is offered under the plain name through a link in a folder of our own.
nvrtc_dir=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    if ls "$d"/libnvrtc.so* >/dev/null 2>&1; then nvrtc_dir="$d"; break; fi
done
if [ -z "$nvrtc_dir" ]; then
    sites="$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)"
    # shellcheck disable=SC2086
    found="$(find $sites -name 'libnvrtc.so*' ! -name '*builtins*' 2>/dev/null | head -1 || true)"
    [ -n "$found" ] && nvrtc_dir="$(dirname "$found")"
fi
if [ -n "$nvrtc_dir" ]; then
    export LD_LIBRARY_PATH="$nvrtc_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if [ ! -e "$nvrtc_dir/libnvrtc.so" ] && ! ls "$nvrtc_dir"/libnvrtc.so.1[0-2]* >/dev/null 2>&1; then
        newest="$(ls "$nvrtc_dir"/libnvrtc.so.* 2>/dev/null | grep -v builtins | sort -V | tail -1 || true)"
        if [ -n "$newest" ]; then
            mkdir -p /tmp/cicada-nvrtc
            ln -sf "$newest" /tmp/cicada-nvrtc/libnvrtc.so
            export LD_LIBRARY_PATH="/tmp/cicada-nvrtc:$LD_LIBRARY_PATH"
        fi
    fi
    echo "NVRTC from $nvrtc_dir"
else
    echo "no NVRTC found: CUDA kernels only from a filled kernel cache"
fi
log=/dev/null
[ -n "${OUT:-}" ] && log="$OUT/gpu-check.log"
{
    date -u
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    echo "cores: $(nproc)"
    "$exe" "$@"
    if [ -n "${CICADA_RAYS_DUMP:-}" ]; then
        python3 bench/embree_rays.py "$CICADA_RAYS_DUMP"
        rm -rf "$CICADA_RAYS_DUMP"
    fi
} 2>&1 | tee "$log"

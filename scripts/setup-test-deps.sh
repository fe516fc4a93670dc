#!/usr/bin/env bash
# Installs what the tests need beyond a Rust toolchain, where it is missing:
# - Mesa's lavapipe (a software Vulkan device on the CPU), so the wgpu kernels run in CI;
# - a C++ compiler, which builds the CUDA kernels as host code to test their logic;
# - NVRTC from PyPI (nvidia-cuda-nvrtc-cu12, into target/nvrtc), so the CUDA kernels are
#   compiled by the real compiler on machines with no CUDA.
# Prints the directory holding libnvrtc.so for LD_LIBRARY_PATH; everything else to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
if ! { ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && ldconfig -p | grep -q libvulkan.so.1; }; then
    packages+=(mesa-vulkan-drivers libvulkan1)
fi
command -v c++ >/dev/null || packages+=(g++)
if [ ${#packages[@]} -gt 0 ]; then
    echo "== installing ${packages[*]}" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2
fi

nvrtc=target/nvrtc
lib="$PWD/$nvrtc/nvidia/cuda_nvrtc/lib"
if [ ! -e "$lib/libnvrtc.so.12" ]; then
    echo "== fetching NVRTC 12.8 from PyPI into $nvrtc" >&2
    mkdir -p "$nvrtc"
    python3 -m pip download -q --no-deps --only-binary=:all: --dest "$nvrtc" \
        nvidia-cuda-nvrtc-cu12==12.8.93 >&2
    python3 -m zipfile -e "$nvrtc"/nvidia_cuda_nvrtc_cu12-*.whl "$nvrtc" >&2
    rm -f "$nvrtc"/*.whl
fi
echo "$lib"

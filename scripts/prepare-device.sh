#!/usr/bin/env bash
# Prepares the GPU check for a device machine (NVIDIA GPU, CUDA, Python 3.12 with numpy, no
# Rust toolchain, no network): builds gpu_check here and gathers into .device/ (ignored by
# git) the stripped binary, the Vulkan loader's .deb (wgpu needs it; the NVIDIA driver
# brings the rest) and the embreex wheel for the Embree figures. Then one call does it all:
#   run(command="bash scripts/gpu-check.sh", carry=[".device"], timeout_s=540)
# (about 64 MiB may travel; this prints what will).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p cicada-compute --example gpu_check
rm -rf .device
mkdir -p .device/gl .device/whl
strip -o .device/gpu_check target/release/examples/gpu_check
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/cicada-apt-lists)
mkdir -p /tmp/cicada-apt-lists/partial
apt-get "${apt_opts[@]}" update -qq
(cd .device/gl && apt-get "${apt_opts[@]}" download libvulkan1 2>/dev/null)
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .device/whl embreex==4.4.0.post1
du -sh .device
git ls-files -z | du -ch --files0-from=- | tail -1 | sed 's/total/tracked files/'

#!/usr/bin/env bash
# Makes sure a Vulkan driver is present for the wgpu backend and its tests: Mesa's lavapipe
# (a software Vulkan device on the CPU) from Debian/Ubuntu packages when none is installed.
set -euo pipefail
if ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && ldconfig -p | grep -q libvulkan.so.1; then
    exit 0
fi
echo "== installing Mesa's Vulkan drivers (lavapipe) for the GPU tests"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null

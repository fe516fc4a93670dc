#!/usr/bin/env bash
# Runs every check and test of the workspace: what CI runs (.ci/run calls this).
# Needs a Rust toolchain and Python 3; scripts/setup-test-deps.sh installs the rest (lavapipe,
# a C++ compiler, NVRTC), so the GPU kernels' tests run on machines with no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."

nvrtc_lib=$(./scripts/setup-test-deps.sh)
# Compiled kernels (wgpu pipeline cache, CUDA PTX) stay inside the build tree, not in ~/.cache.
export CICADA_KERNEL_CACHE="${CICADA_KERNEL_CACHE:-$PWD/target/kernel-cache}"
export LD_LIBRARY_PATH="$nvrtc_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The Vulkan loader complains without a runtime directory; any writable one will do.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# One full build, never edited in place: incremental state would only add gigabytes to the
# build tree (a CI disk once ran out), with nothing to reuse.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== format"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== build"
# The end-to-end tests start these binaries; build them once, with the same command the
# test harness uses, so the harness finds them up to date.
cargo build --workspace --bins --quiet

echo "== tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# Every test binary runs even after one fails, so a red run lists all that failed.
cargo test --workspace --lib --bins --tests --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test binary, so a reader (or CI) need not add them up.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"

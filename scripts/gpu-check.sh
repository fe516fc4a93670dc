#!/usr/bin/env bash
# The GPU check, for a machine with a GPU and no Rust toolchain. Build here with
#   cargo build --release -p cicada-compute --example gpu_check
# carry target/release/examples/gpu_check over, and run this script beside it (or from the
# repository root). It prints the device table: each backend's device, seconds and Mrays/s
# for a year of hourly sun hours on a synthetic city, and how many sensors' lit counts
# differ from the cpu backend's. Arguments: [TRIANGLES] [SENSORS] (default 1000000 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
exe=target/release/examples/gpu_check
[ -x "$exe" ] || exe=./gpu_check
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
exec "$exe" "$@"

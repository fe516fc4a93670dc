#!/usr/bin/env bash
# Worker warm starts and batch throughput through the real service (tests/examples/
# elastic_bench.rs): first result of a new worker on a 1 M-triangle scene, cold (built)
# against warm (snapshot) and held; a batch of sun-hours variants on 1 and 2 workers.
# Also the snapshot restore on its own (server/sched/examples/snapshot_load.rs).
# Arguments: [ROUNDS] [VARIANTS] (default 5 16). Release build; a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
cargo build --release --quiet --workspace --bins
cargo build --release --quiet -p cicada-e2e --example elastic_bench
cargo run --release --quiet -p cicada-sched --example snapshot_load
RUST_LOG=error target/release/examples/elastic_bench "${1:-5}" "${2:-16}"

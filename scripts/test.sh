#!/usr/bin/env bash
# Runs every check and test of the workspace: what CI runs (.ci/run calls this).
# Needs only a Rust toolchain; installs nothing else yet.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== build"
# The end-to-end tests start these binaries; build them once, with the same command the
# test harness uses, so the harness finds them up to date.
cargo build --workspace --bins --quiet

echo "== tests"
cargo test --workspace --quiet

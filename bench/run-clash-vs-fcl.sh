#!/usr/bin/env bash
# Clash detection on random convex scenes of 500 and 10 000 objects (about 75 k and 1.5 M
# triangles): Cicada (`cicada-server run`, release build) against FCL (python-fcl through
# trimesh's CollisionManager) in one run (bench/clash_vs_fcl.py). Arguments are passed on,
# e.g. `--sizes 500 --repeat 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-fcl-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet python-fcl==0.7.0.11 trimesh==5.2.0 numpy scipy
fi
cargo build --release --quiet -p cicada-server
"$VENV/bin/python" bench/clash_vs_fcl.py "$@"

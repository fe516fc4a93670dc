#!/usr/bin/env bash
# Mesh self-intersections on crumpled icospheres of 20 k to 328 k triangles: Cicada
# (`self_intersections` example, release build) against CGAL 6.0.1 (PyPI `cgal`) in one run
# (bench/self_intersection_vs_cgal.py). Arguments are passed on, e.g. `--levels 5 --repeat 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-cgal-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet cgal==6.0.1.post202410241521 numpy
fi
cargo build --release --quiet -p cicada-geom --example self_intersections
"$VENV/bin/python" bench/self_intersection_vs_cgal.py "$@"

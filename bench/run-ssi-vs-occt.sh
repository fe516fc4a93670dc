#!/usr/bin/env bash
# NURBS surface–surface and curve–surface intersections on random bicubic sheets: Cicada
# (`ssi_bench` example, release build) against OCCT 7.8 (PyPI `cadquery-ocp`) in one run
# (bench/ssi_vs_occt.py). Arguments are passed on, e.g. `--repeat 9 --tolerance 1e-6`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-occt-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet cadquery-ocp==8.0.1.1.0 numpy
fi
cargo build --release --quiet -p cicada-geom --example ssi_bench
"$VENV/bin/python" bench/ssi_vs_occt.py "$@"

#!/usr/bin/env bash
# Sets up a Python venv with embreex and numpy (target/bench-venv) and runs
# bench/bvh_vs_embree.py. Arguments are scene sizes in triangles (default 100000 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import embreex, numpy" 2>/dev/null || "$venv/bin/pip" install -q embreex numpy
exec "$venv/bin/python" bench/bvh_vs_embree.py "$@"

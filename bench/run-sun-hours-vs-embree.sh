#!/usr/bin/env bash
# Sets up a Python venv with embreex and numpy (target/bench-venv) and runs
# bench/sun_hours_vs_embree.py [triangles] [sensors] (default 200000 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import embreex, numpy" 2>/dev/null || "$venv/bin/pip" install -q embreex numpy
exec "$venv/bin/python" bench/sun_hours_vs_embree.py "$@"

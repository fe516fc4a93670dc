#!/usr/bin/env bash
# Static analysis of braced building frames of about 10 k, 50 k, 200 k and 1 M DOF:
# Cicada (`cicada-server run`, release build) against OpenSeesPy (UmfPack, RCM) and PyNite
# (scipy sparse) on the same models in one run (bench/frame_vs_peers.py). PyNite only up to
# 50 k DOF and OpenSees up to 200 k by default (each takes minutes beyond that here).
# Arguments are passed on, e.g. `--sizes 10k,50k`.
set -euo pipefail
cd "$(dirname "$0")/.."
# openseespy's binary links the reference BLAS and LAPACK.
if ! ldconfig -p | grep -q 'libblas.so.3 '; then
    ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo)} apt-get install -y -q libblas3 liblapack3
fi
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet PyNiteFEA==3.2.0 openseespy==3.7.1.2 scipy msgpack
fi
cargo build --release --quiet -p cicada-server
"$VENV/bin/python" bench/frame_vs_peers.py "$@"

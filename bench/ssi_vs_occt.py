"""NURBS intersections: Cicada's `surface_surface` and `curve_surface` against OCCT 7.8's
GeomAPI_IntSS and GeomAPI_IntCS on the same inputs, in one run.

Inputs: the eight pairs of random bicubic sheets (6 x 6 control points) of
tests/data/intersect/occt_ssi.json, each with a cubic through the first sheet
(make_occt_reference.py beside the data). OCCT through OCP (PyPI `cadquery-ocp`
8.0.1.1.0), surfaces built beforehand; Cicada: `cargo run --release --example ssi_bench`
on the same file, the calls alone. Both at the same tolerance (default 1e-7); both must
find the same number of curves and points. OCCT returns each curve as a fitted B-spline
within its tolerance; Cicada a polyline with every point on both sheets and every chord
within the tolerance. Medians of `--repeat` runs; run through bench/run-ssi-vs-occt.sh.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from OCP.GeomAPI import GeomAPI_IntCS, GeomAPI_IntSS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "intersect")
sys.path.insert(0, DATA)
from make_occt_reference import occt_curve, occt_surface  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=1e-7)
    args = ap.parse_args()
    path = os.path.join(DATA, "occt_ssi.json")
    with open(path) as f:
        data = json.load(f)
    binary = os.path.join(ROOT, "target", "release", "examples", "ssi_bench")
    out = subprocess.run([binary, path, str(args.repeat), str(args.tolerance)],
                         check=True, capture_output=True, text=True).stdout
    ours = [json.loads(line) for line in out.splitlines() if line.strip()]
    print(f"tolerance {args.tolerance:g}, medians of {args.repeat}")
    print("pair | curves | OCCT IntSS ms | Cicada ms | ratio | points | OCCT IntCS ms | "
          "Cicada ms | ratio")
    totals = np.zeros(4)
    for k, pair in enumerate(data["pairs"]):
        a, b = occt_surface(pair["a"]), occt_surface(pair["b"])
        curve = occt_curve(pair["curve"])
        ssi, cs = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            inter = GeomAPI_IntSS(a, b, args.tolerance)
            ssi.append(time.perf_counter() - start)
            lines = inter.NbLines()
            start = time.perf_counter()
            hits = GeomAPI_IntCS(curve, a)
            cs.append(time.perf_counter() - start)
            points = hits.NbPoints()
        mine = ours[k]
        if (mine["curves"], mine["hits"]) != (lines, points):
            raise SystemExit(f"pair {k}: Cicada {mine['curves']} curves, {mine['hits']} points; "
                             f"OCCT {lines}, {points}")
        row = [np.median(ssi), mine["ssi_secs"], np.median(cs), mine["cs_secs"]]
        totals += row
        print(f"{k} | {lines} | {row[0] * 1e3:.2f} | {row[1] * 1e3:.2f} | "
              f"{row[1] / row[0]:.2f} | {points} | {row[2] * 1e3:.3f} | {row[3] * 1e3:.3f} | "
              f"{row[3] / row[2]:.2f}")
    print(f"all | | {totals[0] * 1e3:.1f} | {totals[1] * 1e3:.1f} | {totals[1] / totals[0]:.2f} "
          f"| | {totals[2] * 1e3:.2f} | {totals[3] * 1e3:.2f} | {totals[3] / totals[2]:.2f}")


if __name__ == "__main__":
    main()

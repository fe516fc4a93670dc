"""Writes pairs of wavy bicubic B-spline sheets that cross, with OpenCASCADE's
surface-surface intersection of each (tests/data/intersect/occt_ssi.json).

The peer: OCCT 7.8 through OCP (PyPI `cadquery-ocp` 8.0.1.1.0): GeomAPI_IntSS on two
Geom_BSplineSurface at 1e-7, each intersection line's length by GCPnts_AbscissaPoint on
its GeomAdaptor_Curve, and its two ends. The sheets (seeded): A is a height field
z = h(x, y) over [0, 4]², B a sheet x = 2 + g(y, z) standing across it over y in [0, 4],
z in [-1.5, 1.5]; 6 x 6 control points, uniform clamped cubic knots, heights drawn at
random within 0.5 (A) and 0.6 (B), so each pair meets in one or more curves.

Run: python3 -m venv /tmp/occ && /tmp/occ/bin/pip install cadquery-ocp==8.0.1.1.0 numpy
     /tmp/occ/bin/python tests/data/intersect/make_occt_reference.py
"""
import json
import os

import numpy as np
from OCP.GCPnts import GCPnts_AbscissaPoint
from OCP.Geom import Geom_BSplineSurface
from OCP.GeomAdaptor import GeomAdaptor_Curve
from OCP.GeomAPI import GeomAPI_IntSS
from OCP.OCP.collections import Array1_double, Array1_int, Array2_gp_Pnt
from OCP.gp import gp_Pnt

HERE = os.path.dirname(os.path.abspath(__file__))
N = 6
DEGREE = 3
PAIRS = 8


def knots():
    """Full clamped uniform knot vector for N points of DEGREE, and its distinct values
    with multiplicities (OCCT's form)."""
    inner = N - DEGREE - 1
    distinct = [k / (inner + 1) for k in range(inner + 2)]
    mults = [DEGREE + 1] + [1] * inner + [DEGREE + 1]
    full = [d for d, m in zip(distinct, mults) for _ in range(m)]
    return full, distinct, mults


def sheet_a(rng):
    pts = []
    for i in range(N):
        for j in range(N):
            x, y = 4.0 * i / (N - 1), 4.0 * j / (N - 1)
            pts.append([x, y, rng.uniform(-0.5, 0.5)])
    return pts


def sheet_b(rng):
    pts = []
    for i in range(N):
        for j in range(N):
            y, z = 4.0 * i / (N - 1), -1.5 + 3.0 * j / (N - 1)
            pts.append([2.0 + rng.uniform(-0.6, 0.6), y, z])
    return pts


def occt_surface(pts):
    _, distinct, mults = knots()
    poles = Array2_gp_Pnt(1, N, 1, N)
    for i in range(N):
        for j in range(N):
            poles.SetValue(i + 1, j + 1, gp_Pnt(*pts[i * N + j]))
    k = Array1_double(1, len(distinct))
    m = Array1_int(1, len(mults))
    for idx, (d, mu) in enumerate(zip(distinct, mults)):
        k.SetValue(idx + 1, d)
        m.SetValue(idx + 1, mu)
    return Geom_BSplineSurface(poles, k, k, m, m, DEGREE, DEGREE)


def main():
    rng = np.random.default_rng(17)
    full, _, _ = knots()
    out = {"source": "OCCT 7.8 GeomAPI_IntSS (OCP, PyPI cadquery-ocp 8.0.1.1.0) at 1e-7; "
                     "script make_occt_reference.py",
           "degree": DEGREE, "count": N, "knots": full, "pairs": []}
    for _ in range(PAIRS):
        a, b = sheet_a(rng), sheet_b(rng)
        inter = GeomAPI_IntSS(occt_surface(a), occt_surface(b), 1e-7)
        if not inter.IsDone():
            raise SystemExit("GeomAPI_IntSS failed")
        curves = []
        for k in range(1, inter.NbLines() + 1):
            c = inter.Line(k)
            adaptor = GeomAdaptor_Curve(c)
            length = GCPnts_AbscissaPoint.Length_s(adaptor)
            p0, p1 = c.Value(c.FirstParameter()), c.Value(c.LastParameter())
            curves.append({"length": length,
                           "ends": [[p0.X(), p0.Y(), p0.Z()], [p1.X(), p1.Y(), p1.Z()]]})
        print(f"pair {len(out['pairs'])}: {len(curves)} curves, lengths "
              f"{[round(c['length'], 6) for c in curves]}")
        out["pairs"].append({"a": a, "b": b, "occt_curves": curves})
    with open(os.path.join(HERE, "occt_ssi.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

"""Writes pairs of wavy bicubic B-spline sheets that cross, with OpenCASCADE's
surface-surface intersection of each, and cubic B-spline curves that wander through the
first sheet of each pair, with OpenCASCADE's curve-surface intersection points
(tests/data/intersect/occt_ssi.json).

The peer: OCCT 7.8 through OCP (PyPI `cadquery-ocp` 8.0.1.1.0): GeomAPI_IntSS on two
Geom_BSplineSurface at 1e-7, each intersection line's length by GCPnts_AbscissaPoint on
its GeomAdaptor_Curve, and its two ends. The sheets (seeded): A is a height field
z = h(x, y) over [0, 4]², B a sheet x = 2 + g(y, z) standing across it over y in [0, 4],
z in [-1.5, 1.5]; 6 x 6 control points, uniform clamped cubic knots, heights drawn at
random within 0.5 (A) and 0.6 (B), so each pair meets in one or more curves. The curves:
7 control points from x = 0.3 to 3.7 at random y, z alternating about ±0.8, uniform
clamped cubic knots; GeomAPI_IntCS gives each crossing's point and parameters (U, V on
the sheet, W on the curve).

Run: python3 -m venv /tmp/occ && /tmp/occ/bin/pip install cadquery-ocp==8.0.1.1.0 numpy
     /tmp/occ/bin/python tests/data/intersect/make_occt_reference.py
"""
import json
import os

import numpy as np
from OCP.GCPnts import GCPnts_AbscissaPoint
from OCP.Geom import Geom_BSplineSurface
from OCP.GeomAdaptor import GeomAdaptor_Curve
from OCP.GeomAPI import GeomAPI_IntCS, GeomAPI_IntSS
from OCP.Geom import Geom_BSplineCurve
from OCP.OCP.collections import Array1_double, Array1_gp_Pnt, Array1_int, Array2_gp_Pnt
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


CURVE_POINTS = 7


def curve_knots():
    inner = CURVE_POINTS - DEGREE - 1
    distinct = [k / (inner + 1) for k in range(inner + 2)]
    mults = [DEGREE + 1] + [1] * inner + [DEGREE + 1]
    return [d for d, m in zip(distinct, mults) for _ in range(m)], distinct, mults


def wandering_curve(rng):
    pts = []
    for k in range(CURVE_POINTS):
        x = 0.3 + 3.4 * k / (CURVE_POINTS - 1)
        z = (0.8 if k % 2 == 0 else -0.8) + rng.uniform(-0.2, 0.2)
        pts.append([x, rng.uniform(0.5, 3.5), z])
    return pts


def occt_curve(pts):
    _, distinct, mults = curve_knots()
    poles = Array1_gp_Pnt(1, len(pts))
    for i, p in enumerate(pts):
        poles.SetValue(i + 1, gp_Pnt(*p))
    k = Array1_double(1, len(distinct))
    m = Array1_int(1, len(mults))
    for idx, (d, mu) in enumerate(zip(distinct, mults)):
        k.SetValue(idx + 1, d)
        m.SetValue(idx + 1, mu)
    return Geom_BSplineCurve(poles, k, m, DEGREE)


def main():
    rng = np.random.default_rng(17)
    full, _, _ = knots()
    out = {"source": "OCCT 7.8 GeomAPI_IntSS (OCP, PyPI cadquery-ocp 8.0.1.1.0) at 1e-7; "
                     "script make_occt_reference.py",
           "degree": DEGREE, "count": N, "knots": full, "curve_knots": curve_knots()[0],
           "pairs": []}
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
        curve = wandering_curve(rng)
        cs = GeomAPI_IntCS(occt_curve(curve), occt_surface(a))
        if not cs.IsDone() or cs.NbSegments() != 0:
            raise SystemExit("GeomAPI_IntCS failed or found a tangential segment")
        hits = []
        for k in range(1, cs.NbPoints() + 1):
            u, v, w = cs.Parameters(k)
            p = cs.Point(k)
            hits.append({"point": [p.X(), p.Y(), p.Z()], "u": u, "v": v, "w": w})
        hits.sort(key=lambda h: h["w"])
        print(f"  curve through a: {len(hits)} points")
        out["pairs"].append({"a": a, "b": b, "occt_curves": curves, "curve": curve,
                             "occt_curve_points": hits})
    with open(os.path.join(HERE, "occt_ssi.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

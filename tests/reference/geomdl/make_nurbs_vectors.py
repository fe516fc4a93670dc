#!/usr/bin/env python3
"""Reference values for NURBS evaluation, from geomdl (an independent implementation).

Writes nurbs_vectors.json beside this script: curves and surfaces (polynomial and rational,
clamped and unclamped knot vectors, one far from the origin) with points and derivatives up
to second order at parameters spread over each domain. cicada-geom's tests compare against
it to 1e-9 relative.

    python3 -m venv venv && venv/bin/pip install geomdl==5.4.0
    venv/bin/python make_nurbs_vectors.py
"""
import json
import math
import os

from geomdl import NURBS

HERE = os.path.dirname(os.path.abspath(__file__))


def homogeneous(points, weights):
    return [[x * w, y * w, z * w, w] for (x, y, z), w in zip(points, weights)]


def shifted(points, offset):
    return [[x - offset[0], y - offset[1], z - offset[2]] for x, y, z in points]


def unshift(ders, offset):
    """Derivatives are translation-invariant; only the point moves back."""
    ders[0] = [ders[0][i] + offset[i] for i in range(3)]
    return ders


# Far-from-origin cases are evaluated by geomdl about `offset` and shifted back: in absolute
# coordinates at 500 km, f64 cancellation in sum(N'_i P_i) costs geomdl ~1e-9, the size of
# the tolerance being tested.
def curve_case(name, degree, points, weights, knots, samples=17, offset=(0.0, 0.0, 0.0)):
    c = NURBS.Curve(normalize_kv=False)
    c.degree = degree
    c.ctrlptsw = homogeneous(shifted(points, offset), weights)
    c.knotvector = knots
    lo, hi = knots[degree], knots[len(points)]
    evals = []
    for i in range(samples):
        t = lo + (hi - lo) * i / (samples - 1)
        ders = unshift([list(map(float, d)) for d in c.derivatives(t, order=2)], offset)
        evals.append({"t": t, "derivatives": ders})
    return {"name": name, "degree": degree, "points": points, "weights": weights,
            "knots": knots, "evaluations": evals}


def surface_case(name, degree_u, degree_v, count_u, count_v, points, weights, knots_u, knots_v, n=7,
                 offset=(0.0, 0.0, 0.0)):
    s = NURBS.Surface(normalize_kv=False)
    s.degree_u, s.degree_v = degree_u, degree_v
    s.ctrlpts_size_u, s.ctrlpts_size_v = count_u, count_v
    s.ctrlptsw = homogeneous(shifted(points, offset), weights)
    s.knotvector_u, s.knotvector_v = knots_u, knots_v
    ulo, uhi = knots_u[degree_u], knots_u[count_u]
    vlo, vhi = knots_v[degree_v], knots_v[count_v]
    evals = []
    for i in range(n):
        for j in range(n):
            u = ulo + (uhi - ulo) * i / (n - 1)
            v = vlo + (vhi - vlo) * j / (n - 1)
            skl = s.derivatives(u, v, order=2)
            ders = [[list(map(float, skl[k][l])) for l in range(3 - k)] for k in range(3)]
            ders[0][0] = [ders[0][0][i] + offset[i] for i in range(3)]
            evals.append({"u": u, "v": v, "derivatives": ders})
    return {"name": name, "degree_u": degree_u, "degree_v": degree_v, "count_u": count_u,
            "count_v": count_v, "points": points, "weights": weights, "knots_u": knots_u,
            "knots_v": knots_v, "evaluations": evals}


def main():
    w = math.sqrt(0.5)
    circle = [[1, 0, 0], [1, 1, 0], [0, 1, 0], [-1, 1, 0], [-1, 0, 0], [-1, -1, 0], [0, -1, 0], [1, -1, 0], [1, 0, 0]]
    curves = [
        curve_case("cubic clamped, non-uniform", 3,
                   [[0, 0, 0], [1, 2, 0], [3, 3, 1], [4, 1, 2], [6, 0, 1], [7, 2, 0]], [1] * 6,
                   [0, 0, 0, 0, 0.2, 0.7, 1, 1, 1, 1]),
        curve_case("rational quadratic circle, radius 1", 2, circle, [1, w, 1, w, 1, w, 1, w, 1],
                   [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1]),
        curve_case("rational quartic, far from origin", 4,
                   [[500000 + x, 4100000 + y, z] for x, y, z in
                    [[0, 0, 0], [2, 3, 1], [5, 1, 2], [7, 4, 0], [9, 2, 3], [12, 0, 1], [13, 5, 2]]],
                   [1, 0.5, 2, 1.5, 0.8, 1.2, 1], [0, 0, 0, 0, 0, 1.5, 3, 4, 4, 4, 4, 4],
                   offset=(500000.0, 4100000.0, 0.0)),
        curve_case("cubic unclamped, uniform knots (periodic form)", 3,
                   [[0, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 1], [0, 0, 0], [2, 0, 0], [2, 2, 0]], [1] * 7,
                   [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        curve_case("degree 1 polyline with a double knot", 1,
                   [[0, 0, 0], [1, 0, 0], [1, 1, 0], [2, 1, 1]], [1, 2, 1, 1], [0, 0, 1, 2, 3, 3]),
    ]
    # A bicubic patch with a non-uniform u knot vector.
    pts = []
    for i in range(5):
        for j in range(4):
            pts.append([i * 2.0, j * 1.5, math.sin(i) * math.cos(j) * 2.0])
    # A rational biquadratic: a quarter of a torus-like surface, with weights.
    tpts, tws = [], []
    ring = [[1, 0], [1, 1], [0, 1]]
    for i, (cu, su) in enumerate(ring):
        for j, (cv, sv) in enumerate(ring):
            r = 4 + cv
            tpts.append([r * cu, r * su, sv])
            tws.append((w if i == 1 else 1) * (w if j == 1 else 1))
    # Unclamped in v, clamped in u, rational, far from origin.
    fpts, fws = [], []
    for i in range(4):
        for j in range(5):
            fpts.append([500000 + i * 3.0, 4100000 + j * 2.0, (i - 1.5) ** 2 - (j - 2) ** 2 * 0.5])
            fws.append(1 + 0.25 * ((i + j) % 3))
    surfaces = [
        surface_case("bicubic, non-uniform u", 3, 3, 5, 4, pts, [1] * 20,
                     [0, 0, 0, 0, 0.4, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]),
        surface_case("rational biquadratic torus patch", 2, 2, 3, 3, tpts, tws,
                     [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]),
        surface_case("rational, unclamped v, far from origin", 2, 3, 4, 5, fpts, fws,
                     [0, 0, 0, 0.5, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8],
                     offset=(500000.0, 4100000.0, 0.0)),
    ]
    with open(os.path.join(HERE, "nurbs_vectors.json"), "w") as f:
        json.dump({"source": "geomdl 5.4.0 (NURBS.Curve/Surface.derivatives), by make_nurbs_vectors.py",
                   "curves": curves, "surfaces": surfaces}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

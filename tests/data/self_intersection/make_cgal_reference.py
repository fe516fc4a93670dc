"""Writes meshes that touch and cross themselves, with CGAL's self-intersecting face
pairs for each (tests/data/self_intersection/cases.json), for reference case I7.

The peer: CGAL 6.0.1 through its SWIG bindings (PyPI `cgal`), Polygon_mesh_processing::
self_intersections on a Polyhedron_3 (exact predicates): every pair of faces that meets
other than in the vertices and edges it shares. The meshes (seeded, welded: no two
vertices at one point; every face a triangle, every mesh manifold, as Polyhedron_3 needs):

- crumpled: an icosphere (3 subdivisions, 1 280 triangles) with its vertices moved at
  random along and across the radius until it folds through itself;
- two_spheres: two icospheres (2 subdivisions) overlapping by a third of their radius;
- fold: a strip of triangles in z = 0 whose last triangle folds back over its neighbour
  across their shared edge (coplanar, same side);
- spiral_fan: a fan of coplanar triangles about one vertex that winds past a full turn,
  so its first and last triangles overlap sharing only that vertex;
- tip_on_plate: a tetrahedron whose tip lies exactly on a square plate's face, and a
  second whose edge lies in it (touching, no shared vertex).

Run: python3 -m venv /tmp/cgal && /tmp/cgal/bin/pip install cgal==6.0.1.post202410241521 numpy
     /tmp/cgal/bin/python tests/data/self_intersection/make_cgal_reference.py
"""
import json
import math
import os

import numpy as np
from CGAL import CGAL_Polygon_mesh_processing as pmp
from CGAL.CGAL_Kernel import Point_3
from CGAL.CGAL_Polyhedron_3 import Polyhedron_3, Polyhedron_modifier

HERE = os.path.dirname(os.path.abspath(__file__))


def icosphere(levels, centre=(0.0, 0.0, 0.0), radius=1.0):
    t = (1.0 + 5.0 ** 0.5) / 2.0
    verts = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t),
             (0, -1, -t), (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    verts = [np.array(v, float) / np.linalg.norm(v) for v in verts]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4),
             (11, 10, 2), (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8),
             (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    for _ in range(levels):
        cache = {}

        def mid(a, b):
            key = (min(a, b), max(a, b))
            if key not in cache:
                m = verts[a] + verts[b]
                verts.append(m / np.linalg.norm(m))
                cache[key] = len(verts) - 1
            return cache[key]

        new = []
        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            new += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = new
    pts = [list(np.array(centre) + radius * v) for v in verts]
    return pts, [list(f) for f in faces]


def crumpled(rng):
    pts, faces = icosphere(3)
    out = []
    for p in pts:
        p = np.array(p)
        r = 1.0 + rng.uniform(-0.25, 0.25)
        out.append(list(p * r + rng.normal(scale=0.06, size=3)))
    return out, faces


def two_spheres():
    a, fa = icosphere(2, (0.0, 0.0, 0.0), 1.0)
    b, fb = icosphere(2, (1.7, 0.2, 0.1), 1.0)
    n = len(a)
    return a + b, fa + [[i + n for i in f] for f in fb]


def fold():
    # A strip along x in z = 0; the last triangle (5, 4, 6) shares edge 4-5 with (3, 5, 4)
    # and its third vertex 6 lies back on 3's side: it folds over its neighbour.
    pts = [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0], [2, 0, 0], [2, 1, 0], [1.5, 0.25, 0]]
    faces = [[0, 2, 1], [1, 2, 3], [2, 4, 3], [3, 4, 5], [5, 4, 6]]
    return pts, faces


def spiral_fan():
    # Apex 0 at the origin; rim points every 100 degrees on growing radii, six triangles:
    # the sixth (500 to 600 degrees, i.e. 140 to 240) overlaps the second (100 to 200).
    pts = [[0.0, 0.0, 0.0]]
    for k in range(7):
        a = math.radians(100 * k)
        r = 1.0 + 0.1 * k
        pts.append([r * math.cos(a), r * math.sin(a), 0.0])
    faces = [[0, k + 1, k + 2] for k in range(6)]
    return pts, faces


def tip_on_plate():
    # Plate: the square [0, 4]² in z = 0, four triangles about its centre (vertex 4).
    pts = [[0, 0, 0], [4, 0, 0], [4, 4, 0], [0, 4, 0], [2, 2, 0]]
    faces = [[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4]]
    # A tetrahedron standing on its tip at (1, 2, 0), inside face [3, 0, 4].
    n = len(pts)
    pts += [[1, 2, 0], [0.5, 1.5, 1], [1.5, 1.5, 1], [1, 2.5, 1]]
    faces += [[n, n + 2, n + 1], [n, n + 3, n + 2], [n, n + 1, n + 3], [n + 1, n + 2, n + 3]]
    # A tetrahedron lying on its edge from (3, 1.5, 0) to (3, 2.5, 0) (crossing the
    # plate's diagonal edges and faces), its other two corners above.
    m = len(pts)
    pts += [[3, 1.5, 0], [3, 2.5, 0], [2.6, 2, 1], [3.4, 2, 1]]
    faces += [[m, m + 1, m + 2], [m, m + 3, m + 1], [m, m + 2, m + 3], [m + 1, m + 3, m + 2]]
    return pts, faces


def cgal_pairs(pts, faces):
    m = Polyhedron_modifier()
    m.begin_surface(len(pts), len(faces))
    for p in pts:
        m.add_vertex(Point_3(*[float(c) for c in p]))
    for f in faces:
        m.begin_facet()
        for i in f:
            m.add_vertex_to_facet(i)
        m.end_facet()
    m.end_surface()
    poly = Polyhedron_3()
    poly.delegate(m)
    if poly.size_of_facets() != len(faces):
        raise SystemExit(f"CGAL built {poly.size_of_facets()} of {len(faces)} faces")
    for k, f in enumerate(poly.facets()):
        f.set_id(k)
    out = []
    pmp.self_intersections(poly, out)
    return sorted({tuple(sorted((p[0].id(), p[1].id()))) for p in out})


def main():
    rng = np.random.default_rng(7)
    cases = {
        "crumpled": crumpled(rng),
        "two_spheres": two_spheres(),
        "fold": fold(),
        "spiral_fan": spiral_fan(),
        "tip_on_plate": tip_on_plate(),
    }
    out = {"source": "CGAL 6.0.1 Polygon_mesh_processing::self_intersections (PyPI cgal "
                     "6.0.1.post202410241521), Polyhedron_3, script make_cgal_reference.py",
           "cases": []}
    for name, (pts, faces) in cases.items():
        pairs = cgal_pairs(pts, faces)
        print(f"{name}: {len(faces)} faces, {len(pairs)} intersecting pairs")
        out["cases"].append({"name": name, "positions": [[float(c) for c in p] for p in pts],
                             "faces": faces, "cgal_pairs": [list(p) for p in pairs]})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()

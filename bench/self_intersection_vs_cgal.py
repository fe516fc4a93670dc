"""Mesh self-intersections: Cicada's `mesh::self_intersections` against CGAL's
`Polygon_mesh_processing::self_intersections` on the same meshes, in one run.

Meshes: icospheres of 5, 6 and 7 subdivisions (20 k, 82 k and 328 k triangles) crumpled by
moving each vertex at random by up to 0.6 of an edge along and across the surface (seeded),
so that they fold through themselves in many places. CGAL 6.0.1 (PyPI `cgal`, exact
predicates) on a Polyhedron_3 built beforehand; Cicada: `cargo run --release --example
self_intersections` on the same OFF file, the call alone. Both must find the same number of
pairs. Medians of `--repeat` runs; run through bench/run-self-intersection-vs-cgal.sh.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from CGAL import CGAL_Polygon_mesh_processing as pmp
from CGAL.CGAL_Kernel import Point_3
from CGAL.CGAL_Polyhedron_3 import Polyhedron_3, Polyhedron_modifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "self_intersection"))
from make_cgal_reference import icosphere  # noqa: E402


def crumpled(levels, seed=11):
    pts, faces = icosphere(levels)
    pts = np.array(pts)
    edge = np.linalg.norm(pts[faces[0][0]] - pts[faces[0][1]])
    rng = np.random.default_rng(seed)
    return pts + rng.uniform(-0.6, 0.6, size=pts.shape) * edge, faces


def run_cgal(pts, faces, repeat):
    m = Polyhedron_modifier()
    m.begin_surface(len(pts), len(faces))
    for p in pts:
        m.add_vertex(Point_3(*map(float, p)))
    for f in faces:
        m.begin_facet()
        for i in f:
            m.add_vertex_to_facet(int(i))
        m.end_facet()
    m.end_surface()
    poly = Polyhedron_3()
    poly.delegate(m)
    times, count = [], 0
    for _ in range(repeat):
        out = []
        start = time.perf_counter()
        pmp.self_intersections(poly, out)
        times.append(time.perf_counter() - start)
        count = len(out)
    return float(np.median(times)), count


def run_cicada(pts, faces, repeat, binary):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mesh.off")
        with open(path, "w") as f:
            f.write(f"OFF\n{len(pts)} {len(faces)} 0\n")
            f.writelines(" ".join(repr(float(c)) for c in p) + "\n" for p in pts)
            f.writelines(f"3 {a} {b} {c}\n" for a, b, c in faces)
        out = subprocess.run([binary, path, str(repeat)], capture_output=True, text=True,
                             check=True)
    r = json.loads(out.stdout)
    return r["secs"], r["pairs"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="5,6,7")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/examples/"
                                                            "self_intersections"))
    args = ap.parse_args()
    print(f"{'triangles':>10} | {'CGAL':>8} {'pairs':>7} | {'Cicada':>8} {'pairs':>7} | "
          f"{'CGAL ÷ Cicada':>13}")
    for levels in [int(x) for x in args.levels.split(",")]:
        pts, faces = crumpled(levels)
        cgal, cgal_pairs = run_cgal(pts, faces, args.repeat)
        ours, our_pairs = run_cicada(pts, faces, args.repeat, args.binary)
        if cgal_pairs != our_pairs:
            print(f"pair counts differ: CGAL {cgal_pairs}, Cicada {our_pairs}", file=sys.stderr)
        print(f"{len(faces):>10} | {cgal:>7.3f}s {cgal_pairs:>7} | {ours:>7.3f}s {our_pairs:>7} | "
              f"{cgal / ours:>12.1f}×", flush=True)


if __name__ == "__main__":
    sys.exit(main())

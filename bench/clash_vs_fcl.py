"""Clash detection: Cicada against FCL on the same random scenes, in one run.

Scenes of convex objects (rotated boxes, icospheres of 320 triangles, 32-sided cylinders)
at random in a volume sized to keep the density of the 500-object scene: 500 objects
(about 75 k triangles) and 10 000 objects (about 1.5 M). FCL: python-fcl through trimesh's
CollisionManager (the set-up of the issue's anchor: about 0.16 s to build 500 objects /
67 k triangles and 1.6 ms to query on this machine): `add_object` for each (build), then
`in_collision_internal` (query). Cicada: `cicada-server run` on the same scene as a `clash`
job (hard clashes at tolerance 0, containment on: FCL's convex solids report an object
inside another as colliding too); `prepare` is building each object's hierarchy and
tables, `query` is the broad and narrow phases, both from the job's own stats; `wall` is
the whole process (reading the JSON job included). Prints one table; run through
bench/run-clash-vs-fcl.sh.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import trimesh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DENSITY = 500 / (40.0 * 40.0 * 8.0)  # objects per cubic metre of the 500-object scene


def random_rotation(rng):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def scene(n, seed=7):
    rng = np.random.default_rng(seed)
    side = (n / DENSITY / 8.0) ** 0.5
    extent = np.array([side, side, 8.0])
    sphere = trimesh.creation.icosphere(subdivisions=2)
    out = []
    for k in range(n):
        kind = k % 3
        if kind == 0:
            m = trimesh.creation.box(extents=rng.uniform(0.2, 3.0, size=3))
        elif kind == 1:
            m = sphere.copy()
            m.vertices *= rng.uniform(0.2, 1.0)
        else:
            m = trimesh.creation.cylinder(radius=rng.uniform(0.05, 0.4),
                                          height=rng.uniform(1.0, 4.0), sections=32)
        v = np.round(m.vertices @ random_rotation(rng).T + rng.uniform(0, 1, 3) * extent, 9)
        out.append(trimesh.Trimesh(vertices=v, faces=m.faces, process=False))
    return out


def run_fcl(objects):
    # Convexity is a property of the meshes; compute it before the clock as trimesh caches it.
    for m in objects:
        _ = m.is_convex
    start = time.perf_counter()
    manager = trimesh.collision.CollisionManager()
    for k, m in enumerate(objects):
        manager.add_object(str(k), m)
    build = time.perf_counter() - start
    start = time.perf_counter()
    _, pairs = manager.in_collision_internal(return_names=True)
    query = time.perf_counter() - start
    return dict(build=build, query=query, pairs=len(pairs))


def run_cicada(objects, binary):
    meshes = [{"id": str(k), "vertices": m.vertices.tolist(), "faces": m.faces.tolist()}
              for k, m in enumerate(objects)]
    job = {"protocol": 1, "kind": "clash", "params": {"hard_tolerance": 0.0},
           "inputs": {"scene": {"inline": {"units": "meters", "tolerance": 1e-6,
                                           "meshes": meshes}}}}
    with tempfile.TemporaryDirectory() as d:
        path, out = os.path.join(d, "job.json"), os.path.join(d, "out.json")
        with open(path, "w") as f:
            json.dump(job, f)
        start = time.perf_counter()
        p = subprocess.run([binary, "run", path, "--out", out], capture_output=True, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        with open(out) as f:
            r = json.load(f)["output"]["clash"]
    s = r["stats"]
    return dict(prepare=s["prepare_secs"], query=s["broad_secs"] + s["narrow_secs"], wall=wall,
                pairs=r["counts"]["hard"] + r["counts"]["containment"],
                candidates=s["candidate_pairs"], triangles=s["triangles"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/cicada-server"))
    args = ap.parse_args()
    print(f"{'objects':>8} {'triangles':>10} | {'FCL build':>9} {'query':>8} {'pairs':>6} | "
          f"{'Cicada prep':>11} {'query':>8} {'wall':>7} {'pairs':>6} | {'FCL ÷ Cicada':>12}")
    for n in [int(x) for x in args.sizes.split(",")]:
        objects = scene(n)
        fcl_runs = [run_fcl(objects) for _ in range(args.repeat)]
        cic_runs = [run_cicada(objects, args.binary) for _ in range(args.repeat)]
        med = lambda runs, key: float(np.median([r[key] for r in runs]))  # noqa: E731
        f_total = med(fcl_runs, "build") + med(fcl_runs, "query")
        c_total = med(cic_runs, "prepare") + med(cic_runs, "query")
        print(f"{n:>8} {cic_runs[0]['triangles']:>10} | {med(fcl_runs, 'build'):>8.3f}s "
              f"{med(fcl_runs, 'query') * 1e3:>6.1f}ms {fcl_runs[0]['pairs']:>6} | "
              f"{med(cic_runs, 'prepare'):>10.3f}s {med(cic_runs, 'query') * 1e3:>6.1f}ms "
              f"{med(cic_runs, 'wall'):>6.2f}s {cic_runs[0]['pairs']:>6} | "
              f"{f_total / c_total:>11.1f}×", flush=True)


if __name__ == "__main__":
    sys.exit(main())

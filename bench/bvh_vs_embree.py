#!/usr/bin/env python3
"""BVH build and ray throughput: Cicada's BVH and Embree (embreex) on the same triangles and
rays, in one run, one core each for the ray queries.

The scene is a city block field: a ground grid plus random boxes (12 triangles each), sized to
about N triangles; rays are half "camera" rays from above towards random ground points and half
shadow rays from ground points towards a fixed sun direction. Both engines read the same
arrays; Cicada through the bvh_bench example (release build).

    bench/run-bvh-vs-embree.sh            # sets up target/bench-venv and runs this
"""
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
from embreex import rtcore_scene as rtcs
from embreex.mesh_construction import TriangleMesh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def city(n_triangles, rng, side=1000.0):
    g = 40  # ground grid cells per side: 2·g² triangles
    xs = np.linspace(0, side, g + 1)
    tris = []
    for i in range(g):
        for j in range(g):
            a = [xs[i], xs[j], 0.0]; b = [xs[i + 1], xs[j], 0.0]
            c = [xs[i + 1], xs[j + 1], 0.0]; d = [xs[i], xs[j + 1], 0.0]
            tris += [[a, b, c], [a, c, d]]
    n_boxes = max(1, (n_triangles - len(tris)) // 12)
    lo = rng.uniform(0, side - 20, size=(n_boxes, 2))
    size = rng.uniform(2, 20, size=(n_boxes, 2))
    height = rng.gamma(2.0, 8.0, size=n_boxes) + 3
    corners = np.array([[x, y, z] for z in (0, 1) for y in (0, 1) for x in (0, 1)], dtype=float)
    faces = [(0, 2, 3), (0, 3, 1), (4, 5, 7), (4, 7, 6), (0, 1, 5), (0, 5, 4),
             (2, 6, 7), (2, 7, 3), (0, 4, 6), (0, 6, 2), (1, 3, 7), (1, 7, 5)]
    boxes = np.empty((n_boxes, 12, 3, 3))
    for k in range(n_boxes):
        v = corners * [size[k, 0], size[k, 1], height[k]] + [lo[k, 0], lo[k, 1], 0.0]
        boxes[k] = v[np.array(faces)]
    return np.concatenate([np.array(tris), boxes.reshape(-1, 3, 3)])


def rays(n, rng):
    half = n // 2
    target = np.column_stack([rng.uniform(0, 1000, half), rng.uniform(0, 1000, half), np.zeros(half)])
    origin = np.column_stack([rng.uniform(-200, 1200, half), rng.uniform(-200, 1200, half),
                              rng.uniform(150, 400, half)])
    d1 = target - origin
    d1 /= np.linalg.norm(d1, axis=1)[:, None]
    ground = np.column_stack([rng.uniform(0, 1000, n - half), rng.uniform(0, 1000, n - half),
                              np.full(n - half, 0.05)])
    sun = np.array([0.4, -0.3, 0.6])
    d2 = np.tile(sun / np.linalg.norm(sun), (n - half, 1))
    return np.concatenate([origin, ground]), np.concatenate([d1, d2])


def embree(tris, origins, dirs):
    t = time.perf_counter()
    scene = rtcs.EmbreeScene()
    TriangleMesh(scene, tris.astype(np.float32))
    # Embree builds lazily on the first query; a one-ray query commits the scene.
    scene.run(origins[:1].astype(np.float32), dirs[:1].astype(np.float32))
    build = time.perf_counter() - t
    o, d = origins.astype(np.float32), dirs.astype(np.float32)
    closest, any_ = [], []
    for _ in range(3):
        t = time.perf_counter()
        ids = scene.run(o, d)
        closest.append(time.perf_counter() - t)
        t = time.perf_counter()
        occ = scene.run(o, d, query="OCCLUDED")
        any_.append(time.perf_counter() - t)
    c, a = sorted(closest)[1], sorted(any_)[1]
    return {"build_secs": build, "closest_rays_per_sec": len(o) / c, "any_rays_per_sec": len(o) / a,
            "hits": int((ids >= 0).sum()), "occluded": int((np.asarray(occ) >= 0).sum() if np.asarray(occ).dtype != bool else np.asarray(occ).sum())}


def main():
    sizes = [int(s) for s in (sys.argv[1:] or ["100000", "1000000"])]
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "cicada-geom", "--example", "bvh_bench"],
                   cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "bvh_bench")
    print(f"{'triangles':>10} {'engine':>8} {'build s':>9} {'closest Mrays/s':>16} {'any Mrays/s':>12} {'hits':>8}")
    for n in sizes:
        rng = np.random.default_rng(n)
        tris = city(n, rng)
        origins, dirs = rays(1_000_000, rng)
        path = os.path.join(ROOT, "target", f"bvh-bench-{n}.bin")
        with open(path, "wb") as f:
            f.write(struct.pack("<QQ", len(tris), len(origins)))
            f.write(tris.astype("<f8").tobytes())
            f.write(origins.astype("<f8").tobytes())
            f.write(dirs.astype("<f8").tobytes())
        ours = json.loads(subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout)
        theirs = embree(tris, origins, dirs)
        for name, r in (("cicada", ours), ("embree", theirs)):
            print(f"{len(tris):>10} {name:>8} {r['build_secs']:>9.3f} {r['closest_rays_per_sec'] / 1e6:>16.2f} "
                  f"{r['any_rays_per_sec'] / 1e6:>12.2f} {r['hits']:>8}")
        print(f"{'':>10} {'ratio':>8} {ours['build_secs'] / theirs['build_secs']:>9.2f}x "
              f"{ours['closest_rays_per_sec'] / theirs['closest_rays_per_sec']:>15.2f}x "
              f"{ours['any_rays_per_sec'] / theirs['any_rays_per_sec']:>11.2f}x  (cicada / embree; build: time)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Embree (embreex) on the rays of the GPU check, beside the backends' own times.

`gpu_check` with CICADA_RAYS_DUMP=DIR writes each city's triangles, each test's rays, the cpu
backend's answers and every backend's time to DIR (manifest.tsv names them). This script
builds an Embree scene of the same triangles (f32, as every backend gets them), traces the
same rays on every core (embreex traces one ray at a time on one thread, so the rays are
split among forked processes that share the committed scene), counts the rays whose answer
differs from the cpu backend's (blocked or not for shadow rays, the hit triangle for
closest hits) and prints each backend's rate as a multiple of Embree's.

    python3 bench/embree_rays.py DIR [PROCESSES]     # scripts/gpu-check.sh runs it
"""
import mmap
import os
import sys
import time

import numpy as np
from embreex import rtcore_scene as rtcs
from embreex.mesh_construction import TriangleMesh

NONE = 0xFFFF_FFFF  # the backends' "no hit"


def read_manifest(folder):
    scenes, tests, times = {}, [], {}
    with open(os.path.join(folder, "manifest.tsv")) as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            if row[0] == "scene":
                scenes[row[1]] = int(row[2])
            elif row[0] == "rays":
                tests.append({"stem": row[1], "scene": row[2], "kind": row[3], "query": row[4],
                              "count": int(row[5])})
            elif row[0] == "time":
                times.setdefault(row[1], []).append((row[2], float(row[3]), row[4]))
    return scenes, tests, times


def trace(scene, origins, directions, query, processes):
    """Hit triangle per ray (NONE for none), traced by `processes` forked workers."""
    n = len(origins)
    shared = mmap.mmap(-1, max(4 * n, 4))
    out = np.frombuffer(shared, dtype=np.uint32, count=n)
    bounds = np.linspace(0, n, processes + 1).astype(int)
    pids = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                o, d = origins[lo:hi], directions[lo:hi]
                if query == "any":
                    hit = np.asarray(scene.run(o, d, query="OCCLUDED"))
                    # Some embreex versions give a bool, others the geometry id (−1: clear).
                    blocked = hit if hit.dtype == bool else hit >= 0
                    out[lo:hi] = np.where(blocked, 0, NONE)
                else:
                    ids = np.asarray(scene.run(o, d))
                    out[lo:hi] = np.where(ids >= 0, ids, NONE).astype(np.uint32)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise RuntimeError(f"an Embree worker failed (status {status})")
    return out.copy()


def main():
    folder = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    scenes, tests, times = read_manifest(folder)
    print(f"\n== Embree (embreex) on the same rays, {processes} processes")
    print(f"{'test':<20} {'engine':<8} {'secs':>9} {'Mrays/s':>10} {'differ':>8} {'× embree':>9}")
    built = {}
    for test in tests:
        name = test["scene"]
        if name not in built:
            tris = np.fromfile(os.path.join(folder, f"{name}.tris"), dtype="<f4")
            tris = tris.reshape(scenes[name], 3, 3)
            t = time.perf_counter()
            scene = rtcs.EmbreeScene()
            TriangleMesh(scene, tris)
            # Embree builds on the first query; one ray commits the scene before the fork.
            scene.run(np.zeros((1, 3), np.float32), np.array([[0, 0, 1]], np.float32))
            print(f"{name}: {len(tris)} triangles, Embree build {time.perf_counter() - t:.2f} s")
            built = {name: scene}
        rays = np.fromfile(os.path.join(folder, f"{test['stem']}.rays"), dtype="<f4")
        rays = rays.reshape(test["count"], 6)
        origins, directions = np.ascontiguousarray(rays[:, :3]), np.ascontiguousarray(rays[:, 3:])
        trace(built[name], origins[:10_000], directions[:10_000], test["query"], processes)
        t = time.perf_counter()
        ours = trace(built[name], origins, directions, test["query"], processes)
        secs = time.perf_counter() - t
        cpu = np.fromfile(os.path.join(folder, f"{test['stem']}.hits"), dtype="<u4")
        if test["query"] == "any":
            differ = int(((cpu == NONE) != (ours == NONE)).sum())
        else:
            differ = int((cpu != ours).sum())
        label = test["stem"]
        print(f"{label:<20} {'embree':<8} {secs:>9.3f} {test['count'] / secs / 1e6:>10.1f} {differ:>8} {1.0:>8.2f}×")
        for backend, their_secs, device in times.get(test["stem"], []):
            rate = test["count"] / their_secs / 1e6
            print(f"{label:<20} {backend:<8} {their_secs:>9.3f} {rate:>10.1f} {'':>8} {secs / their_secs:>8.2f}×"
                  f"  {device}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A year of hourly direct sun hours for 10 000 sensors among ~200 k triangles of city:
Cicada's sun_exposure kernel and Embree (embreex, rtcOccluded1 per ray) trace the same shadow
rays in one run, one core each, and must count the same lit (sensor, sun) pairs.

The city is spread over 3 × 3 km so that about a fifth of the ground is built on (the
1 km city of bench/bvh_vs_embree.py is nearly all roofs). Sensors are random points 0.1 m
above the ground facing up (those inside a building see nothing, as in any study); suns are London's daylight hours of 2017 on the hour,
computed by Cicada (NREL SPA) and handed to Embree.

    bench/run-sun-hours-vs-embree.sh            # sets up target/bench-venv and runs this
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bvh_vs_embree import city  # noqa: E402  (the same city generator)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n_tris = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    n_sensors = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "cicada-compute", "--example",
                    "sun_hours_bench"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "sun_hours_bench")
    rng = np.random.default_rng(2026)
    side = 3000.0
    tris = city(n_tris, rng, side)
    pos = np.column_stack([rng.uniform(0, side, n_sensors), rng.uniform(0, side, n_sensors),
                           np.full(n_sensors, 0.1)])
    nrm = np.tile([0.0, 0.0, 1.0], (n_sensors, 1))
    scene_path = os.path.join(ROOT, "target", "sun-bench-scene.bin")
    suns_path = os.path.join(ROOT, "target", "sun-bench-suns.bin")
    with open(scene_path, "wb") as f:
        f.write(struct.pack("<QQ", len(tris), n_sensors))
        f.write(tris.astype("<f8").tobytes())
        f.write(pos.astype("<f8").tobytes())
        f.write(nrm.astype("<f8").tobytes())
    ours = json.loads(subprocess.run([exe, scene_path, suns_path], check=True, capture_output=True,
                                     text=True).stdout)
    with open(suns_path, "rb") as f:
        (count,) = struct.unpack("<Q", f.read(8))
        suns = np.frombuffer(f.read(count * 24), dtype="<f8").reshape(count, 3)

    scene = rtcs.EmbreeScene()
    TriangleMesh(scene, tris.astype(np.float32))
    o = pos.astype(np.float32)
    scene.run(o[:1], np.float32([[0, 0, 1]]))  # commit (build) before timing rays
    lit, rays = 0, 0
    # Same order as Cicada: sensor by sensor, every sun from each (the order that keeps a
    # sensor's neighbourhood of the tree in cache). Every sensor faces up and every sun is
    # above the horizon, so every pair is traced.
    chunk = 100
    sun32 = suns.astype(np.float32)
    secs = 0.0
    for first in range(0, n_sensors, chunk):
        block = o[first:first + chunk]
        origins = np.repeat(block, len(suns), axis=0)
        dirs = np.tile(sun32, (len(block), 1))
        t = time.perf_counter()
        occ = np.asarray(scene.run(origins, dirs, query="OCCLUDED"))
        secs += time.perf_counter() - t
        blocked = occ.astype(bool) if occ.dtype == bool else occ >= 0
        lit += int((~blocked).sum())
        rays += len(origins)
    embree_rate = rays / secs
    ours_rate = ours["rays_per_sec_one_thread"]
    print(f"scene: {ours['triangles']} triangles, {ours['sensors']} sensors, {ours['suns']} suns "
          f"({ours['rays']} shadow rays)")
    print(f"{'engine':>8} {'secs (1 core)':>14} {'Mrays/s (1 core)':>17} {'lit pairs':>11}")
    print(f"{'cicada':>8} {ours['secs_one_thread']:>14.2f} {ours_rate / 1e6:>17.2f} {ours['lit']:>11}")
    print(f"{'embree':>8} {secs:>14.2f} {embree_rate / 1e6:>17.2f} {lit:>11}")
    print(f"{'ratio':>8} {'':>14} {ours_rate / embree_rate:>16.2f}x  (cicada / embree)")
    print(f"cicada, all {ours['threads']} threads: {ours['secs_all_threads']:.2f} s for the year; "
          f"sky visibility ({ours['sky_rays']} rays, 1 core): {ours['sky_secs_one_thread']:.2f} s")
    if ours["lit"] != lit:
        print(f"lit pairs differ by {abs(ours['lit'] - lit)} (ray/triangle ties at f32 vs f64)")


if __name__ == "__main__":
    main()

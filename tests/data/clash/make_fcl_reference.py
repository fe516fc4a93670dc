"""Writes the random clash scene and FCL's answers for it (tests/data/clash/).

The scene: 300 convex objects (rotated boxes, icospheres, rotated 12-sided cylinders) placed
at random in a 12 x 12 x 3 m volume (seed fixed), none wholly inside another (containment
is a separate question FCL does not answer: its BVH models are triangle surfaces).

The peer: python-fcl (FCL 0.7 through trimesh's CollisionManager, as the issue names it):
`in_collision_internal` gives every colliding pair (the manager makes each convex mesh an
`fcl.Convex`, a solid); `fcl.collide` with contacts gives EPA's penetration depth of each;
`fcl.distance` on each other pair whose bounds come within the clearance gives GJK's
distance. Written:

- random_scene.job.json: a Cicada `clash` job (hard at tolerance 0) over the scene;
- random_scene.fcl.json: FCL's colliding pairs with EPA's penetration depth and, as a
  check on it, the least projection overlap over 100 000 random directions (an upper
  bound on the true depth); every non-colliding pair closer than CLEARANCE with GJK's
  distance; the versions used.

Run: python3 -m venv /tmp/fcl && /tmp/fcl/bin/pip install python-fcl==0.7.0.11 trimesh==5.2.0 numpy scipy
     /tmp/fcl/bin/python tests/data/clash/make_fcl_reference.py
"""
import json
import math
import os

import fcl
import numpy as np
import trimesh

HERE = os.path.dirname(os.path.abspath(__file__))
N = 300
CLEARANCE = 0.1
DIRECTIONS = 100_000
EXTENT = np.array([12.0, 12.0, 3.0])


def random_rotation(rng):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def make_object(rng, k):
    kind = k % 3
    if kind == 0:
        m = trimesh.creation.box(extents=rng.uniform(0.1, 1.2, size=3))
    elif kind == 1:
        m = trimesh.creation.icosphere(subdivisions=1, radius=rng.uniform(0.15, 0.5))
    else:
        m = trimesh.creation.cylinder(radius=rng.uniform(0.05, 0.3), height=rng.uniform(0.5, 2.5),
                                      sections=12)
    # Rounded to the nanometre, so the JSON both tools read holds the exact coordinates.
    v = np.round(m.vertices @ random_rotation(rng).T + rng.uniform([0, 0, 0], EXTENT), 9)
    return trimesh.Trimesh(vertices=v, faces=m.faces, process=False)


def inside_convex(points, mesh):
    """All points inside the convex mesh (every face plane has them behind it)."""
    n = mesh.face_normals
    d = np.einsum("ij,ij->i", n, mesh.vertices[mesh.faces[:, 0]])
    return bool(np.all(points @ n.T - d < 0))


def sampled_depth(a, b, directions):
    """An upper bound on the penetration depth of two convex solids independent of any
    choice of axes: the least overlap of their projections over many random directions
    (moving one by that overlap along that direction separates them)."""
    pa, pb = a.vertices @ directions.T, b.vertices @ directions.T
    return float(np.minimum(pa.max(0) - pb.min(0), pb.max(0) - pa.min(0)).min())


def main():
    rng = np.random.default_rng(20261128)
    objects = []
    while len(objects) < N:
        m = make_object(rng, len(objects))
        if any(inside_convex(m.vertices, o) or inside_convex(o.vertices, m) for o in objects):
            continue
        objects.append(m)
    names = [f"obj-{k:03d}" for k in range(N)]

    manager = trimesh.collision.CollisionManager()
    for name, m in zip(names, objects):
        manager.add_object(name, m)
    _, colliding = manager.in_collision_internal(return_names=True)
    colliding = sorted(tuple(sorted(p)) for p in colliding)

    # The geometry the manager uses: fcl.Convex (a solid, GJK/EPA) for convex meshes.
    fobj = [fcl.CollisionObject(trimesh.collision.mesh_to_convex(m), fcl.Transform())
            for m in objects]
    depth, sampled = {}, {}
    directions = rng.normal(size=(DIRECTIONS, 3))
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    for a, b in colliding:
        i, j = names.index(a), names.index(b)
        result = fcl.CollisionResult()
        fcl.collide(fobj[i], fobj[j], fcl.CollisionRequest(enable_contact=True), result)
        depth[(a, b)] = max((c.penetration_depth for c in result.contacts), default=0.0)
        sampled[(a, b)] = sampled_depth(objects[i], objects[j], directions)
    lo = np.array([m.bounds[0] for m in objects])
    hi = np.array([m.bounds[1] for m in objects])
    near = []
    hit = set(colliding)
    for i in range(N):
        for j in range(i + 1, N):
            if np.any(lo[j] > hi[i] + CLEARANCE) or np.any(lo[i] > hi[j] + CLEARANCE):
                continue
            if (names[i], names[j]) in hit:
                continue
            result = fcl.DistanceResult()
            d = fcl.distance(fobj[i], fobj[j], fcl.DistanceRequest(enable_nearest_points=True),
                             result)
            if d < CLEARANCE:
                near.append([names[i], names[j], float(d)])

    meshes = [{"id": name, "layer": ["boxes", "spheres", "cylinders"][k % 3],
               "vertices": m.vertices.tolist(), "faces": m.faces.tolist()}
              for k, (name, m) in enumerate(zip(names, objects))]
    job = {"protocol": 1, "kind": "clash", "params": {"hard_tolerance": 0.0},
           "inputs": {"scene": {"inline": {"units": "meters", "tolerance": 1e-6,
                                           "meshes": meshes}}}}
    with open(os.path.join(HERE, "random_scene.job.json"), "w") as f:
        json.dump(job, f, separators=(",", ":"))
    reference = {
        "source": "python-fcl %s (FCL 0.7) via trimesh %s CollisionManager; fcl.distance per pair"
                  % (getattr(fcl, "__version__", "?"), trimesh.__version__),
        "objects": N, "triangles": int(sum(len(m.faces) for m in objects)),
        "clearance": CLEARANCE,
        "colliding": [[a, b, depth[(a, b)], sampled[(a, b)]] for a, b in colliding],
        "near": near,
    }
    with open(os.path.join(HERE, "random_scene.fcl.json"), "w") as f:
        json.dump(reference, f, indent=1)
    print(f"{N} objects, {reference['triangles']} triangles, {len(colliding)} colliding, "
          f"{len(near)} apart but closer than {CLEARANCE}")


if __name__ == "__main__":
    main()

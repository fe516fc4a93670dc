#!/usr/bin/env python3
"""Writes the sample jobs in samples/ (standard library only; run from anywhere).

Each sample is a small, real-looking scene with a mesh_check job whose answers can be
worked out by hand; the numbers are in samples/README.md.
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# A site in UTM coordinates: the kernel must give the same answers here as at the origin.
SITE = (500_000.0, 4_100_000.0, 0.0)


def box(name, layer, x0, y0, z0, dx, dy, dz):
    """A closed box of six outward quads."""
    v = []
    for k in range(8):
        v.append([x0 + dx * (k & 1), y0 + dy * ((k >> 1) & 1), z0 + dz * ((k >> 2) & 1)])
    f = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]]
    return {"id": name, "layer": layer, "vertices": v, "faces": f}


def gable_wing(name, layer, x0, y0, z0, length, width, eave, ridge):
    """A closed wing with a pitched roof: four walls, two roof planes, gables as triangles."""
    w2 = width / 2
    v = [
        [x0, y0, z0], [x0 + length, y0, z0], [x0 + length, y0 + width, z0], [x0, y0 + width, z0],
        [x0, y0, z0 + eave], [x0 + length, y0, z0 + eave], [x0 + length, y0 + width, z0 + eave],
        [x0, y0 + width, z0 + eave],
        [x0, y0 + w2, z0 + ridge], [x0 + length, y0 + w2, z0 + ridge],
    ]
    f = [
        [0, 3, 2, 1],            # floor, facing down
        [0, 1, 5, 4],            # south wall
        [2, 3, 7, 6],            # north wall
        [1, 2, 6, 5],            # east wall
        [3, 0, 4, 7],            # west wall
        [4, 5, 9, 8],            # south roof
        [6, 7, 8, 9],            # north roof
        [5, 6, 9],               # east gable
        [7, 4, 8],               # west gable
    ]
    return {"id": name, "layer": layer, "vertices": v, "faces": f}


def at_site(mesh):
    mesh["vertices"] = [[x + SITE[0], y + SITE[1], z + SITE[2]] for x, y, z in mesh["vertices"]]
    return mesh


def bernstein3(t):
    s = 1 - t
    return [s * s * s, 3 * s * s * t, 3 * s * t * t, t * t * t]


def canopy_points():
    """4 x 4 control points of a saddle-shaped cubic canopy, 24 m x 12 m, in metres."""
    pts = []
    for i in range(4):
        for j in range(4):
            x, y = 8.0 * i, 4.0 * j
            z = 4.0 + (1.5 if i in (1, 2) else 0.0) - (1.0 if j in (1, 2) else 0.0)
            pts.append([x, y, z])
    return pts


def canopy_mesh(pts, nu, nv):
    """The canopy sampled on an nu x nv grid of quads (a Bezier patch, so exact)."""
    verts = []
    for a in range(nu + 1):
        bu = bernstein3(a / nu)
        for b in range(nv + 1):
            bv = bernstein3(b / nv)
            p = [0.0, 0.0, 0.0]
            for i in range(4):
                for j in range(4):
                    w = bu[i] * bv[j]
                    for k in range(3):
                        p[k] += w * pts[i * 4 + j][k]
            verts.append(p)
    faces = []
    for a in range(nu):
        for b in range(nv):
            i0 = a * (nv + 1) + b
            faces.append([i0, i0 + nv + 1, i0 + nv + 2, i0 + 1])
    return {"id": "canopy-panels", "layer": "Canopy::Panels", "vertices": verts, "faces": faces}


def trim_line(a, b, edge):
    return {"curve": {"degree": 1, "points": [a, b], "knots": [0, 0, 1, 1]}, "edge": edge}


def trim_circle(cx, cy, r, edge):
    """A full circle as a rational quadratic with 9 points (clockwise: a hole)."""
    w = math.sqrt(0.5)
    ring = [(1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0)]
    return {
        "curve": {
            "degree": 2,
            "points": [[cx + r * x, cy + r * y] for x, y in ring],
            "weights": [1, w, 1, w, 1, w, 1, w, 1],
            "knots": [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1],
        },
        "edge": edge,
    }


def canopy_surface(pts, ident=None):
    s = {
        "degree_u": 3, "degree_v": 3, "count_u": 4, "count_v": 4,
        "points": pts, "knots_u": [0, 0, 0, 0, 1, 1, 1, 1], "knots_v": [0, 0, 0, 0, 1, 1, 1, 1],
    }
    if ident:
        s["id"] = ident
        s["layer"] = "Canopy::Surface"
    return s


def broken_mesh():
    """A 2 x 1 x 1 block of two welded cubes with deliberate defects (see README)."""
    v = []
    for k in range(3):
        for j in range(2):
            for i in range(2):
                v.append([float(k), float(i), float(j)])
    # vertex index = k * 4 + j * 2 + i, x = k
    def idx(k, i, j):
        return k * 4 + j * 2 + i
    faces = []
    for k in range(2):
        faces.append([idx(k, 0, 0), idx(k + 1, 0, 0), idx(k + 1, 0, 1), idx(k, 0, 1)])   # y = 0
        faces.append([idx(k, 1, 0), idx(k, 1, 1), idx(k + 1, 1, 1), idx(k + 1, 1, 0)])   # y = 1
        faces.append([idx(k, 0, 0), idx(k, 1, 0), idx(k + 1, 1, 0), idx(k + 1, 0, 0)])   # z = 0
        faces.append([idx(k, 0, 1), idx(k + 1, 0, 1), idx(k + 1, 1, 1), idx(k, 1, 1)])   # z = 1
    faces.append([idx(0, 0, 0), idx(0, 0, 1), idx(0, 1, 1), idx(0, 1, 0)])             # x = 0
    faces.append([idx(2, 0, 0), idx(2, 1, 0), idx(2, 1, 1), idx(2, 0, 1)])             # x = 2
    # Defect 1: the top face of the second cube is flipped.
    faces[7] = list(reversed(faces[7]))
    # Defect 2: the end face x = 2 is missing: a hole with 4 naked edges.
    faces.pop()
    # Defect 3: a fin: a third face on the top edge between the cubes (non-manifold).
    v.append([1.0, 0.5, 2.0])
    faces.append([idx(1, 0, 1), idx(1, 1, 1), 12])
    # Defect 4: a sliver triangle along the bottom edge (zero height).
    v.append([0.5, 0.0, 0.0])
    faces.append([idx(0, 0, 0), 13, idx(1, 0, 0)])
    # Defect 5: a stray duplicate of vertex 0, 0.0001 away, used by nothing.
    v.append([0.0, 0.0, 0.0001])
    # Defect 6: a loose shard in x = 1.5 piercing the second cube's side wall y = 0.
    v += [[1.5, -0.5, 0.5], [1.5, 0.5, 0.3], [1.5, 0.5, 0.7]]
    faces.append([15, 16, 17])
    return {"id": "broken-block", "layer": "Checks", "vertices": v, "faces": faces}


def job(scene, params=None):
    return {"protocol": 1, "kind": "mesh_check", "params": params or {}, "inputs": {"scene": {"inline": scene}}}


def write(path, value):
    full = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def main():
    massing = {
        "units": "m", "tolerance": 0.001,
        "meshes": [
            at_site(box("podium", "Massing::Podium", 0, 0, 0, 60, 40, 12)),
            at_site(box("tower", "Massing::Tower", 18, 8, 12, 24, 24, 80)),
            at_site(gable_wing("wing", "Massing::Wing", 60, 10, 0, 30, 12, 6, 10)),
        ],
    }
    write("massing/job.json", job(massing))

    pts = canopy_points()
    canopy = {
        "units": "m", "tolerance": 0.001,
        "meshes": [canopy_mesh(pts, 24, 12)],
        "surfaces": [canopy_surface(pts, "canopy")],
        "breps": [{
            "id": "canopy-with-oculus", "layer": "Canopy::Surface",
            "faces": [{
                "surface": canopy_surface(pts),
                "loops": [
                    {"kind": "outer", "trims": [
                        trim_line([0, 0], [1, 0], 0), trim_line([1, 0], [1, 1], 1),
                        trim_line([1, 1], [0, 1], 2), trim_line([0, 1], [0, 0], 3)]},
                    {"kind": "inner", "trims": [trim_circle(0.5, 0.5, 0.15, 4)]},
                ],
            }],
            "edges": [{}, {}, {}, {}, {}],
        }],
    }
    write("canopy/job.json", job(canopy))
    write("canopy/tessellate.json", {
        "protocol": 1, "kind": "tessellate",
        "params": {"chord_tolerance": 0.01, "angle_tolerance_deg": 15, "max_edge_length": 2.0},
        "inputs": {"scene": {"inline": {"units": "m", "tolerance": 0.001,
                                        "surfaces": [canopy_surface(pts, "canopy")],
                                        "breps": canopy["breps"]}}},
    })

    broken = {"units": "m", "tolerance": 0.001, "meshes": [broken_mesh()]}
    write("broken/job.json", job(broken, {"coincident_tolerance": 0.001}))

    # Sunlight on the massing site's plaza: a flat NURBS ground (gridded at 3 m by the
    # service) around the massing, which shades it. UTM 500 000 E / 4 100 000 N lies on
    # zone 10's central meridian, 123° W, at about 37.04° N (Pacific standard time).
    plaza = {
        "id": "plaza", "layer": "Site::Ground",
        "degree_u": 1, "degree_v": 1, "count_u": 2, "count_v": 2,
        "points": [[SITE[0] + x, SITE[1] + y, 0.0] for x in (-30.0, 150.0) for y in (-30.0, 120.0)],
        "knots_u": [0, 0, 1, 1], "knots_v": [0, 0, 1, 1],
    }
    site = {"latitude": 37.04, "longitude": -123.0, "utc_offset": -8, "elevation": 10}
    plaza_scene = {"units": "m", "tolerance": 0.001, "surfaces": [plaza]}
    context = {"inline": {"units": "m", "tolerance": 0.001, "meshes": massing["meshes"]}}
    write("sunlight/sun_hours.json", {
        "protocol": 1, "kind": "sun_hours",
        "params": {
            "location": site,
            "period": {"start_month": 12, "start_day": 21, "end_month": 12, "end_day": 21,
                       "timestep": 6},
            "grid_size": 3.0,
        },
        "inputs": {"scene": {"inline": plaza_scene}, "context": context},
    })
    write("sunlight/radiation.json", {
        "protocol": 1, "kind": "radiation",
        "params": {"location": site, "grid_size": 6.0},
        "inputs": {"scene": {"inline": plaza_scene}, "context": context},
    })
    write("frame/job.json", braced_frame())
    write("coordination/clash.json", coordination())
    cut = coordination()
    cut["kind"] = "intersect"
    cut["params"] = {"pairs": [["M-round-duct-2", "S-beam-y0"], ["M-duct-1", "S-beam-y0"],
                               ["S-beam-y0", "S-column-C1"]]}
    write("coordination/intersect.json", cut)


def cylinder(name, layer, cx, cy, z0, z1, r, sides):
    """A closed vertical cylinder: `sides` side quads, fan caps; vertex 0 at angle 0."""
    ring = [(cx + r * math.cos(2 * math.pi * k / sides), cy + r * math.sin(2 * math.pi * k / sides))
            for k in range(sides)]
    v = [[x, y, z0] for x, y in ring] + [[x, y, z1] for x, y in ring] + [[cx, cy, z0], [cx, cy, z1]]
    f = []
    for k in range(sides):
        n = (k + 1) % sides
        f.append([k, n, sides + n, sides + k])
        f.append([2 * sides, n, k])
        f.append([2 * sides + 1, sides + k, sides + n])
    return {"id": name, "layer": layer, "vertices": v, "faces": f}


def round_duct(name, layer, x, z, r, y0, y1):
    """An open circular duct along y as an exact NURBS surface: a rational quadratic circle
    (9 points, in the x-z plane) swept linearly from y0 to y1."""
    w = math.sqrt(0.5)
    ring = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0)]
    points, weights = [], []
    for k, (cx, cz) in enumerate(ring):
        for y in (y0, y1):
            points.append([x + r * cx, y, z + r * cz])
            weights.append(1.0 if k % 2 == 0 else w)
    return {
        "id": name, "layer": layer, "degree_u": 2, "degree_v": 1, "count_u": 9, "count_v": 2,
        "points": points, "weights": weights,
        "knots_u": [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1], "knots_v": [0, 0, 1, 1],
    }


def coordination():
    """A structural bay against ducts, a pipe, a junction box and an architect's column
    (samples/README.md works out the seven clashes)."""
    meshes = []
    for k, (x, y) in enumerate([(0, 0), (6, 0), (0, 6), (6, 6), (0, 3)]):
        meshes.append(box(f"S-column-C{k + 1}", "Structure", x - 0.2, y - 0.2, 0.0, 0.4, 0.4, 3.5))
    for y in (0, 6):
        # Beams run between the column faces, tops flush with the columns: they only touch.
        meshes.append(box(f"S-beam-y{y}", "Structure", 0.2, y - 0.15, 3.0, 5.6, 0.3, 0.5))
    meshes.append(box("M-duct-1", "Ducts", 2.7, -1.0, 2.8, 0.6, 8.0, 0.4))
    meshes.append(cylinder("P-pipe-1", "Pipes", 6.28, 0.0, 0.0, 3.0, 0.05, 16))
    meshes.append(box("E-junction-box", "Electrical", 5.95, 5.95, 1.45, 0.1, 0.1, 0.1))
    meshes.append(box("A-column-C5", "Architecture", -0.2, 2.8, 0.0, 0.4, 0.4, 3.5))
    scene = {
        "units": "meters", "tolerance": 0.001, "meshes": meshes,
        "surfaces": [round_duct("M-round-duct-2", "Ducts", 1.5, 3.1, 0.15, -1.0, 7.0)],
    }
    return {
        "protocol": 1, "kind": "clash",
        "params": {
            "hard_tolerance": 0.01, "clearance": 0.05, "duplicates": 0.001,
            "set_a": {"layers": ["Ducts", "Pipes", "Electrical", "Architecture"]},
            "set_b": {"layers": ["Structure"]},
        },
        "inputs": {"scene": {"inline": scene}},
    }


def braced_frame():
    """A three-storey steel frame, 2 x 3 bays of 6 m x 5 m, 3.5 m storeys, X-braced in the
    end bays of both long facades, as a Grasshopper user would send it: every member a line
    or a polyline of points (columns run ground to roof through the floors, beams run the
    whole facade), supports and wind loads attached by point. N, m, kg."""
    bx, by, h = [0.0, 6.0, 12.0], [0.0, 5.0, 10.0, 15.0], 3.5
    levels = [h * k for k in range(4)]
    members = []
    for x in bx:
        for y in by:
            members.append({"id": f"C{x:g}/{y:g}", "points": [[x, y, z] for z in levels],
                            "material": "S355", "section": "HEB300", "roll_deg": 0})
    for z in levels[1:]:
        for y in by:
            members.append({"id": f"BX{y:g}@{z:g}", "points": [[x, y, z] for x in bx],
                            "material": "S355", "section": "IPE300"})
        for x in bx:
            members.append({"id": f"BY{x:g}@{z:g}", "points": [[x, y, z] for y in by],
                            "material": "S355", "section": "IPE300"})
    for x in (bx[0], bx[-1]):
        for (y0, y1) in ((by[0], by[1]), (by[-2], by[-1])):
            for (z0, z1) in zip(levels, levels[1:]):
                for a, b in (((y0, z0), (y1, z1)), ((y1, z0), (y0, z1))):
                    members.append({"points": [[x, a[0], a[1]], [x, b[0], b[1]]],
                                    "material": "S355", "section": "CHS114", "kind": "truss"})
    floor_beams = [i for i, m in enumerate(members) if m.get("id", "").startswith("B")]
    windward = [{"point": [0.0, y, z], "force": [12e3 if 0 < y < 15 else 6e3, 0, 0]}
                for y in by for z in levels[1:]]
    structure = {
        "tolerance": 0.001,
        "materials": [{"name": "S355", "e": 210e9, "nu": 0.3, "density": 7850,
                       "yield_stress": 355e6}],
        "sections": [
            {"name": "HEB300", "shape": "i", "height": 0.300, "width": 0.300,
             "flange": 0.019, "web": 0.011},
            {"name": "IPE300", "shape": "i", "height": 0.300, "width": 0.150,
             "flange": 0.0107, "web": 0.0071},
            {"name": "CHS114", "shape": "tube", "diameter": 0.1143, "thickness": 0.006},
        ],
        "members": members,
        "supports": [{"point": [x, y, 0.0], "fixed": ["all"]} for x in bx for y in by],
        "load_cases": [
            {"name": "dead", "gravity": [0, 0, -9.80665]},
            {"name": "live", "members": [{"member": i, "force": [0, 0, -7.5e3]}
                                         for i in floor_beams]},
            {"name": "wind_x", "nodal": windward},
        ],
        "combinations": [
            {"name": "ULS", "factors": {"dead": 1.35, "live": 1.5, "wind_x": 0.9}},
            {"name": "SLS", "factors": {"dead": 1.0, "live": 1.0, "wind_x": 0.6}},
        ],
    }
    return {"protocol": 1, "kind": "frame", "params": {"modes": 6},
            "inputs": {"structure": {"inline": structure}}}


if __name__ == "__main__":
    main()

"""Frame and truss models with thousands of nodes, solved by PyNite, as reference data for
Cicada's `frame` kernel (tests: server/sched/tests/frame_peers.rs).

Each model is written twice: `<name>.job.json`, a Cicada `frame` job, and
`<name>.pynite.json`, PyNite's displacements (every node, every load case and combination)
and reactions. Local axes: every member is sent with PyNite's own local z axis (third row of
`Member3D.T()`) as its `reference`, the conversion the protocol documents.

Trusses are Cicada `truss` members; in PyNite they are beams with both end rotations
released (and torsion at one end), and the rotations of nodes where only trusses meet are
held by supports (PyNite has no truss element and would find them singular).

Run: python3 -m venv .venv && .venv/bin/pip install PyNiteFEA==3.2.0 numpy scipy
     .venv/bin/python tests/data/frame/make_pynite_reference.py
"""

import json
import math
import os
import sys

from Pynite import FEModel3D

HERE = os.path.dirname(os.path.abspath(__file__))
E, NU, RHO = 210e9, 0.3, 7850.0
G = E / (2 * (1 + NU))
SECTIONS = {
    # name: (A, Iy, Iz, J) — rolled-steel-like numbers, Iy about local y (strong for beams).
    "COL": (1.49e-2, 2.517e-4, 8.56e-5, 1.85e-6),
    "BEAM": (5.38e-3, 8.356e-5, 6.04e-6, 2.01e-7),
    "BRACE": (2.04e-3, 2.99e-6, 2.99e-6, 5.98e-6),
    "CHORD": (3.0e-3, 5.0e-6, 5.0e-6, 1.0e-5),
}
DOFS = ["ux", "uy", "uz", "rx", "ry", "rz"]
PYNITE_SUPPORT = ["DX", "DY", "DZ", "RX", "RY", "RZ"]


def digits(values):
    """Twelve significant digits: far below the 1e-6 the test asks, a third of the bytes."""
    return [float(f"{v:.12g}") for v in values]


class Builder:
    """Builds one model in PyNite and in Cicada's wire form side by side."""

    def __init__(self, name):
        self.name = name
        self.fe = FEModel3D()
        self.fe.add_material("steel", E, G, NU, RHO)
        for s, (a, iy, iz, j) in SECTIONS.items():
            self.fe.add_section(s, a, iy, iz, j)
        self.nodes = []
        self.members = []
        self.supports = {}
        self.cases = {}
        self.truss_only = set()

    def node(self, x, y, z):
        i = len(self.nodes)
        self.nodes.append([x, y, z])
        self.fe.add_node(f"N{i}", x, y, z)
        return i

    def member(self, a, b, section, truss=False):
        k = len(self.members)
        name = f"M{k}"
        self.fe.add_member(name, f"N{a}", f"N{b}", "steel", section)
        if truss:
            self.fe.def_releases(name, Rxi=True, Ryi=True, Rzi=True, Ryj=True, Rzj=True)
        self.members.append({"nodes": [a, b], "material": "steel", "section": section,
                             **({"kind": "truss"} if truss else {})})
        return k

    def support(self, n, dofs):
        self.supports[n] = sorted(set(self.supports.get(n, [])) | set(dofs))

    def case(self, name):
        return self.cases.setdefault(name, {"name": name, "nodal": [], "members": []})

    def nodal(self, case, n, force):
        self.case(case)["nodal"].append({"node": n, "force": force})
        for d, v in zip(("FX", "FY", "FZ"), force):
            if v:
                self.fe.add_node_load(f"N{n}", d, v, case)

    def udl(self, case, m, force, start=0.0, end=1.0, local=False):
        load = {"member": m, "force": force}
        if local:
            load["axes"] = "local"
        if (start, end) != (0.0, 1.0):
            load["from"], load["to"] = start, end
        self.case(case)["members"].append(load)
        length = self._length(m)
        names = ("Fx", "Fy", "Fz") if local else ("FX", "FY", "FZ")
        for d, v in zip(names, force):
            if v:
                self.fe.add_member_dist_load(f"M{m}", d, v, v, start * length, end * length, case)

    def point(self, case, m, force, at, local=False):
        load = {"member": m, "force": force, "at": at}
        if local:
            load["axes"] = "local"
        self.case(case)["members"].append(load)
        names = ("Fx", "Fy", "Fz") if local else ("FX", "FY", "FZ")
        for d, v in zip(names, force):
            if v:
                self.fe.add_member_pt_load(f"M{m}", d, v, at * self._length(m), case)

    def gravity(self, case):
        self.case(case)["gravity"] = [0.0, 0.0, -9.80665]
        self.fe.add_member_self_weight("FZ", -9.80665, case)

    def _length(self, m):
        a, b = (self.nodes[i] for i in self.members[m]["nodes"])
        return math.dist(a, b)

    def solve(self, combinations):
        for n in self.truss_only:
            # PyNite has no truss element: hold the rotations it would find singular.
            held = set(self.supports.get(n, [])) | {"rx", "ry", "rz"}
            kw = {f"support_{PYNITE_SUPPORT[DOFS.index(d)]}": True for d in held}
            self.fe.def_support(f"N{n}", **kw)
        for n, dofs in self.supports.items():
            if n in self.truss_only:
                continue
            kw = {f"support_{PYNITE_SUPPORT[DOFS.index(d)]}": True for d in dofs}
            self.fe.def_support(f"N{n}", **kw)
        combos = {c: {c: 1.0} for c in self.cases}
        combos.update(combinations)
        for name, factors in combos.items():
            self.fe.add_load_combo(name, factors)
        self.fe.analyze_linear(check_statics=False, sparse=True)
        for k, m in enumerate(self.members):
            t = self.fe.members[f"M{k}"].T()
            m["reference"] = [float(v) for v in t[2, 0:3]]
        job = {
            "protocol": 1, "kind": "frame", "params": {"stations": 3},
            "inputs": {"structure": {"inline": {
                "tolerance": 1e-6,
                "nodes": self.nodes,
                "materials": [{"name": "steel", "e": E, "g": G, "density": RHO}],
                "sections": [{"name": s, "shape": "properties", "area": a, "iy": iy, "iz": iz,
                              "j": j} for s, (a, iy, iz, j) in SECTIONS.items()],
                "members": self.members,
                "supports": [{"node": n, "fixed": d} for n, d in sorted(self.supports.items())],
                "load_cases": list(self.cases.values()),
                "combinations": [{"name": c, "factors": f} for c, f in combinations.items()],
            }}},
        }
        reference = {"source": f"PyNiteFEA 3.2.0 FEModel3D.analyze_linear (sparse), "
                               f"{os.path.basename(__file__)}",
                     "responses": {}}
        for name in combos:
            disp = []
            for i in range(len(self.nodes)):
                nd = self.fe.nodes[f"N{i}"]
                disp.append(digits([nd.DX[name], nd.DY[name], nd.DZ[name],
                                    nd.RX[name], nd.RY[name], nd.RZ[name]]))
            reactions = {}
            for n in sorted(self.supports):
                nd = self.fe.nodes[f"N{n}"]
                reactions[str(n)] = digits([nd.RxnFX[name], nd.RxnFY[name], nd.RxnFZ[name]])
            reference["responses"][name] = {"displacements": disp, "reactions": reactions}
        with open(os.path.join(HERE, f"{self.name}.job.json"), "w") as f:
            json.dump(job, f, separators=(",", ":"))
        with open(os.path.join(HERE, f"{self.name}.pynite.json"), "w") as f:
            json.dump(reference, f, separators=(",", ":"))
        print(f"{self.name}: {len(self.nodes)} nodes, {len(self.members)} members",
              file=sys.stderr)


def frame2d():
    """A 20-bay, 60-storey plane frame in X–Z: lateral loads, floor loads, point loads on
    beams in local axes, pinned beam ends in one bay (releases)."""
    b = Builder("frame2d")
    bays, storeys, w, h = 20, 60, 6.0, 3.5
    grid = [[b.node(i * w, 0.0, k * h) for i in range(bays + 1)] for k in range(storeys + 1)]
    for i in range(bays + 1):
        b.support(grid[0][i], DOFS)
    for k in range(1, storeys + 1):
        for i in range(bays + 1):
            b.support(grid[k][i], ["uy", "rx", "rz"])
    for k in range(storeys):
        for i in range(bays + 1):
            b.member(grid[k][i], grid[k + 1][i], "COL")
    beams = []
    for k in range(1, storeys + 1):
        for i in range(bays):
            m = b.member(grid[k][i], grid[k][i + 1], "BEAM")
            beams.append(m)
            if i == bays // 2:
                b.fe.def_releases(f"M{m}", Ryi=True, Ryj=True)
                b.members[m]["releases"] = {"start": ["ry"], "end": ["ry"]}
            b.udl("floor", m, [0.0, 0.0, -15e3])
            if i % 3 == 0:
                b.point("equipment", m, [0.0, 0.0, -20e3], 0.3, local=True)
    for k in range(1, storeys + 1):
        b.nodal("wind", grid[k][0], [8e3 + 100 * k, 0.0, 0.0])
    b.solve({"ULS": {"floor": 1.35, "equipment": 1.5, "wind": 0.9}})


def building3d():
    """An 8 × 8 bay, 20-storey braced building: columns, beams both ways, X-bracing (truss
    members) in the corner bays of every facade, self-weight, floor loads, wind."""
    b = Builder("building3d")
    n, storeys, w, h = 8, 20, 6.0, 3.6
    grid = {}
    for k in range(storeys + 1):
        for i in range(n + 1):
            for j in range(n + 1):
                grid[i, j, k] = b.node(i * w, j * w, k * h)
    for i in range(n + 1):
        for j in range(n + 1):
            b.support(grid[i, j, 0], DOFS)
            for k in range(storeys):
                b.member(grid[i, j, k], grid[i, j, k + 1], "COL")
    for k in range(1, storeys + 1):
        for i in range(n + 1):
            for j in range(n):
                m = b.member(grid[i, j, k], grid[i, j + 1, k], "BEAM")
                b.udl("live", m, [0.0, 0.0, -9e3])
                m = b.member(grid[j, i, k], grid[j + 1, i, k], "BEAM")
                b.udl("live", m, [0.0, 0.0, -9e3], 0.25, 0.75)
        for j in range(n + 1):
            b.nodal("wind", grid[0, j, k], [6e3 if 0 < j < n else 3e3, 1.5e3, 0.0])
    for k in range(storeys):
        for (i, j, di, dj) in ((0, 0, 1, 0), (n - 1, n, 1, 0), (0, 0, 0, 1), (n, n - 1, 0, 1)):
            a0, a1 = grid[i, j, k], grid[i + di, j + dj, k + 1]
            c0, c1 = grid[i + di, j + dj, k], grid[i, j, k + 1]
            b.member(a0, a1, "BRACE", truss=True)
            b.member(c0, c1, "BRACE", truss=True)
    b.gravity("dead")
    b.solve({"ULS": {"dead": 1.35, "live": 1.5, "wind": 0.9}})


def space_truss():
    """A 30 × 30 double-layer grid roof (square-on-square, 2 m modules, 1.5 m deep) on
    pinned supports along the bottom perimeter: a truss model with 1 741 nodes."""
    b = Builder("space_truss")
    n, s, d = 30, 2.0, 1.5
    top = {(i, j): b.node(i * s, j * s, d) for i in range(n + 1) for j in range(n + 1)}
    bot = {(i, j): b.node((i + 0.5) * s, (j + 0.5) * s, 0.0) for i in range(n) for j in range(n)}
    b.truss_only = set(range(len(b.nodes)))
    for i in range(n + 1):
        for j in range(n):
            b.member(top[i, j], top[i, j + 1], "CHORD", truss=True)
            b.member(top[j, i], top[j + 1, i], "CHORD", truss=True)
    for i in range(n):
        for j in range(n - 1):
            b.member(bot[i, j], bot[i, j + 1], "CHORD", truss=True)
            b.member(bot[j, i], bot[j + 1, i], "CHORD", truss=True)
    for i in range(n):
        for j in range(n):
            for (di, dj) in ((0, 0), (1, 0), (0, 1), (1, 1)):
                b.member(bot[i, j], top[i + di, j + dj], "BRACE", truss=True)
    for i in range(n):
        for j in range(n):
            if i in (0, n - 1) or j in (0, n - 1):
                b.support(bot[i, j], ["uz"])
    b.support(bot[0, 0], ["ux", "uy", "uz"])
    b.support(bot[n - 1, 0], ["uy", "uz"])
    for (i, j), t in top.items():
        b.nodal("snow", t, [0.0, 0.0, -8e3 if 0 < i < n and 0 < j < n else -4e3])
        if i == 0:
            b.nodal("wind", t, [3e3, 0.0, 0.0])
    b.solve({"total": {"snow": 1.5, "wind": 0.9}})


if __name__ == "__main__":
    frame2d()
    building3d()
    space_truss()

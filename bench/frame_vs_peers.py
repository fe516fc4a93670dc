"""Linear static analysis of braced building frames: Cicada against OpenSeesPy and PyNite on
the same models in one run (bench/run-frame-vs-peers.sh sets up the venv and the build).

A model is an nx × ny bay, n-storey steel frame: columns, beams both ways on every floor,
X-bracing (truss members) in the corner bays of every facade, fixed bases; three load
cases (self-weight as a line load on every member, 9 kN/m on every beam, wind at the
windward column line) and one combination. Each tool runs in its own process, so peak
memory (max RSS) is its own. Reported per tool: the analysis time (Cicada: the kernel's
compute_secs: lowering, assembly, factorisation, every case, forces along members;
OpenSees: `analyze(1)` for the three cases, each a pattern of its own, as OpenSees users
run them, with the first case's time alone beside it; PyNite: `analyze_linear`, every case
and the combination), the process's wall time (model building and I/O included) and peak RSS.
The largest displacement of the first case must agree between the tools.

Usage: python bench/frame_vs_peers.py [--sizes 10k,50k,200k,1M] [--pynite-max 50k]
"""

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

E, G, RHO = 210e9, 80.77e9, 7850.0
COL = dict(A=1.49e-2, Iy=2.517e-4, Iz=8.56e-5, J=1.85e-6)
BEAM = dict(A=5.38e-3, Iy=8.356e-5, Iz=6.04e-6, J=2.01e-7)
BRACE_A = 2.04e-3
SIZES = {  # name: (bays x, bays y, storeys, towers) -> about that many DOF
    "10k": (6, 6, 34, 1),
    "50k": (12, 12, 50, 1),
    "200k": (20, 20, 75, 1),
    # A campus of twenty 50 k towers in one model: one tower of 1 M DOF (40 x 40 bays,
    # 100 storeys) would need tens of GB for its factor with minimum-degree ordering.
    "1M": (12, 12, 50, 20),
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def building(nx, ny, storeys, towers=1, w=6.0, h=3.6):
    """Nodes, elements and loads of one model, in plain lists every tool reads; `towers`
    copies of the frame stand side by side along X, two bays apart."""
    parts = [tower(nx, ny, storeys, w, h, t * (nx + 2) * w) for t in range(towers)]
    model = {key: [] for key in parts[0]}
    for part in parts:
        shift = len(model["nodes"])
        model["nodes"] += part["nodes"]
        for key in ("cols", "beams", "braces"):
            model[key] += [(a + shift, b + shift) for a, b in part[key]]
        model["base"] += [n + shift for n in part["base"]]
        model["wind"] += [(n + shift, f) for n, f in part["wind"]]
    return model


def tower(nx, ny, storeys, w, h, x0):
    nodes, index = [], {}
    for k in range(storeys + 1):
        for i in range(nx + 1):
            for j in range(ny + 1):
                index[i, j, k] = len(nodes)
                nodes.append((x0 + i * w, j * w, k * h))
    cols, beams, braces = [], [], []
    for k in range(storeys):
        for i in range(nx + 1):
            for j in range(ny + 1):
                cols.append((index[i, j, k], index[i, j, k + 1]))
    for k in range(1, storeys + 1):
        for i in range(nx + 1):
            for j in range(ny):
                beams.append((index[i, j, k], index[i, j + 1, k]))
        for j in range(ny + 1):
            for i in range(nx):
                beams.append((index[i, j, k], index[i + 1, j, k]))
    for k in range(storeys):
        for (i, j, di, dj) in ((0, 0, 1, 0), (nx - 1, ny, 1, 0), (0, 0, 0, 1), (nx, ny - 1, 0, 1)):
            braces.append((index[i, j, k], index[i + di, j + dj, k + 1]))
            braces.append((index[i + di, j + dj, k], index[i, j, k + 1]))
    base = [index[i, j, 0] for i in range(nx + 1) for j in range(ny + 1)]
    wind = [(index[0, j, k], 6e3 if 0 < j < ny else 3e3)
            for k in range(1, storeys + 1) for j in range(ny + 1)]
    return dict(nodes=nodes, cols=cols, beams=beams, braces=braces, base=base, wind=wind)


def cicada_job(m):
    members = (
        [{"nodes": list(e), "material": "steel", "section": "COL"} for e in m["cols"]]
        + [{"nodes": list(e), "material": "steel", "section": "BEAM"} for e in m["beams"]]
        + [{"nodes": list(e), "material": "steel", "section": "BRACE", "kind": "truss"}
           for e in m["braces"]])
    nb0 = len(m["cols"])
    sec = lambda name, s: {"name": name, "shape": "properties", "area": s["A"], "iy": s["Iy"],
                           "iz": s["Iz"], "j": s["J"]}
    return {"protocol": 1, "kind": "frame", "params": {"stations": 2},
            "inputs": {"structure": {"inline": {
                "tolerance": 1e-6,
                "nodes": [list(p) for p in m["nodes"]],
                "materials": [{"name": "steel", "e": E, "g": G, "density": RHO}],
                "sections": [sec("COL", COL), sec("BEAM", BEAM),
                             sec("BRACE", dict(A=BRACE_A, Iy=1e-6, Iz=1e-6, J=1e-6))],
                "members": members,
                "supports": [{"node": n, "fixed": ["all"]} for n in m["base"]],
                "load_cases": [
                    {"name": "dead", "gravity": [0, 0, -9.80665]},
                    {"name": "live", "members": [{"member": nb0 + b, "force": [0, 0, -9e3]}
                                                 for b in range(len(m["beams"]))]},
                    {"name": "wind", "nodal": [{"node": n, "force": [f, 0, 0]}
                                               for n, f in m["wind"]]},
                ],
                "combinations": [{"name": "ULS", "factors": {"dead": 1.35, "live": 1.5,
                                                             "wind": 0.9}}],
            }}}}


def run_cicada(m, binary):
    with tempfile.TemporaryDirectory() as d:
        job, out = os.path.join(d, "job.json"), os.path.join(d, "out.msgpack")
        with open(job, "w") as f:
            json.dump(cicada_job(m), f)
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "run", job, "--out", out],
                           capture_output=True, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        peak_kb = int(p.stderr.strip().splitlines()[-1])
        import msgpack  # noqa: PLC0415 (only the bench's venv has it)
        with open(out, "rb") as f:
            r = msgpack.unpack(f, raw=False)
        frame = r["output"]["frame"]
        dead = frame["cases"][0]["max_displacement"]["value"]
        return dict(analysis=r["timings"]["compute_secs"], wall=wall, peak_mb=peak_kb / 1024,
                    max_disp=dead, equations=frame["equations"])


def peer_main(tool, path):
    """Runs one peer on the model in `path`; prints its figures as JSON."""
    with open(path) as f:
        m = json.load(f)
    start = time.perf_counter()
    first = None
    if tool == "opensees":
        (first, analysis), max_disp = opensees(m)
    else:
        analysis, max_disp = pynite(m)
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(analysis=analysis, first_case=first, wall=wall, peak_mb=peak_kb / 1024,
                          max_disp=max_disp)))


def member_weight(s):
    return RHO * s["A"] * 9.80665


def opensees(m):
    import openseespy.opensees as ops  # noqa: PLC0415
    ops.wipe()
    ops.model("basic", "-ndm", 3, "-ndf", 6)
    for i, p in enumerate(m["nodes"]):
        ops.node(i + 1, *p)
    for n in m["base"]:
        ops.fix(n + 1, 1, 1, 1, 1, 1, 1)
    # Cicada's default axes: columns have local z = -X, beams local z = +Z.
    ops.geomTransf("Linear", 1, -1.0, 0.0, 0.0)
    ops.geomTransf("Linear", 2, 0.0, 0.0, 1.0)
    ops.uniaxialMaterial("Elastic", 1, E)
    tag = 0
    cols, beams, braces = [], [], []
    for (a, b) in m["cols"]:
        tag += 1
        cols.append(tag)
        ops.element("elasticBeamColumn", tag, a + 1, b + 1, COL["A"], E, G, COL["J"],
                    COL["Iy"], COL["Iz"], 1)
    for (a, b) in m["beams"]:
        tag += 1
        beams.append(tag)
        ops.element("elasticBeamColumn", tag, a + 1, b + 1, BEAM["A"], E, G, BEAM["J"],
                    BEAM["Iy"], BEAM["Iz"], 2)
    for (a, b) in m["braces"]:
        tag += 1
        braces.append((tag, a, b))
        ops.element("truss", tag, a + 1, b + 1, BRACE_A, 1)
    ops.timeSeries("Linear", 1)
    # Dead: self-weight along local x of the columns, local z of the beams; braces' weight
    # goes to their ends as a simply supported span passes it on.
    ops.pattern("Plain", 1, 1)
    ops.eleLoad("-ele", *cols, "-type", "-beamUniform", 0.0, 0.0, -member_weight(COL))
    ops.eleLoad("-ele", *beams, "-type", "-beamUniform", 0.0, -member_weight(BEAM), 0.0)
    wb = RHO * BRACE_A * 9.80665
    for (_, a, b) in braces:
        half = wb * math.dist(m["nodes"][a], m["nodes"][b]) / 2
        for n in (a, b):
            ops.load(n + 1, 0, 0, -half, 0, 0, 0)
    ops.constraints("Plain")
    ops.numberer("RCM")
    # The fastest of UmfPack, SparseSYM, BandSPD, ProfileSPD and Mumps on these models here.
    ops.system("SparseSYM")
    ops.algorithm("Linear")
    ops.integrator("LoadControl", 1.0)
    ops.analysis("Static")
    start = time.perf_counter()
    ops.analyze(1)
    first = time.perf_counter() - start
    max_disp = max(math.sqrt(sum(ops.nodeDisp(i + 1, k) ** 2 for k in (1, 2, 3)))
                   for i in range(len(m["nodes"])))
    # The other two cases, as OpenSees users run them: a pattern each, analysed again.
    total = first
    for pattern, setup in ((2, "live"), (3, "wind")):
        ops.loadConst("-time", 0.0)
        ops.remove("loadPattern", pattern - 1)
        ops.pattern("Plain", pattern, 1)
        if setup == "live":
            ops.eleLoad("-ele", *beams, "-type", "-beamUniform", 0.0, -9e3, 0.0)
        else:
            for n, f in m["wind"]:
                ops.load(n + 1, f, 0, 0, 0, 0, 0)
        start = time.perf_counter()
        ops.analyze(1)
        total += time.perf_counter() - start
    return (first, total), max_disp


def pynite(m):
    from Pynite import FEModel3D  # noqa: PLC0415
    fe = FEModel3D()
    fe.add_material("steel", E, G, 0.3, RHO)
    fe.add_section("COL", COL["A"], COL["Iy"], COL["Iz"], COL["J"])
    fe.add_section("BEAM", BEAM["A"], BEAM["Iy"], BEAM["Iz"], BEAM["J"])
    fe.add_section("BRACE", BRACE_A, 1e-6, 1e-6, 1e-6)
    for i, p in enumerate(m["nodes"]):
        fe.add_node(f"N{i}", *p)
    for n in m["base"]:
        fe.def_support(f"N{n}", True, True, True, True, True, True)
    k = 0
    beam_names = []
    for section, elements in (("COL", m["cols"]), ("BEAM", m["beams"]), ("BRACE", m["braces"])):
        for (a, b) in elements:
            name = f"M{k}"
            k += 1
            fe.add_member(name, f"N{a}", f"N{b}", "steel", section)
            if section == "BRACE":
                fe.def_releases(name, Rxi=True, Ryi=True, Rzi=True, Ryj=True, Rzj=True)
            if section == "BEAM":
                beam_names.append(name)
    fe.add_member_self_weight("FZ", -9.80665, "dead")
    for name in beam_names:
        fe.add_member_dist_load(name, "FZ", -9e3, -9e3, case="live")
    for n, f in m["wind"]:
        fe.add_node_load(f"N{n}", "FX", f, "wind")
    for c in ("dead", "live", "wind"):
        fe.add_load_combo(c, {c: 1.0})
    fe.add_load_combo("ULS", {"dead": 1.35, "live": 1.5, "wind": 0.9})
    start = time.perf_counter()
    fe.analyze_linear(check_statics=False, sparse=True)
    analysis = time.perf_counter() - start
    max_disp = max(math.sqrt(nd.DX["dead"] ** 2 + nd.DY["dead"] ** 2 + nd.DZ["dead"] ** 2)
                   for nd in fe.nodes.values())
    return analysis, max_disp


def run_peer(tool, m, timeout):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(m, f)
        path = f.name
    try:
        p = subprocess.run([sys.executable, __file__, "--peer", tool, path], capture_output=True,
                           text=True, timeout=timeout)
        if p.returncode != 0:
            return dict(error=p.stderr.strip().splitlines()[-1] if p.stderr else "failed")
        return json.loads(p.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return dict(error=f"over {timeout} s")
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10k,50k,200k,1M")
    ap.add_argument("--pynite-max", default="50k", help="largest size for PyNite; 'none' skips")
    ap.add_argument("--opensees-max", default="200k")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/cicada-server"))
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--peer", nargs=2)
    args = ap.parse_args()
    if args.peer:
        peer_main(*args.peer)
        return
    order = list(SIZES)
    rows = []
    for size in args.sizes.split(","):
        m = building(*SIZES[size])
        c = run_cicada(m, args.binary)
        row = dict(size=size, dof=c["equations"], cicada=c)
        for tool, limit in (("opensees", args.opensees_max), ("pynite", args.pynite_max)):
            if limit in order and order.index(size) <= order.index(limit):
                row[tool] = run_peer(tool, m, args.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| model | equations | Cicada analysis / wall / peak | OpenSeesPy analysis / wall / peak"
          " | PyNite analysis / wall / peak | OpenSees ÷ Cicada (analysis) | PyNite ÷ Cicada"
          " | max displacement Cicada / OpenSees / PyNite |")
    print("|---|---|---|---|---|---|---|---|")
    fmt = lambda r: ("—" if r is None else r.get("error") or
                     f"{r['analysis']:.3f} s / {r['wall']:.2f} s / {r['peak_mb']:.0f} MB"
                     + (f" (first case {r['first_case']:.2f} s)" if r.get("first_case") else ""))
    ratio = lambda r, c: ("—" if not r or "error" in r else f"{r['analysis'] / c['analysis']:.1f}×")
    disp = lambda r: ("—" if not r or "error" in r else f"{r['max_disp'] * 1e3:.4f} mm")
    for row in rows:
        c = row["cicada"]
        o, p = row.get("opensees"), row.get("pynite")
        print(f"| {row['size']} | {row['dof']} | {fmt(c)} | {fmt(o)} | {fmt(p)} | {ratio(o, c)}"
              f" | {ratio(p, c)} | {disp(c)} / {disp(o)} / {disp(p)} |")


if __name__ == "__main__":
    main()

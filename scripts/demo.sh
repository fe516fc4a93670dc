#!/usr/bin/env bash
# Builds Cicada, starts the service on the embedded default (127.0.0.1:7878, data in
# .cicada-data/), runs the samples (mesh checks and a sun-hours study with its false-colour
# mesh) through the `cicada` client, and stops the service again. With --keep the service
# stays up for you to try (stop it with Ctrl-C or `kill $(cat .cicada-data/server.pid)`).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
[ "${1:-}" = "--keep" ] && keep=true

addr=${CICADA_ADDR:-127.0.0.1:7878}
data=${CICADA_DATA:-.cicada-data}

echo "== building (release)"
cargo build --release --quiet -p cicada-server -p cicada-cli
server=target/release/cicada-server
cli=target/release/cicada

mkdir -p "$data"
echo "== starting cicada-server on $addr (data: $data)"
"$server" serve --addr "$addr" --data "$data" > "$data/server.log" 2>&1 &
pid=$!
echo "$pid" > "$data/server.pid"
stop() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
$keep || trap stop EXIT

for _ in $(seq 1 100); do
    "$cli" --server "http://$addr" health >/dev/null 2>&1 && break
    sleep 0.1
done
"$cli" --server "http://$addr" health

for sample in massing canopy broken; do
    echo
    echo "== samples/$sample: cicada run samples/$sample/job.json"
    "$cli" --server "http://$addr" run "samples/$sample/job.json" --out "$data/$sample.result.json"
    python3 - "$data/$sample.result.json" <<'PY' 2>/dev/null || echo "(result in $data/$sample.result.json)"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timings"]
print(f"  kernel {r['kernel_version']} on {r['backend']['name']} ({r['backend']['device']}), "
      f"queue {t['queue_secs']*1e3:.1f} ms, prepare {t['prepare_secs']*1e3:.1f} ms, compute {t['compute_secs']*1e3:.1f} ms")
for m in r["output"]["mesh_check"]["meshes"]:
    vol = "-" if m.get("volume") is None else f"{m['volume']:.3f}"
    flags = [k for k in ("is_closed", "is_oriented", "is_manifold") if m[k]]
    print(f"  {m.get('id', m['index'])}: {m['face_count']} faces, area {m['area']:.3f}, volume {vol}, "
          f"naked {m['naked_edge_count']}, non-manifold {m['non_manifold_edge_count']}, "
          f"flipped edges {m['misoriented_edge_count']}, degenerate {m['degenerate_face_count']}, "
          f"{' '.join(flags) or 'open'}")
PY
done

echo
echo "== samples/sunlight: cicada run samples/sunlight/sun_hours.json --ply $data/plaza.ply"
"$cli" --server "http://$addr" run samples/sunlight/sun_hours.json --out "$data/sun_hours.result.json" --ply "$data/plaza.ply"
python3 - "$data/sun_hours.result.json" <<'PY' 2>/dev/null || echo "(result in $data/sun_hours.result.json)"
import json, sys
r = json.load(open(sys.argv[1]))
o, t = r["output"]["sun_hours"], r["timings"]
s = o["statistics"]
print(f"  kernel {r['kernel_version']} on {r['backend']['name']}: {len(o['hours'])} sensors x "
      f"{len(o['sun_directions'])} suns ({o['rays']} rays) in {t['compute_secs']*1e3:.0f} ms; "
      f"hours min {s['min']:.1f} max {s['max']:.1f} area-weighted mean {s['area_weighted_mean']:.2f}")
PY
echo "  false-colour mesh: $data/plaza.ply"

echo
echo "== samples/coordination: cicada run samples/coordination/clash.json"
"$cli" --server "http://$addr" run samples/coordination/clash.json --out "$data/clash.result.json"
python3 - "$data/clash.result.json" <<'PY' 2>/dev/null || echo "(result in $data/clash.result.json)"
import json, sys
r = json.load(open(sys.argv[1]))
o = r["output"]["clash"]
print(f"  kernel {r['kernel_version']} on {r['backend']['name']}: {o['counts']}")
for c in o["clashes"]:
    what = f"depth {c['depth']:.3f}" if c["type"] in ("hard", "containment") else f"distance {c['distance']:.3f}"
    print(f"  {c['type']:<11} {c.get('a_id')} x {c.get('b_id')}: {what}")
PY

if $keep; then
    echo
    echo "cicada-server is still running on http://$addr (pid $pid)."
    echo "Try: curl http://$addr/healthz   or   $cli run samples/broken/job.json"
fi

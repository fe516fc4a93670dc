#!/usr/bin/env bash
# Builds the Windows `cicada.exe` (scripts/build-windows-client.sh) and runs it under Wine
# against a Linux cicada-server on loopback: the massing sample must come back with the
# hand-worked volumes (28 800, 46 080 and 2 880 m³). Slow (a few minutes), so not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build-windows-client.sh
dpkg -s wine64 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64
cargo build --quiet -p cicada-server

work=target/windows/wine-check
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
export WINEPREFIX="$work/prefix" WINEDEBUG=-all
wine=/usr/lib/wine/wine64
timeout 120 "$wine" wineboot --init >/dev/null 2>&1 || true

# Wine 8 lacks bcryptprimitives.dll!ProcessPrng, which Rust's std imports on Windows (real
# Windows 10+ has it). A test-only shim over RtlGenRandom; it never ships.
cat > "$work/bcryptprimitives.c" <<'C'
#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) { return RtlGenRandom(data, (ULONG)len); }
C
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$work/bcryptprimitives.c" -ladvapi32 -Wl,--kill-at

target/debug/cicada-server serve --addr 127.0.0.1:0 --addr-file "$work/addr" --data "$work/data" \
    --workers 1 > "$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$work/addr" ] && break; sleep 0.1; done

timeout 300 "$wine" target/windows/x86_64-pc-windows-gnu/release/cicada.exe \
    --server "http://$(cat "$work/addr")" run samples/massing/job.json --out "Z:$work/massing.json"
python3 - "$work/massing.json" <<'PY'
import json, sys
volumes = [m["volume"] for m in json.load(open(sys.argv[1]))["output"]["mesh_check"]["meshes"]]
assert volumes == [28800.0, 46080.0, 2880.0], volumes
print("windows client under wine: massing volumes", volumes, "ok")
PY

#!/usr/bin/env bash
# Cross-builds the client side (cicada-protocol, cicada-client and the `cicada` CLI) for
# Windows x86_64 from Debian, proving it has no Unix-only code and needs no C toolchain
# beyond mingw for ring. rustup cannot add targets here, so this uses Debian's rustc-web
# with its std sources and -Zbuild-std. Output: target/windows/x86_64-pc-windows-gnu/release/cicada.exe
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in rustc-web cargo-web rust-web-src mingw-w64; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build --release \
    -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu \
    --target-dir target/windows -p cicada-cli -p cicada-client -p cicada-protocol
ls -l target/windows/x86_64-pc-windows-gnu/release/cicada.exe

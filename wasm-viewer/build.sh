#!/usr/bin/env bash
# Builds the viewer core to wasm32 and writes themes/default/static/viewer.wasm.
#
#   wasm-viewer/build.sh [OUT]      (default OUT: themes/default/static/viewer.wasm)
#
# Uses Debian's rustc-web toolchain (rustup cannot add targets on our
# machines): apt-get install rustc-web cargo-web rust-web-src lld-19 binaryen.
# The build is reproducible: paths are remapped, panic locations are dropped,
# so the same sources give the same bytes on any machine and in any folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/themes/default/static/viewer.wasm}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
export PATH=/usr/bin:$PATH
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld
export RUSTFLAGS="--remap-path-prefix=$root=/lightproof --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=/usr/lib/rustlib/src/rust=/rust -Zlocation-detail=none -Cdebuginfo=0"
export CARGO_TARGET_DIR=$root/target/wasm
cd "$root"
/usr/bin/cargo build --quiet --locked -p lightproof-viewer --profile wasm \
    --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
raw=$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/lightproof_viewer.wasm
wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals "$raw" -o "$out.tmp"
mv "$out.tmp" "$out"
echo "viewer.wasm: $(stat -c %s "$out") bytes -> $out" >&2

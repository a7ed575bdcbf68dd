#!/usr/bin/env bash
# Builds web/dist/: the static page with promha-core compiled to wasm.
#
#   web/scripts/build.sh            # what `make web` runs
#
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli at the version
# of the wasm-bindgen crate in Cargo.lock (scripts/setup.sh
# installs it), binaryen's wasm-opt (Debian: apt-get install binaryen), node
# and npm (for esbuild, installed here from web/package-lock.json if missing).
# Honours CARGO_TARGET_DIR. The result works from any static host and from
# file:// (see web/README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
dist=$root/web/dist

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! command -v wasm-bindgen >/dev/null; then
  echo "build.sh: wasm-bindgen not found; install it with scripts/setup.sh (cargo install wasm-bindgen-cli --version $want)" >&2
  exit 1
fi
have=$(wasm-bindgen --version | awk '{ print $2 }')
if [ "$have" != "$want" ]; then
  echo "build.sh: wasm-bindgen $have is installed but Cargo.lock pins the crate at $want; run scripts/setup.sh" >&2
  exit 1
fi
for tool in wasm-opt node npm; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install binaryen nodejs npm)" >&2; exit 1; }
done
# esbuild bundles the page's modules (web/package.json).
[ -d web/node_modules/esbuild ] || (cd web && npm ci --no-audit --no-fund --loglevel=error)

start=$(date +%s)
# [profile.wasm] strips the target_features section, so wasm-bindgen warns
# that it cannot detect the Wasm features; it then sees the externref
# intrinsics and uses reference types anyway, which is what we want.
cargo build -p promha-web --target wasm32-unknown-unknown --profile wasm
wasm=$target_dir/wasm32-unknown-unknown/wasm/promha_web.wasm

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# no-modules: a classic script defining `wasm_bindgen`, because browsers
# refuse module scripts from file:// pages.
wasm-bindgen --target no-modules --no-typescript --out-dir "$work" "$wasm"
wasm-opt -Oz \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --strip-debug --strip-producers --strip-target-features \
  "$work/promha_web_bg.wasm" -o "$work/promha_web_bg.opt.wasm"
# binaryen 108 misnumbers the export of wasm-bindgen's externref table.
node "$root/web/scripts/fix-table-exports.mjs" "$work/promha_web_bg.wasm" "$work/promha_web_bg.opt.wasm"

rm -rf "$dist"
mkdir -p "$dist"
cp "$work/promha_web.js" "$dist/promha_web.js"
cp "$work/promha_web_bg.opt.wasm" "$dist/promha_web_bg.wasm"
node "$root/web/scripts/assemble.mjs" "$root/web/src" "$dist"
if command -v gzip >/dev/null; then
  echo "build.sh: promha_web_bg.wasm is $(gzip -9 -n -c "$dist/promha_web_bg.wasm" | wc -c) bytes with gzip -9 (budget 1048576)"
fi
echo "build.sh: web/dist built in $(( $(date +%s) - start ))s"

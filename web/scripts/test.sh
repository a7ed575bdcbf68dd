#!/usr/bin/env bash
# The web page's tests (what the Makefile's web test target runs):
#   1. promha-web's Rust unit tests, natively
#   2. builds web/dist (unless PROMHA_WEB_SKIP_BUILD=1) and the promha CLI
#   3. node --test web/test/: the wasm API, the page's modules, the
#      CLI-vs-page differential test and the Chromium test (Debian's
#      /usr/bin/chromium)
# Needs scripts/setup.sh to have run once.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

cargo test -p promha-web
if [ "${PROMHA_WEB_SKIP_BUILD:-}" != 1 ]; then
  bash web/scripts/build.sh
fi
cargo build -p promha
export PROMHA_CLI=$CARGO_TARGET_DIR/debug/promha
[ -d web/node_modules/playwright-core ] && [ -d web/node_modules/esbuild ] || (cd web && npm ci --no-audit --no-fund)
cd web
node --test --test-concurrency=1 test/*.test.mjs

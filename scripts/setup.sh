#!/usr/bin/env bash
# Installs what `make test` needs and is missing; does nothing for what is
# there. Sources: rustup, crates.io, npm, PyPI and Debian only.
set -euo pipefail
cd "$(dirname "$0")/.."

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
if ! rustup toolchain list | grep -q '^nightly'; then
  say "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
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

if ! python3 -m pre_commit --version >/dev/null 2>&1; then
  say "pip install pre-commit"
  python3 -m pip install --quiet pre-commit
fi

if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
  say "npm ci (web)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

#!/usr/bin/env bash
# `cargo install promha` works only if both crates publish cleanly. This runs
# `cargo publish --dry-run` for promha-core and promha together: cargo
# packages promha-core, then builds the packaged promha against that packaged
# promha-core (through a local overlay registry, since promha-core is not on
# crates.io yet), exactly as crates.io would. Any cargo warning (missing
# metadata, files left out, ...) fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo extracts the packaged promha-core from its local overlay registry
# into the registry's source cache, and on a reused machine takes an earlier
# extraction of the same version (0.1.0) as it is: the packaged promha would
# then build against a stale core. Drop those extractions first.
# Its build in the target directory is stale too: cargo takes a registry
# crate of a known version as unchanged.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/promha-core-*
target=${CARGO_TARGET_DIR:-target}
rm -rf "$target"/debug/.fingerprint/promha-core-* "$target"/debug/deps/libpromha_core-* "$target"/debug/deps/promha_core-*

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --allow-dirty: check the working tree as it is, committed or not.
if ! cargo publish --dry-run --locked --allow-dirty -p promha-core -p promha >"$log" 2>&1; then
  cat "$log"
  echo "package-check: cargo publish --dry-run failed" >&2
  exit 1
fi
if grep -E '^warning' "$log" | grep -v 'aborting upload due to dry run'; then
  cat "$log"
  echo "package-check: cargo publish --dry-run warned (above)" >&2
  exit 1
fi
grep -E '^ *(Packaged|Verifying|Uploading)' "$log"
echo "package-check: promha-core and promha package and build as published"

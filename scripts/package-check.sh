#!/usr/bin/env bash
# `cargo install promha` works only if both crates publish cleanly. This runs
# `cargo publish --dry-run` for promha-core and promha together: cargo
# packages promha-core, then builds the packaged promha against that packaged
# promha-core (through a local overlay registry, since promha-core is not on
# crates.io yet), exactly as crates.io would. Any cargo warning (missing
# metadata, files left out, ...) fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."

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

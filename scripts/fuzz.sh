#!/usr/bin/env bash
# Runs promha's cargo-fuzz targets (fuzz/fuzz_targets), each for a bounded
# time: `make fuzz` (FUZZ_SECONDS, default 60) and, briefly, `make test`.
#
#   scripts/fuzz.sh [TARGET...]      # default: lint admission settings
#
# Seeds come from the rule cases, the e2e fixtures, the examples and
# ../shared/corpus (when it exists), copied into fuzz/corpus/<target>
# (gitignored) at run time. A crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run: turn it into a regression test
# (a rule case, or a unit test) before fixing it.
# Needs the nightly toolchain and cargo-fuzz (scripts/setup.sh installs
# them); with FUZZ_SKIP_MISSING=1 it skips, with a message, without them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(lint admission settings)
target_dir=${CARGO_TARGET_DIR:-$root/target}/fuzz

seed() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  case $target in
    lint | admission)
      find crates/promha-core/src/rules e2e-tests/fixtures examples crates/promha/tests/fixtures web/src/examples \
        -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 |
        while IFS= read -r -d '' f; do cp "$f" "$dir/$(printf %s "$f" | tr / _)"; done
      if [ -d ../shared/corpus ]; then
        find ../shared/corpus -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -256k -print0 |
          while IFS= read -r -d '' f; do cp "$f" "$dir/shared_$(printf %s "${f#../shared/corpus/}" | tr / _)"; done
      else
        echo "fuzz.sh: ../shared/corpus not found; seeding from the repository only" >&2
      fi
      ;;
    settings)
      # The settings the cases and fixtures use, and the CLI's config files.
      grep -rh '^# settings: ' crates/promha-core/src/rules | sed 's/^# settings: //' | sort -u |
        awk -v dir="$dir" '{ print > (dir "/case-" NR ".json") }'
      find . -name '.promha.yaml' -not -path './fuzz/*' -not -path '*/node_modules/*' -print0 |
        while IFS= read -r -d '' f; do cp "$f" "$dir/$(printf %s "$f" | tr / _)"; done
      printf '{}' >"$dir/empty.json"
      ;;
  esac
}

# `make test` (FUZZ_SKIP_MISSING=1) skips with a message where the tools are
# missing; `make fuzz` fails.
missing=
cargo +nightly --version >/dev/null 2>&1 || missing="the nightly toolchain (rustup toolchain install nightly)"
[ -n "$missing" ] || cargo fuzz --version >/dev/null 2>&1 || missing="cargo-fuzz (cargo install cargo-fuzz --locked)"
if [ -n "$missing" ]; then
  if [ "${FUZZ_SKIP_MISSING:-}" = 1 ]; then
    echo "fuzz.sh: skipped: $missing is not installed (scripts/setup.sh installs it)" >&2
    exit 0
  fi
  echo "fuzz.sh: $missing is not installed (scripts/setup.sh installs it)" >&2
  exit 2
fi

status=0
for target in "${targets[@]}"; do
  seed "$target"
  echo "== cargo fuzz run $target for ${seconds}s ($(ls "fuzz/corpus/$target" | wc -l) inputs in its corpus)"
  # -rss_limit_mb and -timeout: a slow or greedy input is a failure too.
  if ! cargo +nightly fuzz run --fuzz-dir fuzz --target-dir "$target_dir" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
    </dev/null; then
    echo "fuzz.sh: $target failed; the input is in fuzz/artifacts/$target/" >&2
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Checks the repository's pre-commit hooks with the real pre-commit:
# `pre-commit try-repo <repo> promha --files …` on a scratch git repository
# with a bad and a good manifest (the hook must fail, then pass), and the
# `promha-system` hook with the binary the first hook built.
#
# try-repo clones the repository's committed state, or a shadow copy with
# uncommitted changes to tracked files (untracked files are left out), so
# this script first snapshots the working tree as it is (tracked and
# untracked files, less .gitignore'd ones) into a one-commit repository and
# tries that: it tests the hooks as they are on disk, committed or not.
#
# Needs git and pre-commit (pip install pre-commit); skipped without them,
# unless PROMHA_REQUIRE_TOOLS=1 (as `make test` sets), which makes that a
# failure.
# Keeps CARGO_TARGET_DIR (default ~/.cache/promha-target) in the
# environment, so maturin's cargo build reuses the warm cache. Every try-repo
# installs the hook afresh (into a temporary store): pip, maturin, cargo.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
fixtures="$root/crates/promha/tests/fixtures"

for tool in git pre-commit; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skipped: $tool is not installed (the pre-commit hook test needs git and pre-commit)"
        [ "${PROMHA_REQUIRE_TOOLS:-}" = 1 ] && exit 1
        exit 0
    fi
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/promha-target}"
work=$(mktemp -d "${TMPDIR:-/tmp}/promha-pre-commit.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/pre-commit-home"
script_start=$(date +%s.%N)
git_commit() { git -c user.name=promha-test -c user.email=promha-test@example.invalid -c commit.gpgsign=false commit -q "$@"; }

passed=0
failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# The repository as it is on disk, as one commit.
snapshot="$work/promha"
mkdir -p "$snapshot"
(
    cd "$root"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' file; do
            # Tracked files deleted in the working tree are left out.
            if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
        done |
        tar --null -T - -cf -
) | tar -xf - -C "$snapshot"
(cd "$snapshot" && git init -q && git add -A && git_commit -m snapshot)

# A project using the hook: one bad manifest, and a good setup in three files.
project="$work/project"
mkdir -p "$project"
cp "$fixtures/unparsable/ok.yaml" "$project/single-prometheus.yaml"
cp "$fixtures/cross-file/prometheus.yaml" "$fixtures/cross-file/alertmanager.yaml" \
    "$fixtures/cross-file/service.yaml" "$project/"
(cd "$project" && git init -q && git add -A && git_commit -m manifests)

run_hook() { # hook, expected status, text to find in the output, regex that must not match, files...
    local hook=$1 expected=$2 needle=$3 absent=$4
    shift 4
    local start status output
    start=$(now)
    set +e
    output=$(cd "$project" && pre-commit try-repo "$snapshot" "$hook" --files "$@" 2>&1)
    status=$?
    set -e
    local what="pre-commit try-repo $hook --files $* (exit $status, $(elapsed "$start"))"
    if [ "$status" -eq "$expected" ] && grep -qF -- "$needle" <<<"$output" \
        && { [ -z "$absent" ] || ! grep -qE -- "$absent" <<<"$output"; }; then
        pass "$what"
    else
        fail "$what: expected exit $expected, '$needle' in the output${absent:+ and no '$absent'}"
        printf '%s\n' "$output" | sed 's/^/    /'
    fi
}

# The hook's environment is built once (pip builds the wheel with maturin,
# which runs cargo; every try-repo would build it again): the bad manifest
# and the good setup are checked together, and only the bad one is reported.
run_hook promha 1 "error[min-replicas] Prometheus team-a/single" "^ *(prometheus|alertmanager|service)\.yaml:" \
    single-prometheus.yaml prometheus.yaml alertmanager.yaml service.yaml

# promha-system runs whatever promha is on the PATH: the one the first hook
# built (try-repo installs hooks into a temporary store that it removes, so
# the binary is taken from the wheel maturin left in the cargo target dir).
bin_dir="$work/bin"
mkdir -p "$bin_dir"
wheel=$(find "$CARGO_TARGET_DIR/wheels" -maxdepth 1 -name 'promha-*.whl' -newer "$work/project/single-prometheus.yaml" 2>/dev/null | head -n 1)
if [ -n "$wheel" ] && python3 - "$wheel" "$bin_dir/promha" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".data/scripts/promha"))
    with open(sys.argv[2], "wb") as out:
        out.write(wheel.read(name))
PY
then
    chmod +x "$bin_dir/promha"
    PATH="$bin_dir:$PATH" run_hook promha-system 1 "error[min-replicas]" "" single-prometheus.yaml
    PATH="$bin_dir:$PATH" run_hook promha-system 0 "Passed" "" prometheus.yaml alertmanager.yaml service.yaml
    # The hooks pass --force-exclude: the settings' `exclude` applies to the
    # files pre-commit names.
    printf "exclude: ['single-*.yaml']\n" >"$project/.promha.yaml"
    (cd "$project" && git add .promha.yaml && git_commit -m exclude)
    PATH="$bin_dir:$PATH" run_hook promha-system 0 "Passed" "" single-prometheus.yaml
else
    fail "no promha wheel found in $CARGO_TARGET_DIR/wheels after the promha hook was installed"
fi

echo "pre-commit hook test took $(elapsed "$script_start")"
echo "pre-commit hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

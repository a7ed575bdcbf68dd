#!/usr/bin/env bash
# Checks promha's pre-commit hooks with the real pre-commit, on a scratch git
# repository with a bad and a good manifest (the hook must fail, then pass):
#
# - the mirror's `promha` hook (pre-commit/, published as its own repository):
#   pre-commit installs it with pip, which must take the promha wheel from
#   WHEEL_DIR (`make wheel`), with no package index (PIP_NO_INDEX) and with
#   neither cargo nor rustc on the PATH: the hook needs no Rust toolchain;
# - the `promha-system` hook of this repository and of the mirror, with the
#   binary from that wheel on the PATH.
#
#   crates/promha/tests/pre-commit.sh WHEEL_DIR
#
# try-repo clones a repository's committed state, so each hook repository is
# first snapshotted as it is on disk (tracked and untracked files, less
# .gitignore'd ones) into a one-commit repository: the hooks are tested as
# they are, committed or not. The mirror's build backend (setuptools) comes
# from the wheels virtualenv embeds, so nothing is downloaded.
#
# Needs git and pre-commit (pip install pre-commit); skipped without them,
# unless PROMHA_REQUIRE_TOOLS=1 (as `make test` sets), which makes that a
# failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
fixtures="$root/crates/promha/tests/fixtures"
wheel_dir=${1:-}

skip() {
    echo "skipped: $1"
    [ "${PROMHA_REQUIRE_TOOLS:-}" = 1 ] && exit 1
    exit 0
}
command -v git >/dev/null 2>&1 || skip "git is not installed (the pre-commit hook test needs it)"
python3 -m pre_commit --version >/dev/null 2>&1 || skip "pre-commit is not installed (pip install pre-commit)"
[ -n "$wheel_dir" ] && [ -d "$wheel_dir" ] || skip "no wheel directory given (make wheel builds one)"
wheel_dir=$(cd "$wheel_dir" && pwd)

python=$(python3 -c 'import sys; print(sys.executable)')
# The wheels virtualenv seeds environments with (pip, setuptools): the
# mirror's build backend, without an index.
seed_wheels=$("$python" -c 'import os, virtualenv.seed.wheels.embed as e; print(os.path.dirname(e.__file__))')

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

# A directory of the repository as it is on disk, as one commit.
snapshot() { # source dir (relative to the repository root), destination
    mkdir -p "$2"
    (
        cd "$root"
        git ls-files -z --cached --others --exclude-standard -- "$1" |
            while IFS= read -r -d '' file; do
                # Tracked files deleted in the working tree are left out.
                if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
            done |
            tar --null -T - -cf -
    ) | tar -xf - -C "$2" --strip-components="$3"
    (cd "$2" && git init -q && git add -A && git_commit -m snapshot)
}
snapshot . "$work/promha" 0
snapshot pre-commit "$work/mirror" 1

# The mirror pins the wheel of this very version.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
if "$python" - "$work/mirror/pyproject.toml" "$version" <<'PY'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
assert project["version"] == sys.argv[2], project["version"]
assert project["dependencies"] == [f"promha=={sys.argv[2]}"], project["dependencies"]
PY
then
    pass "pre-commit/pyproject.toml is version $version and pins promha==$version"
else
    fail "pre-commit/pyproject.toml does not pin promha==$version"
fi
# Both repositories define promha-system alike.
if "$python" - "$work/promha/.pre-commit-hooks.yaml" "$work/mirror/.pre-commit-hooks.yaml" <<'PY'
import sys, yaml
main, mirror = ({h["id"]: h for h in yaml.safe_load(open(p))} for p in sys.argv[1:])
assert main["promha-system"] == mirror["promha-system"]
assert "promha" not in main, "the main repository's hooks would build promha from source"
assert mirror["promha"]["language"] == "python" and mirror["promha"]["entry"] == main["promha-system"]["entry"]
PY
then
    pass "promha-system is the same hook in both repositories; promha only in the mirror"
else
    fail "the hook definitions differ"
fi

# A project using the hook: one bad manifest, and a good setup in three files.
project="$work/project"
mkdir -p "$project"
cp "$fixtures/unparsable/ok.yaml" "$project/single-prometheus.yaml"
cp "$fixtures/cross-file/prometheus.yaml" "$fixtures/cross-file/alertmanager.yaml" \
    "$fixtures/cross-file/service.yaml" "$project/"
(cd "$project" && git init -q && git add -A && git_commit -m manifests)

run_hook() { # PATH, repository, hook, expected status, text to find, regex that must not match, files...
    local path=$1 repo=$2 hook=$3 expected=$4 needle=$5 absent=$6
    shift 6
    local start status output
    start=$(now)
    set +e
    output=$(cd "$project" && env -u VIRTUAL_ENV PATH="$path" PIP_NO_INDEX=1 \
        PIP_FIND_LINKS="$wheel_dir $seed_wheels" PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$python" -m pre_commit try-repo "$repo" "$hook" --files "$@" 2>&1)
    status=$?
    set -e
    local what="pre-commit try-repo $(basename "$repo") $hook --files $* (exit $status, $(elapsed "$start"))"
    if [ "$status" -eq "$expected" ] && grep -qF -- "$needle" <<<"$output" \
        && { [ -z "$absent" ] || ! grep -qE -- "$absent" <<<"$output"; }; then
        pass "$what"
    else
        fail "$what: expected exit $expected, '$needle' in the output${absent:+ and no '$absent'}"
        printf '%s\n' "$output" | sed 's/^/    /'
    fi
}

# No Rust: the system directories only (git), and nothing else.
no_rust_path=/usr/local/bin:/usr/bin:/bin
if env PATH="$no_rust_path" bash -c 'command -v cargo || command -v rustc' >/dev/null; then
    fail "cargo or rustc is on $no_rust_path: the test would prove nothing"
fi

# The hook's environment is built once (pip installs the mirror and the
# wheel): the bad manifest and the good setup are checked together, and only
# the bad one is reported.
run_hook "$no_rust_path" "$work/mirror" promha 1 "error[min-replicas] Prometheus team-a/single" \
    "^ *(prometheus|alertmanager|service)\.yaml:" \
    single-prometheus.yaml prometheus.yaml alertmanager.yaml service.yaml
run_hook "$no_rust_path" "$work/mirror" promha 0 "Passed" "" prometheus.yaml alertmanager.yaml service.yaml

# promha-system runs whatever promha is on the PATH: the wheel's binary.
bin_dir="$work/bin"
mkdir -p "$bin_dir"
if "$python" - "$wheel_dir" "$bin_dir/promha" <<'PY'
import glob, os, sys, zipfile
(wheel,) = glob.glob(os.path.join(sys.argv[1], "promha-*.whl"))
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/promha"))
    with open(sys.argv[2], "wb") as out:
        out.write(z.read(name))
PY
then
    chmod +x "$bin_dir/promha"
    for repo in "$work/promha" "$work/mirror"; do
        run_hook "$bin_dir:$no_rust_path" "$repo" promha-system 1 "error[min-replicas]" "" single-prometheus.yaml
        run_hook "$bin_dir:$no_rust_path" "$repo" promha-system 0 "Passed" "" prometheus.yaml alertmanager.yaml service.yaml
    done
    # The hooks pass --force-exclude: the settings' `exclude` applies to the
    # files pre-commit names.
    printf "exclude: ['single-*.yaml']\n" >"$project/.promha.yaml"
    (cd "$project" && git add .promha.yaml && git_commit -m exclude)
    run_hook "$bin_dir:$no_rust_path" "$work/promha" promha-system 0 "Passed" "" single-prometheus.yaml
else
    fail "cannot take the promha binary out of the wheel in $wheel_dir"
fi

echo "pre-commit hook test took $(elapsed "$script_start")"
echo "pre-commit hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

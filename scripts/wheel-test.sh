#!/usr/bin/env bash
# The promha wheel (built by `make wheel` with maturin, bindings = "bin") works
# without Rust: a fresh virtualenv installs it from the wheel directory alone
# (no package index) with PATH stripped to the system directories and the
# virtualenv, where neither cargo nor rustc is found, and runs
# `promha --version` and a lint of a bad and a good manifest.
#
#   scripts/wheel-test.sh WHEEL_DIR
#
# Needs python3 with venv; skipped without a wheel directory argument unless
# PROMHA_REQUIRE_TOOLS=1 (as `make test` sets), which makes that a failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wheel_dir=${1:-}
if [ -z "$wheel_dir" ] || [ ! -d "$wheel_dir" ]; then
  echo "skipped: no wheel directory given (make wheel builds one)"
  [ "${PROMHA_REQUIRE_TOOLS:-}" = 1 ] && exit 1
  exit 0
fi
wheel_dir=$(cd "$wheel_dir" && pwd)

passed=0
failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
shopt -s nullglob
wheels=("$wheel_dir"/promha-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "FAILED: expected one promha wheel in $wheel_dir, found ${#wheels[@]}"
  exit 1
fi
wheel=${wheels[0]}
case "$(basename "$wheel")" in
  "promha-$version-py3-none-"*.whl) pass "wheel $(basename "$wheel") is version $version, for any Python 3" ;;
  *) fail "wheel $(basename "$wheel") is not promha-$version-py3-none-<platform>.whl" ;;
esac

# The wheel holds the binary as a script and PyPI's metadata.
python3 - "$wheel" "$version" <<'PY' && pass "wheel holds the promha binary and its metadata" || fail "wheel contents"
import sys, zipfile
from email.parser import Parser
wheel, version = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    assert f"promha-{version}.data/scripts/promha" in names, names
    meta = Parser().parsestr(z.read(f"promha-{version}.dist-info/METADATA").decode())
for field in ("Summary", "Requires-Python"):
    assert meta[field], field
assert any("Repository" in u for u in meta.get_all("Project-URL") or []), "no Project-URL"
assert "Apache" in (meta["License"] or "") + " ".join(meta.get_all("Classifier") or []), "no licence"
PY

work=$(mktemp -d "${TMPDIR:-/tmp}/promha-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
clean_path="$work/venv/bin:/usr/local/bin:/usr/bin:/bin"
clean() { env -i HOME="$work/home" PATH="$clean_path" LANG=C.UTF-8 "$@"; }

if clean bash -c 'command -v cargo || command -v rustc'; then
  fail "cargo or rustc is on the stripped PATH ($clean_path): the test would prove nothing"
else
  pass "no cargo or rustc on $clean_path"
fi

if clean PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheel_dir" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$work/venv/bin/python" -m pip install --quiet promha >"$work/pip.log" 2>&1; then
  pass "pip installs promha from the wheel alone, without an index or Rust"
else
  fail "pip install promha"
  sed 's/^/    /' "$work/pip.log"
fi

if out=$(clean promha --version 2>&1) && [ "$out" = "promha $version" ]; then
  pass "promha --version: $out"
else
  fail "promha --version said: $out"
fi

fixtures="$root/crates/promha/tests/fixtures"
set +e
bad=$(clean promha lint "$fixtures/unparsable/ok.yaml" 2>&1)
bad_status=$?
good=$(clean promha lint "$root/examples/manifests/good" 2>&1)
good_status=$?
set -e
if [ "$bad_status" -eq 1 ] && grep -qF "error[min-replicas]" <<<"$bad"; then
  pass "promha lint of a one-replica Prometheus: exit 1, min-replicas"
else
  fail "promha lint of a one-replica Prometheus: exit $bad_status"
  printf '%s\n' "$bad" | sed 's/^/    /'
fi
if [ "$good_status" -eq 0 ]; then
  pass "promha lint examples/manifests/good: exit 0"
else
  fail "promha lint examples/manifests/good: exit $good_status"
  printf '%s\n' "$good" | sed 's/^/    /'
fi

echo "wheel: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

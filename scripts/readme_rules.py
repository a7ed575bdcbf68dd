#!/usr/bin/env python3
"""Replaces README.md's rule list with `promha rules --format markdown`."""
import pathlib
import subprocess
import sys

promha = sys.argv[1] if len(sys.argv) > 1 else "promha"
table = subprocess.run([promha, "rules", "--format", "markdown"], check=True, capture_output=True, text=True).stdout
readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text()
start = text.index("<!-- rules:start")
start = text.index("-->", start) + len("-->")
end = text.index("<!-- rules:end -->")
readme.write_text(text[:start] + "\n" + table + text[end:])

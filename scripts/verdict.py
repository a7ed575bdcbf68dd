#!/usr/bin/env python3
"""Prints a Kubewarden ValidationResponse (read from stdin) for people."""
import json
import sys

response = json.load(sys.stdin)
print("accepted" if response.get("accepted") else "REJECTED")
for line in (response.get("message") or "").splitlines():
    print("  " + line)
for warning in response.get("warnings") or []:
    print("  warning: " + warning)

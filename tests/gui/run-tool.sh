#!/bin/sh
# Runs a validation tool, or skips the test (exit 77) when the tool is not installed.
tool="$1"
shift
command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
exec "$tool" "$@"

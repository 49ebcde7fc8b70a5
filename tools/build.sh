#!/usr/bin/env bash
# Configures (once) and builds Tessera in ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build
meson compile -C build

#!/bin/sh
# Takes the screenshots in docs/screenshots/ from the real window, not by hand: the
# application's self-test mode (src/gui/ts-self-test.c) under Xvfb, on a colour picture
# generated here (tests/gui/make-jpeg: 2000 x 1333, shapes, texture and noise):
#   mid-run.png      the picture being denoised in tiles, the bar with the time remaining
#   result-view.png  the large result view when the run is done, its split labelled
#                    "Before" / "After"
# Usage: tools/screenshots.sh [BUILD_DIR]   (default: build; built first)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
out="$src/docs/screenshots"
command -v xvfb-run >/dev/null 2>&1 || { echo "xvfb-run is needed (tools/install-deps.sh)" >&2; exit 1; }
ninja -C "$build" src/gui/tessera tests/gui/make-jpeg >/dev/null
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$build/tests/gui/make-jpeg" "$tmp/photo.jpg" 2000 1333
# English, the translations built with the application, one BLAS thread (as the tests).
export LC_ALL=C.UTF-8 LANGUAGE=en
export TESSERA_LOCALEDIR="$build/po"
export OPENBLAS_NUM_THREADS=1
# Two iterations per tile: enough for a visible result, short enough for a screenshot run.
"$src/tests/gui/run-self-test.sh" "$build/src/gui/tessera" "$tmp/result-view.png" "$tmp/photo.jpg" \
  --screenshot-mid-run "$tmp/mid-run.png" --screenshot-scale 0.75 \
  --max-iter 2 --tol 0 --sigma 15 --min-previews 1
for name in mid-run result-view; do
  cp "$tmp/$name.png" "$out/$name.png"
  echo "wrote $out/$name.png ($(wc -c < "$out/$name.png") bytes)"
done

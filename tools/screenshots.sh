#!/bin/sh
# Takes the screenshots in docs/screenshots/ from the real window, not by hand: the
# application's self-test mode (src/gui/ts-self-test.c) under Xvfb, on a colour picture
# generated here (tests/gui/make-jpeg: 1200 x 800, shapes, texture and noise):
#   mid-run.png      the picture being denoised in tiles, the bar with the time remaining
#   result-view.png  the large result view when the run is done, at 1:1 about the
#                    picture's centre, its split labelled "Before" / "After"
#   atoms.png        the Atoms page with the shipped model ncpr-sigma25 after a run on the
#                    demo picture: its localisation figure, the atoms as the model uses them
#                    ordered by orientation, and where atom 155 (a localised, oriented edge: localisation
#                    0.95, coherence 0.92 in `model info --atoms`) is used
# The window 1360 x 1000 (the default 1360 x 860 cuts the sidebar's progress bar off below
# the noise rows: the noise reading, the noise model, Strength and Chroma strength), on a
# screen large enough for it. All at three quarters of the window's size, reduced to a palette
# by pngquant (installed by tools/install-deps.sh), to stay small in the repository.
# Usage: tools/screenshots.sh [BUILD_DIR]   (default: build; built first)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
out="$src/docs/screenshots"
for tool in xvfb-run pngquant; do
  command -v $tool >/dev/null 2>&1 || { echo "$tool is needed (tools/install-deps.sh)" >&2; exit 1; }
done
ninja -C "$build" src/gui/tessera tests/gui/make-jpeg >/dev/null
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$build/tests/gui/make-jpeg" "$tmp/photo.jpg" 1200 800
# English, the translations built with the application, one BLAS thread (as the tests).
export LC_ALL=C.UTF-8 LANGUAGE=en
export TESSERA_LOCALEDIR="$build/po"
export OPENBLAS_NUM_THREADS=1
export TESSERA_XVFB_SCREEN=1400x1060x24
size=1360x1000
# Noise of sigma 25 added by Simulate (so PSNR is shown) and the model trained for 20
# iterations: a clearly denoised result in a short run.
"$src/tests/gui/run-self-test.sh" "$build/src/gui/tessera" "$tmp/result-view.png" "$tmp/photo.jpg" \
  --screenshot-mid-run "$tmp/mid-run.png" --screenshot-scale 0.75 --zoom-one --window-size $size \
  --simulate --sigma 25 --model ncpr-sigma25-fast --min-previews 1
"$src/tests/gui/run-self-test.sh" "$build/src/gui/tessera" "$tmp/atoms.png" \
  --demo-size 256 --simulate --sigma 25 --model ncpr-sigma25 --max-iter 100 --tol 0 \
  --min-previews 1 --page atoms --atom 155 --atoms-order orientation --screenshot-scale 0.75 \
  --window-size $size
for name in mid-run result-view atoms; do
  # pngquant exits 99 when no palette meets the minimum quality (a noisy picture): then the
  # best palette it finds is kept anyway, without a floor.
  pngquant --quality 60-90 --speed 1 --strip --force --output "$out/$name.png" "$tmp/$name.png" \
    || pngquant --speed 1 --strip --force --output "$out/$name.png" "$tmp/$name.png"
  echo "wrote $out/$name.png ($(wc -c < "$out/$name.png") bytes)"
done

#!/bin/sh
# Issue 25: opening a noisy picture estimates its noise level on the loader's thread and the
# noise control shows and uses it. Writes the demo picture with noise SIGMA (make-noisy) and
# runs the self-test on it. Usage: run-estimate-test.sh MAKE-NOISY RUN-SELF-TEST APP OUT.png
# SIGMA [SELF-TEST OPTIONS...]
set -u
make_noisy="$1"
runner="$2"
app="$3"
out="$4"
sigma="$5"
shift 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_noisy" "$tmp/noisy.png" 256 "$sigma" || exit 1
sh "$runner" "$app" "$out" "$tmp/noisy.png" "$@"

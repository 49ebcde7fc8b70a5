#!/bin/sh
# Issue 25: opening a noisy picture estimates its noise level on the loader's thread and the
# noise control shows and uses it. Writes the demo picture with noise SIGMA (make-noisy) and
# runs the self-test on it. Usage: run-estimate-test.sh MAKE-NOISY RUN-SELF-TEST APP OUT.png
# SIGMA [SELF-TEST OPTIONS...]; SIGMA may carry make-noisy's options after it, in one
# argument ("3 colour poisson 0.01").
set -u
make_noisy="$1"
runner="$2"
app="$3"
out="$4"
sigma="$5"
shift 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # SIGMA and make-noisy's options, split on purpose
"$make_noisy" "$tmp/noisy.png" 256 $sigma || exit 1
sh "$runner" "$app" "$out" "$tmp/noisy.png" "$@"

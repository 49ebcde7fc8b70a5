#!/bin/sh
# Issue 6, acceptance 4: generates a 12-megapixel colour JPEG (4000 x 3000) at test time,
# then runs the GUI self-test on it (run-self-test.sh): it must be solved in tiles with a
# region preview first, complete, and stay under the peak-memory limit given in the
# arguments (--max-rss).
set -u
make_jpeg="$1"
self_test="$2"
app="$3"
out="$4"
shift 4
command -v xvfb-run >/dev/null 2>&1 || { echo "SKIP: xvfb-run not installed"; exit 77; }
dir=$(dirname "$out")
mkdir -p "$dir"
jpeg="$dir/large-picture.jpg"
"$make_jpeg" "$jpeg" 4000 3000 || { echo "could not write $jpeg"; exit 1; }
"$self_test" "$app" "$out" "$jpeg" "$@"
status=$?
rm -f "$jpeg"
exit $status

#!/bin/sh
# Issue 25: generates a colour JPEG of WIDTH x HEIGHT at test time (make-jpeg), then runs the
# GUI self-test on it (run-self-test.sh) with the remaining arguments.
#   run-picture-test.sh MAKE_JPEG WIDTH HEIGHT RUN_SELF_TEST APP OUT [SELF-TEST OPTIONS...]
set -u
make_jpeg="$1"
width="$2"
height="$3"
self_test="$4"
app="$5"
out="$6"
shift 6
command -v xvfb-run >/dev/null 2>&1 || { echo "SKIP: xvfb-run not installed"; exit 77; }
dir=$(dirname "$out")
mkdir -p "$dir"
jpeg="${out%.png}-picture.jpg"
"$make_jpeg" "$jpeg" "$width" "$height" || { echo "could not write $jpeg"; exit 1; }
"$self_test" "$app" "$out" "$jpeg" "$@"
status=$?
rm -f "$jpeg"
exit $status

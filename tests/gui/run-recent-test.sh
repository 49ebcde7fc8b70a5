#!/bin/sh
# Issue 25: an opened file appears in the recent files menu, in that session and after a
# restart. Two self-test launches share a private XDG_DATA_HOME (so recently-used.xbel is
# the test's own): the first opens FILE, the second opens nothing (the demo image) and must
# still list FILE. Usage: run-recent-test.sh RUN-SELF-TEST APP OUTDIR FILE
set -u
runner="$1"
app="$2"
outdir="$3"
file="$4"
mkdir -p "$outdir"
data_home=$(mktemp -d)
trap 'rm -rf "$data_home"' EXIT
export XDG_DATA_HOME="$data_home"
sh "$runner" "$app" "$outdir/self-test-recent-1.png" "$file" --expect-recent "$file" \
  --max-iter 100 --tol 0 --sigma 25 --min-previews 1
status=$?
[ $status -eq 0 ] || exit $status
[ -f "$data_home/recently-used.xbel" ] || { echo "no recently-used.xbel written"; exit 1; }
exec sh "$runner" "$app" "$outdir/self-test-recent-2.png" --expect-recent "$file" \
  --demo-size 96 --max-iter 150 --tol 0 --simulate --min-previews 1

#!/bin/sh
# Issue 21: Tune… from the window's Advanced settings, on a validation folder written here
# (two 48 x 48 PNGs), with the dct model and a private XDG_DATA_HOME: the dialog's search
# reports progress, its model is saved as a new file in the user's model folder, and the model
# and Preset menus then choose it (ts-self-test.c, --tune-folder).
# Usage: run-tune-test.sh MAKE-NOISY RUN-SELF-TEST APP SCREENSHOT [SELF-TEST OPTIONS]
set -u
make_noisy="$1"
runner="$2"
app="$3"
out="$4"
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data-home" "$tmp/validation"
"$make_noisy" "$tmp/validation/a.png" 48 0 || exit 1
"$make_noisy" "$tmp/validation/b.png" 48 3 || exit 1
export XDG_DATA_HOME="$tmp/data-home"
sh "$runner" "$app" "$out" --demo-size 64 --tune-folder "$tmp/validation" "$@"
status=$?
[ $status -eq 0 ] || exit $status
n=$(ls "$tmp/data-home/tessera/models/"*.tsm 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || { echo "expected one model in the user's model folder, found $n"; exit 1; }
exit 0

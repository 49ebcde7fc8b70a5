#!/bin/sh
# Regenerates the seed corpora in tests/fuzz/corpus/ with the project's own savers.
# Usage: tests/fuzz/make-corpus.sh BUILD_DIR      (a build configured with -Dfuzzing=true)
set -eu
build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
gen=$build/tests/fuzz/fuzz-make-corpus
[ -x "$gen" ] || ninja -C "$build" tests/fuzz/fuzz-make-corpus
rm -rf "$here/corpus"
mkdir -p "$here/corpus"
ASAN_OPTIONS=detect_leaks=0 "$gen" "$here/corpus"
for d in "$here"/corpus/*; do
  echo "$(basename "$d"): $(ls "$d" | wc -l) files, $(cat "$d"/* | wc -c) bytes"
done

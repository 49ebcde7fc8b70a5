#!/bin/sh
# The localisation figure of issue 24 for every shipped model (data/models/*.tsm) and, when
# ../shared is there, for the paper's weights (imported to a temporary folder, never kept):
# the median over the dictionary atoms, as the model uses them (without their mean and their
# component in the free atoms' span, MODEL.md), of the fraction of an atom's energy inside
# its best 7 x 7 window (`tessera-cli model info MODEL --atoms`). White Gaussian noise gives
# about 0.38 (tests/test-atom-stats.c), an atom that fits in 7 x 7 gives 1.
# Usage: bench/atoms-localisation.sh [TESSERA_CLI]   (default: build/src/cli/tessera-cli)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
cli=${1:-$src/build/src/cli/tessera-cli}
shared=${TESSERA_SHARED_DIR:-$src/../shared}
[ -x "$cli" ] || { echo "$cli not found: build first (ninja -C build)" >&2; exit 1; }

figure () {
  "$cli" --quiet model info "$1" --atoms | sed -n 's/^localisation: \([0-9.]*\).*/\1/p'
}

echo "| model | energy in best 7 x 7 window |"
echo "| --- | --- |"
if [ -d "$shared/reference/models" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT INT TERM
  for dir in "$shared"/reference/models/*/; do
    name=$(basename "$dir")
    "$cli" --quiet model import "$dir" -o "$tmp/$name.tsm"
    echo "| paper's \`$name\` | $(figure "$tmp/$name.tsm") |"
  done
else
  echo "(the paper's weights: $shared/reference/models not found, left out)" >&2
fi
for model in "$src"/data/models/*.tsm; do
  echo "| Tessera \`$(basename "$model" .tsm)\` | $(figure "$model") |"
done

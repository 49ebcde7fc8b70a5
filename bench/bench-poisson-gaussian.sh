#!/bin/sh
# Signal-dependent noise (issue 20): blind denoising of CBSD68 crops with synthetic
# Poisson-Gaussian noise, tessera-cli denoise --noise gaussian (one blind level) against
# --noise poisson-gaussian (the Anscombe path) and auto. docs/benchmarks.md, "Signal-dependent
# noise", has the figures and the command.
#
# Usage: bench-poisson-gaussian.sh PATH/TO/tessera-cli PATH/TO/noise-tool [IMAGE...]
# (default images: test003 test013 test023 of ../shared/data/cbsd68). Centre crops of
# 256 x 256, noise of variance a y + b (y in 0-1) for a = 0.01 and 0.04, b = 1e-4, seed 1,
# float .npy inputs (not clipped); one thread. Exits 77 without ../shared.
CLI=${1:?usage: $0 PATH/TO/tessera-cli PATH/TO/noise-tool [IMAGE...]}
TOOL=${2:?usage: $0 PATH/TO/tessera-cli PATH/TO/noise-tool [IMAGE...]}
shift 2
SHARED=${TESSERA_SHARED_DIR:-$(dirname "$0")/../../shared}
DATA=$SHARED/data/cbsd68
if [ ! -d "$DATA" ]; then
  echo "no $DATA: skipped" >&2
  exit 77
fi
[ $# -gt 0 ] || set -- test003 test013 test023
T=$(mktemp -d "${TMPDIR:-/tmp}/tessera-pg-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

psnr () { printf '%.2f' "$(tr -d ' \n' <"$1" | sed -n 's/.*"psnr":\([0-9.]*\).*/\1/p')"; }
chosen () { tr -d ' \n' <"$1" | sed -n 's/.*"noise":{"model":"\([a-z-]*\)".*/\1/p'; }

printf '%-8s %-5s %-8s %-9s %-9s %-9s %s\n' image a noisy gaussian p-g auto "auto picks"
for image in "$@"; do
  for a in 0.01 0.04; do
    noisy=$("$TOOL" "$DATA/$image.png" "$T/noisy.npy" --crop 256 256 --a $a --b 1e-4 --seed 1 \
      --clean "$T/clean.npy") || exit 1
    line=$(printf '%-8s %-5s' "$image" "$a")
    for mode in gaussian poisson-gaussian auto; do
      nice "$CLI" denoise "$T/noisy.npy" -o "$T/out-$mode.npy" --noise $mode --threads 1 \
        --clean "$T/clean.npy" --stats "$T/$mode.json" --quiet || exit 1
    done
    printf '%s %-8.2f %-9s %-9s %-9s %s\n' "$line" "$noisy" \
      "$(psnr "$T/gaussian.json")" "$(psnr "$T/poisson-gaussian.json")" "$(psnr "$T/auto.json")" \
      "$(chosen "$T/auto.json")"
  done
done

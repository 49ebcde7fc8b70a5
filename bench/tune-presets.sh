#!/usr/bin/env bash
# Tunes the task presets of the shipped sigma 25 models on the shared validation folders only
# (never on test): sr-x4 on sr/val (2 images), mri-acc8-{pd,pdfs} on mri/acc8/*/val and
# mri-acc16-{pd,pdfs} on mri/acc16/*/val (10 slices each). Each step reads the previous
# step's file and writes a new one (tune never writes over its input), so the last file holds
# all five presets; it is left in OUT_DIR for review, not installed: copy it over
# data/models/MODEL.tsm by hand (docs/benchmarks.md, "Task presets").
#   bench/tune-presets.sh TESSERA_CLI [MODEL...]        (default models: ncpr-sigma25 cpr-sigma25)
# Environment: OUT_DIR (default ../tune-runs), EVALUATIONS (points per preset, default 12),
# SR_MAX_ITER (default 150), MRI_MAX_ITER (default 200), LIMIT (items per folder; default all),
# TESSERA_SHARED_DIR (default ../shared). Long: see docs/benchmarks.md for the cost per point.
set -euo pipefail
cli=$(realpath "$1")
shift
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(ncpr-sigma25 cpr-sigma25)
root=$(dirname "$(realpath "$0")")/..
shared=${TESSERA_SHARED_DIR:-$root/../shared}
if [ ! -d "$shared/data/sr/val" ]; then echo "skip: $shared/data/sr/val not found"; exit 77; fi
shared=$(realpath "$shared")
out=${OUT_DIR:-$root/../tune-runs}
mkdir -p "$out"
evals=${EVALUATIONS:-12}
limit=()
[ -z "${LIMIT:-}" ] || limit=(--limit "$LIMIT")
export TESSERA_MODEL_PATH=${TESSERA_MODEL_PATH:-$root/data/models}

for model in "${models[@]}"; do
  current=$model
  step=0
  # task  folder  max-iter  (the preset follows from the folder: sr-x4, mri-acc<A>-<contrast>)
  while read -r task folder iters; do
    step=$((step + 1))
    next="$out/$model.step$step.tsm"
    echo "== $model: tune --task $task on $folder ($evals points of at most $iters iterations)"
    nice -n 5 "$cli" tune --task "$task" --data "$shared/data/$folder" --model "$current" \
      --evaluations "$evals" --max-iter "$iters" "${limit[@]}" -o "$next" \
      | tee "$out/$model.step$step.log"
    current=$next
  done <<EOF
sr sr/val ${SR_MAX_ITER:-150}
mri mri/acc8/pd/val ${MRI_MAX_ITER:-200}
mri mri/acc8/pdfs/val ${MRI_MAX_ITER:-200}
mri mri/acc16/pd/val ${MRI_MAX_ITER:-200}
mri mri/acc16/pdfs/val ${MRI_MAX_ITER:-200}
EOF
  cp "$current" "$out/$model.tsm"
  "$cli" model info "$out/$model.tsm" | sed -n '/^presets:/,$p'
  echo "== $model: $out/$model.tsm holds the five presets; review, then: cp $out/$model.tsm $root/data/models/"
done

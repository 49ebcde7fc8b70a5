#!/bin/bash
# Trains (or resumes) Tessera's shipped models with `tessera-cli train` on ../shared/data/train400
# (the chroma-plane model: on CBSD432's chroma planes, below).
# Usage: tools/train-models.sh [NAME...]   (default: all nine, in the order below)
# A finished model lands in data/models/NAME.tsm and is skipped next time; an interrupted one
# (Ctrl+C, end of a session) resumes bit for bit from $TESSERA_TRAIN_DIR/NAME.tsm.ckpt.
# The exact commands, seeds and costs are recorded in data/models/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TESSERA_BUILD_DIR:-build}
runs=${TESSERA_TRAIN_DIR:-../train-runs}
data=../shared/data/train400
cli="$build/src/cli/tessera-cli"
mkdir -p "$runs"
[ -x "$cli" ] || { echo "build first: bash tools/build.sh" >&2; exit 1; }
[ -d "$data" ] || { echo "$data not found" >&2; exit 1; }

# name | options (everything else is the default of tessera-cli train): the shipped models'
# recipes. All but the sigma 25 NCPR model are fine-tunes of it (the CPR ones too), so
# that one comes first. The shipped ncpr-sigma5 had a further schedule of 100 steps at lower
# rates (`--lr-atoms 5e-5 --lr-hyper 2e-3 --seed 2`), cpr-sigma5 one of 300 steps, each after the one below
# (`--init` its model, `--seed 2`; data/models/README.md). An option given here wins over the
# common ones (given after them): the dictionary start keeps the default rate for the
# thresholds and beta (1e-3).
declare -A options=(
  [ncpr-sigma25]="--sigma 25 --prox ncpr --init dictionary --steps 3000 --lr-hyper 1e-3"
  [ncpr-sigma5]="--sigma 5 --prox ncpr --init data/models/ncpr-sigma25.tsm --lambda 0.003 --steps 1000"
  [ncpr-sigma15]="--sigma 15 --prox ncpr --init data/models/ncpr-sigma25.tsm --lambda 0.0075 --steps 1000"
  [ncpr-sigma25-fast]="--sigma 25 --prox ncpr --init data/models/ncpr-sigma25.tsm --iterations 20 --image-step exact --steps 600 --seed 3"
  [ncpr-sigma50]="--sigma 50 --prox ncpr --init data/models/ncpr-sigma25.tsm --lambda 0.025 --steps 1000"
  [cpr-sigma25]="--sigma 25 --prox cpr --init data/models/ncpr-sigma25.tsm --lambda 0.002 --lr-decay 0.9 --steps 1000"
  [cpr-sigma5]="--sigma 5 --prox cpr --init data/models/ncpr-sigma25.tsm --lambda 0.002 --beta-init 0.5 --lr-decay 0.9 --steps 500"
  [ncpr-chroma-sigma25]="--sigma 25 --prox ncpr --init data/models/ncpr-sigma25.tsm --steps 400 --val-every 50"
  [ncpr-chroma-sigma15]="--sigma 15 --prox ncpr --init data/models/ncpr-sigma15.tsm --steps 400 --val-every 50"
)
order=(ncpr-sigma25 ncpr-sigma5 ncpr-sigma15 ncpr-sigma25-fast ncpr-sigma50 cpr-sigma25 cpr-sigma5
       ncpr-chroma-sigma25 ncpr-chroma-sigma15)
common="--lr-hyper 1e-2 --seed 1 --val-every 100 --checkpoint-every 10"

# Chroma-plane models (issue 20) learn from the opponent chroma planes of CBSD432, made once
# by tools/make-chroma-planes.py (11 images held out as the validation crops). The shipped
# ncpr-chroma-sigma25 is this 400-step run ended at step 160 (`--resume CKPT --steps 160`);
# its checkpoint, data/training/chroma25c.tsm.ckpt, continues it to 400 (ncpr-chroma-sigma15:
# ended at step 63, data/training/chroma15.tsm.ckpt).
chroma_data=${TESSERA_CHROMA_DATA:-../chroma-data}
data_args () {
  if [[ "$1" = *-chroma-* ]]; then
    if [ ! -d "$chroma_data/train" ]; then
      /usr/bin/python3 tools/make-chroma-planes.py ../shared/data/cbsd432 "$chroma_data" >&2
    fi
    echo "--data $chroma_data/train --val $chroma_data/val"
  else
    echo "--data $data"
  fi
}

for name in "${@:-${order[@]}}"; do
  [ -n "${options[$name]+x}" ] || { echo "unknown model $name" >&2; exit 2; }
  out="$runs/$name.tsm"
  if [ -f "data/models/$name.tsm" ]; then
    echo "$name: data/models/$name.tsm exists, skipped"
    continue
  fi
  if [[ "${options[$name]}" = *"--init data/models/ncpr-sigma25.tsm"* ]] && [ ! -f data/models/ncpr-sigma25.tsm ] \
     && [ ! -f "$out.ckpt" ]; then
    echo "$name: starts from data/models/ncpr-sigma25.tsm; train ncpr-sigma25 first" >&2
    exit 1
  fi
  if [ -f "$out.ckpt" ]; then
    echo "$name: resuming from $out.ckpt"
    # shellcheck disable=SC2046
    "$cli" train $(data_args "$name") --resume "$out.ckpt" -o "$out" 2>&1 | tee -a "$runs/$name.log"
  else
    echo "$name: training from scratch"
    # shellcheck disable=SC2086,SC2046
    "$cli" train $(data_args "$name") $common ${options[$name]} -o "$out" 2>&1 | tee -a "$runs/$name.log"
  fi
  cp "$out" "data/models/$name.tsm"
done

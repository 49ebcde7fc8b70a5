#!/bin/sh
# Command-level tests of tessera-cli: help, usage errors, a small demo + denoise run, and
# failures on bad inputs (exit codes, messages, no stray output). Needs no shared data.
# Usage: run-cli-tests.sh PATH/TO/tessera-cli [PATH/TO/icc-png-tool [PATH/TO/fastmri-tool]]
# Output: TAP.

CLI=${1:?usage: $0 PATH/TO/tessera-cli [PATH/TO/icc-png-tool [PATH/TO/fastmri-tool]]}
ICC_TOOL=${2:-}
FASTMRI_TOOL=${3:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/tessera-cli-tests.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# Only the built-in 'dct' model is used; keep installed models out of the way anyway.
TESSERA_MODEL_PATH=$T/no-models
export TESSERA_MODEL_PATH
LC_ALL=C
export LC_ALL

. "$(dirname "$0")/cli-tap.sh"

is_png () {
  # Signature at the start, IEND chunk (type + CRC) at the very end.
  [ -s "$1" ] \
    && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    && [ "$(tail -c 12 "$1" | od -An -tx1 | tr -d ' \n')" = "0000000049454e44ae426082" ]
}

dir_empty () { [ -z "$(ls -A "$1")" ]; }

# --- help ---------------------------------------------------------------------------------

for args in "--help" "-h" "help"; do
  run $args
  check "'$args' exits 0 with usage" eval 'rc_is 0 && out_has "^Usage:" && out_has "Commands:"'
done

# Every command listed in the top-level help (so new commands are covered automatically).
run --help
commands=$(sed -n '/^Commands:/,/^$/p' "$T/out" | awk 'NR > 1 && NF > 0 { print $1 }')
if [ -z "$commands" ]; then
  not_ok "top-level help lists commands"
else
  ok "top-level help lists commands: $(echo $commands)"
fi
for cmd in $commands; do
  run "$cmd" --help
  check "'$cmd --help' exits 0 with usage" \
    eval 'rc_is 0 && out_has "^Usage:" && out_has "tessera-cli $cmd"'
done

# Subcommands of 'model', as its own help lists them.
run model --help
subcommands=$(awk '$1 == "tessera-cli" && $2 == "model" { print $3 }' "$T/out")
check "'model --help' lists subcommands" [ -n "$subcommands" ]
for sub in $subcommands; do
  run model "$sub" --help
  check "'model $sub --help' exits 0 with usage" \
    eval 'rc_is 0 && out_has "^Usage:" && out_has "tessera-cli model $sub"'
done

# --- usage errors -------------------------------------------------------------------------

run --no-such-option
check "unknown global option exits 2" eval 'rc_is 2 && err_has "no-such-option"'
run no-such-command
check "unknown command exits 2" eval 'rc_is 2 && err_has "no-such-command"'
for cmd in $commands; do
  run "$cmd" --no-such-option
  check "'$cmd --no-such-option' exits 2" eval 'rc_is 2 && err_has "no-such-option"'
done
for sub in $subcommands; do
  run model "$sub" --no-such-option
  check "'model $sub --no-such-option' exits 2" eval 'rc_is 2 && err_has "no-such-option"'
done
run model no-such-subcommand
check "unknown model subcommand exits 2" eval 'rc_is 2 && err_has "no-such-subcommand"'

# --- demo, then denoise its picture --------------------------------------------------------

run demo -o "$T/demo" --size 64 --model dct --tol 0 --max-iter 2
check "demo exits 0 and reports PSNR" eval 'rc_is 0 && out_has "PSNR" && out_has "dct"'
for f in clean noisy denoised smooth sparse cost; do
  check "demo wrote a valid $f.png" is_png "$T/demo/$f.png"
done
check "demo left no temporary files" eval '[ -z "$(ls -A "$T/demo" | grep "^\.")" ]'

# estimate-noise: the level alone on the first line (scripts read it), the reading on request.
run estimate-noise "$T/demo/noisy.png"
check "estimate-noise prints the level alone on one line" \
  eval 'rc_is 0 && [ "$(wc -l <"$T/out")" -eq 1 ] && grep -Eq "^[0-9]+\.[0-9][0-9]$" "$T/out"'
run estimate-noise --reading "$T/demo/noisy.png"
check "estimate-noise --reading: the level first, then the white noise assumed and the readings" \
  eval 'rc_is 0 && head -n 1 "$T/out" | grep -Eq "^[0-9]+\.[0-9][0-9]$" && out_has "^noise: white$" \
        && out_has "^planes: gray$" && out_has "^coarse: " && out_has "^evenness: "'
run estimate-noise
check "estimate-noise without an image exits 2" eval 'rc_is 2 && err_has "IMAGE"'

run denoise "$T/demo/noisy.png" -o "$T/denoised.png" --model dct --sigma 25 --tol 0 \
  --max-iter 5 --stats "$T/stats.json"
check "denoise exits 0" rc_is 0
check "denoise wrote a valid PNG" is_png "$T/denoised.png"
check "stats JSON has iterations == 5" \
  grep -Eq '^[[:space:]]*"iterations"[[:space:]]*:[[:space:]]*5[[:space:]]*,?[[:space:]]*$' \
  "$T/stats.json"
check "stats JSON reports the products' throughput and the BLAS kernels" \
  eval 'grep -q "\"gemm_gflops\"" "$T/stats.json" && grep -q "\"blas_kernel\"" "$T/stats.json"'
run denoise "$T/demo/noisy.png" -o "$T/restart.png" --model dct --sigma 25 --tol 0 \
  --max-iter 5 --restart-every 2
check "denoise --restart-every 2 exits 0" eval 'rc_is 0 && is_png "$T/restart.png"'
run denoise "$T/demo/noisy.png" -o "$T/restart.png" --model dct --restart-every -1
check "denoise --restart-every -1 exits 2 naming the option" eval 'rc_is 2 && err_has "restart-every"'
# Tiles: each stops by its own rule (one pass) or all by the whole image's (two passes);
# the two stops give different results (a 160 x 160 picture: 3 x 3 tiles of 64).
run demo -o "$T/demo160" --size 160 --model dct --tol 0 --max-iter 2
run denoise "$T/demo160/noisy.png" -o "$T/tiles-common.png" --model dct --sigma 25 --tol 1e-3 \
  --tile 64 --tile-stop common
check "denoise --tile 64 --tile-stop common exits 0" eval 'rc_is 0 && is_png "$T/tiles-common.png"'
run denoise "$T/demo160/noisy.png" -o "$T/tiles-own.png" --model dct --sigma 25 --tol 1e-3 \
  --tile 64 --tile-stop own
check "denoise --tile-stop own exits 0 and differs from the common stop" \
  eval 'rc_is 0 && is_png "$T/tiles-own.png" && ! cmp -s "$T/tiles-own.png" "$T/tiles-common.png"'
run denoise "$T/demo/noisy.png" -o "$T/tiles-bad.png" --model dct --tile-stop sometimes
check "denoise --tile-stop sometimes exits 2 naming the option" \
  eval 'rc_is 2 && err_has "tile-stop" && [ ! -e "$T/tiles-bad.png" ]'

# Progress: on a terminal (a pseudo-terminal from util-linux's script) the line ends with the
# time remaining once it can be estimated; with stderr redirected, no progress line at all.
if command -v script >/dev/null 2>&1 && script -qfec true /dev/null >/dev/null 2>&1; then
  printf '#!/bin/sh\nexec "%s" denoise "%s" -o "%s" --model dct --sigma 25 --tol 0 --max-iter 60\n' \
    "$CLI" "$T/demo160/noisy.png" "$T/pty.png" >"$T/pty.sh"
  chmod +x "$T/pty.sh"
  script -qfec "$T/pty.sh" /dev/null >"$T/pty.txt" 2>&1
  rc=$?
  check "on a terminal the progress line says the time remaining" \
    eval 'rc_is 0 && is_png "$T/pty.png" && grep -q "iteration .*%, about .* remaining" "$T/pty.txt"'
else
  ok "progress on a terminal # SKIP script (util-linux) is not available"
fi
run denoise "$T/demo160/noisy.png" -o "$T/no-pty.png" --model dct --sigma 25 --tol 0 --max-iter 60
check "with stderr not a terminal there is no progress line" \
  eval 'rc_is 0 && ! err_has "remaining" && ! err_has "iteration [0-9]" && ! grep -q "$(printf "\r")" "$T/err"'

check "stats JSON has max_iter == 5 and converged false" \
  eval 'grep -Eq "\"max_iter\"[[:space:]]*:[[:space:]]*5" "$T/stats.json" \
        && grep -Eq "\"converged\"[[:space:]]*:[[:space:]]*false" "$T/stats.json"'

# --- the first photo: no -o, JPEG in and out (issue 25) ------------------------------------

is_jpeg () {
  # SOI at the start, EOI at the very end.
  [ -s "$1" ] && [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = "ffd8ff" ] \
    && [ "$(tail -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "ffd9" ]
}

mkdir -p "$T/photo"
cp "$T/demo/noisy.png" "$T/photo/cat.png"
run denoise "$T/photo/cat.png" --model dct --sigma 25 --tol 0 --max-iter 2
check "denoise without -o writes IN-denoised.png beside the input and says so" \
  eval 'rc_is 0 && is_png "$T/photo/cat-denoised.png" && err_has "cat-denoised.png"'
printf 'precious' >"$T/photo/cat-denoised.png"
run denoise "$T/photo/cat.png" --model dct --sigma 25 --tol 0 --max-iter 2
check "denoise without -o never replaces a file: IN-denoised-2.png next" \
  eval 'rc_is 0 && is_png "$T/photo/cat-denoised-2.png" && err_has "cat-denoised-2.png" \
        && [ "$(cat "$T/photo/cat-denoised.png")" = precious ]'
run denoise "$T/photo/cat.png" --model dct --sigma 25 --tol 0 --max-iter 2 --quiet
check "denoise without -o and --quiet writes IN-denoised-3.png and says nothing" \
  eval 'rc_is 0 && is_png "$T/photo/cat-denoised-3.png" && [ ! -s "$T/err" ]'
run denoise "$T/photo/cat.png" -o "$T/photo/cat.jpg" --model dct --sigma 25 --tol 0 --max-iter 2
check "denoise -o OUT.jpg writes a JPEG" eval 'rc_is 0 && is_jpeg "$T/photo/cat.jpg"'
run denoise "$T/photo/cat.png" -o "$T/photo/cat-q20.jpeg" --model dct --sigma 25 --tol 0 \
  --max-iter 2 --quality 20
check "denoise --quality 20 writes a smaller JPEG than the default 95" \
  eval 'rc_is 0 && is_jpeg "$T/photo/cat-q20.jpeg" \
        && [ "$(wc -c <"$T/photo/cat-q20.jpeg")" -lt "$(wc -c <"$T/photo/cat.jpg")" ]'
run denoise "$T/photo/cat.jpg" --model dct --sigma 25 --tol 0 --max-iter 2
check "denoise of a JPEG without -o writes the next free IN-denoised-N.png" \
  eval 'rc_is 0 && is_png "$T/photo/cat-denoised-4.png" && err_has "cat-denoised-4.png"'
for q in 0 101; do
  run denoise "$T/photo/cat.png" -o "$T/photo/bad-$q.jpg" --model dct --quality $q
  check "denoise --quality $q exits 2 naming the option" \
    eval 'rc_is 2 && err_has "quality" && [ ! -e "$T/photo/bad-$q.jpg" ]'
done
run denoise "$T/photo/cat.png" -o "$T/photo/bad.png" --model dct --quality 90
check "denoise --quality with a PNG output exits 2" eval 'rc_is 2 && err_has "JPEG output only"'
run denoise "$T/photo/cat.png" -o "$T/photo/bad.jpg" --model dct --bit-depth 16
check "denoise --bit-depth 16 with a JPEG output exits 2" eval 'rc_is 2 && err_has "JPEG: 8"'
if [ -n "$ICC_TOOL" ]; then
  "$ICC_TOOL" write "$T/photo/rgba.png" 4
  run denoise "$T/photo/rgba.png" -o "$T/photo/rgba.jpg" --model dct --sigma 25
  check "denoise of an RGBA image to JPEG exits 2 before solving, naming the alpha" \
    eval 'rc_is 2 && err_has "no alpha" && [ ! -e "$T/photo/rgba.jpg" ]'
else
  ok "RGBA to JPEG refused # SKIP no icc-png-tool given"
fi
run sr "$T/photo/cat.png" --model dct --sigma 25 --tol 0 --max-iter 1
check "sr without -o writes IN-sr.png beside the input" \
  eval 'rc_is 0 && is_png "$T/photo/cat-sr.png" && err_has "cat-sr.png"'
run denoise --help
check "denoise --help documents the default output and --quality" \
  eval 'out_has "IN-denoised.png" && out_has "--quality"'

# --- bit depth and ICC profile of the input kept (issue 6) ----------------------------------

# 16-bit PNGs with an ICC profile, gray (1), colour (3) and colour + alpha (4): the output
# is 16-bit with the same profile bytes; --bit-depth 8 still gives 8 bits (same profile).
if [ -n "$ICC_TOOL" ]; then
  for c in 1 3 4; do
    "$ICC_TOOL" write "$T/in16-$c.png" "$c"
    want=$("$ICC_TOOL" info "$T/in16-$c.png")
    run denoise "$T/in16-$c.png" -o "$T/out16-$c.png" --model dct --sigma 10 --max-iter 2 --tol 0
    got=$("$ICC_TOOL" info "$T/out16-$c.png" 2>/dev/null)
    check "denoise of a $c-channel 16-bit PNG with an ICC profile writes 16 bits and the profile" \
      eval 'rc_is 0 && [ "$got" = "$want" ] && [ "${want#depth 16 icc }" != "$want" ] \
            && [ "${want#depth 16 icc none}" = "$want" ]'
    run denoise "$T/in16-$c.png" -o "$T/out8-$c.png" --model dct --sigma 10 --max-iter 2 --tol 0 \
      --bit-depth 8
    got=$("$ICC_TOOL" info "$T/out8-$c.png" 2>/dev/null)
    check "denoise --bit-depth 8 of a $c-channel 16-bit PNG writes 8 bits and the profile" \
      eval 'rc_is 0 && [ "$got" = "depth 8 icc ${want#depth 16 icc }" ]'
  done
else
  ok "16-bit PNG with an ICC profile through denoise # SKIP no icc-png-tool given"
fi

# --- failures -----------------------------------------------------------------------------

mkdir -p "$T/fail-out"

run denoise "$T/does-not-exist.png" -o "$T/fail-out/out.png" --model dct --sigma 25
check "missing input exits 1 naming the file" eval 'rc_is 1 && err_has "does-not-exist.png"'
check "missing input: no output written" dir_empty "$T/fail-out"

head -c 300 "$T/demo/clean.png" >"$T/cut.png"
run denoise "$T/cut.png" -o "$T/fail-out/out.png" --model dct --sigma 25
check "truncated PNG exits 1 naming the file" eval 'rc_is 1 && err_has "cut.png"'
check "truncated PNG: no output (nor temporary) file created" dir_empty "$T/fail-out"

run denoise "$T/demo/noisy.png" -o "$T/no/such/folder/out.png" --model dct --sigma 25
check "output into a nonexistent folder exits 1" eval 'rc_is 1 && err_has "no/such/folder"'
check "nonexistent output folder was not created" eval '[ ! -e "$T/no" ]'

# A reference model folder with config.json, atoms.npy and free_atoms.npy but no beta.npy.
ref="$T/ref-model"
mkdir -p "$ref"
cat >"$ref/config.json" <<'EOF'
{
  "dict_params": { "atom_size": 2, "nb_atoms": 1, "nb_free_atoms": 1, "tol": 0.0001 },
  "prox_params": { "groupsize": 1, "lambda_init": 0.0125, "order": 1.8, "prox_type": "l0norm" },
  "sigma": 25
}
EOF
write_npy_f4_1x2x2 () {
  # .npy 1.0: magic, version, header length 118 (0x76), dict padded to 117 + newline, data.
  {
    printf '\223NUMPY\001\000\166\000'
    printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }"
    head -c 16 /dev/zero
  } >"$1"
}
write_npy_f4_1x2x2 "$ref/atoms.npy"
write_npy_f4_1x2x2 "$ref/free_atoms.npy"
run model import "$ref" -o "$T/fail-out/model.tsm"
check "model import of a folder missing beta.npy exits 1 naming it" \
  eval 'rc_is 1 && err_has "ref-model/beta.npy"'
check "model import: no .tsm written" dir_empty "$T/fail-out"
rm -f "$ref/atoms.npy"
run model import "$ref" -o "$T/fail-out/model.tsm"
check "model import of a folder missing atoms.npy exits 1 naming it" \
  eval 'rc_is 1 && err_has "ref-model/atoms.npy"'
rm -f "$ref/config.json"
run model import "$ref" -o "$T/fail-out/model.tsm"
check "model import of a folder without config.json exits 1 naming it" \
  eval 'rc_is 1 && err_has "ref-model/config.json"'

printf 'this is not a model\n' >"$T/garbage.tsm"
run model info "$T/garbage.tsm"
check "model info on a garbage .tsm exits 1 naming it" eval 'rc_is 1 && err_has "garbage.tsm"'
: >"$T/empty.tsm"
run model info "$T/empty.tsm"
check "model info on an empty .tsm exits 1 naming it" eval 'rc_is 1 && err_has "empty.tsm"'
printf 'TESSMODL\001\000\000\000\377\377' >"$T/truncated.tsm"
run model info "$T/truncated.tsm"
check "model info on a truncated .tsm exits 1 naming it" \
  eval 'rc_is 1 && err_has "truncated.tsm"'
# Issue 24: --atoms prints the localisation figure and one line per atom. The DCT model's
# dictionary atoms are cosines spread over the whole patch: far below 1.
run model info dct --sigma 25 --atoms
check "model info --atoms prints the localisation and 148 atom lines" \
  eval 'rc_is 0 && out_has "^localisation: 0\\.[0-9]" && [ "$(grep -c "^ *[0-9][0-9]* " "$T/out")" -eq 148 ]'
run model info dct --sigma 25 --atoms --json
check "model info --atoms --json has the figure and the atoms" \
  eval 'rc_is 0 && out_has "\"localisation\"" && out_has "\"coherence\""'

# --- train: argument errors, a tiny run, resume --------------------------------------------

mkdir -p "$T/train-data" "$T/train-empty" "$T/train-out"
cp "$T/demo/"*.png "$T/train-data/"
run train --sigma 25 --prox ncpr -o "$T/train-out/m.tsm"
check "train without --data exits 2 naming it" eval 'rc_is 2 && err_has "missing --data"'
run train --data "$T/train-data" --sigma 25 --prox foo -o "$T/train-out/m.tsm"
check "train --prox foo exits 2" eval 'rc_is 2 && err_has "prox must be ncpr or cpr"'
run train --data "$T/train-data" --prox ncpr -o "$T/train-out/m.tsm"
check "train without --sigma exits 2" eval 'rc_is 2 && err_has "missing --sigma"'
run train --data "$T/train-empty" --sigma 25 --prox ncpr -o "$T/train-out/m.tsm"
check "train on an empty data folder exits 1 naming it" \
  eval 'rc_is 1 && err_has "train-empty: no images"'
printf 'TESSCKPT\001\000\000\000garbage' >"$T/corrupt.ckpt"
run train --data "$T/train-data" -o "$T/train-out/m.tsm" --resume "$T/corrupt.ckpt"
check "train --resume of a corrupt checkpoint exits 1 naming it" \
  eval 'rc_is 1 && err_has "corrupt.ckpt: truncated"'
run train --data "$T/train-data" -o "$T/train-out/m.tsm" --resume "$T/demo/clean.png"
check "train --resume of a PNG exits 1: not a checkpoint" \
  eval 'rc_is 1 && err_has "clean.png: not a Tessera training checkpoint"'
run train --data "$T/train-data" --sigma 25 --prox ncpr --colour swirl -o "$T/train-out/m.tsm"
check "train --colour swirl exits 2 naming the forms" \
  eval 'rc_is 2 && err_has "--colour must be '"'"'planes'"'"' or '"'"'joint'"'"'"'
run train --data "$T/train-data" --sigma 25 --prox ncpr --colour joint -o "$T/train-out/m.tsm"
check "train --colour joint on gray images exits 1: it trains on colour" \
  eval 'rc_is 1 && err_has "--colour joint trains on colour (RGB) images"'
check "train: failed starts wrote nothing" dir_empty "$T/train-out"

# A few steps of a tiny model (well under a second), then resumes of the finished run.
tiny="--atoms 4 --free-atoms 2 --atom-size 5 --crop 16 --batch 2 --steps 4 --val-every 2"
run train --data "$T/train-data" --sigma 25 --prox ncpr $tiny -o "$T/train-out/tiny.tsm"
check "train of a tiny model exits 0 with a summary" \
  eval 'rc_is 0 && out_has "trained 4 steps" && out_has "s/step: forward"'
check "train held out a validation image and said so" err_has "1 held out for validation"
check "train wrote the checkpoint next to the model" \
  eval '[ "$(head -c 8 "$T/train-out/tiny.tsm.ckpt")" = TESSCKPT ]'
run model info "$T/train-out/tiny.tsm"
check "the trained model loads, with the command line in its provenance" \
  eval 'rc_is 0 && out_has "trained with: tessera-cli train" && out_has "atoms (K):   4"'
check "model info names a grayscale model's colour form" out_has "colour form: planes"
run train --data "$T/train-data" --crop 20 -o "$T/train-out/tiny2.tsm" \
  --resume "$T/train-out/tiny.tsm.ckpt"
check "train --resume with another --crop exits 2 naming it" \
  eval 'rc_is 2 && err_has "crop 20 (checkpoint: 16)"'
run train --data "$T/train-data" --crop 16 --sigma 25 -o "$T/train-out/tiny2.tsm" \
  --resume "$T/train-out/tiny.tsm.ckpt"
check "train --resume of a finished run with matching options exits 0" \
  eval 'rc_is 0 && out_has "trained 4 steps" && [ -s "$T/train-out/tiny2.tsm" ]'
run model info "$T/train-out/tiny2.tsm"
check "a resumed run's model names the command that started it and the resume" \
  eval 'rc_is 0 && out_has "trained with: tessera-cli train .*--steps 4" \
        && out_has "resumed at step 4 with: tessera-cli train .*--resume"'
run train --data "$T/demo" --sigma 25 --prox ncpr $tiny -o "$T/train-out/tiny3.tsm" \
  --checkpoint "$T/train-out/tiny3.ckpt" --val "$T/train-data"
check "train with --val and --checkpoint exits 0" \
  eval 'rc_is 0 && [ -s "$T/train-out/tiny3.ckpt" ] && err_has "6 validation images"'
# A fine-tune from a trained model (--init MODEL) starts at its learned beta, or at --beta-init.
run model info "$T/train-out/tiny.tsm"
tiny_beta=$(sed -n 's/^beta: *//p' "$T/out")
run train --data "$T/train-data" --sigma 15 --prox ncpr $tiny --init "$T/train-out/tiny.tsm" \
  -o "$T/train-out/tiny5.tsm"
run model info "$T/train-out/tiny5.tsm"
check "train --init MODEL starts from the model's beta ($tiny_beta) and says so" \
  eval '[ -n "$tiny_beta" ] && out_has "sigma 15, .*beta from $tiny_beta\$"'
run train --data "$T/train-data" --sigma 15 --prox ncpr $tiny --init "$T/train-out/tiny.tsm" \
  --beta-init 0.7 -o "$T/train-out/tiny6.tsm"
run model info "$T/train-out/tiny6.tsm"
check "train --init MODEL --beta-init 0.7 starts from 0.7" out_has "beta from 0.7\$"
mkdir -p "$T/train-other"
cp "$T/demo/clean.png" "$T/demo/noisy.png" "$T/train-other/"
run train --data "$T/train-other" -o "$T/train-out/tiny4.tsm" \
  --resume "$T/train-out/tiny.tsm.ckpt"
check "train --resume with other training images exits 1" \
  eval 'rc_is 1 && err_has "training images differ"'

# The learned start (issue 24): a tiny model from it.
run train --data "$T/train-data" --sigma 25 --prox ncpr --init dictionary $tiny \
  -o "$T/train-out/tiny-dict.tsm"
check "train --init dictionary exits 0" \
  eval 'rc_is 0 && out_has "trained 4 steps" && [ -s "$T/train-out/tiny-dict.tsm" ]'

# A tiny CPR model (2x2 groups) from the patches start; it denoises a picture of odd sides
# and the output keeps the input's size.
run train --data "$T/train-data" --sigma 25 --prox cpr --init patches $tiny \
  -o "$T/train-out/tiny-cpr.tsm"
check "train --prox cpr --init patches exits 0" \
  eval 'rc_is 0 && out_has "trained 4 steps" && [ -s "$T/train-out/tiny-cpr.tsm" ]'
run demo -o "$T/odd" --size 37 --model dct --tol 0 --max-iter 2
png_size () { od -An -tu1 -j 16 -N 8 "$1" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }'; }
run denoise "$T/odd/noisy.png" -o "$T/odd-cpr.png" --model "$T/train-out/tiny-cpr.tsm" \
  --sigma 25 --max-iter 3 --stats "$T/odd-cpr.json"
check "denoise of a 37 x 37 picture with 2x2 groups keeps its size" \
  eval 'rc_is 0 && [ "$(png_size "$T/odd-cpr.png")" = 37x37 ] && err_has "solved 37 x 37 as 38 x 38" \
        && grep -q "\"extended_to_even\" : true" "$T/odd-cpr.json"'

# Ctrl+C: a run far too long to finish is interrupted after a second; it writes the
# checkpoint, prints the resume command and exits 130; the checkpoint loads (a resume with
# another --batch is refused by comparing with it); --steps moves the run's end.
"$CLI" train --data "$T/train-data" --sigma 25 --prox ncpr --atoms 4 --free-atoms 2 \
  --atom-size 5 --crop 16 --batch 2 --steps 1000000 -o "$T/train-out/long.tsm" \
  >"$T/out" 2>"$T/err" &
pid=$!
sleep 1
kill -INT "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null
wait "$pid"
rc=$?
check "train interrupted by SIGINT exits 130 with the resume command" \
  eval 'rc_is 130 && err_has "interrupted at step" && err_has "resume with: tessera-cli train .*--resume .*long.tsm.ckpt"'
check "interrupted train wrote no model" eval '[ ! -e "$T/train-out/long.tsm" ]'
done_steps=$(sed -n 's/.*interrupted at step \([0-9]*\) of.*/\1/p' "$T/err")
run train --data "$T/train-data" --batch 3 -o "$T/train-out/long.tsm" \
  --resume "$T/train-out/long.tsm.ckpt"
check "the checkpoint of the interrupted run loads" \
  eval 'rc_is 2 && err_has "batch 3 (checkpoint: 2)"'
end=$(( ${done_steps:-0} > 0 ? done_steps : 1 ))
run train --data "$T/train-data" --steps "$end" -o "$T/train-out/long.tsm" \
  --resume "$T/train-out/long.tsm.ckpt"
check "--resume --steps N ends the run at N and writes its model" \
  eval 'rc_is 0 && err_has "now ends at step $end instead of 1000000" && [ -s "$T/train-out/long.tsm" ]'
run train --data "$T/train-data" --steps $((end + 2)) -o "$T/train-out/long.tsm" \
  --resume "$T/train-out/long.tsm.ckpt"
check "--resume --steps extends a finished run" \
  eval 'rc_is 0 && out_has "trained $((end + 2)) steps"'
run train --data "$T/train-data" --steps $((end + 1)) -o "$T/train-out/long.tsm" \
  --resume "$T/train-out/long.tsm.ckpt"
check "--resume --steps before the steps done is refused" \
  eval 'rc_is 2 && err_has "$((end + 2)) steps are done already"'

# --- hostile inputs and failing writes ------------------------------------------------------

# A 4 x 4 float32 .npy whose value at row 1, column 2 is NaN.
{
  printf '\223NUMPY\001\000\166\000'
  printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }"
  head -c 24 /dev/zero
  printf '\000\000\300\177'
  head -c 36 /dev/zero
} >"$T/nan.npy"
run denoise "$T/nan.npy" -o "$T/fail-out/out.png" --model dct --sigma 25
check "NaN input exits 1 naming the file and the pixel" \
  eval 'rc_is 1 && err_has "nan.npy: NaN value at row 1, column 2"'
check "NaN input: no output written" dir_empty "$T/fail-out"

# A PNG whose header claims 100000 x 100000 pixels (signature, IHDR, a 2-byte IDAT, IEND).
{
  printf '\211PNG\r\n\032\n'
  printf '\000\000\000\015IHDR\000\001\206\240\000\001\206\240\010\002\000\000\000'
  printf '\047\060\234\237'
  printf '\000\000\000\002IDATx\234\142\244\221\053'
  printf '\000\000\000\000IEND\256B`\202'
} >"$T/huge.png"
run denoise "$T/huge.png" -o "$T/fail-out/out.png" --model dct --sigma 25
check "PNG declaring 100000 x 100000 exits 1 with the limit" \
  eval 'rc_is 1 && err_has "huge.png: image is 100000 x 100000 pixels, over the limit"'
check "huge PNG: no output written" dir_empty "$T/fail-out"

# Disk full, simulated with a file size limit (ulimit -f counts 512- or 1024-byte blocks
# depending on the shell; 16 blocks is far below any of these outputs of a 256 x 256
# picture): the save fails with EFBIG, the old file survives and no temporary file is
# left. The CLI ignores SIGXFSZ, so the write fails instead of killing it.
run demo -o "$T/big" --size 256 --model dct --tol 0 --max-iter 1
check "demo of 256 x 256 for the disk-full tests" rc_is 0
mkdir -p "$T/full"
for ext in png tif npy jpg; do
  printf 'precious' >"$T/full/keep.$ext"
  (ulimit -f 16 && exec "$CLI" denoise "$T/big/noisy.png" -o "$T/full/keep.$ext" --model dct \
     --sigma 25 --tol 0 --max-iter 1) >"$T/out" 2>"$T/err"
  rc=$?
  check "disk full (ulimit -f) writing .$ext exits 1 with 'File too large'" \
    eval 'rc_is 1 && err_has "keep.$ext" && err_has "File too large"'
  check "disk full writing .$ext: the existing file is intact" \
    eval '[ "$(cat "$T/full/keep.$ext")" = precious ]'
  rm -f "$T/full/keep.$ext"
  (ulimit -f 16 && exec "$CLI" denoise "$T/big/noisy.png" -o "$T/full/new.$ext" --model dct \
     --sigma 25 --tol 0 --max-iter 1) >"$T/out" 2>"$T/err"
  rc=$?
  check "disk full writing a new .$ext exits 1 and leaves no file at all" \
    eval 'rc_is 1 && dir_empty "$T/full"'
done

# Memory: a whole-image solve that would not fit in the memory available is refused before
# it starts (TESSERA_MEMORY_LIMIT stands in for a small machine); denoising switches to
# tiles instead.
mkdir -p "$T/mem"
(TESSERA_MEMORY_LIMIT=1000000 && export TESSERA_MEMORY_LIMIT \
  && exec "$CLI" sr "$T/demo/clean.png" -o "$T/mem/sr.png" --model dct --sigma 25 --max-iter 1) \
  >"$T/out" 2>"$T/err"
rc=$?
check "sr over the available memory exits 1 with a clear refusal" \
  eval 'rc_is 1 && err_has "a 268 x 268 solve with model dct-sigma25 needs about" \
        && err_has "but only 1.0 MB is available"'
check "sr over the available memory: no output written" dir_empty "$T/mem"
(TESSERA_MEMORY_LIMIT=100000000 && export TESSERA_MEMORY_LIMIT \
  && exec "$CLI" denoise "$T/big/noisy.png" -o "$T/mem/tiled.png" --model dct --sigma 25 \
     --tol 0 --max-iter 1) >"$T/out" 2>"$T/err"
rc=$?
check "denoise over the available memory goes through tiles and succeeds" \
  eval 'rc_is 0 && is_png "$T/mem/tiled.png"'

# --- task presets: tune writes one, sr and mri use it and say so ----------------------------

mkdir -p "$T/tune-val" "$T/tune-empty"
cp "$T/demo/clean.png" "$T/tune-val/a.png"
cp "$T/demo/denoised.png" "$T/tune-val/b.png"
run tune --task sr --data "$T/tune-val" --model dct --sigma 25 -o "$T/tuned.tsm" \
  --evaluations 6 --max-iter 8
check "tune exits 0, prints each evaluation and the best, writes the model" \
  eval 'rc_is 0 && out_has "^  1/6   start" && out_has "^best: preset sr-x4 beta" && [ -s "$T/tuned.tsm" ]'
check "tune: the best mean PSNR is at least the start's" \
  eval 'sed -n "s/.*mean PSNR \([0-9.]*\) dB (start \([0-9.]*\) dB.*/\1 \2/p" "$T/out" \
        | awk "{ exit !(NF == 2 && \$1 >= \$2) }"'
run model info "$T/tuned.tsm"
check "the tuned model loads and lists its sr-x4 preset" \
  eval 'rc_is 0 && out_has "sr-x4: beta" && out_has "tuned on"'
run tune --task sr --data "$T/tune-val" --model "$T/tuned.tsm" -o "$T/tuned.tsm" --evaluations 1
check "tune refuses to write over the model it reads" \
  eval 'rc_is 2 && err_has "is the model read"'
run tune --task denoise --data "$T/tune-val" -o "$T/x.tsm"
check "tune --task denoise is a usage error" eval 'rc_is 2 && err_has "sr or mri"'
run tune --task mri --data "$T/tune-empty" --model dct --sigma 25 -o "$T/x.tsm"
check "tune on a folder without slices says so" \
  eval 'rc_is 1 && err_has "nothing to tune on" && [ ! -e "$T/x.tsm" ]'
run tune --task sr --data "$T/tune-val" --model dct --sigma 25 -o "$T/x.tsm" --preset "Bad Name"
check "tune --preset with a bad name is a usage error" eval 'rc_is 2 && err_has "a-z, 0-9"'

run sr "$T/demo/clean.png" -o "$T/preset-sr.png" --model "$T/tuned.tsm" --tol 0 --max-iter 1 \
  --stats "$T/preset.json"
check "sr takes the model's sr-x4 preset by default and says so on stderr" \
  eval 'rc_is 0 && err_has "sr: preset sr-x4 of dct-sigma25"'
check "sr --stats names the preset" \
  eval 'grep -Eq "\"preset\"[[:space:]]*:[[:space:]]*\"sr-x4\"" "$T/preset.json" \
        && grep -Eq "\"beta_from\"[[:space:]]*:[[:space:]]*\"preset\"" "$T/preset.json"'
run sr "$T/demo/clean.png" -o "$T/preset-sr2.png" --model "$T/tuned.tsm" --tol 0 --max-iter 1 \
  --preset sr-x4 --beta 0.5 --stats "$T/preset2.json"
check "sr --preset NAME --beta B: beta given, lambda the preset's" \
  eval 'rc_is 0 && grep -Eq "\"beta_from\"[[:space:]]*:[[:space:]]*\"given\"" "$T/preset2.json" \
        && grep -Eq "\"lambda_from\"[[:space:]]*:[[:space:]]*\"preset\"" "$T/preset2.json" \
        && grep -Eq "\"beta\"[[:space:]]*:[[:space:]]*0.5," "$T/preset2.json"'
run sr "$T/demo/clean.png" -o "$T/preset-none.png" --model "$T/tuned.tsm" --tol 0 --max-iter 1 \
  --preset none --stats "$T/preset3.json"
check "sr --preset none uses no preset and says so" \
  eval 'rc_is 0 && err_has "sr: no preset" \
        && grep -Eq "\"preset\"[[:space:]]*:[[:space:]]*\"none\"" "$T/preset3.json"'
run sr "$T/demo/clean.png" -o "$T/preset-dct.png" --model dct --sigma 25 --tol 0 --max-iter 1 \
  --stats "$T/preset4.json"
check "sr with a model without presets: none, its own values" \
  eval 'rc_is 0 && err_has "no preset (dct-sigma25 has no sr-x4): the model.s own values" \
        && grep -Eq "\"preset\"[[:space:]]*:[[:space:]]*\"none\"" "$T/preset4.json"'
run sr "$T/demo/clean.png" -o "$T/preset-bad.png" --model "$T/tuned.tsm" --preset sr-x8
check "sr --preset with a name the model lacks fails clearly, before any work" \
  eval 'rc_is 1 && err_has "has no preset .sr-x8. (it has: sr-x4" && [ ! -e "$T/preset-bad.png" ]'
run sr "$T/demo/clean.png" -o "$T/preset-bad.png" --model "$T/tuned.tsm" --preset mri-acc8-pd
check "sr --preset of the MRI task fails clearly" \
  eval 'rc_is 1 && err_has "is for MRI, not super-resolution"'
run mri "$T/tune-empty" --contrast t2
check "mri --contrast other than pd or pdfs is a usage error" \
  eval 'rc_is 2 && err_has "pd or pdfs"'
# fastMRI HDF5: a single-coil scan written with the HDF5 C API (fastmri-tool: 3 slices of
# 64 x 48, the file's mask, reconstruction_esc) reconstructs to a PNG, the middle slice by
# default, scored against the file's ground truth; multi-coil, out-of-range slices and
# corrupt files are refused in one line naming the file (libhdf5 prints nothing).
if [ -n "$FASTMRI_TOOL" ]; then
  mkdir -p "$T/h5"
  "$FASTMRI_TOOL" scan "$T/h5/scan.h5" && "$FASTMRI_TOOL" multicoil "$T/h5/multicoil.h5"
  run mri "$T/h5/scan.h5" -o "$T/h5/out.png" --model dct --tol 0 --max-iter 5 \
    --stats "$T/h5/stats.json"
  check "mri scan.h5 -o out.png exits 0 and writes a PNG" \
    eval 'rc_is 0 && is_png "$T/h5/out.png"'
  check "mri scan.h5 reads the middle slice, the file's mask and its ground truth" \
    eval 'err_has "slice 1 of 0..2, the middle one" && err_has "the file.s mask" \
          && err_has "PSNR" && grep -q "\"ground_truth\" : \"reconstruction_esc\"" "$T/h5/stats.json" \
          && grep -q "\"slice\" : 1," "$T/h5/stats.json"'
  run mri "$T/h5/scan.h5" --slice 2 -o "$T/h5/slice2.png" --model dct --tol 0 --max-iter 2
  check "mri scan.h5 --slice 2 exits 0" eval 'rc_is 0 && is_png "$T/h5/slice2.png" && err_has "slice 2 of 0..2,"'
  run mri "$T/h5/scan.h5" --slice 3 -o "$T/h5/slice3.png" --model dct
  check "mri scan.h5 --slice 3 (out of range) exits 1 naming the range, no output" \
    eval 'rc_is 1 && err_has "scan.h5: slice 3 is out of range: the file has 3 slices (0 to 2)" \
          && [ ! -e "$T/h5/slice3.png" ]'
  run mri "$T/h5/multicoil.h5" -o "$T/h5/mc.png" --model dct
  check "mri of a multi-coil file exits 1 saying only single-coil files are supported" \
    eval 'rc_is 1 && err_has "multicoil.h5: multi-coil k-space (kspace is 2 x 4 x 32 x 24" \
          && err_has "only single-coil files are" && [ "$(wc -l <"$T/err")" -eq 1 ]'
  head -c 3000 "$T/h5/scan.h5" >"$T/h5/truncated.h5"
  run mri "$T/h5/truncated.h5" -o "$T/h5/t.png" --model dct
  check "mri of a truncated .h5 exits 1 in one line naming the file (no HDF5 error stack)" \
    eval 'rc_is 1 && err_has "truncated.h5: corrupt or truncated HDF5 file: truncated file" \
          && [ "$(wc -l <"$T/err")" -eq 1 ]'
  echo "not HDF5" >"$T/h5/text.h5"
  run mri "$T/h5/text.h5" -o "$T/h5/t.png" --model dct
  check "mri of a text file named .h5 exits 1: not an HDF5 file" \
    eval 'rc_is 1 && err_has "text.h5: not an HDF5 file: it looks like a text file"'
  mkdir -p "$T/h5set"
  cp "$T/h5/scan.h5" "$T/h5set/a.h5"
  run eval --task mri --dataset "$T/h5set" --model dct --sigma 25 --tol 0 --max-iter 2
  check "eval --task mri over a folder of .h5 files scores each against its ground truth" \
    eval 'rc_is 0 && out_has "^a.h5 " && out_has "^mean "'
  run mri "$T/demo/clean.png" --slice 1 -o "$T/h5/png.png" --model dct
  check "mri --slice of a non-HDF5 input is a usage error (exit 2)" \
    eval 'rc_is 2 && err_has "--slice applies to fastMRI .h5 files only"'
fi

echo "1..$n"
[ "$failed" -eq 0 ]

#!/bin/sh
# Command-level tests of the noise options (issue 20): denoise --noise / --strength /
# --chroma-strength, their usage errors, what --stats and the stderr summary report, and
# estimate-noise --noise. Pictures are made here (tessera-cli demo, noise-tool); only the
# built-in 'dct' model is used. Needs no shared data.
# Usage: run-noise-tests.sh PATH/TO/tessera-cli PATH/TO/noise-tool. Output: TAP.

CLI=${1:?usage: $0 PATH/TO/tessera-cli PATH/TO/noise-tool}
NOISE_TOOL=${2:?usage: $0 PATH/TO/tessera-cli PATH/TO/noise-tool}
T=$(mktemp -d "${TMPDIR:-/tmp}/tessera-noise-tests.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
TESSERA_MODEL_PATH=$T/no-models
export TESSERA_MODEL_PATH
LC_ALL=C
export LC_ALL

. "$(dirname "$0")/cli-tap.sh"

json_has () { tr -d ' \n' <"$1" | grep -q -- "$2"; }

# Pictures: the demo's clean 128 x 128 picture, gray and made colour, with white Gaussian noise
# (sigma 20) and with Poisson-Gaussian noise (a 0.02, b 1e-5).
run demo -o "$T/demo" --size 128 --model dct --tol 0 --max-iter 1
check "demo writes the clean picture" eval 'rc_is 0 && [ -s "$T/demo/clean.png" ]'
"$NOISE_TOOL" "$T/demo/clean.png" "$T/white.npy" --b 0.00615 --seed 3
"$NOISE_TOOL" "$T/demo/clean.png" "$T/pg.npy" --a 0.02 --b 1e-5 --seed 4
"$NOISE_TOOL" "$T/demo/clean.png" "$T/white-rgb.npy" --rgb --b 0.00615 --seed 5
"$NOISE_TOOL" "$T/demo/clean.png" "$T/pg-rgb.npy" --rgb --a 0.02 --b 1e-5 --seed 6
check "noise-tool wrote the noisy pictures" \
  eval '[ -s "$T/white.npy" ] && [ -s "$T/pg.npy" ] && [ -s "$T/white-rgb.npy" ] && [ -s "$T/pg-rgb.npy" ]'

# --- usage errors ---------------------------------------------------------------------------

D="--model dct --tol 0 --max-iter 3"
run denoise "$T/white.npy" -o "$T/x.npy" $D --noise poisson
check "denoise --noise poisson exits 2 naming the choices" \
  eval 'rc_is 2 && err_has "--noise must be gaussian, poisson-gaussian or auto" && [ ! -e "$T/x.npy" ]'
for bad in 0 -1 nan inf; do
  run denoise "$T/white.npy" -o "$T/x.npy" $D --strength $bad
  check "denoise --strength $bad exits 2" eval 'rc_is 2 && err_has "--strength must be a positive number"'
  run denoise "$T/white-rgb.npy" -o "$T/x.npy" $D --chroma-strength $bad
  check "denoise --chroma-strength $bad exits 2" \
    eval 'rc_is 2 && err_has "--chroma-strength must be a positive number"'
done
run denoise "$T/white.npy" -o "$T/x.npy" $D --strength two
check "denoise --strength two exits 2" eval 'rc_is 2 && err_has "strength"'
run denoise "$T/pg.npy" -o "$T/x.npy" $D --noise poisson-gaussian --sigma 10
check "denoise --noise poisson-gaussian --sigma exits 2: a given level is Gaussian" \
  eval 'rc_is 2 && err_has "--sigma is a Gaussian level"'
run denoise "$T/white-rgb.npy" -o "$T/x.npy" $D --colour rgb --chroma-strength 2
check "denoise --colour rgb --chroma-strength 2 exits 2: no chroma planes per channel" \
  eval 'rc_is 2 && err_has "--chroma-strength needs --colour opponent"'
run denoise --help
check "denoise --help documents --noise, --strength and --chroma-strength" \
  eval 'out_has "--noise" && out_has "--strength" && out_has "--chroma-strength"'

# --- the default and gaussian -------------------------------------------------------------

run denoise "$T/white-rgb.npy" -o "$T/auto.npy" $D --stats "$T/auto.json"
check "denoise of white noise (default: auto) exits 0 and says gaussian (auto)" \
  eval 'rc_is 0 && err_has "^noise: gaussian (auto), level " && err_has "solved at Y .* O1 .* O2 "'
check "--stats reports the noise: gaussian, asked auto, estimated, the planes' levels" \
  eval 'json_has "$T/auto.json" "\"model\":\"gaussian\",\"requested\":\"auto\",\"estimated\":true" \
        && json_has "$T/auto.json" "\"plane\":\"O2\",\"sigma\":" \
        && json_has "$T/auto.json" "\"strength\":1" && json_has "$T/auto.json" "\"chroma_strength\":1"'
run denoise "$T/white-rgb.npy" -o "$T/gaussian.npy" $D --noise gaussian
check "auto on white noise is exactly --noise gaussian" \
  eval 'rc_is 0 && cmp -s "$T/auto.npy" "$T/gaussian.npy"'

# strength k at sigma s is sigma k s (a model chosen by the level is chosen at k s).
run denoise "$T/white.npy" -o "$T/s10x2.npy" $D --sigma 10 --strength 2
run denoise "$T/white.npy" -o "$T/s20.npy" $D --sigma 20
check "--sigma 10 --strength 2 is exactly --sigma 20" \
  eval 'rc_is 0 && cmp -s "$T/s10x2.npy" "$T/s20.npy"'
run denoise "$T/white.npy" -o "$T/s10.npy" $D --sigma 10
check "--sigma 10 differs from --sigma 20" eval '! cmp -s "$T/s10.npy" "$T/s20.npy"'

# chroma strength: only the chroma planes change.
run denoise "$T/white-rgb.npy" -o "$T/c1.npy" $D --sigma 20 --chroma-strength 1
run denoise "$T/white-rgb.npy" -o "$T/c0.npy" $D --sigma 20
check "--chroma-strength 1 is exactly the default" eval 'rc_is 0 && cmp -s "$T/c1.npy" "$T/c0.npy"'
run denoise "$T/white-rgb.npy" -o "$T/c3.npy" $D --sigma 20 --chroma-strength 3 --stats "$T/c3.json"
check "--chroma-strength 3 changes the result and solves O1, O2 at 60" \
  eval 'rc_is 0 && ! cmp -s "$T/c3.npy" "$T/c0.npy" && err_has "solved at Y 20.00 O1 60.00 O2 60.00" \
        && json_has "$T/c3.json" "\"plane\":\"O1\",\"sigma\":60"'
# --chroma-model: the chroma planes' own model; luminance (and, beside a named model, the
# default) is the luminance's.
run denoise "$T/white-rgb.npy" -o "$T/cl.npy" $D --sigma 20 --chroma-model luminance
check "--chroma-model luminance is exactly the default beside a named model" \
  eval 'rc_is 0 && cmp -s "$T/cl.npy" "$T/c0.npy"'
run denoise "$T/white-rgb.npy" -o "$T/cm.npy" $D --sigma 20 --chroma-model dct-sigma40 --stats "$T/cm.json"
check "--chroma-model dct-sigma40 changes the result, says so and reports it in --stats" \
  eval 'rc_is 0 && ! cmp -s "$T/cm.npy" "$T/c0.npy" && err_has "chroma planes: model dct-sigma40" \
        && json_has "$T/cm.json" "\"chroma_model\":\"dct-sigma40\""'
run denoise "$T/white-rgb.npy" -o "$T/cx.npy" $D --sigma 20 --chroma-model no-such-model
check "--chroma-model with an unknown model fails naming it, no output" \
  eval 'rc_is 1 && err_has "no-such-model" && [ ! -e "$T/cx.npy" ]'
run denoise "$T/white.npy" -o "$T/gm.npy" $D --sigma 20 --chroma-model dct-sigma40
check "--chroma-model on a gray picture says it does nothing, and does nothing" \
  eval 'rc_is 0 && err_has "chroma-model does nothing" && cmp -s "$T/gm.npy" "$T/s20.npy"'
run denoise --help
check "denoise --help documents --chroma-model" eval 'out_has "--chroma-model"'
run denoise "$T/white.npy" -o "$T/g3.npy" $D --sigma 20 --chroma-strength 3
check "--chroma-strength on a gray picture says it does nothing, and does nothing" \
  eval 'rc_is 0 && err_has "does nothing on a gray image" && cmp -s "$T/g3.npy" "$T/s20.npy"'

# --- Poisson-Gaussian -----------------------------------------------------------------------

run denoise "$T/pg-rgb.npy" -o "$T/pg-out.npy" $D --noise poisson-gaussian --stats "$T/pg.json"
check "denoise --noise poisson-gaussian exits 0 and reports a, b per channel" \
  eval 'rc_is 0 && err_has "^noise: poisson-gaussian, variance a y + b per channel" \
        && err_has " R a .* G a .* B a " && err_has "transformed to level "'
check "--stats reports the Poisson-Gaussian reading per channel" \
  eval 'json_has "$T/pg.json" "\"model\":\"poisson-gaussian\",\"requested\":\"poisson-gaussian\"" \
        && json_has "$T/pg.json" "\"channel\":\"G\",\"a\":" && json_has "$T/pg.json" "\"spread\":"'
run denoise "$T/pg-rgb.npy" -o "$T/pg-auto.npy" $D
check "auto picks poisson-gaussian on Poisson-Gaussian noise, the same result" \
  eval 'rc_is 0 && err_has "^noise: poisson-gaussian (auto)" && cmp -s "$T/pg-auto.npy" "$T/pg-out.npy"'
run denoise "$T/pg.npy" -o "$T/pg-gray.png" $D --noise poisson-gaussian
check "denoise --noise poisson-gaussian of a gray picture writes a PNG" \
  eval 'rc_is 0 && err_has " gray a " && [ -s "$T/pg-gray.png" ]'

# --- estimate-noise ---------------------------------------------------------------------------

run estimate-noise "$T/pg-rgb.npy" --noise poisson-gaussian
check "estimate-noise --noise poisson-gaussian: the level first, then a, b per channel" \
  eval 'rc_is 0 && head -n 1 "$T/out" | grep -Eq "^[0-9]+\.[0-9][0-9]$" && out_has "^auto: poisson-gaussian$" \
        && out_has "^R: a 0\.0" && out_has "^G: a " && out_has "^B: a "'
run estimate-noise "$T/white.npy" --noise auto --reading
check "estimate-noise --noise auto --reading on white noise: auto gaussian, per-channel readings" \
  eval 'rc_is 0 && out_has "^auto: gaussian$" && out_has "^channels: gray$" && out_has "^channel-white: " \
        && out_has "^gray: a "'
run estimate-noise "$T/pg.npy"
check "estimate-noise without --noise prints the level alone" \
  eval 'rc_is 0 && [ "$(wc -l <"$T/out")" -eq 1 ]'
run estimate-noise "$T/pg.npy" --noise poisson
check "estimate-noise --noise poisson exits 2" eval 'rc_is 2 && err_has "--noise must be"'

echo "1..$n"
[ "$failed" -eq 0 ]

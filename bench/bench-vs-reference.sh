#!/usr/bin/env bash
# Seconds per iteration of Tessera and of the PyTorch reference (../shared/tools/ref_torch.py,
# an independent implementation of MODEL.md) on the same image, in the same run, both with
# 2 threads, and their ratio; then both solved to convergence (tolerance 1e-4, the reference
# iteration) with iterations, PSNR, seconds and the ratio (skip with CONVERGED=0).
#   bench-vs-reference.sh TESSERA_CLI [MODEL_NAME] [NOISY_NPY] [ITERATIONS]
# Paths are relative to ../shared. Needs Debian's python3-torch (a benchmark dependency only).
set -euo pipefail
cli=$(realpath "$1")
model=${2:-sigma25-ncpr}
noisy=${3:-data/bsd68-noisy/sigma25/test001.npy}
iters=${4:-20}
shared=${TESSERA_SHARED_DIR:-$(dirname "$(realpath "$0")")/../../shared}
if [ ! -d "$shared/reference" ]; then echo "skip: $shared/reference not found"; exit 77; fi
shared=$(realpath "$shared")
python=/usr/bin/python3
if ! $python -c 'import torch' 2>/dev/null; then echo "skip: python3-torch not installed"; exit 77; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$cli" --quiet model import "$shared/reference/models/$model" -o "$tmp/model.tsm"
# One iteration first: the fixed set-up cost (derived quantities, allocation) is subtracted.
"$cli" --quiet denoise "$shared/$noisy" -o "$tmp/out1.npy" --model "$tmp/model.tsm" --tol 0 --max-iter 1 --stats "$tmp/s1.json"
"$cli" --quiet denoise "$shared/$noisy" -o "$tmp/out.npy" --model "$tmp/model.tsm" --tol 0 --max-iter "$iters" --stats "$tmp/s.json"
ref=$(cd "$shared" && OMP_NUM_THREADS=2 $python tools/ref_torch.py bench "reference/models/$model" "$noisy" --iters "$iters" --threads 2)

$python - "$tmp/s1.json" "$tmp/s.json" "$ref" "$iters" "$model" "$noisy" <<'PY'
import json, sys
s1 = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2])); ref = json.loads(sys.argv[3]); n = int(sys.argv[4])
ours = (s["solve_seconds"] - s1["solve_seconds"]) / (n - 1)
theirs = ref["seconds_per_iteration"]
print(f"model {sys.argv[5]}, input {sys.argv[6]} ({s['width']}x{s['height']}), {n} iterations")
print(f"tessera:   {ours:.4f} s/iteration (set-up {s1['solve_seconds'] - ours:.3f} s)")
print(f"reference: {theirs:.4f} s/iteration (PyTorch, 2 threads)")
print(f"ratio:     {theirs / ours:.1f}x faster")
PY

[ "${CONVERGED:-1}" = 0 ] && exit 0
clean=${noisy/bsd68-noisy\/sigma[0-9]*\//bsd68/}
clean=${clean%.npy}.png
"$cli" --quiet denoise "$shared/$noisy" -o "$tmp/conv.npy" --model "$tmp/model.tsm" --clean "$shared/$clean" --stats "$tmp/conv.json"
refc=$(cd "$shared" && OMP_NUM_THREADS=2 $python tools/ref_torch.py denoise "reference/models/$model" "$noisy" "$clean" --tol 1e-4 --threads 2)
$python - "$tmp/conv.json" "$refc" "$clean" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); ref = json.loads(sys.argv[2])
print(f"converged (tolerance 1e-4), PSNR against {sys.argv[3]}:")
print(f"tessera:   {s['iterations']} iterations, {s['psnr']:.4f} dB, {s['solve_seconds']:.2f} s")
print(f"reference: {ref['iterations']} iterations, {ref['psnr']:.4f} dB, {ref['seconds']:.2f} s")
print(f"ratio:     {ref['seconds'] / s['solve_seconds']:.1f}x faster to the converged result, PSNR difference {s['psnr'] - ref['psnr']:+.4f} dB")
PY

#!/usr/bin/python3
"""4x super-resolution on a whole image folder (issue 21): cubic-spline upsampling as the
naive baseline and, with --tessera, `tessera-cli eval --task sr` with each model of
--models, on identical low-resolution inputs, scored by one code (bench/benchscore.py: PSNR
and SSIM as Tessera's, without the protocol's 40-pixel border).

Inputs (data/README.md, "Protocols"): each clean image x (sorted by name, --limit N keeps
the first N) gives y = conv2d(x, k, stride 4) (valid), k the 16 x 16 Gaussian of standard
deviation 2 centred at 7.5 and normalised to sum 1, plus noise of standard deviation 0.01
from numpy's default_rng(--seed + image index). The script writes y as float32 .npy and
hands the same files to Tessera through `eval --clean` (paired mode), so both see the very
same noise. Before the run it checks its simulation on the fixed inputs of
../shared/data/sr-lowres (img1-img4: the same protocol with noise already added): the
noiseless y must differ from them by about the noise, 0.01 rms.

Baseline: the low-resolution sample (i, j) sits at (4i + 7.5, 4j + 7.5) of the
high-resolution grid (the kernel's centre), so the high-resolution pixel u is read at
(u - 7.5) / 4 by cubic B-spline interpolation (scipy.ndimage.map_coordinates, order 3,
edges held), over the estimate's size (4 (n - 1) + 16).

Tessera: `tessera-cli eval --task sr --dataset LOWRES --clean CLEAN --model M --threads T
--json --save-dir DIR` (its defaults: tolerance 1e-5, the model's sr-x4 preset or the
paper's beta and lambda); saved estimates are scored by the same code and must agree with
eval's own PSNR to 1e-3 dB. `paper:NAME` in --models stands for
../shared/reference/models/NAME.

Usage: bench/bench-sr.py [TESSERA_CLI] [--dataset DIR] [--limit N] [--seed 0] [--tessera]
           [--models M ...] [--max-iter N] [--tol T] [--threads 1] [--json FILE] [--work DIR]
--dataset defaults to ../shared/data/sr/test. Skips (77) without ../shared or
python3-numpy, python3-scipy, python3-pil.
"""
import argparse, datetime, json, os, shutil, subprocess, sys, tempfile, time

try:
    import numpy as np
    from PIL import Image
    from scipy import ndimage
except ImportError as e:
    print('skip: %s (install python3-numpy, python3-scipy and python3-pil)' % e)
    sys.exit(77)

import benchscore

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))
DEFAULT_MODELS = ['ncpr-sigma25', 'cpr-sigma25', 'paper:sigma25-ncpr', 'paper:sigma25-cpr']
SIZE, STD, STRIDE, NOISE, BORDER = 16, 2.0, 4, 0.01, 40


def kernel():
    c = (SIZE - 1) / 2.0
    a = np.arange(SIZE) - c
    k = np.exp(-(a[:, None] ** 2 + a[None, :] ** 2) / (2 * STD * STD))
    return k / k.sum()


def downsample(x):
    """conv2d(x, k, stride 4), valid: y[i, j] = sum_ab x[4i + a, 4j + b] k[a, b]."""
    k = kernel()
    h, w = (x.shape[0] - SIZE) // STRIDE + 1, (x.shape[1] - SIZE) // STRIDE + 1
    y = np.zeros((h, w))
    for a in range(SIZE):
        for b in range(SIZE):
            y += k[a, b] * x[a:a + STRIDE * (h - 1) + 1:STRIDE, b:b + STRIDE * (w - 1) + 1:STRIDE]
    return y


def upsample(y):
    side = lambda n: STRIDE * (n - 1) + SIZE
    u, v = np.meshgrid((np.arange(side(y.shape[0])) - (SIZE - 1) / 2.0) / STRIDE,
                       (np.arange(side(y.shape[1])) - (SIZE - 1) / 2.0) / STRIDE, indexing='ij')
    return ndimage.map_coordinates(y, [u, v], order=3, mode='nearest')


def load(path):
    return np.asarray(Image.open(path).convert('L'), np.float64) / 255.0


def check_protocol():
    """The simulation against the fixed inputs of sr-lowres (noise already added there)."""
    found = []
    for i in range(1, 5):
        fixed = os.path.join(shared, 'data', 'sr-lowres', 'img%d.npy' % i)
        clean = os.path.join(shared, 'data', 'sr', 'test', 'img%d.png' % i)
        if not (os.path.isfile(fixed) and os.path.isfile(clean)):
            continue
        theirs = np.load(fixed).astype(np.float64)
        ours = downsample(load(clean))
        if ours.shape != theirs.shape:
            sys.exit('simulation: %s is %s, ours %s' % (fixed, theirs.shape, ours.shape))
        rms = float(np.sqrt(np.mean((ours - theirs) ** 2)))
        if not 0.008 < rms < 0.012:
            sys.exit('simulation: %s differs from our noiseless input by %.4f rms (the noise is '
                     '0.01): the protocol is not followed' % (fixed, rms))
        found.append(rms)
    if found:
        print('protocol check: noiseless simulation vs sr-lowres img1-%d: %s rms (noise 0.01)'
              % (len(found), ' '.join('%.4f' % r for r in found)), flush=True)
    return found


def model_arg(model):
    if model.startswith('paper:'):
        path = os.path.join(shared, 'reference', 'models', model[len('paper:'):])
        if not os.path.isdir(path):
            sys.exit('%s: %s not found' % (model, path))
        return path
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('cli', nargs='?', help='tessera-cli (needed with --tessera)')
    ap.add_argument('--dataset', default=os.path.join(shared, 'data', 'sr', 'test'))
    ap.add_argument('--limit', type=int, default=0, help='only the first N images (by name)')
    ap.add_argument('--seed', type=int, default=0, help='noise seed of the first image')
    ap.add_argument('--tessera', action='store_true', help='also run tessera-cli eval')
    ap.add_argument('--models', nargs='+', default=DEFAULT_MODELS,
                    help="Tessera's models; paper:NAME is ../shared/reference/models/NAME")
    ap.add_argument('--max-iter', type=int, help="Tessera's iteration cap (default: eval's)")
    ap.add_argument('--tol', type=float, help="Tessera's tolerance (default: eval's, 1e-5)")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--json', help='also write every figure here')
    ap.add_argument('--work', help='keep inputs and estimates in this folder')
    a = ap.parse_args()

    if not os.path.isdir(a.dataset):
        print('skip: %s not found' % a.dataset)
        return 77
    if a.tessera:
        if not a.cli or not os.access(a.cli, os.X_OK):
            sys.exit('--tessera needs the tessera-cli binary as the first argument')
        a.cli = os.path.abspath(a.cli)
    names = sorted(f for f in os.listdir(a.dataset) if f.lower().endswith('.png'))
    names = names[:a.limit] if a.limit > 0 else names
    if not names:
        sys.exit('%s: no PNG images' % a.dataset)
    checks = check_protocol()

    work = a.work or tempfile.mkdtemp(prefix='tessera-sr-')
    lowres_dir = os.path.join(work, 'lowres')
    os.makedirs(lowres_dir, exist_ok=True)
    result = {'date': datetime.datetime.now().isoformat(timespec='seconds'),
              'command': ' '.join(sys.argv), 'dataset': os.path.abspath(a.dataset),
              'images': len(names), 'seed': a.seed, 'protocol_check_rms': checks, 'methods': {}}
    try:
        clean, rows = {}, []
        for i, name in enumerate(names):
            x = load(os.path.join(a.dataset, name))
            y = downsample(x) + NOISE * np.random.default_rng(a.seed + i).standard_normal(
                ((x.shape[0] - SIZE) // STRIDE + 1, (x.shape[1] - SIZE) // STRIDE + 1))
            stem = os.path.splitext(name)[0]
            np.save(os.path.join(lowres_dir, stem + '.npy'), y.astype(np.float32))
            y = y.astype(np.float32).astype(np.float64)       # what Tessera reads
            t0 = time.process_time()
            up = upsample(y)
            cpu = time.process_time() - t0
            ref = x[:up.shape[0], :up.shape[1]]
            clean[stem] = ref
            rows.append({'image': name, 'psnr': benchscore.psnr(up, ref, BORDER),
                         'ssim': benchscore.ssim(up, ref, BORDER), 'cpu_seconds': cpu})
        result['methods']['cubic'] = {'label': 'cubic-spline upsampling (scipy, order 3)',
                                      'psnr': float(np.mean([r['psnr'] for r in rows])),
                                      'ssim': float(np.mean([r['ssim'] for r in rows])),
                                      'seconds': float(np.mean([r['cpu_seconds'] for r in rows])),
                                      'per_image': rows}
        print('cubic-spline upsampling: %.2f dB, SSIM %.4f (%d images)'
              % (result['methods']['cubic']['psnr'], result['methods']['cubic']['ssim'],
                 len(rows)), flush=True)

        for j, model in enumerate(a.models if a.tessera else []):
            out_dir = os.path.join(work, 'tessera-%d' % j)
            os.makedirs(out_dir, exist_ok=True)
            cmd = [a.cli, 'eval', '--task', 'sr', '--dataset', lowres_dir, '--clean', a.dataset,
                   '--model', model_arg(model), '--threads', str(a.threads), '--json',
                   '--save-dir', out_dir]
            cmd += ['--max-iter', str(a.max_iter)] if a.max_iter else []
            cmd += ['--tol', '%g' % a.tol] if a.tol is not None else []
            print('  %s' % ' '.join(cmd), flush=True)
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit('tessera-cli eval failed (%d):\n%s' % (r.returncode, r.stderr))
            sys.stdout.write(''.join('  ' + line + '\n' for line in r.stderr.splitlines()))
            ev = json.loads(r.stdout)
            rows = []
            for item in ev['images']:
                stem = os.path.splitext(item['name'])[0]
                est = np.load(os.path.join(out_dir, stem + '.npy')).astype(np.float64)
                ref = clean[stem][:est.shape[0], :est.shape[1]]
                p = benchscore.psnr(est, ref, BORDER)
                if abs(p - item['psnr']) > 1e-3:
                    sys.exit('%s: PSNR %.4f here, %.4f by tessera-cli eval: the scores disagree'
                             % (item['name'], p, item['psnr']))
                rows.append({'image': item['name'], 'psnr': p,
                             'ssim': benchscore.ssim(est, ref, BORDER),
                             'iterations': item['iterations'], 'seconds': item['seconds'],
                             'converged': item.get('converged')})
            label = 'Tessera ' + (model[len('paper:'):] + " (paper's weights)"
                                  if model.startswith('paper:') else model)
            result['methods']['tessera ' + model] = {
                'label': label,
                'weight': 'beta %.4g, lambda %.4g (%s)' % (ev['beta'], ev['lambda'],
                                                           ev.get('beta_from', '?')),
                'psnr': float(np.mean([r['psnr'] for r in rows])),
                'ssim': float(np.mean([r['ssim'] for r in rows])),
                'iterations': float(np.mean([r['iterations'] for r in rows])),
                'converged': sum(1 for r in rows if r['converged']),
                'seconds': float(np.mean([r['seconds'] for r in rows])),
                'max_iter': ev.get('max_iter'), 'tol': ev.get('tol'), 'per_image': rows}
            m = result['methods']['tessera ' + model]
            print('  %s: %.2f dB, SSIM %.4f, %.0f iterations, %.1f s per image'
                  % (label, m['psnr'], m['ssim'], m['iterations'], m['seconds']), flush=True)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print('| images | method | parameters | PSNR dB | SSIM | iterations | s per image |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for m in result['methods'].values():
        its = '-' if 'iterations' not in m else '%.0f (%d of %d converged)' % (
            m['iterations'], m['converged'], len(names))
        print('| %d | %s | %s | %.2f | %.4f | %s | %.2f |'
              % (len(names), m['label'], m.get('weight', '-'), m['psnr'], m['ssim'], its,
                 m['seconds']))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())

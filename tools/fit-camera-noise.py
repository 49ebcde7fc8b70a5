#!/usr/bin/python3
"""Fits the camera-noise part of the blind noise level (src/core/num/ts-noise-level.c, issue 20)
on camera-like noise made from CBSD432 only. A development tool: tests do not need it.

A camera-like example is a clean sRGB crop "unprocessed" and developed again by the simulated
camera of tools/camera_pipeline.py (shared with bench/bench-camera.py): inverse sRGB gamma to
linear light, inverse white balance (R / 2.0, B / 1.6), an RGGB Bayer mosaic,
Poisson-Gaussian noise of variance a L + b (a log-uniform over the gains below), white
balance again, bilinear demosaicing, sRGB gamma, in-camera noise reduction (a Gaussian low-pass
of 0.7 pixels on the opponent luminance, 2 pixels on the chroma), 8-bit JPEG at quality 90.
The reference is the same development without noise and without JPEG (PNG).
Without the noise reduction the examples' best sigma is about their luminance noise std,
where real in-camera JPEGs want 1.5-3 times it (docs/benchmarks.md).

Steps:
  make DIR [--count N] [--crop 128]   examples DIR/NNN_noisy.jpg, DIR/NNN_clean.png, meta.json
  sweep DIR CLI [--sigmas ...]         PSNR of `CLI denoise --sigma S --threads 1` per example
  fit DIR CLI --positives DIR2         the constants of ts-noise-level.c from
                                       `CLI estimate-noise --reading` on the examples

The constants in the C code came from (about 25 minutes on a loaded 2-core machine):
  tools/fit-camera-noise.py make /tmp/cam --count 12 --crop 128 --seed 21
  tools/fit-camera-noise.py make /tmp/cam320 --count 40 --crop 320 --seed 8
  tools/fit-camera-noise.py sweep /tmp/cam build/src/cli/tessera-cli
  tools/fit-camera-noise.py fit /tmp/cam build/src/cli/tessera-cli --positives /tmp/cam320
The strong camera noise factor (STRONG_LEVEL_PER_COARSE; docs/benchmarks.md, "Strong camera
noise") came from the issue's pipeline without noise reduction, every 36th CBSD432 picture from
the 6th at three gains, and a sweep to sigma 40:
  tools/fit-camera-noise.py make /tmp/camfit --gains 1e-3 4e-3 1.6e-2 --first 5 --step 36 --seed 11 --crop 128
  tools/fit-camera-noise.py sweep /tmp/camfit build/src/cli/tessera-cli --sigmas 7 10 14 20 28 40
Needs python3-numpy, python3-scipy and python3-pil.
"""
import argparse, glob, json, math, os, subprocess, sys
import numpy as np
from PIL import Image

from camera_pipeline import centre_crop, develop, mosaic_masks, read_noise, unprocess

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))


def make_gains(args, files, rng):
    """One example per picture and gain (b from the read-noise relation), the issue's
    pipeline of bench/bench-camera.py (no in-camera noise reduction): NN_clean.png,
    NN_GAIN_noisy.jpg, and meta.json listing the examples."""
    meta = []
    for i, f in enumerate(files[args.first::args.step]):
        img = np.asarray(Image.open(f).convert('RGB'), dtype=np.float64) / 255
        cam = unprocess(centre_crop(img, args.crop))
        masks = mosaic_masks(args.crop, args.crop)
        clean = develop(cam, masks, rng, 0.0, 0.0)
        Image.fromarray(np.round(clean * 255).astype(np.uint8)).save(
            os.path.join(args.dir, '%02d_clean.png' % i))
        for a in args.gains:
            name = '%02d_%g' % (i, a)
            noisy = develop(cam, masks, rng, a, read_noise(a))
            Image.fromarray(np.round(noisy * 255).astype(np.uint8)).save(
                os.path.join(args.dir, name + '_noisy.jpg'), quality=args.quality)
            meta.append({'name': name, 'clean': '%02d_clean.png' % i, 'source': os.path.basename(f),
                         'a': a, 'b': read_noise(a)})
    with open(os.path.join(args.dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)


def cmd_make(args):
    rng = np.random.default_rng(args.seed)
    files = sorted(glob.glob(os.path.join(shared, 'data', 'cbsd432', '*')))
    if not files:
        sys.exit('no CBSD432 images under ' + shared)
    os.makedirs(args.dir, exist_ok=True)
    if args.gains:
        return make_gains(args, files, rng)
    picks = np.linspace(0, len(files) - 1, args.count).astype(int)
    meta = []
    for i, fi in enumerate(picks):
        img = np.asarray(Image.open(files[fi]).convert('RGB'), dtype=np.float64) / 255.0
        c = args.crop
        cam = unprocess(centre_crop(img, c))
        masks = mosaic_masks(c, c)
        a = math.exp(rng.uniform(math.log(args.a_min), math.log(args.a_max)))
        b = a * rng.uniform(0.002, 0.02)
        clean = develop(cam, masks, rng, 0.0, 0.0, args.luma_blur, args.chroma_blur)
        noisy = develop(cam, masks, rng, a, b, args.luma_blur, args.chroma_blur)
        base = os.path.join(args.dir, '%03d' % i)
        Image.fromarray(np.round(clean * 255).astype(np.uint8)).save(base + '_clean.png')
        Image.fromarray(np.round(noisy * 255).astype(np.uint8)).save(base + '_noisy.jpg', quality=args.quality)
        d = (np.asarray(Image.open(base + '_noisy.jpg'), dtype=np.float64) - clean * 255)
        y = d.sum(axis=2) / math.sqrt(3)
        meta.append({'name': '%03d' % i, 'source': os.path.basename(files[fi]), 'a': a, 'b': b,
                     'noise_std_y': float(y.std())})
        print(meta[-1], flush=True)
    with open(os.path.join(args.dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)


def denoise_psnr(cli, noisy, clean, sigma, tmp):
    stats = tmp + '.json'
    subprocess.run(['nice', '-n', '10', cli, '-q', 'denoise', noisy, '--sigma', str(sigma), '-o', tmp + '.png',
                    '--clean', clean, '--stats', stats, '--threads', '1'], check=True)
    with open(stats) as f:
        return json.load(f)['psnr']


def input_psnr(noisy, clean):
    a = np.asarray(Image.open(noisy).convert('RGB'), dtype=np.float64) / 255
    b = np.asarray(Image.open(clean).convert('RGB'), dtype=np.float64) / 255
    return 10 * math.log10(1.0 / np.mean((a - b) ** 2))


def cmd_sweep(args):
    with open(os.path.join(args.dir, 'meta.json')) as f:
        meta = json.load(f)
    path = os.path.join(args.dir, 'sweep.json')
    done = json.load(open(path)) if os.path.exists(path) else {}
    for m in meta:
        base = os.path.join(args.dir, m['name'])
        clean = os.path.join(args.dir, m['clean']) if 'clean' in m else base + '_clean.png'
        r = done.get(m['name'], {'input': input_psnr(base + '_noisy.jpg', clean), 'psnr': {}})
        for s in args.sigmas:
            if str(s) not in r['psnr']:
                r['psnr'][str(s)] = denoise_psnr(args.cli, base + '_noisy.jpg', clean, s,
                                                 os.path.join(args.dir, 'tmp'))
        done[m['name']] = r
        print(m['name'], round(m.get('noise_std_y', math.nan), 2), round(r['input'], 2),
              {k: round(v, 2) for k, v in r['psnr'].items()}, flush=True)
        with open(path, 'w') as f:
            json.dump(done, f, indent=1)


def read_level(cli, image):
    """`CLI estimate-noise --reading IMAGE` as a dict: 'sigma' and one list per line."""
    out = subprocess.run([cli, 'estimate-noise', '--reading', image], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    reading = {'sigma': float(out[0])}
    for line in out[1:]:
        key, value = line.split(':', 1)
        try:
            reading[key] = [float(t) for t in value.split()]
        except ValueError:
            reading[key] = value.strip()
    return reading


def best_sigma(psnr):
    """The maximiser of a parabola in log sigma through the best sweep point and its neighbours."""
    s = sorted((float(k), v) for k, v in psnr.items())
    i = max(range(len(s)), key=lambda j: s[j][1])
    if i == 0 or i == len(s) - 1:
        return s[i][0]
    x = [math.log(s[j][0]) for j in (i - 1, i, i + 1)]
    y = [s[j][1] for j in (i - 1, i, i + 1)]
    c = np.polyfit(x, y, 2)
    return math.exp(min(max(-c[1] / (2 * c[0]), x[0]), x[2])) if c[0] < 0 else s[i][0]


def camera_features(reading):
    """What tells camera noise from a clean picture (ts-noise-level.c): the evenness of the
    detail, and the log of the coarse luminance reading (0-255 units) and its square (camera
    noise reads in a band; far above it, the reading is texture: a linear term alone gave
    richly textured clean pictures the highest probabilities)."""
    log_coarse = math.log(reading['coarse'][0] + 0.5)
    return [reading['evenness'][0], log_coarse, log_coarse ** 2]


def fit_logistic(x, y, ridge=1e-3):
    """Newton's method on the ridge-regularised logistic loss, the two classes weighted alike
    (equal priors: the examples' proportions say nothing about a user's pictures); returns
    (intercept, weights)."""
    mu, sd = x.mean(0), x.std(0)
    z = np.c_[np.ones(len(x)), (x - mu) / sd]
    c = np.where(y > 0, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-z @ w))
        g = z.T @ (c * (p - y)) + ridge * np.r_[0, w[1:]]
        h = (z.T * (c * p * (1 - p))) @ z + ridge * np.eye(len(w))
        w -= np.linalg.solve(h, g)
    b = w[1:] / sd
    return w[0] - (w[1:] * mu / sd).sum(), b


def cmd_fit(args):
    # 1. Camera noise or a clean picture: logistic regression on the features, camera-like
    #    examples (positives) against clean CBSD432 pictures, as distributed and as developed.
    pos = [read_level(args.cli, p) for p in sorted(glob.glob(os.path.join(args.positives, '*_noisy.jpg')))]
    neg_files = sorted(glob.glob(os.path.join(args.positives, '*_clean.png')))
    c432 = sorted(glob.glob(os.path.join(shared, 'data', 'cbsd432', '*')))
    neg_files += c432[::args.clean_step]
    neg = [read_level(args.cli, p) for p in neg_files]
    x = np.array([camera_features(r) for r in pos + neg])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    a, b = fit_logistic(x, y)
    p = 1 / (1 + np.exp(-(a + x @ b)))
    print('camera probability: logit = %.3f + %.3f evenness + %.3f log(coarse + 0.5) + %.3f log(coarse + 0.5)^2'
          % (a, b[0], b[1], b[2]))
    print('  %d camera-like: median %.2f; %d clean: median %.2f, 90th percentile %.2f'
          % (len(pos), np.median(p[:len(pos)]), len(neg), np.median(p[len(pos):]),
             np.percentile(p[len(pos):], 90)))
    # 2. The camera level: best sigma (from `sweep`) proportional to the coarse luminance
    #    reading, least squares in log sigma.
    sweep = json.load(open(os.path.join(args.dir, 'sweep.json')))
    rows = []
    for name, r in sorted(sweep.items()):
        reading = read_level(args.cli, os.path.join(args.dir, name + '_noisy.jpg'))
        rows.append((best_sigma(r['psnr']), reading['coarse'][0]))
    logs = np.array([math.log(bs / max(c, 1e-3)) for bs, c in rows])
    gain = math.exp(logs.mean())
    for bs, c in rows:
        print('  best sigma %5.1f  coarse %5.2f  predicted %5.1f' % (bs, c, gain * c))
    print('camera level = %.3f coarse (rms log error %.3f, %d examples)'
          % (gain, math.sqrt(np.mean((logs - logs.mean()) ** 2)), len(rows)))
    print('\nsrc/core/num/ts-noise-level.c:')
    print('#define CAMERA_LOGIT_BIAS        (%.3f)' % a)
    print('#define CAMERA_LOGIT_EVENNESS    (%.3f)' % b[0])
    print('#define CAMERA_LOGIT_LOG_COARSE  (%.3f)' % b[1])
    print('#define CAMERA_LOGIT_LOG_COARSE2 (%.3f)' % b[2])
    print('#define CAMERA_LEVEL_PER_COARSE  (%.3f)' % gain)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('make')
    p.add_argument('dir')
    p.add_argument('--count', type=int, default=24)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--seed', type=int, default=20)
    p.add_argument('--quality', type=int, default=90)
    p.add_argument('--a-min', type=float, default=2e-4)
    p.add_argument('--a-max', type=float, default=4e-3)
    p.add_argument('--luma-blur', type=float, default=0.7, help='in-camera luminance low-pass (pixels)')
    p.add_argument('--chroma-blur', type=float, default=2.0, help='in-camera chroma low-pass (pixels)')
    p.add_argument('--gains', type=float, nargs='*',
                   help='instead: every picture at each of these gains, no noise reduction')
    p.add_argument('--first', type=int, default=0, help='with --gains: CBSD432 pictures first::step')
    p.add_argument('--step', type=int, default=36)
    p = sub.add_parser('sweep')
    p.add_argument('dir')
    p.add_argument('cli')
    p.add_argument('--sigmas', type=float, nargs='*', default=[2.5, 4, 7, 10, 14, 20, 28])
    p = sub.add_parser('fit')
    p.add_argument('dir', help='examples with a sweep.json')
    p.add_argument('cli')
    p.add_argument('--positives', required=True, help='more examples (make), for the classifier')
    p.add_argument('--clean-step', type=int, default=4, help='every Nth CBSD432 picture as clean')
    args = ap.parse_args()
    {'make': cmd_make, 'sweep': cmd_sweep, 'fit': cmd_fit}[args.cmd](args)


if __name__ == '__main__':
    main()

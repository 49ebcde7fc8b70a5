#!/usr/bin/python3
"""Real camera noise, blind (issue 20): `tessera-cli denoise` without --sigma on in-camera JPEG
crops of ../shared/data/real-noise-dev (a development set), against a fixed sigma of 14.

Each of every --step-th pair (sorted by name) gives a centre crop of --crop pixels of the
`_real.JPG` shot (input) and of the `_mean.JPG` (ground truth), written losslessly as PNG into
a temporary folder. Per crop: input PSNR, the blind level (`estimate-noise --reading`), the
PSNR gain of the blind run and of --sigma 14 (one thread each; peak 1, 8-bit values).
Usage: bench/bench-real-noise.py TESSERA_CLI [--step 5] [--crop 256] [--fixed 14]
Skips (77) without ../shared or python3-numpy / python3-pil (benchmark dependencies only).
"""
import argparse, glob, json, math, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))

try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    print('SKIP: %s (python3-numpy and python3-pil are needed)' % e)
    sys.exit(77)


def centre_crop(src, dst, side):
    image = Image.open(src).convert('RGB')
    w, h = image.size
    x0, y0 = (w - side) // 2, (h - side) // 2
    image.crop((x0, y0, x0 + side, y0 + side)).save(dst)


def psnr(a_path, b_path):
    a = np.asarray(Image.open(a_path).convert('RGB'), dtype=np.float64) / 255
    b = np.asarray(Image.open(b_path).convert('RGB'), dtype=np.float64) / 255
    return 10 * math.log10(1.0 / np.mean((a - b) ** 2))


def denoise(cli, noisy, clean, tmp, sigma=None):
    stats = os.path.join(tmp, 'stats.json')
    cmd = [cli, '-q', 'denoise', noisy, '-o', os.path.join(tmp, 'out.png'), '--clean', clean,
           '--stats', stats, '--threads', '1']
    if sigma is not None:
        cmd += ['--sigma', str(sigma)]
    subprocess.run(cmd, check=True)
    with open(stats) as f:
        s = json.load(f)
    return s['psnr'], s['sigma']


def reading(cli, image):
    out = subprocess.run([cli, 'estimate-noise', '--reading', image], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    fields = dict(line.split(': ', 1) for line in out[1:])
    return fields['noise'], float(fields['white'].split()[0]), float(fields['coarse']), float(fields['evenness'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cli')
    ap.add_argument('--step', type=int, default=5)
    ap.add_argument('--crop', type=int, default=256)
    ap.add_argument('--fixed', type=float, default=14.0, help='the fixed sigma compared (0: none)')
    args = ap.parse_args()
    reals = sorted(glob.glob(os.path.join(shared, 'data', 'real-noise-dev', '*_real.JPG')))
    if not reals:
        print('SKIP: no real-noise-dev pairs under %s' % shared)
        return 77
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        print('| crop | input dB | noise | white Y | coarse Y | evenness | blind sigma | blind gain | sigma %g gain |'
              % args.fixed)
        print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
        for path in reals[::args.step]:
            name = os.path.basename(path)[:-len('_real.JPG')]
            noisy, clean = os.path.join(tmp, 'real.png'), os.path.join(tmp, 'mean.png')
            centre_crop(path, noisy, args.crop)
            centre_crop(path.replace('_real.JPG', '_mean.JPG'), clean, args.crop)
            base = psnr(noisy, clean)
            kind, white, coarse, evenness = reading(args.cli, noisy)
            blind, sigma = denoise(args.cli, noisy, clean, tmp)
            fixed = denoise(args.cli, noisy, clean, tmp, args.fixed)[0] if args.fixed > 0 else math.nan
            rows.append((base, blind - base, fixed - base, sigma))
            fixed_gain = '%+.2f' % (fixed - base) if args.fixed > 0 else '-'
            print('| %s | %.2f | %s | %.2f | %.2f | %.3f | %.2f | %+.2f | %s |'
                  % (name, base, kind, white, coarse, evenness, sigma, blind - base, fixed_gain),
                  flush=True)
    m = np.mean(rows, axis=0)
    fixed = ', sigma %g gain %+.2f dB' % (args.fixed, m[2]) if args.fixed > 0 else ''
    print('%d crops of %d x %d: input %.2f dB, blind gain %+.2f dB (mean sigma %.1f)%s'
          % (len(rows), args.crop, args.crop, m[0], m[1], m[3], fixed))
    return 0


if __name__ == '__main__':
    sys.exit(main())

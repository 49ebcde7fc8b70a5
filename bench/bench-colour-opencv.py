#!/usr/bin/python3
"""Colour denoising at sigma 25 on Set5 + Set14 (issue 6): Tessera's colour path against
OpenCV's fastNlMeansDenoisingColored with h tuned on the same images (its best mean).

Both get the same noisy 8-bit PNGs (clean + 25/255 * N(0,1), seed 1000 + index, rounded and
clipped: what a photo file holds). PSNR of the 8-bit outputs against the clean image, peak 1,
mean over the images that are colour (bridge.png is gray and left out).

Usage: bench/bench-colour-opencv.py TESSERA_CLI [--model MODEL] [--images N] [--work DIR]
Needs Debian's python3-numpy and python3-opencv (a benchmark dependency only).
"""
import argparse, os, subprocess, sys, time
import numpy as np
import cv2

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))

def psnr(a, b):
    mse = np.mean((a.astype(np.float64) / 255.0 - b.astype(np.float64) / 255.0) ** 2)
    return 10 * np.log10(1.0 / mse)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cli')
    ap.add_argument('--model', default='auto')
    ap.add_argument('--images', type=int, default=0, help='only the first N images')
    ap.add_argument('--work', default='/tmp/tessera-colour-bench')
    ap.add_argument('--h', type=float, nargs='*', default=[14, 16, 18, 20, 22, 24, 26, 28])
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    paths = []
    for d in ('set5', 'set14'):
        folder = os.path.join(shared, 'data', d)
        for f in sorted(os.listdir(folder)):
            img = cv2.imread(os.path.join(folder, f), cv2.IMREAD_UNCHANGED)
            if img.ndim == 3 and img.shape[2] >= 3 and not (
                    np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 1], img[..., 2])):
                paths.append(os.path.join(folder, f))
    if a.images:
        paths = paths[:a.images]
    noisy, clean = [], []
    for i, p in enumerate(paths):
        c = cv2.imread(p, cv2.IMREAD_COLOR)
        rng = np.random.default_rng(1000 + i)
        n = np.clip(np.round(c + 25.0 * rng.standard_normal(c.shape)), 0, 255).astype(np.uint8)
        name = os.path.join(a.work, 'noisy-%02d.png' % i)
        cv2.imwrite(name, n)
        noisy.append(name)
        clean.append(c)

    # OpenCV: h (luminance) = hColor, the usual 7/21 windows; best mean over the grid.
    best = None
    for h in a.h:
        t0 = time.time()
        scores = [psnr(cv2.fastNlMeansDenoisingColored(cv2.imread(n), None, h, h, 7, 21), c)
                  for n, c in zip(noisy, clean)]
        secs = (time.time() - t0) / len(noisy)
        print('opencv h %g: %.3f dB (%.2f s per image)' % (h, np.mean(scores), secs), flush=True)
        if best is None or np.mean(scores) > best[1]:
            best = (h, np.mean(scores), scores, secs)

    # Tessera: the default colour path (opponent basis), sigma given.
    ours = []
    t0 = time.time()
    for i, (n, c) in enumerate(zip(noisy, clean)):
        out = os.path.join(a.work, 'tessera-%02d.png' % i)
        subprocess.run([a.cli, '--quiet', 'denoise', n, '-o', out, '--model', a.model,
                        '--sigma', '25', '--bit-depth', '8'], check=True)
        ours.append(psnr(cv2.imread(out, cv2.IMREAD_COLOR), c))
        print('%s: tessera %.2f dB, opencv (h %g) %.2f dB' % (os.path.basename(paths[i]), ours[-1],
                                                            best[0], best[2][i]), flush=True)
    secs = (time.time() - t0) / len(noisy)
    print('mean over %d colour images: tessera (%s) %.2f dB (%.1f s per image), '
          'opencv fastNlMeansDenoisingColored (h %g) %.2f dB (%.2f s per image)'
          % (len(noisy), a.model, np.mean(ours), secs, best[0], best[1], best[3]))
    return 0 if np.mean(ours) > best[1] else 1

if __name__ == '__main__':
    sys.exit(main())

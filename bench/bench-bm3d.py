#!/usr/bin/python3
"""Tessera against BM3D / CBM3D (the IPOL C++ implementation, github.com/gfacciol/bm3d), side
by side in one run on identical noisy inputs: mean PSNR and total seconds of each per sigma,
the ratio of times and the PSNR difference.

The peer is not part of the project: build it in /tmp (docs/benchmarks.md) and point BM3D_BIN
at its `bm3d` binary; without it the benchmark skips (exit 77).

Inputs. Each image (sorted by name, --limit N keeps the first N) gets x + sigma/255 * n, n
standard normal from seed --seed + image index (the same field at every sigma), not clipped.
The two tools read floats in different units (BM3D: 0-255, Tessera: [0, 1]), so in the default
`--input float` each gets a float32 .npy of its own units, and the values are made identical:
the noisy image is rounded to a grid of 2^-14 (0.016 grey levels, 0.005 rms, against a noise
of 15 to 50) on which 255 * y is exact in float32; the script checks that BM3D's file holds
exactly 255 times Tessera's values. `--input png8` gives both the very same 8-bit PNG instead
(the noise then rounded and clipped to 0..255 for both, as in a photo file).

Runs: Tessera's default denoise (`tessera-cli denoise IN --sigma S -o OUT --threads T`, the
model chosen for the noise level, RGB in its opponent basis) and BM3D with its own defaults
(`bm3d IN S OUT -nb_threads T`: Bior1.5 / DCT, patch size by sigma, RGB in its opponent colour
space, i.e. CBM3D) with OMP_NUM_THREADS=T (BM3D rounds T to a power of 2). Seconds are each
process's wall time (start, model or plan set-up, I/O included); CPU seconds (user + system)
are printed too, since the machine may be shared. PSNR of both outputs by the same code:
clipped to [0, 1], peak 1, against the clean image, mean over the images.

Usage: bench/bench-bm3d.py TESSERA_CLI [--dataset bsd68|cbsd68|DIR] [--sigmas 15 25 50] [--model M]
                           [--limit N] [--threads 2] [--input float|png8] [--json FILE] [--work DIR]
--dataset names a folder of ../shared/data ($TESSERA_SHARED_DIR/data) or gives a path: bsd68
(grayscale: BM3D, the default) or cbsd68 (colour: CBM3D).
Needs Debian's python3-numpy and python3-pil (benchmark dependencies only).
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time

try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    print('skip: %s (install python3-numpy and python3-pil)' % e)
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))

# 255 * m * 2^-14 is exact in float32 while |m| * 255 < 2^24, i.e. for |y| < 4: far beyond noise.
GRID = 2.0 ** 14


def load_clean(path):
    img = Image.open(path)
    img = img.convert('L' if img.mode == 'L' else 'RGB')
    return np.asarray(img, dtype=np.float64) / 255.0


def psnr(out, clean):
    if out.size * 3 == clean.size:  # BM3D writes one channel when R = G = B
        out = np.repeat(out.reshape(clean.shape[:2] + (1,)), 3, axis=2)
    out = np.clip(out.reshape(clean.shape), 0.0, 1.0)
    return 10.0 * np.log10(1.0 / np.mean((out - clean) ** 2))


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit('%s failed (%d):\n%s' % (' '.join(cmd), r.returncode, r.stdout))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def make_inputs(clean, sigma, seed, mode, stem):
    """Writes the noisy input(s); returns (tessera path, bm3d path, noisy image in [0, 1])."""
    noise = np.random.default_rng(seed).standard_normal(clean.shape)
    y = clean + sigma / 255.0 * noise
    if mode == 'png8':
        q = np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)
        path = stem + '.png'
        Image.fromarray(q).save(path)
        return path, path, q / 255.0
    y = np.round(y * GRID) / GRID
    ours = y.astype(np.float32)
    theirs = (y * 255.0).astype(np.float32)
    if not (np.array_equal(ours.astype(np.float64), y)
            and np.array_equal(theirs.astype(np.float64), y * 255.0)):
        sys.exit('internal error: the noisy values are not exact in float32')
    np.save(stem + '.npy', ours)
    np.save(stem + '-255.npy', theirs)
    return stem + '.npy', stem + '-255.npy', y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('cli', help='tessera-cli')
    ap.add_argument('--dataset', default='bsd68',
                    help='a folder of images, or the name of one in ../shared/data (bsd68, cbsd68)')
    ap.add_argument('--sigmas', type=float, nargs='+', default=[15, 25, 50])
    ap.add_argument('--limit', type=int, default=0, help='only the first N images (by name)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--model', help="Tessera's model (default: its default, 'auto')")
    ap.add_argument('--seed', type=int, default=0, help='noise seed of the first image')
    ap.add_argument('--input', choices=('float', 'png8'), default='float')
    ap.add_argument('--json', help='also write the per-image figures here')
    ap.add_argument('--work', help='keep inputs and outputs in this folder')
    a = ap.parse_args()

    bm3d = os.environ.get('BM3D_BIN', '')
    if not bm3d or not (os.path.isfile(bm3d) and os.access(bm3d, os.X_OK)):
        print('skip: set BM3D_BIN to the bm3d binary built from github.com/gfacciol/bm3d '
              '(docs/benchmarks.md)')
        return 77
    if not os.path.isdir(a.dataset) and os.sep not in a.dataset:
        a.dataset = os.path.join(shared, 'data', a.dataset)
    if not os.path.isdir(a.dataset):
        print('skip: %s not found' % a.dataset)
        return 77
    cli = os.path.abspath(a.cli)
    names = sorted(f for f in os.listdir(a.dataset)
                   if f.lower().endswith(('.png', '.tif', '.tiff', '.jpg', '.jpeg')))
    if a.limit > 0:
        names = names[:a.limit]
    if not names:
        print('skip: no images in %s' % a.dataset)
        return 77

    work = a.work or tempfile.mkdtemp(prefix='tessera-bm3d-')
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    print('dataset %s, %d images, sigmas %s, %d threads each, input %s; bm3d %s'
          % (os.path.normpath(a.dataset), len(names), ' '.join('%g' % s for s in a.sigmas),
             a.threads, a.input, bm3d), flush=True)

    records, summary = [], []
    try:
        for sigma in a.sigmas:
            rows = []
            for i, name in enumerate(names):
                clean = load_clean(os.path.join(a.dataset, name))
                stem = os.path.join(work, 's%g-%s' % (sigma, os.path.splitext(name)[0]))
                ours_in, theirs_in, noisy = make_inputs(clean, sigma, a.seed + i, a.input, stem)
                ours_out, theirs_out = stem + '-tessera.npy', stem + '-bm3d.npy'
                tw, tc = timed([cli, '--quiet', 'denoise', ours_in, '--sigma', '%g' % sigma,
                                '-o', ours_out, '--threads', str(a.threads)]
                               + (['--model', a.model] if a.model else []))
                bw, bc = timed([bm3d, theirs_in, '%g' % sigma, theirs_out,
                                '-nb_threads', str(a.threads)], env=env)
                rec = {'sigma': sigma, 'image': name, 'seed': a.seed + i,
                       'psnr_noisy': psnr(noisy, clean),
                       'psnr_tessera': psnr(np.load(ours_out).astype(np.float64), clean),
                       'psnr_bm3d': psnr(np.load(theirs_out).astype(np.float64) / 255.0, clean),
                       'seconds_tessera': tw, 'cpu_seconds_tessera': tc,
                       'seconds_bm3d': bw, 'cpu_seconds_bm3d': bc}
                rows.append(rec)
                print('sigma %g %s: tessera %.2f dB %.1f s, bm3d %.2f dB %.1f s'
                      % (sigma, name, rec['psnr_tessera'], tw, rec['psnr_bm3d'], bw), flush=True)
            records += rows
            mean = lambda k: float(np.mean([r[k] for r in rows]))
            total = lambda k: float(np.sum([r[k] for r in rows]))
            summary.append({'sigma': sigma, 'images': len(rows), 'psnr_noisy': mean('psnr_noisy'),
                            'psnr_tessera': mean('psnr_tessera'), 'psnr_bm3d': mean('psnr_bm3d'),
                            'seconds_tessera': total('seconds_tessera'),
                            'seconds_bm3d': total('seconds_bm3d'),
                            'cpu_seconds_tessera': total('cpu_seconds_tessera'),
                            'cpu_seconds_bm3d': total('cpu_seconds_bm3d')})
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print('| sigma | images | noisy dB | Tessera dB | BM3D dB | Tessera - BM3D dB '
          '| Tessera s | BM3D s | time ratio Tessera / BM3D | CPU s Tessera / BM3D |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for s in summary:
        print('| %g | %d | %.2f | %.2f | %.2f | %+.2f | %.1f | %.1f | %.2f | %.1f / %.1f |'
              % (s['sigma'], s['images'], s['psnr_noisy'], s['psnr_tessera'], s['psnr_bm3d'],
                 s['psnr_tessera'] - s['psnr_bm3d'], s['seconds_tessera'], s['seconds_bm3d'],
                 s['seconds_tessera'] / s['seconds_bm3d'], s['cpu_seconds_tessera'],
                 s['cpu_seconds_bm3d']))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'dataset': os.path.abspath(a.dataset), 'input': a.input,
                       'threads': a.threads, 'bm3d': bm3d, 'summary': summary,
                       'images': records}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Camera-like noise (issue 20): Tessera blind, run as a user runs it, against CBM3D given the
best single sigma for each image, on the same camera-like JPEGs made from CBSD68.

Camera (tools/camera_pipeline.py, shared with tools/fit-camera-noise.py): each clean image
(sorted by name; --limit N keeps the first N, --crop C their centre C x C at even offsets) is
unprocessed to linear raw values (inverse sRGB gamma, inverse white balance R / 2.0, B / 1.6),
mosaicked to RGGB, given Poisson-Gaussian noise of variance a L + b on the raw values L (one
(a, b) per gain), white-balanced, demosaicked bilinearly, gamma-encoded, rounded to 8 bits and
saved as JPEG at --quality 90 (libjpeg-turbo through PIL, chroma --subsampling 4:2:0). No
in-camera noise reduction unless --camera-nr (the issue's camera has none; see docs/benchmarks.md).
The noise field comes from seed (--seed, gain index, image index): both methods get the very
same inputs, made once into a temporary folder.

Runs, one after the other for each image:
- Tessera: `tessera-cli denoise IN.jpg -o OUT.png`, nothing else (its defaults: blind level,
  model, threads), plus --tessera-args if given. Its blind level is read from its note on stderr.
- CBM3D: `bm3d IN.png SIGMA OUT.npy -nb_threads T` (OMP_NUM_THREADS=T), IN.png holding the
  JPEG's pixels as PIL decodes them (the same libjpeg-turbo as Tessera's reader), for each sigma
  of --sigmas, keeping each image's best PSNR. By default the sweep climbs: it starts at the
  sigma nearest the input's rms error and walks towards higher PSNR until it drops (PSNR is
  unimodal in sigma); --full-sweep runs every sigma. A best sigma at an end of the list is flagged.

PSNR, both outputs alike: 8-bit values (CBM3D's float output rounded and clipped as a PNG would
be), all three channels, peak 255, whole image, against the reference: the same clean image
developed by the same camera without noise and without JPEG, not rounded (so the camera's own
mosaic and demosaicing loss is not counted as noise; the JPEG's loss is: the "clean JPEG"
column is the noise-free development through the same JPEG, a ceiling for no denoiser).
Seconds: each process's wall time, summed over the images (CBM3D: every run of the sweep, and
the best sigma's run alone); CPU seconds (user + system) too.

Usage: bench/bench-camera.py TESSERA_CLI [--limit N] [--crop C] [--gains A:B ...]
           [--sigmas S ...] [--full-sweep] [--tessera-args '...'] [--threads 2] [--seed 0]
           [--camera-nr] [--quality 90] [--subsampling 4:2:0] [--json FILE] [--work DIR]
Skips (77) without ../shared/data/cbsd68, without BM3D_BIN (the bm3d binary of
github.com/gfacciol/bm3d, built outside the project) or without python3-numpy, -scipy, -pil.
"""
import argparse, json, os, re, resource, shlex, shutil, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))
sys.path.insert(0, os.path.join(here, '..', 'tools'))

try:
    import numpy as np
    from PIL import Image
    import camera_pipeline as camera
except ImportError as e:
    print('skip: %s (install python3-numpy, python3-scipy and python3-pil)' % e)
    sys.exit(77)


# Low to high ISO, two stops apart: noise std before JPEG about 2, 4, 9 and 21
# (0-255 units) on CBSD68 crops.
DEFAULT_GAINS = ['2.5e-4', '1e-3', '4e-3', '1.6e-2']  # b from read_noise
DEFAULT_SIGMAS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60]
SUBSAMPLING = {'4:4:4': 0, '4:2:2': 1, '4:2:0': 2}


def parse_gain(text):
    a, _, b = text.partition(':')
    return float(a), float(b) if b else camera.read_noise(float(a))


def psnr(out, ref):
    return 10.0 * np.log10(255.0 ** 2 / np.mean((out - ref) ** 2))


def to_8bit(x):
    return np.clip(np.round(x), 0, 255)


def load_8bit_rgb(path):
    with open(path, 'rb') as f:
        head = f.read(25)
    if head[:8] == b'\x89PNG\r\n\x1a\n' and head[24] != 8:
        sys.exit('%s: a %d-bit PNG; this script reads 8-bit outputs' % (path, head[24]))
    return np.asarray(Image.open(path).convert('RGB'), dtype=np.float64)


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, CPU seconds of the child, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit('%s failed (%d):\n%s%s' % (shlex.join(cmd), r.returncode, r.stdout, r.stderr))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r.stderr


def blind_level(stderr):
    """The level Tessera used, from its note (cli-denoise.c), or None."""
    m = re.search(r'using ([0-9.]+)$', stderr, re.M) or \
        re.search(r'no --sigma given: estimated noise level ([0-9.]+)', stderr)
    return float(m.group(1)) if m else None


def make_input(clean, a, b, rng, args, stem):
    """The camera's JPEG (stem.jpg), its decoded pixels (stem.png, for CBM3D), the reference and
    the noise-free development through the same JPEG (0-255 floats)."""
    linear, masks = camera.unprocess(clean), camera.mosaic_masks(*clean.shape[:2])
    blur = (0.7, 2.0) if args.camera_nr else (0.0, 0.0)
    ref = camera.develop(linear, masks, None, 0.0, 0.0, *blur) * 255.0
    noisy = camera.develop(linear, masks, rng, a, b, *blur) * 255.0

    def jpeg(x, path):
        Image.fromarray(to_8bit(x).astype(np.uint8)).save(
            path, quality=args.quality, subsampling=SUBSAMPLING[args.subsampling])
        return np.asarray(Image.open(path).convert('RGB'), dtype=np.float64)

    decoded = jpeg(noisy, stem + '.jpg')
    Image.fromarray(decoded.astype(np.uint8)).save(stem + '.png')
    clean_jpeg = jpeg(ref, stem + '-clean.jpg')
    return ref, decoded, clean_jpeg


def cbm3d_best(bm3d, stem, ref, start, args, env):
    """Each sigma's PSNR (climbing from the list's sigma nearest start, or all); the runs' times."""
    sigmas = sorted(args.sigmas)
    scores, wall, cpu = {}, {}, {}

    def run(i):
        if i not in scores:
            out = '%s-bm3d-%g.npy' % (stem, sigmas[i])
            wall[i], cpu[i], _ = timed([bm3d, stem + '.png', '%g' % sigmas[i], out,
                                        '-nb_threads', str(args.threads)], env=env)
            y = np.load(out).astype(np.float64)
            if y.ndim == 2 or y.shape[-1] == 1:  # BM3D writes one channel when R = G = B
                y = np.repeat(y.reshape(ref.shape[:2] + (1,)), 3, axis=2)
            scores[i] = psnr(to_8bit(y.reshape(ref.shape)), ref)
            os.remove(out)
        return scores[i]

    if args.full_sweep:
        for i in range(len(sigmas)):
            run(i)
    else:
        i = min(range(len(sigmas)), key=lambda j: abs(np.log(sigmas[j] / max(start, 0.1))))
        for step in (1, -1):
            while 0 <= i + step < len(sigmas) and run(i + step) > run(i):
                i += step
    best = max(scores, key=scores.get)
    return {'sigma': sigmas[best], 'psnr': scores[best],
            'at_end': best in (0, len(sigmas) - 1),
            'sweep': {'%g' % sigmas[i]: scores[i] for i in sorted(scores)},
            'seconds': sum(wall.values()), 'cpu_seconds': sum(cpu.values()),
            'seconds_best': wall[best], 'runs': len(scores)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('cli', help='tessera-cli')
    ap.add_argument('--dataset', default='cbsd68',
                    help='a folder of RGB images, or the name of one in ../shared/data')
    ap.add_argument('--limit', type=int, default=0, help='only the first N images (by name)')
    ap.add_argument('--crop', type=int, default=0, help='centre crop of C x C pixels (0: none)')
    ap.add_argument('--gains', nargs='+', default=DEFAULT_GAINS,
                    help='A:B (variance A L + B on raw values in [0, 1]); A alone: B = 3.32 A^2.18')
    ap.add_argument('--sigmas', type=float, nargs='+', default=DEFAULT_SIGMAS,
                    help="CBM3D's sigmas (0-255 units)")
    ap.add_argument('--full-sweep', action='store_true', help='run CBM3D at every sigma')
    ap.add_argument('--tessera-args', default='', help="extra options for Tessera's denoise")
    ap.add_argument('--threads', type=int, default=2,
                    help="CBM3D's threads (Tessera's default is 2; set it by --tessera-args)")
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--camera-nr', action='store_true',
                    help='in-camera noise reduction (Gaussian 0.7 px on Y, 2 px on chroma)')
    ap.add_argument('--quality', type=int, default=90)
    ap.add_argument('--subsampling', choices=sorted(SUBSAMPLING), default='4:2:0')
    ap.add_argument('--json', help='also write the per-image figures here')
    ap.add_argument('--work', help='keep the inputs in this folder')
    args = ap.parse_args()

    bm3d = os.environ.get('BM3D_BIN', '')
    if not bm3d or not (os.path.isfile(bm3d) and os.access(bm3d, os.X_OK)):
        print('skip: set BM3D_BIN to the bm3d binary built from github.com/gfacciol/bm3d '
              '(docs/benchmarks.md)')
        return 77
    if not os.path.isdir(args.dataset) and os.sep not in args.dataset:
        args.dataset = os.path.join(shared, 'data', args.dataset)
    names = sorted(f for f in os.listdir(args.dataset)
                   if f.lower().endswith(('.png', '.jpg', '.tif'))) \
        if os.path.isdir(args.dataset) else []
    names = names[:args.limit] if args.limit > 0 else names
    if not names:
        print('skip: no images in %s' % args.dataset)
        return 77
    gains = [parse_gain(g) for g in args.gains]
    cli = os.path.abspath(args.cli)
    extra = shlex.split(args.tessera_args)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    work = args.work or tempfile.mkdtemp(prefix='tessera-camera-')
    os.makedirs(work, exist_ok=True)

    print('command: %s' % shlex.join([sys.argv[0]] + sys.argv[1:]))
    print('dataset %s, %d images%s; camera: RGGB, variance a L + b, bilinear demosaic, '
          '%sJPEG q%d %s; seed %d' % (os.path.normpath(args.dataset), len(names),
                       ', centre %d x %d' % (args.crop, args.crop) if args.crop else '',
                       'in-camera noise reduction, ' if args.camera_nr else '', args.quality,
                       args.subsampling, args.seed))
    print('Tessera: %s; CBM3D: %s IN.png SIGMA OUT.npy -nb_threads %d, sigmas %s (%s)'
          % (shlex.join([cli, 'denoise', 'IN.jpg', '-o', 'OUT.png'] + extra), bm3d, args.threads,
             ' '.join('%g' % s for s in sorted(args.sigmas)),
             'every one' if args.full_sweep else 'climbing from the input rms error'), flush=True)

    records, summary = [], []
    try:
        for g, (a, b) in enumerate(gains):
            print('\n### gain %d: a = %g, b = %.3g\n' % (g + 1, a, b))
            print('| image | input dB | clean JPEG dB | Tessera dB (level) | CBM3D best dB (sigma) '
                  '| Tessera - CBM3D | Tessera s | CBM3D s (runs) |')
            print('| --- | --- | --- | --- | --- | --- | --- | --- |', flush=True)
            rows = []
            for i, name in enumerate(names):
                clean = np.asarray(Image.open(os.path.join(args.dataset, name)).convert('RGB'),
                                   dtype=np.float64) / 255.0
                if args.crop:
                    clean = camera.centre_crop(clean, args.crop)
                stem = os.path.join(work, 'g%d-%s' % (g + 1, os.path.splitext(name)[0]))
                rng = np.random.default_rng([args.seed, g, i])
                ref, noisy, clean_jpeg = make_input(clean, a, b, rng, args, stem)
                tw, tc, err = timed([cli, 'denoise', stem + '.jpg', '-o', stem + '-tessera.png']
                                    + extra)
                ours = psnr(load_8bit_rgb(stem + '-tessera.png'), ref)
                rms = float(np.sqrt(np.mean((noisy - ref) ** 2)))
                theirs = cbm3d_best(bm3d, stem, ref, rms, args, env)
                rec = {'gain': g + 1, 'a': a, 'b': b, 'image': name, 'input_rms': rms,
                       'psnr_input': psnr(noisy, ref), 'psnr_clean_jpeg': psnr(clean_jpeg, ref),
                       'psnr_tessera': ours, 'tessera_level': blind_level(err),
                       'seconds_tessera': tw, 'cpu_seconds_tessera': tc,
                       'psnr_cbm3d': theirs['psnr'], 'cbm3d_sigma': theirs['sigma'],
                       'cbm3d_sigma_at_end': theirs['at_end'], 'cbm3d_sweep': theirs['sweep'],
                       'seconds_cbm3d': theirs['seconds'],
                       'cpu_seconds_cbm3d': theirs['cpu_seconds'],
                       'seconds_cbm3d_best': theirs['seconds_best'], 'cbm3d_runs': theirs['runs']}
                rows.append(rec)
                level = '%.2f' % rec['tessera_level'] if rec['tessera_level'] is not None else '?'
                print('| %s | %.2f | %.2f | %.2f (%s) | %.2f (%g%s) | %+.2f | %.1f | %.1f (%d) |'
                      % (name, rec['psnr_input'], rec['psnr_clean_jpeg'], ours, level,
                         theirs['psnr'], theirs['sigma'],
                         ', end of list' if theirs['at_end'] else '',
                         ours - theirs['psnr'], tw, theirs['seconds'], theirs['runs']), flush=True)
            records += rows
            mean = lambda k: float(np.mean([r[k] for r in rows]))
            total = lambda k: float(np.sum([r[k] for r in rows]))
            summary.append({k: mean(k) for k in ('psnr_input', 'psnr_clean_jpeg', 'psnr_tessera',
                                                 'psnr_cbm3d', 'cbm3d_sigma')}
                           | {k: total(k) for k in ('seconds_tessera', 'cpu_seconds_tessera',
                                                    'seconds_cbm3d', 'cpu_seconds_cbm3d',
                                                    'seconds_cbm3d_best', 'cbm3d_runs')}
                           | {'gain': g + 1, 'a': a, 'b': b, 'images': len(rows)})
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    print('\n### Means over %d images%s\n' % (len(names),
                                               ' (centre %d x %d)' % (args.crop, args.crop)
                                               if args.crop else ''))
    print('| gain (a, b) | input dB | clean JPEG dB | Tessera dB | CBM3D best-sigma dB '
          '(mean sigma) | Tessera - CBM3D | Tessera s (CPU) | CBM3D s all runs (CPU) | '
          'CBM3D s best sigma only |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for s in summary:
        print('| %d (%g, %.3g) | %.2f | %.2f | %.2f | %.2f (%.1f) | %+.2f | %.1f (%.1f) | '
              '%.1f (%.1f) | %.1f |'
              % (s['gain'], s['a'], s['b'], s['psnr_input'], s['psnr_clean_jpeg'],
                 s['psnr_tessera'], s['psnr_cbm3d'], s['cbm3d_sigma'],
                 s['psnr_tessera'] - s['psnr_cbm3d'], s['seconds_tessera'],
                 s['cpu_seconds_tessera'], s['seconds_cbm3d'], s['cpu_seconds_cbm3d'],
                 s['seconds_cbm3d_best']))
    print('\ntotal seconds: Tessera %.1f, CBM3D %.1f (%d runs)'
          % (sum(s['seconds_tessera'] for s in summary), sum(s['seconds_cbm3d'] for s in summary),
             sum(s['cbm3d_runs'] for s in summary)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'command': sys.argv, 'dataset': os.path.abspath(args.dataset),
                       'crop': args.crop, 'seed': args.seed, 'camera_nr': args.camera_nr,
                       'quality': args.quality, 'subsampling': args.subsampling,
                       'tessera_args': extra, 'threads': args.threads, 'bm3d': bm3d,
                       'summary': summary, 'images': records}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Single-coil compressed-sensing MRI on whole slice folders (issue 21): zero-filled, BART
`pics` with TV and with l1-wavelet regularisation and, with --tessera, `tessera-cli eval
--task mri` with each model of --models, side by side in one run and scored by one code
(bench/benchscore.py: PSNR and SSIM as Tessera's, on the central crop of the real part
against target.npy, data/README.md "Protocols").

Data. Each slice folder holds compact k-space (meta.json, columns.npy, kspace_cols.npy): the
script expands it into the full k-space K (the plain 2-D DFT, orthonormal, DC at index 0) and
the column mask. The zero-filled image is x0 = real(ifft2(K, norm='ortho')).

BART (Debian's `bart` package; a benchmark dependency only) works with centred k-space and a
centred FFT. The script gives it kb = fftshift(K * (-1)^(u + v)): the checkerboard moves the
image's origin to the centre and the shift moves k-space's, so that BART's centred unitary
inverse FFT of kb is x0 itself, not x0 shifted by half the field of view. The pattern is
fftshift(mask), the sensitivity map is ones (one coil), and `pics -S` rescales the image to
the data's units after its own intensity scaling (its regularisation weight stays relative
to that scaling, as for any pics user). Before the first slice of each size the script
checks, and stops if either fails:
  1. `bart fft -i -u 3 kb` equals x0 (relative difference below 1e-5);
  2. `bart pics -S -l2 -r 1e-3` (whose solution is x0 / 1.001 for this operator) equals
     x0 times a unit phase (relative residual below 1e-2); the phase, measured, is undone on
     every pics output of that size. It is -1 for widths W with W/2 odd (pics' fftmod of the
     k-space and of the maps leave a factor (-1)^(W/2) that `bart fft` does not).

Regularisation weights. TV (`-R T:3:0:L`) and l1-wavelet (`-R W:3:0:L`) are tuned per
folder on its matching validation folder (the folder's sibling `val`; a `val` folder is its
own, which the output says): mean PSNR over the val slices on a log10 grid from -4 to -1 in
steps of 0.5 (--grid), extended while the best point is at an end, then refined by +-0.25 and
+-0.125 around the best. --tv / --wavelet fix the weights instead. Every pics call gets
`-i --bart-iter` iterations (default 100; pics' own default is 30), `-d 0`, and
OMP_NUM_THREADS=--threads.

Tessera. `tessera-cli eval --task mri --dataset FOLDER --model M --threads T --json
--save-dir DIR` per folder and model (its defaults: tolerance 1e-5, the model's preset or
the paper's beta and lambda per acceleration and contrast); the saved estimates are scored
by the same code as the others (and must agree with eval's own PSNR to 1e-3 dB), and eval's
mean iterations and seconds are reported. `paper:NAME` in --models stands for
../shared/reference/models/NAME (the paper's weights, read from their folder).

Usage: bench/bench-mri.py [TESSERA_CLI] [--folders DIR ...] [--limit N] [--tune-limit N]
           [--grid LO HI] [--tv L] [--wavelet L] [--no-bart] [--bart-iter 100] [--tessera]
           [--models M ...] [--max-iter N] [--tol T] [--threads 1] [--json FILE] [--work DIR]
A folder is a path or relative to ../shared/data/mri (acc8/pd/test); default acc8/pd/test
and acc8/pdfs/test. Skips (77) without ../shared, `bart` or python3-numpy.
"""
import argparse, datetime, json, math, os, resource, shutil, subprocess, sys, tempfile, time

try:
    import numpy as np
except ImportError as e:
    print('skip: %s (install python3-numpy)' % e)
    sys.exit(77)

import benchscore

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get('TESSERA_SHARED_DIR', os.path.join(here, '..', '..', 'shared'))
DEFAULT_FOLDERS = ['acc8/pd/test', 'acc8/pdfs/test']
DEFAULT_MODELS = ['ncpr-sigma25', 'cpr-sigma25', 'paper:sigma25-ncpr', 'paper:sigma25-cpr']
BART_REG = {'tv': 'T', 'wavelet': 'W'}
LABEL = {'zero': 'zero-filled', 'tv': 'BART pics, TV', 'wavelet': 'BART pics, l1-wavelet'}


# ---- data ------------------------------------------------------------------------------------

class Slice:
    """One compact slice folder, expanded."""

    def __init__(self, path):
        self.path, self.name = path, os.path.basename(path)
        with open(os.path.join(path, 'meta.json')) as f:
            meta = json.load(f)
        self.shape = tuple(meta['shape'])
        self.acceleration = meta.get('acceleration')
        cols = np.load(os.path.join(path, 'columns.npy'))
        values = np.load(os.path.join(path, 'kspace_cols.npy'))
        if values.shape != (self.shape[0], len(cols)) or cols.min() < 0 or cols.max() >= self.shape[1]:
            sys.exit('%s: columns.npy / kspace_cols.npy do not match the shape %s in meta.json'
                     % (path, self.shape))
        self.kspace = np.zeros(self.shape, np.complex64)
        self.kspace[:, cols] = values
        self.mask = np.zeros(self.shape, np.float32)
        self.mask[:, cols] = 1.0
        self.target = np.load(os.path.join(path, 'target.npy')).astype(np.float64)
        self.zero_filled = np.fft.ifft2(self.kspace.astype(np.complex128), norm='ortho')

    def score(self, image):
        """PSNR, SSIM of the real part of a full-size estimate on the target's central crop."""
        crop = benchscore.centre_crop(np.real(image), *self.target.shape)
        return benchscore.psnr(crop, self.target), benchscore.ssim(crop, self.target)


def slice_folders(folder, limit):
    names = sorted(d for d in os.listdir(folder)
                   if os.path.isfile(os.path.join(folder, d, 'meta.json')))
    return [os.path.join(folder, d) for d in (names[:limit] if limit > 0 else names)]


def resolve_folder(name):
    if os.path.isdir(name):
        return os.path.normpath(name)
    return os.path.normpath(os.path.join(shared, 'data', 'mri', name))


def tuning_folder(folder):
    """The validation folder of a test folder (its sibling `val`); a val folder is its own."""
    parent, last = os.path.split(folder)
    val = os.path.join(parent, 'val')
    return val if last != 'val' and os.path.isdir(val) else folder


# ---- BART ------------------------------------------------------------------------------------

def write_cfl(stem, array):
    a = np.asarray(array, np.complex64)
    with open(stem + '.hdr', 'w') as f:
        f.write('# Dimensions\n%s\n' % ' '.join(str(d) for d in list(a.shape) + [1] * (16 - a.ndim)))
    a.ravel(order='F').tofile(stem + '.cfl')


def read_cfl(stem):
    with open(stem + '.hdr') as f:
        f.readline()
        dims = [int(d) for d in f.readline().split()]
    data = np.fromfile(stem + '.cfl', np.complex64, int(np.prod(dims)))
    return data.reshape([d for d in dims[:2]], order='F')


class Bart:
    def __init__(self, work, iterations, threads):
        self.work, self.iterations = work, iterations
        self.env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        self.phase = {}          # image shape -> unit factor of pics' output, measured
        self.checks = []         # what check_conventions found, for the record
        self.staged = None

    def run(self, args):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(['bart'] + args, env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            sys.exit('bart %s failed (%d):\n%s' % (' '.join(args), r.returncode, r.stdout))
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def stage(self, s):
        """Writes the slice's k-space, pattern and map of ones in BART's centred layout."""
        if self.staged is s.path:
            return
        u, v = np.indices(s.shape)
        checker = np.where((u + v) % 2 == 0, 1.0, -1.0)
        write_cfl(os.path.join(self.work, 'ksp'), np.fft.fftshift(s.kspace * checker))
        write_cfl(os.path.join(self.work, 'pat'), np.fft.fftshift(s.mask))
        write_cfl(os.path.join(self.work, 'sens'), np.ones(s.shape))
        self.staged = s.path
        if s.shape not in self.phase:
            self.check_conventions(s)

    def check_conventions(self, s):
        w = lambda name: os.path.join(self.work, name)
        x0 = s.zero_filled
        norm = np.linalg.norm(x0)
        self.run(['fft', '-i', '-u', '3', w('ksp'), w('check-fft')])
        fft_diff = np.linalg.norm(read_cfl(w('check-fft')) - x0) / norm
        if not fft_diff < 1e-5:
            sys.exit('%s: bart fft -i -u of the staged k-space differs from the zero-filled image '
                     'by %.3g (relative): the k-space layout is wrong' % (s.path, fft_diff))
        self.run(['pics', '-d', '0', '-S', '-l2', '-r', '1e-3', '-p', w('pat'), w('ksp'),
                  w('sens'), w('check-pics')])
        xp = read_cfl(w('check-pics'))
        alpha = np.vdot(x0, xp) / np.vdot(x0, x0)
        residual = np.linalg.norm(xp - alpha * x0) / norm
        phase = min((1, -1, 1j, -1j), key=lambda p: abs(alpha - p))
        if not (residual < 1e-2 and abs(alpha - phase) < 1e-2):
            sys.exit('%s: bart pics -l2 (r 1e-3) gives %.4g%+.4gi x the zero-filled image with a '
                     'residual of %.3g: its forward model is not the data\'s'
                     % (s.path, alpha.real, alpha.imag, residual))
        self.phase[s.shape] = phase
        rec = {'shape': list(s.shape), 'slice': s.path, 'fft_relative_difference': fft_diff,
               'pics_l2_factor': [alpha.real, alpha.imag], 'pics_l2_residual': residual,
               'pics_phase_undone': str(phase)}
        self.checks.append(rec)
        print('BART conventions, %d x %d (%s): bart fft -i -u = zero-filled to %.1e; pics -S -l2 '
              '-r 1e-3 = (%.4f%+.4fi) x zero-filled, residual %.1e; phase %s undone'
              % (s.shape[0], s.shape[1], s.name, fft_diff, alpha.real, alpha.imag, residual,
                 phase), flush=True)

    def pics(self, s, method, weight):
        """pics with the method's regulariser; returns (image in x0's convention, wall, cpu)."""
        self.stage(s)
        w = lambda name: os.path.join(self.work, name)
        wall, cpu = self.run(['pics', '-d', '0', '-S', '-i', str(self.iterations),
                              '-R', '%s:3:0:%.6g' % (BART_REG[method], weight),
                              '-p', w('pat'), w('ksp'), w('sens'), w('out')])
        return read_cfl(w('out')) / self.phase[s.shape], wall, cpu


def tune(bart, method, slices, lo, hi):
    """Log10 search of the weight maximising the mean PSNR over slices; returns (best, trace)."""
    scores = {}

    def score(e):
        e = round(e, 4)
        if e not in scores:
            scores[e] = float(np.mean([s.score(bart.pics(s, method, 10.0 ** e)[0])[0] for s in slices]))
            print('  tune %s: weight %.4g -> %.3f dB' % (method, 10.0 ** e, scores[e]), flush=True)
        return scores[e]

    grid = [lo + 0.5 * i for i in range(int(round((hi - lo) / 0.5)) + 1)]
    for e in grid:
        score(e)
    best = max(scores, key=scores.get)
    while best in (min(scores), max(scores)) and -8 < best < 2:     # extend past an end
        best_next = best - 0.5 if best == min(scores) else best + 0.5
        score(best_next)
        if scores[round(best_next, 4)] <= scores[best]:
            break
        best = max(scores, key=scores.get)
    for step in (0.25, 0.125):
        for e in (best - step, best + step):
            score(e)
        best = max(scores, key=scores.get)
    trace = [[10.0 ** e, scores[e]] for e in sorted(scores)]
    return 10.0 ** best, trace


# ---- Tessera ---------------------------------------------------------------------------------

def model_arg(model):
    if model.startswith('paper:'):
        path = os.path.join(shared, 'reference', 'models', model[len('paper:'):])
        if not os.path.isdir(path):
            sys.exit('%s: %s not found' % (model, path))
        return path
    return model


def tessera_eval(a, folder, model, out_dir):
    cmd = [a.cli, 'eval', '--task', 'mri', '--dataset', folder, '--model', model_arg(model),
           '--threads', str(a.threads), '--json', '--save-dir', out_dir]
    if a.limit > 0:
        cmd += ['--limit', str(a.limit)]
    if a.max_iter:
        cmd += ['--max-iter', str(a.max_iter)]
    if a.tol is not None:
        cmd += ['--tol', '%g' % a.tol]
    print('  %s' % ' '.join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit('tessera-cli eval failed (%d):\n%s' % (r.returncode, r.stderr))
    sys.stdout.write(''.join('  ' + line + '\n' for line in r.stderr.splitlines()))
    return json.loads(r.stdout)


# ---- run -------------------------------------------------------------------------------------

def summarise(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return float(np.mean(vals)) if vals else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('cli', nargs='?', help='tessera-cli (needed with --tessera)')
    ap.add_argument('--folders', nargs='+', default=DEFAULT_FOLDERS,
                    help='slice folders (paths, or relative to ../shared/data/mri)')
    ap.add_argument('--limit', type=int, default=0, help='only the first N slices of each folder')
    ap.add_argument('--tune-limit', type=int, default=0, help='only the first N validation slices')
    ap.add_argument('--tv', type=float, help='BART TV weight (default: tuned per folder)')
    ap.add_argument('--wavelet', type=float, help='BART l1-wavelet weight (default: tuned)')
    ap.add_argument('--grid', type=float, nargs=2, default=[-4.0, -1.0], metavar=('LO', 'HI'),
                    help='log10 range of the tuning grid (steps of 0.5; default -4 -1)')
    ap.add_argument('--no-bart', action='store_true', help='zero-filled (and Tessera) only')
    ap.add_argument('--bart-iter', type=int, default=100, help='pics iterations (-i)')
    ap.add_argument('--tessera', action='store_true', help='also run tessera-cli eval')
    ap.add_argument('--models', nargs='+', default=DEFAULT_MODELS,
                    help="Tessera's models; paper:NAME is ../shared/reference/models/NAME")
    ap.add_argument('--max-iter', type=int, help="Tessera's iteration cap (default: eval's)")
    ap.add_argument('--tol', type=float, help="Tessera's tolerance (default: eval's, 1e-5)")
    ap.add_argument('--threads', type=int, default=1, help='threads of each tool')
    ap.add_argument('--json', help='also write every figure here')
    ap.add_argument('--work', help='keep BART files and Tessera estimates in this folder')
    a = ap.parse_args()

    if not os.path.isdir(os.path.join(shared, 'data', 'mri')):
        print('skip: %s not found' % os.path.join(shared, 'data', 'mri'))
        return 77
    if not a.no_bart and shutil.which('bart') is None:
        print('skip: no `bart` on PATH (Debian: apt-get install bart), or pass --no-bart')
        return 77
    if a.tessera:
        if not a.cli or not os.access(a.cli, os.X_OK):
            sys.exit('--tessera needs the tessera-cli binary as the first argument')
        a.cli = os.path.abspath(a.cli)
    folders = [resolve_folder(f) for f in a.folders]
    for f in folders:
        if not os.path.isdir(f):
            sys.exit('%s: no such folder' % f)

    work = a.work or tempfile.mkdtemp(prefix='tessera-mri-')
    os.makedirs(work, exist_ok=True)
    bart = None
    methods = ['zero']
    if not a.no_bart:
        bart = Bart(work, a.bart_iter, a.threads)
        methods += ['tv', 'wavelet']
        version = subprocess.run(['bart', 'version'], capture_output=True, text=True).stdout.strip()
        print('BART %s, pics -i %d, %d thread(s)' % (version, a.bart_iter, a.threads), flush=True)
    fixed = {'tv': a.tv, 'wavelet': a.wavelet}
    result = {'date': datetime.datetime.now().isoformat(timespec='seconds'),
              'command': ' '.join(sys.argv), 'bart_iter': a.bart_iter, 'threads': a.threads,
              'folders': []}
    tuned = {}   # (validation folder, method) -> (weight, trace, number of slices)

    try:
        for folder in folders:
            slices = [Slice(p) for p in slice_folders(folder, a.limit)]
            if not slices:
                sys.exit('%s: no slice folders' % folder)
            val = tuning_folder(folder)
            rec = {'folder': folder, 'slices': len(slices), 'tuned_on': val,
                   'tuned_on_itself': val == folder, 'weights': {}, 'tuning': {},
                   'methods': {}, 'per_slice': {}}
            print('\n== %s: %d slices' % (folder, len(slices))
                  + ('' if bart is None else '; BART tuned on %s%s' % (
                      val, ' (the same slices: no separate validation folder)' if val == folder else '')),
                  flush=True)
            for m in methods[1:]:
                if fixed[m] is not None:
                    rec['weights'][m] = fixed[m]
                    continue
                if (val, m) not in tuned:
                    vs = [Slice(p) for p in slice_folders(val, a.tune_limit)]
                    tuned[(val, m)] = tune(bart, m, vs, *a.grid) + (len(vs),)
                weight, trace, n = tuned[(val, m)]
                rec['weights'][m] = weight
                rec['tuning'][m] = {'folder': val, 'slices': n, 'trace': trace}
                print('  %s: weight %.4g (%.3f dB on %d validation slices)'
                      % (LABEL[m], weight, max(t[1] for t in trace), n), flush=True)
            for m in methods:
                rows = []
                for s in slices:
                    if m == 'zero':
                        p, q = s.score(s.zero_filled)
                        rows.append({'slice': s.name, 'psnr': p, 'ssim': q})
                        continue
                    image, wall, cpu = bart.pics(s, m, rec['weights'][m])
                    p, q = s.score(image)
                    rows.append({'slice': s.name, 'psnr': p, 'ssim': q, 'seconds': wall,
                                 'cpu_seconds': cpu})
                rec['per_slice'][m] = rows
                rec['methods'][m] = {'label': LABEL[m], 'weight': rec['weights'].get(m),
                                     'psnr': summarise(rows, 'psnr'), 'ssim': summarise(rows, 'ssim'),
                                     'seconds': summarise(rows, 'seconds'),
                                     'cpu_seconds': summarise(rows, 'cpu_seconds')}
                print('  %s: %.2f dB, SSIM %.4f' % (LABEL[m], rec['methods'][m]['psnr'],
                                                    rec['methods'][m]['ssim']), flush=True)
            if a.tessera:
                by_name = {s.name: s for s in slices}
                for j, model in enumerate(a.models):
                    out_dir = os.path.join(work, 'tessera-%d-%d' % (len(result['folders']), j))
                    os.makedirs(out_dir, exist_ok=True)
                    ev = tessera_eval(a, folder, model, out_dir)
                    rows = []
                    for item in ev['images']:
                        s = by_name[item['name']]
                        p, q = s.score(np.load(os.path.join(out_dir, item['name'] + '.npy')))
                        if abs(p - item['psnr']) > 1e-3:
                            sys.exit('%s: PSNR %.4f here, %.4f by tessera-cli eval: the scores '
                                     'disagree' % (s.path, p, item['psnr']))
                        rows.append({'slice': s.name, 'psnr': p, 'ssim': q,
                                     'iterations': item['iterations'], 'seconds': item['seconds'],
                                     'converged': item.get('converged')})
                    key = 'tessera ' + model
                    rec['per_slice'][key] = rows
                    rec['methods'][key] = {
                        'label': 'Tessera ' + (model[len('paper:'):] + " (paper's weights)"
                                               if model.startswith('paper:') else model),
                        'weight': 'beta %.4g, lambda %.4g (%s)' % (ev['beta'], ev['lambda'],
                                                                   ev.get('beta_from', '?')),
                        'psnr': summarise(rows, 'psnr'), 'ssim': summarise(rows, 'ssim'),
                        'seconds': summarise(rows, 'seconds'),
                        'iterations': summarise(rows, 'iterations'),
                        'converged': sum(1 for r in rows if r['converged']),
                        'max_iter': ev.get('max_iter'), 'tol': ev.get('tol')}
                    print('  %s: %.2f dB, SSIM %.4f, %.0f iterations, %.1f s per slice'
                          % (rec['methods'][key]['label'], rec['methods'][key]['psnr'],
                             rec['methods'][key]['ssim'], rec['methods'][key]['iterations'],
                             rec['methods'][key]['seconds']), flush=True)
            result['folders'].append(rec)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    if bart is not None:
        result['bart_checks'] = bart.checks

    print()
    print('| folder | slices | method | weight | PSNR dB | SSIM | iterations | s per slice |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for rec in result['folders']:
        name = os.path.relpath(rec['folder'], os.path.join(shared, 'data', 'mri'))
        if name.startswith('..'):
            name = rec['folder']
        for m in rec['methods'].values():
            weight = m['weight']
            weight = '-' if weight is None else ('%.3g' % weight if isinstance(weight, float) else weight)
            if isinstance(m['weight'], float) and rec['tuned_on_itself']:
                weight += ' (tuned on these slices)'
            it = m.get('iterations')
            its = '-' if it is None else '%.0f (%d of %d converged)' % (
                it, m['converged'], rec['slices'])
            print('| %s | %d | %s | %s | %.2f | %.4f | %s | %s |'
                  % (name, rec['slices'], m['label'], weight, m['psnr'], m['ssim'], its,
                     '-' if m['seconds'] is None else '%.2f' % m['seconds']
                     + ('' if m.get('cpu_seconds') is None else ' (CPU %.2f)' % m['cpu_seconds'])))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""PSNR and SSIM as Tessera computes them (src/core/num/ts-metrics.c), for the benchmark
scripts that score several tools' outputs with one code: bench-mri.py and bench-sr.py.

PSNR: the estimate clipped to [0, 1], peak 1. SSIM: scikit-image's structural_similarity
defaults with data_range 1 (7 x 7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance,
mean over the windows that fit), the estimate clipped to [0, 1]. Both take a `border` of
pixels to leave out on each side (the SR protocol's 40).
"""
import numpy as np

SSIM_WIN = 7


def _strip(a, border):
    return a[border:a.shape[0] - border, border:a.shape[1] - border] if border else a


def psnr(estimate, reference, border=0):
    e = np.clip(_strip(np.asarray(estimate, np.float64), border), 0.0, 1.0)
    r = _strip(np.asarray(reference, np.float64), border)
    return float(10.0 * np.log10(1.0 / np.mean((e - r) ** 2)))


def _box(a):
    """Sums of a over every SSIM_WIN x SSIM_WIN window that fits in it."""
    c = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
    c[1:, 1:] = a.cumsum(0).cumsum(1)
    w = SSIM_WIN
    return c[w:, w:] - c[:-w, w:] - c[w:, :-w] + c[:-w, :-w]


def ssim(estimate, reference, border=0):
    x = np.clip(_strip(np.asarray(estimate, np.float64), border), 0.0, 1.0)
    y = _strip(np.asarray(reference, np.float64), border)
    n = SSIM_WIN * SSIM_WIN
    cov_norm = n / (n - 1.0)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ux, uy = _box(x) / n, _box(y) / n
    vx = cov_norm * (_box(x * x) / n - ux * ux)
    vy = cov_norm * (_box(y * y) / n - uy * uy)
    vxy = cov_norm * (_box(x * y) / n - ux * uy)
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s.mean())


def centre_crop(image, height, width):
    """The central height x width of image, as Tessera crops an MRI estimate to its target."""
    y0, x0 = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
    return image[y0:y0 + height, x0:x0 + width]

"""A simple simulated camera, shared by tools/fit-camera-noise.py and bench/bench-camera.py.

A clean sRGB picture is "unprocessed" to the camera's linear raw values (inverse sRGB gamma,
inverse white balance R / 2.0, B / 1.6) and developed again: an RGGB Bayer mosaic,
Poisson-Gaussian noise of variance a L + b on the raw values L, white balance, bilinear
demosaicing, sRGB gamma and, optionally, in-camera noise reduction. JPEG is the caller's.
Needs python3-numpy and python3-scipy.
"""
import numpy as np
from scipy.ndimage import convolve, gaussian_filter

def read_noise(a):
    """Read-noise variance for shot-noise gain a: the mean of the log-linear relation of
    Brooks et al., "Unprocessing images for learned raw denoising" (CVPR 2019)."""
    return 3.32 * a ** 2.18


WB = np.array([2.0, 1.0, 1.6])  # white-balance gains R, G, B (typical daylight)


def srgb_to_linear(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x):
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def unprocess(srgb):
    """sRGB in [0, 1] to the camera's linear values (before white balance)."""
    return srgb_to_linear(srgb) / WB


def centre_crop(img, side):
    """The centre side x side crop, at even offsets (the picture's own Bayer phase)."""
    h, w = img.shape[:2]
    y0, x0 = (h - side) // 2 // 2 * 2, (w - side) // 2 // 2 * 2
    return img[y0:y0 + side, x0:x0 + side]


def mosaic_masks(h, w):
    m = np.zeros((h, w, 3))
    m[0::2, 0::2, 0] = 1  # R
    m[0::2, 1::2, 1] = 1  # G
    m[1::2, 0::2, 1] = 1  # G
    m[1::2, 1::2, 2] = 1  # B
    return m


def demosaic_bilinear(raw, masks):
    # 'mirror' reflects about the edge sample, which keeps the Bayer phase at the borders.
    k_g = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 4.0
    k_rb = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4.0
    out = np.empty_like(masks)
    for c in range(3):
        k = k_g if c == 1 else k_rb
        out[..., c] = convolve(raw * masks[..., c], k, mode='mirror')
    return out


OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]]) / np.sqrt([[3], [2], [6]])


def camera_noise_reduction(srgb, luma_blur, chroma_blur):
    """The in-camera noise reduction every camera JPEG has: a light Gaussian low-pass of the
    luminance and a strong one of the chroma (opponent basis), applied alike to noisy and clean.
    (A soft threshold of the luminance detail instead, as edge-preserving camera noise reduction
    does, left the readings further from those of real JPEGs: evenness 0.16-0.18.)"""
    opp = srgb @ OPPONENT.T
    for c, s in ((0, luma_blur), (1, chroma_blur), (2, chroma_blur)):
        if s > 0:
            opp[..., c] = gaussian_filter(opp[..., c], s, mode='mirror')
    return opp @ OPPONENT


def develop(linear_camera, masks, rng, a, b, luma_blur=0.0, chroma_blur=0.0):
    """Mosaic, noise (a, b; none when a == 0), white balance, demosaic, gamma, noise reduction
    (none when both blurs are 0); sRGB in [0, 1]."""
    raw = (linear_camera * masks).sum(axis=2)
    if a > 0:
        raw = raw + rng.standard_normal(raw.shape) * np.sqrt(a * np.clip(raw, 0, None) + b)
    srgb = linear_to_srgb(demosaic_bilinear(raw, masks) * WB)
    if luma_blur > 0 or chroma_blur > 0:
        srgb = camera_noise_reduction(srgb, luma_blur, chroma_blur)
    return np.clip(srgb, 0, 1)

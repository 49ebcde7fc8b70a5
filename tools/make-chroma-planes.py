#!/usr/bin/python3
"""Training data for a chroma-plane model (issue 20): the two opponent chroma planes of every
CBSD432 image as single-channel float TIFFs, offset by 0.5 so that they sit in [0, 1] like an
image (the model is shift-equivariant: the patch mean is unpenalised, so the offset changes
neither the solution's shape nor the training loss; it keeps eval's clipping to [0, 1] fair).

Usage: tools/make-chroma-planes.py [SRC=../shared/data/cbsd432] [OUT=../chroma-data]
Writes OUT/train/NAME_o1.tif, NAME_o2.tif for all but 11 images (every 43rd of the sorted list),
whose 160 x 160 centre crops go to OUT/val (planes) and OUT/valrgb (the RGB crop as PNG).
O1 = (R - B) / sqrt 2, O2 = (R - 2 G + B) / sqrt 6: src/core/num/ts-colour.c's basis."""
import os
import sys

import numpy as np
from PIL import Image

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/cbsd432"
out = sys.argv[2] if len(sys.argv) > 2 else "../chroma-data"
names = sorted(n for n in os.listdir(src) if n.lower().endswith((".jpg", ".png")))
held_out = set(names[i] for i in range(0, len(names), 43))
for sub in ("train", "val", "valrgb"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
S2, S6 = 1 / np.sqrt(2), 1 / np.sqrt(6)
for name in names:
    rgb = np.asarray(Image.open(os.path.join(src, name)).convert("RGB"), dtype=np.float64) / 255
    planes = {"o1": (0.5 + S2 * rgb[..., 0] - S2 * rgb[..., 2]).astype(np.float32),
              "o2": (0.5 + S6 * rgb[..., 0] - 2 * S6 * rgb[..., 1] + S6 * rgb[..., 2]).astype(np.float32)}
    base = os.path.splitext(name)[0]
    if name in held_out:
        h, w = rgb.shape[:2]
        y0, x0 = (h - 160) // 2, (w - 160) // 2
        for tag, a in planes.items():
            Image.fromarray(a[y0:y0 + 160, x0:x0 + 160], mode="F").save(f"{out}/val/{base}_{tag}.tif")
        crop = (rgb[y0:y0 + 160, x0:x0 + 160] * 255).round().astype(np.uint8)
        Image.fromarray(crop).save(f"{out}/valrgb/{base}.png")
    else:
        for tag, a in planes.items():
            Image.fromarray(a, mode="F").save(f"{out}/train/{base}_{tag}.tif")
print(f"{len(names) - len(held_out)} training images, {len(held_out)} held out: {sorted(held_out)}")

#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Separate source-channel coding baseline: an image codec at the rate the channel allows.

For n channel uses at SNR s, an ideal (capacity-achieving) channel code delivers
C = n log2(1 + 10^(s/10)) bits error-free (AWGN; for fading channels the ergodic capacity
E[log2(1 + |h|^2 snr)] per use). Each image is WebP-encoded (Debian's Pillow) at the highest quality
whose whole file fits in C bits; if even the lowest quality does not fit, nothing is decoded and
the receiver shows the training-set mean image and guesses the most frequent class - the cliff
effect. Classification runs a small CNN, trained once on clean images, on the decoded image.
"""

import io
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import channels, metrics

QUALITIES = list(range(0, 101, 5))


class SmallCNN(nn.Module):
    def __init__(self, in_shape, fine, coarse):
        super().__init__()
        c, h, w = in_shape
        self.net = nn.Sequential(nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU())
        self.fine = nn.Linear(128, fine)
        self.coarse = nn.Linear(128, coarse)

    def forward(self, x):
        z = self.net(x)
        return self.fine(z), self.coarse(z)


def classifier(train_set, path, epochs=2):
    """The clean-image classifier, trained once and cached at path."""
    model = SmallCNN(train_set.image_shape, train_set.num_fine, train_set.num_coarse)
    if os.path.exists(path):
        model.load_state_dict(torch.load(path))
        return model.eval()
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train_set, batch_size=128, shuffle=True)
    for _ in range(epochs):
        for x, fine, coarse in loader:
            lf, lc = model(x)
            loss = F.cross_entropy(lf, fine) + F.cross_entropy(lc, coarse)
            opt.zero_grad()
            loss.backward()
            opt.step()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.save(model.state_dict(), path)
    return model.eval()


def capacity_bits(channel_uses, snr_db, spec="awgn", draws=20000, seed=0):
    snr = 10 ** (snr_db / 10)
    kind, k = channels.parse_channel(spec)
    if kind == "awgn":
        return channel_uses * math.log2(1 + snr)
    h = channels.fading_gains(kind, k, (draws,), torch.Generator().manual_seed(seed))
    return channel_uses * torch.log2(1 + h.abs() ** 2 * snr).mean().item()


def encode_ladder(images):
    """For every image, WebP at every quality: (sizes in bits [N, Q], decoded images [N, Q, ...])."""
    n = len(images)
    sizes = np.zeros((n, len(QUALITIES)))
    decoded = torch.zeros((n, len(QUALITIES)) + tuple(images.shape[1:]))
    for i in range(n):
        arr = (images[i].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        pil = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
        for j, q in enumerate(QUALITIES):
            buf = io.BytesIO()
            pil.save(buf, "WEBP", quality=q, method=6)
            sizes[i, j] = 8 * len(buf.getvalue())
            back = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert(pil.mode), dtype=np.float32) / 255
            decoded[i, j] = torch.from_numpy(back.reshape(arr.shape)).permute(2, 0, 1)
    return sizes, decoded


def evaluate(train_set, test_set, snrs, channel_uses, spec="awgn", cache_dir="checkpoints/separate"):
    """Rows like train.evaluate's, one per task (coarse, fine) and SNR."""
    clf = classifier(train_set, os.path.join(cache_dir, "classifier.pt"))
    sizes, decoded = encode_ladder(test_set.images)
    mean_image = train_set.images.mean(0)
    fine_guess = int(torch.bincount(train_set.fine).argmax())
    coarse_guess = int(torch.bincount(train_set.coarse).argmax())
    rows = []
    for snr in snrs:
        budget = capacity_bits(channel_uses, snr, spec)
        fits = sizes <= budget
        best = np.where(fits.any(1), np.where(fits, np.arange(len(QUALITIES)), -1).max(1), -1)
        ok = torch.from_numpy(best >= 0)
        recon = mean_image.expand_as(test_set.images).clone()
        idx = torch.from_numpy(np.maximum(best, 0))
        chosen = decoded[torch.arange(len(test_set)), idx]
        recon[ok] = chosen[ok]
        with torch.no_grad():
            lf, lc = clf(recon)
        pred_f = torch.where(ok, lf.argmax(1), torch.full_like(ok, fine_guess, dtype=torch.long))
        pred_c = torch.where(ok, lc.argmax(1), torch.full_like(ok, coarse_guess, dtype=torch.long))
        p = metrics.psnr(test_set.images, recon).mean().item()
        s = metrics.ssim(test_set.images, recon).mean().item()
        for task, pred, labels in (("coarse", pred_c, test_set.coarse), ("fine", pred_f, test_set.fine)):
            rows.append({"receiver": 1 if task == "coarse" else 2, "task": task, "snr_db": float(snr),
                         "accuracy": (pred == labels).float().mean().item(), "psnr_db": p, "ssim": s,
                         "decoded_fraction": ok.float().mean().item(), "capacity_bits": budget})
    return rows

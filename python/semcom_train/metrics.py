#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""PSNR and SSIM as semcom-core computes them (MAX = 1; SSIM: Gaussian 11x11, sigma 1.5,
K1 = 0.01, K2 = 0.03, valid region, mean over channels)."""

import torch
import torch.nn.functional as F


def psnr(ref, test):
    """Per-image PSNR in dB, [B]."""
    mse = ((ref - test) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(1.0 / mse.clamp_min(1e-12))


def _window(channels, size=11, sigma=1.5):
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    w = (g[:, None] * g[None, :]).to(torch.float32)
    return w.expand(channels, 1, size, size).contiguous()


def ssim(ref, test):
    """Per-image mean SSIM, [B]; images NCHW in [0, 1], at least 11x11."""
    c = ref.shape[1]
    w = _window(c).to(ref.device)
    mu_a = F.conv2d(ref, w, groups=c)
    mu_b = F.conv2d(test, w, groups=c)
    s_aa = F.conv2d(ref * ref, w, groups=c) - mu_a ** 2
    s_bb = F.conv2d(test * test, w, groups=c) - mu_b ** 2
    s_ab = F.conv2d(ref * test, w, groups=c) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * s_ab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (s_aa + s_bb + c2))
    return m.flatten(1).mean(1)

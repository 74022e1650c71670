#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Layers the schemes share: convolutional encoder, probabilistic modulator (Gumbel-softmax over
the PAM levels of Gray square QAM), per-receiver decoder, LMMSE decorrelator, and the feature grid
of the convolutional architecture.

Sized for a 2-core CPU: the structure of the papers, small widths. Every receiver decodes the
(zero-forcing equalised) symbols directly, with its SNR as an extra input.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from . import channels


def feature_grid(image_shape):
    """The H/8 x W/8 grid of the convolutional architecture's features and channel uses."""
    return math.ceil(image_shape[1] / 8), math.ceil(image_shape[2] / 8)


def check_grid(what, size, grid):
    positions = grid[0] * grid[1]
    if size % positions:
        raise ValueError(f"architecture conv: {what} ({size}) must be a multiple of the "
                         f"{grid[0]}x{grid[1]} feature grid ({positions})")
    return size // positions


class ConvEncoder(nn.Module):
    """image [B, C, H, W] in [0, 1] -> features [B, dim].

    spatial=False: convolutions, then a fully connected layer (the first models). spatial=True
    (architecture conv): convolutions all the way to dim / P channels on the H/8 x W/8 grid of P
    positions, flattened channel-major; no fully connected bottleneck."""

    def __init__(self, in_shape, dim, width=32, spatial=False):
        super().__init__()
        c, h, w = in_shape
        if spatial:
            channels_out = check_grid("feature_dim", dim, feature_grid(in_shape))
            self.net = nn.Sequential(
                nn.Conv2d(c, width, 3, stride=2, padding=1), nn.PReLU(width),
                nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.PReLU(2 * width),
                nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.PReLU(2 * width),
                nn.Conv2d(2 * width, channels_out, 3, stride=2, padding=1),
            )
            self.fc = nn.Identity()
        else:
            self.net = nn.Sequential(
                nn.Conv2d(c, width, 3, stride=2, padding=1), nn.PReLU(width),
                nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.PReLU(2 * width),
                nn.Conv2d(2 * width, width, 3, padding=1), nn.PReLU(width),
            )
            self.fc = nn.Linear(width * math.ceil(h / 4) * math.ceil(w / 4), dim)

    def forward(self, x):
        return self.fc(self.net(x).flatten(1))


class ProbModulator(nn.Module):
    """Probabilistic modulator: features -> one constellation point per channel use.

    Per channel use and per axis (I, Q), logits over the L PAM levels of a Gray square M-QAM;
    training samples a level with hard Gumbel-softmax (straight-through gradient, temperature tau),
    evaluation takes the most likely level. The amplitudes are semcom-core's (channels.pam_levels),
    so the transmitted point is exactly the C++ mapper's point for the returned symbol index.

    grid=None: logits from a fully connected layer. grid=(gh, gw) (architecture conv): a 3x3
    convolution over the feature grid gives n / P channel uses per position; channel use
    k P + p is the k-th of position p (the order Decoder undoes).
    """

    def __init__(self, dim, channel_uses, order, tau=1.7, grid=None):
        super().__init__()
        levels, _ = channels.pam_levels(order)
        self.register_buffer("levels", levels)
        self.order = order
        self.side = len(levels)
        self.n = channel_uses
        self.tau = tau
        self.grid = grid
        if grid is None:
            self.fc = nn.Linear(dim, channel_uses * 2 * self.side)
        else:
            self.positions = grid[0] * grid[1]
            self.in_channels = check_grid("feature_dim", dim, grid)
            self.per_position = check_grid("channel_uses", channel_uses, grid)
            self.conv = nn.Conv2d(self.in_channels, self.per_position * 2 * self.side, 3, padding=1)

    def logits(self, feat):
        if self.grid is None:
            return self.fc(feat).view(-1, self.n, 2, self.side)
        maps = self.conv(feat.view(-1, self.in_channels, self.grid[0], self.grid[1]))
        maps = maps.view(-1, self.per_position, 2, self.side, self.positions).permute(0, 1, 4, 2, 3)
        return maps.reshape(-1, self.n, 2, self.side)

    def forward(self, feat):
        logits = self.logits(feat)
        if self.training:
            onehot = F.gumbel_softmax(logits, tau=self.tau, hard=True, dim=-1)
        else:
            onehot = F.one_hot(logits.argmax(-1), self.side).to(logits.dtype)
        amp = onehot @ self.levels  # [B, n, 2]
        symbols = torch.complex(amp[..., 0], amp[..., 1])
        return symbols, onehot.argmax(-1)  # level numbers [B, n, 2]

    def symbol_index(self, level_numbers):
        return channels.level_index_to_symbol_index(level_numbers[..., 0], level_numbers[..., 1],
                                                    self.order)


class Decoder(nn.Module):
    """Received symbols [B, n, 2] + SNR [B, 1] -> class logits and a reconstructed image.

    The class comes from a fully connected trunk over the symbols. The image: grid=None, from
    that trunk through a linear map to H/4 x W/4 (the first models); grid=(gh, gw) (architecture
    conv), the symbols put back on the transmitter's feature grid, with the SNR as one more plane,
    and convolutions up from there: no 512-wide bottleneck (+2.5 dB PSNR after 3 epochs on 15k
    images, analog n = 128 at 20 dB, with a tenth of the parameters).

    upsampling (grid only): "transposed", the trained models' stack (2 width channels to H/4, three
    transposed convolutions; 21 MFLOP per 28x28 image at width 32), or "subpixel", the cheap
    receivers of scripts/finetune_decoders.py --student: width channels to H/4, then two sub-pixel
    steps (a convolution to 4x the channels and PixelShuffle), width / 2 channels at H/2 and none
    computed at full size (5.6 MFLOP). PixelShuffle and plain convolutions take LibTorch's oneDNN
    path; the transposed convolutions of the frozen graph run slow_conv_transpose2d."""

    def __init__(self, channel_uses, num_classes, out_shape, width=32, hidden=512, grid=None,
                 upsampling="transposed"):
        super().__init__()
        if upsampling not in ("transposed", "subpixel") or (grid is None and upsampling != "transposed"):
            raise ValueError(f"Decoder: upsampling '{upsampling}' (transposed, or subpixel with a feature grid)")
        c, h, w = out_shape
        self.out_shape = out_shape
        self.trunk = nn.Sequential(nn.Linear(2 * channel_uses + 1, hidden), nn.PReLU(hidden),
                                   nn.Linear(hidden, hidden), nn.PReLU(hidden))
        self.classifier = nn.Sequential(nn.Linear(hidden, 256), nn.PReLU(256), nn.Linear(256, num_classes))
        self.h4, self.w4 = math.ceil(h / 4), math.ceil(w / 4)
        self.width = width
        self.grid = grid
        if grid is None:
            self.to_map = nn.Linear(hidden, width * self.h4 * self.w4)
            self.up = nn.Sequential(
                nn.PReLU(width),
                nn.ConvTranspose2d(width, 2 * width, 4, stride=2, padding=1), nn.PReLU(2 * width),
                nn.ConvTranspose2d(2 * width, width, 3, padding=1), nn.PReLU(width),
                nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.PReLU(width),
                nn.Conv2d(width, c, 3, padding=1), nn.Sigmoid(),
            )
        else:
            self.positions = grid[0] * grid[1]
            self.per_position = check_grid("channel_uses", channel_uses, grid)
            # grid -> H/4 x W/4: 2 g - 1 + output_padding
            pad = (self.h4 - 2 * grid[0] + 1, self.w4 - 2 * grid[1] + 1)
            if upsampling == "subpixel":
                half = width // 2
                self.up = nn.Sequential(
                    nn.Conv2d(2 * self.per_position + 1, width, 3, padding=1), nn.PReLU(width),
                    nn.Conv2d(width, width, 3, padding=1), nn.PReLU(width),
                    nn.ConvTranspose2d(width, width, 3, stride=2, padding=1, output_padding=pad),
                    nn.PReLU(width),
                    nn.Conv2d(width, width, 3, padding=1), nn.PReLU(width),
                    nn.Conv2d(width, 4 * half, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(half),
                    nn.Conv2d(half, half, 3, padding=1), nn.PReLU(half),
                    nn.Conv2d(half, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.Sigmoid(),
                )
                return
            self.up = nn.Sequential(
                nn.Conv2d(2 * self.per_position + 1, 2 * width, 3, padding=1), nn.PReLU(2 * width),
                nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.PReLU(2 * width),
                nn.ConvTranspose2d(2 * width, 2 * width, 3, stride=2, padding=1, output_padding=pad),
                nn.PReLU(2 * width),
                nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.PReLU(2 * width),
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.PReLU(width),
                nn.Conv2d(width, width, 3, padding=1), nn.PReLU(width),
                nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.PReLU(width),
                nn.Conv2d(width, c, 3, padding=1), nn.Sigmoid(),
            )

    def forward(self, symbols, snr_db):
        z = self.trunk(torch.cat((symbols.flatten(1), snr_db / 20.0), dim=1))
        logits = self.classifier(z)
        if self.grid is None:
            m = self.to_map(z).view(-1, self.width, self.h4, self.w4)
        else:
            g = symbols_to_grid(symbols, self.per_position, self.grid)
            m = torch.cat((g, (snr_db / 20.0)[:, :, None, None].expand(-1, 1, self.grid[0], self.grid[1])), dim=1)
        image = self.up(m)[:, :, : self.out_shape[1], : self.out_shape[2]]
        return logits, image


def symbols_to_grid(symbols, per_position, grid):
    """[B, n, 2] -> [B, 2 n / P, gh, gw]: channel use k P + p, axis a -> plane 2 k + a at
    position p (row-major), the inverse of ProbModulator's order."""
    g = symbols.reshape(-1, per_position, grid[0] * grid[1], 2).permute(0, 1, 3, 2)
    return g.reshape(-1, 2 * per_position, grid[0], grid[1])


def architecture_grid(cfg, image_shape):
    """architecture: mlp (the first models) -> None; conv -> the feature grid."""
    arch = cfg.architecture
    if arch not in ("mlp", "conv"):
        raise ValueError(f"architecture must be mlp or conv, not '{arch}'")
    return feature_grid(image_shape) if arch == "conv" else None


class Decorrelator(nn.Module):
    """LMMSE decorrelator: R = U2 - (W U1 + b). W, b are fitted by least squares on the fly
    (loss mean(R_fit^2) with U1, U2 detached), so R is the part of U2 that U1 cannot predict."""

    def __init__(self, dim1, dim2):
        super().__init__()
        self.lin = nn.Linear(dim1, dim2)

    def forward(self, u1, u2):
        fit = u2.detach() - self.lin(u1.detach())
        r = u2 - self.lin(u1).detach()
        return r, (fit ** 2).mean()


def layer_features(encoders, decorrelators, feature_norm, x):
    """What each DeepSCM layer modulates: U1, then the decorrelated residual of every further
    encoder's features given the layers before it."""
    feats = []
    for i in range(len(encoders)):
        u = feature_norm(encoders[i](x))
        if i > 0:
            u, _ = decorrelators[i - 1](torch.cat(feats, dim=1), u)
        feats.append(u)
    return feats

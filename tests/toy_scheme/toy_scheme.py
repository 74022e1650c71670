#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A test-only scheme, `toy`, registered from outside the training package: it shows (and the
tests check) that a new scheme is one Python file, loaded with

    PYTHONPATH=python /usr/bin/python3 -m semcom_train --scheme-module tests/toy_scheme/toy_scheme.py \\
        train --config tests/toy_scheme/toy.yaml

One superposition layer of 16QAM (alpha [1.0]: a plain digital constellation), one receiver doing
the fine task and the image, a few thousand parameters: the image averaged down 4 x 4, one linear
layer to `feature_dim` features, a probabilistic modulator (Gumbel-softmax, as DeepSCM's) to one
16QAM index per channel use; the decoder is one hidden layer to the logits and a 7 x 7 image
upsampled to 28 x 28. Transmit kind superposition, no SNR input at the encoder.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from semcom_train import schemes
from semcom_train.layers import ProbModulator
from semcom_train.schemes.base import SuperpositionScheme

POOL = 4


class ToyDecoder(nn.Module):
    """(symbols [B, n, 2], snr_db [B, 1]) -> (logits [B, classes], image [B, C, H, W])."""

    def __init__(self, n, classes, image_shape, hidden):
        super().__init__()
        c, h, w = image_shape
        self.shape = (c, math.ceil(h / POOL), math.ceil(w / POOL))
        self.out_hw = (h, w)
        self.body = nn.Sequential(nn.Linear(2 * n + 1, hidden), nn.ReLU())
        self.logits = nn.Linear(hidden, classes)
        self.image = nn.Linear(hidden, self.shape[0] * self.shape[1] * self.shape[2])

    def forward(self, symbols, snr_db):
        h = self.body(torch.cat((symbols.flatten(1), snr_db / 20.0), dim=1))
        small = torch.sigmoid(self.image(h)).view(-1, self.shape[0], self.shape[1], self.shape[2])
        image = F.interpolate(small, scale_factor=POOL, mode="nearest")[:, :, : self.out_hw[0], : self.out_hw[1]]
        return self.logits(h), image


class ToyModel(nn.Module):
    def __init__(self, cfg, image_shape, num_classes):
        super().__init__()
        if [name.lower() for name in cfg.layers] != ["16qam"] or list(cfg.alphas) != [1.0]:
            raise ValueError("scheme toy: layers [16qam], alphas [1.0]")
        c, h, w = image_shape
        self.alphas = [1.0]
        self.encoder = nn.Sequential(nn.AvgPool2d(POOL, ceil_mode=True), nn.Flatten(),
                                     nn.Linear(c * math.ceil(h / POOL) * math.ceil(w / POOL), cfg.feature_dim),
                                     nn.Tanh())
        self.modulator = ProbModulator(cfg.feature_dim, cfg.channel_uses, 16, cfg.tau)
        self.decoders = nn.ModuleList([ToyDecoder(cfg.channel_uses, k, image_shape, cfg.hidden) for k in num_classes])

    def encode(self, x, active_layers=None):
        y, lev = self.modulator(self.encoder(x))
        return y, [lev], x.new_zeros(())


class ToyEncoder(nn.Module):
    """image -> layer1 [B, n] int64 (a single output: a tensor, not a tuple)."""

    def __init__(self, model):
        super().__init__()
        self.encoder, self.modulator = model.encoder, model.modulator

    def forward(self, image):
        _, lev = self.modulator(self.encoder(image))
        return self.modulator.symbol_index(lev)


class ToyScheme(SuperpositionScheme):
    name = "toy"

    def build(self, cfg, dataset):
        return ToyModel(cfg, dataset.image_shape, self.num_classes(cfg, dataset))

    def index_encoder(self, model):
        return ToyEncoder(model)


schemes.register(ToyScheme())

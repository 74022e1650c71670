#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The coded-modulation (CM) baseline: one encoder and one probabilistic modulator on the flat
super-constellation (uniform 64QAM for 4QAM x 16QAM at alpha 16/21), DeepSCM's receivers. Exported
as superposition layers: the flat per-axis level splits into layer levels (mixed radix, layer 1
most significant), exact for the uniform cases."""

import math

from torch import nn

from .. import channels
from ..layers import ConvEncoder, Decoder, ProbModulator, architecture_grid
from . import register
from .base import SuperpositionScheme
from .deepscm import required_feature_dim


class CodedModulation(nn.Module):
    """The CM baseline: one encoder, one probabilistic modulator over the flat super-constellation
    (uniform 64QAM for 4QAM x 16QAM at alpha 16/21), the same receivers as DeepSCM."""

    def __init__(self, cfg, image_shape, num_classes):
        super().__init__()
        self.layers = list(cfg.layers)
        self.alphas = [float(a) for a in cfg.alphas]
        orders = [int(name.lower().replace("qam", "")) for name in self.layers]
        self.flat_order = int(math.prod(orders))
        table = channels.superposition_table(self.layers, self.alphas)
        flat = channels.qam_points(self.flat_order)
        # the flat constellation must be the super-constellation (the uniform cases)
        if (table[:, None] - flat[None, :]).abs().min(dim=1).values.max() > 1e-5:
            raise ValueError(f"CM baseline needs alphas that make {self.layers} a uniform "
                             f"{self.flat_order}QAM (e.g. 4qam,16qam at 16/21)")
        n, dim, width = cfg.channel_uses, required_feature_dim(cfg), cfg.width
        grid = architecture_grid(cfg, image_shape)
        self.n = n
        self.encoder = ConvEncoder(image_shape, dim * len(self.layers), width, grid is not None)
        self.modulator = ProbModulator(dim * len(self.layers), n, self.flat_order, cfg.tau, grid)
        self.decoders = nn.ModuleList([Decoder(n, c, image_shape, width, cfg.hidden, grid)
                                       for c in num_classes])

    def encode(self, x, active_layers=None):
        y, lev = self.modulator(self.encoder(x))
        return y, [lev], x.new_zeros(())


class FlatSuperpositionEncoder(nn.Module):
    """The exported CM transmitter: image -> one int64 symbol-index tensor [B, n] per layer."""

    def __init__(self, model):
        super().__init__()
        self.encoder, self.modulator = model.encoder, model.modulator
        self.orders = [int(name.lower().replace("qam", "")) for name in model.layers]
        self.sides = [int(round(math.sqrt(o))) for o in self.orders]

    def forward(self, image):
        _, levels = self.modulator(self.encoder(image))
        per_layer, rest = [], levels
        for side in reversed(self.sides):
            per_layer.append(rest % side)
            rest = rest // side
        per_layer.reverse()
        return tuple(channels.level_index_to_symbol_index(lev[..., 0], lev[..., 1], order)
                     for lev, order in zip(per_layer, self.orders))


class CMScheme(SuperpositionScheme):
    name = "cm"

    def build(self, cfg, dataset):
        return CodedModulation(cfg, dataset.image_shape, self.num_classes(cfg, dataset))

    def index_encoder(self, model):
        return FlatSuperpositionEncoder(model)


register(CMScheme())

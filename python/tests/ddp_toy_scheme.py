#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Test-only: the toy scheme with a deterministic modulator (straight-through arg-max in place of
Gumbel sampling) and a loss that is a plain mean over the batch's images (cross-entropy and MSE;
the toy's power penalty relu(mean power - 1) is not: on half batches it differs), so that with a
noise-free channel in the config a batch's gradient is the same whether one process or two take
it: what lets test_distributed compare 1 and 2 processes step for step."""

import os
import sys

import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "toy_scheme"))

import toy_scheme  # noqa: E402  registers "toy"
from semcom_train import schemes  # noqa: E402
from semcom_train.layers import ProbModulator  # noqa: E402


class ArgmaxModulator(ProbModulator):
    def forward(self, feat):
        logits = self.logits(feat)
        soft = F.softmax(logits / self.tau, dim=-1)
        onehot = F.one_hot(logits.argmax(-1), self.side).to(logits.dtype) + soft - soft.detach()
        amp = onehot @ self.levels
        import torch
        return torch.complex(amp[..., 0], amp[..., 1]), onehot.argmax(-1)


class ToyDeterministic(toy_scheme.ToyScheme):
    name = "toy_deterministic"

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        from semcom_train import channels
        y, _, _ = model.encode(images)
        rx = cfg.receivers[0]
        snr = images.new_full((len(images), 1), float(rx.snr_db))
        y_eq, _ = channels.channel(y, snr[:, 0], rx.channel)
        logits, recon = model.decoders[0](channels.to_real(y_eq), snr)
        loss = F.cross_entropy(logits, fine) + rx.lam * F.mse_loss(recon, images)
        return loss, {}

    def build(self, cfg, dataset):
        model = super().build(cfg, dataset)
        m = model.modulator
        det = ArgmaxModulator(cfg.feature_dim, cfg.channel_uses, 16, cfg.tau)
        det.load_state_dict(m.state_dict())
        model.modulator = det
        return model


if "toy_deterministic" not in schemes.names():
    schemes.register(ToyDeterministic())

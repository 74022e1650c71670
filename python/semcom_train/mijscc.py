#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""MIJSCC and A-MIJSCC: semi-supervised JSCC with mutual-information regularisation and the
asymmetric quantizer in the loop (seed paper 003), sized for a CPU.

- Encoder: conv trunk -> feature map M [B, C, 7, 7] -> z in R^2n.
- Quantizer (q bits, per-frame range, DESIGN §4) with a straight-through gradient; analog: none.
- Transmission as semcom-core's QuantizedMapper does it: pairs -> complex symbols scaled to unit
  average power per image; the receiver divides by the gain, so it sees z + noise / gain.
- Loss: MSE(image) - lambda (mu1 Omega_global + mu2 Omega_local), Omega = Jensen-Shannon MI
  estimates between z and M (global: whole map; local: every 7x7 position), DIM-style
  discriminators scoring matched pairs against pairs with z shuffled across the batch.
- Training SNR drawn per image from a range. The classifier is trained afterwards on the frozen
  received features with a small labelled subset.
- A-MIJSCC: a noise-encoder MLP maps the SNR to weights w over the n symbol positions; the
  cumulative mask m_i = sum_{j >= i} w_j (upper-triangular matrix times w) decreases along the
  frame, positions with m_i < eta are pruned so only a head of the frame is sent and the receiver
  needs only the end index; an SNR-conditioned attention re-weights the kept features.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from . import channels
from .models import ConvEncoder, Decoder


def quantize_ste(z, bits):
    """Per-image asymmetric quantise + dequantise, straight-through gradient."""
    if bits is None:
        return z
    lo = z.min(dim=1, keepdim=True).values
    hi = z.max(dim=1, keepdim=True).values
    top = float(2 ** bits - 1)
    rho = top / (hi - lo).clamp_min(1e-12)
    zq = lo + torch.clamp(torch.round(rho * (z - lo)), 0, top) / rho
    zq = torch.where(hi > lo, zq, lo.expand_as(z))
    return z + (zq - z).detach()


def transmit(z, snr_db, spec="awgn", generator=None, keep=None):
    """z [B, 2n] -> what the receiver's demapper returns: (z paired, scaled to unit power, through
    the channel, zero-forced, divided by the gain) as [B, n, 2]. keep [B, n] masks pruned symbols
    (not sent: zero at the receiver, no power)."""
    b, two_n = z.shape
    sym = torch.complex(z[:, 0::2], z[:, 1::2])
    if keep is not None:
        sym = sym * keep
    sent = keep.sum(1, keepdim=True).clamp_min(1) if keep is not None else torch.full((b, 1), float(two_n // 2))
    gain = torch.sqrt(sent / (sym.abs() ** 2).sum(1, keepdim=True).clamp_min(1e-12))
    y_eq, _ = channels.channel(sym * gain, snr_db, spec, generator=generator)
    r = y_eq / gain
    if keep is not None:
        r = r * keep
    return channels.to_real(r)


class TrunkEncoder(ConvEncoder):
    def forward_with_map(self, x):
        m = self.net(x)
        return self.fc(m.flatten(1)), m


class MIJSCC(nn.Module):
    def __init__(self, cfg, image_shape, num_classes):
        super().__init__()
        n, width = cfg["channel_uses"], cfg.get("width", 32)
        self.n = n
        self.bits = cfg.get("bits")  # None: analog
        self.adaptive = cfg["scheme"] == "amijscc"
        self.eta = float(cfg.get("eta", 0.5))
        self.encoder = TrunkEncoder(image_shape, 2 * n, width)
        self.decoder = Decoder(n, num_classes[0], image_shape, width, cfg.get("hidden", 512))
        c = width
        # DIM-style discriminators on (feature map, z) pairs
        self.global_disc = nn.Sequential(nn.Linear(c * 49 + 2 * n, 256), nn.ReLU(), nn.Linear(256, 1))
        self.local_disc = nn.Sequential(nn.Conv2d(c + 2 * n, 128, 1), nn.ReLU(), nn.Conv2d(128, 1, 1))
        if self.adaptive:
            self.noise_encoder = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, n))
            self.attention = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 2 * n), nn.Sigmoid())
            self.register_buffer("upper", torch.triu(torch.ones(n, n)))  # m = w @ upper^T: suffix sums
        # the receivers list has one entry; decoders is the common interface with DeepSCM/CM
        self.decoders = nn.ModuleList([self.decoder])

    def mask(self, snr_db):
        """Soft cumulative mask [B, n] (decreasing along the frame) and the hard keep mask."""
        w = torch.softmax(self.noise_encoder(snr_db / 20.0), dim=1)
        m = w @ self.upper.T  # m_i = sum_{j >= i} w_j
        keep = (m >= self.eta).float()
        keep[:, 0] = 1.0  # at least one symbol
        return m, keep

    def features(self, x, snr_db=None):
        z, fmap = self.encoder.forward_with_map(x)
        if self.adaptive:
            z = z * self.attention(snr_db / 20.0)
        return z, fmap

    @staticmethod
    def _jsd_mi(pos, neg):
        return (-F.softplus(-pos)).mean() - F.softplus(neg).mean()

    def training_loss(self, images, fine, coarse, cfg, stage):
        b = len(images)
        rx = cfg["receivers"][0]
        lo, hi = rx["snr_db"] if isinstance(rx["snr_db"], (list, tuple)) else (rx["snr_db"], rx["snr_db"])
        snr = torch.empty(b, 1).uniform_(float(lo), float(hi))
        stats = {}
        if stage["name"] == "classifier":
            with torch.no_grad():
                received = self.receive(images, snr, rx.get("channel", "awgn"))
                z = self.decoder.trunk(torch.cat((received.flatten(1), snr / 20.0), dim=1))
            logits = self.decoder.classifier(z)
            labels = coarse if rx["task"] == "coarse" else fine
            loss = F.cross_entropy(logits, labels)
            stats["acc1"] = (logits.argmax(1) == labels).float().sum().item()
            return loss, stats
        z, fmap = self.features(images, snr)
        keep = None
        rate_loss = images.new_zeros(())
        if self.adaptive:
            m, keep_hard = self.mask(snr)
            # straight-through: hard keep forward, soft mask gradient
            keep = keep_hard + m - m.detach()
            rate_loss = float(cfg.get("rate_weight", 0.02)) * m.mean()
            stats["kept"] = keep_hard.mean().item() * b
        zq = quantize_ste(z, self.bits)
        received = transmit(zq, snr[:, 0], rx.get("channel", "awgn"), keep=keep)
        _, recon = self.decoder(received, snr)
        mse = F.mse_loss(recon, images)
        # mutual information between z and the feature map (negatives: z shuffled in the batch)
        perm = torch.roll(torch.arange(b), 1)
        flat = fmap.flatten(1)
        g_pos = self.global_disc(torch.cat((flat, z), 1))
        g_neg = self.global_disc(torch.cat((flat, z[perm]), 1))
        zmap = z[:, :, None, None].expand(-1, -1, fmap.shape[2], fmap.shape[3])
        l_pos = self.local_disc(torch.cat((fmap, zmap), 1))
        l_neg = self.local_disc(torch.cat((fmap, zmap[perm]), 1))
        mi_g, mi_l = self._jsd_mi(g_pos, g_neg), self._jsd_mi(l_pos, l_neg)
        lam = float(cfg.get("mi_lambda", 0.01))
        loss = rx.get("lambda", 100.0) * mse - lam * (cfg.get("mu_global", 0.5) * mi_g + cfg.get("mu_local", 1.0) * mi_l) + rate_loss
        stats.update(mse1=mse.item() * b, mi_global=mi_g.item() * b, mi_local=mi_l.item() * b)
        return loss, stats

    def receive(self, images, snr, spec="awgn", generator=None):
        """What the decoder sees for these images at this SNR ([B, 1])."""
        z, _ = self.features(images, snr)
        keep = self.mask(snr)[1] if self.adaptive else None
        return transmit(quantize_ste(z, self.bits), snr[:, 0], spec, generator, keep)

    def encode(self, x, active_layers=None):
        raise NotImplementedError("MIJSCC transmits features, not superposed symbols: use receive()")

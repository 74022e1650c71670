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


import torch
import torch.nn.functional as F
from torch import nn

from .. import channels
from ..layers import ConvEncoder, Decoder, architecture_grid
from . import register
from .base import ExportModule, Scheme, Tensor, Transmit, labels_of, receiver_metrics


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


class SpatialTrunkEncoder(nn.Module):
    """architecture conv: convolutions all the way to the feature grid (ConvEncoder spatial), no
    fully connected bottleneck. z lists the symbols slot-major as the convolutional Decoder reads
    them back (symbols_to_grid): symbol s P + p is planes 2 s and 2 s + 1 at grid position p. The
    map the MI discriminators see is the one before the last convolution ([B, 2 width, 7, 7])."""

    def __init__(self, image_shape, two_n, width):
        super().__init__()
        self.conv = ConvEncoder(image_shape, two_n, width, spatial=True)

    def forward_with_map(self, x):
        m = self.conv.net[:-1](x)
        g = self.conv.net[-1](m)  # [B, 2n / P, gh, gw]
        b, planes, gh, gw = g.shape
        z = g.reshape(b, planes // 2, 2, gh * gw).permute(0, 1, 3, 2).reshape(b, -1)
        return z, m

    def forward(self, x):
        return self.forward_with_map(x)[0]


class MIJSCC(nn.Module):
    def __init__(self, cfg, image_shape, num_classes, adaptive):
        super().__init__()
        n, width = cfg.channel_uses, cfg.width
        self.n = n
        self.bits = cfg.bits  # None: analog
        self.adaptive = adaptive
        self.eta = float(cfg.eta)
        grid = architecture_grid(cfg, image_shape)
        if grid is None:  # the first models: a fully connected layer to z, the mlp image decoder
            self.encoder = TrunkEncoder(image_shape, 2 * n, width)
            c = width
        else:  # conv: features on the grid, the convolutional image decoder
            self.encoder = SpatialTrunkEncoder(image_shape, 2 * n, width)
            c = 2 * width
        self.decoder = Decoder(n, num_classes[0], image_shape, width, cfg.hidden, grid)
        # DIM-style discriminators on (feature map, z) pairs; the map is 7 x 7 (28 x 28 images)
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

    def receive(self, images, snr, spec="awgn", generator=None):
        """What the decoder sees for these images at this SNR ([B, 1])."""
        z, _ = self.features(images, snr)
        keep = self.mask(snr)[1] if self.adaptive else None
        return transmit(quantize_ste(z, self.bits), snr[:, 0], spec, generator, keep)



class FeatureEncoder(nn.Module):
    """The exported A-MIJSCC transmitter: (image, snr_db) -> (features [B, 2n], end_index [B]):
    only the first end_index symbols are sent."""

    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder
        self.attention, self.noise_encoder = model.attention, model.noise_encoder
        self.register_buffer("upper", model.upper)
        self.eta = model.eta

    def forward(self, image, snr_db):
        z = self.encoder(image) * self.attention(snr_db / 20.0)
        w = torch.softmax(self.noise_encoder(snr_db / 20.0), dim=1)
        m = w @ self.upper.T
        keep = (m >= self.eta).long()
        keep[:, 0] = 1
        return z, keep.sum(1)


class ImageFeatureEncoder(nn.Module):
    """The exported MIJSCC transmitter: image -> features [B, 2n] (the C++ quantized mapper
    quantises and pairs them)."""

    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, image):
        return self.encoder(image)


class MIJSCCScheme(Scheme):
    """MIJSCC (adaptive=False) and A-MIJSCC (adaptive=True): features through the quantized
    mapper (a quantizer: kind quantized; analog: kind analog)."""

    quantizer_at_export = True  # the model applies self.bits to its features before the channel

    def __init__(self, name, adaptive):
        self.name = name
        self.adaptive = adaptive

    def build(self, cfg, dataset):
        return MIJSCC(cfg, dataset.image_shape, self.num_classes(cfg, dataset), self.adaptive)

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        b = len(images)
        rx = cfg.receivers[0]
        lo, hi = rx.snr_range
        snr = torch.empty(b, 1).uniform_(float(lo), float(hi))
        stats = {}
        if stage.name == "classifier":
            with torch.no_grad():
                received = model.receive(images, snr, rx.channel)
            # the trunk learns here only where the stage trains it (architecture conv: the image
            # decoder does not use it, so the jscc stage leaves it untrained)
            z = model.decoder.trunk(torch.cat((received.flatten(1), snr / 20.0), dim=1))
            logits = model.decoder.classifier(z)
            labels = coarse if rx.task == "coarse" else fine
            loss = F.cross_entropy(logits, labels)
            stats["acc1"] = (logits.argmax(1) == labels).float().sum().item()
            return loss, stats
        z, fmap = model.features(images, snr)
        keep = None
        rate_loss = images.new_zeros(())
        if model.adaptive:
            m, keep_hard = model.mask(snr)
            # straight-through: hard keep forward, soft mask gradient
            keep = keep_hard + m - m.detach()
            rate_loss = cfg.rate_weight * m.mean()
            stats["kept"] = keep_hard.mean().item() * b
        zq = quantize_ste(z, model.bits)
        received = transmit(zq, snr[:, 0], rx.channel, keep=keep)
        _, recon = model.decoder(received, snr)
        mse = F.mse_loss(recon, images)
        # mutual information between z and the feature map (negatives: z shuffled in the batch)
        perm = torch.roll(torch.arange(b), 1)
        flat = fmap.flatten(1)
        g_pos = model.global_disc(torch.cat((flat, z), 1))
        g_neg = model.global_disc(torch.cat((flat, z[perm]), 1))
        zmap = z[:, :, None, None].expand(-1, -1, fmap.shape[2], fmap.shape[3])
        l_pos = model.local_disc(torch.cat((fmap, zmap), 1))
        l_neg = model.local_disc(torch.cat((fmap, zmap[perm]), 1))
        mi_g, mi_l = model._jsd_mi(g_pos, g_neg), model._jsd_mi(l_pos, l_neg)
        lam = cfg.mi_lambda
        loss = rx.lam * mse - lam * (cfg.mu_global * mi_g + cfg.mu_local * mi_l) + rate_loss
        stats.update(mse1=mse.item() * b, mi_global=mi_g.item() * b, mi_local=mi_l.item() * b)
        return loss, stats

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        return model.receive(images, snr_t, spec, generator)

    def transmit_section(self, cfg):
        # the radio sends the features through its quantizer (8 bits for analog) with the
        # per-frame range and gain in the header
        return Transmit("quantized" if cfg.bits is not None else "analog", len(cfg.receivers),
                        "own" if self.adaptive else "none",
                        ["quantizer_range", "end_index"] if self.adaptive else ["quantizer_range"])

    def manifest_fields(self, cfg):
        return {"constellations": [], "alphas": [],
                "quantizer": None if cfg.bits is None else {"bits": int(cfg.bits), "range_mode": "per_frame"}}

    def encoder_module(self, model, cfg, dataset):
        n, image = cfg.channel_uses, Tensor("image", [-1] + list(dataset.image_shape), "image")
        features = Tensor("features", [-1, 2 * n], "features")
        if self.adaptive:
            return ExportModule("encoder", "encoder", FeatureEncoder(model), (dataset.images[:2], torch.zeros(2, 1)),
                                [image, Tensor("snr_db", [-1, 1], "snr_db")],
                                [features, Tensor("end_index", [-1], "end_index", "int64")],
                                self.transmit_section(cfg))
        return ExportModule("encoder", "encoder", ImageFeatureEncoder(model), (dataset.images[:2],),
                            [image], [features], self.transmit_section(cfg))

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0):
        """The receiver's view as the C++ quantized mapper and demapper produce it (per-frame
        quantisation, unit power, y / gain; A-MIJSCC sends only the first end_index symbols)."""
        x = dataset.images[:images]
        out = {}
        for r, rx in enumerate(cfg.receivers):
            snr = rx.measure_snr_db
            snr_t = torch.full((len(x), 1), snr)
            gen = torch.Generator().manual_seed(seed + r)
            with torch.no_grad():
                if self.adaptive:
                    z, end = encoder(x, snr_t)
                    keep = (torch.arange(cfg.channel_uses)[None, :] < end[:, None]).float()
                else:
                    z, keep = encoder(x), None
                zq = quantize_ste(z, cfg.bits)
                received = transmit(zq, snr_t[:, 0], rx.channel, gen, keep)
                logits, recon = decoders[r](received, snr_t)
            out[r + 1] = dict(receiver_metrics(x, labels_of(dataset, rx.task)[:images], logits, recon, snr, seed + r),
                              symbols_per_image=float(keep.sum(1).mean()) if keep is not None
                              else float(cfg.channel_uses))
        return out


register(MIJSCCScheme("mijscc", adaptive=False))
register(MIJSCCScheme("amijscc", adaptive=True))

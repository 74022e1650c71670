#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ASC: adaptable semantic compression (issue #14; digest shared/papers/asc-crra-digest.md §2,
§6.2), sized for a CPU.

- TX: conv3x3(1->32) ReLU -> conv3x3(32->64, s2) ReLU -> conv3x3(64->K, s2) ReLU = feature maps
  A [B, K, 7, 7] (the Grad-CAM layer) -> global average pool -> s in R^K (K = feature_dim = 64).
- RX: Dense(K->256) ReLU -> Dense(256->128) ReLU -> Dense(128->10) (fine task; softmax in the CE).
- The link is feature-wise, so that dropping features really shortens the transmission: the kept
  features are paired into ceil(K'/2) complex symbols, scaled to unit average power per image over
  the kept symbols, sent through AWGN CN(0, sigma^2) at SNR = 10 log10(1 / sigma^2), and the
  receiver divides by the scale and zero-fills the dropped features. Each real feature then sees
  N(0, sigma^2 / 2) / gain; `analog_link` computes exactly that in the real domain (which feature
  is I or Q of which symbol does not change the distribution on AWGN).
- Digital path (what the exported models carry, manifest kind `quantized`): the kept features
  through semcom-core's Quantizer (per-image asymmetric min/max over the KEPT features, q bits,
  dequantised: mijscc.quantize_ste), error-free (eta_digital) or through the channel (measure).
- Loss (18): CE - kappa * I_up, I_up the CLUB upper bound with the exact AWGN likelihood
  (`club_awgn`). Because p(y|x) is known in closed form, the paper's phase 1 (training a
  variational q_theta(y|x)) is unnecessary. kappa = 0 is the ablation.
- ASC (dropping features) is applied only at inference in the paper's setting (drop_train = 0).
  drop_train > 0 is OUR extension, "importance-ordered dropout": that fraction of the images drops
  a uniformly drawn number of its least important features during training; the order comes from
  a running mean of the per-batch Grad-CAM weights (true class, no noise), so training needs no
  separate importance pass (drop_order gradcam), or is fixed, feature K-1 first (drop_order fixed:
  nested dropout); either way the shipped order is the Grad-CAM order measured after training.
- The mask rule (`dropped_count`, `keep_mask`, `kept_indices`): for a ratio o, floor(o*K + 1e-9)
  features are dropped, the FIRST that many entries of `order` (least important first); the rest
  are kept. semcom-core implements the same rule from the manifest's `asc.order`.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import channels
from . import register
from .base import ExportModule, Scheme, Tensor, Transmit, labels_of, snr_batch
from .mijscc import quantize_ste, transmit as quantized_transmit

# --- the mask rule (the C++ side implements exactly this) ---


def dropped_count(o, k):
    """Features dropped at ratio o of K: floor(o*K + 1e-9) (the 1e-9 makes o = j/K exact)."""
    if not 0.0 <= o <= 1.0:
        raise ValueError(f"compression ratio o must be in [0, 1], got {o}")
    return int(math.floor(o * k + 1e-9))


def keep_mask(order, o):
    """float [K]: 0 for the first dropped_count(o, K) entries of order (least important first), else 1."""
    order = torch.as_tensor(order, dtype=torch.long)
    k = order.numel()
    m = torch.ones(k)
    m[order[:dropped_count(o, k)]] = 0.0
    return m


def kept_indices(order, o):
    """The kept feature indices in increasing index order (the order they are paired and sent in:
    features kept[2j], kept[2j+1] are I and Q of symbol j; an odd count leaves the last Q zero)."""
    return torch.nonzero(keep_mask(order, o), as_tuple=False).flatten()


# --- the link ---


def analog_link(s, keep, snr_db, generator=None):
    """Kept features through the analog AWGN link. s [B, K]; keep [K] or [B, K] (0/1); snr_db a
    float or [B]. Returns (what the receiver's network sees [B, K], x = g*s sent, y = x + noise),
    with x, y zero where nothing is sent. Per image: g = sqrt(ceil(K'/2) / sum_kept s^2) (unit
    average power over the ceil(K'/2) kept symbols), noise N(0, sigma^2/2) per real feature."""
    b, k = s.shape
    keep = keep.expand(b, k) if keep.dim() == 1 else keep
    sk = s * keep
    symbols = torch.ceil(keep.sum(1, keepdim=True) / 2).clamp_min(1)
    gain = torch.sqrt(symbols / (sk ** 2).sum(1, keepdim=True).clamp_min(1e-12))
    nv = channels.noise_var(snr_db)
    nv = nv.reshape(-1, 1) if nv.dim() else nv.reshape(1, 1)
    x = sk * gain
    y = (x + torch.randn(b, k, generator=generator) * torch.sqrt(nv / 2)) * keep
    return y / gain, x, y


def quantize_kept(s, keep, bits):
    """The kept features q-bit quantised as semcom-core's Quantizer does it (per-image min/max over
    the kept features only), dequantised; dropped features zero. keep [K] (one mask for the batch)."""
    idx = torch.nonzero(keep, as_tuple=False).flatten()
    out = torch.zeros_like(s)
    if idx.numel():
        out[:, idx] = quantize_ste(s[:, idx], bits)
    return out


def club_awgn(x, y, snr_db):
    """CLUB upper bound of I(X;Y) (digest §6.2) with the exact AWGN likelihood:
    log p(y_j|x_i) = -||y_j - x_i||^2 / (2 sigma_r,j^2) + c, sigma_r^2 = sigma^2/2 per real dimension
    (sigma_r,j: the noise of the channel that produced y_j; SNRs drawn per image).
    I_up = mean_{i,j} ||y_j - x_i||^2 / (2 sigma_r,j^2) - mean_i ||y_i - x_i||^2 / (2 sigma_r,i^2)."""
    nv = channels.noise_var(snr_db).reshape(-1)
    if nv.numel() == 1:
        nv = nv.expand(len(y))
    inv = 1.0 / nv  # 1 / (2 sigma_r^2) = 1 / sigma^2
    d2 = torch.cdist(y, x) ** 2  # [j, i] = ||y_j - x_i||^2
    joint = (((y - x) ** 2).sum(1) * inv).mean()
    marginal = (d2 * inv[:, None]).mean()
    return marginal - joint


# --- the network ---


class ASCEncoder(nn.Module):
    """image [B, 1, 28, 28] in [0, 1] -> (feature maps A [B, K, 7, 7], pooled s [B, K])."""

    def __init__(self, channels_in, k, width):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(2 * width, k, 3, stride=2, padding=1)

    def maps(self, x):
        return F.relu(self.conv3(F.relu(self.conv2(F.relu(self.conv1(x))))))

    def forward(self, x):
        return self.maps(x).mean(dim=(2, 3))


class ASCReceiver(nn.Module):
    """received features [B, K] (dropped ones zero) or the same as [B, K/2, 2] -> logits [B, 10]."""

    def __init__(self, k, classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(k, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, classes))

    def forward(self, r):
        return self.net(r.flatten(1))


class ASCNet(nn.Module):
    def __init__(self, cfg, image_shape, num_classes):
        super().__init__()
        k = cfg.feature_dim or 64
        self.k = k
        self.encoder = ASCEncoder(image_shape[0], k, cfg.width)
        self.receiver = ASCReceiver(k, num_classes[0])
        for m in self.modules():  # He init: torch's default leaves the pooled features small and learning slow
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        # running Grad-CAM weights (importance-ordered dropout)
        self.register_buffer("running_importance", torch.zeros(k))
        # the manifest's asc object, set by `semcom_train.asc analyse`; in the state dict (extra state)
        self.analysis = None

    def get_extra_state(self):
        return {"analysis": self.analysis}

    def set_extra_state(self, state):
        self.analysis = state.get("analysis")

    def logits(self, r):
        return self.receiver(r)


class FeatureEncoder(nn.Module):
    """The exported transmitter: image -> pooled features s [B, K], before any mask or quantizer."""

    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, image):
        return self.encoder(image)


class ASCDecoder(nn.Module):
    """The exported receiver: zero-filled, dequantised features [B, K] (or [B, K/2, 2]) -> logits."""

    def __init__(self, model):
        super().__init__()
        self.receiver = model.receiver

    def forward(self, symbols):
        return self.receiver(symbols)


def gradcam_batch(model, images, labels):
    """Grad-CAM (19) per image: omega[b, k] = mean_ij d y^c / d A^k_ij, c = labels[b], y the
    logits before softmax, no channel noise (the receiver sees s exactly)."""
    with torch.enable_grad():
        a = model.encoder.maps(images).detach().requires_grad_(True)
        logits = model.receiver(a.mean(dim=(2, 3)))
        yc = logits.gather(1, labels[:, None]).sum()
        (g,) = torch.autograd.grad(yc, a)
    return g.mean(dim=(2, 3))


class ASCScheme(Scheme):
    name = "asc"

    def build(self, cfg, dataset):
        k = cfg.feature_dim or 64
        if cfg.channel_uses * 2 != k:
            raise ValueError(f"asc: channel_uses ({cfg.channel_uses}) must be feature_dim / 2 ({k} / 2)")
        if len(cfg.receivers) != 1:
            raise ValueError("asc: one receiver")
        return ASCNet(cfg, dataset.image_shape, self.num_classes(cfg, dataset))

    def epoch_stats(self, cfg, stage):
        return {"acc1": 0.0, "ce": 0.0, "i_up": 0.0, "dropped": 0.0}

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        rx = cfg.receivers[0]
        labels = coarse if rx.task == "coarse" else fine
        b, k = len(images), model.k
        a = model.encoder.maps(images)
        s = a.mean(dim=(2, 3))
        keep = torch.ones(b, k)
        if cfg.drop_train > 0:
            # OUR importance-ordered dropout: drop the d least important (running Grad-CAM order)
            omega = _batch_importance(model, s, labels)
            model.running_importance.mul_(0.99).add_(0.01 * omega)
            if cfg.drop_order == "fixed":  # nested dropout: the highest feature index goes first
                order = torch.arange(k - 1, -1, -1)
            elif cfg.drop_order == "gradcam":
                order = torch.argsort(model.running_importance)
            else:
                raise ValueError(f"asc: drop_order must be gradcam or fixed, not '{cfg.drop_order}'")
            dmax = dropped_count(cfg.drop_max, k)
            d = torch.randint(0, dmax + 1, (b,))
            d = torch.where(torch.rand(b) < cfg.drop_train, d, torch.zeros_like(d))
            rank = torch.empty(k, dtype=torch.long)
            rank[order] = torch.arange(k)
            keep = (rank[None, :] >= d[:, None]).float()
        snr = snr_batch(rx, b)[:, 0]
        r, x, y = analog_link(s, keep, snr)
        logits = model.receiver(r)
        ce = F.cross_entropy(logits, labels)
        loss = ce
        i_up = torch.zeros(())
        if cfg.kappa:
            i_up = club_awgn(x, y, snr)
            loss = ce - cfg.kappa * i_up
        return loss, {"acc1": (logits.argmax(1) == labels).float().sum().item(), "ce": ce.item() * b,
                      "i_up": i_up.item() * b, "dropped": (k - keep.sum(1)).sum().item()}

    def decoders(self, model):
        raise ValueError("asc has no image output for `semcom_train evaluate`: its accuracy against SNR "
                         "and compression ratio comes from `python3 -m semcom_train.asc analyse`")

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        s = model.encoder(images)
        return analog_link(s, torch.ones(model.k), snr_t[:, 0], generator)[0]

    def transmit_section(self, cfg):
        return Transmit("quantized", 1, "none", ["quantizer_range"])

    def manifest_fields(self, cfg):
        return {"constellations": [], "alphas": [], "quantizer": {"bits": int(cfg.bits or 8), "range_mode": "per_frame"}}

    def manifest_extras(self, model, cfg):
        if model.analysis is None:
            raise ValueError("asc: the model has no importance and eta yet: run "
                             "`/usr/bin/python3 -m semcom_train.asc analyse --config ...` before export")
        return {"asc": model.analysis}

    def encoder_module(self, model, cfg, dataset):
        k = model.k
        return ExportModule("encoder", "encoder", FeatureEncoder(model), (dataset.images[:2],),
                            [Tensor("image", [-1] + list(dataset.image_shape), "image")],
                            [Tensor("features", [-1, k], "features")], self.transmit_section(cfg))

    def decoder_modules(self, model, cfg, dataset):
        rx = cfg.receivers[0]
        return [ExportModule("decoder", "rx1", ASCDecoder(model), (torch.zeros(2, model.k),),
                             [Tensor("symbols", [-1, model.k], "symbols")],
                             [Tensor("logits", [-1, self.num_classes(cfg, dataset)[0]], "logits", task=rx.task)],
                             self.transmit_section(cfg), receiver=1, tasks=[rx.task])]

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0):
        """o = 0: the features 8-bit quantised per frame, paired into channel_uses symbols at unit
        power, AWGN at the receiver's measure SNR, divided by the gain (the C++ quantized chain).
        The eta points of the manifest are checked against the files by `semcom_train.asc verify`."""
        rx = cfg.receivers[0]
        x = dataset.images[:images]
        labels = labels_of(dataset, rx.task)[:images]
        snr = rx.measure_snr_db
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            s = encoder(x)
            received = quantized_transmit(quantize_ste(s, cfg.bits or 8), torch.full((len(x),), snr), rx.channel, gen)
            logits = decoders[0](received.flatten(1))
        out = {"snr_db": snr, "images": len(x), "seed": seed, "accuracy": (logits.argmax(1) == labels).float().mean().item()}
        return {1: out}


def _batch_importance(model, s, labels):
    """Mean over the batch of (1/49) d y^c / d s_k (= Grad-CAM (19) with global average pooling)."""
    with torch.enable_grad():
        sd = s.detach().requires_grad_(True)
        yc = model.receiver(sd).gather(1, labels[:, None]).sum()
        (g,) = torch.autograd.grad(yc, sd)
    return g.mean(0) / 49.0


register(ASCScheme())

#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""DeepBroadcast: compression before fusion (issue #12; digest shared/papers/deepbroadcast-digest.md
§2, §6), sized as the paper (about 29k parameters for two users), and its baselines.

One transmitter, N receivers, each with its own task and its own kind of channel (fixed by the
config: receiver i's `channel`). The transmitter knows every receiver's SNR (snr_db [B, N], dB,
per image; clamped to the training range and scaled by 1/10 inside the model).

- Extractor E_S: four Conv3x3 (no bias) -> BN -> PReLU blocks, `width` channels, strides
  `extractor_strides` (2,2,2,1: 28x28 -> 8x4x4 = 128 values, as the official code on 32x32).
- TCE_i (one per receiver): three LCA blocks (a non-local block whose query is a linear map of
  the receiver's own SNR; softmax over the query index, as the official code), a halving conv
  (C -> C/2), flatten (c2 * 2 values), PFG: mu = 10 tanh(FC), sigma = sigmoid(FC) + 1e-4 (the
  epsilon keeps log sigma finite); z_r = mu + sigma * eps in training, mu at evaluation. c2 is a
  quarter of the extractor's output.
- GCF_i: z_f = FC(z_r + q * k * v), k = sigmoid(FC(LN z_r)), v = FC(LN z_r), q = an MLP of
  every receiver's SNR (N -> c2 -> c2 -> c2, ReLU, ReLU, sigmoid).
- Fusion: concat -> FC -> ReLU -> FC -> 2n reals = n complex symbols (features 2j, 2j+1 = I, Q of
  symbol j) -> unit average power per image (DESIGN §4; the official code normalises the batch).
- Channel (DESIGN §4): receiver i sees h_i x + n_i, one h per image, ZF with perfect CSI; its
  decoder gets the 2n equalised reals and no SNR (as the paper): FC -> ReLU -> FC -> logits, or
  for image recovery (case A) FC -> two transposed convolutions -> image.
- Loss (18): sum_i w_i L_i + (beta / N) sum_i KL_i, L_i cross-entropy (recovery: L1 + 1e-3 CE of the
  other users, case A, eq. (19), without KL).
- Digital variant (`layers: [16qam]`): each real of the fusion output is mapped to the 4 PAM levels
  of Gray 16QAM through 3 tanh and a straight-through rounding; the encoder exports the symbol
  indices (manifest kind `indices`). A penalty 10·relu(P − 1) keeps the mean power per symbol at
  most 1: without it the encoder learns to send almost only the corner points (P = 1.76, 2.5 dB
  more than the analog variant's).

Variants (`variant`), all with the same extractor, channel uses, decoders and recipe:
- deepbroadcast: the above. e2e: no bottleneck (PFG -> one FC, no KL; the paper's DeepBroadcast-E2E).
- wlca: TCEs with LCA and PFG, no GCF (MTOC-wLCA). wgcf: TCEs without LCA, with GCF (MTOC-wGCF).
- mtoc: a serial shared encoder (flatten -> FC -> ReLU -> FC), no SNR input, no KL (also case A's
  serial recovery-and-classification JSCC, the paper's DeepRC role). mtoc_snr: MTOC with the SNR
  vector concatenated to its FC input (is the gain the architecture or knowing the SNRs?).
- unicast: one single-task JSCC per receiver (own extractor and FCs) with ceil(n/N) channel uses of
  its own: the channel uses split between the receivers (9 for 8 with N = 3, as the paper's "a
  little higher"), no SNR input.
With match_params, the serial baselines' hidden FC is widened until their parameter count is
DeepBroadcast's (within a few per cent).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import channels
from . import register
from .base import ExportModule, Scheme, Tensor, Transmit, classes_of, labels_of

VARIANTS = ("deepbroadcast", "e2e", "wlca", "wgcf", "mtoc", "mtoc_snr", "unicast")
SERIAL = ("mtoc", "mtoc_snr", "unicast")
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
SNR_SCALE = 0.1  # the networks see clamp(snr, range) / 10


def conv_block(c_in, c_out, stride):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.PReLU())


class Extractor(nn.Module):
    """image [B, C, H, W] in [0, 1] -> feature map [B, width, h1, w1]."""

    def __init__(self, in_channels, width, strides):
        super().__init__()
        chans = [in_channels] + [width] * len(strides)
        self.net = nn.Sequential(*[conv_block(chans[i], chans[i + 1], s) for i, s in enumerate(strides)])

    def forward(self, x):
        return self.net((x - FASHION_MEAN) / FASHION_STD)


class LCA(nn.Module):
    """Local channel-aware attention (the official code's non-local block): the query is a linear
    map of the receiver's SNR, keys and values 1x1 convolutions of the feature; residual output."""

    def __init__(self, c, h, w):
        super().__init__()
        self.ci, self.p, self.h, self.w = max(1, c // 2), h * w, h, w
        self.query = nn.Linear(1, self.ci * self.p)
        self.key = nn.Conv2d(c, self.ci, 1, bias=False)
        self.value = nn.Conv2d(c, self.ci, 1, bias=False)
        self.out = nn.Conv2d(self.ci, c, 1, bias=False)

    def forward(self, z, snr):
        b = z.shape[0]
        q = self.query(snr).view(b, self.p, self.ci)             # [B, P, C']
        k = self.key(z).view(b, self.ci, self.p)                 # [B, C', P]
        v = self.value(z).view(b, self.ci, self.p).transpose(1, 2)  # [B, P, C']
        a = torch.softmax(torch.bmm(q, k), dim=1)                # over the query index (official)
        y = torch.bmm(a, v).transpose(1, 2).reshape(b, self.ci, self.h, self.w)
        return z + self.out(y)


class TCE(nn.Module):
    """Task-channel-aware sub-encoder of one receiver: feature map, own SNR -> (mu, sigma) or z."""

    def __init__(self, c, h, w, lca, probabilistic):
        super().__init__()
        self.lcas = nn.ModuleList([LCA(c, h, w) for _ in range(3)]) if lca else nn.ModuleList()
        self.halve = conv_block(c, max(1, c // 2), 1)
        flat = max(1, c // 2) * h * w
        self.c2 = c * h * w // 4
        self.probabilistic = probabilistic
        self.mu = nn.Linear(flat, self.c2)
        if probabilistic:
            self.sigma = nn.Linear(flat, self.c2)

    def forward(self, feat, snr):
        for lca in self.lcas:
            feat = lca(feat, snr)
        h = self.halve(feat).flatten(1)
        if not self.probabilistic:
            return self.mu(h), None
        return 10.0 * torch.tanh(self.mu(h)), torch.sigmoid(self.sigma(h)) + 1e-4


class GCF(nn.Module):
    """Global channel-aware fine-tuning of one receiver's code, driven by every receiver's SNR."""

    def __init__(self, c2, receivers):
        super().__init__()
        self.norm = nn.LayerNorm(c2)
        self.key = nn.Linear(c2, c2)
        self.value = nn.Linear(c2, c2)
        self.query = nn.Sequential(nn.Linear(receivers, c2), nn.ReLU(), nn.Linear(c2, c2), nn.ReLU(),
                                   nn.Linear(c2, c2), nn.Sigmoid())
        self.proj = nn.Linear(c2, c2)

    def forward(self, z, snrs):
        n = self.norm(z)
        return self.proj(z + self.query(snrs) * torch.sigmoid(self.key(n)) * self.value(n))


def power_normalise(z):
    """Features [B, 2m] scaled to unit average power per complex symbol of each image."""
    m = z.shape[1] // 2
    return z * torch.sqrt(m / (z ** 2).sum(1, keepdim=True).clamp_min(1e-12))


def qam16_ste(z):
    """Each real -> one of the 4 PAM levels of unit-power 16QAM ({-3,-1,1,3}/sqrt(10)), straight
    through; returns (levels used, level numbers 0..3)."""
    u = 3.0 * torch.tanh(z)
    level = torch.clamp(torch.round((u + 3.0) / 2.0), 0, 3)
    hard = (2.0 * level - 3.0) / math.sqrt(10.0)
    soft = u / math.sqrt(10.0)
    return soft + (hard - soft).detach(), level.long()


class ClassDecoder(nn.Module):
    def __init__(self, reals, hidden, classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(reals, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, r):
        return self.net(r.flatten(1))


class SnrClassDecoder(nn.Module):
    """decoder_snr (an experiment): the received reals and the receiver's own SNR (as the encoder
    sees it: clamped, / 10) -> logits."""

    def __init__(self, reals, hidden, classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(reals + 1, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, r, snr):
        return self.net(torch.cat((r.flatten(1), snr), 1))


class ImageDecoder(nn.Module):
    """Received reals -> image [B, 1, 28, 28] (case A's recovery user)."""

    def __init__(self, reals, image_shape, width=32):
        super().__init__()
        c, h, w = image_shape
        self.h4, self.w4, self.width = math.ceil(h / 4), math.ceil(w / 4), width
        self.fc = nn.Sequential(nn.Linear(reals, width * self.h4 * self.w4), nn.PReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.PReLU(),
            nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.PReLU(),
            nn.Conv2d(width, c, 3, padding=1), nn.Sigmoid())
        self.shape = (h, w)

    def forward(self, r):
        x = self.fc(r.flatten(1)).view(-1, self.width, self.h4, self.w4)
        return self.net(x)[:, :, :self.shape[0], :self.shape[1]]


class DeepBroadcastNet(nn.Module):
    """The transmitter (every variant) and the receivers' decoders of one config."""

    def __init__(self, cfg, image_shape, tasks, classes, hidden_serial=None):
        super().__init__()
        if cfg.variant not in VARIANTS:
            raise ValueError(f"deepbroadcast: variant must be one of {', '.join(VARIANTS)}, not '{cfg.variant}'")
        self.variant = cfg.variant
        self.receivers = len(tasks)
        self.n = cfg.channel_uses
        self.digital = bool(cfg.layers)
        if self.digital and [l.lower() for l in cfg.layers] != ["16qam"]:
            raise ValueError(f"deepbroadcast: the digital variant is layers: [16qam], not {cfg.layers}")
        lo = [rx.snr_range[0] for rx in cfg.receivers]
        hi = [rx.snr_range[1] for rx in cfg.receivers]
        self.register_buffer("snr_lo", torch.tensor(lo, dtype=torch.float32))
        self.register_buffer("snr_hi", torch.tensor(hi, dtype=torch.float32))
        strides = list(cfg.extractor_strides)
        c, h, w = cfg.width, image_shape[1], image_shape[2]
        for s in strides:
            h, w = math.ceil(h / s), math.ceil(w / s)
        self.feature_shape = (c, h, w)
        n_rx = self.receivers
        if cfg.variant == "unicast":
            # one single-task JSCC per receiver, ceil(n / N) channel uses each
            self.uses = [math.ceil(self.n / n_rx)] * n_rx
            hid = hidden_serial or 64
            self.extractors = nn.ModuleList([Extractor(image_shape[0], c, strides) for _ in range(n_rx)])
            self.heads = nn.ModuleList([nn.Sequential(nn.Linear(c * h * w, hid), nn.ReLU(), nn.Linear(hid, 2 * u))
                                        for u in self.uses])
        else:
            self.uses = [self.n] * n_rx  # every receiver hears the whole broadcast
            self.extractor = Extractor(image_shape[0], c, strides)
            if cfg.variant in ("mtoc", "mtoc_snr"):
                hid = hidden_serial or 64
                extra = n_rx if cfg.variant == "mtoc_snr" else 0
                self.serial = nn.Sequential(nn.Linear(c * h * w + extra, hid), nn.ReLU(), nn.Linear(hid, 2 * self.n))
            else:
                lca = cfg.variant in ("deepbroadcast", "e2e", "wlca")
                gcf = cfg.variant in ("deepbroadcast", "e2e", "wgcf")
                self.probabilistic = cfg.variant != "e2e"
                self.tces = nn.ModuleList([TCE(c, h, w, lca, self.probabilistic) for _ in range(n_rx)])
                c2 = self.tces[0].c2
                self.gcfs = nn.ModuleList([GCF(c2, n_rx) for _ in range(n_rx)]) if gcf else None
                self.fusion = nn.Sequential(nn.Linear(n_rx * c2, n_rx * c2), nn.ReLU(),
                                            nn.Linear(n_rx * c2, 2 * self.n))
        decoders = []
        for task, k, u in zip(tasks, classes, self.uses):
            if task == "image":
                decoders.append(ImageDecoder(2 * u, image_shape))
            else:
                decoders.append((SnrClassDecoder if cfg.decoder_snr else ClassDecoder)(2 * u, cfg.hidden, k))
        self.decoder_snr = cfg.decoder_snr
        self.decoders = nn.ModuleList(decoders)

    def decode(self, i, seen, snr_db):
        """Receiver i's output for the reals it sees; snr_db [B, N] (used with decoder_snr only)."""
        if self.decoder_snr and isinstance(self.decoders[i], SnrClassDecoder):
            return self.decoders[i](seen, self.snr_inputs(snr_db)[:, i:i + 1])
        return self.decoders[i](seen)

    def snr_inputs(self, snr_db):
        """What the networks see of the SNRs [B, N] in dB: clamped to the training range, / 10."""
        return torch.max(torch.min(snr_db, self.snr_hi), self.snr_lo) * SNR_SCALE

    def encode(self, images, snr_db):
        """-> (per receiver the transmitted reals [B, 2 n_i] (unit power per complex symbol; the
        broadcast variants send one signal to all), KL per receiver [B] or None, 16QAM level
        numbers or None)."""
        s = self.snr_inputs(snr_db)
        if self.variant == "unicast":
            out = [power_normalise(head(ex(images).flatten(1))) for ex, head in zip(self.extractors, self.heads)]
            return out, None, None
        feat = self.extractor(images)
        kl = None
        if self.variant in ("mtoc", "mtoc_snr"):
            flat = feat.flatten(1)
            z = self.serial(torch.cat((flat, s), 1) if self.variant == "mtoc_snr" else flat)
        else:
            codes, kls = [], []
            for i, tce in enumerate(self.tces):
                mu, sigma = tce(feat, s[:, i:i + 1])
                if sigma is None:
                    code = mu
                else:
                    code = mu + sigma * torch.randn_like(mu) if self.training else mu
                    kls.append(0.5 * (mu ** 2 + sigma ** 2 - 1.0).sum(1) - torch.log(sigma).sum(1))
                if self.gcfs is not None:
                    code = self.gcfs[i](code, s)
                codes.append(code)
            z = self.fusion(torch.cat(codes, 1))
            kl = kls or None
        levels = None
        if self.digital:
            z, levels = qam16_ste(z)
        else:
            z = power_normalise(z)
        return [z] * self.receivers, kl, levels


def symbols(z):
    """reals [B, 2m] -> complex symbols [B, m] (features 2j, 2j+1 = I, Q of symbol j)."""
    return torch.complex(z[:, 0::2], z[:, 1::2])


def through_channel(z, snr_db, spec, generator=None):
    """Transmitted reals [B, 2m] at snr_db [B] through `spec`, zero-forced: the reals a decoder sees."""
    y_eq, _ = channels.channel(symbols(z), snr_db, spec, generator=generator)
    return channels.to_real(y_eq).flatten(1)


class BroadcastEncoder(nn.Module):
    """The exported transmitter: (image, snr_db [B, N]) -> features [B, 2n] (analog, kind analog)
    or 16QAM symbol indices [B, n] (digital, kind indices)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image, snr_db):
        z, _, levels = self.model.encode(image, snr_db)
        if levels is None:
            return z[0]
        return channels.level_index_to_symbol_index(levels[:, 0::2], levels[:, 1::2], 16)


def param_count(module):
    return sum(p.numel() for p in module.parameters())


class DeepBroadcastScheme(Scheme):
    """deepbroadcast: analog symbols (manifest kind analog); deepbroadcast_16qam: the digital
    variant (kind indices, layers: [16qam]). Two scheme-table rows because a row has one kind."""

    def __init__(self, name, digital):
        self.name = name
        self.digital = digital

    def tasks(self, cfg):
        return [rx.task for rx in cfg.receivers]

    def classes(self, cfg, dataset):
        return [0 if t == "image" else classes_of(dataset, t) for t in self.tasks(cfg)]

    def build(self, cfg, dataset):
        tasks, classes = self.tasks(cfg), self.classes(cfg, dataset)
        if bool(cfg.layers) != self.digital:
            raise ValueError(f"{self.name}: " + ("the digital variant needs layers: [16qam]" if self.digital else
                                                 "analog symbols: no layers (the digital variant is scheme "
                                                 "deepbroadcast_16qam)"))
        if cfg.task_weights and len(cfg.task_weights) != len(tasks):
            raise ValueError(f"deepbroadcast: task_weights has {len(cfg.task_weights)} entries for "
                             f"{len(tasks)} receivers")
        shape = dataset.image_shape
        if cfg.variant in SERIAL and cfg.match_params:
            # widen the serial encoder's hidden layer to DeepBroadcast's parameter count
            target = param_count(DeepBroadcastNet(cfg.replace(variant="deepbroadcast"), shape, tasks, classes))
            at = [param_count(DeepBroadcastNet(cfg, shape, tasks, classes, hidden)) for hidden in (64, 128)]
            hidden = max(8, int(round(64 + 64 * (target - at[0]) / (at[1] - at[0]))))
            return DeepBroadcastNet(cfg, shape, tasks, classes, hidden)
        return DeepBroadcastNet(cfg, shape, tasks, classes)

    def weights(self, cfg):
        n = len(cfg.receivers)
        return list(cfg.task_weights) if cfg.task_weights else [1.0 / n] * n

    def epoch_stats(self, cfg, stage):
        stats = {"kl": 0.0, "power": 0.0}
        for r in range(len(cfg.receivers)):
            stats[f"acc{r + 1}" if cfg.receivers[r].task != "image" else f"l1_{r + 1}"] = 0.0
        return stats

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        b = len(images)
        dataset_labels = {"fine": fine, "coarse": coarse}
        snr = torch.stack([torch.empty(b).uniform_(*rx.snr_range) for rx in cfg.receivers], 1)
        sent, kl, _ = model.encode(images, snr)
        recovery = any(rx.task == "image" for rx in cfg.receivers)
        loss = images.new_zeros(())
        stats = {}
        for i, (rx, w) in enumerate(zip(cfg.receivers, self.weights(cfg))):
            seen = through_channel(sent[i], snr[:, i], rx.channel)
            if rx.task == "image":
                l1 = F.l1_loss(model.decode(i, seen, snr), images)
                loss = loss + l1
                stats[f"l1_{i + 1}"] = l1.item() * b
                continue
            labels = dataset_labels.get(rx.task)
            if labels is None:  # binary
                from .. import data
                labels = data.binary_labels(fine, cfg.dataset)
            logits = model.decode(i, seen, snr)
            ce = F.cross_entropy(logits, labels)
            # eq. (19): recovery dominates, the classification users weigh 1e-3 (case A)
            loss = loss + (1e-3 if recovery else w) * ce
            stats[f"acc{i + 1}"] = (logits.argmax(1) == labels).float().sum().item()
        if model.digital:
            # 16QAM has unit average power only when its points are used uniformly; the corners
            # carry 1.8: keep the mean power per symbol at most 1 (DESIGN §4), as DeepSCM does
            power = (sent[0] ** 2).sum(1).mean() / (sent[0].shape[1] / 2)
            loss = loss + 10.0 * F.relu(power - 1.0)
            stats["power"] = power.item() * b
        if kl is not None and not recovery and cfg.kl_beta > 0:
            kl_mean = torch.stack(kl, 1).mean(0).sum() / len(kl)  # (1/N) sum_i KL_i, batch mean
            loss = loss + cfg.kl_beta * kl_mean
            stats["kl"] = kl_mean.item() * b
        return loss, stats

    # --- the link ---
    def decoders(self, model):
        raise ValueError("deepbroadcast's encoder takes every receiver's SNR: its accuracy against each "
                         "receiver's SNR comes from `python3 -m semcom_train.deepbroadcast grid`")

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        raise ValueError("deepbroadcast: use semcom_train.deepbroadcast (the grid of every receiver's SNR)")

    # --- export (the classification cases) ---
    def check_exportable(self, cfg):
        if cfg.variant == "unicast":
            raise ValueError("deepbroadcast: unicast models are compared in Python only, not exported")
        if cfg.decoder_snr:
            raise ValueError("deepbroadcast: decoder_snr is an experiment compared in Python only, not exported")
        if any(rx.task == "image" for rx in cfg.receivers):
            raise ValueError("deepbroadcast: case A (image recovery) is compared in Python only; the radio "
                             "models are the classification cases")

    def transmit_section(self, cfg):
        snr_inputs = "all_receivers" if cfg.variant not in ("mtoc",) else "none"
        return Transmit("indices" if cfg.layers else "analog", len(cfg.receivers), snr_inputs,
                        [] if cfg.layers else ["quantizer_range"])

    def manifest_fields(self, cfg):
        if cfg.layers:
            return {"constellations": [{"name": "16qam", "order": 16, "points": [
                [round(float(p.real), 7), round(float(p.imag), 7)] for p in channels.constellation_points("16qam")]}],
                "alphas": [1.0], "quantizer": None}
        return {"constellations": [], "alphas": [], "quantizer": None}

    def manifest_extras(self, model, cfg):
        return {"channels": [rx.channel for rx in cfg.receivers], "deepbroadcast": {
            "variant": cfg.variant,
            "tasks": [rx.task for rx in cfg.receivers],
            "snr_clamp_db": [[float(lo), float(hi)] for lo, hi in zip(model.snr_lo, model.snr_hi)],
            "snr_scale": SNR_SCALE,
            "parameters": param_count(model),
        }}

    def encoder_module(self, model, cfg, dataset):
        self.check_exportable(cfg)
        n, r = cfg.channel_uses, len(cfg.receivers)
        image = Tensor("image", [-1] + list(dataset.image_shape), "image")
        snr = Tensor("snr_db", [-1, r], "snr_db")
        if cfg.variant == "mtoc":
            raise ValueError("deepbroadcast: MTOC takes no SNR; the exported radio models are DeepBroadcast's")
        out = Tensor("indices", [-1, n], "indices", "int64") if cfg.layers else Tensor("features", [-1, 2 * n], "features")
        return ExportModule("encoder", "encoder", BroadcastEncoder(model), (dataset.images[:2], torch.zeros(2, r)),
                            [image, snr], [out], self.transmit_section(cfg))

    def decoder_modules(self, model, cfg, dataset):
        n = cfg.channel_uses
        out = []
        for r, (rx, dec) in enumerate(zip(cfg.receivers, model.decoders)):
            out.append(ExportModule(
                role="decoder", suffix=f"rx{r + 1}", module=dec, example=(torch.zeros(2, n, 2),), receiver=r + 1,
                tasks=[rx.task], transmit=self.transmit_section(cfg),
                inputs=[Tensor("symbols", [-1, n, 2], "symbols")],
                outputs=[Tensor("logits", [-1, classes_of(dataset, rx.task)], "logits", task=rx.task)]))
        return out

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0):
        """Every receiver at its measure SNR (the encoder told all of them), through the C++
        chain's transmission (radio_link)."""
        x = dataset.images[:images]
        snrs = [rx.measure_snr_db for rx in cfg.receivers]
        with torch.no_grad():
            logits = radio_link(encoder, decoders, [rx.channel for rx in cfg.receivers], x, snrs, bool(cfg.layers), seed)
        out = {}
        for r, rx in enumerate(cfg.receivers):
            labels = labels_of(dataset, rx.task)[:images]
            out[r + 1] = {"snr_db": snrs[r], "snr_db_all": snrs, "images": len(x), "seed": seed + r,
                          "accuracy": (logits[r].argmax(1) == labels).float().mean().item()}
        return out


def radio_link(encoder, decoders, specs, x, snrs, digital, seed=0):
    """Each receiver's logits for images x through the exported modules as the C++ chain runs
    them: the encoder told `snrs` (one per receiver, dB), receiver r's channel specs[r] at snrs[r]
    (noise seeded seed + r). Analog: the features 8-bit quantised per frame, paired, scaled to unit
    power, through the channel, zero-forced and divided by the gain (semcom-core's quantized
    mapper and demapper); digital: the 16QAM points of the indices, zero-forced."""
    from .mijscc import quantize_ste, transmit as quantized_transmit
    told = torch.tensor([list(map(float, snrs))]).expand(len(x), -1).contiguous()
    sent = encoder(x, told)
    out = []
    for r, spec in enumerate(specs):
        gen = torch.Generator().manual_seed(seed + r)
        if digital:
            y_eq, _ = channels.channel(channels.constellation_points("16qam")[sent], told[:, r], spec, generator=gen)
            seen = channels.to_real(y_eq)
        else:
            seen = quantized_transmit(quantize_ste(sent, 8), told[:, r], spec, gen)
        out.append(decoders[r](seen))
    return out


register(DeepBroadcastScheme("deepbroadcast", digital=False))
register(DeepBroadcastScheme("deepbroadcast_16qam", digital=True))

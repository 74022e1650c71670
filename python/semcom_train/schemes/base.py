#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The scheme contract: what training, evaluation and export ask of a scheme.

A scheme builds its model from a typed config (semcom_train.config.Config), gives the training
objective of one batch, says what a receiver's decoder sees through the channel, lists the modules
to export (each with its role, example inputs, inputs and outputs with their roles, and the
`transmit` section of docs/model-manifest.md) and measures exported or in-memory modules the same
way. train.py, export.py and __main__.py ask the scheme and nothing else.

`SuperpositionScheme` is the shared part of the schemes that send symbol indices on superposed
square-QAM layers (DeepSCM, CM, the test-only toy scheme): their model has `encode(images,
active_layers)` -> (complex symbols [B, n], level numbers per layer, fit loss) and `decoders`.
"""

from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn.functional as F

from .. import channels

SNR_INPUTS = ("none", "own", "all_receivers")
SIDE_INFO = ("quantizer_range", "end_index", "keep_mask")


@dataclass
class Transmit:
    """The manifest's `transmit` section: how the encoder's outputs become channel symbols."""
    kind: str  # superposition, quantized, analog, indices, separate, ...
    receivers: int
    snr_inputs: str = "none"
    side_info: List[str] = field(default_factory=list)

    def __post_init__(self):
        if self.snr_inputs not in SNR_INPUTS:
            raise ValueError(f"transmit.snr_inputs must be one of {SNR_INPUTS}, not '{self.snr_inputs}'")
        for s in self.side_info:
            if s not in SIDE_INFO:
                raise ValueError(f"transmit.side_info: unknown entry '{s}' ({', '.join(SIDE_INFO)})")

    def to_dict(self):
        return {"kind": self.kind, "receivers": int(self.receivers), "snr_inputs": self.snr_inputs,
                "side_info": list(self.side_info)}


@dataclass
class Tensor:
    """One input or output of an exported module; role (and task for logits) per the manifest doc."""
    name: str
    shape: List[int]
    role: str
    dtype: str = "float32"
    task: Optional[str] = None

    def to_dict(self):
        d = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype, "role": self.role}
        if self.task is not None:
            d["task"] = self.task
        return d


@dataclass
class ExportModule:
    """One file to export: NAME_{suffix}.pt with its manifest."""
    role: str  # encoder | decoder
    suffix: str  # encoder | rx1 | rx2 ...
    module: torch.nn.Module
    example: tuple
    inputs: List[Tensor]
    outputs: List[Tensor]
    transmit: Transmit
    receiver: Optional[int] = None
    tasks: Optional[List[str]] = None
    script: bool = False  # torch.jit.script instead of trace (modules with exported methods)


def labels_of(dataset, task):
    """The labels of a classification task: coarse, fine or binary (data.binary_labels)."""
    if task == "binary":
        from .. import data
        return data.binary_labels(dataset.fine, dataset.name)
    return dataset.coarse if task == "coarse" else dataset.fine


def classes_of(dataset, task):
    if task == "binary":
        return 2
    return dataset.num_coarse if task == "coarse" else dataset.num_fine


def snr_batch(rx, b):
    """The receiver's training SNR [b, 1]: fixed, or drawn per image from [lo, hi]."""
    if isinstance(rx.snr_db, list):
        return torch.empty(b, 1).uniform_(float(rx.snr_db[0]), float(rx.snr_db[1]))
    return torch.full((b, 1), float(rx.snr_db))


def receiver_metrics(x, labels, logits, recon, snr, seed):
    from .. import metrics
    return {"snr_db": snr, "images": len(x), "seed": seed,
            "accuracy": (logits.argmax(1) == labels).float().mean().item(),
            "psnr_db": metrics.psnr(x, recon).mean().item(),
            "ssim": metrics.ssim(x, recon).mean().item()}


class Scheme:
    """Base of every scheme. `name` is the registry key and the manifests' `scheme`."""

    name = None
    # Whether export may send a network through another quantizer than the one it trained with
    # (`bits`): the quantizer is then a transmit-side stage outside the network (MIJSCC).
    quantizer_at_export = False

    # --- model ---
    def build(self, cfg, dataset):
        """The trainable model (an nn.Module whose state dict the checkpoints hold)."""
        raise NotImplementedError

    def num_classes(self, cfg, dataset):
        return [classes_of(dataset, rx.task) for rx in cfg.receivers]

    # --- training ---
    def epoch_stats(self, cfg, stage):
        """The per-epoch statistics (summed over images, divided by their number) a stage logs."""
        stats = {"fit": 0.0, "power": 0.0}
        for r in stage.loss:
            stats[f"acc{r}"] = 0.0
            stats[f"mse{r}"] = 0.0
        return stats

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        """(loss, stats) of one batch; stats are sums over the batch's images."""
        raise NotImplementedError

    def refits(self, cfg, stage):
        """Whether this stage sets some parameters in closed form (see refit)."""
        return False

    def refit(self, model, images):
        """Sets the closed-form parameters for the model as it is now on these training images."""
        raise NotImplementedError(f"scheme '{self.name}' has nothing to refit")

    # --- the link ---
    def decoders(self, model):
        """The per-receiver decoders: decoder(received, snr_db [B, 1]) -> (logits, image)."""
        return list(model.decoders)

    def transmit(self, model, images):
        """What the transmitter sends for these images when it does not depend on the receivers'
        SNR (computed once per image by evaluate), or None."""
        return None

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        """What a receiver's decoder sees for these images at snr_t [B, 1] through channel spec;
        sent: transmit()'s result for these images, where it has one."""
        raise NotImplementedError

    # --- export ---
    def transmit_section(self, cfg):
        raise NotImplementedError

    def manifest_fields(self, cfg):
        """constellations, alphas and quantizer of the manifests."""
        return {"constellations": [], "alphas": [], "quantizer": None}

    def manifest_extras(self, model, cfg):
        """Extra top-level manifest objects of this trained model (both roles), e.g. ASC's `asc`."""
        return {}

    def encoder_module(self, model, cfg, dataset):
        """The transmitter's ExportModule."""
        raise NotImplementedError

    def decoder_modules(self, model, cfg, dataset):
        """One ExportModule per receiver: (symbols [B, n, 2], snr_db [B, 1]) -> (logits, image)."""
        n, shape = cfg.channel_uses, [-1] + list(dataset.image_shape)
        example = (torch.zeros(2, n, 2), torch.zeros(2, 1))
        out = []
        for r, (rx, dec) in enumerate(zip(cfg.receivers, self.decoders(model))):
            out.append(ExportModule(
                role="decoder", suffix=f"rx{r + 1}", module=dec, example=example, receiver=r + 1,
                tasks=[rx.task, "image"], transmit=self.transmit_section(cfg),
                inputs=[Tensor("symbols", [-1, n, 2], "symbols"), Tensor("snr_db", [-1, 1], "snr_db")],
                outputs=[Tensor("logits", [-1, classes_of(dataset, rx.task)], "logits", task=rx.task),
                         Tensor("image", shape, "image")]))
        return out

    def export_modules(self, model, cfg, dataset):
        return [self.encoder_module(model, cfg, dataset)] + self.decoder_modules(model, cfg, dataset)

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0):
        """Metrics of an encoder and decoders (the exported modules, in memory or reloaded) at each
        receiver's export SNR on the first `images` test images, noise seeded: {receiver number:
        {...}, other keys: the encoder's}. export writes them, reload_check reproduces them."""
        raise NotImplementedError

    def report(self, model, cfg, dataset):
        """Extra lines evaluate prints for this model."""
        return []


class SuperpositionScheme(Scheme):
    """Symbol indices on superposed square-QAM layers (manifest kind `superposition`)."""

    def transmit_section(self, cfg):
        return Transmit("superposition", len(cfg.receivers), "none", [])

    def manifest_fields(self, cfg):
        return {
            "constellations": [
                {"name": name.lower(), "order": len(pts),
                 "points": [[round(float(p.real), 7), round(float(p.imag), 7)] for p in pts]}
                for name, pts in ((n, channels.constellation_points(n)) for n in cfg.layers)],
            "alphas": [float(a) for a in cfg.alphas],
            "quantizer": None,
        }

    def index_encoder(self, model):
        """nn.Module: image -> tuple of int64 symbol-index tensors [B, n], one per layer."""
        raise NotImplementedError

    def encoder_module(self, model, cfg, dataset):
        return ExportModule(
            role="encoder", suffix="encoder", module=self.index_encoder(model), example=(dataset.images[:2],),
            transmit=self.transmit_section(cfg),
            inputs=[Tensor("image", [-1] + list(dataset.image_shape), "image")],
            outputs=[Tensor(f"layer{k + 1}", [-1, cfg.channel_uses], "layer", "int64")
                     for k in range(len(cfg.layers))])

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        """Decorrelation fit + power penalty + each receiver's CE + lambda MSE (the second and
        further receivers weighted by beta)."""
        y, _, fit = model.encode(images, stage.active_layers)
        power = (y.abs() ** 2).mean()
        loss = 10.0 * fit + 10.0 * F.relu(power - 1.0)
        b = len(images)
        stats = {"fit": float(fit) * b, "power": power.item() * b}
        for j, r in enumerate(stage.loss):
            rx = cfg.receivers[r - 1]
            snr = snr_batch(rx, b)
            y_eq, _ = channels.channel(y, snr[:, 0], rx.channel)
            logits, recon = model.decoders[r - 1](channels.to_real(y_eq), snr)
            labels = coarse if rx.task == "coarse" else fine
            ce = F.cross_entropy(logits, labels)
            mse = F.mse_loss(recon, images)
            weight = cfg.beta if (len(stage.loss) > 1 and j > 0) else 1.0
            loss = loss + weight * (ce + rx.lam * mse)
            stats[f"acc{r}"] = (logits.argmax(1) == labels).float().sum().item()
            stats[f"mse{r}"] = mse.item() * b
        return loss, stats

    def transmit(self, model, images):
        y, _, _ = model.encode(images)
        return y

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        if sent is None:
            sent = self.transmit(model, images)
        y_eq, _ = channels.channel(sent, snr_t[:, 0], spec, generator=generator)
        return channels.to_real(y_eq)

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0):
        x = dataset.images[:images]
        with torch.no_grad():
            y = symbols_from_indices(cfg, encoder(x))
        out = {"mean_symbol_power": (y.abs() ** 2).mean().item()}
        for r, rx in enumerate(cfg.receivers):
            snr = rx.measure_snr_db
            gen = torch.Generator().manual_seed(seed + r)
            with torch.no_grad():
                y_eq, _ = channels.channel(y, torch.full((len(y),), snr), rx.channel, generator=gen)
                logits, recon = decoders[r](channels.to_real(y_eq), torch.full((len(y), 1), snr))
            out[r + 1] = receiver_metrics(x, labels_of(dataset, rx.task)[:images], logits, recon, snr, seed + r)
        return out


def symbols_from_indices(cfg, idx):
    """Superposed symbols [B, n] from per-layer index tensors via the super-constellation table,
    as the C++ mapper builds them."""
    if isinstance(idx, torch.Tensor):
        idx = (idx,)
    table = channels.superposition_table(cfg.layers, cfg.alphas)
    super_idx = torch.zeros_like(idx[0])
    for k, layer_idx in enumerate(idx):
        super_idx = super_idx * len(channels.constellation_points(cfg.layers[k])) + layer_idx
    return table[super_idx]

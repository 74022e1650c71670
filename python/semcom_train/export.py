#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""TorchScript + manifest export (docs/model-manifest.md) and the reload check."""

import hashlib
import json
import math
import os

import torch
from torch import nn

from . import channels, data

FORMAT = "semcom-model/1"


class SuperpositionEncoder(nn.Module):
    """image -> one int64 symbol-index tensor [B, n] per layer (deterministic: most likely level).

    DeepSCM: one probabilistic modulator per layer. CM: one modulator over the flat
    super-constellation whose per-axis level l splits into layer levels (mixed radix, layer 1 most
    significant), which is exact for the uniform cases (4QAM x 16QAM at alpha 16/21)."""

    def __init__(self, model):
        super().__init__()
        # Only the transmitter's modules: the traced file must not carry the decoders.
        self.cm = not hasattr(model, "decorrelators")
        if self.cm:
            self.encoder, self.modulator = model.encoder, model.modulator
        else:
            self.encoders, self.modulators = model.encoders, model.modulators
            self.decorrelators = model.decorrelators
        self.orders = [int(name.lower().replace("qam", "")) for name in model.layers]
        self.sides = [int(round(math.sqrt(o))) for o in self.orders]

    def forward(self, image):
        if self.cm:
            _, levels = self.modulator(self.encoder(image))
            per_layer, rest = [], levels
            for side in reversed(self.sides):
                per_layer.append(rest % side)
                rest = rest // side
            per_layer.reverse()
            return tuple(channels.level_index_to_symbol_index(lev[..., 0], lev[..., 1], order)
                         for lev, order in zip(per_layer, self.orders))
        feats, out = [], []
        for i in range(len(self.orders)):
            u = self.encoders[i](image)
            if i > 0:
                u, _ = self.decorrelators[i - 1](torch.cat(feats, dim=1), u)
            feats.append(u)
            _, lev = self.modulators[i](u)
            out.append(self.modulators[i].symbol_index(lev))
        return tuple(out)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _io(name, shape, dtype="float32"):
    return {"name": name, "shape": list(shape), "dtype": dtype}


def common_manifest(cfg, dataset, command):
    return {
        "format": FORMAT,
        "scheme": cfg["scheme"],
        "channel_uses": cfg["channel_uses"],
        "constellations": [
            {"name": name.lower(), "order": len(pts),
             "points": [[round(float(p.real), 7), round(float(p.imag), 7)] for p in pts]}
            for name, pts in ((n, channels.constellation_points(n)) for n in cfg["layers"])],
        "alphas": [float(a) for a in cfg["alphas"]],
        "quantizer": None,
        "train_snr_db": [rx["snr_db"] for rx in cfg["receivers"]],
        "dataset": {"name": dataset.name, "image_shape": dataset.image_shape, "range": [0.0, 1.0]},
        "labels": {"fine": dataset.num_fine, "coarse": dataset.num_coarse,
                   "coarse_of_fine": dataset.coarse_of_fine.tolist()},
        "torch_version": torch.__version__,
        "created_by": command,
    }


def write(module, example, path, manifest):
    module.eval()
    with torch.no_grad():
        traced = torch.jit.trace(module, example, check_trace=True)
    traced.save(path)
    manifest = dict(manifest, file=os.path.basename(path), sha256=sha256(path))
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def export(model, cfg, dataset, out_dir, command, images=1000):
    """Writes NAME_encoder.{pt,json} and NAME_rx{r}.{pt,json} with the metrics measured now;
    returns the manifests."""
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    metrics_by_rx = measure(SuperpositionEncoder(model), list(model.decoders), cfg, dataset, images)
    name, n = cfg["name"], cfg["channel_uses"]
    base = common_manifest(cfg, dataset, command)
    example = dataset.images[:2]
    enc = SuperpositionEncoder(model)
    manifests = [write(enc, (example,), os.path.join(out_dir, f"{name}_encoder.pt"), dict(
        base, name=f"{name}_encoder", role="encoder",
        inputs=[_io("image", [-1] + dataset.image_shape)],
        outputs=[_io(f"layer{k + 1}", [-1, n], "int64") for k in range(len(cfg["layers"]))],
        metrics={"mean_symbol_power": metrics_by_rx.get("mean_symbol_power")}))]
    sym = torch.zeros(2, n, 2)
    snr = torch.zeros(2, 1)
    for r, rx in enumerate(cfg["receivers"]):
        classes = dataset.num_coarse if rx["task"] == "coarse" else dataset.num_fine
        manifests.append(write(model.decoders[r], (sym, snr), os.path.join(out_dir, f"{name}_rx{r + 1}.pt"), dict(
            base, name=f"{name}_rx{r + 1}", role="decoder", receiver=r + 1, tasks=[rx["task"], "image"],
            inputs=[_io("symbols", [-1, n, 2]), _io("snr_db", [-1, 1])],
            outputs=[_io("logits", [-1, classes]), _io("image", [-1] + dataset.image_shape)],
            metrics=metrics_by_rx.get(r + 1, {}))))
    return manifests


def symbols_from_indices(cfg, idx):
    """Superposed symbols [B, n] from per-layer index tensors via the super-constellation table,
    as the C++ mapper builds them."""
    table = channels.superposition_table(cfg["layers"], cfg["alphas"])
    super_idx = torch.zeros_like(idx[0])
    for k, layer_idx in enumerate(idx):
        super_idx = super_idx * len(channels.constellation_points(cfg["layers"][k])) + layer_idx
    return table[super_idx]


def measure(encoder, decoders, cfg, dataset, images=1000, seed=0):
    """Metrics of an encoder (image -> layer indices) and decoders at each receiver's training SNR
    on the first `images` test images, noise seeded: the numbers written into the manifests at
    export and reproduced by reload_check from the files."""
    from . import metrics
    x = dataset.images[:images]
    with torch.no_grad():
        y = symbols_from_indices(cfg, encoder(x))
    out = {"mean_symbol_power": (y.abs() ** 2).mean().item()}
    for r, rx in enumerate(cfg["receivers"]):
        snr = float(rx["snr_db"] if not isinstance(rx["snr_db"], (list, tuple)) else rx.get("eval_snr_db", rx["snr_db"][1]))
        gen = torch.Generator().manual_seed(seed + r)
        with torch.no_grad():
            y_eq, _ = channels.channel(y, torch.full((len(y),), snr), rx.get("channel", "awgn"), generator=gen)
            logits, recon = decoders[r](channels.to_real(y_eq), torch.full((len(y), 1), snr))
        labels = (dataset.coarse if rx["task"] == "coarse" else dataset.fine)[:images]
        out[r + 1] = {"snr_db": snr, "images": len(x), "seed": seed + r,
                      "accuracy": (logits.argmax(1) == labels).float().mean().item(),
                      "psnr_db": metrics.psnr(x, recon).mean().item(),
                      "ssim": metrics.ssim(x, recon).mean().item()}
    return out


def load_exported(path):
    """torch.jit.load with the manifest's sha256 checked first."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        manifest = json.load(f)
    if sha256(path) != manifest["sha256"]:
        raise ValueError(f"{path}: sha256 differs from its manifest")
    return torch.jit.load(path), manifest


def reload_check(cfg, dataset, out_dir):
    """Reloads the exported files and measures again with the manifest's images and seed.
    Returns rows (receiver, metric, value at export, value reloaded)."""
    name = cfg["name"]
    enc, _ = load_exported(os.path.join(out_dir, f"{name}_encoder.pt"))
    decs, mans = [], []
    for r in range(len(cfg["receivers"])):
        d, m = load_exported(os.path.join(out_dir, f"{name}_rx{r + 1}.pt"))
        decs.append(d)
        mans.append(m)
    images = mans[0]["metrics"]["images"]
    seed = mans[0]["metrics"]["seed"]
    again = measure(enc, decs, cfg, dataset, images, seed)
    rows = []
    for r, m in enumerate(mans):
        for key in ("accuracy", "psnr_db", "ssim"):
            rows.append((r + 1, key, m["metrics"][key], again[r + 1][key]))
    return rows

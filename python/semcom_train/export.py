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

from . import channels, data, models

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
            self.decorrelators, self.feature_norm = model.decorrelators, model.feature_norm
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
        out = []
        for u, modulator in zip(models.layer_features(self.encoders, self.decorrelators, self.feature_norm, image),
                                self.modulators):
            _, lev = modulator(u)
            out.append(modulator.symbol_index(lev))
        return tuple(out)


class FeatureEncoder(nn.Module):
    """MIJSCC: image -> features [B, 2n] (the C++ quantized mapper quantises and pairs them).
    A-MIJSCC: (image, snr_db) -> (features, end_index [B]): only the first end_index symbols
    are sent."""

    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder
        self.adaptive = model.adaptive
        if self.adaptive:
            self.attention, self.noise_encoder = model.attention, model.noise_encoder
            self.register_buffer("upper", model.upper)
            self.eta = model.eta

    def forward(self, image, snr_db):
        z = self.encoder(image)
        if not self.adaptive:
            return z
        z = z * self.attention(snr_db / 20.0)
        w = torch.softmax(self.noise_encoder(snr_db / 20.0), dim=1)
        m = w @ self.upper.T
        keep = (m >= self.eta).long()
        keep[:, 0] = 1
        return z, keep.sum(1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _io(name, shape, dtype="float32"):
    return {"name": name, "shape": list(shape), "dtype": dtype}


def common_manifest(cfg, dataset, command):
    if cfg["scheme"] in ("mijscc", "amijscc"):
        return {
            "format": FORMAT, "scheme": cfg["scheme"], "channel_uses": cfg["channel_uses"],
            "constellations": [], "alphas": [],
            "quantizer": None if cfg.get("bits") is None else
            {"bits": int(cfg["bits"]), "range_mode": "per_frame"},
            "train_snr_db": [rx["snr_db"] for rx in cfg["receivers"]],
            "dataset": {"name": dataset.name, "image_shape": dataset.image_shape, "range": [0.0, 1.0]},
            "labels": {"fine": dataset.num_fine, "coarse": dataset.num_coarse,
                       "coarse_of_fine": dataset.coarse_of_fine.tolist()},
            "torch_version": torch.__version__, "created_by": command,
        }
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
    name, n = cfg["name"], cfg["channel_uses"]
    base = common_manifest(cfg, dataset, command)
    example = dataset.images[:2]
    if cfg["scheme"] in ("mijscc", "amijscc"):
        enc = FeatureEncoder(model)
        metrics_by_rx = measure_features(enc, list(model.decoders), cfg, dataset, images)
        if enc.adaptive:
            inputs = [_io("image", [-1] + dataset.image_shape), _io("snr_db", [-1, 1])]
            outputs = [_io("features", [-1, 2 * n]), _io("end_index", [-1], "int64")]
            example_in = (example, torch.zeros(2, 1))
        else:
            inputs, outputs = [_io("image", [-1] + dataset.image_shape)], [_io("features", [-1, 2 * n])]
            example_in = (example,)
            enc = _ImageOnly(enc)
    else:
        enc = SuperpositionEncoder(model)
        metrics_by_rx = measure(enc, list(model.decoders), cfg, dataset, images)
        inputs = [_io("image", [-1] + dataset.image_shape)]
        outputs = [_io(f"layer{k + 1}", [-1, n], "int64") for k in range(len(cfg["layers"]))]
        example_in = (example,)
    manifests = [write(enc, example_in, os.path.join(out_dir, f"{name}_encoder.pt"), dict(
        base, name=f"{name}_encoder", role="encoder", inputs=inputs, outputs=outputs,
        metrics={k: v for k, v in metrics_by_rx.items() if not isinstance(k, int)}))]
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


class _ImageOnly(nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, image):
        return self.enc(image, torch.zeros(image.shape[0], 1))


def measure_features(encoder, decoders, cfg, dataset, images=1000, seed=0):
    """measure() for MIJSCC / A-MIJSCC: the receiver's view as the C++ quantized mapper and
    demapper produce it (per-frame quantisation, unit power, y / gain; A-MIJSCC sends only the
    first end_index symbols). encoder(image, snr_db) as FeatureEncoder."""
    from . import metrics, mijscc
    x = dataset.images[:images]
    out = {}
    for r, rx in enumerate(cfg["receivers"]):
        snr = rx["snr_db"]
        snr = float(rx.get("eval_snr_db", snr[1] if isinstance(snr, (list, tuple)) else snr))
        snr_t = torch.full((len(x), 1), snr)
        gen = torch.Generator().manual_seed(seed + r)
        with torch.no_grad():
            enc_out = encoder(x, snr_t) if not isinstance(encoder, _ImageOnly) else encoder(x)
            if isinstance(enc_out, tuple):
                z, end = enc_out
                keep = (torch.arange(cfg["channel_uses"])[None, :] < end[:, None]).float()
            else:
                z, keep = enc_out, None
            zq = mijscc.quantize_ste(z, cfg.get("bits"))
            received = mijscc.transmit(zq, snr_t[:, 0], rx.get("channel", "awgn"), gen, keep)
            logits, recon = decoders[r](received, snr_t)
        labels = (dataset.coarse if rx["task"] == "coarse" else dataset.fine)[:images]
        out[r + 1] = {"snr_db": snr, "images": len(x), "seed": seed + r,
                      "accuracy": (logits.argmax(1) == labels).float().mean().item(),
                      "psnr_db": metrics.psnr(x, recon).mean().item(),
                      "ssim": metrics.ssim(x, recon).mean().item(),
                      "symbols_per_image": float(keep.sum(1).mean()) if keep is not None else float(cfg["channel_uses"])}
    return out


def load_exported(path):
    """torch.jit.load with the manifest's sha256 checked first."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        manifest = json.load(f)
    if sha256(path) != manifest["sha256"]:
        raise ValueError(f"{path}: sha256 differs from its manifest")
    return torch.jit.load(path), manifest


def _ImageOnly_fn(enc):
    """A reloaded image-only encoder called as encoder(image, snr_db)."""
    return lambda image, snr_db: enc(image)


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
    if cfg["scheme"] in ("mijscc", "amijscc"):
        enc_fn = enc if cfg["scheme"] == "amijscc" else _ImageOnly_fn(enc)
        again = measure_features(enc_fn, decs, cfg, dataset, images, seed)
    else:
        again = measure(enc, decs, cfg, dataset, images, seed)
    rows = []
    for r, m in enumerate(mans):
        for key in ("accuracy", "psnr_db", "ssim"):
            rows.append((r + 1, key, m["metrics"][key], again[r + 1][key]))
    return rows

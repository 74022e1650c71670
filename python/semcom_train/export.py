#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""TorchScript + manifest export (docs/model-manifest.md, format semcom-model/2) and the reload
check. What to export, with which roles and which `transmit` section, and how to measure it, is
the scheme's (semcom_train.schemes); this module writes the files."""

import hashlib
import json
import os

import torch

from . import config, schemes

FORMAT = "semcom-model/2"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dataset_fields(dataset):
    return {"dataset": {"name": dataset.name, "image_shape": list(dataset.image_shape), "range": [0.0, 1.0]},
            "labels": {"fine": dataset.num_fine, "coarse": dataset.num_coarse,
                       "coarse_of_fine": dataset.coarse_of_fine.tolist()}}


def manifest(name, scheme, role, transmit, inputs, outputs, channel_uses, receiver=None, tasks=None,
             constellations=(), alphas=(), quantizer=None, train_snr_db=None, dataset=None, labels=None,
             metrics=None, command=""):
    """A format-2 manifest in the documented order; transmit a schemes.base.Transmit, inputs and
    outputs schemes.base.Tensor (each with its role)."""
    return {
        "format": FORMAT, "name": name, "scheme": scheme, "role": role, "receiver": receiver, "tasks": tasks,
        "file": None, "sha256": None,  # write() fills them in
        "transmit": transmit.to_dict(),
        "inputs": [t.to_dict() for t in inputs],
        "outputs": [t.to_dict() for t in outputs],
        "channel_uses": int(channel_uses), "constellations": list(constellations), "alphas": list(alphas),
        "quantizer": quantizer, "train_snr_db": train_snr_db, "dataset": dataset, "labels": labels,
        "metrics": metrics if metrics is not None else {},
        "torch_version": torch.__version__, "created_by": command,
    }


def write(module, example, path, manifest, script=False):
    """Traces (or scripts) module on example, saves it at path and its manifest (with file and
    sha256) beside it; returns the manifest."""
    module.eval()
    with torch.no_grad():
        traced = torch.jit.script(module) if script else torch.jit.trace(module, example, check_trace=True)
    traced.save(path)
    manifest = dict(manifest, file=os.path.basename(path), sha256=sha256(path))
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def export(model, cfg, dataset, out_dir, command, images=1000):
    """Writes NAME_encoder.{pt,json} and NAME_rx{r}.{pt,json} (the scheme's modules) with the
    metrics measured now; returns the manifests."""
    cfg = config.from_dict(cfg)
    scheme = schemes.get(cfg.scheme)
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    modules = scheme.export_modules(model, cfg, dataset)
    encoder = next(m for m in modules if m.role == "encoder")
    decoders = [m for m in modules if m.role == "decoder"]
    measured = scheme.measure(cfg, encoder.module, [d.module for d in decoders], dataset, images)
    common = dict(scheme.manifest_fields(cfg), train_snr_db=[rx.snr_db for rx in cfg.receivers],
                  **dataset_fields(dataset), command=command)
    extras = scheme.manifest_extras(model, cfg)
    manifests = []
    for m in modules:
        metrics = ({k: v for k, v in measured.items() if not isinstance(k, int)} if m.role == "encoder"
                   else measured.get(m.receiver, {}))
        doc = manifest(f"{cfg.name}_{m.suffix}", scheme.name, m.role, m.transmit, m.inputs, m.outputs,
                       cfg.channel_uses, receiver=m.receiver, tasks=m.tasks, metrics=metrics, **common)
        doc.update(extras)
        manifests.append(write(m.module, m.example, os.path.join(out_dir, f"{cfg.name}_{m.suffix}.pt"), doc,
                               m.script))
    return manifests


def load_exported(path):
    """torch.jit.load with the manifest's sha256 checked first."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        man = json.load(f)
    if sha256(path) != man["sha256"]:
        raise ValueError(f"{path}: sha256 differs from its manifest")
    return torch.jit.load(path), man


def reload_check(cfg, dataset, out_dir):
    """Reloads the exported files and measures again with the manifest's images and seed.
    Returns rows (receiver, metric, value at export, value reloaded)."""
    cfg = config.from_dict(cfg)
    scheme = schemes.get(cfg.scheme)
    name = cfg.name
    enc, _ = load_exported(os.path.join(out_dir, f"{name}_encoder.pt"))
    decs, mans = [], []
    for r in range(len(cfg.receivers)):
        d, m = load_exported(os.path.join(out_dir, f"{name}_rx{r + 1}.pt"))
        decs.append(d)
        mans.append(m)
    images = mans[0]["metrics"]["images"]
    seed = mans[0]["metrics"]["seed"]
    again = scheme.measure(cfg, enc, decs, dataset, images, seed)
    rows = []
    for r, m in enumerate(mans):
        for key in ("accuracy", "psnr_db", "ssim", "mean_exit_layer", "symbols_per_image"):
            if key not in m["metrics"]:  # a scheme without image output (asc) has no PSNR/SSIM
                continue
            rows.append((r + 1, key, m["metrics"][key], again[r + 1][key]))
    return rows

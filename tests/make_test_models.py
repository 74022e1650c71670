#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Writes the tiny TorchScript models the semcom-neural C++ tests load.

For each model: NAME.pt, NAME.json (a manifest in the format of docs/model-manifest.md) and,
for batches 1 and 5, reference inputs and Python's outputs as raw little-endian files:
NAME.b{B}.in{i}.f32 and NAME.b{B}.out{k}.f32 / .i64 (row-major, batch first). The C++ tests run
the same file on the same inputs and compare.

Run with Debian's /usr/bin/python3 (torch 1.13: LibTorch 1.13 loads what it writes), or on a GPU
machine with the PyTorch whose LibTorch the C++ side links.

    /usr/bin/python3 tests/make_test_models.py --out build/lib/neural/tests/models
"""

import argparse
import hashlib
import json
import math
import os

import torch
from torch import nn

BATCHES = (1, 5)
CHANNEL_USES = 8


def gray_qam_points(order):
    """Gray square QAM as docs/model-manifest.md states it, written independently of the C++:
    index (gray(I level) << b) | gray(Q level), level 0 the most negative, unit average power."""
    side = int(round(math.sqrt(order)))
    b = side.bit_length() - 1
    scale = 1.0 / math.sqrt(2.0 * (order - 1) / 3.0)
    amp_of_code = {}
    for level in range(side):
        amp_of_code[level ^ (level >> 1)] = (2 * level - (side - 1)) * scale
    return [[round(amp_of_code[s >> b], 7), round(amp_of_code[s & (side - 1)], 7)]
            for s in range(order)]


class Decoder(nn.Module):
    """symbols [B, n, 2], snr_db [B, 1] -> (logits [B, 4], image [B, 1, 4, 4])."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2 * CHANNEL_USES + 1, 32), nn.ReLU())
        self.logits = nn.Linear(32, 4)
        self.image = nn.Linear(32, 16)

    def forward(self, symbols, snr_db):
        h = self.body(torch.cat([symbols.flatten(1), snr_db / 10.0], dim=1))
        return self.logits(h), torch.sigmoid(self.image(h)).reshape(-1, 1, 4, 4)


class Encoder(nn.Module):
    """image [B, 1, 4, 4] -> (layer1 [B, n] int64 in 0..3, layer2 [B, n] int64 in 0..15)."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(16, CHANNEL_USES * 4)
        self.l2 = nn.Linear(16, CHANNEL_USES * 16)
        self.n = CHANNEL_USES

    def forward(self, image):
        x = image.flatten(1)
        return (self.l1(x).reshape(-1, self.n, 4).argmax(-1),
                self.l2(x).reshape(-1, self.n, 16).argmax(-1))


class Analog(nn.Module):
    """image [B, 1, 4, 4] -> features [B, 2n] (a single tensor, not a tuple); traced."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 2 * CHANNEL_USES)

    def forward(self, image):
        return torch.tanh(self.lin(image.flatten(1)))


class Echo(nn.Module):
    """Returns its own input: the runtime must not hand out its reused input buffers. Fails at
    run time for snr_db > 1000, to test how failures are reported."""

    def forward(self, symbols, snr_db):
        if bool((snr_db > 1000.0).any()):
            raise ValueError("echo: snr_db above 1000")
        return symbols, snr_db


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def spec(name, shape, dtype="float32"):
    return {"name": name, "shape": shape, "dtype": dtype}


def write(out, name, module, example, manifest, trace=False):
    module.eval()
    scripted = torch.jit.trace(module, example) if trace else torch.jit.script(module)
    pt = os.path.join(out, name + ".pt")
    scripted.save(pt)
    doc = {"format": "semcom-model/1", "name": name, "scheme": "test", **manifest,
           "file": name + ".pt", "sha256": sha256(pt), "channel_uses": CHANNEL_USES,
           "torch_version": torch.__version__, "created_by": "tests/make_test_models.py"}
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    # References from the saved file, as the C++ side will load it.
    loaded = torch.jit.load(pt)
    gen = torch.Generator().manual_seed(7)
    for batch in BATCHES:
        inputs = []
        for i, s in enumerate(doc["inputs"]):
            x = torch.rand([batch] + s["shape"][1:], generator=gen) * 2 - 1
            if s["name"] == "snr_db":
                x = x * 10 + 5
            if s["name"] == "image":
                x = (x + 1) / 2
            inputs.append(x)
            x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.b{batch}.in{i}.f32"))
        with torch.no_grad():
            outs = loaded(*inputs)
        if isinstance(outs, torch.Tensor):
            outs = (outs,)
        for k, (y, s) in enumerate(zip(outs, doc["outputs"])):
            assert list(y.shape) == [batch] + s["shape"][1:], (name, k, y.shape)
            ext, kind = ("i64", "<i8") if s["dtype"] == "int64" else ("f32", "<f4")
            y.numpy().astype(kind).tofile(os.path.join(out, f"{name}.b{batch}.out{k}.{ext}"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory to write into (created)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1)
    torch.set_num_threads(1)
    sup = {"constellations": [{"name": "4qam", "order": 4, "points": gray_qam_points(4)},
                              {"name": "16qam", "order": 16, "points": gray_qam_points(16)}],
           "alphas": [16 / 21, 5 / 21], "quantizer": None}
    n = CHANNEL_USES
    write(args.out, "decoder", Decoder(), None, dict(
        sup, role="decoder", receiver=1, tasks=["coarse", "image"], train_snr_db=[[-5.0, 20.0]],
        inputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])],
        outputs=[spec("logits", [-1, 4]), spec("image", [-1, 1, 4, 4])],
        dataset={"name": "test", "image_shape": [1, 4, 4], "range": [0.0, 1.0]},
        labels={"fine": 10, "coarse": 4, "coarse_of_fine": [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]},
        metrics={"snr_db": 20.0, "accuracy": 0.25, "images": 0, "note": None}))
    write(args.out, "encoder", Encoder(), None, dict(
        sup, role="encoder", train_snr_db=10.0,
        inputs=[spec("image", [-1, 1, 4, 4])],
        outputs=[spec("layer1", [-1, n], "int64"), spec("layer2", [-1, n], "int64")]))
    write(args.out, "analog", Analog(), (torch.rand(2, 1, 4, 4),), dict(
        role="encoder", quantizer={"bits": 4, "range_mode": "calibrated", "z_min": -1.0,
                                   "z_max": 1.0},
        inputs=[spec("image", [-1, 1, 4, 4])], outputs=[spec("features", [-1, 2 * n])]),
        trace=True)
    write(args.out, "echo", Echo(), None, dict(
        role="decoder",
        inputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])],
        outputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])]))
    print(f"make_test_models: wrote decoder, encoder, analog, echo to {args.out}")


if __name__ == "__main__":
    main()

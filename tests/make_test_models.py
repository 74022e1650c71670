#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Writes the tiny TorchScript models the semcom-neural C++ tests load, and the fixtures of the
block QA (gr-semcom/python/semcom/qa_neural.py, qa_images.py), which import this file as a module
and not the training package.

For each model: NAME.pt, NAME.json (a manifest in format semcom-model/2 of docs/model-manifest.md:
a transmit section, a role on every input and output) and, for batches 1 and 5, reference inputs
and Python's outputs as raw little-endian files: NAME.b{B}.in{i}.f32 and NAME.b{B}.out{k}.f32 /
.i64 (row-major, batch first). The C++ tests run the same file on the same inputs and compare.

The models (n = 8 channel uses, images [B, 1, 4, 4]):
- decoder: (symbols [B, n, 2], snr_db [B, 1]) -> (logits [B, 4] coarse, image [B, 1, 4, 4]).
- encoder: image -> (layer1 [B, n] in 0..3, layer2 [B, n] in 0..15): superposition, no SNR input.
- analog: image -> features [B, 2n] (one tensor, traced), quantized 4 bits, calibrated range.
- echo: a decoder that returns its inputs (buffer reuse) and fails for snr_db > 1000.
- snr3_encoder: (image, snr_db [B, 3]) -> (layer1, layer2): a superposition encoder for three
  receivers with transmit.snr_inputs `all_receivers`, column k - 1 = receiver k. Every index is
  shifted by floor(snr1) + 3 floor(snr2) + 5 floor(snr3) (mod the order), so one dB more in any
  single column changes every output: a runtime that feeds fewer than the three columns, or the
  same SNR in all three, gives other indices than the reference files.

With --udeepsc (or write_udeepsc_family()), a tiny U-DeepSC family `udeepsc_test` (kind codebook:
the scheme's own modules, python/semcom_train/schemes/udeepsc.py, at width 16, seeded random
weights; the exits' certainty made to depend on the SNR so that frames exit at different layers),
exported by semcom_train.export; the only fixture that needs the training package.

With --qa (or write_qa_family()), the block QA's model family `qa_deepscm` (Fashion-MNIST
28 x 28, n = 128, 4QAM x 16QAM at alpha 16/21, rx1 coarse + image, rx2 fine + image): seeded,
untrained weights; the decoders first slice the received symbols onto the uniform 64QAM grid, so
at a high SNR their outputs do not depend on the noise draw and C++ and Python agree on every
decision. measure_family() is the Python reference the QA compares the C++ chain with; psnr()
and ssim() are semcom-core's definitions (as semcom_train.metrics computes them).

Run with Debian's /usr/bin/python3 (torch 1.13: LibTorch 1.13 loads what it writes), or on a GPU
machine with the PyTorch whose LibTorch the C++ side links.

    /usr/bin/python3 tests/make_test_models.py --out build/lib/neural/tests/models [--qa]
"""

import argparse
import gzip
import hashlib
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
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


class Snr3Encoder(nn.Module):
    """(image [B, 1, 4, 4], snr_db [B, 3]) -> (layer1 [B, n] in 0..3, layer2 [B, n] in 0..15),
    every index shifted by floor(snr1) + 3 floor(snr2) + 5 floor(snr3): odd weights, so one dB
    in any single column moves every index (mod 4 and mod 16)."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(16, CHANNEL_USES * 4)
        self.l2 = nn.Linear(16, CHANNEL_USES * 16)
        self.register_buffer("weights", torch.tensor([1, 3, 5], dtype=torch.long))
        self.n = CHANNEL_USES

    def forward(self, image, snr_db):
        x = image.flatten(1)
        shift = (torch.floor(snr_db).long() * self.weights).sum(1, keepdim=True)
        a = self.l1(x).reshape(-1, self.n, 4).argmax(-1)
        b = self.l2(x).reshape(-1, self.n, 16).argmax(-1)
        return torch.remainder(a + shift, 4), torch.remainder(b + shift, 16)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def spec(name, shape, dtype="float32", role=None, task=None):
    """An input or output; its role is its name unless given (layerK -> layer)."""
    s = {"name": name, "shape": shape, "dtype": dtype,
         "role": role or ("layer" if name.startswith("layer") else name)}
    if task is not None:
        s["task"] = task
    return s


def transmit(kind, receivers=1, snr_inputs="none", side_info=()):
    return {"kind": kind, "receivers": receivers, "snr_inputs": snr_inputs, "side_info": list(side_info)}


def write(out, name, module, example, manifest, trace=False, scheme="test", channel_uses=CHANNEL_USES,
          references=True):
    module.eval()
    scripted = torch.jit.trace(module, example) if trace else torch.jit.script(module)
    pt = os.path.join(out, name + ".pt")
    scripted.save(pt)
    doc = {"format": "semcom-model/2", "name": name, "scheme": scheme, **manifest,
           "file": name + ".pt", "sha256": sha256(pt), "channel_uses": channel_uses,
           "torch_version": torch.__version__, "created_by": "tests/make_test_models.py"}
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    if references:
        write_references(out, name, pt, doc)
    return doc


def write_references(out, name, pt, doc):
    """Reference inputs and the saved file's outputs for batches 1 and 5."""
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


FMNIST = "/usr/share/datasets/fashion-mnist"
COARSE_OF_FINE = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]  # DESIGN §4
QA_FAMILY = "qa_deepscm"
QA_CHANNEL_USES = 128


class Images:
    """Fashion-MNIST test or train images as float32 [N, 1, 28, 28] in [0, 1] with fine and coarse
    labels (torch tensors), read from Debian's dataset-fashion-mnist."""

    def __init__(self, split="test", root=FMNIST):
        prefix = "train" if split == "train" else "t10k"
        with gzip.open(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
            raw = f.read()
        n = int.from_bytes(raw[4:8], "big")
        pixels = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, 28, 28)
        with gzip.open(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        self.images = torch.from_numpy(pixels.astype(np.float32) / 255.0)
        self.fine = torch.from_numpy(labels.astype(np.int64))
        self.coarse = torch.tensor(COARSE_OF_FINE)[self.fine]


def fashion_mnist(split="test"):
    return Images(split)


def psnr(ref, test):
    """Per-image PSNR in dB, [B] (MAX = 1), as semcom-core computes it."""
    mse = ((ref - test) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(1.0 / mse.clamp_min(1e-12))


def ssim(ref, test):
    """Per-image mean SSIM, [B], as semcom-core computes it: Gaussian 11x11, sigma 1.5,
    K1 = 0.01, K2 = 0.03, valid region, mean over channels; NCHW in [0, 1]."""
    c = ref.shape[1]
    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-x ** 2 / (2 * 1.5 ** 2))
    g = g / g.sum()
    w = (g[:, None] * g[None, :]).to(torch.float32).expand(c, 1, 11, 11).contiguous()
    mu_a, mu_b = F.conv2d(ref, w, groups=c), F.conv2d(test, w, groups=c)
    s_aa = F.conv2d(ref * ref, w, groups=c) - mu_a ** 2
    s_bb = F.conv2d(test * test, w, groups=c) - mu_b ** 2
    s_ab = F.conv2d(ref * test, w, groups=c) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * s_ab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (s_aa + s_bb + c2))
    return m.flatten(1).mean(1)


class QaEncoder(nn.Module):
    """image [B, 1, 28, 28] -> (layer1 [B, n] in 0..3, layer2 [B, n] in 0..15)."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.body = nn.Sequential(nn.Linear(784, 32), nn.Tanh())
        self.l1 = nn.Linear(32, n * 4)
        self.l2 = nn.Linear(32, n * 16)

    def forward(self, image):
        h = self.body(image.flatten(1))
        return self.l1(h).reshape(-1, self.n, 4).argmax(-1), self.l2(h).reshape(-1, self.n, 16).argmax(-1)


class QaDecoder(nn.Module):
    """(symbols [B, n, 2], snr_db [B, 1]) -> (logits [B, classes], image [B, 1, 28, 28]). The symbols
    are first sliced onto the uniform 64QAM grid (odd multiples of 1/sqrt(42)): at a high SNR the
    outputs do not depend on the noise."""

    def __init__(self, n, classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2 * n + 1, 64), nn.ReLU())
        self.logits = nn.Linear(64, classes)
        self.image = nn.Linear(64, 784)
        self.scale = math.sqrt(42.0)

    def forward(self, symbols, snr_db):
        levels = torch.clamp(torch.round((symbols * self.scale - 1.0) / 2.0), -4.0, 3.0) * 2.0 + 1.0
        h = self.body(torch.cat([levels.flatten(1) / 7.0, snr_db / 20.0], dim=1))
        return self.logits(h), torch.sigmoid(self.image(h)).reshape(-1, 1, 28, 28)


def write_qa_family(out, seed=3):
    """The block QA's models: OUT/qa_deepscm_{encoder,rx1,rx2}.{pt,json} (format 2). Returns the
    family's description: name, channel_uses, layers, alphas, receivers [(task, classes)]."""
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(seed)
    n = QA_CHANNEL_USES
    family = {"name": QA_FAMILY, "channel_uses": n, "layers": ["4qam", "16qam"], "alphas": [16 / 21, 5 / 21],
              "receivers": [("coarse", 4), ("fine", 10)]}
    common = {"transmit": transmit("superposition", 2),
              "constellations": [{"name": "4qam", "order": 4, "points": gray_qam_points(4)},
                                 {"name": "16qam", "order": 16, "points": gray_qam_points(16)}],
              "alphas": family["alphas"], "quantizer": None, "train_snr_db": [-5.0, 20.0],
              "dataset": {"name": "fashion-mnist", "image_shape": [1, 28, 28], "range": [0.0, 1.0]},
              "labels": {"fine": 10, "coarse": 4, "coarse_of_fine": COARSE_OF_FINE}, "metrics": {}}
    image = spec("image", [-1, 1, 28, 28])
    write(out, QA_FAMILY + "_encoder", QaEncoder(n), (torch.rand(2, 1, 28, 28),), dict(
        common, role="encoder", inputs=[image],
        outputs=[spec("layer1", [-1, n], "int64"), spec("layer2", [-1, n], "int64")]),
        trace=True, scheme="deepscm", channel_uses=n, references=False)
    for r, (task, classes) in enumerate(family["receivers"], start=1):
        write(out, f"{QA_FAMILY}_rx{r}", QaDecoder(n, classes), (torch.zeros(2, n, 2), torch.zeros(2, 1)), dict(
            common, role="decoder", receiver=r, tasks=[task, "image"],
            inputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])],
            outputs=[spec("logits", [-1, classes], task=task), image]),
            trace=True, scheme="deepscm", channel_uses=n, references=False)
    return family


def superposed(family, indices):
    """Y = sum_k sqrt(alpha_k) C_k[s_k] [B, n] complex, from the per-layer index tensors."""
    y = 0
    for name, alpha, idx in zip(family["layers"], family["alphas"], indices):
        pts = torch.tensor(gray_qam_points(int(name[:-3])), dtype=torch.float32)
        y = y + math.sqrt(alpha) * torch.complex(pts[idx][..., 0], pts[idx][..., 1])
    return y


def measure_family(encoder, decoders, family, data, snr_db, images=120, seed=0):
    """The Python reference of the broadcast chain: the first `images` images through the encoder,
    the superposition mapper and AWGN at snr_db (noise seeded per receiver), each decoder's task
    accuracy and mean PSNR: {receiver number: {"accuracy", "psnr_db"}}."""
    x = data.images[:images]
    out = {}
    with torch.no_grad():
        y = superposed(family, encoder(x))
        for r, ((task, _), dec) in enumerate(zip(family["receivers"], decoders), start=1):
            gen = torch.Generator().manual_seed(seed + r - 1)
            nv = 10.0 ** (-snr_db / 10.0)
            noise = torch.complex(torch.randn(y.shape, generator=gen), torch.randn(y.shape, generator=gen))
            rx = y + noise * math.sqrt(nv / 2)
            logits, recon = dec(torch.stack((rx.real, rx.imag), -1), torch.full((len(x), 1), float(snr_db)))
            labels = (data.coarse if task == "coarse" else data.fine)[:images]
            out[r] = {"accuracy": (logits.argmax(1) == labels).float().mean().item(),
                      "psnr_db": psnr(x, recon).mean().item()}
    return out


UDEEPSC_FAMILY = "udeepsc_test"


def write_udeepsc_family(out, images=50, seed=5):
    """OUT/udeepsc_test_{encoder,rx1,rx2,rx3}.{pt,json}: U-DeepSC (transmit kind codebook) as
    semcom_train exports it, small (width 16, 2 encoder blocks, 6 decoder layers, 8-dim codewords
    in 4 groups: 588 channel uses; recovery sends 4 indices per kept token, the classes 1), untrained: codewords, index labelling and point prior seeded at
    random; each task's certainty module set to c = sigmoid(3 relu(4 snr/20 + 4 layer/L) + 0.5 relu(
    random features) - 4), so that frames exit early, at layers that depend on the SNR. Returns the
    prefix. Needs python/ (semcom_train) beside this file."""
    import sys
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sys.path.insert(0, os.path.join(source, "python"))
    import yaml
    from semcom_train import config, data, export, schemes

    torch.manual_seed(seed)
    with open(os.path.join(source, "python", "configs", "udeepsc.yaml")) as f:
        raw = yaml.safe_load(f)
    raw.update(name=UDEEPSC_FAMILY, width=16, hidden=32, encoder_layers=2, decoder_layers=6, code_dim=8)
    # the classes send one index per kept token, recovery all four: the tests exercise segments of
    # different indices per token whatever the shipped config chooses
    raw["receivers"] = [dict(rx, index_groups=4 if rx["task"] == "image" else 1) for rx in raw["receivers"]]
    cfg = config.from_dict(raw)
    test = data.fashion_mnist("test")
    net = schemes.get("udeepsc").build(cfg, test)
    d = cfg.width
    with torch.no_grad():
        cb = net.codebook
        cb.codes.normal_(0.0, 0.5)
        cb.initialised.fill_(1.0)
        usage = torch.rand(cfg.codebook_size) + 0.2
        cb.log_prior.copy_(torch.log(usage / usage.sum()))
        net.labels.copy_(torch.randperm(cfg.codebook_size))
        for lcm in net.lcms:  # Linear(d + 2 -> 64), ReLU, Linear(64 -> 1) on [mean query, snr / 20, layer / L]
            first, last = lcm[0], lcm[2]
            first.weight.zero_()
            first.bias.zero_()
            last.weight.zero_()
            first.weight[0, d] = 4.0
            first.weight[0, d + 1] = 4.0
            first.weight[1, :d].normal_(0.0, 1.0)
            last.weight[0, 0] = 3.0
            last.weight[0, 1] = 0.5
            last.bias.fill_(-4.0)
    os.makedirs(out, exist_ok=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the encoder's traced constants are constants
        export.export(net, cfg, test, out, "tests/make_test_models.py --udeepsc", images=images)
    write_exit_references(out, net)
    return os.path.join(out, UDEEPSC_FAMILY)


EXIT_THRESHOLDS = (0.5, 0.9, 1.0)


def write_exit_references(out, net, batch=24):
    """For each decoder and exit threshold t: inputs (posteriors of random symbols, random keep
    masks, SNRs uniform in 0..12 dB, t) and the saved file's forward() outputs (output, exit layer)
    as NAME.t{100 t}.in{i}.f32 / .out{k}.{f32,i64}: what the layer-by-layer run must reproduce."""
    n, g, k = net.encoder.n, net.codebook.groups, net.codebook.codes.shape[0]
    gen = torch.Generator().manual_seed(11)
    for r in range(1, len(net.tasks) + 1):
        name = f"{UDEEPSC_FAMILY}_rx{r}"
        dec = torch.jit.load(os.path.join(out, name + ".pt"))
        post = torch.softmax(3 * torch.randn(batch, n * g, k, generator=gen), -1)
        keep = (torch.rand(batch, n, generator=gen) > 0.3).float()
        post = post * keep.repeat_interleave(g, 1).unsqueeze(-1)
        snr = torch.rand(batch, 1, generator=gen) * 12
        for t in EXIT_THRESHOLDS:
            tag = f"{name}.t{round(100 * t)}"
            inputs = (post, keep, snr, torch.full((batch, 1), t))
            for i, x in enumerate(inputs):
                x.numpy().astype("<f4").tofile(os.path.join(out, f"{tag}.in{i}.f32"))
            with torch.no_grad():
                y, layers = dec(*inputs)
            y.numpy().astype("<f4").tofile(os.path.join(out, f"{tag}.out0.f32"))
            layers.numpy().astype("<i8").tofile(os.path.join(out, f"{tag}.out1.i64"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory to write into (created)")
    ap.add_argument("--qa", action="store_true", help="also write the block QA's model family (qa_deepscm_*)")
    ap.add_argument("--udeepsc", action="store_true",
                    help=f"also write the U-DeepSC family {UDEEPSC_FAMILY}_* (needs python/semcom_train)")
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
        transmit=transmit("superposition"),
        inputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])],
        outputs=[spec("logits", [-1, 4], task="coarse"), spec("image", [-1, 1, 4, 4])],
        dataset={"name": "test", "image_shape": [1, 4, 4], "range": [0.0, 1.0]},
        labels={"fine": 10, "coarse": 4, "coarse_of_fine": [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]},
        metrics={"snr_db": 20.0, "accuracy": 0.25, "images": 0, "note": None}))
    write(args.out, "encoder", Encoder(), None, dict(
        sup, role="encoder", train_snr_db=10.0, transmit=transmit("superposition"),
        inputs=[spec("image", [-1, 1, 4, 4])],
        outputs=[spec("layer1", [-1, n], "int64"), spec("layer2", [-1, n], "int64")]))
    write(args.out, "analog", Analog(), (torch.rand(2, 1, 4, 4),), dict(
        role="encoder", quantizer={"bits": 4, "range_mode": "calibrated", "z_min": -1.0,
                                   "z_max": 1.0},
        transmit=transmit("quantized"),  # calibrated range: nothing but the symbols per frame
        inputs=[spec("image", [-1, 1, 4, 4])], outputs=[spec("features", [-1, 2 * n])]),
        trace=True)
    write(args.out, "echo", Echo(), None, dict(
        role="decoder", transmit=transmit("superposition"),
        inputs=[spec("symbols", [-1, n, 2]), spec("snr_db", [-1, 1])],
        # what it returns is its input, unscored: a runtime test model (features, as far as roles go)
        outputs=[spec("symbols", [-1, n, 2], role="features"), spec("snr_db", [-1, 1], role="features")]))
    write(args.out, "snr3_encoder", Snr3Encoder(), None, dict(
        sup, role="encoder", train_snr_db=[0.0, 10.0, 20.0],
        transmit=transmit("superposition", 3, "all_receivers"),
        inputs=[spec("image", [-1, 1, 4, 4]), spec("snr_db", [-1, 3])],
        outputs=[spec("layer1", [-1, n], "int64"), spec("layer2", [-1, n], "int64")]))
    names = "decoder, encoder, analog, echo, snr3_encoder"
    if args.qa:
        write_qa_family(args.out)
        names += f", {QA_FAMILY}_*"
    if args.udeepsc:
        write_udeepsc_family(args.out)
        names += f", {UDEEPSC_FAMILY}_*"
    print(f"make_test_models: wrote {names} to {args.out}")


if __name__ == "__main__":
    main()

#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Separate source-channel coding baseline: an image codec at the rate the channel allows.

For n channel uses at SNR s, an ideal (capacity-achieving) channel code delivers
C = n log2(1 + 10^(s/10)) bits error-free (AWGN; for fading channels the ergodic capacity
E[log2(1 + |h|^2 snr)] per use). Each image is WebP-encoded (Debian's Pillow) at the highest quality
whose whole file fits in C bits; if even the lowest quality does not fit, nothing is decoded and
the receiver shows the training-set mean image and guesses the most frequent class - the cliff
effect. Classification runs a small CNN, trained once on clean images, on the decoded image.

export_classifier() writes that classifier as TorchScript with a manifest (models/separate_classifier.*)
for the C++ separate chain (`semcom simulate --scheme separate`: JPEG + gr-fec LDPC + QAM):

    PYTHONPATH=python /usr/bin/python3 -m semcom_train.separate export-classifier --out models
"""

import io
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import channels, metrics

QUALITIES = list(range(0, 101, 5))


class SmallCNN(nn.Module):
    def __init__(self, in_shape, fine, coarse):
        super().__init__()
        c, h, w = in_shape
        self.net = nn.Sequential(nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU())
        self.fine = nn.Linear(128, fine)
        self.coarse = nn.Linear(128, coarse)

    def forward(self, x):
        z = self.net(x)
        return self.fine(z), self.coarse(z)


def classifier(train_set, path, epochs=2):
    """The clean-image classifier, trained once and cached at path."""
    model = SmallCNN(train_set.image_shape, train_set.num_fine, train_set.num_coarse)
    if os.path.exists(path):
        model.load_state_dict(torch.load(path))
        return model.eval()
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train_set, batch_size=128, shuffle=True)
    for _ in range(epochs):
        for x, fine, coarse in loader:
            lf, lc = model(x)
            loss = F.cross_entropy(lf, fine) + F.cross_entropy(lc, coarse)
            opt.zero_grad()
            loss.backward()
            opt.step()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.save(model.state_dict(), path)
    return model.eval()


def capacity_bits(channel_uses, snr_db, spec="awgn", draws=20000, seed=0):
    snr = 10 ** (snr_db / 10)
    kind, k = channels.parse_channel(spec)
    if kind == "awgn":
        return channel_uses * math.log2(1 + snr)
    h = channels.fading_gains(kind, k, (draws,), torch.Generator().manual_seed(seed))
    return channel_uses * torch.log2(1 + h.abs() ** 2 * snr).mean().item()


def encode_ladder(images):
    """For every image, WebP at every quality: (sizes in bits [N, Q], decoded images [N, Q, ...])."""
    n = len(images)
    sizes = np.zeros((n, len(QUALITIES)))
    decoded = torch.zeros((n, len(QUALITIES)) + tuple(images.shape[1:]))
    for i in range(n):
        arr = (images[i].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        pil = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
        for j, q in enumerate(QUALITIES):
            buf = io.BytesIO()
            pil.save(buf, "WEBP", quality=q, method=6)
            sizes[i, j] = 8 * len(buf.getvalue())
            back = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert(pil.mode), dtype=np.float32) / 255
            decoded[i, j] = torch.from_numpy(back.reshape(arr.shape)).permute(2, 0, 1)
    return sizes, decoded


def evaluate(train_set, test_set, snrs, channel_uses, spec="awgn", cache_dir="checkpoints/separate"):
    """Rows like train.evaluate's, one per task (coarse, fine) and SNR."""
    clf = classifier(train_set, os.path.join(cache_dir, "classifier.pt"))
    sizes, decoded = encode_ladder(test_set.images)
    mean_image = train_set.images.mean(0)
    fine_guess = int(torch.bincount(train_set.fine).argmax())
    coarse_guess = int(torch.bincount(train_set.coarse).argmax())
    rows = []
    for snr in snrs:
        budget = capacity_bits(channel_uses, snr, spec)
        fits = sizes <= budget
        best = np.where(fits.any(1), np.where(fits, np.arange(len(QUALITIES)), -1).max(1), -1)
        ok = torch.from_numpy(best >= 0)
        recon = mean_image.expand_as(test_set.images).clone()
        idx = torch.from_numpy(np.maximum(best, 0))
        chosen = decoded[torch.arange(len(test_set)), idx]
        recon[ok] = chosen[ok]
        with torch.no_grad():
            lf, lc = clf(recon)
        pred_f = torch.where(ok, lf.argmax(1), torch.full_like(ok, fine_guess, dtype=torch.long))
        pred_c = torch.where(ok, lc.argmax(1), torch.full_like(ok, coarse_guess, dtype=torch.long))
        p = metrics.psnr(test_set.images, recon).mean().item()
        s = metrics.ssim(test_set.images, recon).mean().item()
        for task, pred, labels in (("coarse", pred_c, test_set.coarse), ("fine", pred_f, test_set.fine)):
            rows.append({"receiver": 1 if task == "coarse" else 2, "task": task, "snr_db": float(snr),
                         "accuracy": (pred == labels).float().mean().item(), "psnr_db": p, "ssim": s,
                         "decoded_fraction": ok.float().mean().item(), "capacity_bits": budget})
    return rows


class _Classifier(nn.Module):
    """The exported form: image [B, C, H, W] in [0, 1] -> (fine logits, coarse logits)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        return self.model(image)


def export_classifier(train_set, test_set, out_dir="models", cache="checkpoints/separate/classifier.pt",
                      channel_uses=128, command="", images=1000):
    """Writes NAME.pt (TorchScript, traced) and NAME.json (docs/model-manifest.md) for the clean-image
    classifier of the separate baseline (trained once and cached at `cache`, as evaluate() uses it),
    with its test-set accuracy on the first `images` test images; reloads the file and checks that
    it reproduces them. Returns the manifest."""
    from . import export
    name = "separate_classifier"
    clf = classifier(train_set, cache).eval()
    module = _Classifier(clf).eval()
    x = test_set.images[:images]
    with torch.no_grad():
        lf, lc = module(x)
    acc_f = (lf.argmax(1) == test_set.fine[:images]).float().mean().item()
    acc_c = (lc.argmax(1) == test_set.coarse[:images]).float().mean().item()
    os.makedirs(out_dir, exist_ok=True)
    shape = train_set.image_shape
    from .schemes.base import Tensor, Transmit
    # the receiver's classifier of the separate scheme: its input is the decoded image, not symbols
    manifest = export.manifest(
        name, "separate", "decoder", Transmit("separate", 1, "none", []),
        [Tensor("image", [-1] + shape, "image")],
        [Tensor("fine_logits", [-1, train_set.num_fine], "logits", task="fine"),
         Tensor("coarse_logits", [-1, train_set.num_coarse], "logits", task="coarse")],
        channel_uses, tasks=["fine", "coarse"],
        metrics={"images": int(len(x)), "accuracy_fine_clean": acc_f, "accuracy_coarse_clean": acc_c},
        command=command, **export.dataset_fields(train_set))
    manifest = export.write(module, (test_set.images[:2],), os.path.join(out_dir, name + ".pt"), manifest)
    loaded, _ = export.load_exported(os.path.join(out_dir, name + ".pt"))
    with torch.no_grad():
        lf2, lc2 = loaded(x)
    again = (lf2.argmax(1) == test_set.fine[:images]).float().mean().item()
    if abs(again - acc_f) > 1e-6:
        raise RuntimeError(f"{name}: reloaded classifier gives {again}, exported {acc_f}")
    return manifest


def main(argv=None):
    import argparse
    import shlex
    import sys
    from . import data
    ap = argparse.ArgumentParser(prog="python3 -m semcom_train.separate",
                                 description="Separate source-channel coding baseline: export its classifier")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ep = sub.add_parser("export-classifier", help="the clean-image classifier as TorchScript + manifest")
    ep.add_argument("--out", default="models", help="folder for separate_classifier.{pt,json}")
    ep.add_argument("--cache", default=os.path.join(os.environ.get("SEMCOM_CHECKPOINTS", "checkpoints"),
                                                    "separate", "classifier.pt"),
                    help="the cached classifier state dict (trained here if absent)")
    ep.add_argument("--dataset", default="fashion-mnist")
    ep.add_argument("--data-root", default=None)
    ep.add_argument("--channel-uses", type=int, default=128)
    ep.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    train_set = data.load(args.dataset, "train", args.data_root)
    test = data.load(args.dataset, "test", args.data_root)
    command = "/usr/bin/python3 -m semcom_train.separate " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    m = export_classifier(train_set, test, args.out, args.cache, args.channel_uses, command)
    print(f"wrote {os.path.join(args.out, m['file'])}  {m['metrics']}")


if __name__ == "__main__":
    main()

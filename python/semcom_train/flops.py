#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The arithmetic of a model, counted at the ATen dispatcher while it runs (TorchScript files and
eager modules alike; torch 1.13's profiler `with_flops` misses convolutions).

Counted: 2 FLOPs per multiply-accumulate of every convolution (transposed ones too) and matrix
product (mm, addmm, bmm; linear layers and matmul arrive as these). Element-wise work
(activations, normalisation, the modulators' arg-max) is left out: on these networks it is a few
per cent of the count.

    python3 -m semcom_train.flops models/deepscm_conv_rx2.json [--layers]
"""

import argparse
import json
import math
import os
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

_CONV = {"aten._convolution", "aten.convolution"}


def _op_flops(name, args, out):
    """FLOPs of one ATen call, or None when it is not counted."""
    if name in _CONV:
        x, w, transposed = args[0], args[1], bool(args[6])
        per_output = w.shape[1] * math.prod(w.shape[2:])
        # a transposed convolution spreads every input element over w.shape[1] x kernel outputs
        return 2 * (x.numel() if transposed else out.numel()) * per_output
    if name == "aten.mm":
        return 2 * args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
    if name == "aten.addmm":
        return 2 * args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
    if name == "aten.bmm":
        return 2 * args[0].shape[0] * args[0].shape[1] * args[0].shape[2] * args[1].shape[2]
    return None


class _Counter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.calls = []  # (op name, output shape, flops) in call order

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = str(func.overloadpacket)
        flops = _op_flops(name, args, out)
        if flops is not None:
            op = "conv_transpose" if name in _CONV and bool(args[6]) else name.replace("aten.", "").lstrip("_")
            self.calls.append((op, tuple(out.shape), flops))
        return out


def count(model, inputs):
    """(total FLOPs, [(op, output shape, FLOPs), ...]) of one call model(*inputs)."""
    counter = _Counter()
    with torch.no_grad(), counter:
        model(*inputs)
    return sum(c[2] for c in counter.calls), counter.calls


def example_inputs(manifest, batch=1):
    """Inputs of the manifest's shapes (an SNR of 10 dB for SNR inputs)."""
    out = []
    for spec in manifest["inputs"]:
        shape = [batch] + list(spec["shape"][1:])
        if spec.get("dtype") == "int64":
            out.append(torch.zeros(shape, dtype=torch.int64))
        elif spec.get("role") == "snr_db":
            out.append(torch.full(shape, 10.0))
        else:
            out.append(torch.rand(shape))
    return out


def per_image(manifest_path, batch=4):
    """FLOPs per item (image or frame) of an exported model, and its calls with their FLOPs per
    item (run at `batch`)."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    pt = os.path.join(os.path.dirname(os.path.abspath(manifest_path)), manifest["file"])
    model = torch.jit.load(pt).eval()
    total, calls = count(model, example_inputs(manifest, batch))
    return total / batch, [(op, shape, f / batch) for op, shape, f in calls]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifests", nargs="+", help="model manifests (MODEL.json beside MODEL.pt)")
    ap.add_argument("--layers", action="store_true", help="list every counted call (where the arithmetic goes)")
    ap.add_argument("--json", action="store_true", help="one JSON line per model")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    for path in args.manifests:
        if not os.path.exists(path):
            raise SystemExit(f"semcom_train.flops: {path}: no such manifest")
        flops, calls = per_image(path)
        if args.json:
            print(json.dumps({"model": path, "mflop_per_item": flops / 1e6}))
            continue
        print(f"{path}: {flops / 1e6:.2f} MFLOP per image" + (" (output shapes at batch 4)" if args.layers else ""))
        if args.layers:
            for op, shape, f in calls:
                print(f"  {op:<12} out {str(list(shape)):<22} {f / 1e6:8.3f} MFLOP  {100 * f / flops:5.1f} %")


if __name__ == "__main__":
    sys.exit(main())

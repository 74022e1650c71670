#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Neural runtime benchmark: the same TorchScript file through semcom-neural (C++), through
torch.jit in Python, and the eager PyTorch module (weights taken from the TorchScript file),
at batch 1, 8 and 64, one intra-op thread each, measured in one run; prints images per second,
latency, the ratios, the channel-symbol rate each sustains in real time (n per image), and the
arithmetic per image (semcom_train.flops) with the rate the C++ runtime does it at.

    /usr/bin/python3 scripts/bench_neural.py [--build-dir build] [--models models] [--name deepscm_conv]
"""

import argparse
import json
import os
import subprocess
import sys
import time

# One thread everywhere, set before torch loads: torch.set_num_threads alone left OpenMP kernels
# with two threads here, which made Python look faster than it is on one.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))


def timed(fn, inputs, seconds=1.0):
    with torch.no_grad():
        for _ in range(3):
            fn(*inputs)
        times, start = [], time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            fn(*inputs)
            times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def eager_modules(cfg, manifests):
    """The eager modules of the exported files: the training classes, weights from TorchScript."""
    from semcom_train import data, schemes
    ds = data.fashion_mnist("test").subset(4)
    scheme = schemes.get(cfg.scheme)
    model = scheme.build(cfg, ds).eval()
    modules = {m.suffix: m.module for m in scheme.export_modules(model, cfg, ds)}
    out = {}
    for role, man in manifests.items():
        ts = torch.jit.load(man["path"])
        module = modules[role]
        weights = ts.state_dict()
        try:
            module.load_state_dict(weights)
        except RuntimeError:
            module = student_of(module, weights, man)
        out[role] = module.eval()
    return out


def student_of(trained, weights, manifest):
    """The eager class of a receiver distilled into a sub-pixel decoder (scripts/finetune_decoders.py
    --student subpixel, models/README.md), sized from its weights: the training config builds the
    receiver the student replaced."""
    from semcom_train import layers
    if not isinstance(trained, layers.Decoder) or trained.grid is None or "up.0.weight" not in weights:
        raise SystemExit(f"bench_neural.py: the weights of {manifest['path']} fit neither the config's "
                         "module nor a sub-pixel student")
    module = layers.Decoder(manifest["channel_uses"], weights["classifier.2.weight"].shape[0], trained.out_shape,
                            weights["up.0.weight"].shape[0], weights["trunk.0.weight"].shape[0], trained.grid,
                            upsampling="subpixel")
    try:
        module.load_state_dict(weights)
    except RuntimeError as e:
        raise SystemExit(f"bench_neural.py: the weights of {manifest['path']} fit neither the config's module "
                         f"nor a sub-pixel student ({str(e).splitlines()[0]})")
    return module


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default="build")
    p.add_argument("--models", default="models")
    p.add_argument("--name", default="deepscm_conv", help="model prefix in --models (default deepscm_conv)")
    p.add_argument("--config", default=None, help="training config (default python/configs/NAME.yaml, "
                                                  "deepscm.yaml for deepscm_4qam16qam)")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64])
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    torch.set_num_threads(1)
    bench = os.path.join(a.build_dir, "lib", "neural", "semcom-neural-bench")
    manifests = {}
    for role in ("encoder", "rx1", "rx2"):
        path = os.path.join(a.models, f"{a.name}_{role}.json")
        if os.path.exists(path):
            with open(path) as f:
                manifests[role] = dict(json.load(f), path=os.path.join(a.models, f"{a.name}_{role}.pt"), json=path)
    if not manifests:
        raise SystemExit(f"bench_neural: no {a.models}/{a.name}_*.json (train and export first)")
    configs = os.path.join(HERE, "..", "python", "configs")
    cfg_path = a.config or os.path.join(configs, f"{a.name}.yaml")
    from semcom_train import config
    cfg = config.load(cfg_path)
    eager = eager_modules(cfg, manifests)
    n = manifests["encoder"]["channel_uses"]
    from semcom_train import flops
    mflop = {role: flops.per_image(man["json"])[0] / 1e6 for role, man in manifests.items()}
    print(f"{a.name}: 1 intra-op thread, device {a.device}; items = images (encoder) or frames (decoders); "
          f"arithmetic per item (semcom_train.flops): "
          + ", ".join(f"{role} {v:.2f} MFLOP" for role, v in mflop.items()))
    print(f"{'model':<9} {'batch':>5} {'C++ img/s':>10} {'C++ ms':>8} {'jit img/s':>10} {'eager img/s':>11}"
          f" {'C++/jit':>8} {'C++/eager':>9} {'real-time ksym/s (C++)':>23} {'C++ GFLOP/s':>12}")
    for role, man in manifests.items():
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        lines = subprocess.run([bench, man["json"], a.device] + [str(b) for b in a.batches],
                               capture_output=True, text=True, check=True, env=env).stdout.splitlines()
        cxx = {r["batch"]: r for r in map(json.loads, lines)}
        ts = torch.jit.load(man["path"])
        for b in a.batches:
            inputs = [torch.rand([b] + spec["shape"][1:]) for spec in man["inputs"]]
            t_jit = timed(ts, inputs)
            t_eager = timed(eager[role], inputs)
            c = cxx[b]
            print(f"{role:<9} {b:>5} {c['items_per_s']:>10.0f} {c['latency_ms']:>8.3f} {b / t_jit:>10.0f} "
                  f"{b / t_eager:>11.0f} {c['items_per_s'] * t_jit / b:>7.2f}x {c['items_per_s'] * t_eager / b:>8.2f}x"
                  f" {c['items_per_s'] * n / 1e3:>23.0f} {c['items_per_s'] * mflop[role] / 1e3:>12.1f}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""DeepSCM against the CM baselines where the two receivers' needs conflict (issue #16, item 1).

Rx1 (coarse task + image) at AWGN -5 dB, Rx2 (fine task + image) at 5, 10 or 20 dB (SNR
disparities of 10, 15 and 25 dB, the paper's Fig. 7 axis), n = 32 channel uses (a quarter of the
shipped models' 128, so that the receivers compete for them), 4QAM x 16QAM at alpha 16/21. At every
setting: DeepSCM with our recipe, DeepSCM with the paper's, CM trained jointly, and the
single-receiver CM bounds (CM trained for Rx1 alone at -5 dB, for Rx2 alone at its SNR).

Recipes (12 epochs each, the same budget for every model):
  deepscm        ours: inner 3, outer 3, joint 2, joint with the closed-form LMMSE decorrelator 3,
                 decoders 1; Adam 1e-3 (3e-4 from the joint stages), constant.
  deepscm_paper  the paper's (Table III, sec. IV): stages 1 : 2 : 1 (3, 6, 3 epochs), cosine within
                 each, the third at a quarter of the rate (5e-5 / 2e-4), the probability layers at 60x
                 the rate, the decorrelator learned (no closed form), lambda 200 / 120, beta 2. The
                 paper's absolute rate (2e-4) is scaled to 1e-3: in 2 epochs at 2e-4 the inner
                 stage's loss was 22-24 against 12-13 at 1e-3, and 12 epochs cannot make that up.
  cm_joint       CM trained jointly: 8 epochs, 3 at 3e-4, 1 of the decoders (as cm_joint_conv).
  cm_rx1/cm_rx2  the bounds: CM trained for one receiver alone, the same 12 epochs.

The models are the conv family at width 16, trained on a fixed 20 000-image subset (about 6 CPU
minutes each on one thread). Everything is evaluated on the whole test set with the same noise
(seed 0): per-image PSNR and correctness, stored beside each model, so every comparison is paired.

  scripts/deepscm_conflict.py train [--seeds 1] [--settings d25 d15 d10] [--lanes 2] [--no-bounds]
  scripts/deepscm_conflict.py evaluate
  scripts/deepscm_conflict.py summary [--out results/deepscm_conflict]

train is resumable (each run resumes from its checkpoint; finished runs are skipped); models go
to $SEMCOM_CHECKPOINTS/deepscm_conflict (default checkpoints/deepscm_conflict).
"""

import argparse
import copy
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

PY = "/usr/bin/python3"
RX1_SNR = -5.0
N = 32
SETTINGS = {"d25": 20.0, "d15": 10.0, "d10": 5.0}  # disparity name -> Rx2 SNR (Rx1 at -5 dB)
COMMON = {"channel_uses": N, "width": 16, "train_images": 20000}

OURS = [
    {"name": "inner", "epochs": 3, "active_layers": 1, "loss": [1], "train": ["encoders.0", "modulators.0", "decoders.0"]},
    {"name": "outer", "epochs": 3, "loss": [2], "train": ["encoders.1", "modulators.1", "decorrelators", "decoders.1"]},
    {"name": "joint", "epochs": 2, "loss": [1, 2], "train": "all", "lr": 0.0003},
    {"name": "joint-lmmse", "epochs": 3, "loss": [1, 2], "train": "all", "lr": 0.0003, "refit_decorrelators": True},
    {"name": "decoders", "epochs": 1, "loss": [1, 2], "train": ["decoders.0", "decoders.1"], "lr": 0.0003,
     "refit_decorrelators": True},
]
PAPER = [
    {"name": "inner", "epochs": 3, "active_layers": 1, "loss": [1], "train": ["encoders.0", "modulators.0", "decoders.0"]},
    {"name": "outer", "epochs": 6, "loss": [2], "train": ["encoders.1", "modulators.1", "decorrelators", "decoders.1"]},
    {"name": "joint", "epochs": 3, "loss": [1, 2], "train": "all", "lr": 0.00025},
]


def cm_stages(loss, label):
    decoders = [f"decoders.{r - 1}" for r in loss]
    return [{"name": label, "epochs": 8, "loss": loss, "train": "all"},
            {"name": f"{label}-lowlr", "epochs": 3, "loss": loss, "train": "all", "lr": 0.0003},
            {"name": "decoders", "epochs": 1, "loss": loss, "train": decoders, "lr": 0.0003}]


def snr_tag(snr):
    return f"{'m' if snr < 0 else ''}{abs(snr):g}dB"


def runs(settings, seeds, bounds=True):
    """{name: config dict} of every model the settings and seeds need (the bounds once per SNR
    and seed, unless bounds is False)."""
    from semcom_train import config
    deepscm = config.load(os.path.join(ROOT, "python/configs/deepscm_conv.yaml")).to_dict()
    cm = config.load(os.path.join(ROOT, "python/configs/cm_joint_conv.yaml")).to_dict()
    out = {}

    def add(name, base, rx2_snr, seed, **changes):
        cfg = copy.deepcopy(base)
        cfg.update(COMMON, name=name, seed=seed, **changes)
        cfg["receivers"][0]["snr_db"] = RX1_SNR
        cfg["receivers"][1]["snr_db"] = rx2_snr
        out[name] = cfg

    for seed in seeds:
        for setting in settings:
            rx2 = SETTINGS[setting]
            add(f"{setting}_cm_joint_s{seed}", cm, rx2, seed, stages=cm_stages([1, 2], "joint"))
            add(f"{setting}_deepscm_s{seed}", deepscm, rx2, seed, stages=OURS)
            add(f"{setting}_deepscm_paper_s{seed}", deepscm, rx2, seed, stages=PAPER, lr_schedule="cosine",
                modulator_lr_scale=60.0)
            if bounds:
                add(f"cm_rx2_{snr_tag(rx2)}_s{seed}", cm, rx2, seed, stages=cm_stages([2], "rx2"))
        if bounds:
            add(f"cm_rx1_{snr_tag(RX1_SNR)}_s{seed}", cm, SETTINGS[settings[0]], seed, stages=cm_stages([1], "rx1"))
    return out


def checkpoints():
    return os.path.join(os.environ.get("SEMCOM_CHECKPOINTS", os.path.join(ROOT, "checkpoints")), "deepscm_conflict")


def cmd_train(args):
    import yaml
    todo = runs(args.settings, args.seeds, not args.no_bounds)
    base = checkpoints()
    os.makedirs(base, exist_ok=True)
    queue = []
    for name, cfg in todo.items():
        if os.path.exists(os.path.join(base, name, "weights.pt")):
            continue
        path = os.path.join(base, f"{name}.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f, sort_keys=False)
        queue.append(name)
    print(f"deepscm_conflict: {len(todo) - len(queue)} of {len(todo)} models trained, {len(queue)} to go "
          f"in {args.lanes} lanes (logs: {base}/NAME.log)", flush=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    running, failed, t0 = {}, [], time.time()
    while queue or running:
        while queue and len(running) < args.lanes:
            name = queue.pop(0)
            log = open(os.path.join(base, f"{name}.log"), "a")
            running[name] = (subprocess.Popen(
                [PY, "-m", "semcom_train", "train", "--config", os.path.join(base, f"{name}.yaml"),
                 "--out", os.path.join(base, name), "--threads", "1"],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT), log)
            print(f"[{(time.time() - t0) / 60:5.1f} min] start {name}", flush=True)
        time.sleep(5)
        for name, (proc, log) in list(running.items()):
            if proc.poll() is not None:
                log.close()
                del running[name]
                status = "done" if proc.returncode == 0 else f"FAILED (exit {proc.returncode}, see its log)"
                if proc.returncode:
                    failed.append(name)
                print(f"[{(time.time() - t0) / 60:5.1f} min] {status} {name}", flush=True)
    if failed:
        raise SystemExit(f"deepscm_conflict: {len(failed)} runs failed: {', '.join(failed)}")


def evaluations(model_dir, images):
    """Per-image PSNR and correctness of every receiver the model trained, at its training SNR, on
    the first `images` test images with noise seed 0 (cached in MODEL/eval.pt)."""
    import torch
    from semcom_train import data, train
    cache = os.path.join(model_dir, "eval.pt")
    weights = os.path.join(model_dir, "weights.pt")
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(weights):
        stored = torch.load(cache)
        if stored["images"] == images:
            return stored["rx"]
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from paired_psnr import received_psnr
    test = data.fashion_mnist("test").subset(images)
    model, cfg, _ = train.load_trained(None, model_dir, test)
    trained = sorted({r for st in cfg.stages for r in st.loss})
    out = {}
    for rx in trained:
        snr = cfg.receivers[rx - 1].snr_db
        psnr, ok = received_psnr(model, cfg, test, rx, snr, seed=0)
        out[rx] = {"snr_db": snr, "psnr": psnr.float(), "correct": ok.bool()}
    torch.save({"images": images, "rx": out}, cache)
    return out


def cmd_evaluate(args):
    import torch
    torch.set_num_threads(args.threads)
    base = checkpoints()
    names = sorted(d for d in os.listdir(base) if os.path.exists(os.path.join(base, d, "weights.pt")))
    if not names:
        raise SystemExit(f"deepscm_conflict: no trained model in {base} (run train first)")
    for name in names:
        ev = evaluations(os.path.join(base, name), args.images)
        print(name, "  ".join(f"Rx{rx} {e['snr_db']:g} dB: {100 * e['correct'].double().mean():.2f} % "
                              f"{e['psnr'].double().mean():.2f} dB" for rx, e in ev.items()), flush=True)
        if name.startswith("cm_rx1_"):
            at = inner_layer_sinr(os.path.join(base, name), args.images)
            print(f"{name} at Rx1's SINR on DeepSCM's inner layer ({at['snr_db']:.2f} dB): "
                  f"{at['accuracy']:.2f} % {at['psnr']:.2f} dB", flush=True)


def inner_layer_sinr(model_dir, images):
    """The Rx1 bound (CM trained for Rx1 alone) at the SINR Rx1 has on DeepSCM's inner layer when
    the outer layer is its interference: alpha1 / (alpha2 + 1 / snr). Cached in MODEL/sinr.json."""
    import torch
    from semcom_train import data, train
    cache = os.path.join(model_dir, "sinr.json")
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(os.path.join(model_dir, "weights.pt")):
        with open(cache) as f:
            stored = json.load(f)
        if stored["images"] == images:
            return stored
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from paired_psnr import received_psnr
    test = data.fashion_mnist("test").subset(images)
    model, cfg, _ = train.load_trained(None, model_dir, test)
    a1, a2 = (float(a) for a in cfg.alphas)
    sinr = 10 * math.log10(a1 / (a2 + 10 ** (-cfg.receivers[0].snr_db / 10)))
    psnr, ok = received_psnr(model, cfg, test, 1, sinr, seed=0)
    out = {"images": images, "snr_db": sinr, "psnr": psnr.mean().item(), "accuracy": 100 * ok.mean().item()}
    with open(cache, "w") as f:
        json.dump(out, f)
    return out


def parse(name):
    """(setting or None, recipe, seed) of a run name."""
    stem, seed = name.rsplit("_s", 1)
    for setting in SETTINGS:
        if stem.startswith(setting + "_"):
            return setting, stem[len(setting) + 1:], int(seed)
    return None, stem, int(seed)


def cmd_summary(args):
    import torch
    from semcom_train import stats
    base = checkpoints()
    evs = {}
    for d in sorted(os.listdir(base)):
        if os.path.exists(os.path.join(base, d, "eval.pt")):
            evs[d] = torch.load(os.path.join(base, d, "eval.pt"))["rx"]
    if not evs:
        raise SystemExit(f"deepscm_conflict: nothing evaluated in {base} (run evaluate first)")
    # value[(setting, recipe, rx, metric)][seed]; the bounds are filed under every setting they serve
    value, per_image = {}, {}
    for name, ev in evs.items():
        setting, recipe, seed = parse(name)
        for rx, e in ev.items():
            if setting is None:  # a bound: cm_rx1_m5dB or cm_rx2_20dB
                targets = [s for s, snr in SETTINGS.items() if rx == 1 or snr == e["snr_db"]]
                recipe = f"cm_rx{rx}"
            else:
                targets = [setting]
            for s in targets:
                per_image[(s, recipe, rx, seed)] = e["psnr"].double()
                value.setdefault((s, recipe, rx, "psnr"), {})[seed] = e["psnr"].double().mean().item()
                value.setdefault((s, recipe, rx, "acc"), {})[seed] = 100 * e["correct"].double().mean().item()
    os.makedirs(args.out, exist_ok=True)
    recipes = ["deepscm", "deepscm_paper", "cm_joint", "cm_rx1", "cm_rx2"]
    lines = ["# DeepSCM where the receivers conflict (n = 32, Rx1 −5 dB coarse, Rx2 fine)", "",
             "Generated by `scripts/deepscm_conflict.py summary` from the models of `train` (whole test "
             "set, noise seed 0, each receiver at its training SNR). Mean over seeds ± the 95 % t "
             "interval's half-width (one seed: no interval).", ""]

    def fmt(d, digits=2):
        if not d:
            return "—"
        m, _ = stats.mean_std(list(d.values()))
        if len(d) == 1:
            return f"{m:.{digits}f}"
        s = stats.mean_std(list(d.values()))[1]
        half = stats.T975.get(len(d) - 1, 1.96) * s / math.sqrt(len(d))
        return f"{m:.{digits}f} ± {half:.{digits}f}"

    def diff(setting, a, b, rx):
        p = stats.paired(value.get((setting, a, rx, "psnr"), {}), value.get((setting, b, rx, "psnr"), {}))
        if not p:
            return "—"
        if p["seeds"] == 1:
            return f"{p['mean']:+.2f} (1 seed)"
        return f"{p['mean']:+.2f} [{p['mean'] - p['half']:+.2f}, {p['mean'] + p['half']:+.2f}] ({p['seeds']} seeds)"

    lines += ["## Overview: PSNR differences in dB (paired; [95 % t interval over seeds])", "",
              "The conflict is what serving both receivers costs CM against serving one (CM joint − "
              "the single-receiver bound). DeepSCM's layered code is one of CM's codes (the inner and "
              "outer levels of a 64QAM point), so at a receiver it can beat CM joint by at most the "
              "conflict, unless it trains better than CM does for that receiver alone.", "",
              "| disparity | conflict Rx1 | conflict Rx2 | DeepSCM − CM joint, Rx1 | Rx2 | "
              "DeepSCM (paper's recipe) − CM joint, Rx1 | Rx2 |", "|---|---|---|---|---|---|---|"]
    for setting, rx2 in SETTINGS.items():
        lines.append(f"| {rx2 - RX1_SNR:g} dB (Rx2 {rx2:g} dB) | {diff(setting, 'cm_joint', 'cm_rx1', 1)} | "
                     f"{diff(setting, 'cm_joint', 'cm_rx2', 2)} | {diff(setting, 'deepscm', 'cm_joint', 1)} | "
                     f"{diff(setting, 'deepscm', 'cm_joint', 2)} | {diff(setting, 'deepscm_paper', 'cm_joint', 1)} | "
                     f"{diff(setting, 'deepscm_paper', 'cm_joint', 2)} |")
    lines.append("")
    for d in sorted(os.listdir(base)):
        if d.startswith("cm_rx1_") and os.path.exists(os.path.join(base, d, "sinr.json")):
            with open(os.path.join(base, d, "sinr.json")) as f:
                at = json.load(f)
            lines += [f"Rx1's interference: on DeepSCM's inner layer (α1 = 16/21 of the power, the outer layer's "
                      f"α2 as noise) Rx1 at −5 dB has an SINR of {at['snr_db']:.2f} dB. The Rx1 bound `{d}` "
                      f"there: {at['accuracy']:.2f} % / {at['psnr']:.2f} dB (at −5 dB: "
                      f"{value[(next(iter(SETTINGS)), 'cm_rx1', 1, 'acc')][parse(d)[2]]:.2f} % / "
                      f"{value[(next(iter(SETTINGS)), 'cm_rx1', 1, 'psnr')][parse(d)[2]]:.2f} dB).", ""]
    rows = []
    for setting, rx2 in SETTINGS.items():
        present = [r for r in recipes if (setting, r, 1, "psnr") in value or (setting, r, 2, "psnr") in value]
        if not present:
            continue
        lines += [f"## Rx2 at {rx2:g} dB (disparity {rx2 - RX1_SNR:g} dB)", "",
                  "| model | seeds | Rx1 coarse acc. (%) | Rx1 PSNR (dB) | Rx2 fine acc. (%) | Rx2 PSNR (dB) |",
                  "|---|---|---|---|---|---|"]
        for r in present:
            seeds = max(len(value.get((setting, r, rx, "psnr"), {})) for rx in (1, 2))
            cells = [fmt(value.get((setting, r, rx, m), {})) for rx in (1, 2) for m in ("acc", "psnr")]
            lines.append(f"| {r} | {seeds} | " + " | ".join(cells) + " |")
            for rx in (1, 2):
                for m in ("acc", "psnr"):
                    for seed, v in value.get((setting, r, rx, m), {}).items():
                        rows.append({"setting": setting, "rx2_snr_db": rx2, "model": r, "seed": seed,
                                     "rx": rx, "metric": m, "value": round(v, 4)})
        lines += ["", "Paired differences (A − B, same images and noise): per seed the mean per-image "
                  "PSNR difference with its 95 % interval; over seeds the t interval of the per-seed means.", "",
                  "| A − B | receiver | per seed | over seeds (dB) | accuracy A − B (points) |", "|---|---|---|---|---|"]
        for a, b, rx in (("deepscm", "cm_joint", 2), ("deepscm_paper", "cm_joint", 2), ("deepscm", "cm_joint", 1),
                         ("deepscm_paper", "cm_joint", 1), ("cm_joint", "cm_rx2", 2), ("cm_joint", "cm_rx1", 1),
                         ("deepscm", "cm_rx2", 2), ("deepscm", "cm_rx1", 1), ("deepscm_paper", "cm_rx2", 2),
                         ("deepscm_paper", "cm_rx1", 1), ("deepscm_paper", "deepscm", 2), ("deepscm_paper", "deepscm", 1)):
            seeds = sorted(s for (st, r, x, s) in per_image if st == setting and r == a and x == rx
                           and (setting, b, rx, s) in per_image)
            if not seeds:
                continue
            cells = []
            for s in seeds:
                d = per_image[(setting, a, rx, s)] - per_image[(setting, b, rx, s)]
                half = 1.96 * d.std().item() / math.sqrt(len(d))
                cells.append(f"s{s}: {d.mean():+.2f} ({d.mean() - half:+.2f} … {d.mean() + half:+.2f})")
            over = stats.paired(value[(setting, a, rx, "psnr")], value[(setting, b, rx, "psnr")])
            acc = stats.paired(value[(setting, a, rx, "acc")], value[(setting, b, rx, "acc")])
            over_s = (f"{over['mean']:+.2f} ({over['mean'] - over['half']:+.2f} … {over['mean'] + over['half']:+.2f})"
                      if over["seeds"] > 1 else f"{over['mean']:+.2f} (one seed)")
            lines.append(f"| {a} − {b} | Rx{rx} | {'; '.join(cells)} | {over_s} | {acc['mean']:+.2f} |")
        lines.append("")
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "values.json"), "w") as f:
        json.dump(rows, f, indent=0)
    plot(value, args.out)
    plot_training(base, args.out)
    print("\n".join(lines))
    print(f"deepscm_conflict: wrote {args.out}/summary.md, values.json, conflict.png and training.png")


def plot(value, out):
    """Rx2 PSNR against CM joint (DeepSCM's two recipes, the Rx2 bound) over the disparity, and the
    same for Rx1."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from semcom_train import stats
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, rx in zip(axes, (2, 1)):
        for r, style in (("deepscm", "o-"), ("deepscm_paper", "s--"), (f"cm_rx{rx}", "^:")):
            xs, ys, es = [], [], []
            for setting, rx2 in SETTINGS.items():
                p = stats.paired(value.get((setting, r, rx, "psnr"), {}), value.get((setting, "cm_joint", rx, "psnr"), {}))
                if p:
                    xs.append(rx2 - RX1_SNR)
                    ys.append(p["mean"])
                    es.append(0.0 if math.isnan(p["half"]) else p["half"])
            if xs:
                ax.errorbar(xs, ys, yerr=es, fmt=style, capsize=3,
                            label={"deepscm": "DeepSCM (ours)", "deepscm_paper": "DeepSCM (paper's recipe)"}.get(
                                r, f"CM for Rx{rx} alone (bound)"))
        ax.axhline(0.0, color="gray", lw=0.8)
        ax.set_xlabel("SNR disparity Rx2 − Rx1 (dB)")
        ax.set_ylabel(f"Rx{rx} PSNR − CM joint (dB)")
        ax.set_title(f"Rx{rx} ({'fine' if rx == 2 else 'coarse'}), n = {N}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "conflict.png"), dpi=110)


def plot_training(base, out):
    """Each receiver's training PSNR (10 log10 1 / the epoch's mean MSE, on the training SNR) over
    the 12 epochs of every seed-1 run: where DeepSCM's staged schedule leaves each receiver
    behind CM joint's."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    fig, axes = plt.subplots(len(SETTINGS), 2, figsize=(10, 3.2 * len(SETTINGS)), squeeze=False)
    for row, (setting, rx2) in enumerate(SETTINGS.items()):
        for col, rx in enumerate((1, 2)):
            ax = axes[row][col]
            for recipe, style in (("cm_joint", "-"), ("deepscm", "-o"), ("deepscm_paper", "--s"),
                                  (f"cm_rx{rx}", ":")):
                name = f"{setting}_{recipe}_s1" if not recipe.startswith("cm_rx") else \
                    (f"cm_rx1_{snr_tag(RX1_SNR)}_s1" if rx == 1 else f"cm_rx2_{snr_tag(rx2)}_s1")
                path = os.path.join(base, name, "weights.pt")
                if not os.path.exists(path):
                    continue
                history = torch.load(path)["history"]
                xs = [i + 1 for i, h in enumerate(history) if h.get(f"mse{rx}", 0) > 0]
                ys = [10 * math.log10(1 / history[i - 1][f"mse{rx}"]) for i in xs]
                ax.plot(xs, ys, style, ms=3, label=recipe)
            ax.set_title(f"Rx{rx}, Rx2 at {rx2:g} dB", fontsize=9)
            ax.set_xlabel("epoch")
            ax.set_ylabel("training PSNR (dB)")
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "training.png"), dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the grid's models (resumable)")
    t.add_argument("--seeds", type=int, nargs="+", default=[1])
    t.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    t.add_argument("--lanes", type=int, default=2, help="trainings side by side, one thread each (default 2)")
    t.add_argument("--no-bounds", action="store_true", help="leave out the single-receiver CM bounds")
    e = sub.add_parser("evaluate", help="evaluate every trained model (cached)")
    e.add_argument("--images", type=int, default=10000)
    e.add_argument("--threads", type=int, default=1)
    s = sub.add_parser("summary", help="tables, values and the plot")
    s.add_argument("--out", default=os.path.join(ROOT, "results", "deepscm_conflict"))
    args = ap.parse_args()
    if getattr(args, "lanes", 1) < 1:
        raise SystemExit("deepscm_conflict: --lanes must be at least 1")
    {"train": cmd_train, "evaluate": cmd_evaluate, "summary": cmd_summary}[args.cmd](args)


if __name__ == "__main__":
    main()

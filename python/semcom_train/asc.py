#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ASC after training (issue #14; digest §6.2): Grad-CAM importance, the eta(o) point sets and
their fits, the manifest's `asc` object, the check of the exported files, and the result tables.

    PYTHONPATH=python /usr/bin/python3 -m semcom_train.asc analyse --config python/configs/asc.yaml
    PYTHONPATH=python /usr/bin/python3 -m semcom_train export --config python/configs/asc.yaml
    PYTHONPATH=python /usr/bin/python3 -m semcom_train.asc verify --config python/configs/asc.yaml
    PYTHONPATH=python /usr/bin/python3 -m semcom_train.asc summary --runs asc asc_seed2 asc_seed3

`analyse` stores the `asc` object in the checkpoint (weights.pt, the model's extra state), so that
`semcom_train export` writes it into both manifests, and writes results/asc/NAME_*.csv.

- Importance (19): omega_k = mean over images of mean_ij d y^c / d A^k_ij, c the true class, no
  channel noise, over `importance_images` training images (a fixed subset); order = argsort
  ascending (least important first; stable). Stability: Kendall tau between the orders of the two
  halves of that subset.
- eta(o), o = j/K, j = 0..K: test-set accuracy (10 000 images) with the first floor(o*K + 1e-9)
  entries of the order dropped (schemes.asc.keep_mask). Digital: the kept features 8-bit quantised
  per image over the kept features (semcom-core's Quantizer), error-free. Analog: the kept features
  through AWGN at -5, 0, 5 dB (unit power over the kept symbols), `draws` noise draws, averaged.
- Fit eta = z1 e^{z2 o} + z3 e^{z4 o} by least squares (scipy), with the fast term written
  -e^{z2 (o - o_c)} (z1 = -e^{-z2 o_c}): well conditioned where z1 ~ 1e-16; several starts, and
  the same with +e^{z2 (o - o_c)} (a curve that falls early and levels off), the smallest RMSE kept. Reported: the paper's four z and the RMSE of the fit clamped to [0, 1].
"""

import argparse
import csv
import json
import logging
import math
import os

import numpy as np
import torch

from . import config, data, train
from .schemes import asc as scheme_asc

log = logging.getLogger("semcom_train")

ANALOG_SNRS = (-5.0, 0.0, 5.0)
A1_SNRS = (-10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0)
A1_RATIOS = (0.0, 0.65, 0.8)


# --- importance ---


def importance(model, dataset, batch=500):
    """Per-image Grad-CAM weights [N, K] (true class, no noise)."""
    rows = []
    for i in range(0, len(dataset), batch):
        rows.append(scheme_asc.gradcam_batch(model, dataset.images[i:i + batch], dataset.fine[i:i + batch]))
    return torch.cat(rows)


def order_of(omega):
    """Least important first (ascending, stable: ties keep the lower index first)."""
    return [int(i) for i in np.argsort(np.asarray(omega, dtype=np.float64), kind="stable")]


def kendall_tau(a, b):
    from scipy.stats import kendalltau
    return float(kendalltau(np.asarray(a), np.asarray(b)).correlation)


# --- eta points ---


def accuracy(model, s, labels, keep, snr_db=None, bits=8, draws=3, seed=0):
    """Accuracy with mask keep [K]: digital (snr_db None: kept features quantised, error-free) or
    analog at snr_db (mean over draws; noise draw d seeded seed + d, the same for every mask)."""
    with torch.no_grad():
        if snr_db is None:
            r = scheme_asc.quantize_kept(s, keep, bits)
            return (model.receiver(r).argmax(1) == labels).float().mean().item()
        accs = []
        for d in range(draws):
            gen = torch.Generator().manual_seed(seed + d)
            r = scheme_asc.analog_link(s, keep, float(snr_db), gen)[0]
            accs.append((model.receiver(r).argmax(1) == labels).float().mean().item())
        return float(np.mean(accs))


def eta_points(model, s, labels, order, snr_db=None, bits=8, draws=3, seed=0):
    k = len(order)
    pts = []
    for j in range(k + 1):
        o = j / k
        pts.append([o, accuracy(model, s, labels, scheme_asc.keep_mask(order, o), snr_db, bits, draws, seed)])
    return pts


# --- the fit ---


def eta_model(zeta, o):
    z1, z2, z3, z4 = zeta
    o = np.asarray(o, dtype=np.float64)
    return z1 * np.exp(z2 * o) + z3 * np.exp(z4 * o)


def fit_eta(points):
    """Least-squares fit of eta(o) = z1 e^{z2 o} + z3 e^{z4 o}: {'zeta', 'rmse'} (rmse of the fit
    clamped to [0, 1] against the points)."""
    from scipy.optimize import least_squares
    o = np.array([p[0] for p in points], dtype=np.float64)
    eta = np.array([p[1] for p in points], dtype=np.float64)

    def model(p, o, sign):
        z2, oc, z3, z4 = p
        return sign * np.exp(np.clip(z2 * (o - oc), -700, 50)) + z3 * np.exp(z4 * o)

    best = None
    lo, hi = [-300.0, -3.0, -5.0, -30.0], [300.0, 5.0, 5.0, 30.0]
    # sign -1: the paper's shape (flat, then a cliff); +1: a curve that falls early and levels off
    for sign, z2s in ((-1.0, (2.0, 5.0, 10.0, 20.0, 40.0, 80.0)), (1.0, (-2.0, -5.0, -10.0, -20.0))):
        for z2 in z2s:
            for oc in (0.0, 0.5, 0.8, 0.95, 1.0, 1.1, 1.5):
                p0 = [z2, oc, max(float(eta[-1] if sign > 0 else eta[0]), 1e-3), 0.0]
                try:
                    r = least_squares(lambda p: model(p, o, sign) - eta, p0, bounds=(lo, hi), method="trf",
                                      x_scale="jac", max_nfev=2000)
                except (ValueError, FloatingPointError):
                    continue
                cost = float(np.mean(r.fun ** 2))
                if best is None or cost < best[0] - 1e-12:
                    best = (cost, r.x, sign)
    z2, oc, z3, z4 = (float(v) for v in best[1])
    zeta = [best[2] * math.exp(-z2 * oc), z2, z3, z4]
    pred = np.clip(eta_model(zeta, o), 0.0, 1.0)
    return {"zeta": zeta, "rmse": float(np.sqrt(np.mean((pred - eta) ** 2)))}


# --- analyse ---


def analyse(model, cfg, train_set, test, draws=3, seed=0):
    """The manifest's asc object and the extra tables (A1 rows, A3 random-order points, per-class
    importance, stability)."""
    k = model.k
    model.eval()
    sub = train_set.subset(cfg.importance_images, seed=0)
    omega_img = importance(model, sub)
    omega = omega_img.mean(0)
    order = order_of(omega.numpy())
    half = len(sub) // 2
    tau_halves = kendall_tau(omega_img[:half].mean(0).numpy(), omega_img[half:].mean(0).numpy())
    per_class = torch.stack([omega_img[sub.fine == c].mean(0) for c in range(train_set.num_fine)])
    with torch.no_grad():
        s = model.encoder(test.images)
    labels = test.fine
    bits = int(cfg.bits or 8)
    etas = []
    pts = eta_points(model, s, labels, order, None, bits)
    etas.append(dict(path="digital", snr_db=None, **fit_eta(pts), points=pts))
    for snr in ANALOG_SNRS:
        pts = eta_points(model, s, labels, order, snr, bits, draws, seed)
        etas.append(dict(path="analog", snr_db=snr, **fit_eta(pts), points=pts))
    # ablation: a random order (seeded), same noise
    rand_order = [int(i) for i in torch.randperm(k, generator=torch.Generator().manual_seed(1234))]
    random_pts = {"digital": eta_points(model, s, labels, rand_order, None, bits)}
    for snr in ANALOG_SNRS:
        random_pts[snr] = eta_points(model, s, labels, rand_order, snr, bits, draws, seed)
    # ablation of the importance measure (not shipped): |mean omega|, and gradient x activation
    # mean_x |omega_k(x) * 49 * s_k(x)| (first-order change of y^c when feature k is zeroed)
    with torch.no_grad():
        s_sub = torch.cat([model.encoder(sub.images[i:i + 1000]) for i in range(0, len(sub), 1000)])
    variants = {"gradcam": order, "abs": order_of(omega.abs().numpy()),
                "gradxact": order_of((omega_img * 49 * s_sub).abs().mean(0).numpy()), "random": rand_order}
    if cfg.drop_train > 0:  # the order the dropout training used (running Grad-CAM, or fixed: K-1 first)
        variants["training"] = (list(range(k - 1, -1, -1)) if cfg.drop_order == "fixed"
                                else order_of(model.running_importance.numpy()))
    extra_variants = {}
    for vname, vorder in variants.items():
        extra_variants[vname] = {f"{path}@{o}": accuracy(model, s, labels, scheme_asc.keep_mask(vorder, o),
                                                          snr, bits, draws, seed)
                                 for o in (0.5, 0.8) for path, snr in (("digital", None), ("analog0", 0.0))}
    a1 = [{"o": o, "snr_db": snr, "accuracy": accuracy(model, s, labels, scheme_asc.keep_mask(order, o), snr,
                                                         bits, draws, seed)}
          for o in A1_RATIOS for snr in A1_SNRS]
    obj = {"features": k, "bits_per_feature": bits, "importance_method": "gradcam-mean-trueclass",
           "importance": [float(v) for v in omega], "order": order,
           "dropped_rule": "floor(o*K+1e-9) first entries of order",
           "eta": etas}
    extra = {"tau_halves": tau_halves, "per_class": per_class.tolist(), "random_order": rand_order,
             "random_points": random_pts, "a1": a1, "images": len(test), "draws": draws,
             "importance_images": len(sub), "importance_variants": extra_variants}
    if cfg.drop_train > 0:
        extra["tau_running_vs_final"] = kendall_tau(model.running_importance.numpy(), omega.numpy())
    return obj, extra


def write_results(name, obj, extra, results):
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, f"{name}_eta.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "path", "snr_db", "order", "o", "dropped", "accuracy"])
        for e in obj["eta"]:
            rnd = extra["random_points"]["digital" if e["path"] == "digital" else e["snr_db"]]
            for tag, pts in (("importance", e["points"]), ("random", rnd)):
                for o, a in pts:
                    w.writerow([name, e["path"], "" if e["snr_db"] is None else e["snr_db"], tag, f"{o:.6f}",
                                scheme_asc.dropped_count(o, obj["features"]), f"{a:.6f}"])
    with open(os.path.join(results, f"{name}_fit.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "path", "snr_db", "zeta1", "zeta2", "zeta3", "zeta4", "rmse"])
        for e in obj["eta"]:
            w.writerow([name, e["path"], "" if e["snr_db"] is None else e["snr_db"]] +
                       [f"{z:.6g}" for z in e["zeta"]] + [f"{e['rmse']:.6f}"])
    with open(os.path.join(results, f"{name}_snr.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "o", "snr_db", "accuracy"])
        for r in extra["a1"]:
            w.writerow([name, r["o"], r["snr_db"], f"{r['accuracy']:.6f}"])
    with open(os.path.join(results, f"{name}_importance.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["feature", "importance", "rank"] + [f"class{c}" for c in range(len(extra["per_class"]))])
        rank = {f_: r for r, f_ in enumerate(obj["order"])}
        for kk, v in enumerate(obj["importance"]):
            w.writerow([kk, f"{v:.6g}", rank[kk]] + [f"{row[kk]:.6g}" for row in extra["per_class"]])
    summary = summarise(name, obj, extra)
    with open(os.path.join(results, f"{name}_summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    return summary


def _at(points, o):
    return next(a for oo, a in points if abs(oo - o) < 1e-9)


def summarise(name, obj, extra):
    """The numbers the targets ask for (A1-A4) from one run."""
    k = obj["features"]
    o_half, o80 = 32 / k, dropped_count_ratio(0.8, k)
    out = {"name": name, "tau_halves": extra["tau_halves"], "fits": {}, "a3": {}, "a4": {}, "a1": extra["a1"]}
    for e in obj["eta"]:
        key = "digital" if e["path"] == "digital" else f"analog{e['snr_db']:g}"
        rnd = extra["random_points"]["digital" if e["path"] == "digital" else e["snr_db"]]
        out["fits"][key] = {"zeta": e["zeta"], "rmse": e["rmse"], "eta0": e["points"][0][1]}
        out["a3"][key] = {"importance": _at(e["points"], o_half), "random": _at(rnd, o_half)}
        out["a4"][key] = {"o0": e["points"][0][1], "o0.8": _at(e["points"], o80)}
    out["importance_variants"] = extra.get("importance_variants", {})
    if "tau_running_vs_final" in extra:
        out["tau_running_vs_final"] = extra["tau_running_vs_final"]
    return out


def dropped_count_ratio(o, k):
    """The grid point j/K with j = floor(o*K + 1e-9): the ratio actually used for o."""
    return scheme_asc.dropped_count(o, k) / k


# --- verify the exported files ---


def verify(cfg, test, models_dir, draws=3, seed=0):
    """Reloads NAME_encoder.pt and NAME_rx1.pt, recomputes every eta point of the manifest with the
    files (same noise) and returns the largest difference, and checks the asc object."""
    from . import export
    enc, man_e = export.load_exported(os.path.join(models_dir, f"{cfg.name}_encoder.pt"))
    dec, man_d = export.load_exported(os.path.join(models_dir, f"{cfg.name}_rx1.pt"))
    check_asc_object(man_e["asc"])
    if man_e["asc"] != man_d["asc"]:
        raise ValueError("encoder and decoder manifests carry different asc objects")
    obj = man_e["asc"]

    class Files(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.receiver = dec

    files = Files()
    with torch.no_grad():
        s = enc(test.images)
    worst = 0.0
    for e in obj["eta"]:
        pts = eta_points(files, s, test.fine, obj["order"], e["snr_db"], obj["bits_per_feature"], draws, seed)
        worst = max(worst, max(abs(a - b) for (_, a), (_, b) in zip(pts, e["points"])))
    return worst


def check_asc_object(obj):
    """The manifest's asc object is complete and consistent; raises ValueError."""
    need = ("features", "bits_per_feature", "importance_method", "importance", "order", "dropped_rule", "eta")
    for key in need:
        if key not in obj:
            raise ValueError(f"asc object: missing '{key}'")
    k = obj["features"]
    if not isinstance(k, int) or k <= 0:
        raise ValueError("asc.features must be a positive integer")
    if len(obj["importance"]) != k or sorted(obj["order"]) != list(range(k)):
        raise ValueError("asc.importance must have K entries and asc.order be a permutation of 0..K-1")
    imp = obj["importance"]
    if any(imp[a] > imp[b] for a, b in zip(obj["order"], obj["order"][1:])):
        raise ValueError("asc.order is not ascending in importance")
    paths = [(e["path"], e["snr_db"]) for e in obj["eta"]]
    if ("digital", None) not in paths:
        raise ValueError("asc.eta has no digital entry")
    for e in obj["eta"]:
        if len(e["zeta"]) != 4 or not all(math.isfinite(z) for z in e["zeta"]) or not e["rmse"] >= 0:
            raise ValueError(f"asc.eta {e['path']} {e['snr_db']}: zeta needs 4 finite numbers and an rmse")
        if e["path"] not in ("digital", "analog") or (e["path"] == "analog") == (e["snr_db"] is None):
            raise ValueError(f"asc.eta: path {e['path']} with snr_db {e['snr_db']}")
        os_ = [p[0] for p in e["points"]]
        if os_ != sorted(os_) or not all(0 <= p[1] <= 1 for p in e["points"]):
            raise ValueError("asc.eta points must be [o, accuracy] ascending in o with accuracy in [0, 1]")


# --- the tables across runs ---


def summary_tables(runs, results, tag="asc"):
    """Mean ± std over runs (their NAME_summary.json) of the targets' numbers; writes
    TAG_summary.csv and TAG_a1.csv; returns the lines of a markdown table and the A1 values."""
    sums = [json.load(open(os.path.join(results, f"{r}_summary.json"))) for r in runs]
    rows = []

    def ms(vals):
        return float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0

    for key in sums[0]["fits"]:
        eta0 = ms([s["fits"][key]["eta0"] for s in sums])
        rmse = ms([s["fits"][key]["rmse"] for s in sums])
        imp = ms([s["a3"][key]["importance"] for s in sums])
        rnd = ms([s["a3"][key]["random"] for s in sums])
        gain = ms([100 * (s["a3"][key]["importance"] - s["a3"][key]["random"]) for s in sums])
        cost = ms([100 * (s["a4"][key]["o0"] - s["a4"][key]["o0.8"]) for s in sums])
        rows.append({"path": key, "eta0": eta0, "rmse": rmse, "eta_half_importance": imp, "eta_half_random": rnd,
                     "a3_gain_points": gain, "a4_cost_points": cost})
    with open(os.path.join(results, f"{tag}_summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["runs", "path", "eta0_mean", "eta0_std", "rmse_mean", "rmse_std", "eta_o0.5_importance_mean",
                    "eta_o0.5_random_mean", "a3_gain_points_mean", "a3_gain_points_std",
                    "a4_cost_points_mean", "a4_cost_points_std"])
        for r in rows:
            w.writerow([" ".join(runs), r["path"], *map(_f, r["eta0"]), *map(_f, r["rmse"]),
                        _f(r["eta_half_importance"][0]), _f(r["eta_half_random"][0]),
                        *map(_f, r["a3_gain_points"]), *map(_f, r["a4_cost_points"])])
    a1 = {}
    for s in sums:
        for r in s["a1"]:
            a1.setdefault((r["o"], r["snr_db"]), []).append(r["accuracy"])
    with open(os.path.join(results, f"{tag}_a1.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["runs", "o", "snr_db", "accuracy_mean", "accuracy_std"])
        for (o, snr), v in sorted(a1.items()):
            w.writerow([" ".join(runs), o, snr, *map(_f, ms(v))])
    lines = ["| path | η(0) | fit RMSE | η(0.5) importance | η(0.5) random | A3 gain (points) | A4: η(0) − η(0.8) (points) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['path']} | {_pm(r['eta0'], 100)} % | {_pm(r['rmse'], 1, 4)} | "
                     f"{100 * r['eta_half_importance'][0]:.2f} % | {100 * r['eta_half_random'][0]:.2f} % | "
                     f"{_pm(r['a3_gain_points'])} | {_pm(r['a4_cost_points'])} |")
    if all(s.get("importance_variants") for s in sums):
        lines += ["", "| importance order | " + " | ".join(sums[0]["importance_variants"]["gradcam"]) + " |",
                  "|---|" + "---|" * len(sums[0]["importance_variants"]["gradcam"])]
        for v in [v for v in sums[0]["importance_variants"] if all(v in s["importance_variants"] for s in sums)]:
            cells = [_pm(ms([s["importance_variants"][v][key] for s in sums]), 100)
                     for key in sums[0]["importance_variants"][v]]
            lines.append(f"| {v} | " + " | ".join(cells) + " |")
    lines += ["", f"Kendall tau between the two halves' orders: {_pm(ms([s['tau_halves'] for s in sums]), 1, 3)}"]
    if all("tau_running_vs_final" in s for s in sums):
        lines.append("Kendall tau, running (training) order vs final order: "
                     f"{_pm(ms([s['tau_running_vs_final'] for s in sums]), 1, 3)}")
    return lines, a1


def _f(v):
    return f"{v:.6f}"


def _pm(v, scale=1.0, digits=2):
    return f"{scale * v[0]:.{digits}f} ± {scale * v[1]:.{digits}f}"


def plot(runs, results, a1, tcm_csv=None, label="ASC", tag="asc"):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for o in A1_RATIOS:
        snrs = sorted(s for (oo, s) in a1 if oo == o)
        m = [np.mean(a1[(o, s)]) for s in snrs]
        sd = [np.std(a1[(o, s)], ddof=1) if len(a1[(o, s)]) > 1 else 0 for s in snrs]
        ax.errorbar(snrs, m, yerr=sd, marker="o", capsize=3, label=f"{label}, o = {o}")
    for path, style in zip(tcm_csv or [], ("k--s", "k:^", "k-.v")):
        rows = [r for r in csv.DictReader(open(path)) if r["task"] == "fine"]
        rows = [r for r in rows if -10 <= float(r["snr_db"]) <= 20]
        ax.plot([float(r["snr_db"]) for r in rows], [float(r["accuracy"]) for r in rows], style,
                label=f"TCM: WebP at capacity, {os.path.basename(path)[:-4].split('_n')[-1]} symbols")
    ax.set_xlabel("SNR (dB)")
    ax.set_ylabel("fine accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"ASC accuracy vs SNR ({len(runs)} seeds)")
    fig.tight_layout()
    out = [os.path.join(results, f"{tag}_accuracy_vs_snr.png")]
    fig.savefig(out[0], dpi=120)
    plt.close(fig)
    # eta(o) of the first run with its fits
    fig, ax = plt.subplots(figsize=(6, 4))
    obj = json.load(open(os.path.join(results, f"{runs[0]}_summary.json")))
    for row in csv.DictReader(open(os.path.join(results, f"{runs[0]}_fit.csv"))):
        key = row["path"] if row["path"] == "digital" else f"analog {row['snr_db']} dB"
        pts = [(float(r["o"]), float(r["accuracy"])) for r in csv.DictReader(open(os.path.join(results, f"{runs[0]}_eta.csv")))
               if r["path"] == row["path"] and r["snr_db"] == row["snr_db"] and r["order"] == "importance"]
        line = ax.plot([p[0] for p in pts], [p[1] for p in pts], ".", label=key)[0]
        z = [float(row[f"zeta{i}"]) for i in range(1, 5)]
        grid = np.linspace(0, 1, 201)
        ax.plot(grid, np.clip(eta_model(z, grid), 0, 1), "-", color=line.get_color(), lw=1)
    rnd = [(float(r["o"]), float(r["accuracy"])) for r in csv.DictReader(open(os.path.join(results, f"{runs[0]}_eta.csv")))
           if r["path"] == "digital" and r["order"] == "random"]
    ax.plot([p[0] for p in rnd], [p[1] for p in rnd], "x", color="gray", ms=3, label="digital, random order")
    ax.set_xlabel("compression ratio o (fraction of features dropped)")
    ax.set_ylabel("η(o): fine accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"η(o) and fits ({obj['name']})")
    fig.tight_layout()
    out.append(os.path.join(results, f"{tag}_eta.png"))
    fig.savefig(out[1], dpi=120)
    plt.close(fig)
    return out


# --- command line ---


def _load(args):
    from .__main__ import load_config
    cfg = load_config(args.config, args.set)
    ckpt = args.out or os.path.join(os.environ.get("SEMCOM_CHECKPOINTS", "checkpoints"), cfg.name)
    return cfg, ckpt


def cmd_analyse(args):
    cfg, ckpt = _load(args)
    test = data.load(cfg.dataset, "test", cfg.data_root)
    train_set = data.load(cfg.dataset, "train", cfg.data_root)
    model, cfg_trained, history = train.load_trained(cfg, ckpt, test)
    obj, extra = analyse(model, cfg_trained, train_set, test, args.draws)
    model.analysis = obj
    path = os.path.join(ckpt, "weights.pt")
    saved = torch.load(path)
    saved["model"] = model.state_dict()
    torch.save(saved, path + ".tmp")
    os.replace(path + ".tmp", path)
    summary = write_results(cfg.name, obj, extra, args.results)
    print(json.dumps({k: v for k, v in summary.items() if k != "a1"}, indent=1))
    print(f"stored the asc object in {path}; wrote {args.results}/{cfg.name}_*.csv")


def cmd_verify(args):
    cfg, _ = _load(args)
    test = data.load(cfg.dataset, "test", cfg.data_root)
    worst = verify(cfg, test, args.models_dir, args.draws)
    print(f"exported files reproduce every eta point of the manifest: max difference {worst:.2e}")
    if worst > 1e-4:
        raise SystemExit("semcom_train.asc: exported files do not reproduce the manifest's eta points")


def cmd_summary(args):
    lines, a1 = summary_tables(args.runs, args.results, args.tag)
    for p in plot(args.runs, args.results, a1, args.tcm, args.label, args.tag):
        print(f"wrote {p}")
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(prog="semcom_train.asc", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, helptext in (("analyse", cmd_analyse, "importance, eta points and fits; store them for export"),
                                 ("verify", cmd_verify, "the exported files reproduce the manifest's eta points")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--config", required=True)
        c.add_argument("--set", action="append", metavar="KEY=VALUE")
        c.add_argument("--out", help="checkpoint folder (default checkpoints/NAME)")
        c.add_argument("--draws", type=int, default=3, help="noise draws per analog point")
        c.add_argument("--results", default="results/asc")
        c.add_argument("--models-dir", default="models")
        c.add_argument("--threads", type=int, default=None)
        c.set_defaults(func=func)
    s = sub.add_parser("summary", help="mean ± std over runs, CSV and PNG")
    s.add_argument("--runs", nargs="+", required=True, help="run names with results/asc/NAME_summary.json")
    s.add_argument("--results", default="results/asc")
    s.add_argument("--tag", default="asc", help="prefix of the files written (TAG_summary.csv, TAG_a1.csv, TAG_*.png)")
    s.add_argument("--label", default="ASC", help="legend label of the runs")
    s.add_argument("--tcm", nargs="*", default=[], help="separate-coding CSVs to draw as TCM")
    s.set_defaults(func=cmd_summary)
    args = p.parse_args(argv)
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args.func(args)


if __name__ == "__main__":
    main()

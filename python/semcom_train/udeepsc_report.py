#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""U-DeepSC summary and figures from results/udeepsc/grid.csv (semcom_train.udeepsc grid).

Each issue #13 target is computed from the grid, per seed, and printed beside its threshold:
  unified vs single-task (T-DeepSC) at 0..18 dB; symbols per image vs SNR and the loss against
  sending every token; early exit (performance at the LCM exit vs layers used); soft vs hard
  index decisions; learned vs random token choice; the noiseless upper bound.
Normalised performance = metric / the same model's metric at full depth (early exit) or / the
all-tokens metric (selection); for recovery the metric is the PSNR in dB."""

import csv
import math
import os

TASKS = ("image", "fine", "coarse")
METRIC = {"image": "PSNR dB", "fine": "fine accuracy %", "coarse": "coarse accuracy %"}
SCALE = {"image": 1.0, "fine": 100.0, "coarse": 100.0}
TARGET_GAP = {"image": 1.0, "fine": 2.0, "coarse": 1.0}


def load(results):
    path = os.path.join(results, "grid.csv")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: run `python3 -m semcom_train.udeepsc grid` first")
    g = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r["model"], int(r["seed"]), r["task"], float(r["snr_db"]), r["mode"], r["exit"])
            g[key] = {"metric": float(r["metric"]) * SCALE[r["task"]], "symbols": float(r["symbols"]),
                      "layer": float(r["mean_exit_layer"]),
                      "certainty": float(r["certainty"]) if r["certainty"] else None}
    return g


def seeds_of(g, model):
    return sorted({k[1] for k in g if k[0] == model})


def layers_of(g):
    return max(int(k[5]) for k in g if k[5].isdigit())


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def spread(xs):
    """mean and half the range over seeds (the seeds' spread; n = 2 or 3 gives no useful t interval)."""
    if not xs:
        return float("nan"), float("nan")
    if len(xs) < 2:  # one seed: no spread to show
        return xs[0], float("nan")
    return mean(xs), (max(xs) - min(xs)) / 2


def fmt(m, s, d=2):
    return f"{m:.{d}f} ± {s:.{d}f}" if not math.isnan(s) else f"{m:.{d}f}"


def summary(results):
    g = load(results)
    L = layers_of(g)
    last = str(L)
    seeds_u, seeds_s = seeds_of(g, "unified"), seeds_of(g, "single")
    common = sorted(set(seeds_u) & set(seeds_s))
    snrs = sorted({k[3] for k in g if k[4] == "soft"})
    out = ["# U-DeepSC results (issue #13)", "",
           f"From results/udeepsc/grid.csv; unified seeds {seeds_u}, single-task seeds {seeds_s}; values are the "
           "mean over seeds ± half their range; the first N Fashion-MNIST test images (column `images` of the grid), "
           "noise seeded alike for every model (paired).", ""]

    # 0. parameters (Table II analogue)
    ppath = os.path.join(results, "params.csv")
    if os.path.exists(ppath):
        with open(ppath) as f:
            prow = list(csv.DictReader(f))
        seed1 = min(int(r["seed"]) for r in prow)
        uni = [int(r["parameters"]) for r in prow
               if len(r["tasks"].split()) > 1 and int(r["seed"]) == seed1 and "decoderlayers" not in r["run"]]
        single = {r["tasks"]: int(r["parameters"]) for r in prow if len(r["tasks"].split()) == 1 and int(r["seed"]) == seed1}
        out += ["## 0. Parameters (Table II analogue)", "", "| model | stored parameters |", "|---|---|"]
        out += [f"| single-task {t} | {n:,} |" for t, n in sorted(single.items())]
        if uni and single:
            total = sum(single.values())
            out += [f"| single-task total | {total:,} |", f"| unified (all tasks) | {uni[0]:,} |", "",
                    f"Unified / single-task total = **{uni[0] / total:.2f}×** (target ≤ 0.45×).", ""]

    # 1. unified vs single-task
    out += ["## 1. Unified vs single-task (T-DeepSC), soft posteriors, last exit", "",
            "| task | SNR dB | unified | single | unified − single (per seed) | target | met |", "|---|---|---|---|---|---|---|"]
    worst = {}
    for t in TASKS:
        for s in snrs:
            u = [g[k]["metric"] for k in [("unified", sd, t, s, "soft", last) for sd in seeds_u] if k in g]
            v = [g[k]["metric"] for k in [("single", sd, t, s, "soft", last) for sd in seeds_s] if k in g]
            d = [g[("unified", sd, t, s, "soft", last)]["metric"] - g[("single", sd, t, s, "soft", last)]["metric"]
                 for sd in common if ("unified", sd, t, s, "soft", last) in g and ("single", sd, t, s, "soft", last) in g]
            if not u or not v:
                continue
            dm, ds = spread(d)
            met = "" if s < 0 else ("yes" if dm >= -TARGET_GAP[t] else "**no**")
            if s >= 0:
                worst[t] = min(worst.get(t, 1e9), dm)
            out.append(f"| {t} | {s:+.0f} | {fmt(*spread(u))} | {fmt(*spread(v))} | {fmt(dm, ds)} | "
                       f"≥ −{TARGET_GAP[t]:g} (0..18 dB) | {met} |")
    out += ["", "Worst unified − single over 0..18 dB: " +
            ", ".join(f"{t} {worst[t]:+.2f}" for t in worst), ""]

    # 2. symbols per image
    out += ["## 2. Symbols per image (16QAM symbols = indices) and the loss against sending every token", "",
            "| task | " + " | ".join(f"{s:+.0f}" for s in snrs) + " |", "|---|" + "---|" * len(snrs)]
    sym = {}
    for t in TASKS:
        sym[t] = {s: mean([g[k]["symbols"] for k in [("unified", sd, t, s, "soft", last) for sd in seeds_u] if k in g])
                  for s in snrs}
        out.append(f"| {t} | " + " | ".join(f"{sym[t][s]:.0f}" for s in snrs) + " |")
    out.append("")
    for t in TASKS:
        at0 = sym[t].get(0.0, float("nan"))
        hi = mean([sym[t][s] for s in snrs if 12 <= s <= 18])
        fewer = 100 * (1 - hi / at0) if at0 else float("nan")
        losses = []
        for s in snrs:
            if s < 6:
                continue
            for sd in seeds_u:
                a, b = ("unified", sd, t, s, "all", last), ("unified", sd, t, s, "soft", last)
                if a in g and b in g and g[a]["metric"] > 0:
                    losses.append(100 * (1 - g[b]["metric"] / g[a]["metric"]))
        worst_loss = max(losses) if losses else float("nan")
        out.append(f"- {t}: {at0:.0f} symbols at 0 dB, {hi:.1f} at 12–18 dB: **{fewer:.0f} % fewer** (target ≥ 30 %); "
                   f"worst normalised loss against every token at ≥ 6 dB: **{worst_loss:.1f} %** (target ≤ 3 %)")
    ratios = [sym["image"][s] / sym["coarse"][s] for s in snrs if sym["coarse"].get(s)]
    if ratios:
        out.append(f"- recovery / coarse symbols: {min(ratios):.1f}× to {max(ratios):.1f}× (target ≥ 5×)")
    out.append("")

    # 3. early exit
    out += ["## 3. Early exit (LCM), soft posteriors, averaged over 0..18 dB", "",
            "Normalised performance = metric at the exit taken / metric at the last layer (same model, seed, SNR); "
            f"layers = mean exit layer / {L}.", "",
            "| task | rule | layers used | normalised performance |", "|---|---|---|---|"]
    rules = sorted({k[5] for k in g if k[5].startswith("lcm")}, key=lambda r: float(r[3:]))
    best = {}
    for t in TASKS:
        for rule in [str(e) for e in range(1, L + 1)] + rules:
            fr, perf = [], []
            for sd in seeds_u:
                for s in snrs:
                    if s < 0:
                        continue
                    k, f = ("unified", sd, t, s, "soft", rule), ("unified", sd, t, s, "soft", last)
                    if k in g and f in g and g[f]["metric"] > 0:
                        fr.append(g[k]["layer"] / L)
                        perf.append(g[k]["metric"] / g[f]["metric"])
            if not fr:
                continue
            out.append(f"| {t} | {'fixed layer ' + rule if rule.isdigit() else 'LCM δ_e = ' + rule[3:]} | "
                       f"{100 * mean(fr):.0f} % | {100 * mean(perf):.1f} % |")
            if rule.startswith("lcm") and mean(perf) >= 0.97:
                if t not in best or mean(fr) < best[t][0]:
                    best[t] = (mean(fr), mean(perf), rule[3:])
    out.append("")
    for t, target in (("coarse", 60), ("fine", 75), ("image", None)):
        if t in best:
            fr, perf, thr = best[t]
            verdict = "" if target is None else (" (target ≤ %d %%: %s)" % (target, "met" if 100 * fr <= target else "**not met**"))
            out.append(f"- {t}: ≥ 97 % of full depth with {100 * fr:.0f} % of the layers at δ_e = {thr}{verdict}")
        else:
            out.append(f"- {t}: no δ_e reaches 97 % of full depth")
    # exit layer vs SNR at the δ_e nearest 0.9
    if rules:
        rule = min(rules, key=lambda r: abs(float(r[3:]) - 0.9))
        out.append(f"- mean exit layer vs SNR at δ_e = {rule[3:]}: " + "; ".join(
            f"{t} " + " ".join(f"{mean([g[k]['layer'] for k in [('unified', sd, t, s, 'soft', rule) for sd in seeds_u] if k in g]):.2f}"
                               for s in snrs) for t in TASKS) + f" (SNRs {snrs[0]:+.0f}..{snrs[-1]:+.0f} dB)")
    out.append("")

    # 3b. U-DeepSC-Fixed: models trained with fewer decoder layers
    fixed = sorted({k[0] for k in g if k[0].startswith("fixed")}, key=lambda m: int(m[5:]))
    if fixed:
        out += ["## 3b. U-DeepSC-Fixed: trained with fewer decoder layers, against the unified model's exit at that layer",
                "", "Metric at 0..18 dB, soft posteriors, averaged over the SNRs; each model's last layer; "
                f"normalised by the unified {L}-layer model's last exit (same seed, SNR). Seeds: "
                + ", ".join(f"{m} {seeds_of(g, m)}" for m in fixed) + ".", "",
                "| task | depth | U-DeepSC-Fixed (trained at that depth) | unified, its exit at that layer | unified, full depth |",
                "|---|---|---|---|---|"]
        for t in TASKS:
            for m in fixed:
                depth = m[5:]
                own, exit_, full, n_own, n_exit = [], [], [], [], []
                for sd in seeds_of(g, m):
                    for s in snrs:
                        k, e, f = (m, sd, t, s, "soft", depth), ("unified", sd, t, s, "soft", depth), \
                            ("unified", sd, t, s, "soft", last)
                        if s >= 0 and k in g and e in g and f in g and g[f]["metric"] > 0:
                            own.append(g[k]["metric"])
                            exit_.append(g[e]["metric"])
                            full.append(g[f]["metric"])
                            n_own.append(g[k]["metric"] / g[f]["metric"])
                            n_exit.append(g[e]["metric"] / g[f]["metric"])
                if own:
                    out.append(f"| {t} | {depth} | {mean(own):.2f} ({100 * mean(n_own):.1f} %) | "
                               f"{mean(exit_):.2f} ({100 * mean(n_exit):.1f} %) | {mean(full):.2f} |")
        out.append("")

    # 4. soft vs hard
    out += ["## 4. Soft index posteriors vs hard decisions (unified, last exit)", "",
            "| task | SNR dB | soft − hard (per seed) |", "|---|---|---|"]
    for t in TASKS:
        for s in snrs:
            d = [g[("unified", sd, t, s, "soft", last)]["metric"] - g[("unified", sd, t, s, "hard", last)]["metric"]
                 for sd in seeds_u if ("unified", sd, t, s, "hard", last) in g]
            if d:
                out.append(f"| {t} | {s:+.0f} | {fmt(*spread(d))} |")
    out.append("")

    # 5. learned vs random tokens, upper bound
    out += ["## 5. Learned vs random tokens at the same count; the noiseless upper bound", "",
            "| task | SNR dB | learned | random | single-task noiseless (upper bound) |", "|---|---|---|---|---|"]
    for t in TASKS:
        for s in sorted({k[3] for k in g if k[4] == "random"}):
            lr = [g[("unified", sd, t, s, "soft", last)]["metric"] for sd in seeds_u if ("unified", sd, t, s, "soft", last) in g]
            rr = [g[("unified", sd, t, s, "random", last)]["metric"] for sd in seeds_u if ("unified", sd, t, s, "random", last) in g]
            ub = [g[("single", sd, t, s, "noiseless", last)]["metric"] for sd in seeds_s if ("single", sd, t, s, "noiseless", last) in g]
            out.append(f"| {t} | {s:+.0f} | {fmt(*spread(lr))} | {fmt(*spread(rr))} | {fmt(*spread(ub))} |")
    out.append("")
    # 6. labelling
    rl = sorted({k[3] for k in g if k[4] == "randlabel"})
    if rl:
        out += ["## 6. The solved index labelling vs a random one (unified, soft, last exit)", "",
                "| task | SNR dB | solved − random (per seed) |", "|---|---|---|"]
        for t in TASKS:
            for s in rl:
                d = [g[("unified", sd, t, s, "soft", last)]["metric"] - g[("unified", sd, t, s, "randlabel", last)]["metric"]
                     for sd in seeds_u if ("unified", sd, t, s, "randlabel", last) in g]
                if d:
                    out.append(f"| {t} | {s:+.0f} | {fmt(*spread(d))} |")
        out.append("")
    text = "\n".join(out)
    with open(os.path.join(results, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    return 0


def plot(results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    g = load(results)
    L = layers_of(g)
    last = str(L)
    snrs = sorted({k[3] for k in g if k[4] == "soft"})
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, t in zip(axes, TASKS):
        for model, mode, style in (("unified", "soft", "o-"), ("single", "soft", "s--"), ("unified", "hard", "x:")):
            ys = [mean([g[k]["metric"] for k in [(model, sd, t, s, mode, last) for sd in seeds_of(g, model)] if k in g])
                  for s in snrs]
            ax.plot(snrs, ys, style, label=f"{'U-DeepSC' if model == 'unified' else 'T-DeepSC'} {mode}")
        ub = sorted({k[3] for k in g if k[0] == "single" and k[2] == t and k[4] == "noiseless"})
        if ub:
            ax.plot(ub, [mean([g[k]["metric"] for k in [("single", sd, t, s, "noiseless", last) for sd in seeds_of(g, "single")]
                               if k in g]) for s in ub], "k^", label="upper bound (noiseless)")
        ax.set_title(t)
        ax.set_xlabel("SNR (dB)")
        ax.set_ylabel(METRIC[t])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(results, "fig7_metric_vs_snr.png"), dpi=110)

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    rules = sorted({k[5] for k in g if k[5].startswith("lcm")}, key=lambda r: float(r[3:]))
    for ax, t in zip(axes, TASKS):
        for kind, rs, style in (("LCM exit", rules, "o-"), ("fixed layer", [str(e) for e in range(1, L + 1)], "s--")):
            xs, ys = [], []
            for rule in rs:
                fr, perf = [], []
                for sd in seeds_of(g, "unified"):
                    for s in snrs:
                        k, f = ("unified", sd, t, s, "soft", rule), ("unified", sd, t, s, "soft", last)
                        if s >= 0 and k in g and f in g and g[f]["metric"] > 0:
                            fr.append(g[k]["layer"])
                            perf.append(g[k]["metric"] / g[f]["metric"])
                if fr:
                    xs.append(mean(fr))
                    ys.append(mean(perf))
            ax.plot(xs, ys, style, label=kind)
        # U-DeepSC-Fixed: trained at that depth, against the unified model's full depth
        xs, ys = [], []
        for m in sorted({k[0] for k in g if k[0].startswith("fixed")}, key=lambda m: int(m[5:])):
            perf = [g[(m, sd, t, s, "soft", m[5:])]["metric"] / g[("unified", sd, t, s, "soft", last)]["metric"]
                    for sd in seeds_of(g, m) for s in snrs
                    if s >= 0 and (m, sd, t, s, "soft", m[5:]) in g and ("unified", sd, t, s, "soft", last) in g
                    and g[("unified", sd, t, s, "soft", last)]["metric"] > 0]
            if perf:
                xs.append(int(m[5:]))
                ys.append(mean(perf))
        if xs:
            ax.plot(xs, ys, "k*", markersize=9, label="U-DeepSC-Fixed (trained at that depth)")
        ax.set_title(t)
        ax.set_xlabel("average decoder layers")
        ax.set_ylabel("normalised performance")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(results, "fig10_exit_vs_layers.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for t in TASKS:
        ax.plot(snrs, [mean([g[k]["symbols"] for k in [("unified", sd, t, s, "soft", last) for sd in seeds_of(g, "unified")] if k in g])
                       for s in snrs], "o-", label=t)
    ax.set_yscale("log")
    ax.set_xlabel("SNR (dB)")
    ax.set_ylabel("16QAM symbols per image")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(results, "fig12_symbols_vs_snr.png"), dpi=110)
    print("wrote fig7_metric_vs_snr.png, fig10_exit_vs_layers.png, fig12_symbols_vs_snr.png in", results)
    return 0

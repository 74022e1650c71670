#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""DeepBroadcast evaluation (issue #12): every receiver's metric against its own SNR, the paired
comparisons of the variants over seeds, and the paper-style figures.

    PYTHONPATH=python /usr/bin/python3 -m semcom_train.deepbroadcast grid RUN [RUN ...]
    PYTHONPATH=python /usr/bin/python3 -m semcom_train.deepbroadcast summary [--results DIR]
    PYTHONPATH=python /usr/bin/python3 -m semcom_train.deepbroadcast plot [--results DIR]

RUN is a checkpoint folder name (checkpoints/RUN/weights.pt), e.g. deepbroadcast_c_variantmtoc_seed2
as scripts/deepbroadcast_runs.sh names them.

The grid (whole test set, 10 000 images): for each receiver and each of its SNRs in GRID_DB,
- `others10`: every other receiver at 10 dB;
- `othersgrid`: every other receiver's SNR drawn per image uniformly from GRID_DB (the average over
  the others' grid, as the paper's legends; a Monte Carlo average over 10 000 images);
- `told+6` / `told-6` (encoders with SNR inputs, cases B and C): as othersgrid, but the encoder is
  told every SNR 6 dB off the truth (clamped to the training range as always): the cost of stale or
  wrong feedback.
The encoder is told the true SNRs otherwise. The noise, the fading and the others' SNRs come from
generators seeded by (receiver, SNR), the same for every model and mode: comparisons are paired.
"""

import argparse
import csv
import glob
import json
import math
import os
import re
import sys

import torch

from . import data, metrics, train
from .schemes.base import labels_of
from .stats import mean_std, paired
from .schemes.deepbroadcast import through_channel

GRID_DB = [-5.0, -2.0, 1.0, 4.0, 7.0, 10.0, 13.0, 16.0, 19.0]
MODES = {"others10": 0.0, "othersgrid": 0.0, "told+6": 6.0, "told-6": -6.0}
RUN_NAME = re.compile(r"^deepbroadcast_(?P<case>[a-z])(?P<suffix>[a-z0-9]*)_variant(?P<variant>[a-z_0-9]+)"
                      r"_seed(?P<seed>\d+)(?P<extra>(_[A-Za-z0-9.]+)*)$")
FIELDS = ["case", "variant", "seed", "receiver", "task", "channel", "mode", "snr_db", "accuracy", "psnr_db"]


def link(model, cfg, r, images, told, true, generator):
    """Receiver r's (logits or None, image or None) for these images with the encoder told `told`
    [B, N] and the channels at `true` [B, N]; only receiver r's channel and decoder run."""
    sent, _, _ = model.encode(images, told)
    rx = cfg.receivers[r]
    y = model.decode(r, through_channel(sent[r], true[:, r], rx.channel, generator), true)
    return (None, y) if rx.task == "image" else (y, None)


def evaluate_grid(model, cfg, test, batch=1000, grid=GRID_DB, modes=MODES):
    """Rows (dicts) of every mode, receiver and own SNR."""
    model.eval()
    n_rx = len(cfg.receivers)
    grid_t = torch.tensor(grid)
    rows = []
    with torch.no_grad():
        for mode, offset in modes.items():
            for r, rx in enumerate(cfg.receivers):
                labels = labels_of(test, rx.task) if rx.task != "image" else None
                for s_index, snr in enumerate(grid):
                    # the same draws in every mode (the wrong-SNR modes pair with othersgrid)
                    seed = 1000 * r + s_index
                    others = torch.Generator().manual_seed(seed)
                    noise = torch.Generator().manual_seed(seed * 10 + r + 1)
                    correct, psnr = 0, []
                    for i in range(0, len(test), batch):
                        x = test.images[i:i + batch]
                        b = len(x)
                        if mode == "others10":
                            true = torch.full((b, n_rx), 10.0)
                        else:
                            true = grid_t[torch.randint(0, len(grid), (b, n_rx), generator=others)]
                        true[:, r] = snr
                        told = true + offset
                        logits, image = link(model, cfg, r, x, told, true, noise)
                        if image is not None:
                            psnr.append(metrics.psnr(x, image))
                        else:
                            correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
                    rows.append({"receiver": r + 1, "task": rx.task, "channel": rx.channel, "mode": mode,
                                 "snr_db": snr,
                                 "accuracy": "" if rx.task == "image" else correct / len(test),
                                 "psnr_db": torch.cat(psnr).mean().item() if psnr else ""})
    return rows


def snr_sensitivity(model, cfg, test, batch=1000, seed=0):
    """How much the transmitted symbols move when the encoder is told other SNRs: per test image,
    every receiver's true SNR drawn from GRID_DB, then told 6 dB more (or less) for receiver k
    alone or for all; returns {"rx1+6": mean ||z' - z||^2 / ||z||^2, ...}. 0 for an encoder that
    ignores its SNR inputs; the same image's symbols for two different images differ by about 2."""
    model.eval()
    n_rx = len(cfg.receivers)
    gen = torch.Generator().manual_seed(seed)
    grid_t = torch.tensor(GRID_DB)
    changes = {}
    with torch.no_grad():
        for i in range(0, len(test), batch):
            x = test.images[i:i + batch]
            true = grid_t[torch.randint(0, len(GRID_DB), (len(x), n_rx), generator=gen)]
            z = torch.cat(model.encode(x, true)[0], 1)
            shifts = {f"rx{k + 1}{d:+d}": (k, d) for k in range(n_rx) for d in (6, -6)}
            shifts.update({f"all{d:+d}": (None, d) for d in (6, -6)})
            for name, (k, d) in shifts.items():
                told = true.clone()
                if k is None:
                    told += d
                else:
                    told[:, k] += d
                z2 = torch.cat(model.encode(x, told)[0], 1)
                rel = ((z2 - z) ** 2).sum(1) / (z ** 2).sum(1).clamp_min(1e-12)
                changes.setdefault(name, []).append(rel)
            # scale: two different images (a shuffle of the batch)
            perm = torch.roll(torch.arange(len(x)), 1)
            changes.setdefault("other_image", []).append(((z[perm] - z) ** 2).sum(1) / (z ** 2).sum(1))
    return {k: torch.cat(v).mean().item() for k, v in changes.items()}


def bottleneck_stats(model, cfg, test, seed=0):
    """Per receiver of a model with the variational bottleneck: the variance of mu over the test
    images (mean over dimensions), E[sigma^2], their ratio in dB (how much noise the bottleneck
    adds to its own code) and the KL rate in nats and bits per image (what the code could carry),
    with the SNRs drawn per image from the training range."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    lo, hi = model.snr_lo, model.snr_hi
    snr = lo + (hi - lo) * torch.rand(len(test), len(cfg.receivers), generator=gen)
    out = []
    with torch.no_grad():
        feat = model.extractor(test.images)
        s = model.snr_inputs(snr)
        for i, tce in enumerate(model.tces):
            mu, sigma = tce(feat, s[:, i:i + 1])
            kl = (0.5 * (mu ** 2 + sigma ** 2 - 1.0).sum(1) - torch.log(sigma).sum(1)).mean().item()
            var_mu, e_sigma2 = mu.var(0).mean().item(), (sigma ** 2).mean().item()
            out.append({"receiver": i + 1, "var_mu": var_mu, "e_sigma2": e_sigma2,
                        "code_snr_db": 10 * math.log10(var_mu / e_sigma2), "kl_nats": kl, "kl_bits": kl / math.log(2)})
    return out


def channel_bits(n, snr_db):
    """Bits per image n complex uses can carry at snr_db (AWGN capacity): the channel's bottleneck."""
    return n * math.log2(1 + 10 ** (snr_db / 10))


def cmd_bottleneck(args):
    torch.set_num_threads(args.threads)
    test = data.load("fashion-mnist", "test").subset(args.images)
    rows = []
    for run in args.runs:
        case, variant, seed = parse_run(run)
        model, cfg, _ = train.load_trained(None, os.path.join(args.checkpoints, run), test)
        if not getattr(model, "probabilistic", False):
            raise ValueError(f"{run}: variant {variant} has no variational bottleneck")
        for r in bottleneck_stats(model, cfg, test):
            rows.append(dict(r, run=run, case=case, variant=variant, seed=seed))
            print(f"{run} rx{r['receiver']}: var(mu) {r['var_mu']:.2f}, E[sigma^2] {r['e_sigma2']:.3f} "
                  f"({r['code_snr_db']:.1f} dB), KL {r['kl_nats']:.0f} nats = {r['kl_bits']:.0f} bits per image")
    n = cfg.channel_uses
    print(f"the channel carries at most {channel_bits(n, -5):.1f} bits per image at -5 dB, "
          f"{channel_bits(n, 19):.1f} at 19 dB ({n} complex uses)")
    path = os.path.join(args.results, "bottleneck.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["run", "case", "variant", "seed", "receiver", "var_mu", "e_sigma2",
                                          "code_snr_db", "kl_nats", "kl_bits"])
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path}")


def parse_run(name):
    m = RUN_NAME.match(name)
    if not m:
        raise ValueError(f"'{name}' is not a run name like deepbroadcast_c_variantmtoc_seed2")
    # a config suffix (deepbroadcast_c16qam: the digital variant) is part of the variant's name
    # and so are further overrides (deepbroadcast_c_variantmtoc_seed1_matchparamsFalse: mtoc_matchparamsfalse)
    variant = m.group("variant") + (f"_{m.group('suffix')}" if m.group("suffix") else "") + m.group("extra").lower()
    return m.group("case").upper(), variant, int(m.group("seed"))


def cmd_grid(args):
    torch.set_num_threads(args.threads)
    test = data.load("fashion-mnist", "test").subset(args.images)
    os.makedirs(args.results, exist_ok=True)
    failed = []
    for run in args.runs:
        case, variant, seed = parse_run(run)
        path = os.path.join(args.results, f"grid_{run}.csv")
        if os.path.exists(path) and not args.force:
            print(f"{path}: exists (--force to redo)")
            continue
        try:
            model, cfg, _ = train.load_trained(None, os.path.join(args.checkpoints, run), test)
        except FileNotFoundError as e:  # the other runs still get their grids
            print(f"{run}: skipped: {e}", file=sys.stderr, flush=True)
            failed.append(run)
            continue
        # an encoder without SNR inputs sends the same symbols whatever it is told: no told rows
        # (case A: its question is PSNR against the serial JSCC; no told rows either, they cost most there)
        takes_snr = cfg.variant not in ("mtoc", "unicast") and case != "A"
        rows = evaluate_grid(model, cfg, test, modes=MODES if takes_snr else
                             {k: v for k, v in MODES.items() if not k.startswith("told")})
        if variant != "unicast":
            write_sensitivity(args.results, run, case, variant, seed, snr_sensitivity(model, cfg, test))
        with open(path + ".tmp", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS)
            w.writeheader()
            for row in rows:
                w.writerow(dict(row, case=case, variant=variant, seed=seed))
        os.replace(path + ".tmp", path)
        avg = {}
        for row in rows:
            if row["mode"] == "othersgrid":
                key = f"rx{row['receiver']}"
                avg.setdefault(key, []).append(row["accuracy"] if row["accuracy"] != "" else row["psnr_db"])
        print(f"{run}: grid average " + ", ".join(f"{k} {sum(v) / len(v):.4f}" for k, v in avg.items())
              + f"  -> {path}", flush=True)
    if failed:
        raise ValueError(f"{len(failed)} of {len(args.runs)} runs have no trained weights: {', '.join(failed)}")


def write_sensitivity(results, run, case, variant, seed, values):
    """results/sensitivity.csv: one row per run (replaced when the run is evaluated again)."""
    path = os.path.join(results, "sensitivity.csv")
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [r for r in csv.DictReader(f) if r["run"] != run]
    rows += [{"run": run, "case": case, "variant": variant, "seed": seed, "told": k, "relative_change": f"{v:.6g}"}
             for k, v in values.items()]
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["run", "case", "variant", "seed", "told", "relative_change"])
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: (r["run"], r["told"])))
    os.replace(path + ".tmp", path)


# --- summary ---

def read_rows(results):
    rows = []
    for path in sorted(glob.glob(os.path.join(results, "grid_*.csv"))):
        with open(path) as f:
            for row in csv.DictReader(f):
                row["seed"] = int(row["seed"])
                row["receiver"] = int(row["receiver"])
                row["snr_db"] = float(row["snr_db"])
                row["value"] = float(row["psnr_db"] if row["task"] == "image" else row["accuracy"])
                rows.append(row)
    return rows


def metric_by_seed(rows, case, variant, receiver, mode, snr=None):
    """{seed: value}: at one own SNR, or the average over the grid (snr None)."""
    out = {}
    for row in rows:
        if (row["case"], row["variant"], row["receiver"], row["mode"]) != (case, variant, receiver, mode):
            continue
        if snr is not None and abs(row["snr_db"] - snr) > 1e-6:
            continue
        out.setdefault(row["seed"], []).append(row["value"])
    return {s: sum(v) / len(v) for s, v in out.items()}


def receivers_of(rows, case):
    seen = {}
    for row in rows:
        if row["case"] == case:
            seen[row["receiver"]] = (row["task"], row["channel"])
    return dict(sorted(seen.items()))


def fmt(ms, scale):
    m, s = ms
    return f"{scale * m:.2f} ± {scale * s:.2f}" if not math.isnan(s) else f"{scale * m:.2f}"


def fmt_pair(p, scale):
    if p is None:
        return "n/a"
    if p["seeds"] < 2:
        return f"{scale * p['mean']:+.2f} (one seed)"
    return f"{scale * p['mean']:+.2f} [{scale * (p['mean'] - p['half']):+.2f}, {scale * (p['mean'] + p['half']):+.2f}]"


def summary_lines(rows):
    """The markdown of the tables and the targets of issue #12."""
    lines = []
    checks = []
    for case in sorted({r["case"] for r in rows}):
        rxs = receivers_of(rows, case)
        known = ("deepbroadcast", "deepbroadcast_16qam", "e2e", "wlca", "wgcf", "mtoc", "mtoc_snr", "unicast")
        present = {r["variant"] for r in rows if r["case"] == case}
        variants = [v for v in known if v in present] + sorted(present - set(known))
        ref = "deepbroadcast" if "deepbroadcast" in variants else "e2e"
        lines.append(f"### Case {case}: grid average over the receiver's own SNR −5 … 19 dB, others over the grid")
        lines.append("")
        head = "| variant | seeds | " + " | ".join(
            f"rx{k} {t} / {c} ({'PSNR dB' if t == 'image' else 'acc %'})" for k, (t, c) in rxs.items()) + " |"
        lines += [head, "|" + "---|" * (2 + len(rxs))]
        for v in variants:
            cells = []
            seeds = 0
            for k, (t, _) in rxs.items():
                by_seed = metric_by_seed(rows, case, v, k, "othersgrid")
                seeds = max(seeds, len(by_seed))
                cells.append(fmt(mean_std(list(by_seed.values())), 1 if t == "image" else 100) if by_seed else "")
            lines.append(f"| {v} | {seeds} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append(f"Paired differences {ref} − variant (mean over seeds [95 % t interval]), grid average:")
        lines.append("")
        lines += ["| variant | " + " | ".join(f"rx{k}" for k in rxs) + " |", "|" + "---|" * (1 + len(rxs))]
        for v in variants:
            if v == ref:
                continue
            cells = []
            for k, (t, _) in rxs.items():
                p = paired(metric_by_seed(rows, case, ref, k, "othersgrid"), metric_by_seed(rows, case, v, k, "othersgrid"))
                cells.append(fmt_pair(p, 1 if t == "image" else 100))
            lines.append(f"| {v} | " + " | ".join(cells) + " |")
        lines.append("")
        if "told+6" in {r["mode"] for r in rows if r["case"] == case}:
            lines.append("Wrong SNR told to the encoder, grid average, paired against the same model told the "
                         "true SNRs (the variants that take SNRs):")
            lines.append("")
            lines += ["| variant | told | " + " | ".join(f"rx{k}" for k in rxs) + " |", "|" + "---|" * (2 + len(rxs))]
            for v in variants:
                if v.startswith("mtoc") and not v.startswith("mtoc_snr") or v.startswith("unicast"):
                    continue  # no SNR input: told anything, the same symbols
                for mode in ("told+6", "told-6"):
                    cells = []
                    for k, (t, _) in rxs.items():
                        p = paired(metric_by_seed(rows, case, v, k, mode), metric_by_seed(rows, case, v, k, "othersgrid"))
                        cells.append(fmt_pair(p, 1 if t == "image" else 100))
                    lines.append(f"| {v} | {mode[4:]} dB | " + " | ".join(cells) + " |")
            lines.append("")
        checks += case_checks(rows, case, rxs, variants)
    lines.append("### Targets of issue #12")
    lines.append("")
    lines += ["| target | measured | met |", "|---|---|---|"]
    for target, measured, ok in checks:
        verdict = ok if isinstance(ok, str) else ("yes" if ok else "**no**")
        lines.append(f"| {target} | {measured} | {verdict} |")
    return lines


def met(d, threshold):
    """'yes' when the paired difference's whole 95 % interval is at or above the threshold, 'yes
    (mean only)' when its mean is, '**no**' otherwise (or without a measurement)."""
    if d is None or d["mean"] < threshold:
        return "**no**"
    if not math.isnan(d["half"]) and d["mean"] - d["half"] >= threshold:
        return "yes"
    return "yes (mean only: the interval reaches below)"


def case_checks(rows, case, rxs, variants):
    """(target, measured, met) rows of the issue's targets for one case."""
    out = []

    def p(a, b, k, mode="othersgrid", snr=None):
        return paired(metric_by_seed(rows, case, a, k, mode, snr), metric_by_seed(rows, case, b, k, mode, snr))

    if case == "C":
        fine = next((k for k, (t, _) in rxs.items() if t == "fine"), None)
        for base, need in (("mtoc", 0.01), ("unicast", 0.05)):
            if base in variants and fine:
                d = p("deepbroadcast", base, fine, "othersgrid", -5.0)
                out.append((f"C: fine user (Rician) at −5 dB, DeepBroadcast − {base} ≥ {100 * need:.0f} pt",
                            fmt_pair(d, 100), met(d, need)))
        if "mtoc" in variants:
            for k, (t, _) in rxs.items():
                d = p("deepbroadcast", "mtoc", k)
                out.append((f"C: grid average rx{k} ({t}) DeepBroadcast ≥ MTOC (tie ≤ 0.3 pt for a near-100 % task)",
                            fmt_pair(d, 100), met(d, -0.003 if t == "coarse" else 0.0)))
        if "e2e" in variants:
            gains = {}
            for k, (t, _) in rxs.items():
                d = p("deepbroadcast", "e2e", k)
                gains[t] = d["mean"] if d else float("nan")
                out.append((f"C: bottleneck, rx{k} ({t}) DeepBroadcast ≥ E2E", fmt_pair(d, 100), met(d, 0.0)))
            if gains and all(not math.isnan(g) for g in gains.values()):
                hardest = max(gains, key=gains.get)
                out.append(("C: the bottleneck helps most on the hardest task (fine)", f"largest gain: {hardest}",
                            hardest == "fine"))
        if "mtoc_snr" in variants:
            for k, (t, _) in rxs.items():
                d = p("deepbroadcast", "mtoc_snr", k)
                out.append((f"C: channel awareness, rx{k} ({t}) DeepBroadcast ≥ MTOC given the SNRs",
                            fmt_pair(d, 100), met(d, 0.0)))
        for k, (t, _) in rxs.items():
            for mode in ("told+6", "told-6"):
                d = paired(metric_by_seed(rows, case, "deepbroadcast", k, mode),
                           metric_by_seed(rows, case, "deepbroadcast", k, "othersgrid"))
                if d is not None:  # a cost: the whole 95 % interval below zero
                    upper = d["mean"] + (0.0 if math.isnan(d["half"]) else d["half"])
                    out.append((f"C: a {mode[4:]} dB wrong SNR costs accuracy (interval below 0), rx{k} ({t})",
                                fmt_pair(d, 100), upper < 0))
    if case == "B":
        for k, (t, _) in rxs.items():
            for lo, hi in (("mtoc", "wlca"), ("mtoc", "wgcf"), ("wlca", "deepbroadcast"), ("wgcf", "deepbroadcast")):
                if lo in variants and hi in variants:
                    d = p(hi, lo, k)
                    out.append((f"B: rx{k} ({t}) {lo} < {hi}", fmt_pair(d, 100), met(d, 1e-9)))
    if case == "A" and "mtoc" in variants:
        for k, (t, _) in rxs.items():
            d = p("e2e", "mtoc", k)
            if t == "image":
                out.append(("A: DeepBroadcast PSNR ≥ serial JSCC (grid average)", fmt_pair(d, 1) + " dB", met(d, 0.0)))
            else:
                out.append((f"A: accuracy within 0.3 pt of the serial JSCC (rx{k} {t})", fmt_pair(d, 100),
                            met(d, -0.003)))
    return out


def sensitivity_lines(results):
    """A table of how far the symbols move with the SNR told (sensitivity.csv), mean over seeds."""
    path = os.path.join(results, "sensitivity.csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        rows = list(csv.DictReader(f))
    told = ["rx1+6", "rx3+6", "all+6", "all-6", "other_image"]
    lines = ["### How far the transmitted symbols move when the encoder is told other SNRs", "",
             "Mean over the test images of ‖z(told) − z(true)‖² / ‖z(true)‖² (the true SNRs drawn from the grid); "
             "`other_image`: two different images, for scale. For comparison, the channel noise at 19 dB is "
             f"{10 ** -1.9:.4f} of the symbol energy.", "",
             "| case | variant | seeds | " + " | ".join(told) + " |", "|" + "---|" * (3 + len(told))]
    for case, variant in sorted({(r["case"], r["variant"]) for r in rows}):
        cells = []
        seeds = {r["seed"] for r in rows if (r["case"], r["variant"]) == (case, variant)}
        for t in told:
            v = [float(r["relative_change"]) for r in rows if (r["case"], r["variant"], r["told"]) == (case, variant, t)]
            cells.append(f"{sum(v) / len(v):.2g}" if v else "")
        lines.append(f"| {case} | {variant} | {len(seeds)} | " + " | ".join(cells) + " |")
    return lines + [""]


def cmd_summary(args):
    rows = read_rows(args.results)
    if not rows:
        raise SystemExit(f"no grid_*.csv in {args.results}: run `grid` first")
    lines = summary_lines(rows)
    lines += [""] + sensitivity_lines(args.results)
    path = os.path.join(args.results, "summary.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {path}")


def cmd_plot(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = read_rows(args.results)
    written = []
    for case in sorted({r["case"] for r in rows}):
        rxs = receivers_of(rows, case)
        for mode, title in (("othersgrid", "others averaged over their grid"), ("others10", "others at 10 dB")):
            fig, axes = plt.subplots(1, len(rxs), figsize=(4.2 * len(rxs), 3.6), squeeze=False)
            for ax, (k, (t, ch)) in zip(axes[0], rxs.items()):
                for v in sorted({r["variant"] for r in rows if r["case"] == case}):
                    means, stds = [], []
                    for snr in GRID_DB:
                        vals = list(metric_by_seed(rows, case, v, k, mode, snr).values())
                        if not vals:
                            break
                        m, s = mean_std(vals)
                        means.append(m * (1 if t == "image" else 100))
                        stds.append(0.0 if math.isnan(s) else s * (1 if t == "image" else 100))
                    if len(means) != len(GRID_DB):
                        continue
                    line, = ax.plot(GRID_DB, means, marker="o", ms=3, label=v, lw=2 if v == "deepbroadcast" else 1)
                    ax.fill_between(GRID_DB, [m - s for m, s in zip(means, stds)],
                                    [m + s for m, s in zip(means, stds)], color=line.get_color(), alpha=0.15)
                ax.set_title(f"rx{k}: {t} on {ch}")
                ax.set_xlabel(f"rx{k} SNR (dB)")
                ax.set_ylabel("PSNR (dB)" if t == "image" else "accuracy (%)")
                ax.grid(alpha=0.3)
            axes[0][0].legend(fontsize=7)
            fig.suptitle(f"DeepBroadcast case {case}: {title} (mean ± std over seeds)", fontsize=10)
            fig.tight_layout()
            path = os.path.join(args.results, f"case_{case.lower()}_{mode}.png")
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(path)
    # all rows in one CSV (the figures' data)
    path = os.path.join(args.results, "grid_all.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in FIELDS})
    written.append(path)
    for p in written:
        print(f"wrote {p}")


def parse_triple(text, receivers):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != receivers or not all(math.isfinite(v) for v in values):
        raise ValueError(f"--snrs '{text}': expected {receivers} finite SNRs in dB separated by commas")
    return values


def cmd_crosscheck(args):
    """Python (the exported TorchScript through radio_link) against the C++ flowgraph (`semcom
    simulate --models PREFIX`) on the same test images, at each SNR triple."""
    import subprocess
    import tempfile
    from . import export
    from .schemes.deepbroadcast import radio_link
    torch.set_num_threads(args.threads)
    enc, man = export.load_exported(args.models + "_encoder.pt")
    n_rx = man["transmit"]["receivers"]
    decs, tasks = [], []
    for r in range(n_rx):
        d, m = export.load_exported(f"{args.models}_rx{r + 1}.pt")
        decs.append(d)
        tasks.append(m["tasks"][0])
    specs = man["channels"]
    digital = man["transmit"]["kind"] == "indices"
    test = data.load("fashion-mnist", "test").subset(0)
    x = test.images[:args.images]
    rows = []
    for triple in args.snrs:
        snrs = parse_triple(triple, n_rx)
        with torch.no_grad():
            logits = radio_link(enc, decs, specs, x, snrs, digital, seed=args.seed)
        py = [(l.argmax(1) == labels_of(test, t)[:len(x)]).float().mean().item() for l, t in zip(logits, tasks)]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "simulate.json")
            cmd = [args.semcom, "simulate", "--models", args.models, "--snr", ",".join(f"{v:g}" for v in snrs),
                   "--channel", ",".join(specs), "--images", str(len(x)), "--json", out, "--quiet",
                   "--out-dir", tmp, "--seed", str(args.seed)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise ValueError(f"{' '.join(cmd)} failed: {done.stderr.strip().splitlines()[-1:]}")
            with open(out) as f:
                cpp = {int(str(r["receiver"]).lstrip("rx")): r["accuracy"] for r in json.load(f)["receivers"]}
        for r in range(n_rx):
            a, b = py[r], cpp[r + 1]
            half = 1.96 * math.sqrt(a * (1 - a) / len(x) + b * (1 - b) / len(x))
            rows.append({"snrs": triple, "receiver": r + 1, "task": tasks[r], "channel": specs[r],
                         "python": a, "cpp": b, "diff": b - a, "half95": half})
            print(f"SNRs {triple:>12}  rx{r + 1} {tasks[r]:<6} {specs[r]:<9} python {100 * a:6.2f} %  "
                  f"C++ {100 * b:6.2f} %  diff {100 * (b - a):+5.2f} pt (independent noise: ±{100 * half:.2f})")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f"wrote {args.csv}")
    worst = max(abs(r["diff"]) for r in rows)
    print(f"largest |C++ - Python|: {100 * worst:.2f} pt over {len(x)} images")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="semcom_train.deepbroadcast", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grid", help="per-receiver metric against its own SNR (CSV per run)")
    g.add_argument("runs", nargs="+", help="checkpoint folder names, e.g. deepbroadcast_c_variantdeepbroadcast_seed1")
    g.add_argument("--checkpoints", default=os.environ.get("SEMCOM_CHECKPOINTS", "checkpoints"))
    g.add_argument("--results", default="results/deepbroadcast")
    g.add_argument("--images", type=int, default=None, help="test images (default all 10 000)")
    g.add_argument("--threads", type=int, default=1)
    g.add_argument("--force", action="store_true", help="evaluate again a run whose CSV exists")
    g.set_defaults(func=cmd_grid)
    s = sub.add_parser("summary", help="tables, paired differences and the issue's targets (summary.md)")
    s.add_argument("--results", default="results/deepbroadcast")
    s.set_defaults(func=cmd_summary)
    p = sub.add_parser("plot", help="accuracy / PSNR against own SNR per case (PNG) and grid_all.csv")
    p.add_argument("--results", default="results/deepbroadcast")
    p.set_defaults(func=cmd_plot)
    b = sub.add_parser("bottleneck", help="how much the variational bottleneck compresses (bottleneck.csv)")
    b.add_argument("runs", nargs="+")
    b.add_argument("--checkpoints", default=os.environ.get("SEMCOM_CHECKPOINTS", "checkpoints"))
    b.add_argument("--results", default="results/deepbroadcast")
    b.add_argument("--images", type=int, default=None)
    b.add_argument("--threads", type=int, default=1)
    b.set_defaults(func=cmd_bottleneck)
    c = sub.add_parser("crosscheck", help="the C++ flowgraph (semcom simulate) against Python on the exported models")
    c.add_argument("--models", default="models/deepbroadcast", help="model prefix (PREFIX_encoder.pt, PREFIX_rxK.pt)")
    c.add_argument("--snrs", nargs="+", default=["15,10,-5", "4,4,4", "19,-2,10"],
                   help="SNR triples (one SNR per receiver, dB); the encoder is told them")
    c.add_argument("--images", type=int, default=10000)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--semcom", default="build/apps/semcom", help="the semcom program")
    c.add_argument("--csv", help="write the comparison here")
    c.add_argument("--threads", type=int, default=1)
    c.set_defaults(func=cmd_crosscheck)
    args = ap.parse_args(argv)
    try:
        args.func(args)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"semcom_train.deepbroadcast: {e}")


if __name__ == "__main__":
    main()

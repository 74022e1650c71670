#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The issue's result table from results/*.csv and models/*.json: DeepSCM against its baselines
at Rx1 -5 dB / Rx2 20 dB, MIJSCC quantised against analog, A-MIJSCC symbols saved, and the rate
sweep (NAME_nN.csv of scripts/train_rate_sweep.sh) as a table and results/rate_sweep.png.

    /usr/bin/python3 scripts/results_table.py [--results results] [--models models] > results/README.md
"""

import argparse
import csv
import glob
import json
import os


def load(results):
    rows = {}
    for path in glob.glob(os.path.join(results, "*.csv")):
        with open(path) as f:
            for r in csv.DictReader(f):
                rows[(r["name"], int(r["receiver"]), float(r["snr_db"]))] = r
    return rows


def get(rows, name, rx, snr, key):
    r = rows.get((name, rx, snr))
    return float(r[key]) if r else None


def fmt(v, pct=False):
    if v is None:
        return "—"
    return f"{100 * v:.1f} %" if pct else f"{v:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default="results")
    p.add_argument("--models", default="models")
    a = p.parse_args()
    rows = load(a.results)
    print("# Results (Fashion-MNIST test set)\n")
    print("Produced by `scripts/train_models.sh` (train, export, evaluate on 2000 test images) and")
    print("`/usr/bin/python3 -m semcom_train separate`; this table by `scripts/results_table.py`.\n")
    print("## DeepSCM 4QAM×16QAM and baselines, Rx1 AWGN −5 dB (coarse), Rx2 AWGN 20 dB (fine), n = 128\n")
    print("| scheme | architecture, epochs | Rx1 coarse acc. | Rx1 PSNR (dB) | Rx2 fine acc. | Rx2 PSNR (dB) |")
    print("|---|---|---|---|---|---|")
    for name, arch in (("deepscm_conv", "conv, 12"), ("cm_joint_conv", "conv, 12"), ("cm_rx1_conv", "conv, 12"),
                       ("cm_rx2_conv", "conv, 12"), ("deepscm_4qam16qam", "mlp, 8"), ("cm_joint", "mlp, 8"),
                       ("cm_rx1", "mlp, 8"), ("cm_rx2", "mlp, 8"), ("separate_webp_n128", "WebP at capacity")):
        if get(rows, name, 1, -5.0, "psnr_db") is None and get(rows, name, 2, 20.0, "psnr_db") is None:
            continue
        # the single-receiver baselines train one decoder only: the other column means nothing
        rx1 = not name.startswith("cm_rx2")
        rx2 = not name.startswith("cm_rx1")
        print(f"| {name} | {arch} | {fmt(get(rows, name, 1, -5.0, 'accuracy') if rx1 else None, True)} "
              f"| {fmt(get(rows, name, 1, -5.0, 'psnr_db') if rx1 else None)} "
              f"| {fmt(get(rows, name, 2, 20.0, 'accuracy') if rx2 else None, True)} "
              f"| {fmt(get(rows, name, 2, 20.0, 'psnr_db') if rx2 else None)} |")
    print("\n## MIJSCC (one receiver, fine task, trained over −5…20 dB), at 20 dB\n")
    print("| scheme | accuracy | PSNR (dB) | symbols per image |")
    print("|---|---|---|---|")
    for name in ("mijscc_analog", "mijscc_q8", "mijscc_q4", "amijscc"):
        sym = None
        man = os.path.join(a.models, f"{name}_rx1.json")
        if os.path.exists(man):
            with open(man) as f:
                sym = json.load(f)["metrics"].get("symbols_per_image")
        print(f"| {name} | {fmt(get(rows, name, 1, 20.0, 'accuracy'), True)} | {fmt(get(rows, name, 1, 20.0, 'psnr_db'))} "
              f"| {fmt(sym) if sym else '128'} |")
    rate_sweep(rows, a.results)
    print("\nCurves: `accuracy_vs_snr.png`, `psnr_vs_snr.png`, `ssim_vs_snr.png` in this folder.")


def rate_sweep(rows, results):
    """DeepSCM and CM joint against n (channel uses per image) at Rx1 -5 dB / Rx2 20 dB."""
    names = {"DeepSCM": "deepscm_4qam16qam", "CM joint": "cm_joint"}
    table = {}
    for label, base in names.items():
        for n in (32, 64, 128, 196):
            name = f"{base}_n{n}"
            if n == 128 and get(rows, name, 1, -5.0, "accuracy") is None:
                name = base  # no half-epoch n = 128 point: the shipped model
            vals = [get(rows, name, 1, -5.0, "accuracy"), get(rows, name, 1, -5.0, "psnr_db"),
                    get(rows, name, 2, 20.0, "accuracy"), get(rows, name, 2, 20.0, "psnr_db")]
            if vals[0] is not None:
                table[(label, n)] = vals
    if not any(n != 128 for _, n in table):
        return
    print("\n## Rate sweep: n channel uses per image (rate n / 784), Rx1 −5 dB / Rx2 20 dB\n")
    print("Every point trained with `scripts/train_rate_sweep.sh --threads 1 --epochs-scale 0.5 N` (half the")
    print("epochs of the mlp configs, for lack of CPU; n = 128 too, as `NAME_n128`, so that the points")
    print("compare: the full-epoch n = 128 models are in the first table).\n")
    print("| scheme | n | Rx1 coarse acc. | Rx1 PSNR (dB) | Rx2 fine acc. | Rx2 PSNR (dB) |")
    print("|---|---|---|---|---|---|")
    for (label, n), v in sorted(table.items()):
        print(f"| {label} | {n} | {fmt(v[0], True)} | {fmt(v[1])} | {fmt(v[2], True)} | {fmt(v[3])} |")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for label in names:
        ns = sorted(n for (l, n) in table if l == label)
        for k, (ax, col, what) in enumerate(((axes[0], 0, "accuracy"), (axes[1], 1, "PSNR (dB)"))):
            for rx, off, style in ((1, 0, "-"), (2, 2, "--")):
                ax.plot(ns, [table[(label, n)][off + col] for n in ns], style, marker="o", ms=3,
                        label=f"{label} Rx{rx}")
            ax.set_xlabel("channel uses per image n")
            ax.set_ylabel(what)
            ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(results, "rate_sweep.png"), dpi=120)
    plt.close(fig)
    print("\nPlot: `rate_sweep.png`.")


if __name__ == "__main__":
    main()

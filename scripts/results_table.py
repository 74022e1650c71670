#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The issue's result table from results/*.csv and models/*.json: DeepSCM against its baselines
at Rx1 -5 dB / Rx2 20 dB, MIJSCC quantised against analog, A-MIJSCC symbols saved.

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
    print("| scheme | Rx1 coarse acc. | Rx1 PSNR (dB) | Rx2 fine acc. | Rx2 PSNR (dB) |")
    print("|---|---|---|---|---|")
    for name in ("deepscm_4qam16qam", "cm_joint", "cm_rx1", "cm_rx2", "separate_webp_n128"):
        # the single-receiver baselines train one decoder only: the other column means nothing
        rx1 = name != "cm_rx2"
        rx2 = name != "cm_rx1"
        print(f"| {name} | {fmt(get(rows, name, 1, -5.0, 'accuracy') if rx1 else None, True)} "
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
    print("\nCurves: `accuracy_vs_snr.png`, `psnr_vs_snr.png`, `ssim_vs_snr.png` in this folder.")


if __name__ == "__main__":
    main()

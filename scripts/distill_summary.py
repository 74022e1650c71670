#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The students of scripts/finetune_decoders.py against their teachers, over seeds.

Reads the --report JSON files of student runs (one per receiver and seed) and prints, per receiver
and SNR, each seed's paired difference (student - teacher on the same test images and noise, with
its 95 % interval over the images) and the mean over the seeds with its 95 % t interval over the
seeds, as a Markdown table:

  /usr/bin/python3 scripts/distill_summary.py results/decoder_distill/seed*_rx*.json \\
      > results/decoder_distill/summary.md
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from semcom_train.stats import T975, mean_std  # noqa: E402


def over_seeds(values):
    m, s = mean_std(values)
    if len(values) < 2:
        return m, float("nan")
    return m, T975.get(len(values) - 1, 1.96) * s / math.sqrt(len(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", help="finetune_decoders.py --report files")
    args = ap.parse_args()
    rows = {}
    for path in args.reports:
        try:
            with open(path) as f:
                rep = json.load(f)
            for r in rep["paired"]:
                rows.setdefault((r["receiver"], r["task"], r["snr_db"]), {})[rep["seed"]] = r
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"distill_summary.py: {path}: not a finetune_decoders.py report ({e})")
    print("| receiver | SNR (dB) | seed | teacher | student | student − teacher, PSNR (dB) | accuracy (points) |")
    print("|---|---|---|---|---|---|---|")
    for (rx, task, snr), by_seed in sorted(rows.items()):
        for seed, r in sorted(by_seed.items()):
            dp, da = r["psnr_diff_db"], r["accuracy_diff"]
            print(f"| rx{rx} {task} | {snr:g} | {seed} | {100 * r['source_accuracy']:.2f} % / "
                  f"{r['source_psnr_db']:.3f} dB | {100 * r['new_accuracy']:.2f} % / {r['new_psnr_db']:.3f} dB | "
                  f"{dp[0]:+.3f} [{dp[1]:+.3f}, {dp[2]:+.3f}] | "
                  f"{100 * da[0]:+.2f} [{100 * da[1]:+.2f}, {100 * da[2]:+.2f}] |")
        if len(by_seed) > 1:
            mp, hp = over_seeds([r["psnr_diff_db"][0] for r in by_seed.values()])
            ma, ha = over_seeds([r["accuracy_diff"][0] for r in by_seed.values()])
            print(f"| rx{rx} {task} | {snr:g} | **mean of {len(by_seed)}** | | | **{mp:+.3f} [{mp - hp:+.3f}, "
                  f"{mp + hp:+.3f}]** | **{100 * ma:+.2f} [{100 * (ma - ha):+.2f}, {100 * (ma + ha):+.2f}]** |")


if __name__ == "__main__":
    main()

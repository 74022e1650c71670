#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The side-information runs of scripts/side_info_runs.sh as Markdown tables: per receiver the
frames scored, bursts and header errors at waveform level, and waveform − symbols for each
metric, the mean over the seeds with a 95 % t-interval (the seeds pair the runs: same images,
same encoder noise).

    /usr/bin/python3 scripts/side_info_summary.py [--dir results/phy/side_info]
"""

import argparse
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from semcom_train.stats import paired  # noqa: E402 (no torch)

def load(directory):
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        m = re.fullmatch(r"(\w+?)_(symbols|waveform(?:_spreading\d+)?)_seed(\d+)\.json", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            try:
                runs[(m.group(1), m.group(2), int(m.group(3)))] = json.load(f)
            except json.JSONDecodeError as e:
                sys.exit(f"side_info_summary: {path}: not JSON ({e})")
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", default="results/phy/side_info", help="the runs' JSON files")
    args = p.parse_args()
    runs = load(args.dir)
    if not runs:
        sys.exit(f"side_info_summary: no runs in {args.dir} (scripts/side_info_runs.sh writes them)")
    for scheme in sorted({k[0] for k in runs}):
        variants = sorted({k[1] for k in runs if k[0] == scheme and k[1] != "symbols"})
        for variant in variants:
            seeds = sorted(s for (sc, v, s) in runs if sc == scheme and v == variant and (sc, "symbols", s) in runs)
            if not seeds:
                continue
            print(f"### {scheme}: {variant.replace('_', ', ')} − symbols (seeds {', '.join(map(str, seeds))})\n")
            print("| receiver | task | SNR dB | frames scored / sent | bursts | header errors | metric | symbols | waveform | waveform − symbols (95 % CI) |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            first = runs[(scheme, variant, seeds[0])]["receivers"]
            for r, rx in enumerate(first):
                metric, scale, unit = ("psnr_db", 1.0, "dB") if rx["task"] == "image" else ("accuracy", 100.0, "%")
                sym = {s: runs[(scheme, "symbols", s)]["receivers"][r][metric] * scale for s in seeds}
                wav = {s: runs[(scheme, variant, s)]["receivers"][r][metric] * scale for s in seeds}
                p = paired(wav, sym)
                diff, half = p["mean"], p["half"]
                scored = sum(runs[(scheme, variant, s)]["receivers"][r].get("frames_scored", 0) for s in seeds)
                sent = sum(runs[(scheme, variant, s)]["receivers"][r].get("frames_sent", 0) for s in seeds)
                bursts = sum(runs[(scheme, variant, s)]["receivers"][r].get("bursts_detected", 0) for s in seeds)
                herr = sum(runs[(scheme, variant, s)]["receivers"][r].get("header_errors", 0) for s in seeds)
                print(f"| {rx['receiver']} | {rx['task']} | {rx['snr_db']:g} | {scored} / {sent} | {bursts} | {herr} | "
                      f"{metric} ({unit}) | {statistics.fmean(sym.values()):.2f} | {statistics.fmean(wav.values()):.2f} | "
                      f"{diff:+.2f} [{diff - half:+.2f}, {diff + half:+.2f}] |")
            print()


if __name__ == "__main__":
    main()

#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Plots of evaluation CSVs: accuracy and PSNR against test SNR, one line per scheme and receiver."""

import csv
import os
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot(paths, out_dir, skip=()):
    """skip: "NAME:RX" receivers to leave out."""
    skip = set(skip)
    curves = defaultdict(list)
    for path in paths:
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["name"], int(row["receiver"]), row["task"])
                if f"{key[0]}:{key[1]}" in skip:
                    continue
                curves[key].append((float(row["snr_db"]), float(row["accuracy"]), float(row["psnr_db"]),
                                    float(row["ssim"])))
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for metric, col, label in (("accuracy", 1, "Accuracy"), ("psnr", 2, "PSNR (dB)"), ("ssim", 3, "SSIM")):
        fig, ax = plt.subplots(figsize=(6, 4.2))
        for (name, rx, task), pts in sorted(curves.items()):
            pts.sort()
            ax.plot([p[0] for p in pts], [p[col] for p in pts], marker="o", ms=3,
                    linestyle="-" if rx == 1 else "--", label=f"{name} Rx{rx} ({task})")
        ax.set_xlabel("test SNR (dB)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, f"{metric}_vs_snr.png")
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written

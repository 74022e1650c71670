#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Plots of `semcom alloc --sweep` CSVs, like the ASC paper's Figs. 4-11: a success metric against the
swept quantity, one line per algorithm (and per --curves value), with the spread over user drops.

  build/apps/semcom alloc --config examples/alloc_paper.json --algorithm all \\
      --sweep bandwidth=1e6:30e6:x8 --curves power=1e-3,1 --drops 5 --csv results/alloc/bandwidth.csv
  /usr/bin/python3 scripts/plot_alloc.py results/alloc/bandwidth.csv --out results/alloc/bandwidth.png
"""

import argparse
import csv
import sys
from collections import defaultdict

METRICS = {
    "average": "average success per user (optimised model)",
    "average_q": "average success per user (2Q)",
    "weighted": "weighted success per user",
    "weighted_q": "weighted success per user (2Q)",
    "total": "total success",
}
UNITS = {"bandwidth": ("B_max (MHz)", 1e-6), "power": ("P_max (mW)", 1e3), "users": ("users", 1.0),
         "ratio": ("fixed compression ratio o", 1.0)}


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    needed = {"sweep", "value", "curve", "curve_value", "algorithm", "average", "average_std"}
    missing = needed - set(rows[0])
    if missing:
        raise ValueError(f"{path}: not a `semcom alloc --sweep` CSV (missing {', '.join(sorted(missing))})")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="+", help="CSV files written by semcom alloc --sweep --csv")
    ap.add_argument("--metric", default="average", choices=sorted(METRICS), help="column to plot")
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("--logx", action="store_true", help="logarithmic x axis (default for power)")
    ap.add_argument("--title", default="")
    args = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = defaultdict(list)
    sweep = None
    for path in args.csv:
        for r in read(path):
            sweep = r["sweep"]
            key = (r["algorithm"], r["curve"], r["curve_value"])
            std = r.get(args.metric + "_std")
            lines[key].append((float(r["value"]), float(r[args.metric]), float(std) if std else 0.0))
    label, scale = UNITS.get(sweep, (sweep, 1.0))
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for (algorithm, curve, curve_value), pts in sorted(lines.items()):
        pts.sort()
        x = [p[0] * scale for p in pts]
        y = [p[1] for p in pts]
        name = algorithm.upper() + (f", {curve} = {float(curve_value):g}" if curve else "")
        line, = ax.plot(x, y, marker="o", ms=3, label=name)
        ax.fill_between(x, [p[1] - p[2] for p in pts], [p[1] + p[2] for p in pts], color=line.get_color(),
                        alpha=0.12, linewidth=0)
    ax.set_xlabel(label)
    ax.set_ylabel(METRICS[args.metric])
    if args.logx or sweep == "power":
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if args.title:
        ax.set_title(args.title, fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as e:
        print(f"plot_alloc.py: error: {e}", file=sys.stderr)
        sys.exit(1)

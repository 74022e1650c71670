#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Checks the scheduler's figure sweeps (scripts/alloc_figures.sh -> results/alloc/*.csv) against
the targets of issue #14 / the ASC digest §6.6 (S1-S5) and prints a markdown table: each target,
what was measured, met or not. Exit status 0 whatever the outcome (it reports, it does not gate).

  /usr/bin/python3 scripts/alloc_summary.py [results/alloc]
"""

import csv
import os
import sys
from collections import defaultdict


def load(folder, name):
    path = os.path.join(folder, name + ".csv")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} missing (run scripts/alloc_figures.sh)")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    curves = defaultdict(list)  # (algorithm, curve_value) -> [(value, row)]
    for r in rows:
        curves[(r["algorithm"], r["curve_value"])].append((float(r["value"]), r))
    for pts in curves.values():
        pts.sort(key=lambda p: p[0])
    return curves


def col(pts, metric):
    return [float(r[metric]) for _, r in pts]


def non_decreasing(values, tol=1e-3):
    return all(b >= a - tol for a, b in zip(values, values[1:]))


def main(argv):
    folder = argv[1] if len(argv) > 1 else "results/alloc"
    lines = []

    def row(target, measured, met):
        lines.append(f"| {target} | {measured} | {'met' if met else '**not met**'} |")

    # S1: interior maximum of success against a fixed ratio, argmax falling with B_max
    for name, label in (("fig4_ratio_power", "P_max"), ("fig5_ratio_bandwidth", "B_max")):
        c = load(folder, name)
        argmaxes = []
        for (alg, cv), pts in sorted(c.items(), key=lambda kv: float(kv[0][1])):
            y = col(pts, "average")
            best = max(range(len(y)), key=y.__getitem__)
            argmaxes.append((float(cv), pts[best][0]))
            unit = f"{float(cv) * 1e3:g} mW" if label == "P_max" else f"{float(cv) / 1e6:g} MHz"
            row(f"S1 success vs fixed o has an interior maximum ({label} = {unit})",
                f"max {y[best]:.3f} at o = {pts[best][0]:.2f} (o = {pts[0][0]:.2f}: {y[0]:.3f}, "
                f"o = {pts[-1][0]:.2f}: {y[-1]:.3f})", 0 < best < len(y) - 1)
        if label == "B_max":
            ratios = [o for _, o in sorted(argmaxes)]
            row("S1 the best fixed o does not rise with B_max",
                ", ".join(f"{b / 1e6:g} MHz: {o:.2f}" for b, o in sorted(argmaxes)),
                all(b <= a + 1e-9 for a, b in zip(ratios, ratios[1:])))

    # S2: success against B_max at 1 mW and 1 W
    c = load(folder, "fig6_7_bandwidth")
    powers = sorted({cv for _, cv in c}, key=float)
    ok = all(non_decreasing(col(pts, "average")) for pts in c.values())
    row("S2 success non-decreasing in B_max (every algorithm, both powers)", "checked on every curve", ok)
    low, high = powers[0], powers[-1]
    below = all(a <= b + 1e-9 for a, b in zip(col(c[("crra", low)], "average"), col(c[("crra", high)], "average")))
    row(f"S2 P_max = {float(low) * 1e3:g} mW curve below {float(high) * 1e3:g} mW", "CRRA at every B_max", below)
    for p in powers:
        crra = col(c[("crra", p)], "average")
        best = [max(a, b) for a, b in zip(col(c[("fcr", p)], "average"), col(c[("fra", p)], "average"))]
        msr = col(c[("msr", p)], "average")
        gains = [(x - b) / b * 100 if b > 0 else float("inf") for x, b in zip(crra, best)]
        b_values = [v for v, _ in c[("crra", p)]]
        row(f"S2 CRRA >= max(FCR, FRA) at every B_max (P_max = {float(p) * 1e3:g} mW)",
            "gain over the best baseline: " + ", ".join(f"{v / 1e6:.3g} MHz {g:+.1f} %" for v, g in zip(b_values, gains)),
            all(x >= b - 1e-9 for x, b in zip(crra, best)))
        row(f"S2 CRRA >= MSR + 0.1 (P_max = {float(p) * 1e3:g} mW)",
            f"smallest margin {min(x - m for x, m in zip(crra, msr)):.3f}", all(x >= m + 0.1 for x, m in zip(crra, msr)))
        if p == low:
            row("S2 >= 10 % over the best baseline at the tightest point (1 mW, smallest B_max)",
                f"{gains[0]:+.1f} % at {b_values[0] / 1e6:g} MHz", gains[0] >= 10)
            row("S2 gain largest at the smallest B_max (1 mW)", f"largest at {b_values[gains.index(max(gains))] / 1e6:.3g} MHz",
                gains.index(max(gains)) == 0)

    # S3: success against P_max
    c = load(folder, "fig8_power")
    ok = all(non_decreasing(col(pts, "average")) for (alg, _), pts in c.items() if alg != "msr")
    msr = col(c[("msr", "")], "average")
    row("S3 success non-decreasing in P_max (CRRA, FCR, FRA; MSR maximises the sum rate, not success)",
        f"MSR moves by {msr[-1] - msr[0]:+.4f} from the lowest to the highest P_max", ok)
    row("S3 MSR's range over P_max < 0.05", f"{max(msr) - min(msr):.3f}", max(msr) - min(msr) < 0.05)
    crra = col(c[("crra", "")], "average")
    best = [max(a, b) for a, b in zip(col(c[("fcr", "")], "average"), col(c[("fra", "")], "average"))]
    row("S3 CRRA >= FCR, FRA at every P_max", f"smallest margin {min(x - b for x, b in zip(crra, best)):+.4f}",
        all(x >= b - 1e-9 for x, b in zip(crra, best)))

    # S4: total success against users (tight: 20 MHz, 10 mW)
    c = load(folder, "fig9_users")
    key = lambda alg: [k for k in c if k[0] == alg][0]
    crra, fcr, fra, msr = (col(c[key(a)], "total") for a in ("crra", "fcr", "fra", "msr"))
    users = [v for v, _ in c[key("crra")]]
    row("S4 total success: CRRA >= FCR, FRA at every U", ", ".join(
        f"U={u:g}: {x:.2f} vs {max(a, b):.2f}" for u, x, a, b in zip(users, crra, fcr, fra)),
        all(x >= max(a, b) - 1e-9 for x, a, b in zip(crra, fcr, fra)))
    row("S4 FCR, FRA > MSR at every U", f"MSR at most {max(msr):.2f}",
        all(min(a, b) > m for a, b, m in zip(fcr, fra, msr)))

    # S5: weighted success, CRRAUS >= weighted CRRA >= FCR, FRA
    for name, what in (("fig10_weighted_bandwidth", "B_max"), ("fig11_weighted_power", "P_max")):
        c = load(folder, name)
        k = lambda alg: [kk for kk in c if kk[0] == alg][0]
        us, wc, fcr, fra = (col(c[k(a)], "weighted") for a in ("crraus", "crra-weighted", "fcr", "fra"))
        row(f"S5 CRRAUS >= weighted CRRA >= FCR, FRA (weighted success, against {what})",
            f"CRRAUS - weighted CRRA >= {min(a - b for a, b in zip(us, wc)):+.4f}; "
            f"weighted CRRA - best baseline >= {min(b - max(x, y) for b, x, y in zip(wc, fcr, fra)):+.4f}",
            all(a >= b - 1e-9 and b >= max(x, y) - 1e-9 for a, b, x, y in zip(us, wc, fcr, fra)))
        row(f"S5 weighted success non-decreasing in {what}", "every algorithm",
            all(non_decreasing(col(pts, "weighted")) for pts in c.values()))

    print("| target | measured | |")
    print("|---|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError, IndexError) as e:
        print(f"alloc_summary.py: error: {e}", file=sys.stderr)
        sys.exit(1)

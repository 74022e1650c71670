#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Paired comparisons over seeds (no torch: scripts that only read results use it too)."""

import math

# two-sided 95 % Student t quantiles by degrees of freedom
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def mean_std(values):
    n = len(values)
    m = sum(values) / n
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return m, s


def paired(a, b):
    """a, b: {seed: value}. Mean difference a - b over the common seeds, its std and the 95 % t
    interval half-width (NaN with one seed); None without a common seed."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    d = [a[s] - b[s] for s in seeds]
    m, s = mean_std(d)
    half = T975.get(len(d) - 1, 1.96) * s / math.sqrt(len(d)) if len(d) > 1 else float("nan")
    return {"mean": m, "std": s, "half": half, "seeds": len(d)}

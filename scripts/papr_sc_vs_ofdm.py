#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""PAPR of the burst waveform (single carrier, root-raised-cosine) against OFDM carrying the same
64-point superposition symbols: the measurement behind choosing single carrier
(docs/frame-format.md). Prints the PAPR exceeded by 0.1 % of the samples.

    /usr/bin/python3 scripts/papr_sc_vs_ofdm.py [--symbols N]
"""

import argparse

import numpy as np


def rrc(sps, beta, span):
    t = (np.arange(span * sps + 1) - span * sps / 2) / sps
    h = np.empty_like(t)
    for i, x in enumerate(t):
        if abs(x) < 1e-9:
            h[i] = 1 - beta + 4 * beta / np.pi
        elif abs(abs(x) - 1 / (4 * beta)) < 1e-9:
            h[i] = beta / np.sqrt(2) * ((1 + 2 / np.pi) * np.sin(np.pi / (4 * beta)) + (1 - 2 / np.pi) * np.cos(np.pi / (4 * beta)))
        else:
            h[i] = (np.sin(np.pi * x * (1 - beta)) + 4 * beta * x * np.cos(np.pi * x * (1 + beta))) / (np.pi * x * (1 - (4 * beta * x) ** 2))
    return h / np.sqrt(np.sum(h ** 2))


def papr_db(x, q=1e-3):
    p = np.abs(x) ** 2
    return 10 * np.log10(np.quantile(p, 1 - q) / np.mean(p))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--symbols", type=int, default=200_000)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    # 4QAM x 16QAM superposition at alpha = 16/21: a uniform 64QAM
    sym = ((2 * rng.integers(0, 8, a.symbols) - 7) + 1j * (2 * rng.integers(0, 8, a.symbols) - 7)) / np.sqrt(42)
    sps = 4
    up = np.zeros(a.symbols * sps, complex)
    up[::sps] = sym
    for beta in (0.2, 0.35, 0.5):
        sc = np.convolve(up, rrc(sps, beta, 8))[100:-100]
        print(f"single carrier, RRC roll-off {beta:.2f}: PAPR(0.1 %) = {papr_db(sc):.2f} dB")
    for n_fft in (64, 128):
        blocks = sym[: a.symbols // n_fft * n_fft].reshape(-1, n_fft)
        spec = np.zeros((blocks.shape[0], n_fft * sps), complex)  # 4x oversampled
        spec[:, : n_fft // 2] = blocks[:, : n_fft // 2]
        spec[:, -n_fft // 2:] = blocks[:, n_fft // 2:]
        print(f"OFDM, {n_fft} subcarriers: PAPR(0.1 %) = {papr_db(np.fft.ifft(spec, axis=1).ravel()):.2f} dB")


if __name__ == "__main__":
    main()

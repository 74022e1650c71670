#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Channel and constellation conventions, identical to semcom-core (DESIGN §4).

- SNR_dB = 10 log10(P / sigma^2), P = 1, complex noise CN(0, sigma^2): sigma^2 / 2 per real axis.
- Rayleigh h ~ CN(0, 1); Rician h ~ CN(sqrt(K/(K+1)), 1/(K+1)); block (one h per image) or per
  symbol. y = h x + n; zero-forcing y / h with perfect CSI is what the decoders see.
- Gray square QAM: index s = (gray(I level) << b) | gray(Q level), level 0 the most negative,
  amplitudes (2l - (L-1)) / sqrt(2(M-1)/3): unit average power.
- Superposition: Y = sum_k sqrt(alpha_k) C_k[s_k], alphas decreasing and summing to 1.
A test checks these tables against the C++ ones through the gr-semcom bindings.
"""

import math

import torch


def _side(order):
    side = int(round(math.sqrt(order)))
    if side * side != order or side & (side - 1) or order < 4:
        raise ValueError(f"square QAM order must be 4, 16, 64 or 256, got {order}")
    return side


def pam_levels(order):
    """Per-axis amplitudes of Gray square M-QAM, ascending, and the Gray code of each level."""
    side = _side(order)
    scale = 1.0 / math.sqrt(2.0 * (order - 1) / 3.0)
    levels = torch.tensor([(2 * l - (side - 1)) * scale for l in range(side)], dtype=torch.float32)
    codes = torch.tensor([l ^ (l >> 1) for l in range(side)], dtype=torch.long)
    return levels, codes


def qam_points(order):
    """Complex points of Gray square M-QAM indexed by symbol index (as semcom::Constellation)."""
    side = _side(order)
    bits = side.bit_length() - 1
    levels, codes = pam_levels(order)
    amp_of_code = torch.empty(side)
    amp_of_code[codes] = levels
    idx = torch.arange(order)
    return torch.complex(amp_of_code[idx >> bits], amp_of_code[idx & (side - 1)])


def constellation_points(name):
    name = name.lower()
    if name == "qpsk":
        name = "4qam"
    if not name.endswith("qam"):
        raise ValueError(f"only square QAM layers are supported in training, got '{name}'")
    return qam_points(int(name[:-3]))


def check_alphas(alphas):
    if any(a <= 0 for a in alphas):
        raise ValueError(f"alphas must be > 0: {alphas}")
    if any(b >= a for a, b in zip(alphas, alphas[1:])):
        raise ValueError(f"alphas must be strictly decreasing: {alphas}")
    if abs(sum(alphas) - 1.0) > 1e-5:
        raise ValueError(f"alphas must sum to 1: {alphas} sums to {sum(alphas)}")


def superposition_table(layers, alphas):
    """All super points, mixed-radix index with layer 1 most significant (as the C++ mapper)."""
    check_alphas(alphas)
    table = torch.zeros(1, dtype=torch.complex64)
    for name, alpha in zip(layers, alphas):
        pts = constellation_points(name) * math.sqrt(alpha)
        table = (table[:, None] + pts[None, :]).reshape(-1)
    return table


def level_index_to_symbol_index(level_i, level_q, order):
    """(I level, Q level) numbers -> Gray symbol index of square QAM (tensors of long)."""
    side = _side(order)
    bits = side.bit_length() - 1
    gray_i = level_i ^ (level_i >> 1)
    gray_q = level_q ^ (level_q >> 1)
    return (gray_i << bits) | gray_q


def noise_var(snr_db):
    return 10.0 ** (-torch.as_tensor(snr_db, dtype=torch.float32) / 10.0)


def parse_channel(spec):
    """'awgn' | 'rayleigh' | 'rician:K' -> (kind, K)."""
    if spec == "awgn":
        return "awgn", 0.0
    if spec == "rayleigh":
        return "rayleigh", 0.0
    if spec.startswith("rician:"):
        k = float(spec[7:])
        if not k > 0:
            raise ValueError(f"channel '{spec}': Rician K-factor must be > 0")
        return "rician", k
    raise ValueError(f"unknown channel '{spec}' (awgn, rayleigh, rician:K)")


def fading_gains(kind, k_factor, shape, generator=None):
    """h with E|h|^2 = 1 of the given shape (complex64); ones for AWGN."""
    if kind == "awgn":
        return torch.ones(shape, dtype=torch.complex64)
    k = k_factor if kind == "rician" else 0.0
    mu = math.sqrt(k / (k + 1.0))
    s = math.sqrt(1.0 / (k + 1.0) / 2.0)
    re = torch.randn(shape, generator=generator) * s + mu
    im = torch.randn(shape, generator=generator) * s
    return torch.complex(re, im)


def channel(x, snr_db, spec="awgn", block=True, generator=None):
    """y = h x + n for x complex [B, n]; snr_db a float or a [B] tensor. Returns the zero-forcing
    equalised y / h (perfect CSI) and the effective per-symbol noise variance sigma^2 / |h|^2."""
    kind, k = parse_channel(spec)
    b, n = x.shape
    nv = noise_var(snr_db)
    nv = nv.reshape(-1, 1) if nv.dim() else nv.reshape(1, 1)
    h = fading_gains(kind, k, (b, 1) if block else (b, n), generator)
    noise = torch.complex(torch.randn(b, n, generator=generator), torch.randn(b, n, generator=generator))
    y = h * x + noise * torch.sqrt(nv / 2)
    return y / h, nv / (h.abs() ** 2)


def to_real(z):
    """complex [B, n] -> float [B, n, 2] (I, Q): the decoders' input layout."""
    return torch.stack((z.real, z.imag), dim=-1)

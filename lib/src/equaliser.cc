/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/equaliser.h>

#include <semcom/channel.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace semcom {

ChannelEstimate estimate_from_pilots(const cfloat* rx, const cfloat* pilots, std::size_t n)
{
    if (n < 2)
        throw std::invalid_argument("channel estimate: need at least 2 pilots, got " +
                                    std::to_string(n));
    std::complex<double> num = 0.0;
    double den = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        num += std::conj(std::complex<double>(pilots[i])) * std::complex<double>(rx[i]);
        den += std::norm(std::complex<double>(pilots[i]));
    }
    if (!(den > 0.0))
        throw std::invalid_argument("channel estimate: pilots are all zero");
    ChannelEstimate e;
    const std::complex<double> h = num / den;
    double residual = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        residual += std::norm(std::complex<double>(rx[i]) - h * std::complex<double>(pilots[i]));
    // The noise variance does not depend on the pilots' power; the SNR is that of unit-power data.
    e.h = cfloat(h);
    e.noise_var = static_cast<float>(residual / (n - 1));
    e.snr_db = effective_snr_db(e.h, e.noise_var);
    return e;
}

float effective_snr_db(cfloat h, float noise_var)
{
    if (!(noise_var > 0.0f))
        return std::numeric_limits<float>::infinity();
    return static_cast<float>(snr_db_from_noise_variance(double(noise_var) / std::norm(h)));
}

EqualiserKind equaliser_kind_from_name(const std::string& name)
{
    if (name == "zf")
        return EqualiserKind::zf;
    if (name == "mmse")
        return EqualiserKind::mmse;
    throw std::invalid_argument("unknown equaliser '" + name + "' (expected zf or mmse)");
}

void Equaliser::equalise(const cfloat* y, cfloat h, float noise_var, cfloat* out, std::size_t n) const
{
    // a zero (or NaN, infinite) gain carries nothing: zeros out, not inf or NaN
    const float g = std::norm(h);
    const cfloat w = !(g > 0.0f) || !std::isfinite(g) ? cfloat(0.0f)
                     : d_kind == EqualiserKind::zf   ? 1.0f / h
                                                     : std::conj(h) / (g + noise_var);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = y[i] * w;
}

void Equaliser::equalise(
    const cfloat* y, const cfloat* h, float noise_var, cfloat* out, std::size_t n) const
{
    for (std::size_t i = 0; i < n; ++i) {
        const float g = std::norm(h[i]);
        if (!(g > 0.0f) || !std::isfinite(g))
            out[i] = 0.0f; // a zero (or NaN, infinite) gain carries nothing
        else
            out[i] = y[i] * std::conj(h[i]) / (d_kind == EqualiserKind::zf ? g : g + noise_var);
    }
}

void Equaliser::zero_force(const cfloat* y,
                           const cfloat* h,
                           float noise_var,
                           cfloat* out,
                           float* out_noise_var,
                           std::size_t n) const
{
    if (d_kind != EqualiserKind::zf)
        throw std::logic_error("Equaliser::zero_force: the equaliser is not zero forcing");
    for (std::size_t i = 0; i < n; ++i) {
        const float g = std::norm(h[i]);
        out[i] = g > 0.0f ? y[i] / h[i] : cfloat(0.0f);
        out_noise_var[i] = g > 0.0f ? noise_var / g : 1e12f;
    }
}

} // namespace semcom

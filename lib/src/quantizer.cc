/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/quantizer.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace semcom {

Quantizer::Quantizer(unsigned bits) : d_bits(bits)
{
    if (bits < 1 || bits > 8)
        throw std::invalid_argument("quantizer: bits must be in 1..8, got " +
                                    std::to_string(bits));
}

QuantizerRange Quantizer::range_of(const float* z, std::size_t n)
{
    if (n == 0)
        throw std::invalid_argument("quantizer: empty frame has no range");
    const auto [lo, hi] = std::minmax_element(z, z + n);
    return { *lo, *hi };
}

void Quantizer::check(const QuantizerRange& r) const
{
    if (!std::isfinite(r.z_min) || !std::isfinite(r.z_max))
        throw std::invalid_argument("quantizer: range bounds must be finite (NaN or inf in input?)");
    if (r.z_max < r.z_min)
        throw std::invalid_argument("quantizer: z_max (" + std::to_string(r.z_max) +
                                    ") < z_min (" + std::to_string(r.z_min) + ")");
    if (!std::isfinite(r.z_max - r.z_min))
        throw std::invalid_argument("quantizer: the range [" + std::to_string(r.z_min) + ", " +
                                    std::to_string(r.z_max) + "] is wider than a float holds");
}

float Quantizer::step(const QuantizerRange& r) const
{
    check(r);
    return (r.z_max - r.z_min) / float(levels() - 1);
}

void Quantizer::quantize(const float* z,
                         std::size_t n,
                         const QuantizerRange& r,
                         std::uint16_t* codes) const
{
    check(r);
    if (r.z_max == r.z_min) {
        std::fill_n(codes, n, std::uint16_t(0));
        return;
    }
    const float top = float(levels() - 1);
    const float rho = top / (r.z_max - r.z_min);
    if (!std::isfinite(rho)) { // a range narrower than top / FLT_MAX: one level
        std::fill_n(codes, n, std::uint16_t(0));
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        // compared before the conversion: a NaN (a NaN value, or inf - inf) takes code 0, as a value
        // below the range does; converting NaN to an integer is undefined
        const float v = std::nearbyint(rho * (z[i] - r.z_min));
        codes[i] = static_cast<std::uint16_t>(v > 0.0f ? std::min(v, top) : 0.0f);
    }
}

void Quantizer::dequantize(const std::uint16_t* codes,
                           std::size_t n,
                           const QuantizerRange& r,
                           float* z) const
{
    const float delta = step(r);
    for (std::size_t i = 0; i < n; ++i)
        z[i] = r.z_min + float(codes[i]) * delta;
}

QuantizedMapper::QuantizedMapper(unsigned bits,
                                 RangeMode mode,
                                 std::optional<QuantizerRange> calibrated)
    : d_quantizer(bits), d_mode(mode)
{
    if (mode == RangeMode::calibrated) {
        if (!calibrated)
            throw std::invalid_argument(
                "quantized mapper: range mode 'calibrated' needs z_min and z_max");
        if (!(calibrated->z_max > calibrated->z_min))
            throw std::invalid_argument("quantized mapper: calibrated range needs z_max > z_min, got [" +
                                        std::to_string(calibrated->z_min) + ", " +
                                        std::to_string(calibrated->z_max) + "]");
        d_calibrated = *calibrated;
    }
}

QuantizedFrameInfo QuantizedMapper::map(const float* z, std::size_t n_values, cfloat* out, std::size_t sent) const
{
    if (n_values == 0 || n_values % 2)
        throw std::invalid_argument("quantized mapper: need an even, non-zero number of values "
                                    "(two per complex symbol), got " +
                                    std::to_string(n_values));
    QuantizedFrameInfo info;
    info.bits = d_quantizer.bits();
    info.values = static_cast<std::uint32_t>(n_values);
    if (sent > n_values / 2)
        throw std::invalid_argument("quantized mapper: " + std::to_string(sent) + " symbols to send of " +
                                    std::to_string(n_values / 2));
    info.sent = static_cast<std::uint32_t>(sent);
    // a NaN or infinite feature is no value to send (the quantizer would make it code 0, silently)
    const auto bad = std::find_if(z, z + n_values, [](float v) { return !std::isfinite(v); });
    if (bad != z + n_values)
        throw std::invalid_argument("quantized mapper: feature " + std::to_string(bad - z) + " of " +
                                    std::to_string(n_values) + " is " + std::to_string(*bad) +
                                    ", not a finite number");
    info.range = d_mode == RangeMode::per_frame ? Quantizer::range_of(z, n_values) : d_calibrated;

    d_codes.resize(n_values);
    d_deq.resize(n_values);
    d_quantizer.quantize(z, n_values, info.range, d_codes.data());
    d_quantizer.dequantize(d_codes.data(), n_values, info.range, d_deq.data());

    const std::size_t n_sym = n_values / 2, n_sent = sent ? sent : n_sym;
    double energy = 0.0;
    for (std::size_t i = 0; i < 2 * n_sent; ++i)
        energy += double(d_deq[i]) * d_deq[i];
    info.gain = energy > 0.0 ? static_cast<float>(std::sqrt(n_sent / energy)) : 1.0f;
    for (std::size_t k = 0; k < n_sym; ++k)
        out[k] = k < n_sent ? cfloat(d_deq[2 * k], d_deq[2 * k + 1]) * info.gain : cfloat(0.0f, 0.0f);
    return info;
}

std::size_t QuantizedDemapper::demap(const cfloat* y,
                                     const QuantizedFrameInfo& info,
                                     float* z,
                                     bool snap) const
{
    if (info.values % 2)
        throw std::invalid_argument("quantized demapper: odd value count in side information");
    if (!(info.gain > 0.0f) || !std::isfinite(info.gain))
        throw std::invalid_argument("quantized demapper: gain in side information must be > 0");
    const Quantizer q(info.bits);
    const float inv_gain = 1.0f / info.gain;
    const std::size_t n_sym = info.values / 2;
    const std::size_t n_sent = info.sent ? std::min<std::size_t>(info.sent, n_sym) : n_sym;
    std::size_t nonfinite = 0;
    for (std::size_t k = 0; k < n_sym; ++k) {
        const bool usable = k < n_sent && std::isfinite(y[k].real()) && std::isfinite(y[k].imag());
        nonfinite += k < n_sent && !usable;
        z[2 * k] = usable ? y[k].real() * inv_gain : 0.0f;
        z[2 * k + 1] = usable ? y[k].imag() * inv_gain : 0.0f;
    }
    if (snap) {
        std::vector<std::uint16_t> codes(info.values);
        q.quantize(z, info.values, info.range, codes.data());
        q.dequantize(codes.data(), info.values, info.range, z);
    }
    return nonfinite;
}

RangeMode range_mode_from_name(const std::string& name)
{
    if (name == "per_frame" || name == "frame")
        return RangeMode::per_frame;
    if (name == "calibrated" || name == "model")
        return RangeMode::calibrated;
    throw std::invalid_argument("unknown quantizer range mode '" + name +
                                "' (expected per_frame or calibrated)");
}

} // namespace semcom

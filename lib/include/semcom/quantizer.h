/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_QUANTIZER_H
#define SEMCOM_QUANTIZER_H

#include <semcom/constellation.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom {

//! The quantizer's input range [z_min, z_max].
struct QuantizerRange {
    float z_min = 0.0f;
    float z_max = 0.0f;
};

/*!
 * \brief Asymmetric q-bit scalar quantizer (MIJSCC, DESIGN §4).
 *
 * z_q = clamp(round(rho (z - z_min)), 0, 2^q - 1) with rho = (2^q - 1) / (z_max - z_min);
 * dequantised value z_min + z_q / rho. For z within the range the error is at most
 * Delta / 2, Delta = 1 / rho; values outside are clamped to the range ends.
 *
 * Degenerate range (z_max == z_min, e.g. a frame whose values are all equal): every code is 0
 * and dequantises to z_min, which is exact for that frame. A range with z_max < z_min, or a
 * non-finite bound, is an error.
 */
class Quantizer
{
public:
    explicit Quantizer(unsigned bits);

    unsigned bits() const { return d_bits; }
    unsigned levels() const { return 1u << d_bits; }

    //! min and max of z (the per-frame range).
    static QuantizerRange range_of(const float* z, std::size_t n);
    //! Step Delta = (z_max - z_min) / (2^q - 1); 0 for a degenerate range.
    float step(const QuantizerRange& range) const;

    void quantize(const float* z, std::size_t n, const QuantizerRange& range,
                  std::uint16_t* codes) const;
    void dequantize(const std::uint16_t* codes, std::size_t n, const QuantizerRange& range,
                    float* z) const;

private:
    void check(const QuantizerRange& range) const;
    unsigned d_bits;
};

//! Where the quantizer range comes from.
enum class RangeMode {
    per_frame, //!< min/max of each frame, sent in the frame header
    calibrated //!< fixed per model, from its manifest
};

//! Side information a receiver needs to invert one quantized frame (carried in the header).
struct QuantizedFrameInfo {
    unsigned bits = 8;
    QuantizerRange range;
    float gain = 1.0f;       //!< power-normalisation gain applied to the dequantised values
    std::uint32_t values = 0; //!< real values in the frame (2 per symbol)
    std::uint32_t sent = 0;   //!< A-MIJSCC: symbols sent, the first of the frame (0 = all)
};

/*!
 * \brief Quantized constellation mapping: 2n real features -> n unit-power complex symbols.
 *
 * The features are quantised and dequantised (so the radio carries exactly the values the
 * quantised model saw in training), paired into I/Q symbols x_k = z[2k] + j z[2k+1], and scaled
 * by the per-frame gain g = sqrt(n / sum |x_k|^2) to unit average power (g = 1 if the frame is all
 * zeros). The side information (bits, range, gain, value count) goes in the frame header.
 *
 * The symbols form a uniform (2^q)^2-point grid (shifted by z_min and scaled by g), so the
 * demapper can also snap a received symbol back to the nearest grid value (hard decision), or
 * return the noisy features y / g that a neural decoder trained with analog noise expects.
 */
class QuantizedMapper
{
public:
    QuantizedMapper(unsigned bits, RangeMode mode,
                    std::optional<QuantizerRange> calibrated = std::nullopt);

    const Quantizer& quantizer() const { return d_quantizer; }
    RangeMode mode() const { return d_mode; }

    /*!
     * Maps \p n_values (even) features to n_values / 2 symbols in \p out. With sent > 0
     * (A-MIJSCC's end index) only the first sent symbols are sent: the rest are 0 and the gain
     * gives the sent ones unit average power; the range is still the whole frame's.
     */
    QuantizedFrameInfo map(const float* z, std::size_t n_values, cfloat* out, std::size_t sent = 0) const;

private:
    Quantizer d_quantizer;
    RangeMode d_mode;
    QuantizerRange d_calibrated;
    mutable std::vector<std::uint16_t> d_codes;
    mutable std::vector<float> d_deq;
};

class QuantizedDemapper
{
public:
    //! Writes info.values features recovered from info.values / 2 received symbols (those past
    //! info.sent, when set, were not sent: 0). snap = true rounds each value to the nearest
    //! quantizer level (hard decision). A NaN or infinite symbol carries nothing: its two values
    //! are 0, as if not sent. Returns how many such symbols there were.
    std::size_t demap(const cfloat* y, const QuantizedFrameInfo& info, float* z, bool snap = false) const;
};

RangeMode range_mode_from_name(const std::string& name);

} // namespace semcom

#endif

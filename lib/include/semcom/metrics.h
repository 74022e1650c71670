/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_METRICS_H
#define SEMCOM_METRICS_H

#include <cstddef>
#include <cstdint>

namespace semcom {

//! PSNR in dB of \p n values in [0, max_value]; +inf for identical inputs.
double psnr(const float* reference, const float* test, std::size_t n, double max_value = 1.0);

/*!
 * \brief Mean SSIM (Wang et al. 2004) of two images, HWC layout, values in [0, max_value].
 *
 * Gaussian window 11x11, sigma 1.5, K1 = 0.01, K2 = 0.03, computed per channel over the "valid"
 * region (windows entirely inside the image) and averaged: the same as skimage's
 * structural_similarity(gaussian_weights=True, use_sample_covariance=False) and torchmetrics'
 * default on images of at least 11x11.
 */
double ssim(const float* reference, const float* test, std::size_t height, std::size_t width,
            std::size_t channels = 1, double max_value = 1.0);

//! Counts events out of trials: symbol/bit errors, correct classifications.
class RateCounter
{
public:
    void add(std::uint64_t events, std::uint64_t trials)
    {
        d_events += events;
        d_trials += trials;
    }
    std::uint64_t events() const { return d_events; }
    std::uint64_t trials() const { return d_trials; }
    //! events / trials, 0 before any trial
    double rate() const { return d_trials ? double(d_events) / double(d_trials) : 0.0; }
    //! Half-width of the Wilson score interval at the given z (1.96 for 95 %).
    double wilson_half_width(double z = 1.96) const;

private:
    std::uint64_t d_events = 0;
    std::uint64_t d_trials = 0;
};

//! Symbol errors between two index streams.
std::uint64_t count_symbol_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n);
//! Bit errors between two index streams over the low \p bits bits.
std::uint64_t count_bit_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                               unsigned bits);

} // namespace semcom

#endif

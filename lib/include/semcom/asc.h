/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_ASC_H
#define SEMCOM_ASC_H

#include <semcom/gaussian.h>

#include <cstddef>
#include <cstdint>
#include <vector>

/*!
 * \brief Adaptable semantic compression (ASC) on the uplink model of the CRRA scheduler
 * (../shared/papers/asc-crra-digest.md §2.4, §6.5): which features a compression ratio keeps, and
 * whether a user's frame meets its delay over its share of bandwidth and power.
 */
namespace semcom::asc {

/*!
 * Features dropped at compression ratio \p ratio of \p features: floor(ratio * features + 1e-9)
 * (the rule of the `asc` object in docs/model-manifest.md; the 1e-9 keeps o = j/K on j).
 * Throws std::invalid_argument for a ratio outside [0, 1] or not finite.
 */
std::size_t dropped_features(double ratio, std::size_t features);

/*!
 * Keep mask over the features from the shipped importance \p order (least important first): the
 * first dropped_features(ratio, K) entries of order are dropped. Transmitter and receiver build it
 * the same way from the manifest, so no mask travels. Throws std::invalid_argument when order is
 * not a permutation of 0 .. K-1.
 */
std::vector<bool> keep_mask(const std::vector<int>& order, double ratio);

/*!
 * \brief One user's uplink in the allocation model (Lemma 1): a frame of `bits` bits must cross
 * within `delay_s` over `bandwidth_hz` at `power_w`; the channel power gain |h| is half-normal of
 * scale `gain` (the paper's h ~ N(0, δ²), of which 2Q is the tail of |h|).
 */
struct OutageLink {
    double bandwidth_hz = 1e6;
    double power_w = 1e-3;
    double noise_psd_w_per_hz = 3.981071705534972e-21;
    double gain = 1.0; //!< δ
    double delay_s = 0.01;

    //! The smallest |h| that carries \p bits in time: N0 B (2^{bits / (B t0)} - 1) / P (inf on overflow).
    double threshold(double bits) const;
    //! B log2(1 + |h| P / (N0 B)) >= bits / t0.
    bool delivered(double bits, double abs_h) const;
    //! P(|h| >= threshold) = 2 Q(threshold / δ): what the scheduler predicts.
    double success_probability(double bits) const;
    //! Throws std::invalid_argument naming the first field that is not finite and > 0.
    void validate() const;
};

//! Draws |h| for OutageLink: the absolute value of N(0, δ²), from semcom-core's GaussianSource.
class HalfNormalGain
{
public:
    HalfNormalGain(double scale, std::uint64_t seed);
    double operator()();

private:
    double d_scale;
    GaussianSource d_normal;
    std::vector<float> d_block; //!< drawn a block at a time, as GaussianSource is fastest
    std::size_t d_next = 0;
};

/*!
 * \brief Users dropped in a circular cell around the server (digest §6.3.4): uniform over the
 * annulus min_distance_m .. radius_m, path gain 10^{-(a + b log10(d / 1 km)) / 10}
 * (3GPP-macro-like a = 128.1, b = 37.6).
 */
struct Cell {
    double radius_m = 500.0;
    double min_distance_m = 50.0;
    double pathloss_a_db = 128.1;
    double pathloss_b_db = 37.6;

    //! Linear power gain at \p distance_m.
    double path_gain(double distance_m) const;
    //! \p users distances, uniform over the annulus's area, reproducible from \p seed.
    std::vector<double> drop(std::size_t users, std::uint64_t seed) const;
    //! Throws std::invalid_argument for 0 < min_distance_m < radius_m violated or non-finite values.
    void validate() const;
};

} // namespace semcom::asc

#endif // SEMCOM_ASC_H

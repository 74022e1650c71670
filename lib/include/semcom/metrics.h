/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_METRICS_H
#define SEMCOM_METRICS_H

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

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

/*!
 * \brief PSNR and SSIM of images in the models' layout (CHW, values in [0, 1], DESIGN §4).
 *
 * PSNR with MAX = 1, capped at psnr_cap_db so that an identical image (PSNR +inf) does not make a
 * mean infinite; SSIM as ssim() above, on HWC copies (the transpose happens here, in buffers
 * reused from call to call: one scorer per thread). Images must be at least 11x11 (the SSIM
 * window).
 */
class ImageScorer
{
public:
    static constexpr double psnr_cap_db = 100.0;

    ImageScorer(std::size_t channels, std::size_t height, std::size_t width);

    struct Score {
        double psnr_db; //!< capped at psnr_cap_db
        double ssim;
    };
    Score score(const float* reference_chw, const float* test_chw);

    std::size_t image_size() const { return d_c * d_h * d_w; }

private:
    std::size_t d_c, d_h, d_w;
    std::vector<float> d_hwc_a, d_hwc_b;
};

/*!
 * \brief Pairs decoded frames with the images that were sent, by sequence number.
 *
 * Two streams of frames, each frame with its sequence number (seq < 0: the frame carries none).
 * Both streams are in sending order; the decoded one has holes (bursts lost on the way) and may
 * hold frames whose original is gone (e.g. a stale burst). For each decoded frame with seq s:
 * originals with a smaller seq are skipped and counted missing (their frame never came); if the
 * next original is s they are paired; otherwise the decoded frame is skipped (an orphan). A
 * decoded frame without seq is paired with the next original, one to one.
 *
 * match() works on what has arrived so far: it stops when the originals run out (more may come)
 * or after max_pairs pairs, and says how many of each stream it used up; the caller drops those
 * and calls again with what is left plus what arrived since. metrics_sink and frame_matcher
 * (the image grid of `semcom rx`) share it.
 */
class FrameMatcher
{
public:
    struct Pair {
        std::size_t original, decoded; //!< indices into the arrays given to match()
    };
    struct Step {
        std::vector<Pair> pairs;
        std::size_t originals_used = 0, decoded_used = 0;
        std::size_t missing = 0; //!< originals skipped in this step
        std::size_t orphans = 0; //!< decoded frames skipped in this step
    };

    Step match(const long long* original_seq,
               std::size_t n_originals,
               const long long* decoded_seq,
               std::size_t n_decoded,
               std::size_t max_pairs = std::numeric_limits<std::size_t>::max());

    //! Totals over every match() so far.
    std::uint64_t matched() const { return d_matched; }
    std::uint64_t missing() const { return d_missing; }
    std::uint64_t orphans() const { return d_orphans; }

private:
    std::uint64_t d_matched = 0, d_missing = 0, d_orphans = 0;
};

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
    //! The Wilson score interval [low, high] at the given z (centred at (p + z²/2n) / (1 + z²/n)).
    std::pair<double, double> wilson_interval(double z = 1.96) const;

private:
    std::uint64_t d_events = 0;
    std::uint64_t d_trials = 0;
};

//! Symbol errors between two index streams.
std::uint64_t count_symbol_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n);
//! Bit errors between two index streams over the low \p bits bits.
std::uint64_t count_bit_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                               unsigned bits);
/*!
 * Bit errors of hard decisions from LLRs (ln P(0) / P(1), the sign decides: bit 1 when the LLR
 * is negative) against the sent indices: \p llrs holds n * bits values, each index's bits MSB
 * first, as SuperpositionDemapper::llrs writes them.
 */
std::uint64_t count_llr_bit_errors(const float* llrs, const std::uint8_t* sent, std::size_t n,
                                   unsigned bits);

} // namespace semcom

#endif

/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_CODEBOOK_H
#define SEMCOM_CODEBOOK_H

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace semcom {

/*!
 * \brief Posterior of each constellation point given a received (equalised) symbol (U-DeepSC).
 *
 * U-DeepSC sends, per token, `groups` codebook indices, one constellation point each. Its decoder
 * takes for each index the posterior over the K points, not a hard decision, so that it can weight
 * the codewords by how sure the channel left it. The posterior is the one of the Python reference
 * (python/semcom_train/schemes/udeepsc.py, `posteriors`):
 *
 *   p(k | y) = softmax_k(log_prior_k - |y - s_k|^2 / noise_var),
 *
 * i.e. complex AWGN of total variance noise_var (noise_var / 2 per axis). After zero forcing a flat
 * channel h the noise variance is sigma^2 / |h|^2, which is why a per-symbol variant exists.
 *
 * The exponents are formed in double precision, without the |y|^2 that all points share (so a
 * far-away y still tells the points apart), and the largest is subtracted before exp()
 * (log-sum-exp), so far-away symbols at tiny noise variances neither overflow nor give 0/0.
 * No scratch state: the const methods may be called from several threads at once.
 */
class IndexDemapper
{
public:
    //! points: the K constellation points (point number = index into points); log_prior: K
    //! natural-log prior weights (need not be normalised; empty = uniform). invalid_argument: no
    //! points, a size mismatch, a non-finite point or prior (a -inf prior would make a point
    //! impossible, which the trained codebook never means).
    explicit IndexDemapper(std::vector<std::complex<float>> points,
                           std::vector<float> log_prior = {});

    std::size_t order() const { return d_points.size(); }
    const std::vector<std::complex<float>>& points() const { return d_points; }
    //! The normalised prior p(k) = softmax(log_prior): the row written for a non-finite symbol.
    const std::vector<float>& prior() const { return d_prior; }

    //! out[i*K + k] = p(k | y_i) ∝ exp(log_prior_k − |y_i − s_k|² / noise_var) (complex AWGN of
    //! variance noise_var, after zero forcing noise_var = σ²/|h|²), computed with the max
    //! subtracted (log-sum-exp) so it never overflows or gives NaN. noise_var must be finite and
    //! > 0 (invalid_argument otherwise, before anything is written).
    //! A non-finite y_i gives the prior for that row (nothing is known about it); returns how
    //! many rows that was.
    std::size_t posteriors(const std::complex<float>* y, std::size_t n, float noise_var, float* out) const;
    //! Per-symbol noise variances (n entries), same rules (any bad entry is refused, naming it).
    std::size_t posteriors(const std::complex<float>* y, std::size_t n, const float* noise_var,
                           float* out) const;
    //! Hard decisions (the official U-DeepSC behaviour): out row = one-hot of the maximum
    //! a-posteriori point (with a uniform prior: the nearest point; ties: the lower point number).
    //! Same return value / rules: a non-finite y_i gives the prior row, not a one-hot guess.
    std::size_t hard_decisions(const std::complex<float>* y, std::size_t n, float noise_var, float* out) const;

private:
    template <typename NoiseVar>
    std::size_t soft(const std::complex<float>* y, std::size_t n, NoiseVar nv, float* out) const;

    std::vector<std::complex<float>> d_points;
    std::vector<double> d_energy;    //!< |s_k|^2
    std::vector<double> d_log_prior; //!< as given (all 0 for a uniform prior)
    std::vector<float> d_prior;      //!< softmax(d_log_prior)
    bool d_uniform;                  //!< all log priors equal: MAP = nearest point
};

/*!
 * \brief Layout of a codebook frame: `receivers` task segments; each receiver's segment carries,
 * for each of its kept tokens (of `tokens`), `groups` indices (one symbol each), kept tokens in
 * increasing token position.
 *
 * The segments follow each other without gaps (receiver 0 first): a dropped token costs no
 * channel use, which is the point of U-DeepSC's token dropping. slots() is the frame's size when
 * every token is kept, the channel uses it is budgeted for.
 */
struct CodebookLayout {
    std::size_t receivers, tokens, groups;
    //! Indices each receiver's task sends per kept token: the first sent_groups[r] of the token's
    //! `groups` (U-DeepSC: recovery all 4, the classes 1); empty = `groups` for every receiver.
    std::vector<std::size_t> sent_groups = {};
    std::size_t slots() const { return receivers * tokens * groups; } //!< the frame's channel uses
    //! Receiver r's indices per kept token.
    std::size_t sent(std::size_t r) const { return sent_groups.empty() ? groups : sent_groups[r]; }
};

//! A run of symbols within a frame: [offset, offset + length).
struct Segment {
    std::size_t offset, length;
};

//! Where receiver r's symbols sit in a frame (slot offset and count), from the keep masks of all
//! receivers (masks: receivers*tokens bytes, receiver-major, each 0 or 1): offset = the sum over
//! receivers q < r of sent(q) x the tokens q keeps, length = sent(r) x the tokens r keeps.
//! invalid_argument naming the problem for a mask value other than 0/1 (in any receiver's mask: a
//! corrupt mask moves every later segment), r out of range, or a layout with a zero field or
//! sent_groups not one entry in 1..groups per receiver.
Segment codebook_segment(const CodebookLayout& layout, const std::uint8_t* masks, std::size_t r);

//! Symbols the frame really sends: sum over receivers of kept tokens x sent(r) (same checks).
std::size_t codebook_symbols_sent(const CodebookLayout& layout, const std::uint8_t* masks);

//! Scatter receiver r's segment posteriors (segment.length rows of K = \p order) to the decoder's
//! input: out has tokens*groups rows of K, row (t*groups + g) = the posterior of kept token t's
//! g-th index, zero rows for dropped tokens (what the decoder was trained with; it replaces them by
//! its mask token); mask_r = that receiver's `tokens` mask bytes. invalid_argument for a zero
//! tokens/groups/order or a mask value other than 0/1 (before anything is written).
void scatter_posteriors(const float* segment_posteriors, const std::uint8_t* mask_r, std::size_t tokens,
                        std::size_t groups, std::size_t order, float* out);
//! The same for a receiver that sends the first \p sent_groups of each kept token's \p groups
//! indices (its segment has sent_groups rows per kept token); the other rows are zero.
void scatter_posteriors(const float* segment_posteriors, const std::uint8_t* mask_r, std::size_t tokens,
                        std::size_t groups, std::size_t sent_groups, std::size_t order, float* out);

} // namespace semcom

#endif

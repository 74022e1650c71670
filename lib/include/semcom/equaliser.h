/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_EQUALISER_H
#define SEMCOM_EQUALISER_H

#include <semcom/constellation.h>

#include <string>

namespace semcom {

//! What a receiver knows of its flat channel: the gain, the noise variance and the SNR.
struct ChannelEstimate {
    cfloat h{ 1.0f, 0.0f };
    float noise_var = 0.0f;
    //! 10 log10(|h|^2 / noise_var): the SNR after equalisation, for unit-power symbols
    float snr_db = 0.0f;
};

/*!
 * \brief Least-squares estimate of a flat channel from n >= 2 known pilots.
 *
 * h = sum(conj(p) y) / sum(|p|^2). The noise variance is the mean residual power
 * sum |y - h p|^2 / (n - 1): one complex degree of freedom went into h, which makes the estimate
 * unbiased. The SNR is |h|^2 / noise_var (unit-power data symbols).
 */
ChannelEstimate estimate_from_pilots(const cfloat* rx, const cfloat* pilots, std::size_t n);

//! 10 log10(|h|^2 / noise_var).
float effective_snr_db(cfloat h, float noise_var);

enum class EqualiserKind {
    zf,  //!< x = y / h: unbiased, the choice before hard decisions and neural decoders
    mmse //!< x = conj(h) y / (|h|^2 + noise_var): minimum mean-square error, shrinks toward 0
};

EqualiserKind equaliser_kind_from_name(const std::string& name);

/*!
 * \brief One-tap equaliser for flat fading, with a single h (block fading) or one per symbol.
 */
class Equaliser
{
public:
    explicit Equaliser(EqualiserKind kind) : d_kind(kind) {}
    EqualiserKind kind() const { return d_kind; }

    void equalise(const cfloat* y, cfloat h, float noise_var, cfloat* out, std::size_t n) const;
    void equalise(const cfloat* y, const cfloat* h, float noise_var, cfloat* out,
                  std::size_t n) const;

    /*!
     * \brief Zero forcing with the noise it leaves: out[i] = y[i] / h[i] and
     * out_noise_var[i] = noise_var / |h[i]|^2, the per-symbol variance that exact LLRs of the
     * equalised symbols need (a deep fade amplifies the noise). A symbol with h = 0 carries
     * nothing: out 0, variance 1e12. Genie receivers (perfect h) of the apps use it; an
     * Equaliser of kind mmse refuses it (its output is biased, not x + noise).
     */
    void zero_force(const cfloat* y, const cfloat* h, float noise_var, cfloat* out,
                    float* out_noise_var, std::size_t n) const;

private:
    EqualiserKind d_kind;
};

} // namespace semcom

#endif

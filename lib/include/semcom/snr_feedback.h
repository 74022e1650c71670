/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_SNR_FEEDBACK_H
#define SEMCOM_SNR_FEEDBACK_H

#include <cstdint>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief SNR feedback from N receivers to an encoder that takes their SNRs (DeepBroadcast).
 *
 * The encoder keeps one value per receiver: a configured default until the receiver's first
 * report, then the latest report, clamped to the SNR range that receiver was trained at (a model
 * fed an SNR outside it extrapolates). A report for an unknown receiver or a non-finite value is
 * refused with a reason and changes nothing. Receivers are numbered from 1.
 */
class SnrTable
{
public:
    //! An SNR range [lo, hi] in dB.
    struct Range {
        double lo = 0.0, hi = 0.0;
    };

    //! What one report did.
    struct Update {
        bool accepted = false; //!< false: refused, nothing stored (reason says why)
        std::string reason;    //!< why it was refused; empty when accepted
        int receiver = 0;      //!< 1-based, as reported
        double reported_db = 0.0;
        float old_db = 0.0f, new_db = 0.0f; //!< the value used before and after
        bool clamped = false;  //!< the report was outside the trained range
        bool changed() const { return accepted && old_db != new_db; }
        //! "receiver 2: 10.00 -> 19.00 dB (reported 23.50, clamped to the trained range [-5, 19])".
        std::string describe() const;
    };

    /*!
     * \param receivers N >= 1
     * \param default_db every receiver's value until its first report (used as given)
     * \param ranges none (no clamping) or one per receiver; std::invalid_argument otherwise or
     *        for a range with lo > hi or a non-finite bound
     */
    SnrTable(std::size_t receivers, float default_db, std::vector<Range> ranges = {});

    //! Merges one report (latest value kept, clamped); see Update.
    Update report(long receiver, double snr_db);

    //! Sets every value as given (no clamping: an explicit setting, not a report).
    void set_all(const std::vector<float>& snr_db);

    std::size_t size() const { return d_values.size(); }
    //! The value used for receiver \p receiver (1-based); std::out_of_range otherwise.
    float value(long receiver) const;
    const std::vector<float>& values() const { return d_values; }
    //! Whether receiver \p receiver has reported (an accepted report).
    bool reported(long receiver) const;
    const std::vector<Range>& ranges() const { return d_ranges; }

private:
    std::vector<float> d_values;
    std::vector<bool> d_reported;
    std::vector<Range> d_ranges;
};

/*!
 * \brief A receiver's estimate of its SNR: an exponentially weighted moving average of the SNR it
 * measures on each frame.
 *
 * The average is taken in the linear domain and returned in dB: with fading, the per-frame SNR
 * |h|^2 / sigma^2 has mean SNR (E|h|^2 = 1, DESIGN §4), while the mean of its dB values is biased
 * (Rayleigh: 2.5 dB low). Bias-corrected from a zero start (the Adam habit), so after n frames the
 * estimate weighs them as an EWMA of those n only: the first frame's estimate is that frame's SNR,
 * and the first few are nearly their plain mean. Non-finite values (NaN, +-inf) are ignored.
 */
class SnrTracker
{
public:
    //! \p weight in (0, 1]: each new frame's share (default 1/32); std::invalid_argument otherwise.
    explicit SnrTracker(double weight = 1.0 / 32.0);

    //! Adds one frame's measured SNR in dB; false (and nothing changes) if it is not finite.
    bool add(double snr_db);
    //! The estimate in dB; NaN before the first frame.
    double snr_db() const;
    //! Frames averaged so far.
    std::uint64_t frames() const { return d_frames; }
    double weight() const { return d_weight; }

private:
    double d_weight;
    double d_mean = 0.0;  //!< EWMA of the linear SNR from 0
    double d_decay = 1.0; //!< (1 - weight)^frames
    std::uint64_t d_frames = 0;
};

} // namespace semcom

#endif

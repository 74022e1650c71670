/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_WAVEFORM_H
#define SEMCOM_WAVEFORM_H

#include <semcom/frame.h>

#include <complex>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief Root-raised-cosine taps: span symbols long (span * sps + 1 taps), unit energy.
 *
 * Unit energy makes the matched-filter output at the symbol instants equal to the symbols (the
 * pulse convolved with itself is a raised cosine, 1 at 0 and 0 at other multiples of sps), and
 * the noise at those instants has the per-sample noise variance: the symbol SNR is
 * Es / sigma^2 for complex noise of variance sigma^2 per sample.
 */
std::vector<float> root_raised_cosine(unsigned sps, float rolloff, unsigned span);

//! The single-carrier waveform: samples per symbol and pulse (docs/frame-format.md).
struct WaveformConfig {
    unsigned sps = 4;        //!< samples per symbol, 2..16
    float rolloff = 0.35f;   //!< root-raised-cosine excess bandwidth, (0, 1]
    unsigned span = 8;       //!< pulse length in symbols (even)
    std::size_t pilots = 32; //!< FrameFormat pilots
    unsigned equaliser_span = 4; //!< fractionally spaced equaliser length in symbols (even)

    void validate() const; //!< throws std::invalid_argument naming the bad field
};

/*!
 * \brief Bursts to samples: FrameFormat symbols through the root-raised-cosine pulse.
 */
class PulseShaper
{
public:
    explicit PulseShaper(const WaveformConfig& config);

    //! n symbols -> (n + span) * sps samples (the pulse's tails included); sample power is the
    //! symbol power / sps.
    std::vector<cfloat> shape(const cfloat* symbols, std::size_t n) const;
    const std::vector<float>& taps() const { return d_taps; }

private:
    unsigned d_sps;
    std::vector<float> d_taps;
};

/*!
 * \brief Linear equaliser on sps-spaced samples, fitted by least squares to known symbols.
 *
 * y_i = sum_j w_j x[t0 + i sps + j - c], c = span sps / 2: one filter does the fractional timing,
 * the flat gain and phase, and short multipath (within +-span/2 symbols). The fit solves the
 * normal equations with a small ridge (1e-4 of the mean tap energy) by Cholesky; with K known
 * symbols and T taps the excess noise is about T / K of the noise (0.1 dB at T = 17, K = 684).
 */
class FractionallySpacedEqualiser
{
public:
    FractionallySpacedEqualiser(unsigned sps, unsigned span_symbols);

    std::size_t taps() const { return d_w.size(); }
    //! Samples needed before t0 and after the last symbol instant.
    std::size_t half() const { return d_half; }

    //! Fits w so that symbols i = 0..k-1 (at t0 + i sps) match known[i]; false if singular.
    bool train(const cfloat* x, std::size_t nx, std::size_t t0, const cfloat* known, std::size_t k);
    //! y[i] for symbols i = first .. first + count - 1.
    void apply(const cfloat* x, std::size_t nx, std::size_t t0, std::size_t first, std::size_t count,
               cfloat* y) const;

private:
    unsigned d_sps;
    std::size_t d_half;
    std::vector<std::complex<double>> d_w;
};

/*!
 * \brief The receiver of the burst waveform: samples in, decoded frames out, in a stream.
 *
 * Matched filter; BurstDetector at sps (detection, coarse CFO, timing); the header decoded with
 * an equaliser fitted on the preamble (CRC-32 checked: a bad header drops the burst and is
 * counted); once the whole burst has arrived, the CFO left over is measured on the known
 * preamble, header and pilots and removed, the equaliser refitted on all of them, and the payload
 * equalised. The SNR is measured on the known symbols after the equaliser.
 */
class WaveformReceiver
{
public:
    struct Frame {
        FrameHeader header;
        std::vector<cfloat> payload; //!< equalised: unit-power symbols plus noise
        ChannelEstimate channel;     //!< after the equaliser (h ~ 1) with the measured noise
        std::uint64_t start = 0;     //!< input sample of the first preamble symbol (matched-filter delay removed)
        float cfo = 0.0f;            //!< cycles per symbol, coarse + residual
        float metric = 0.0f;         //!< Schmidl-Cox metric at detection
    };
    struct Counters {
        std::uint64_t detected = 0;      //!< bursts whose preamble crossed the threshold
        std::uint64_t header_errors = 0; //!< dropped: the header failed its CRC or checks
        std::uint64_t frames = 0;        //!< decoded and returned
    };

    explicit WaveformReceiver(const WaveformConfig& config, float threshold = 0.4f);

    //! Feeds n input samples; returns the bursts completed by them, in order.
    std::vector<Frame> push(const cfloat* x, std::size_t n);

    const Counters& counters() const { return d_counters; }
    const std::string& last_error() const { return d_last_error; }
    const WaveformConfig& config() const { return d_config; }

private:
    struct Pending {
        std::uint64_t start;
        float cfo; // cycles per sample
        float metric;
        FrameHeader header;
        FractionallySpacedEqualiser preamble_fit; //!< the header pass's fit, reused by finish()
    };

    //! Fits `fit` (a copy of the configured equaliser) on the preamble and decodes the header with it.
    bool decode_header(std::uint64_t start, float cfo_per_sample, FrameHeader& header,
                       FractionallySpacedEqualiser& fit);
    std::optional<Frame> finish(const Pending& p);
    //! CFO-corrected copy of the buffered matched-filter output [from, from + n) (absolute).
    std::vector<cfloat> window(std::uint64_t from, std::size_t n, double cfo_per_sample) const;
    std::uint64_t buffered_end() const { return d_base + d_buf.size(); }

    WaveformConfig d_config;
    FrameFormat d_format;
    BurstDetector d_detector;
    FractionallySpacedEqualiser d_equaliser;
    std::vector<float> d_taps;
    std::vector<cfloat> d_history; //!< the last taps - 1 input samples (filter state)
    std::vector<cfloat> d_buf;     //!< matched-filter output from sample d_base on
    std::uint64_t d_base = 0;
    std::uint64_t d_search = 0;    //!< absolute sample where the detector resumes
    std::optional<Pending> d_pending;
    Counters d_counters;
    std::string d_last_error;
};

} // namespace semcom

#endif

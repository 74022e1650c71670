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
    unsigned spreading = 1;  //!< chips per preamble and header symbol (FrameFormat): 1, 2, 4, 8, 16

    void validate() const; //!< throws std::invalid_argument naming the bad field
};

/*!
 * The smallest spreading (1, 2, 4, 8, 16) that puts a receiver at snr_db at least 5 dB on the
 * preamble and header (docs/frame-format.md: >= 99 % of headers at +2 dB with spreading 1 and at
 * about +3 dB despread with 4..16, so 2..3 dB to spare): 1 at 5 dB, 16 at -5 dB; 16 below -7 dB,
 * where nothing decodes reliably (-9 dB is the last point with >= 99 %).
 */
unsigned spreading_for_snr(float snr_db);

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
 * preamble, header and pilots and removed, the equaliser refitted on all of them, the data
 * equalised, and its phase followed along the pilot blocks of long bursts. The SNR is measured on
 * the known symbols after the equaliser and serves every image of the burst.
 *
 * With spreading R > 1 the detector and the header pass run on the despread stream: each sample
 * the sum of R matched-filter samples one chip apart, kept every R samples, so sps samples per
 * header symbol at R times the chip SNR; the rest of the burst is equalised at the chip rate.
 */
class WaveformReceiver
{
public:
    struct Frame {
        FrameHeader header;
        std::vector<cfloat> payload; //!< equalised: unit-power symbols plus noise
        ChannelEstimate channel;     //!< after the equaliser (h ~ 1) with the measured noise
        std::uint64_t start = 0;     //!< input sample of the burst's first chip (matched-filter delay removed)
        float cfo = 0.0f;            //!< cycles per chip, coarse + residual
        float metric = 0.0f;         //!< Schmidl-Cox metric at detection
        std::vector<std::uint8_t> side; //!< the burst's side-information bytes (SideInfo), if any
        std::uint8_t image = 0;         //!< the frame's place in its burst (0 .. header.images - 1)
    };
    struct Counters {
        std::uint64_t detected = 0;      //!< bursts whose preamble crossed the threshold
        std::uint64_t header_errors = 0; //!< dropped: the header (or side information) failed its CRC or checks
        std::uint64_t bursts = 0;        //!< decoded
        std::uint64_t frames = 0;        //!< images decoded and returned
    };

    explicit WaveformReceiver(const WaveformConfig& config, float threshold = BurstDetector::default_threshold);

    //! Feeds n input samples; returns the images of the bursts completed by them, in order (one
    //! Frame per image: header.sequence is the image's, header.images the burst's).
    std::vector<Frame> push(const cfloat* x, std::size_t n);

    const Counters& counters() const { return d_counters; }
    const std::string& last_error() const { return d_last_error; }
    const WaveformConfig& config() const { return d_config; }

private:
    struct Pending {
        std::uint64_t search_start; //!< in the search stream
        std::uint64_t start;        //!< matched-filter sample of the first chip
        double cfo;                 //!< cycles per matched-filter sample
        float metric;
        FrameHeader header;
        FractionallySpacedEqualiser preamble_fit; //!< the header pass's fit (reused when R = 1)
    };

    //! Fits `fit` (a copy of the configured equaliser) on the preamble and decodes the header with it.
    bool decode_header(std::uint64_t start, double cfo_per_sample, FrameHeader& header,
                       FractionallySpacedEqualiser& fit);
    //! The burst's images, or none (counted as an error) when the equaliser cannot be fitted.
    std::vector<Frame> finish(const Pending& p);
    //! CFO-corrected copy of [from, from + n) (absolute) of the matched-filter output, or of the
    //! search stream (the despread one when R > 1).
    std::vector<cfloat> window(bool search, std::uint64_t from, std::size_t n, double cfo_per_sample) const;
    std::uint64_t buffered_end() const { return d_base + d_buf.size(); }
    //! The stream the detector and the header pass see: d_buf when R = 1, else d_slow.
    const std::vector<cfloat>& search_buf() const { return d_config.spreading > 1 ? d_slow : d_buf; }
    std::uint64_t search_base() const { return d_config.spreading > 1 ? d_slow_base : d_base; }
    std::uint64_t search_end() const { return search_base() + search_buf().size(); }
    void extend_despread(); //!< d_slow up to what d_buf allows
    void trim();            //!< drops what no burst in progress and no later search can need

    WaveformConfig d_config;
    FrameFormat d_format;
    BurstDetector d_detector;
    FractionallySpacedEqualiser d_equaliser;
    std::vector<float> d_taps;
    std::vector<cfloat> d_history; //!< the last taps - 1 input samples (filter state)
    std::vector<cfloat> d_buf;     //!< matched-filter output from sample d_base on
    std::uint64_t d_base = 0;
    std::uint64_t d_lead = 0;      //!< zeros put before the first input sample
    std::vector<cfloat> d_slow;    //!< R > 1: despread stream, d_slow[u - d_slow_base] = sum_c d_buf[u R + c sps]
    std::uint64_t d_slow_base = 0;
    std::uint64_t d_search = 0;    //!< search-stream sample where the detector resumes
    std::optional<Pending> d_pending;
    Counters d_counters;
    std::string d_last_error;
};

} // namespace semcom

#endif

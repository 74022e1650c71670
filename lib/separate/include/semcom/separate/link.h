/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_SEPARATE_LINK_H
#define SEMCOM_SEPARATE_LINK_H

#include <semcom/constellation.h>
#include <semcom/superposition.h>

#include <gnuradio/fec/generic_decoder.h>
#include <gnuradio/fec/generic_encoder.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

/*!
 * \file
 * The separate source-channel coding baseline's link (`semcom simulate --scheme separate`): a
 * byte payload (a JPEG) -> CRC-32 -> LDPC (gr-fec) rate-matched to exactly n Gray-QAM symbols,
 * and back from equalised symbols with their noise variance. A library of its own
 * (semcom-separate) because it links gr-fec; semcom-core links no GNU Radio.
 */

namespace semcom::separate {

/*!
 * A modulation and coding scheme of the separate baseline: Gray square QAM of \p order and the
 * LDPC mother code rate-matched to rate num/den over exactly n channel uses.
 */
struct Mcs {
    std::string name; //!< "16qam-1/2"
    unsigned order;
    int num, den;
};

//! The MCS table, ordered by throughput (then robustness).
const std::vector<Mcs>& mcs_table();

/*!
 * The MCS of --mcs NAME as indices into mcs_table(): every one for "auto", else the one named.
 * An unknown name is an error that lists the names: "--mcs 'x': unknown (auto, 4qam-1/2, ...)".
 */
std::vector<std::size_t> mcs_candidates(const std::string& name);

/*!
 * The LDPC mother code: gr-fec's (271, 144) parity-check matrix (rate 0.53, column weight 3).
 * Of the matrices gr-fec ships it decoded best at every MCS measured here and tolerated the most
 * puncturing; the others (n_0300_k_0152 ...) failed above about 20 % punctured parity.
 * Returns its path under GNU Radio's prefix; throws when it is not installed.
 */
std::string default_alist_path();

/*!
 * \brief One MCS over n channel uses: a frame of F bytes (the JPEG payload padded with 0xFF fill
 * bytes, then its CRC-32) <-> exactly n QAM symbols.
 *
 * LDPC from gr-fec: gr::fec::ldpc_encoder / ldpc_decoder (sum-product belief propagation on the
 * parity-check matrix of an alist file; 50 iterations at most). F = floor(R * n * log2 M / 8).
 * The F * 8 frame bits fill c = ceil(8F / K) codewords; the c K - 8F information bits left over
 * are shortened (known zeros, not sent). The sent bits of every codeword (its information bits,
 * then its parity bits) are rate-matched to n log2 M: parity bits punctured (spread over the
 * codewords, fixed pseudo-random positions) when there are too many, repeated cyclically when
 * too few; then a fixed pseudo-random bit interleaver over the whole frame and Gray QAM, index
 * bits MSB first. The receiver computes exact bit LLRs (semcom::SuperpositionDemapper, one layer)
 * from the equalised symbols and the noise variance after equalisation, sums the repeats, gives
 * punctured bits no information and shortened bits certainty, decodes every codeword and checks
 * the CRC.
 *
 * LLR magnitudes given to gr-fec's decoder are capped at 12. Its sum-product works with
 * likelihood ratios exp(LLR) in double precision: once a message passes about exp(36),
 * 2 / (1 + ratio) - 1 rounds to exactly -1 or 1, the check update divides by zero and NaNs
 * spread. With LLRs capped at 30, frames with punctured bits (which start BP; unpunctured frames
 * at high SNR are codewords at once) failed more often as the SNR rose (16QAM rate 2/3: frame
 * error rate 0.02 at 15 dB, 0.9 at 30 dB); capped at 12 (or 8, or 5: the same) they decode at
 * every SNR (0 errors in 100 frames from 15 to 30 dB). An erasure (punctured bit) must not be
 * exactly 0 either: its factor 2 / (1 + 1) - 1 = 0 is a divisor in the check update, and every
 * frame then failed; it gets 1e-3.
 */
class SeparateLink
{
public:
    SeparateLink(const Mcs& mcs, int channel_uses, const std::string& alist_path = default_alist_path());

    const Mcs& mcs() const { return d_mcs; }
    int channel_uses() const { return d_n; }
    std::size_t frame_bytes() const { return d_frame_bytes; }
    //! Bytes left for the JPEG payload: frame_bytes() - 4 (the CRC-32).
    std::size_t payload_bytes() const { return d_frame_bytes - 4; }
    int codewords() const { return d_codewords; }
    //! The mother code: N code bits, K information bits per codeword.
    int code_length() const { return d_N; }
    int code_dimension() const { return d_K; }
    int shortened_bits() const { return d_shortened; }
    int punctured_bits() const { return d_punctured; }
    int repeated_bits() const { return d_repeated; }
    //! Information bits per channel use: 8 F / n.
    double throughput() const { return 8.0 * d_frame_bytes / d_n; }
    //! "16qam-1/2: 2 codewords of (271, 144), 52 bits shortened, 0 punctured, 2 repeated".
    std::string describe() const;

    //! payload (at most payload_bytes()) -> the frame with fill bytes and CRC -> n symbols.
    void transmit(const std::vector<std::uint8_t>& payload, std::vector<cfloat>& symbols) const;
    /*!
     * Equalised symbols with the noise variance after equalisation of each symbol -> the payload
     * part of the frame (fill bytes included). Returns true when the CRC checks.
     */
    bool receive(const cfloat* y, const float* noise_var, std::vector<std::uint8_t>& payload);

private:
    void find_systematic_positions(const std::string& alist_path);
    void plan_rate_matching(int bits_per_frame);

    Mcs d_mcs;
    int d_n;
    Constellation d_constellation;
    SuperpositionDemapper d_demapper; //!< one layer: the plain constellation's exact bit LLRs
    unsigned d_bps;
    std::size_t d_frame_bytes;
    int d_N = 0, d_K = 0, d_codewords = 0, d_shortened = 0, d_punctured = 0, d_repeated = 0;
    gr::fec::generic_encoder::sptr d_encoder;
    gr::fec::generic_decoder::sptr d_decoder;
    std::vector<int> d_systematic;                //!< codeword position of information bit i
    std::vector<int> d_info_bits;                 //!< per codeword: information bits sent (K - shortened)
    std::vector<std::pair<int, int>> d_stream;    //!< slot k of the frame: (codeword, position)
    std::vector<int> d_interleaver;               //!< stream bit k goes to slot d_interleaver[k]
    std::vector<std::vector<int>> d_punctured_at; //!< per codeword: punctured positions
};

/*!
 * Link adaptation of the baseline: of the links (one per MCS), the one with the highest
 * throughput whose frames decode (CRC) at least \p target of the time (crc_ok[c], a fraction),
 * else the first (the most robust). A lost frame is a lost image (no retransmission), hence 0.99
 * rather than the 10 % block error rate of link adaptation with retransmissions: at 25 dB a 10 %
 * target took 256QAM rate 3/4 (91 % of the frames) and lost more accuracy to the failed frames
 * than its higher JPEG quality gained.
 */
std::size_t best_link(const std::vector<SeparateLink>& links, const std::vector<double>& crc_ok,
                      double target = 0.99);

} // namespace semcom::separate

#endif

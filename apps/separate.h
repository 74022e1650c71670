/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_SEPARATE_H
#define SEMCOM_APPS_SEPARATE_H

#include <semcom/constellation.h>
#include <semcom/superposition.h>

#include <gnuradio/fec/generic_decoder.h>
#include <gnuradio/fec/generic_encoder.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace semcom::apps {

struct SimulateOptions;

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
const std::vector<Mcs>& separate_mcs_table();

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
 */
class SeparateLink
{
public:
    SeparateLink(const Mcs& mcs, int channel_uses, const std::string& alist_path);

    const Mcs& mcs() const { return d_mcs; }
    int channel_uses() const { return d_n; }
    std::size_t frame_bytes() const { return d_frame_bytes; }
    //! Bytes left for the JPEG payload: frame_bytes() - 4 (the CRC-32).
    std::size_t payload_bytes() const { return d_frame_bytes - 4; }
    int codewords() const { return d_codewords; }
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
    Mcs d_mcs;
    int d_n;
    Constellation d_constellation;
    SuperpositionDemapper d_demapper; //!< one layer: the plain constellation's exact bit LLRs
    unsigned d_bps;
    std::size_t d_frame_bytes;
    int d_N, d_K, d_codewords, d_shortened, d_punctured, d_repeated;
    gr::fec::generic_encoder::sptr d_encoder;
    gr::fec::generic_decoder::sptr d_decoder;
    std::vector<int> d_systematic;               //!< codeword position of information bit i
    std::vector<int> d_info_bits;                //!< per codeword: information bits sent (K - shortened)
    std::vector<std::pair<int, int>> d_stream;   //!< slot k of the frame: (codeword, position)
    std::vector<int> d_interleaver;              //!< stream bit k goes to slot d_interleaver[k]
    std::vector<std::vector<int>> d_punctured_at; //!< per codeword: punctured positions
};

//! `semcom simulate --scheme separate`: the same JSON shape as the semantic schemes' runs.
nlohmann::json simulate_separate(const SimulateOptions& options);

} // namespace semcom::apps

#endif

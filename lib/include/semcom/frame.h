/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_FRAME_H
#define SEMCOM_FRAME_H

#include <semcom/constellation.h>
#include <semcom/equaliser.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief The burst header: what a receiver needs to decode one frame (docs/frame-format.md).
 *
 * 32 bytes on the air, big-endian, the last 4 a CRC-32 (IEEE 802.3, Boost.CRC's crc_32_type)
 * over the first 28. A header whose CRC fails, whose version is unknown, or whose fields are out of
 * range is refused: the frame is dropped and counted, never decoded with wrong side information.
 */
struct FrameHeader {
    static constexpr std::uint8_t current_version = 1;
    static constexpr std::size_t size = 32; //!< bytes, CRC included

    std::uint8_t version = current_version;
    std::uint8_t scheme = 1; //!< a header code of the scheme table (semcom/scheme.h); parse() refuses others
    std::uint16_t model_id = 0;
    std::uint32_t sequence = 0;
    std::uint16_t payload_symbols = 0; //!< symbols after the pilots
    std::uint8_t layers = 0;           //!< superposition layers K (0 for quantized schemes)
    std::uint8_t quantizer_bits = 0;   //!< 1..8, 0 = analog / not quantized
    float z_min = 0.0f, z_max = 0.0f;  //!< quantizer range of this frame
    float gain = 1.0f;                 //!< power-normalisation gain of quantized frames
    std::uint16_t end_index = 0;       //!< A-MIJSCC: symbols sent (0 = all)
    std::uint16_t reserved = 0;

    std::vector<std::uint8_t> serialize() const;
    //! Parses 32 bytes; nullopt (and *error, if given) on a bad CRC or invalid fields.
    static std::optional<FrameHeader> parse(const std::uint8_t* bytes, std::size_t n,
                                            std::string* error = nullptr);
    bool operator==(const FrameHeader& o) const;
};

/*!
 * \brief Single-carrier burst: preamble | header | pilots | payload.
 *
 * - Preamble: a 64-symbol QPSK pseudo-noise sequence sent twice (128 symbols). The repetition
 *   gives detection and CFO by the Schmidl-Cox autocorrelation (CFO range +-1/128 cycles per
 *   symbol); the known sequence gives timing by cross-correlation and a first channel estimate.
 * - Header: 32 bytes, MSB first, convolutionally coded (K = 7, rate 1/2, terminated:
 *   ConvolutionalCode) and sent as 524 BPSK symbols; soft Viterbi decoding at the receiver.
 * - Pilots: pilot_symbols known QPSK symbols for the LS channel and noise estimate.
 * - Payload: header.payload_symbols data symbols (unit average power), as the mappers made them.
 */
class FrameFormat
{
public:
    explicit FrameFormat(std::size_t pilot_symbols = 32);

    static constexpr std::size_t preamble_half = 64;
    //! The header's 256 bits, K = 7 rate-1/2 coded with a 6-bit tail: 524 BPSK symbols.
    static constexpr std::size_t header_symbols = 2 * (FrameHeader::size * 8 + 6);

    const std::vector<cfloat>& preamble() const { return d_preamble; }
    const std::vector<cfloat>& pilots() const { return d_pilots; }
    std::size_t pilot_symbols() const { return d_pilots.size(); }
    //! Symbols before the payload.
    std::size_t overhead() const { return d_preamble.size() + header_symbols + d_pilots.size(); }

    //! preamble | header | pilots | payload; the payload length must match the header's.
    std::vector<cfloat> build(const FrameHeader& header, const cfloat* payload, std::size_t n) const;

    //! preamble | header | pilots of a burst with this header: what a receiver knows once the
    //! header decoded (training symbols for an equaliser).
    std::vector<cfloat> known_symbols(const FrameHeader& header) const;

    /*!
     * Decodes the header from frame[0, preamble + header) alone, with a flat channel and the CFO
     * left over estimated on the preamble's halves: a receiver learns the burst length from it
     * before the rest has arrived. nullopt with *error on a bad header.
     */
    std::optional<FrameHeader> parse_header(const cfloat* frame, std::size_t n, std::string* error = nullptr) const;

    struct Parsed {
        FrameHeader header;
        ChannelEstimate channel;     //!< from the pilots (after the preamble's CFO correction)
        float residual_cfo = 0.0f;   //!< cycles/symbol, from the preamble-to-pilots phase
        std::vector<cfloat> payload; //!< zero-forcing equalised, phase tracked
    };
    /*!
     * Parses a burst that starts at frame[0] (timing found) with CFO already removed: BPSK header
     * decisions after a preamble channel estimate, CRC check, then LS estimate from the pilots and
     * equalised payload. nullopt with *error on a bad header or a burst too short for its header.
     */
    std::optional<Parsed> parse(const cfloat* frame, std::size_t n, std::string* error = nullptr) const;

private:
    static std::vector<cfloat> header_bits_symbols(const FrameHeader& header);
    static std::optional<FrameHeader> decode_header(const float* soft, std::string* error);

    std::vector<cfloat> d_preamble;
    std::vector<cfloat> d_pilots;
};

} // namespace semcom

namespace semcom {

//! A burst found in a sample stream: where its preamble starts, its CFO, the detection metric.
struct BurstDetection {
    std::size_t start = 0; //!< sample of the first preamble symbol
    float cfo = 0.0f;      //!< cycles per symbol (per sample: cfo / sps)
    float metric = 0.0f;
    float frac = 0.0f;     //!< fractional timing in samples, in [-0.5, 0.5] (sps > 1)
};

/*!
 * \brief Finds FrameFormat bursts in symbol-spaced samples (detection, timing, CFO).
 *
 * Schmidl-Cox: with L = 64, P(d) = sum_k conj(x[d+k]) x[d+k+L] and R(d) the mean energy of the two
 * halves, M(d) = |P|^2 / R^2 is about (S / (S + N))^2 on the repeated preamble (0.58 at 5 dB) and
 * about Exp(1) / L on noise (P(M > 0.4) = e^-25.6 per sample). Above the threshold, the peak of M
 * in the next L samples gives coarse timing and arg P / (2 pi L) the CFO (range +-1/128 cycles per
 * symbol); after removing the CFO, the cross-correlation with the known preamble within +-8
 * symbols gives the start. With sps > 1 samples per symbol (matched-filter output) the lag is
 * 64 sps samples, the CFO range is the same per symbol, and a parabola through the
 * cross-correlation peak gives the fractional timing (WaveformReceiver uses it to centre its
 * fractionally spaced equaliser).
 */
class BurstDetector
{
public:
    explicit BurstDetector(const FrameFormat& format, float threshold = 0.4f, unsigned sps = 1);

    //! Bursts whose whole preamble lies in x[0, n), in order; after a detection the search
    //! resumes past that burst's preamble and header.
    std::vector<BurstDetection> detect(const cfloat* x, std::size_t n) const;

    //! x[i] *= exp(-j 2 pi cfo (i + offset)): removes a CFO estimated by detect().
    static void correct_cfo(cfloat* x, std::size_t n, float cfo, double offset = 0.0);

private:
    FrameFormat d_format;
    float d_threshold;
    unsigned d_sps;
};

} // namespace semcom

#endif

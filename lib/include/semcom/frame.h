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
 * \brief The burst header: what a receiver needs to decode one burst (docs/frame-format.md).
 *
 * 32 bytes on the air, big-endian, the last 4 a CRC-32 (IEEE 802.3, Boost.CRC's crc_32_type)
 * over the first 28. A header whose CRC fails, whose version is unknown, or whose fields are out of
 * range is refused: the burst is dropped and counted, never decoded with wrong side information.
 * Version 2: a burst carries `images` images of payload_symbols each, sequence numbers
 * sequence .. sequence + images - 1; the quantizer fields are one image's, so a burst with
 * quantizer side information (bits > 0 or an end index) carries one image. Byte 27 holds
 * log2(spreading) in its low 3 bits and side_blocks in the high 5.
 */
struct SideInfo;

struct FrameHeader {
    static constexpr std::uint8_t current_version = 2;
    static constexpr std::size_t max_data_symbols = std::size_t(1) << 20; //!< images x payload, per burst
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
    std::uint8_t images = 1;           //!< images in the burst, 1..255
    std::uint8_t spreading = 1;        //!< chips per preamble and header symbol: 1, 2, 4, 8 or 16
    std::uint8_t side_blocks = 0;      //!< side information after the pilots, 8-byte blocks, 0..31

    //! Data symbols in the burst: images x payload_symbols.
    std::size_t data_symbols() const { return std::size_t(images) * payload_symbols; }
    //! True when spreading is 1, 2, 4, 8 or 16.
    static bool valid_spreading(unsigned r) { return r >= 1 && r <= 16 && (r & (r - 1)) == 0; }

    std::vector<std::uint8_t> serialize() const;
    //! Parses 32 bytes; nullopt (and *error, if given) on a bad CRC or invalid fields.
    static std::optional<FrameHeader> parse(const std::uint8_t* bytes, std::size_t n,
                                            std::string* error = nullptr);
    bool operator==(const FrameHeader& o) const;
};

/*!
 * \brief Side information of a burst's images that the header has no room for, sent in its own
 * coded block after the pilots (FrameFormat): each image's keep masks (U-DeepSC: which tokens each
 * receiver gets), each image's quantizer side information (so that quantized and analog frames
 * share a burst) and the SNRs the encoder was told (DeepBroadcast), the same for every image of
 * a burst. Serialised as records (type, image, length, value): 1 keep mask (the entry count,
 * 16 bits, then one bit per entry), 2 encoder SNRs (float32 each, image 255 = every image),
 * 3 quantizer (bits, z_min, z_max, gain as float32, symbols sent as 16 bits); at most max_bytes
 * (31 blocks of 8).
 */
struct SideInfo {
    static constexpr std::size_t max_bytes = 31 * 8;

    //! One image's quantizer side information (as the header carries it for a lone image).
    struct Quantizer {
        std::uint8_t bits = 0;
        float z_min = 0.0f, z_max = 0.0f, gain = 1.0f;
        std::uint16_t end_index = 0; //!< symbols sent (0 = all)
        bool operator==(const Quantizer& o) const
        {
            return bits == o.bits && z_min == o.z_min && z_max == o.z_max && gain == o.gain && end_index == o.end_index;
        }
    };

    std::vector<std::vector<std::uint8_t>> keep_masks; //!< per image (0/1 entries), or empty
    std::vector<Quantizer> quantizers;                 //!< per image (bits 0: none), or empty
    std::vector<float> snr_db_used;                     //!< the encoder's SNRs, or empty

    bool empty() const { return keep_masks.empty() && quantizers.empty() && snr_db_used.empty(); }
    //! Bytes of one image's keep-mask record (entries 0/1 values), of the SNR record (n values)
    //! and of one image's quantizer record.
    static std::size_t keep_mask_bytes(std::size_t entries) { return 3 + 2 + (entries + 7) / 8; }
    static std::size_t snr_bytes(std::size_t n) { return n ? 3 + 4 * n : 0; }
    static constexpr std::size_t quantizer_bytes = 3 + 1 + 12 + 2;
    //! The records, zero-padded to whole 8-byte blocks; throws std::invalid_argument beyond max_bytes.
    std::vector<std::uint8_t> serialize() const;
    //! Bytes the records take before padding.
    std::size_t size() const;
    /*!
     * Parses records for `images` images; nullopt (and *error) on malformed records: an unknown
     * type, an image outside the burst, a length that disagrees with the value, a non-finite SNR
     * or quantizer range, bits outside 1..8 or a range whose top is below its bottom (as the header).
     */
    static std::optional<SideInfo> parse(const std::uint8_t* bytes, std::size_t n, std::size_t images,
                                         std::string* error = nullptr);
    bool operator==(const SideInfo& o) const
    {
        return keep_masks == o.keep_masks && quantizers == o.quantizers && snr_db_used == o.snr_db_used;
    }
};

/*!
 * \brief Single-carrier burst: preamble | header | pilots | data (images, pilot blocks).
 *
 * - Preamble: a 64-symbol QPSK pseudo-noise sequence sent twice (128 symbols). The repetition
 *   gives detection and CFO by the Schmidl-Cox autocorrelation (CFO range +-1/128 cycles per
 *   symbol); the known sequence gives timing by cross-correlation and a first channel estimate.
 * - Header: 32 bytes, MSB first, convolutionally coded (K = 7, rate 1/2, terminated:
 *   ConvolutionalCode) and sent as 524 BPSK symbols; soft Viterbi decoding at the receiver.
 * - Spreading R (1, 2, 4, 8, 16): every preamble and header symbol is sent as R equal chips, so
 *   a receiver that sums them gains 10 log10 R dB on them (the robust mode, for receivers below
 *   ~5 dB); pilots and data go at the chip rate.
 * - Pilots: pilot_symbols x R known QPSK chips for the LS channel and noise estimate (with R > 1
 *   they alone train the chip-rate equaliser: spread chips say nothing about a filter's response
 *   between equal neighbours, and an equaliser fitted on them smooths the data).
 * - Data: the images' symbols one after another (unit average power, as the mappers made them),
 *   with a block of pilot_block known symbols after every pilot_interval data symbols (only
 *   between data): the receiver follows the phase along long bursts.
 * All positions below are in chips (= symbols when R = 1).
 */
class FrameFormat
{
public:
    explicit FrameFormat(std::size_t pilot_symbols = 32, unsigned spreading = 1);

    static constexpr std::size_t preamble_half = 64;
    //! The header's 256 bits, K = 7 rate-1/2 coded with a 6-bit tail: 524 BPSK symbols.
    static constexpr std::size_t header_symbols = 2 * (FrameHeader::size * 8 + 6);
    static constexpr std::size_t pilot_block = 16;     //!< known symbols per block in the data
    static constexpr std::size_t pilot_interval = 1024; //!< data symbols between pilot blocks

    //! The 128 preamble symbols (before spreading).
    const std::vector<cfloat>& preamble() const { return d_preamble; }
    const std::vector<cfloat>& pilots() const { return d_pilots; }
    const std::vector<cfloat>& block_pilots() const { return d_block_pilots; }
    std::size_t pilot_symbols() const { return d_pilots.size(); } //!< chips: pilot_symbols x R
    unsigned spreading() const { return d_spreading; }
    //! Chips before the data: (preamble + header) x spreading + pilots.
    std::size_t overhead() const { return (d_preamble.size() + header_symbols) * d_spreading + d_pilots.size(); }
    //! Chips the data takes, pilot blocks included.
    static std::size_t data_span(std::size_t data_symbols)
    {
        return data_symbols ? data_symbols + pilot_block * ((data_symbols - 1) / pilot_interval) : 0;
    }
    //! Chips of the side-information block (after the pilots): its bytes and a CRC-32, coded as
    //! the header, spread R times; 0 without side information.
    std::size_t side_symbols(const FrameHeader& header) const
    {
        return header.side_blocks ? 2 * ((std::size_t(header.side_blocks) * 8 + 4) * 8 + 6) * d_spreading : 0;
    }
    //! Chips of a whole burst with this header.
    std::size_t burst_symbols(const FrameHeader& header) const
    {
        return overhead() + side_symbols(header) + data_span(header.data_symbols());
    }

    /*!
     * preamble | header | pilots | data: the data (n = header.data_symbols(), the images one
     * after another) with its pilot blocks. Throws std::invalid_argument when n or the header's
     * spreading disagrees with the format.
     */
    std::vector<cfloat> build(const FrameHeader& header, const cfloat* data, std::size_t n,
                              const std::vector<std::uint8_t>& side = {}) const;

    /*!
     * Decodes the side-information block from its equalised chips (side_symbols(header) of them,
     * unit gain): the bytes (header.side_blocks x 8) or nullopt with *error on a CRC failure.
     */
    std::optional<std::vector<std::uint8_t>> parse_side(const FrameHeader& header, const cfloat* chips,
                                                        std::string* error = nullptr) const;

    //! preamble | header | pilots of a burst with this header, in chips: what a receiver knows
    //! once the header decoded (training symbols for an equaliser).
    std::vector<cfloat> known_symbols(const FrameHeader& header) const;

    /*!
     * Decodes the header from the despread preamble and header symbols frame[0, 128 + 524) alone
     * (the chips of each symbol summed), with a flat channel and the phase tracked along the header:
     * a receiver learns the burst length from it before the rest has arrived. nullopt with *error
     * on a bad header, or on a header whose spreading is not this format's.
     */
    std::optional<FrameHeader> parse_header(const cfloat* frame, std::size_t n, std::string* error = nullptr) const;

    struct Parsed {
        FrameHeader header;
        ChannelEstimate channel;     //!< from the pilots (after the preamble's CFO correction)
        float residual_cfo = 0.0f;   //!< cycles/symbol, from the preamble-to-pilots phase
        std::vector<cfloat> payload; //!< every image's data, zero-forcing equalised, phase tracked
        std::vector<std::uint8_t> side; //!< the side-information block's bytes (empty without)
    };
    /*!
     * Parses a burst of chips that starts at frame[0] (timing found) with CFO already removed:
     * BPSK header decisions after a preamble channel estimate, CRC check, then LS estimate from
     * the pilots and the equalised data (pilot blocks removed). nullopt with *error on a bad
     * header or a burst too short for its header.
     */
    std::optional<Parsed> parse(const cfloat* frame, std::size_t n, std::string* error = nullptr) const;

private:
    static std::vector<cfloat> header_bits_symbols(const FrameHeader& header);
    std::optional<FrameHeader> decode_header(const float* soft, std::string* error) const;
    //! Sums each symbol's chips: (preamble + header) symbols from their chips.
    std::vector<cfloat> despread(const cfloat* chips) const;

    std::vector<cfloat> d_preamble;
    std::vector<cfloat> d_pilots;
    std::vector<cfloat> d_block_pilots;
    unsigned d_spreading;
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
 * about Exp(1) / L on noise. The default threshold, 0.25, is crossed at about 0 dB (S / (S + N) =
 * 1/2); on noise the highest M in 4 million samples is 0.15 (sps 4; 0.11 despread, spreading 16),
 * and the tail falls about e^-100 per unit of M, so about 1e-11 false alarms per sample at 0.25
 * (each costs one header error, no frame). Above the threshold, the peak of M
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
    /*!
     * cfo_ambiguities M > 0 widens the CFO range to +-(M + 1/2) / 64 cycles per symbol: the
     * timing search tries the Schmidl-Cox estimate plus m / 64 for |m| <= M and keeps the CFO
     * whose preamble correlation is highest (the robust mode's despread symbols are R chips long,
     * so their CFO is R times the chips').
     */
    static constexpr float default_threshold = 0.25f;

    explicit BurstDetector(const FrameFormat& format, float threshold = default_threshold, unsigned sps = 1,
                           unsigned cfo_ambiguities = 0);

    //! Bursts whose whole preamble lies in x[0, n), in order; after a detection the search
    //! resumes past that burst's preamble and header.
    std::vector<BurstDetection> detect(const cfloat* x, std::size_t n) const;

    //! x[i] *= exp(-j 2 pi cfo (i + offset)): removes a CFO estimated by detect().
    static void correct_cfo(cfloat* x, std::size_t n, float cfo, double offset = 0.0);

private:
    FrameFormat d_format;
    float d_threshold;
    unsigned d_sps;
    int d_ambiguities;
};

} // namespace semcom

#endif

/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_JPEG_CODEC_H
#define SEMCOM_JPEG_CODEC_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief Baseline JPEG (libjpeg-turbo) for tiny images sent over a few hundred bits: the source
 * coder of the separate source-channel coding baseline.
 *
 * Images are CHW floats in [0, 1] (DESIGN §4), C = 1 (greyscale) or 3 (RGB, YCbCr 4:2:0 inside
 * the JPEG); pixels are rounded to 8 bits.
 *
 * Payload format: 1 byte quality (1..100) followed by the entropy-coded scan, and nothing else.
 * Everything else of a JPEG file is a function of the quality and the image shape, both known to
 * the two ends: SOI, the quantisation tables (IJG tables scaled to the quality), the standard
 * Huffman tables (no per-image optimisation), the frame and scan headers and EOI. The decoder
 * rebuilds them and puts them around the scan: header_bytes() per quality, 312 bytes for greyscale
 * (SOI 2, DQT 69, SOF0 13, DHT 33 + 183, SOS 10, EOI 2) and 607 for RGB, so the only overhead in
 * the payload is the quality byte. (An abbreviated datastream with the tables suppressed would
 * still carry SOI, SOF, SOS and EOI: 27 bytes for greyscale, where a Fashion-MNIST image at quality 1
 * has 40 bytes of scan data on average.)
 *
 * 0xFF bytes after the payload are JPEG fill bytes before EOI and decode the same, so a fixed-size
 * frame can pad the payload with 0xFF and needs no length field.
 *
 * decode() never crashes on corrupted data: libjpeg's fatal errors come back through longjmp and
 * any libjpeg warning (corrupt entropy data, premature end, ...) also counts as a failure, so a
 * damaged payload is reported, not shown.
 *
 * Thread safety: the const members may be called from several threads at once.
 */
class JpegCodec
{
public:
    //! Bytes of the payload that are not entropy-coded image data (the quality byte).
    static constexpr std::size_t overhead_bytes = 1;

    //! Throws std::invalid_argument for channels other than 1 or 3, or a zero or > 65500 side.
    JpegCodec(std::size_t channels, std::size_t height, std::size_t width);

    std::size_t channels() const { return d_channels; }
    std::size_t height() const { return d_height; }
    std::size_t width() const { return d_width; }

    //! Payload of \p chw at \p quality (1..100; std::invalid_argument otherwise).
    std::vector<std::uint8_t> encode(const float* chw, int quality) const;

    /*!
     * The highest quality whose payload has at most \p max_bytes bytes (binary search over the
     * quality; the result always fits). Empty when even quality 1 does not fit. \p quality, if
     * given, receives the quality chosen (0 when nothing fits).
     */
    std::vector<std::uint8_t>
    encode_to_budget(const float* chw, std::size_t max_bytes, int* quality = nullptr) const;

    /*!
     * Decodes a payload into \p chw (channels * height * width floats). Returns false (with the
     * reason in \p error, if given) for an empty payload, a bad quality byte, any libjpeg error
     * or warning, or a decoded shape other than this codec's; \p chw is then unspecified.
     */
    bool decode(const std::uint8_t* data,
                std::size_t size,
                float* chw,
                std::string* error = nullptr) const;
    bool decode(const std::vector<std::uint8_t>& payload, float* chw, std::string* error = nullptr) const
    {
        return decode(payload.data(), payload.size(), chw, error);
    }

    //! Bytes of the JPEG header the payload leaves out at \p quality (rebuilt by the decoder).
    std::size_t header_bytes(int quality) const;

private:
    //! A whole JPEG file of the image (SOI ... EOI).
    std::vector<std::uint8_t> encode_file(const std::uint8_t* hwc, int quality) const;
    std::vector<std::uint8_t> to_bytes(const float* chw) const;

    std::size_t d_channels, d_height, d_width;
    std::vector<std::vector<std::uint8_t>> d_headers; //!< [quality]: SOI up to the end of SOS
};

} // namespace semcom

#endif

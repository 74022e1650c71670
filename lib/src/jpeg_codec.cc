/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/jpeg_codec.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

namespace semcom {

namespace {

// libjpeg reports fatal errors through error_exit, which must not return: we longjmp back to the
// setjmp in the calling function. Warnings (emit_message with level -1: corrupt entropy data,
// premature end of data ...) jump back too, so that a damaged stream is a failure, not a picture.
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

extern "C" void semcom_jpeg_error_exit(j_common_ptr cinfo)
{
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

extern "C" void semcom_jpeg_emit_message(j_common_ptr cinfo, int level)
{
    if (level >= 0)
        return; // trace messages
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

void install(ErrorManager& err)
{
    jpeg_std_error(&err.pub);
    err.pub.error_exit = semcom_jpeg_error_exit;
    err.pub.emit_message = semcom_jpeg_emit_message;
    err.message[0] = '\0';
}

// Offset of the first byte of entropy-coded data: just after the SOS segment.
std::size_t scan_start(const std::vector<std::uint8_t>& f)
{
    std::size_t p = 2; // after SOI
    while (p + 4 <= f.size()) {
        if (f[p] != 0xFF)
            break;
        const std::uint8_t marker = f[p + 1];
        const std::size_t len = (std::size_t(f[p + 2]) << 8) | f[p + 3];
        if (marker == 0xDA)
            return p + 2 + len;
        p += 2 + len;
    }
    throw std::logic_error("JpegCodec: no SOS segment in libjpeg's output");
}

// Encoder state and its buffers in one place, so that the function holding the setjmp has no
// objects with destructors created after it.
struct Compressor {
    jpeg_compress_struct cinfo;
    ErrorManager err;
    unsigned char* out = nullptr;
    unsigned long out_size = 0;
};

// Returns false with err.message set on a libjpeg error.
bool run_compress(Compressor& c,
                  const std::uint8_t* hwc,
                  std::size_t channels,
                  std::size_t height,
                  std::size_t width,
                  int quality)
{
    install(c.err);
    c.cinfo.err = &c.err.pub;
    if (setjmp(c.err.jump)) {
        jpeg_destroy_compress(&c.cinfo);
        return false;
    }
    jpeg_create_compress(&c.cinfo);
    jpeg_mem_dest(&c.cinfo, &c.out, &c.out_size);
    c.cinfo.image_width = JDIMENSION(width);
    c.cinfo.image_height = JDIMENSION(height);
    c.cinfo.input_components = int(channels);
    c.cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c.cinfo);
    // No JFIF/Adobe marker, standard Huffman tables, integer DCT: the header is then a function of
    // the quality and the shape only, so the decoder can rebuild it.
    c.cinfo.write_JFIF_header = FALSE;
    c.cinfo.write_Adobe_marker = FALSE;
    c.cinfo.optimize_coding = FALSE;
    c.cinfo.arith_code = FALSE;
    c.cinfo.dct_method = JDCT_ISLOW;
    c.cinfo.restart_interval = 0;
    c.cinfo.restart_in_rows = 0;
    jpeg_set_quality(&c.cinfo, quality, TRUE);
    jpeg_start_compress(&c.cinfo, TRUE);
    const std::size_t stride = width * channels;
    while (c.cinfo.next_scanline < c.cinfo.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(hwc + std::size_t(c.cinfo.next_scanline) * stride);
        jpeg_write_scanlines(&c.cinfo, &row, 1);
    }
    jpeg_finish_compress(&c.cinfo);
    jpeg_destroy_compress(&c.cinfo);
    return true;
}

struct Decompressor {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
};

bool run_decompress(Decompressor& d,
                    const std::uint8_t* file,
                    std::size_t size,
                    std::uint8_t* hwc,
                    std::size_t channels,
                    std::size_t height,
                    std::size_t width)
{
    install(d.err);
    d.cinfo.err = &d.err.pub;
    if (setjmp(d.err.jump)) {
        jpeg_destroy_decompress(&d.cinfo);
        return false;
    }
    jpeg_create_decompress(&d.cinfo);
    jpeg_mem_src(&d.cinfo, file, static_cast<unsigned long>(size));
    jpeg_read_header(&d.cinfo, TRUE);
    if (d.cinfo.image_width != width || d.cinfo.image_height != height ||
        d.cinfo.num_components != int(channels)) {
        std::snprintf(d.err.message, sizeof d.err.message, "decoded shape differs from the codec's");
        jpeg_destroy_decompress(&d.cinfo);
        return false;
    }
    d.cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    d.cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d.cinfo);
    const std::size_t stride = width * channels;
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
        JSAMPROW row = hwc + std::size_t(d.cinfo.output_scanline) * stride;
        jpeg_read_scanlines(&d.cinfo, &row, 1);
    }
    jpeg_finish_decompress(&d.cinfo);
    jpeg_destroy_decompress(&d.cinfo);
    return true;
}

} // namespace

JpegCodec::JpegCodec(std::size_t channels, std::size_t height, std::size_t width)
    : d_channels(channels), d_height(height), d_width(width)
{
    if (channels != 1 && channels != 3)
        throw std::invalid_argument("JpegCodec: channels = " + std::to_string(channels) +
                                    ": greyscale (1) or RGB (3) only");
    if (height == 0 || width == 0 || height > 65500 || width > 65500)
        throw std::invalid_argument("JpegCodec: image size " + std::to_string(height) + "x" +
                                    std::to_string(width) + " outside 1..65500");
    // The header of every quality, from a blank image (it does not depend on the pixels).
    const std::vector<std::uint8_t> blank(channels * height * width, 0);
    d_headers.resize(101);
    for (int q = 1; q <= 100; ++q) {
        auto f = encode_file(blank.data(), q);
        f.resize(scan_start(f));
        d_headers[q] = std::move(f);
    }
}

std::vector<std::uint8_t> JpegCodec::to_bytes(const float* chw) const
{
    const std::size_t plane = d_height * d_width;
    std::vector<std::uint8_t> hwc(d_channels * plane);
    for (std::size_t c = 0; c < d_channels; ++c)
        for (std::size_t i = 0; i < plane; ++i) {
            const float v = chw[c * plane + i];
            const float x = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
            hwc[i * d_channels + c] = std::uint8_t(std::lround(x * 255.0f));
        }
    return hwc;
}

std::vector<std::uint8_t> JpegCodec::encode_file(const std::uint8_t* hwc, int quality) const
{
    Compressor c;
    const bool ok = run_compress(c, hwc, d_channels, d_height, d_width, quality);
    std::vector<std::uint8_t> f;
    if (ok)
        f.assign(c.out, c.out + c.out_size);
    std::free(c.out); // jpeg_mem_dest's buffer is ours to free, also after an error
    if (!ok)
        throw std::runtime_error(std::string("JpegCodec: libjpeg encoder: ") + c.err.message);
    return f;
}

std::vector<std::uint8_t> JpegCodec::encode(const float* chw, int quality) const
{
    if (quality < 1 || quality > 100)
        throw std::invalid_argument("JpegCodec::encode: quality " + std::to_string(quality) +
                                    " outside 1..100");
    const auto hwc = to_bytes(chw);
    const auto f = encode_file(hwc.data(), quality);
    const auto& h = d_headers[quality];
    // The header must be the one the decoder will rebuild; anything else is a bug here.
    if (f.size() < h.size() + 2 || !std::equal(h.begin(), h.end(), f.begin()) ||
        f[f.size() - 2] != 0xFF || f[f.size() - 1] != 0xD9)
        throw std::logic_error("JpegCodec: libjpeg's header differs from the rebuilt one");
    std::vector<std::uint8_t> payload;
    payload.reserve(overhead_bytes + f.size() - h.size() - 2);
    payload.push_back(std::uint8_t(quality));
    payload.insert(payload.end(), f.begin() + std::ptrdiff_t(h.size()), f.end() - 2);
    return payload;
}

std::vector<std::uint8_t>
JpegCodec::encode_to_budget(const float* chw, std::size_t max_bytes, int* quality) const
{
    if (quality)
        *quality = 0;
    const auto hwc = to_bytes(chw);
    auto payload_size = [&](int q) {
        return overhead_bytes + encode_file(hwc.data(), q).size() - d_headers[q].size() - 2;
    };
    if (max_bytes < overhead_bytes || payload_size(1) > max_bytes)
        return {};
    // The size grows with the quality (almost always monotonically): the largest fitting quality
    // by bisection, lo always fitting.
    int lo = 1, hi = 100;
    if (payload_size(hi) <= max_bytes)
        lo = hi;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (payload_size(mid) <= max_bytes)
            lo = mid;
        else
            hi = mid;
    }
    if (quality)
        *quality = lo;
    return encode(chw, lo);
}

bool JpegCodec::decode(const std::uint8_t* data, std::size_t size, float* chw, std::string* error) const
{
    auto fail = [&](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    if (size < overhead_bytes || data == nullptr)
        return fail("empty payload");
    const int q = data[0];
    if (q < 1 || q > 100)
        return fail("quality byte " + std::to_string(q) + " outside 1..100");
    const auto& h = d_headers[q];
    std::vector<std::uint8_t> file;
    file.reserve(h.size() + size + 1);
    file.insert(file.end(), h.begin(), h.end());
    file.insert(file.end(), data + overhead_bytes, data + size);
    file.push_back(0xFF);
    file.push_back(0xD9);
    std::vector<std::uint8_t> hwc(d_channels * d_height * d_width);
    Decompressor d;
    if (!run_decompress(d, file.data(), file.size(), hwc.data(), d_channels, d_height, d_width))
        return fail(std::string("libjpeg: ") + d.err.message);
    const std::size_t plane = d_height * d_width;
    for (std::size_t c = 0; c < d_channels; ++c)
        for (std::size_t i = 0; i < plane; ++i)
            chw[c * plane + i] = hwc[i * d_channels + c] / 255.0f;
    return true;
}

std::size_t JpegCodec::header_bytes(int quality) const
{
    if (quality < 1 || quality > 100)
        throw std::invalid_argument("JpegCodec::header_bytes: quality " + std::to_string(quality) +
                                    " outside 1..100");
    return d_headers[quality].size() + 2; // + EOI
}

} // namespace semcom

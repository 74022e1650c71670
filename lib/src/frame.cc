/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/convolutional.h>
#include <semcom/frame.h>
#include <semcom/scheme.h>
#include <semcom/random.h>

#include <boost/crc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace semcom {

namespace {

void put16(std::vector<std::uint8_t>& b, std::uint16_t v)
{
    b.push_back(std::uint8_t(v >> 8));
    b.push_back(std::uint8_t(v));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v)
{
    put16(b, std::uint16_t(v >> 16));
    put16(b, std::uint16_t(v));
}
void putf(std::vector<std::uint8_t>& b, float f)
{
    std::uint32_t v;
    std::memcpy(&v, &f, 4);
    put32(b, v);
}
std::uint16_t get16(const std::uint8_t* p) { return std::uint16_t((p[0] << 8) | p[1]); }
std::uint32_t get32(const std::uint8_t* p) { return (std::uint32_t(get16(p)) << 16) | get16(p + 2); }
float getf(const std::uint8_t* p)
{
    const std::uint32_t v = get32(p);
    float f;
    std::memcpy(&f, &v, 4);
    return f;
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n)
{
    boost::crc_32_type crc;
    crc.process_bytes(p, n);
    return crc.checksum();
}

bool fail(std::string* error, const std::string& why)
{
    if (error)
        *error = why;
    return false;
}

// QPSK pseudo-noise symbols from a fixed seed (the same on every build).
std::vector<cfloat> pn_qpsk(std::size_t n, std::uint64_t seed)
{
    Xoshiro256Plus rng(seed);
    const float a = 1.0f / std::sqrt(2.0f);
    std::vector<cfloat> s(n);
    for (auto& x : s) {
        const auto r = rng();
        x = cfloat(r & 1 ? a : -a, r & 2 ? a : -a);
    }
    return s;
}

} // namespace

std::vector<std::uint8_t> FrameHeader::serialize() const
{
    std::vector<std::uint8_t> b;
    b.reserve(size);
    b.push_back(version);
    b.push_back(scheme);
    put16(b, model_id);
    put32(b, sequence);
    put16(b, payload_symbols);
    b.push_back(layers);
    b.push_back(quantizer_bits);
    putf(b, z_min);
    putf(b, z_max);
    putf(b, gain);
    put16(b, end_index);
    b.push_back(images);
    std::uint8_t log2r = 0;
    while ((1u << log2r) < spreading && log2r < 7)
        ++log2r;
    b.push_back(std::uint8_t((side_blocks << 3) | log2r));
    put32(b, crc32(b.data(), b.size()));
    return b;
}

std::optional<FrameHeader> FrameHeader::parse(const std::uint8_t* p, std::size_t n, std::string* error)
{
    if (!p || n < size) {
        fail(error, "header: " + std::to_string(n) + " bytes, need " + std::to_string(size));
        return std::nullopt;
    }
    if (crc32(p, size - 4) != get32(p + size - 4)) {
        fail(error, "header: CRC mismatch");
        return std::nullopt;
    }
    FrameHeader h;
    h.version = p[0];
    h.scheme = p[1];
    h.model_id = get16(p + 2);
    h.sequence = get32(p + 4);
    h.payload_symbols = get16(p + 8);
    h.layers = p[10];
    h.quantizer_bits = p[11];
    h.z_min = getf(p + 12);
    h.z_max = getf(p + 16);
    h.gain = getf(p + 20);
    h.end_index = get16(p + 24);
    h.images = p[26];
    h.spreading = std::uint8_t((p[27] & 7) <= 4 ? 1u << (p[27] & 7) : 0);
    h.side_blocks = std::uint8_t(p[27] >> 3);
    std::string why;
    if (h.version != current_version)
        why = "unknown version " + std::to_string(h.version);
    else if (!SchemeTable::instance().find(h.scheme))
        why = "unknown scheme " + std::to_string(h.scheme);
    else if (h.quantizer_bits > 8)
        why = "quantizer bits " + std::to_string(h.quantizer_bits) + " > 8";
    else if (!std::isfinite(h.z_min) || !std::isfinite(h.z_max) || h.z_max < h.z_min)
        why = "invalid quantizer range";
    else if (!std::isfinite(h.gain) || !(h.gain > 0.0f))
        why = "invalid gain";
    else if (h.end_index > h.payload_symbols)
        why = "end index beyond the payload";
    else if (h.layers > 8)
        why = "more than 8 layers";
    else if (h.images < 1)
        why = "no images";
    else if (h.images > 1 && (h.quantizer_bits > 0 || h.end_index > 0))
        why = "quantizer side information with " + std::to_string(h.images) + " images (one per burst)";
    else if (!valid_spreading(h.spreading))
        why = "spreading code " + std::to_string(p[27] & 7) + " (1, 2, 4, 8 or 16)";
    else if (h.data_symbols() > max_data_symbols)
        why = std::to_string(h.data_symbols()) + " data symbols, more than " + std::to_string(max_data_symbols);
    if (!why.empty()) {
        fail(error, "header: " + why);
        return std::nullopt;
    }
    return h;
}

bool FrameHeader::operator==(const FrameHeader& o) const { return serialize() == o.serialize(); }

std::size_t SideInfo::size() const
{
    std::size_t n = 0;
    for (const auto& m : keep_masks)
        n += m.empty() ? 0 : keep_mask_bytes(m.size());
    for (const auto& q : quantizers)
        n += q.bits ? quantizer_bytes : 0;
    return n + snr_bytes(snr_db_used.size());
}

std::vector<std::uint8_t> SideInfo::serialize() const
{
    const std::size_t n = size();
    if (n > max_bytes)
        throw std::invalid_argument("side information: " + std::to_string(n) + " bytes, at most " +
                                    std::to_string(max_bytes) + " per burst");
    if (keep_masks.size() > 255 || quantizers.size() > 255)
        throw std::invalid_argument("side information: records of more than 255 images");
    std::vector<std::uint8_t> b;
    for (std::size_t i = 0; i < keep_masks.size(); ++i) {
        const auto& m = keep_masks[i];
        if (m.empty())
            continue;
        const std::size_t len = 2 + (m.size() + 7) / 8;
        b.push_back(1);
        b.push_back(std::uint8_t(i));
        b.push_back(std::uint8_t(len));
        put16(b, std::uint16_t(m.size()));
        std::vector<std::uint8_t> bits((m.size() + 7) / 8, 0);
        for (std::size_t k = 0; k < m.size(); ++k)
            if (m[k])
                bits[k / 8] = std::uint8_t(bits[k / 8] | (0x80u >> (k % 8)));
        b.insert(b.end(), bits.begin(), bits.end());
    }
    for (std::size_t i = 0; i < quantizers.size(); ++i) {
        const auto& q = quantizers[i];
        if (!q.bits)
            continue;
        b.push_back(3);
        b.push_back(std::uint8_t(i));
        b.push_back(std::uint8_t(quantizer_bytes - 3));
        b.push_back(q.bits);
        putf(b, q.z_min);
        putf(b, q.z_max);
        putf(b, q.gain);
        put16(b, q.end_index);
    }
    if (!snr_db_used.empty()) {
        b.push_back(2);
        b.push_back(255);
        b.push_back(std::uint8_t(4 * snr_db_used.size()));
        for (const float v : snr_db_used)
            putf(b, v);
    }
    b.resize((b.size() + 7) / 8 * 8, 0);
    return b;
}

std::optional<SideInfo> SideInfo::parse(const std::uint8_t* p, std::size_t n, std::size_t images, std::string* error)
{
    SideInfo s;
    std::size_t at = 0;
    while (at < n && p[at] != 0) { // type 0: the padding
        if (n - at < 3) {
            fail(error, "side information: a record cut short");
            return std::nullopt;
        }
        const std::uint8_t type = p[at], image = p[at + 1];
        const std::size_t len = p[at + 2];
        at += 3;
        if (n - at < len) {
            fail(error, "side information: a record of " + std::to_string(len) + " bytes, " +
                            std::to_string(n - at) + " left");
            return std::nullopt;
        }
        const std::uint8_t* v = p + at;
        at += len;
        if (type == 1) {
            if (image >= images || len < 2) {
                fail(error, "side information: keep mask of image " + std::to_string(image) + " of " +
                                std::to_string(images));
                return std::nullopt;
            }
            const std::size_t count = get16(v);
            if (count == 0 || (count + 7) / 8 != len - 2) {
                fail(error, "side information: a keep mask of " + std::to_string(count) + " entries in " +
                                std::to_string(len - 2) + " bytes");
                return std::nullopt;
            }
            if (s.keep_masks.size() < images)
                s.keep_masks.resize(images);
            auto& m = s.keep_masks[image];
            m.resize(count);
            for (std::size_t k = 0; k < count; ++k)
                m[k] = std::uint8_t((v[2 + k / 8] >> (7 - k % 8)) & 1);
        } else if (type == 2) {
            if (image != 255 || len % 4 != 0) {
                fail(error, "side information: malformed encoder SNRs");
                return std::nullopt;
            }
            s.snr_db_used.resize(len / 4);
            for (std::size_t k = 0; k < len / 4; ++k) {
                s.snr_db_used[k] = getf(v + 4 * k);
                if (!std::isfinite(s.snr_db_used[k])) {
                    fail(error, "side information: a non-finite encoder SNR");
                    return std::nullopt;
                }
            }
        } else if (type == 3) {
            if (image >= images || len != quantizer_bytes - 3) {
                fail(error, "side information: quantizer record of image " + std::to_string(image) + " of " +
                                std::to_string(images) + ", " + std::to_string(len) + " bytes");
                return std::nullopt;
            }
            Quantizer q;
            q.bits = v[0];
            q.z_min = getf(v + 1);
            q.z_max = getf(v + 5);
            q.gain = getf(v + 9);
            q.end_index = get16(v + 13);
            if (q.bits < 1 || q.bits > 8 || !std::isfinite(q.z_min) || !std::isfinite(q.z_max) ||
                q.z_max < q.z_min || !std::isfinite(q.gain) || !(q.gain > 0.0f)) {
                fail(error, "side information: quantizer of image " + std::to_string(image) + " out of range");
                return std::nullopt;
            }
            if (s.quantizers.size() < images)
                s.quantizers.resize(images);
            s.quantizers[image] = q;
        } else {
            fail(error, "side information: unknown record type " + std::to_string(type));
            return std::nullopt;
        }
    }
    return s;
}

FrameFormat::FrameFormat(std::size_t pilot_symbols, unsigned spreading) : d_spreading(spreading)
{
    if (pilot_symbols < 2)
        throw std::invalid_argument("frame format: need at least 2 pilots, got " +
                                    std::to_string(pilot_symbols));
    if (!FrameHeader::valid_spreading(spreading))
        throw std::invalid_argument("frame format: spreading must be 1, 2, 4, 8 or 16, got " +
                                    std::to_string(spreading));
    const auto half = pn_qpsk(preamble_half, 0x5e3c0de5eedULL);
    d_preamble = half;
    d_preamble.insert(d_preamble.end(), half.begin(), half.end());
    d_pilots = pn_qpsk(pilot_symbols * spreading, 0x9170757eedULL);
    d_block_pilots = pn_qpsk(pilot_block, 0xb10c9170eedULL);
}

namespace {
std::vector<float> coded_block(const std::vector<std::uint8_t>& bytes, std::size_t offset);
} // namespace

std::vector<cfloat> FrameFormat::build(const FrameHeader& header, const cfloat* data, std::size_t n,
                                       const std::vector<std::uint8_t>& side) const
{
    if (side.size() != std::size_t(header.side_blocks) * 8)
        throw std::invalid_argument("frame: " + std::to_string(side.size()) + " bytes of side information, header says " +
                                    std::to_string(header.side_blocks) + " blocks of 8");
    if (n != header.data_symbols())
        throw std::invalid_argument("frame: data has " + std::to_string(n) + " symbols, header says " +
                                    std::to_string(header.images) + " x " + std::to_string(header.payload_symbols));
    if (header.spreading != d_spreading)
        throw std::invalid_argument("frame: header spreading " + std::to_string(header.spreading) +
                                    ", format spreading " + std::to_string(d_spreading));
    std::vector<cfloat> f = known_symbols(header);
    f.reserve(burst_symbols(header));
    if (!side.empty())
        for (const float s : coded_block(side, header_symbols))
            f.insert(f.end(), d_spreading, cfloat(s, 0.0f));
    for (std::size_t i = 0; i < n; i += pilot_interval) {
        if (i)
            f.insert(f.end(), d_block_pilots.begin(), d_block_pilots.end());
        f.insert(f.end(), data + i, data + std::min(n, i + pilot_interval));
    }
    return f;
}

std::vector<cfloat> FrameFormat::known_symbols(const FrameHeader& header) const
{
    std::vector<cfloat> symbols(d_preamble);
    const auto coded = header_bits_symbols(header);
    symbols.insert(symbols.end(), coded.begin(), coded.end());
    std::vector<cfloat> f;
    f.reserve(overhead());
    for (const cfloat s : symbols)
        f.insert(f.end(), d_spreading, s);
    f.insert(f.end(), d_pilots.begin(), d_pilots.end());
    return f;
}

std::vector<cfloat> FrameFormat::despread(const cfloat* chips) const
{
    const std::size_t n = d_preamble.size() + header_symbols;
    std::vector<cfloat> s(n);
    for (std::size_t i = 0; i < n; ++i) {
        cfloat acc = 0.0f;
        for (unsigned c = 0; c < d_spreading; ++c)
            acc += chips[i * d_spreading + c];
        s[i] = acc / float(d_spreading);
    }
    return s;
}

namespace {
// +-1 from a fixed seed: the coded header bits are scrambled with it, so that the header's zero
// bytes do not go on the air as long runs of equal symbols (which a Schmidl-Cox detector takes
// for a repeated preamble). The side-information block continues the same sequence.
const std::vector<float>& header_scrambler()
{
    static const std::vector<float> signs = [] {
        Xoshiro256Plus rng(0x5c4a3b1e5eedULL);
        // the header's symbols, then the longest side-information block's
        std::vector<float> v(FrameFormat::header_symbols + 2 * ((SideInfo::max_bytes + 4) * 8 + 6));
        for (auto& s : v)
            s = (rng() & 1) ? -1.0f : 1.0f;
        return v;
    }();
    return signs;
}

// bytes + CRC-32 -> K = 7 rate-1/2 code -> scrambled BPSK (starting at scrambler[offset])
std::vector<float> coded_block(const std::vector<std::uint8_t>& bytes, std::size_t offset)
{
    std::vector<std::uint8_t> with_crc(bytes);
    put32(with_crc, crc32(bytes.data(), bytes.size()));
    std::vector<std::uint8_t> bits;
    for (std::uint8_t byte : with_crc)
        for (int b = 7; b >= 0; --b)
            bits.push_back((byte >> b) & 1);
    const auto& scramble = header_scrambler();
    std::vector<float> out;
    for (std::uint8_t c : ConvolutionalCode::encode(bits))
        out.push_back((c ? 1.0f : -1.0f) * scramble[offset + out.size()]);
    return out;
}
} // namespace

std::vector<cfloat> FrameFormat::header_bits_symbols(const FrameHeader& header)
{
    std::vector<std::uint8_t> bits;
    for (std::uint8_t byte : header.serialize())
        for (int b = 7; b >= 0; --b)
            bits.push_back((byte >> b) & 1);
    std::vector<cfloat> out;
    out.reserve(header_symbols);
    const auto& scramble = header_scrambler();
    for (std::uint8_t c : ConvolutionalCode::encode(bits))
        out.emplace_back((c ? 1.0f : -1.0f) * scramble[out.size()], 0.0f);
    return out;
}

std::optional<std::vector<std::uint8_t>> FrameFormat::parse_side(const FrameHeader& header, const cfloat* chips,
                                                                 std::string* error) const
{
    const std::size_t bytes = std::size_t(header.side_blocks) * 8;
    if (bytes == 0)
        return std::vector<std::uint8_t>{};
    const std::size_t symbols = side_symbols(header) / d_spreading;
    const auto& scramble = header_scrambler();
    std::vector<float> soft(symbols);
    for (std::size_t i = 0; i < symbols; ++i) {
        float acc = 0.0f;
        for (unsigned c = 0; c < d_spreading; ++c)
            acc += chips[i * d_spreading + c].real();
        soft[i] = acc * scramble[header_symbols + i];
    }
    const auto bits = ConvolutionalCode::decode(soft.data(), symbols);
    std::vector<std::uint8_t> out(bytes + 4, 0);
    for (std::size_t i = 0; i < bits.size() && i / 8 < out.size(); ++i)
        out[i / 8] = std::uint8_t(out[i / 8] | (bits[i] << (7 - i % 8)));
    if (crc32(out.data(), bytes) != get32(out.data() + bytes)) {
        fail(error, "side information: CRC mismatch");
        return std::nullopt;
    }
    out.resize(bytes);
    return out;
}

std::optional<FrameHeader> FrameFormat::decode_header(const float* soft_in, std::string* error) const
{
    std::vector<float> soft(soft_in, soft_in + header_symbols);
    const auto& scramble = header_scrambler();
    for (std::size_t i = 0; i < header_symbols; ++i)
        soft[i] *= scramble[i];
    const auto bits = ConvolutionalCode::decode(soft.data(), header_symbols);
    std::vector<std::uint8_t> bytes(FrameHeader::size, 0);
    for (std::size_t i = 0; i < bits.size(); ++i)
        bytes[i / 8] = std::uint8_t(bytes[i / 8] | (bits[i] << (7 - i % 8)));
    auto header = FrameHeader::parse(bytes.data(), bytes.size(), error);
    if (header && header->spreading != d_spreading) {
        fail(error, "header: spreading " + std::to_string(header->spreading) + ", this receiver's " +
                        std::to_string(d_spreading));
        return std::nullopt;
    }
    return header;
}

std::optional<FrameHeader> FrameFormat::parse_header(const cfloat* frame, std::size_t n, std::string* error) const
{
    const std::size_t need = d_preamble.size() + header_symbols;
    if (n < need) {
        fail(error, "frame: " + std::to_string(n) + " symbols, shorter than its " + std::to_string(need) +
                        "-symbol preamble and header");
        return std::nullopt;
    }
    // Flat channel from the preamble. The CFO left after detection (~2e-4 cycles per symbol at
    // 5 dB) turns the phase by tens of degrees over the header, and the preamble alone measures
    // it no better: track the phase along the header instead, in blocks of 32 BPSK symbols
    // (squaring removes the modulation; the pi ambiguity is resolved by continuity).
    const auto pre = estimate_from_pilots(frame, d_preamble.data(), d_preamble.size());
    const cfloat* hdr = frame + d_preamble.size();
    constexpr std::size_t block = 32;
    std::vector<float> soft(header_symbols);
    double phase = 0.0;
    for (std::size_t b0 = 0; b0 < header_symbols; b0 += block) {
        const std::size_t b1 = std::min(header_symbols, b0 + block);
        std::complex<double> sq = 0.0;
        for (std::size_t i = b0; i < b1; ++i) {
            const std::complex<double> z(hdr[i] * std::conj(pre.h));
            sq += z * z;
        }
        double theta = 0.5 * std::arg(sq);
        const double turns = std::round((phase - theta) / M_PI);
        theta += turns * M_PI;
        phase = theta;
        const cfloat rot = std::polar(1.0f, static_cast<float>(-theta));
        for (std::size_t i = b0; i < b1; ++i)
            soft[i] = (hdr[i] * std::conj(pre.h) * rot).real();
    }
    return decode_header(soft.data(), error);
}

std::optional<FrameFormat::Parsed> FrameFormat::parse(const cfloat* frame, std::size_t n, std::string* error) const
{
    if (n < overhead()) {
        fail(error, "frame: " + std::to_string(n) + " symbols, shorter than its " +
                        std::to_string(overhead()) + "-symbol preamble, header and pilots");
        return std::nullopt;
    }
    const auto symbols = despread(frame); // preamble and header, one value per symbol
    const double R = d_spreading;
    // Channel at the preamble and at the pilots: their phase difference is the CFO left after
    // the detector's estimate (whose error, ~2e-4 cycles at 5 dB, turns the phase by tens of
    // degrees over the 524-symbol header). The pilots lie after the header, so the header and
    // the data are equalised with the phase interpolated along the burst (times in chips).
    const auto pre = estimate_from_pilots(symbols.data(), d_preamble.data(), d_preamble.size());
    const std::size_t pilots_at = (d_preamble.size() + header_symbols) * d_spreading;
    const auto pil = estimate_from_pilots(frame + pilots_at, d_pilots.data(), d_pilots.size());
    const double t_pre = (double(d_preamble.size()) * R - 1.0) / 2.0;
    const double t_pil = double(pilots_at) + (double(d_pilots.size()) - 1.0) / 2.0;
    const double cycles_per_chip = std::arg(pil.h * std::conj(pre.h)) / (2.0 * M_PI * (t_pil - t_pre));
    auto rotation = [&](double t, double t0) {
        return std::polar(1.0f, static_cast<float>(2.0 * M_PI * cycles_per_chip * (t - t0)));
    };
    // Soft BPSK values (matched filter with the tracked channel), then Viterbi.
    std::vector<float> soft(header_symbols);
    for (std::size_t i = 0; i < header_symbols; ++i) {
        const double t = (double(d_preamble.size() + i) + 0.5) * R - 0.5;
        soft[i] = (symbols[d_preamble.size() + i] * std::conj(pre.h * rotation(t, t_pre))).real();
    }
    auto header = decode_header(soft.data(), error);
    if (!header)
        return std::nullopt;
    const std::size_t start = overhead() + side_symbols(*header), span = data_span(header->data_symbols());
    if (n < start || n - start < span) {
        fail(error, "frame: header announces " + std::to_string(span) + " data symbols with pilot blocks, only " +
                        std::to_string(n - start) + " present");
        return std::nullopt;
    }
    Parsed out;
    if (header->side_blocks) {
        std::vector<cfloat> side(side_symbols(*header));
        for (std::size_t i = 0; i < side.size(); ++i) {
            const std::size_t at = overhead() + i;
            side[i] = frame[at] / (pil.h * rotation(double(at), t_pil));
        }
        auto bytes = parse_side(*header, side.data(), error);
        if (!bytes)
            return std::nullopt;
        out.side = std::move(*bytes);
    }
    out.header = *header;
    out.channel = pil;
    out.residual_cfo = static_cast<float>(cycles_per_chip);
    out.payload.resize(header->data_symbols());
    for (std::size_t i = 0; i < out.payload.size(); ++i) {
        const std::size_t at = start + i + pilot_block * (i / pilot_interval);
        out.payload[i] = frame[at] / (pil.h * rotation(double(at), t_pil));
    }
    return out;
}

} // namespace semcom

namespace semcom {

BurstDetector::BurstDetector(const FrameFormat& format, float threshold, unsigned sps, unsigned cfo_ambiguities)
    : d_format(format), d_threshold(threshold), d_sps(sps), d_ambiguities(int(cfo_ambiguities))
{
    if (cfo_ambiguities > 32)
        throw std::invalid_argument("burst detector: at most 32 CFO ambiguities each side, got " +
                                    std::to_string(cfo_ambiguities));
    if (sps < 1 || sps > 64)
        throw std::invalid_argument("burst detector: samples per symbol must be in 1..64, got " +
                                    std::to_string(sps));
    if (!(threshold > 0.0f && threshold < 1.0f))
        throw std::invalid_argument("burst detector: threshold must be in (0, 1), got " +
                                    std::to_string(threshold));
}

void BurstDetector::correct_cfo(cfloat* x, std::size_t n, float cfo, double offset)
{
    // a phasor recurrence instead of a sin/cos per sample, re-anchored every 1024 samples
    const std::complex<double> step = std::polar(1.0, -2.0 * M_PI * double(cfo));
    for (std::size_t i0 = 0; i0 < n; i0 += 1024) {
        std::complex<double> rot = std::polar(1.0, -2.0 * M_PI * double(cfo) * (double(i0) + offset));
        for (std::size_t i = i0; i < std::min(n, i0 + 1024); ++i) {
            x[i] = cfloat(std::complex<double>(x[i]) * rot);
            rot *= step;
        }
    }
}

std::vector<BurstDetection> BurstDetector::detect(const cfloat* x, std::size_t n) const
{
    // At sps samples per symbol the halves are L = 64 sps samples apart; timing is searched
    // within +-8 symbols of the metric's peak, on the symbol grid of each candidate start.
    const std::size_t L = FrameFormat::preamble_half * d_sps;
    const std::size_t search = 8 * d_sps;
    const std::size_t preamble_symbols = 2 * FrameFormat::preamble_half;
    const auto& pre = d_format.preamble();
    std::vector<BurstDetection> found;
    if (n < 2 * L + search)
        return found;
    // Sliding sums over d = 0 .. n - 2L, updated in O(1) per step (double: no drift).
    std::complex<double> p = 0.0;
    double e1 = 0.0, e2 = 0.0;
    for (std::size_t k = 0; k < L; ++k) {
        p += std::conj(std::complex<double>(x[k])) * std::complex<double>(x[k + L]);
        e1 += std::norm(x[k]);
        e2 += std::norm(x[k + L]);
    }
    auto metric = [](std::complex<double> pp, double a, double b) {
        const double r = 0.5 * (a + b);
        return r > 0.0 ? std::norm(pp) / (r * r) : 0.0;
    };
    std::vector<double> m(n - 2 * L + 1);
    std::vector<std::complex<double>> ps(m.size());
    for (std::size_t d = 0;; ++d) {
        m[d] = metric(p, e1, e2);
        ps[d] = p;
        if (d + 2 * L >= n)
            break;
        p += std::conj(std::complex<double>(x[d + L])) * std::complex<double>(x[d + 2 * L]) -
             std::conj(std::complex<double>(x[d])) * std::complex<double>(x[d + L]);
        e1 += std::norm(x[d + L]) - std::norm(x[d]);
        e2 += std::norm(x[d + 2 * L]) - std::norm(x[d + L]);
    }
    std::size_t d = 0;
    while (d < m.size()) {
        if (m[d] < d_threshold) {
            ++d;
            continue;
        }
        // coarse timing: the peak of M over the next L lags
        std::size_t peak = d;
        for (std::size_t k = d; k < std::min(m.size(), d + L); ++k)
            if (m[k] > m[peak])
                peak = k;
        const double estimate = std::arg(ps[peak]) / (2.0 * M_PI * double(L)); // cycles per sample
        // fine timing: cross-correlation with the preamble after removing the CFO (and, with
        // ambiguities, the CFO whose correlation peaks highest)
        const std::size_t lo = peak >= search ? peak - search : 0;
        const std::size_t hi = std::min(peak + search, n - 2 * L);
        double best = -1.0, cfo = estimate;
        std::size_t start = peak;
        std::vector<double> corr(hi - lo + 1), trial(hi - lo + 1);
        std::vector<std::complex<double>> ref(preamble_symbols); // the preamble with the CFO applied
        for (int m = -d_ambiguities; m <= d_ambiguities; ++m) {
            const double f = estimate + double(m) / double(L);
            for (std::size_t k = 0; k < preamble_symbols; ++k)
                ref[k] = std::conj(std::complex<double>(pre[k])) * std::polar(1.0, -2.0 * M_PI * f * double(k * d_sps));
            bool better = false;
            for (std::size_t s = lo; s <= hi; ++s) {
                std::complex<double> c = 0.0;
                for (std::size_t k = 0; k < preamble_symbols; ++k)
                    c += ref[k] * std::complex<double>(x[s + k * d_sps]);
                trial[s - lo] = std::norm(c);
                if (trial[s - lo] > best) {
                    best = trial[s - lo];
                    start = s;
                    better = true;
                }
            }
            if (better) {
                cfo = f;
                corr.swap(trial);
            }
        }
        // fractional part: a parabola through the correlation peak and its neighbours
        float frac = 0.0f;
        if (start > lo && start < hi) {
            const double a = corr[start - lo - 1], b = corr[start - lo], c = corr[start - lo + 1];
            const double den = a - 2.0 * b + c;
            if (den < 0.0)
                frac = static_cast<float>(std::clamp(0.5 * (a - c) / den, -0.5, 0.5));
        }
        found.push_back({ start, static_cast<float>(cfo * d_sps), static_cast<float>(m[peak]), frac });
        d = start + (preamble_symbols + FrameFormat::header_symbols) * d_sps; // past this burst's preamble and header
    }
    return found;
}

} // namespace semcom

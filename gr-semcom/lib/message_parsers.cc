/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "message_parsers.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace gr {
namespace semcom {

namespace {

//! An integer PMT in [lo, hi]; nullopt otherwise.
std::optional<long> integer_in(const pmt::pmt_t& v, long lo, long hi)
{
    if (!pmt::is_integer(v))
        return std::nullopt;
    const long x = pmt::to_long(v);
    if (x < lo || x > hi)
        return std::nullopt;
    return x;
}

//! A PMT named for a message: scalars as written (cut to a readable length), anything else by its
//! kind only, so that a large or deep PMT costs nothing to describe.
std::string shown(const pmt::pmt_t& v)
{
    std::string s;
    if (pmt::is_symbol(v))
        s = pmt::symbol_to_string(v);
    else if (pmt::is_number(v) || pmt::is_bool(v) || pmt::is_null(v))
        s = pmt::write_string(v);
    else if (pmt::is_uniform_vector(v) || pmt::is_vector(v))
        s = "a vector of " + std::to_string(pmt::length(v));
    else if (pmt::is_pair(v))
        s = "a list or dict";
    else
        s = "a PMT of another kind";
    for (auto& c : s)
        if (static_cast<unsigned char>(c) < 0x20)
            c = ' ';
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

//! A dict: a list whose every element is a (key . value) pair (pmt::is_dict also says yes to any
//! list); iterative, and an improper list is not one.
bool is_dict_of_pairs(const pmt::pmt_t& m)
{
    if (!pmt::is_pair(m))
        return false;
    pmt::pmt_t p = m;
    for (; pmt::is_pair(p); p = pmt::cdr(p))
        if (!pmt::is_pair(pmt::car(p)))
            return false;
    return pmt::is_null(p);
}

//! A report's receiver: a long (1-based), or a symbol "rxK" / "K"; nullopt when it is neither.
std::optional<long> receiver_of(const pmt::pmt_t& key)
{
    if (pmt::is_integer(key))
        return pmt::to_long(key);
    if (!pmt::is_symbol(key))
        return std::nullopt;
    std::string s = pmt::symbol_to_string(key);
    if (s.rfind("rx", 0) == 0)
        s.erase(0, 2);
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stol(s);
}

SnrMessage invalid(const std::string& why)
{
    SnrMessage m;
    m.errors.push_back(why);
    return m;
}

/*
 * Walks one serialised PMT (the format of pmt_serialize.cc, tags in pmt/pmt_serial_tags.h) without
 * building it: each length is checked against the bytes left before the next is read.
 */
class SerialWalker
{
public:
    explicit SerialWalker(const std::string& b) : d_b(b.data()), d_size(b.size()) {}
    SerialWalker(const char* b, std::size_t size, std::size_t at) : d_b(b), d_size(size), d_at(at) {}
    //! The byte after the last one walked.
    std::size_t position() const { return d_at; }
    void item(int depth)
    {
        if (depth > 32)
            fail("nested deeper than 32");
        const std::uint8_t tag = u8();
        switch (tag) {
        case 0x00: // true
        case 0x01: // false
        case 0x06: // nil
            return;
        case 0x02: { // symbol: u16 length, at most 1024
            const std::size_t n = u16();
            if (n > 1024)
                fail("a symbol of " + std::to_string(n) + " bytes");
            skip(n);
            return;
        }
        case 0x03: // int32
            skip(4);
            return;
        case 0x04: // double
        case 0x0b: // uint64
        case 0x0d: // int64
            skip(8);
            return;
        case 0x05: // complex
            skip(16);
            return;
        case 0x07: // pair: car, then the cdr's tag (another pair continues the list)
        case 0x09: // dict
            for (;;) {
                item(depth + 1);
                if (d_at >= d_size)
                    fail("a pair without its cdr");
                if (std::uint8_t(d_b[d_at]) == 0x07) {
                    ++d_at;
                    continue;
                }
                item(depth + 1);
                return;
            }
        case 0x08:   // vector: u32 count, then each item (at least one byte each)
        case 0x0c: { // tuple
            const std::uint64_t n = u32();
            if (n > left())
                fail("a vector of " + std::to_string(n) + " items in " + std::to_string(left()) + " bytes");
            for (std::uint64_t i = 0; i < n; ++i)
                item(depth + 1);
            return;
        }
        case 0x0a: { // uniform vector: u8 type, u32 count, u8 padding, padding, the elements
            static const std::uint8_t size_of[] = { 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 8, 16 };
            const std::uint8_t type = u8() & 0x7f;
            if (type >= sizeof size_of)
                fail("unknown uniform vector type " + std::to_string(type));
            const std::uint64_t n = u32();
            skip(u8());
            if (n * size_of[type] > left())
                fail("a uniform vector of " + std::to_string(n) + " items in " + std::to_string(left()) + " bytes");
            skip(std::size_t(n * size_of[type]));
            return;
        }
        default:
            fail("unknown tag " + std::to_string(tag));
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::invalid_argument("serialised PMT refused: " + what);
    }
    std::size_t left() const { return d_size - d_at; }
    void skip(std::size_t n)
    {
        if (n > left())
            fail("truncated");
        d_at += n;
    }
    std::uint64_t be(std::size_t n)
    {
        if (n > left())
            fail("truncated");
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | std::uint8_t(d_b[d_at++]);
        return v;
    }
    std::uint8_t u8() { return std::uint8_t(be(1)); }
    std::size_t u16() { return std::size_t(be(2)); }
    std::uint64_t u32() { return be(4); }

    const char* d_b;
    std::size_t d_size;
    std::size_t d_at = 0;
};

} // namespace

pmt::pmt_t deserialize_checked(const std::string& bytes)
{
    SerialWalker(bytes).item(0);
    return pmt::deserialize_str(bytes);
}

StreamMessage parse_stream_message(const char* data, std::size_t size, std::size_t itemsize, bool with_tags)
{
    if (itemsize == 0)
        throw std::invalid_argument("stream message: item size 0");
    StreamMessage m;
    std::size_t at = 0;
    // gr-zeromq writes the header's integers in the host's byte order (little-endian on x86-64)
    auto integer = [&](std::size_t n, const char* what) {
        if (size - at < n)
            throw std::invalid_argument(std::string("stream message: ") + what + " truncated at byte " +
                                        std::to_string(at) + " of " + std::to_string(size));
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v |= std::uint64_t(std::uint8_t(data[at + i])) << (8 * i);
        at += n;
        return v;
    };
    if (with_tags) {
        if (integer(2, "header") != 0x5FF0)
            throw std::invalid_argument("stream message: no tag header (magic is not 0x5FF0; is the publisher's "
                                        "pass_tags on?)");
        const std::uint64_t version = integer(1, "header");
        if (version != 1)
            throw std::invalid_argument("stream message: tag header version " + std::to_string(version) +
                                        " (GNU Radio 3.10 writes 1)");
        m.offset = integer(8, "offset");
        const std::uint64_t count = integer(8, "tag count");
        // a tag takes at least 8 bytes of offset and three 1-byte PMTs
        if (count > (size - at) / 11)
            throw std::invalid_argument("stream message: " + std::to_string(count) + " tags claimed in " +
                                        std::to_string(size - at) + " bytes");
        m.tags.resize(std::size_t(count));
        for (auto& tag : m.tags) {
            tag.offset = integer(8, "tag offset");
            pmt::pmt_t* parts[] = { &tag.key, &tag.value, &tag.srcid };
            for (pmt::pmt_t* part : parts) {
                SerialWalker walker(data, size, at);
                walker.item(0);
                *part = pmt::deserialize_str(std::string(data + at, walker.position() - at));
                at = walker.position();
            }
        }
    }
    m.payload_at = at;
    if ((size - at) % itemsize != 0)
        throw std::invalid_argument("stream message: " + std::to_string(size - at) + " bytes of items are not whole " +
                                    std::to_string(itemsize) + "-byte items");
    m.items = (size - at) / itemsize;
    for (const auto& tag : m.tags)
        if (tag.offset < m.offset || tag.offset - m.offset >= m.items)
            throw std::invalid_argument("stream message: a tag at item " + std::to_string(tag.offset) +
                                        ", outside the message's items " + std::to_string(m.offset) + " .. " +
                                        std::to_string(m.offset + m.items));
    return m;
}

std::optional<float> finite_float(const pmt::pmt_t& v)
{
    double x;
    if (pmt::is_integer(v))
        x = double(pmt::to_long(v));
    else if (pmt::is_real(v))
        x = pmt::to_double(v);
    else
        return std::nullopt;
    // checked before narrowing: a double beyond float's range is not a float (and UB to convert)
    if (!(std::abs(x) <= double(FLT_MAX)))
        return std::nullopt;
    return float(x);
}

std::optional<::semcom::QuantizedFrameInfo> quantized_info_from_pmt(const pmt::pmt_t& d, std::string* why)
{
    auto refuse = [&](const std::string& reason) -> std::optional<::semcom::QuantizedFrameInfo> {
        if (why)
            *why = reason;
        return std::nullopt;
    };
    if (!is_dict_of_pairs(d))
        return refuse("the frame info is not a dict");
    const pmt::pmt_t nil = pmt::PMT_NIL;
    auto field = [&](const char* name) { return pmt::dict_ref(d, pmt::mp(name), nil); };
    ::semcom::QuantizedFrameInfo info;
    const auto bits = integer_in(field("bits"), 1, 8);
    if (!bits)
        return refuse("side information 'bits' " + shown(field("bits")) + " is not an integer in 1..8");
    info.bits = unsigned(*bits);
    const auto z_min = finite_float(field("z_min")), z_max = finite_float(field("z_max"));
    if (!z_min || !z_max || !(*z_min <= *z_max))
        return refuse("side information range [" + shown(field("z_min")) + ", " + shown(field("z_max")) +
                      "] is not a finite range of floats");
    info.range.z_min = *z_min;
    info.range.z_max = *z_max;
    const auto gain = finite_float(field("gain"));
    if (!gain || !(*gain > 0.0f))
        return refuse("side information 'gain' " + shown(field("gain")) + " is not a finite number > 0");
    info.gain = *gain;
    const auto values = integer_in(field("values"), 0, INT32_MAX - 1);
    if (!values || *values % 2)
        return refuse("side information 'values' " + shown(field("values")) + " is not an even count");
    info.values = std::uint32_t(*values);
    const auto sent_pmt = field("sent");
    if (!pmt::is_null(sent_pmt)) {
        const auto sent = integer_in(sent_pmt, 0, *values / 2);
        if (!sent)
            return refuse("side information 'sent' " + shown(sent_pmt) + " is not a symbol count in 0.." +
                          std::to_string(*values / 2));
        info.sent = std::uint32_t(*sent);
    }
    return info;
}

SnrMessage parse_snr_message(const pmt::pmt_t& m)
{
    SnrMessage out;
    try {
        if (is_dict_of_pairs(m) && !pmt::dict_has_key(m, pmt::mp("snr_db"))) {
            out.kind = SnrMessage::Kind::reports;
            std::size_t n = 0;
            for (pmt::pmt_t items = m; pmt::is_pair(items); items = pmt::cdr(items)) {
                if (++n > max_snr_values)
                    return invalid("more than " + std::to_string(max_snr_values) + " SNR reports in one message");
                const auto key = pmt::car(pmt::car(items)), value = pmt::cdr(pmt::car(items));
                const auto receiver = receiver_of(key);
                if (!receiver) {
                    out.errors.push_back("receiver " + shown(key) + " is not a number, 'rxK' or 'K'");
                    continue;
                }
                // a number (non-finite ones are refused with their receiver by SnrTable::report)
                if (pmt::is_integer(value))
                    out.reports.emplace_back(*receiver, double(pmt::to_long(value)));
                else if (pmt::is_real(value))
                    out.reports.emplace_back(*receiver, pmt::to_double(value));
                else
                    out.errors.push_back("receiver " + std::to_string(*receiver) + ": " + shown(value) +
                                         " is not a number");
            }
            return out;
        }
        std::vector<pmt::pmt_t> items;
        if (pmt::is_f32vector(m)) {
            if (pmt::length(m) > max_snr_values)
                return invalid("more than " + std::to_string(max_snr_values) + " SNR values in one message");
            for (float v : pmt::f32vector_elements(m))
                items.push_back(pmt::from_double(v));
        } else if (pmt::is_vector(m)) {
            if (pmt::length(m) > max_snr_values)
                return invalid("more than " + std::to_string(max_snr_values) + " SNR values in one message");
            for (std::size_t i = 0; i < pmt::length(m); ++i)
                items.push_back(pmt::vector_ref(m, i));
        } else if (pmt::is_pair(m) && !is_dict_of_pairs(m)) {
            pmt::pmt_t p = m;
            for (; pmt::is_pair(p); p = pmt::cdr(p)) {
                if (items.size() == max_snr_values)
                    return invalid("more than " + std::to_string(max_snr_values) + " SNR values in one message");
                items.push_back(pmt::car(p));
            }
            if (!pmt::is_null(p))
                return invalid("a list of SNRs that does not end with nil");
        } else {
            pmt::pmt_t v = m;
            if (is_dict_of_pairs(m))
                v = pmt::dict_ref(m, pmt::mp("snr_db"), pmt::PMT_NIL);
            const auto x = finite_float(v);
            if (!x)
                return invalid("expected a number, a vector of numbers, a dict with snr_db or a dict receiver "
                               "-> SNR in dB; got " + shown(m));
            out.kind = SnrMessage::Kind::all;
            out.all_db = *x;
            return out;
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto x = finite_float(items[i]);
            if (!x)
                return invalid("SNR value " + std::to_string(i) + " (" + shown(items[i]) +
                               ") is not a finite number");
            out.values.push_back(*x);
        }
        out.kind = SnrMessage::Kind::per_receiver;
        return out;
    } catch (const std::exception& e) {
        // pmt's own wrong_type / out_of_range: nothing here may stop a flowgraph
        return invalid(std::string("unreadable SNR message: ") + e.what());
    }
}

float snr_from_message(const pmt::pmt_t& msg, float fallback)
{
    pmt::pmt_t v = msg;
    if (is_dict_of_pairs(msg))
        v = pmt::dict_ref(msg, pmt::mp("snr_db"), pmt::PMT_NIL);
    const auto x = finite_float(v);
    return x ? *x : fallback;
}

} // namespace semcom
} // namespace gr

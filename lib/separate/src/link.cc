/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/separate/link.h>

#include <gnuradio/constants.h>
#include <gnuradio/fec/alist.h>
#include <gnuradio/fec/cldpc.h>
#include <gnuradio/fec/ldpc_decoder.h>
#include <gnuradio/fec/ldpc_encoder.h>

#include <boost/crc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <stdexcept>

namespace semcom::separate {

namespace {

constexpr const char* mother_code = "271.127.3.112";
constexpr float llr_cap = 12.0f;      // see the class comment
constexpr float llr_erasure = 1e-3f;  // a punctured bit: no information, but not exactly 0

std::uint32_t crc32(const std::uint8_t* data, std::size_t n)
{
    boost::crc_32_type crc;
    crc.process_bytes(data, n);
    return crc.checksum();
}

} // namespace

const std::vector<Mcs>& mcs_table()
{
    static const std::vector<Mcs> table{
        { "4qam-1/2", 4, 1, 2 },    { "4qam-3/4", 4, 3, 4 },    { "16qam-1/2", 16, 1, 2 },
        { "16qam-2/3", 16, 2, 3 },  { "64qam-1/2", 64, 1, 2 },  { "16qam-3/4", 16, 3, 4 },
        { "256qam-1/2", 256, 1, 2 }, { "64qam-2/3", 64, 2, 3 }, { "64qam-3/4", 64, 3, 4 },
        { "256qam-2/3", 256, 2, 3 }, { "256qam-3/4", 256, 3, 4 },
    };
    return table;
}

std::vector<std::size_t> mcs_candidates(const std::string& name)
{
    const auto& table = mcs_table();
    std::vector<std::size_t> out;
    for (std::size_t m = 0; m < table.size(); ++m)
        if (name == "auto" || table[m].name == name)
            out.push_back(m);
    if (out.empty()) {
        std::string names;
        for (const auto& m : table)
            names += ", " + m.name;
        throw std::invalid_argument("--mcs '" + name + "': unknown (auto" + names + ")");
    }
    return out;
}

std::string default_alist_path()
{
    const std::string alist = gr::prefix() + "/share/gnuradio/fec/ldpc/" + mother_code;
    if (!std::filesystem::exists(alist))
        throw std::runtime_error("LDPC parity-check matrix not found: '" + alist + "' (part of GNU Radio's gr-fec)");
    return alist;
}

SeparateLink::SeparateLink(const Mcs& mcs, int channel_uses, const std::string& alist_path)
    : d_mcs(mcs),
      d_n(channel_uses),
      d_constellation(Constellation::qam(mcs.order)),
      d_demapper(SuperpositionMapper({ d_constellation }, { 1.0f })),
      d_bps(d_constellation.bits_per_symbol())
{
    if (channel_uses <= 0)
        throw std::invalid_argument("separate: channel uses must be positive");
    const int B = d_n * int(d_bps);
    d_frame_bytes = std::size_t(std::floor(double(B) * mcs.num / mcs.den / 8.0));
    if (d_frame_bytes <= 4)
        throw std::invalid_argument("separate: MCS " + mcs.name + " carries " + std::to_string(d_frame_bytes) +
                                    " bytes in " + std::to_string(d_n) + " channel uses: no room after the CRC");
    d_encoder = gr::fec::ldpc_encoder::make(alist_path);
    d_decoder = gr::fec::ldpc_decoder::make(alist_path, float(1.0 / std::sqrt(2.0)), 50);
    d_K = d_encoder->get_input_size();
    d_N = d_encoder->get_output_size();
    find_systematic_positions(alist_path);
    plan_rate_matching(B);
}

void SeparateLink::find_systematic_positions(const std::string& alist_path)
{
    // Where gr-fec's encoder puts each information bit: cldpc::get_systematic_bits picks them out
    // of a codeword; applied to position numbers (in two bytes) it names the positions.
    alist list;
    list.read(alist_path.c_str());
    cldpc code(list);
    std::vector<std::uint8_t> lo(d_N), hi(d_N);
    for (int j = 0; j < d_N; ++j) {
        lo[j] = std::uint8_t(j & 0xFF);
        hi[j] = std::uint8_t(j >> 8);
    }
    const auto sl = code.get_systematic_bits(lo), sh = code.get_systematic_bits(hi);
    if (int(sl.size()) != d_K)
        throw std::runtime_error("separate: " + alist_path + ": " + std::to_string(sl.size()) +
                                 " systematic bits, encoder says " + std::to_string(d_K));
    for (int i = 0; i < d_K; ++i)
        d_systematic.push_back(int(sl[i]) | (int(sh[i]) << 8));
}

void SeparateLink::plan_rate_matching(int B)
{
    std::vector<bool> is_info(d_N, false);
    for (int p : d_systematic)
        is_info[p] = true;
    std::vector<int> parity;
    for (int p = 0; p < d_N; ++p)
        if (!is_info[p])
            parity.push_back(p);

    const int info = int(8 * d_frame_bytes);
    d_codewords = (info + d_K - 1) / d_K;
    d_shortened = d_codewords * d_K - info;
    const int sent = d_codewords * d_N - d_shortened;
    d_punctured = std::max(0, sent - B);
    d_repeated = std::max(0, B - sent);
    if (d_punctured > d_codewords * int(parity.size()))
        throw std::invalid_argument("separate: MCS " + d_mcs.name + " would puncture more than the parity bits");
    // Information bits first in each codeword, then its parity bits minus the punctured ones.
    std::vector<std::pair<int, int>> order;
    d_info_bits.resize(d_codewords);
    d_punctured_at.resize(d_codewords);
    for (int c = 0; c < d_codewords; ++c) {
        d_info_bits[c] = d_K - (d_shortened / d_codewords + (c < d_shortened % d_codewords));
        const int punct = d_punctured / d_codewords + (c < d_punctured % d_codewords);
        std::vector<int> perm(parity.size());
        std::iota(perm.begin(), perm.end(), 0);
        std::mt19937 rng(1000 + c); // fixed pattern: known to both ends
        std::shuffle(perm.begin(), perm.end(), rng);
        std::vector<bool> drop(parity.size(), false);
        for (int q = 0; q < punct; ++q)
            drop[perm[q]] = true;
        for (int i = 0; i < d_info_bits[c]; ++i)
            order.emplace_back(c, d_systematic[i]);
        for (std::size_t q = 0; q < parity.size(); ++q) {
            if (drop[q])
                d_punctured_at[c].push_back(parity[q]);
            else
                order.emplace_back(c, parity[q]);
        }
    }
    d_stream.resize(B);
    for (int k = 0; k < B; ++k)
        d_stream[k] = order[std::size_t(k) % order.size()]; // cyclic repetition fills the rest
    d_interleaver.resize(B);
    std::iota(d_interleaver.begin(), d_interleaver.end(), 0);
    std::mt19937 rng(7);
    std::shuffle(d_interleaver.begin(), d_interleaver.end(), rng);
}

std::string SeparateLink::describe() const
{
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s: %zu bytes per frame (%zu for the image, 4 CRC-32), %d codeword%s of LDPC (%d, %d), "
                  "%d bits shortened, %d punctured, %d repeated, %d symbols",
                  d_mcs.name.c_str(), d_frame_bytes, payload_bytes(), d_codewords, d_codewords == 1 ? "" : "s", d_N,
                  d_K, d_shortened, d_punctured, d_repeated, d_n);
    return buf;
}

void SeparateLink::transmit(const std::vector<std::uint8_t>& payload, std::vector<cfloat>& symbols) const
{
    if (payload.size() > payload_bytes())
        throw std::logic_error("SeparateLink::transmit: payload larger than the frame");
    // JPEG fill bytes (0xFF) up to the frame, then the CRC-32, big-endian.
    std::vector<std::uint8_t> frame(payload);
    frame.resize(payload_bytes(), 0xFF);
    const std::uint32_t crc = crc32(frame.data(), frame.size());
    for (int s = 24; s >= 0; s -= 8)
        frame.push_back(std::uint8_t(crc >> s));
    // Frame bits (MSB first) into the codewords' information bits; shortened bits stay 0.
    std::vector<std::vector<std::uint8_t>> cw(d_codewords, std::vector<std::uint8_t>(d_N));
    std::vector<std::uint8_t> info(d_K);
    std::size_t bit = 0;
    for (int c = 0; c < d_codewords; ++c) {
        std::fill(info.begin(), info.end(), 0);
        for (int i = 0; i < d_info_bits[c]; ++i, ++bit)
            info[i] = (frame[bit / 8] >> (7 - bit % 8)) & 1;
        d_encoder->generic_work(info.data(), cw[c].data());
    }
    const int B = int(d_stream.size());
    std::vector<std::uint8_t> slots(B);
    for (int k = 0; k < B; ++k)
        slots[d_interleaver[k]] = cw[d_stream[k].first][d_stream[k].second];
    symbols.resize(d_n);
    for (int j = 0; j < d_n; ++j) {
        unsigned index = 0;
        for (unsigned b = 0; b < d_bps; ++b)
            index = (index << 1) | slots[j * d_bps + b];
        symbols[j] = d_constellation.point(index);
    }
}

bool SeparateLink::receive(const cfloat* y, const float* noise_var, std::vector<std::uint8_t>& payload)
{
    const int B = int(d_stream.size());
    // Exact bit LLRs ln P(0) / P(1) per symbol, index bits MSB first (a one-layer superposition is
    // the plain constellation).
    std::vector<float> nv(noise_var, noise_var + d_n), llr(B);
    for (auto& v : nv)
        v = std::max(v, 1e-12f);
    float* out = llr.data();
    d_demapper.llrs(y, nv.data(), &out, std::size_t(d_n));
    // gr-fec's decoder input: positive means bit 1 (it decodes -input as ln P(0) / P(1)).
    std::vector<std::vector<float>> soft(d_codewords, std::vector<float>(d_N, 0.0f));
    for (int k = 0; k < B; ++k)
        soft[d_stream[k].first][d_stream[k].second] -= llr[d_interleaver[k]];
    payload.assign(d_frame_bytes, 0);
    std::vector<std::uint8_t> info(d_K);
    std::size_t bit = 0;
    for (int c = 0; c < d_codewords; ++c) {
        auto& s = soft[c];
        for (int i = d_info_bits[c]; i < d_K; ++i)
            s[d_systematic[i]] = -llr_cap; // shortened: a known 0
        for (int p : d_punctured_at[c])
            s[p] = llr_erasure;
        for (auto& v : s) {
            v = std::clamp(v, -llr_cap, llr_cap);
            if (v == 0.0f)
                v = llr_erasure;
        }
        d_decoder->generic_work(s.data(), info.data());
        for (int i = 0; i < d_info_bits[c]; ++i, ++bit)
            if (info[i] & 1)
                payload[bit / 8] |= std::uint8_t(1u << (7 - bit % 8));
    }
    const std::size_t body = payload_bytes();
    const std::uint32_t got = (std::uint32_t(payload[body]) << 24) | (std::uint32_t(payload[body + 1]) << 16) |
                              (std::uint32_t(payload[body + 2]) << 8) | payload[body + 3];
    payload.resize(body);
    return got == crc32(payload.data(), body);
}

std::size_t best_link(const std::vector<SeparateLink>& links, const std::vector<double>& crc_ok, double target)
{
    if (crc_ok.size() != links.size())
        throw std::invalid_argument("best_link: one CRC rate per link");
    std::size_t best = 0;
    double best_rate = -1;
    for (std::size_t c = 0; c < links.size(); ++c)
        if (crc_ok[c] >= target && links[c].throughput() > best_rate) {
            best = c;
            best_rate = links[c].throughput();
        }
    return best;
}

} // namespace semcom::separate

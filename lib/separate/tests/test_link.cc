/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/separate/link.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <stdexcept>

using namespace semcom;
using namespace semcom::separate;

namespace {

constexpr int n = 128; // the shipped semantic models' channel uses

std::vector<std::uint8_t> random_payload(std::size_t bytes, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> p(bytes);
    for (auto& b : p)
        b = std::uint8_t(rng() & 0xFF);
    return p;
}

//! y = x + CN(0, nv): AWGN after perfect equalisation.
std::vector<cfloat> awgn(const std::vector<cfloat>& x, float nv, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, std::sqrt(nv / 2));
    std::vector<cfloat> y(x);
    for (auto& v : y)
        v += cfloat(g(rng), g(rng));
    return y;
}

} // namespace

TEST(SeparateMcs, TableIsOrderedByThroughputWithConsistentNames)
{
    const auto& table = mcs_table();
    ASSERT_EQ(table.size(), 11u);
    std::set<std::string> names;
    double last = 0.0;
    for (const auto& m : table) {
        EXPECT_TRUE(names.insert(m.name).second) << m.name;
        EXPECT_TRUE(m.order == 4 || m.order == 16 || m.order == 64 || m.order == 256) << m.name;
        EXPECT_GT(m.num, 0);
        EXPECT_LT(m.num, m.den);
        EXPECT_EQ(m.name, std::to_string(m.order) + "qam-" + std::to_string(m.num) + "/" + std::to_string(m.den));
        const double bits = std::log2(double(m.order)) * m.num / m.den;
        EXPECT_GE(bits, last) << m.name;
        last = bits;
    }
    EXPECT_EQ(mcs_candidates("auto").size(), table.size());
    EXPECT_EQ(mcs_candidates("64qam-2/3"), std::vector<std::size_t>{ 7 });
    try {
        mcs_candidates("12qam-1/2");
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind("--mcs '12qam-1/2': unknown (auto, 4qam-1/2, 4qam-3/4", 0), 0u) << e.what();
    }
}

TEST(SeparateLink, RateMatchingFillsExactlyTheChannelUses)
{
    for (int uses : { 64, n, 300 })
        for (const auto& m : mcs_table()) {
            SCOPED_TRACE(m.name + " over " + std::to_string(uses));
            const SeparateLink link(m, uses);
            const int B = uses * int(std::log2(double(m.order)));
            EXPECT_EQ(link.frame_bytes(), std::size_t(std::floor(double(B) * m.num / m.den / 8.0)));
            EXPECT_EQ(link.payload_bytes(), link.frame_bytes() - 4);
            EXPECT_EQ(link.code_length(), 271);
            EXPECT_EQ(link.code_dimension(), 144);
            // information bits: the frame plus the shortened ones fill whole codewords
            EXPECT_EQ(link.codewords() * link.code_dimension() - link.shortened_bits(), int(8 * link.frame_bytes()));
            EXPECT_LT(link.shortened_bits(), link.code_dimension());
            // sent bits: codewords minus shortened and punctured, plus repeats, fill the symbols
            EXPECT_EQ(link.codewords() * link.code_length() - link.shortened_bits() - link.punctured_bits() +
                          link.repeated_bits(),
                      B);
            EXPECT_TRUE(link.punctured_bits() == 0 || link.repeated_bits() == 0);
            EXPECT_DOUBLE_EQ(link.throughput(), 8.0 * link.frame_bytes() / uses);
            std::vector<cfloat> x;
            link.transmit(random_payload(link.payload_bytes(), 1), x);
            EXPECT_EQ(x.size(), std::size_t(uses));
        }
    EXPECT_THROW(SeparateLink(mcs_table()[0], 0), std::invalid_argument);
    EXPECT_THROW(SeparateLink(mcs_table()[0], 8), std::invalid_argument); // 2 bytes: no room after the CRC
}

TEST(SeparateLink, RoundTripAtHighSnrForEveryMcs)
{
    for (const auto& m : mcs_table()) {
        SCOPED_TRACE(m.name);
        SeparateLink link(m, n);
        // a short payload: the rest of the frame is 0xFF fill
        auto payload = random_payload(link.payload_bytes() - 3, 7);
        std::vector<cfloat> x;
        link.transmit(payload, x);
        const float nv = 1e-4f; // 40 dB
        const auto y = awgn(x, nv, 3);
        const std::vector<float> noise(n, nv);
        std::vector<std::uint8_t> got;
        ASSERT_TRUE(link.receive(y.data(), noise.data(), got));
        ASSERT_EQ(got.size(), link.payload_bytes());
        payload.resize(link.payload_bytes(), 0xFF);
        EXPECT_EQ(got, payload);
        // per-symbol noise variances (a faded frame after zero forcing) decode as well
        std::vector<float> faded(n);
        for (int j = 0; j < n; ++j)
            faded[j] = nv * (1.0f + float(j % 5));
        EXPECT_TRUE(link.receive(y.data(), faded.data(), got));
        EXPECT_EQ(got, payload);
    }
}

TEST(SeparateLink, CrcCatchesCorruptedFrames)
{
    for (const char* name : { "4qam-1/2", "16qam-2/3", "256qam-3/4" }) {
        SCOPED_TRACE(name);
        SeparateLink link(mcs_table()[mcs_candidates(name)[0]], n);
        std::vector<cfloat> x;
        link.transmit(random_payload(link.payload_bytes(), 11), x);
        // half the symbols rotated by 90 degrees and claimed reliable: the decoder cannot fix it
        for (int j = 0; j < n; j += 2)
            x[j] *= cfloat(0.0f, 1.0f);
        const std::vector<float> noise(n, 1e-3f);
        std::vector<std::uint8_t> got;
        EXPECT_FALSE(link.receive(x.data(), noise.data(), got));
        EXPECT_EQ(got.size(), link.payload_bytes());
    }
}

TEST(SeparateLink, BestLinkIsTheFastestThatDecodesElseTheMostRobust)
{
    std::vector<SeparateLink> links;
    for (const char* name : { "4qam-1/2", "16qam-1/2", "64qam-2/3" })
        links.emplace_back(mcs_table()[mcs_candidates(name)[0]], n);
    EXPECT_EQ(best_link(links, { 1.0, 1.0, 0.98 }), 1u);
    EXPECT_EQ(best_link(links, { 1.0, 1.0, 0.99 }), 2u);
    EXPECT_EQ(best_link(links, { 0.5, 0.2, 0.0 }), 0u);
    EXPECT_EQ(best_link(links, { 1.0, 1.0, 0.95 }, 0.9), 2u);
    EXPECT_THROW(best_link(links, { 1.0 }), std::invalid_argument);
}

/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "burst_capture.h"

#include <semcom/waveform.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

using namespace semcom;
using namespace semcom::testing_support;

TEST(RootRaisedCosine, UnitEnergyAndNyquistAfterTheMatchedFilter)
{
    for (unsigned sps : { 2u, 4u, 8u })
        for (float beta : { 0.2f, 0.35f, 1.0f }) {
            const auto g = root_raised_cosine(sps, beta, 10);
            ASSERT_EQ(g.size(), 10u * sps + 1);
            EXPECT_NEAR(std::inner_product(g.begin(), g.end(), g.begin(), 0.0), 1.0, 1e-6);
            // g * g is a raised cosine: 1 at 0, ~0 at the other multiples of sps (truncation
            // to 10 symbols leaves a little)
            const int n = int(g.size());
            for (int k = 1; k <= 4; ++k) {
                double rc = 0.0;
                for (int j = 0; j + k * int(sps) < n; ++j)
                    rc += double(g[j]) * g[j + k * sps];
                EXPECT_LT(std::abs(rc), beta < 0.3f ? 1.5e-2 : 5e-3) << "sps " << sps << " beta " << beta << " k " << k;
            }
        }
    EXPECT_THROW(root_raised_cosine(1, 0.35f, 8), std::invalid_argument);
    EXPECT_THROW(root_raised_cosine(4, 0.0f, 8), std::invalid_argument);
    EXPECT_THROW(root_raised_cosine(4, 0.35f, 7), std::invalid_argument);
}

namespace {

std::vector<WaveformReceiver::Frame> receive(WaveformReceiver& rx, const std::vector<cfloat>& x, std::size_t chunk)
{
    std::vector<WaveformReceiver::Frame> frames;
    for (std::size_t i = 0; i < x.size(); i += chunk) {
        auto f = rx.push(x.data() + i, std::min(chunk, x.size() - i));
        frames.insert(frames.end(), f.begin(), f.end());
    }
    return frames;
}

double error_power(const std::vector<cfloat>& a, const std::vector<cfloat>& b)
{
    double e = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        e += std::norm(a[i] - b[i]);
    return e / double(a.size());
}

} // namespace

TEST(PulseShaper, MatchedFilterGivesTheSymbolsBack)
{
    WaveformConfig cfg;
    std::mt19937 rng(1);
    const auto sym = random_qam64(500, rng);
    const PulseShaper shaper(cfg);
    const auto x = shaper.shape(sym.data(), sym.size());
    const auto& g = shaper.taps();
    double sample_power = 0.0;
    for (const auto& s : x)
        sample_power += std::norm(s);
    EXPECT_NEAR(sample_power / (sym.size() * cfg.sps), 1.0 / cfg.sps, 0.02 / cfg.sps);
    double err = 0.0;
    for (std::size_t k = 20; k < 480; ++k) { // away from the edges
        cfloat y(0, 0);
        const std::size_t m = k * cfg.sps + g.size() - 1; // symbol k after both filters
        for (std::size_t j = 0; j < g.size(); ++j)
            y += g[j] * x[m - j];
        err += std::norm(y - sym[k]);
    }
    EXPECT_LT(10.0 * std::log10(err / 460.0), -35.0); // residual ISI of the truncated pulses
}

TEST(FractionallySpacedEqualiser, UndoesTimingPhaseAndMultipath)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.noise = false;
    imp.delay = 0.37f;
    imp.multipath = { { 1.0f, 0.0f }, { 0.0f, 0.0f }, { 0.25f, -0.2f } };
    const auto c = capture(cfg, 3, imp, 4);
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 4096);
    ASSERT_EQ(frames.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(frames[i].header, c.bursts[i].header);
        EXPECT_LT(10.0 * std::log10(error_power(frames[i].payload, c.bursts[i].payload)), -30.0);
    }
}

// Detection and decoding at 5 dB through CFO, fractional timing and two-path multipath.
TEST(WaveformReceiver, DecodesAtLeast99PercentAt5dBWithImpairments)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.snr_db = 5.0f;
    imp.cfo = 0.002f; // cycles per symbol: 200 Hz at 100 ksym/s
    imp.delay = 0.6f;
    imp.multipath = { { 0.95f, 0.0f }, { 0.0f, 0.0f }, { 0.0f, 0.0f }, { 0.2f, 0.25f } };
    const int n = 300;
    const auto c = capture(cfg, n, imp, 9);
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 8192);
    std::size_t right = 0;
    for (const auto& f : frames) {
        ASSERT_LT(f.header.sequence, std::uint32_t(n));
        const auto& b = c.bursts[f.header.sequence];
        right += f.header == b.header;
        // the first preamble symbol's pulse centre, within a sample of where it was sent
        EXPECT_NEAR(double(f.start), double(b.at + cfg.span * cfg.sps / 2), 2.0);
        EXPECT_NEAR(f.cfo, imp.cfo, 1e-4);
    }
    EXPECT_GE(right, std::size_t(n * 99 / 100)) << "detected " << rx.counters().detected << ", header errors " << rx.counters().header_errors << ": " << rx.last_error();
    EXPECT_EQ(frames.size(), right); // nothing decoded wrongly
    EXPECT_EQ(rx.counters().frames, frames.size());
    std::printf("%zu of %d bursts decoded, %llu detected, %llu header errors\n", right, n,
                (unsigned long long)rx.counters().detected, (unsigned long long)rx.counters().header_errors);
}

class WaveformSnr : public ::testing::TestWithParam<float> {};

// The SNR a frame reports is the SNR of its equalised payload, and both match the channel's.
TEST_P(WaveformSnr, MeasuredSnrMatchesTheChannel)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.snr_db = GetParam();
    imp.cfo = -0.001f;
    imp.delay = 0.25f;
    const auto c = capture(cfg, 60, imp, 17);
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 10000);
    ASSERT_GE(frames.size(), 59u);
    double reported = 0.0, err = 0.0;
    for (const auto& f : frames) {
        reported += std::pow(10.0, -f.channel.snr_db / 10.0);
        err += error_power(f.payload, c.bursts[f.header.sequence].payload);
    }
    const double payload_db = -10.0 * std::log10(err / frames.size());
    const double reported_db = -10.0 * std::log10(reported / frames.size());
    std::printf("channel %.1f dB: payload %.2f dB, reported %.2f dB\n", imp.snr_db, payload_db, reported_db);
    // The least-squares equaliser is an MMSE filter: at low SNR its output is slightly shrunk, so
    // the payload's error is below the channel's noise (by 0.5 dB at 5 dB, nothing at 20 dB); the
    // SNR reported from the known symbols follows the payload's.
    EXPECT_NEAR(payload_db, imp.snr_db, imp.snr_db < 8.0f ? 0.7 : 0.4);
    EXPECT_NEAR(reported_db, payload_db, 0.3);
}

INSTANTIATE_TEST_SUITE_P(Snr, WaveformSnr, ::testing::Values(5.0f, 10.0f, 20.0f, 25.0f));

TEST(WaveformReceiver, NoFramesFromNoise)
{
    WaveformConfig cfg;
    WaveformReceiver rx(cfg);
    std::mt19937 rng(2);
    std::normal_distribution<float> n(0.0f, 0.7f);
    std::vector<cfloat> x(1 << 16);
    std::size_t frames = 0;
    for (int block = 0; block < 64; ++block) { // 4 M samples
        for (auto& s : x)
            s = cfloat(n(rng), n(rng));
        frames += rx.push(x.data(), x.size()).size();
    }
    EXPECT_EQ(frames, 0u);
    EXPECT_EQ(rx.counters().frames, 0u);
}

TEST(WaveformReceiver, CorruptHeaderIsDroppedAndCounted)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.noise = false;
    auto c = capture(cfg, 4, imp, 5);
    // burst 2: wipe most of its header with strong interference
    const FrameFormat fmt(cfg.pilots);
    const std::size_t from = c.bursts[2].at + fmt.preamble().size() * cfg.sps;
    std::mt19937 rng(3);
    std::normal_distribution<float> n(0.0f, 3.0f);
    for (std::size_t i = from; i < from + FrameFormat::header_symbols * cfg.sps; ++i)
        c.samples[i] += cfloat(n(rng), n(rng));
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 5000);
    ASSERT_EQ(frames.size(), 3u);
    EXPECT_EQ(frames[0].header.sequence, 0u);
    EXPECT_EQ(frames[1].header.sequence, 1u);
    EXPECT_EQ(frames[2].header.sequence, 3u);
    EXPECT_EQ(rx.counters().header_errors, 1u);
    EXPECT_EQ(rx.counters().detected, 4u); // the bad burst once, not again inside its header
    EXPECT_FALSE(rx.last_error().empty());
}

TEST(Spreading, ForTheWeakestReceiversSnr)
{
    EXPECT_EQ(spreading_for_snr(20.0f), 1u);
    EXPECT_EQ(spreading_for_snr(5.0f), 1u);
    EXPECT_EQ(spreading_for_snr(4.9f), 2u);
    EXPECT_EQ(spreading_for_snr(0.0f), 4u);
    EXPECT_EQ(spreading_for_snr(-5.0f), 16u);
    EXPECT_EQ(spreading_for_snr(-30.0f), 16u);
    EXPECT_THROW(spreading_for_snr(NAN), std::invalid_argument);
}

TEST(WaveformConfig, RejectsBadSettings)
{
    WaveformConfig c;
    c.sps = 1;
    EXPECT_THROW(WaveformReceiver{ c }, std::invalid_argument);
    c = {};
    c.equaliser_span = 3;
    EXPECT_THROW(PulseShaper{ c }, std::invalid_argument);
    c = {};
    c.spreading = 3;
    EXPECT_THROW(WaveformReceiver{ c }, std::invalid_argument);
}

TEST(WaveformReceiver, CorruptSideInformationDropsItsBurstAndCounts)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.noise = false;
    imp.images = 2;
    SideInfo side;
    side.keep_masks = { std::vector<std::uint8_t>(98, 1), std::vector<std::uint8_t>(98, 0) };
    side.snr_db_used = { 3.0f, 7.0f };
    imp.side = side.serialize();
    auto c = capture(cfg, 4, imp, 9);
    // burst 1: interference over its side-information block (after preamble, header and pilots),
    // the header left intact
    const FrameFormat fmt(cfg.pilots);
    const std::size_t from = c.bursts[1].at + fmt.overhead() * cfg.sps;
    std::mt19937 rng(4);
    std::normal_distribution<float> n(0.0f, 3.0f);
    for (std::size_t i = from; i < from + fmt.side_symbols(c.bursts[1].header) * cfg.sps; ++i)
        c.samples[i] += cfloat(n(rng), n(rng));
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 5000);
    ASSERT_EQ(frames.size(), 6u); // bursts 0, 2 and 3, two images each
    EXPECT_EQ(frames[2].header.sequence, 4u);
    EXPECT_EQ(frames[3].image, 1);
    for (const auto& f : frames)
        EXPECT_EQ(f.side, imp.side);
    EXPECT_EQ(rx.counters().header_errors, 1u);
    EXPECT_EQ(rx.counters().bursts, 3u);
    EXPECT_NE(rx.last_error().find("side information: CRC"), std::string::npos) << rx.last_error();
}

namespace {
// Headers decoded right out of the bursts sent, and the images' error power.
struct Tally {
    std::size_t bursts_right = 0, images = 0;
    double error = 0.0;
};
Tally tally(const std::vector<WaveformReceiver::Frame>& frames, const Capture& c)
{
    Tally t;
    for (const auto& f : frames) {
        const std::size_t b = f.header.sequence / f.header.images, i = f.header.sequence % f.header.images;
        if (b >= c.bursts.size())
            continue;
        auto expect = c.bursts[b].header;
        expect.sequence = f.header.sequence;
        if (!(f.header == expect))
            continue;
        t.bursts_right += i == 0;
        ++t.images;
        t.error += error_power(f.payload, c.bursts[b].image(i));
    }
    return t;
}
} // namespace

// The robust mode: with the preamble and header spread 16 times a receiver at -5 dB decodes
// >= 99 % of the headers through CFO, fractional timing and two-path multipath, and its payload
// comes out at the channel's SNR. Spreading 16 is 12 dB on the header: as the plain header at 7 dB.
class RobustHeader : public ::testing::TestWithParam<float> {};
TEST_P(RobustHeader, DecodesAtLeast99PercentOfTheBursts)
{
    WaveformConfig cfg;
    cfg.spreading = 16;
    Impairments imp;
    imp.snr_db = GetParam();
    imp.cfo = 0.002f; // cycles per chip: 500 Hz at 250 kchip/s (the range is +-1/128)
    imp.delay = 0.6f;
    imp.multipath = { { 0.95f, 0.0f }, { 0.0f, 0.0f }, { 0.0f, 0.0f }, { 0.2f, 0.25f } };
    imp.images = 4;
    imp.payload = 128;
    // every burst carries side information: 4 images' keep masks (3 receivers x 49 tokens) and
    // the encoder's 3 SNRs, 111 bytes coded after the pilots
    SideInfo side;
    std::mt19937 bits(7);
    side.keep_masks.assign(4, std::vector<std::uint8_t>(147));
    for (auto& m : side.keep_masks)
        for (auto& b : m)
            b = std::uint8_t(bits() & 1);
    side.snr_db_used = { -5.0f, 10.5f, 19.0f };
    imp.side = side.serialize();
    const int n = 150;
    const auto c = capture(cfg, n, imp, 31 + unsigned(GetParam() + 10));
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 65536);
    const auto t = tally(frames, c);
    std::printf("spreading 16 at %.1f dB: %zu of %d headers, %llu detected, %llu header errors, payload %.2f dB\n",
                imp.snr_db, t.bursts_right, n, (unsigned long long)rx.counters().detected,
                (unsigned long long)rx.counters().header_errors, -10.0 * std::log10(t.error / double(t.images)));
    EXPECT_GE(t.bursts_right, std::size_t(n * 99 / 100)) << rx.last_error();
    EXPECT_EQ(frames.size(), t.images); // nothing decoded wrongly
    EXPECT_EQ(t.images, 4 * t.bursts_right);
    for (const auto& f : frames) {
        EXPECT_NEAR(f.cfo, imp.cfo, 2e-5);
        ASSERT_EQ(f.side, imp.side); // a wrong side block never comes out: its CRC drops the burst
    }
    const auto parsed = SideInfo::parse(frames.front().side.data(), frames.front().side.size(), 4);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(*parsed == side);
    // the payload at the chip rate: the channel's SNR (the equaliser's MMSE shrink at low SNR)
    EXPECT_NEAR(-10.0 * std::log10(t.error / double(t.images)), imp.snr_db, 0.8);
}
INSTANTIATE_TEST_SUITE_P(Snr, RobustHeader, ::testing::Values(-5.0f, 0.0f, 5.0f));

TEST(WaveformReceiver, NoFramesFromNoiseInTheRobustMode)
{
    WaveformConfig cfg;
    cfg.spreading = 16;
    WaveformReceiver rx(cfg);
    std::mt19937 rng(4);
    std::normal_distribution<float> n(0.0f, 0.7f);
    std::vector<cfloat> x(1 << 16);
    for (int block = 0; block < 64; ++block) { // 4 M samples
        for (auto& s : x)
            s = cfloat(n(rng), n(rng));
        EXPECT_TRUE(rx.push(x.data(), x.size()).empty());
    }
    EXPECT_EQ(rx.counters().frames, 0u);
}

// Several images per burst: sequence numbers first .. first + images - 1, and a long burst keeps
// its phase along the data through the pilot blocks (the last image as clean as the first).
TEST(WaveformReceiver, SeveralImagesPerBurstAndTheirPhaseAlongLongBursts)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.snr_db = 15.0f;
    imp.cfo = 0.001f;
    imp.delay = 0.3f;
    imp.images = 16;
    imp.payload = 400; // 6400 data symbols, 6 pilot blocks
    const auto c = capture(cfg, 12, imp, 41);
    WaveformReceiver rx(cfg);
    const auto frames = receive(rx, c.samples, 30000);
    ASSERT_EQ(frames.size(), 12u * 16u);
    EXPECT_EQ(rx.counters().bursts, 12u);
    double first = 0.0, last = 0.0;
    for (std::size_t k = 0; k < frames.size(); ++k) {
        EXPECT_EQ(frames[k].header.sequence, k);
        EXPECT_EQ(frames[k].header.images, 16);
        const auto e = error_power(frames[k].payload, c.bursts[k / 16].image(k % 16));
        if (k % 16 == 0)
            first += e;
        else if (k % 16 == 15)
            last += e;
    }
    const double first_db = -10.0 * std::log10(first / 12), last_db = -10.0 * std::log10(last / 12);
    std::printf("first image %.2f dB, last image %.2f dB\n", first_db, last_db);
    EXPECT_NEAR(first_db, imp.snr_db, 0.5);
    EXPECT_NEAR(last_db, imp.snr_db, 0.5);
}

// The frames do not depend on how the stream is cut into work() calls: plain (spreading 1,
// one image per burst) and robust (spreading 4, two images and side information per burst).
struct Chunking {
    unsigned spreading;
    int images;
    float snr_db, delay;
    std::size_t small, large;
    unsigned seed;
};
class ChunkingDoesNotChangeTheFrames : public ::testing::TestWithParam<Chunking> {};
TEST_P(ChunkingDoesNotChangeTheFrames, InAnyPieces)
{
    const auto p = GetParam();
    WaveformConfig cfg;
    cfg.spreading = p.spreading;
    Impairments imp;
    imp.snr_db = p.snr_db;
    imp.delay = p.delay;
    imp.images = p.images;
    if (p.images > 1) {
        SideInfo side;
        side.snr_db_used = { 1.0f, 2.0f };
        imp.side = side.serialize();
    }
    const int bursts = 20 / p.images;
    const auto c = capture(cfg, bursts, imp, p.seed);
    WaveformReceiver a(cfg), b(cfg);
    const auto fa = receive(a, c.samples, p.small);
    const auto fb = receive(b, c.samples, p.large);
    ASSERT_EQ(fa.size(), 20u);
    ASSERT_EQ(fa.size(), fb.size());
    for (std::size_t i = 0; i < fa.size(); ++i) {
        EXPECT_EQ(fa[i].header, fb[i].header);
        EXPECT_EQ(fa[i].start, fb[i].start);
        EXPECT_EQ(fa[i].side, imp.side);
        EXPECT_EQ(fb[i].side, imp.side);
        EXPECT_LT(error_power(fa[i].payload, fb[i].payload), 1e-10);
    }
}
INSTANTIATE_TEST_SUITE_P(PlainAndRobust, ChunkingDoesNotChangeTheFrames,
                         ::testing::Values(Chunking{ 1, 1, 12.0f, 0.5f, 1000, 77777, 21 },
                                           Chunking{ 4, 2, 3.0f, 0.4f, 999, 123457, 23 }));

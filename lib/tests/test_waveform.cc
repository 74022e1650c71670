/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/waveform.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

using namespace semcom;

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

std::vector<cfloat> random_qam64(std::size_t n, std::mt19937& rng)
{
    std::vector<cfloat> v(n);
    const float s = 1.0f / std::sqrt(42.0f);
    for (auto& x : v)
        x = cfloat(float(int(rng() % 8) * 2 - 7) * s, float(int(rng() % 8) * 2 - 7) * s);
    return v;
}

struct Impairments {
    float snr_db = 20.0f;
    float cfo = 0.0f;       //!< cycles per symbol
    float delay = 0.0f;     //!< fractional sample delay
    std::vector<cfloat> multipath{ { 1.0f, 0.0f } }; //!< sample-spaced taps
    bool noise = true;
};

struct Burst {
    FrameHeader header;
    std::vector<cfloat> payload;
    std::size_t at = 0; //!< sample where its shaped samples begin
};

struct Capture {
    std::vector<cfloat> samples;
    std::vector<Burst> bursts;
};

// Shaped bursts with random gaps, then delay, multipath, a random phase per burst, CFO and AWGN
// at the given symbol SNR (unit-energy pulse: sigma^2 = 10^(-snr/10) per sample).
Capture capture(const WaveformConfig& cfg, int bursts, const Impairments& imp, unsigned seed)
{
    std::mt19937 rng(seed);
    const FrameFormat fmt(cfg.pilots);
    const PulseShaper shaper(cfg);
    Capture c;
    std::vector<cfloat> clean(1000, cfloat(0, 0));
    for (int b = 0; b < bursts; ++b) {
        Burst burst;
        burst.header.sequence = std::uint32_t(b);
        burst.header.payload_symbols = std::uint16_t(96 + rng() % 64);
        burst.header.layers = 2;
        burst.payload = random_qam64(burst.header.payload_symbols, rng);
        const auto symbols = fmt.build(burst.header, burst.payload.data(), burst.payload.size());
        auto shaped = shaper.shape(symbols.data(), symbols.size());
        const float phase = float(rng() % 628) / 100.0f;
        burst.at = clean.size();
        for (auto& s : shaped)
            clean.push_back(s * std::polar(1.0f, phase));
        clean.resize(clean.size() + 300 + rng() % 700, cfloat(0, 0));
        c.bursts.push_back(std::move(burst));
    }
    // fractional delay: a Hann-windowed sinc interpolator, 32 taps
    std::vector<cfloat> delayed(clean.size(), cfloat(0, 0));
    const int half = 16;
    std::vector<float> frac(2 * half);
    for (int j = 0; j < 2 * half; ++j) {
        const double t = double(j - half + 1) - imp.delay;
        const double sinc = std::abs(t) < 1e-9 ? 1.0 : std::sin(M_PI * t) / (M_PI * t);
        frac[j] = float(sinc * (0.5 + 0.5 * std::cos(M_PI * t / (half + 1))));
    }
    for (std::size_t m = half; m + half < clean.size(); ++m)
        for (int j = 0; j < 2 * half; ++j)
            delayed[m] += frac[j] * clean[m - std::size_t(j) + std::size_t(half) - 1];
    c.samples.assign(delayed.size(), cfloat(0, 0));
    for (std::size_t m = 0; m < delayed.size(); ++m)
        for (std::size_t k = 0; k < imp.multipath.size() && k <= m; ++k)
            c.samples[m] += imp.multipath[k] * delayed[m - k];
    BurstDetector::correct_cfo(c.samples.data(), c.samples.size(), -imp.cfo / float(cfg.sps));
    if (imp.noise) {
        std::normal_distribution<float> n(0.0f, std::sqrt(0.5f * std::pow(10.0f, -imp.snr_db / 10.0f)));
        for (auto& s : c.samples)
            s += cfloat(n(rng), n(rng));
    }
    return c;
}

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

TEST(WaveformReceiver, ChunkingDoesNotChangeTheFrames)
{
    WaveformConfig cfg;
    Impairments imp;
    imp.snr_db = 12.0f;
    imp.delay = 0.5f;
    const auto c = capture(cfg, 20, imp, 21);
    WaveformReceiver a(cfg), b(cfg);
    const auto fa = receive(a, c.samples, 1000);
    const auto fb = receive(b, c.samples, 77777);
    ASSERT_EQ(fa.size(), 20u);
    ASSERT_EQ(fa.size(), fb.size());
    for (std::size_t i = 0; i < fa.size(); ++i) {
        EXPECT_EQ(fa[i].header, fb[i].header);
        EXPECT_EQ(fa[i].start, fb[i].start);
        EXPECT_LT(error_power(fa[i].payload, fb[i].payload), 1e-10);
    }
}

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
    EXPECT_FALSE(rx.last_error().empty());
}

TEST(WaveformConfig, RejectsBadSettings)
{
    WaveformConfig c;
    c.sps = 1;
    EXPECT_THROW(WaveformReceiver{ c }, std::invalid_argument);
    c = {};
    c.equaliser_span = 3;
    EXPECT_THROW(PulseShaper{ c }, std::invalid_argument);
}

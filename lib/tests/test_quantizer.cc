#include <semcom/channel.h>
#include <semcom/quantizer.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace semcom;

namespace {
std::vector<float> gaussian_features(std::size_t n, unsigned seed, float scale = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.3f, scale);
    std::vector<float> z(n);
    for (auto& v : z)
        v = g(rng);
    return z;
}
} // namespace

TEST(Quantizer, ErrorIsAtMostHalfAStepForEveryBitWidth)
{
    const auto z = gaussian_features(4096, 1);
    const auto r = Quantizer::range_of(z.data(), z.size());
    for (unsigned q = 1; q <= 8; ++q) {
        const Quantizer qu(q);
        std::vector<std::uint16_t> codes(z.size());
        std::vector<float> back(z.size());
        qu.quantize(z.data(), z.size(), r, codes.data());
        qu.dequantize(codes.data(), z.size(), r, back.data());
        const float delta = qu.step(r);
        EXPECT_NEAR(delta, (r.z_max - r.z_min) / float((1u << q) - 1), 1e-7);
        float worst = 0.0f;
        for (std::size_t i = 0; i < z.size(); ++i) {
            ASSERT_LT(codes[i], 1u << q);
            worst = std::max(worst, std::abs(back[i] - z[i]));
        }
        EXPECT_LE(worst, delta / 2 * (1 + 1e-5f)) << q << " bits";
        EXPECT_GT(worst, delta / 4) << q << " bits"; // the error is really there
        // Range ends are exact levels.
        EXPECT_FLOAT_EQ(back[std::min_element(z.begin(), z.end()) - z.begin()], r.z_min);
    }
}

TEST(Quantizer, ClampsOutsideTheRange)
{
    const Quantizer q(4);
    const QuantizerRange r{ -1.0f, 1.0f };
    const float z[4] = { -5.0f, 5.0f, -1.0f, 1.0f };
    std::uint16_t c[4];
    q.quantize(z, 4, r, c);
    EXPECT_EQ(c[0], 0);
    EXPECT_EQ(c[1], 15);
    EXPECT_EQ(c[2], 0);
    EXPECT_EQ(c[3], 15);
}

TEST(Quantizer, DegenerateAndInvalidRanges)
{
    const Quantizer q(3);
    const float z[3] = { 0.7f, 0.7f, 0.7f };
    const auto r = Quantizer::range_of(z, 3);
    std::uint16_t c[3];
    float back[3];
    q.quantize(z, 3, r, c);
    q.dequantize(c, 3, r, back);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(c[i], 0);
        EXPECT_EQ(back[i], 0.7f);
    }
    EXPECT_THROW(q.quantize(z, 3, QuantizerRange{ 1.0f, -1.0f }, c), std::invalid_argument);
    EXPECT_THROW(q.quantize(z, 3, QuantizerRange{ 0.0f, NAN }, c), std::invalid_argument);
    EXPECT_THROW(Quantizer(0), std::invalid_argument);
    EXPECT_THROW(Quantizer(9), std::invalid_argument);
    EXPECT_THROW(Quantizer::range_of(z, 0), std::invalid_argument);
    EXPECT_THROW(QuantizedMapper(4, RangeMode::calibrated), std::invalid_argument);
    EXPECT_THROW(QuantizedMapper(4, RangeMode::calibrated, QuantizerRange{ 2.0f, 2.0f }),
                 std::invalid_argument);
}

TEST(QuantizedMapper, NoiselessRoundTripReturnsTheDequantisedValuesExactly)
{
    const auto z = gaussian_features(256, 2, 3.0f);
    for (auto mode : { RangeMode::per_frame, RangeMode::calibrated }) {
        for (unsigned bits : { 1u, 4u, 8u }) {
            const QuantizedMapper m(bits, mode, QuantizerRange{ -4.0f, 5.0f });
            std::vector<cfloat> x(128);
            const auto info = m.map(z.data(), z.size(), x.data());
            EXPECT_EQ(info.values, 256u);
            double p = 0;
            for (const auto& s : x)
                p += std::norm(s);
            EXPECT_NEAR(p / x.size(), 1.0, 1e-5); // unit average power per frame

            // Expected: quantise + dequantise directly
            std::vector<std::uint16_t> codes(256);
            std::vector<float> deq(256), back(256), snapped(256);
            m.quantizer().quantize(z.data(), 256, info.range, codes.data());
            m.quantizer().dequantize(codes.data(), 256, info.range, deq.data());
            const QuantizedDemapper d;
            d.demap(x.data(), info, back.data());
            d.demap(x.data(), info, snapped.data(), true);
            for (int i = 0; i < 256; ++i) {
                ASSERT_NEAR(back[i], deq[i], 1e-5f * (1 + std::abs(deq[i])));
                ASSERT_EQ(snapped[i], deq[i]); // snapping to the grid is exact
            }
        }
    }
}

TEST(QuantizedMapper, SnappingRemovesSmallNoise)
{
    const auto z = gaussian_features(512, 3);
    const QuantizedMapper m(3, RangeMode::per_frame);
    std::vector<cfloat> x(256), y(256);
    const auto info = m.map(z.data(), z.size(), x.data());
    Channel ch(ChannelConfig::parse("awgn", 40.0f), 1);
    ch.apply(x.data(), y.data(), y.size());
    std::vector<float> clean(512), noisy(512), snapped(512);
    const QuantizedDemapper d;
    d.demap(x.data(), info, clean.data(), true);
    d.demap(y.data(), info, noisy.data(), false);
    d.demap(y.data(), info, snapped.data(), true);
    int differ = 0;
    for (int i = 0; i < 512; ++i) {
        differ += noisy[i] != clean[i];
        ASSERT_EQ(snapped[i], clean[i]);
    }
    EXPECT_GT(differ, 500);
}

TEST(QuantizedMapper, RefusesOddOrEmptyFrames)
{
    const QuantizedMapper m(8, RangeMode::per_frame);
    std::vector<float> z(7, 1.0f);
    std::vector<cfloat> x(4);
    EXPECT_THROW(m.map(z.data(), 7, x.data()), std::invalid_argument);
    EXPECT_THROW(m.map(z.data(), 0, x.data()), std::invalid_argument);
    QuantizedFrameInfo bad;
    bad.values = 4;
    bad.gain = 0.0f;
    float out[4];
    EXPECT_THROW(QuantizedDemapper().demap(x.data(), bad, out), std::invalid_argument);
    EXPECT_THROW(range_mode_from_name("sometimes"), std::invalid_argument);
}

// A NaN or infinite feature used to go out as code 0 (per-frame range: unless it came first,
// which threw from the block's work() and hung the flowgraph): refused in every range mode.
TEST(QuantizedMapper, RefusesFeaturesThatAreNotFinite)
{
    for (const auto mode : { RangeMode::per_frame, RangeMode::calibrated }) {
        const QuantizedMapper m = mode == RangeMode::per_frame ? QuantizedMapper(4, mode)
                                                              : QuantizedMapper(4, mode, QuantizerRange{ -1.0f, 1.0f });
        for (const float bad : { std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity() }) {
            std::vector<float> z{ 0.1f, 0.2f, bad, 0.4f };
            std::vector<cfloat> x(2);
            try {
                m.map(z.data(), z.size(), x.data());
                ADD_FAILURE() << "accepted " << bad;
            } catch (const std::invalid_argument& e) {
                EXPECT_NE(std::string(e.what()).find("feature 2 of 4"), std::string::npos) << e.what();
            }
        }
    }
}

TEST(QuantizedMapper, AllZeroFrameKeepsGainOne)
{
    const QuantizedMapper m(8, RangeMode::per_frame);
    std::vector<float> z(8, 0.0f);
    std::vector<cfloat> x(4);
    const auto info = m.map(z.data(), 8, x.data());
    EXPECT_EQ(info.gain, 1.0f);
    for (auto s : x)
        EXPECT_EQ(s, cfloat(0.0f, 0.0f));
}

// A-MIJSCC: only the head of the frame is sent, at unit average power; the receiver zeroes the rest.
TEST(QuantizedMapper, SendsOnlyTheFirstSymbolsWhenTold)
{
    const QuantizedMapper m(8, RangeMode::per_frame);
    std::mt19937 rng(4);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> z(128);
    for (auto& v : z)
        v = g(rng);
    std::vector<cfloat> x(64), full(64);
    const auto info = m.map(z.data(), z.size(), x.data(), 40);
    const auto all = m.map(z.data(), z.size(), full.data());
    EXPECT_EQ(info.sent, 40u);
    EXPECT_EQ(all.sent, 0u);
    EXPECT_EQ(info.range.z_min, all.range.z_min); // the range is still the whole frame's
    double power = 0.0;
    for (std::size_t k = 0; k < 64; ++k) {
        if (k < 40) {
            power += std::norm(x[k]);
            EXPECT_NEAR(std::abs(x[k] / info.gain - full[k] / all.gain), 0.0f, 1e-5f);
        } else {
            EXPECT_EQ(x[k], cfloat(0.0f, 0.0f));
        }
    }
    EXPECT_NEAR(power / 40.0, 1.0, 1e-4);
    std::vector<cfloat> y(x);
    for (auto& s : y)
        s += cfloat(0.3f, -0.2f); // noise on every position, sent or not
    std::vector<float> back(128);
    QuantizedDemapper().demap(y.data(), info, back.data());
    for (std::size_t i = 80; i < 128; ++i)
        EXPECT_EQ(back[i], 0.0f);
    EXPECT_NE(back[0], 0.0f);
    EXPECT_THROW(m.map(z.data(), z.size(), x.data(), 65), std::invalid_argument);
}

// found by fuzz/fuzz_side_info.cc (issue #15): side information with a range narrower than
// top / FLT_MAX made rho infinite and rho * 0 NaN, and NaN was converted to an integer code (UB);
// a NaN value took the same path, and a range wider than a float holds made rho 0 or NaN
TEST(Quantizer, NaNValuesAndExtremeRangesGiveDefinedCodes)
{
    const Quantizer q(8);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const float z[] = { nan, -inf, inf, 0.5f };
    std::uint16_t c[4];
    q.quantize(z, 4, { 0.0f, 1.0f }, c);
    EXPECT_EQ(c[0], 0); // NaN: code 0, as below the range
    EXPECT_EQ(c[1], 0);
    EXPECT_EQ(c[2], 255);
    EXPECT_EQ(c[3], 128);
    const float tiny = 1e-44f; // a denormal: 255 / (2 * tiny) overflows
    const float t[] = { 0.0f, tiny, -tiny, 1.0f };
    q.quantize(t, 4, { -tiny, tiny }, c);
    for (auto code : c)
        EXPECT_EQ(code, 0);
    const float big = std::numeric_limits<float>::max();
    EXPECT_THROW(q.quantize(z, 4, { -big, big }, c), std::invalid_argument); // z_max - z_min = inf
    EXPECT_THROW(q.step({ -big, big }), std::invalid_argument);
}

#include <semcom/constellation.h>

#include <gtest/gtest.h>

#include <bitset>
#include <cmath>

using semcom::cfloat;
using semcom::Constellation;

namespace {
int bit_distance(unsigned a, unsigned b) { return static_cast<int>(std::bitset<16>(a ^ b).count()); }
} // namespace

TEST(Constellation, Qam16MatchesTableWrittenByHand)
{
    // index = (gray(I level) << 2) | gray(Q level); levels -3,-1,1,3 have Gray codes 00,01,11,10.
    const float d = 1.0f / std::sqrt(10.0f);
    const float amp[4] = { -3 * d, -1 * d, 3 * d, 1 * d }; // amplitude of axis code 0,1,2,3
    const auto c = Constellation::qam(16);
    for (unsigned s = 0; s < 16; ++s) {
        EXPECT_NEAR(c.point(s).real(), amp[s >> 2], 1e-6) << s;
        EXPECT_NEAR(c.point(s).imag(), amp[s & 3], 1e-6) << s;
    }
}

TEST(Constellation, QpskIsTheFourDiagonals)
{
    const auto c = Constellation::qam(4);
    const float a = 1.0f / std::sqrt(2.0f);
    EXPECT_NEAR(std::abs(c.point(0) - cfloat(-a, -a)), 0.0f, 1e-6);
    EXPECT_NEAR(std::abs(c.point(1) - cfloat(-a, a)), 0.0f, 1e-6);
    EXPECT_NEAR(std::abs(c.point(2) - cfloat(a, -a)), 0.0f, 1e-6);
    EXPECT_NEAR(std::abs(c.point(3) - cfloat(a, a)), 0.0f, 1e-6);
}

TEST(Constellation, UnitPowerAndGrayNeighbours)
{
    for (const auto& c : { Constellation::qam(4), Constellation::qam(16), Constellation::qam(64),
                           Constellation::qam(256), Constellation::bpsk(), Constellation::psk(8),
                           Constellation::psk(16) }) {
        EXPECT_NEAR(c.average_power(), 1.0f, 1e-5) << c.name();
        // Gray labelling: every nearest neighbour differs in exactly one bit.
        float dmin = 1e9f;
        for (unsigned a = 0; a < c.order(); ++a)
            for (unsigned b = a + 1; b < c.order(); ++b)
                dmin = std::min(dmin, std::abs(c.point(a) - c.point(b)));
        for (unsigned a = 0; a < c.order(); ++a)
            for (unsigned b = a + 1; b < c.order(); ++b)
                if (std::abs(c.point(a) - c.point(b)) < dmin * 1.001f) {
                    EXPECT_EQ(bit_distance(a, b), 1) << c.name() << " " << a << " " << b;
                }
    }
}

TEST(Constellation, DecideReturnsTheNearestPoint)
{
    for (unsigned m : { 4u, 16u, 64u, 256u }) {
        const auto c = Constellation::qam(m);
        for (unsigned s = 0; s < m; ++s) {
            EXPECT_EQ(c.decide(c.point(s)), s);
            // a small push toward the origin keeps the decision
            EXPECT_EQ(c.decide(c.point(s) * 0.98f), s);
        }
        // Far outside: clamps to the corner.
        const cfloat corner = c.point(c.decide(cfloat(100.0f, -100.0f)));
        EXPECT_FLOAT_EQ(corner.real(), c.pam_levels().back());
        EXPECT_FLOAT_EQ(corner.imag(), c.pam_levels().front());
    }
    const auto p = Constellation::psk(8);
    for (unsigned s = 0; s < 8; ++s)
        EXPECT_EQ(p.decide(p.point(s) * 0.5f), s);
}

TEST(Constellation, SquareQamDecisionEqualsBruteForce)
{
    const auto c = Constellation::qam(64);
    const auto custom = Constellation::custom(c.points(), false); // no fast path
    for (int i = -40; i <= 40; ++i)
        for (int q = -40; q <= 40; q += 3) {
            const cfloat y(i * 0.037f + 0.0013f, q * 0.041f - 0.0007f); // off the boundaries
            EXPECT_EQ(c.decide(y), custom.decide(y));
        }
}

TEST(Constellation, Names)
{
    EXPECT_EQ(Constellation::from_name("16QAM").order(), 16u);
    EXPECT_EQ(Constellation::from_name("qam64").order(), 64u);
    EXPECT_EQ(Constellation::from_name("qpsk").order(), 4u);
    EXPECT_EQ(Constellation::from_name("8psk").order(), 8u);
    EXPECT_THROW(Constellation::from_name("32qam"), std::invalid_argument);
    EXPECT_THROW(Constellation::from_name("banana"), std::invalid_argument);
    EXPECT_THROW(Constellation::qam(8), std::invalid_argument);
    EXPECT_THROW(Constellation::psk(6), std::invalid_argument);
    EXPECT_THROW(Constellation::custom({ cfloat(0, 0), cfloat(0, 0) }), std::invalid_argument);
    EXPECT_THROW(Constellation::custom({ 1.0f, 2.0f, 3.0f }).bits_per_symbol(), std::logic_error);
}

TEST(Constellation, GrayCodeRoundTrip)
{
    for (unsigned n = 0; n < 4096; ++n)
        EXPECT_EQ(semcom::gray_decode(semcom::gray_encode(n)), n);
}

TEST(Constellation, MaxDistanceComparesTables)
{
    const auto c = Constellation::qam(16);
    auto pts = c.points();
    EXPECT_EQ(c.max_distance(pts), 0.0f);
    pts[3] += cfloat(1e-3f, 0.0f);
    EXPECT_NEAR(c.max_distance(pts), 1e-3f, 1e-6f);
    pts.pop_back();
    EXPECT_TRUE(std::isinf(c.max_distance(pts)));
}

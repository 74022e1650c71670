#include <semcom/channel.h>
#include <semcom/equaliser.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace semcom;

namespace {
std::vector<cfloat> pilots(std::size_t n)
{
    std::vector<cfloat> p(n);
    const float a = 1.0f / std::sqrt(2.0f);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = cfloat((i * 7) % 3 ? a : -a, (i * 5) % 4 < 2 ? a : -a);
    return p;
}
} // namespace

TEST(Equaliser, LsEstimateIsUnbiasedWithTheoreticalVariance)
{
    // With n unit-power pilots, var(h_LS - h) = sigma^2 / n; noise variance estimate unbiased.
    const std::size_t n = 32, trials = 4000;
    const auto p = pilots(n);
    Channel ch(ChannelConfig::parse("rayleigh", 10.0f), 3);
    std::vector<cfloat> y(n);
    double err = 0, nv = 0, snr_err = 0;
    for (std::size_t t = 0; t < trials; ++t) {
        ch.new_block();
        ch.apply(p.data(), y.data(), n);
        const auto e = estimate_from_pilots(y.data(), p.data(), n);
        err += std::norm(e.h - ch.block_gain());
        nv += e.noise_var;
        snr_err += e.snr_db - effective_snr_db(ch.block_gain(), ch.noise_var());
    }
    EXPECT_NEAR(err / trials, ch.noise_var() / n, 0.1 * ch.noise_var() / n);
    EXPECT_NEAR(nv / trials, ch.noise_var(), 0.03 * ch.noise_var());
    EXPECT_NEAR(snr_err / trials, 0.0, 0.5);
    EXPECT_THROW(estimate_from_pilots(y.data(), p.data(), 1), std::invalid_argument);
}

TEST(Equaliser, ZeroForcingUndoesTheChannelAndMmseShrinks)
{
    const auto x = pilots(100);
    const cfloat h(0.3f, -0.8f);
    std::vector<cfloat> y(100), zf(100), mmse(100);
    for (std::size_t i = 0; i < 100; ++i)
        y[i] = h * x[i];
    Equaliser(EqualiserKind::zf).equalise(y.data(), h, 0.1f, zf.data(), 100);
    Equaliser(EqualiserKind::mmse).equalise(y.data(), h, 0.1f, mmse.data(), 100);
    const float shrink = std::norm(h) / (std::norm(h) + 0.1f);
    for (std::size_t i = 0; i < 100; ++i) {
        EXPECT_NEAR(std::abs(zf[i] - x[i]), 0.0f, 1e-5f);
        EXPECT_NEAR(std::abs(mmse[i] - shrink * x[i]), 0.0f, 1e-5f);
    }
    // Per-symbol CSI: each symbol with its own h
    std::vector<cfloat> hs(100), out(100);
    for (std::size_t i = 0; i < 100; ++i) {
        hs[i] = std::polar(0.5f + i * 0.01f, 0.1f * i);
        y[i] = hs[i] * x[i];
    }
    Equaliser(EqualiserKind::zf).equalise(y.data(), hs.data(), 0.1f, out.data(), 100);
    for (std::size_t i = 0; i < 100; ++i)
        EXPECT_NEAR(std::abs(out[i] - x[i]), 0.0f, 1e-5f);
}

TEST(Equaliser, MmseMinimisesMeanSquareError)
{
    const std::size_t n = 1 << 16;
    std::vector<cfloat> x(n), y(n), a(n), b(n), hs(n);
    const auto p = pilots(n);
    Channel ch(ChannelConfig::parse("rayleigh", 3.0f, FadingMode::per_symbol), 9);
    ch.apply(p.data(), y.data(), n, hs.data());
    Equaliser(EqualiserKind::zf).equalise(y.data(), hs.data(), ch.noise_var(), a.data(), n);
    Equaliser(EqualiserKind::mmse).equalise(y.data(), hs.data(), ch.noise_var(), b.data(), n);
    double ezf = 0, emmse = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ezf += std::norm(a[i] - p[i]);
        emmse += std::norm(b[i] - p[i]);
    }
    EXPECT_LT(emmse, ezf);
    // MMSE error in closed form: E[nv / (|h|^2 + nv)]
    double expect = 0;
    for (const auto& h : hs)
        expect += ch.noise_var() / (std::norm(h) + ch.noise_var());
    EXPECT_NEAR(emmse / expect, 1.0, 0.03);
    EXPECT_THROW(equaliser_kind_from_name("dfe"), std::invalid_argument);
}

TEST(Equaliser, ZeroForcingGivesThePerSymbolNoiseVariance)
{
    const Equaliser zf(EqualiserKind::zf);
    const cfloat x[4] = { { 1, 0 }, { 0, -1 }, { 0.5f, 0.5f }, { 1, 1 } };
    const cfloat h[4] = { { 2, 0 }, { 0, 0.5f }, { 0, 0 }, { 0.3f, -0.4f } };
    cfloat y[4], out[4];
    for (int i = 0; i < 4; ++i)
        y[i] = h[i] * x[i];
    float nv[4];
    zf.zero_force(y, h, 0.1f, out, nv, 4);
    for (int i : { 0, 1, 3 }) {
        EXPECT_NEAR(std::abs(out[i] - x[i]), 0.0f, 1e-6f);
        EXPECT_FLOAT_EQ(nv[i], 0.1f / std::norm(h[i]));
    }
    EXPECT_EQ(out[2], cfloat(0.0f)); // h = 0: no information
    EXPECT_GE(nv[2], 1e12f);
    EXPECT_THROW(Equaliser(EqualiserKind::mmse).zero_force(y, h, 0.1f, out, nv, 4), std::logic_error);
}

// A zero (or NaN) channel gain gave inf and NaN symbols out of ZF: it carries nothing, zeros out.
TEST(Equaliser, ZeroOrNaNGainGivesZeros)
{
    const std::vector<cfloat> y{ { 1.0f, 1.0f }, { -1.0f, 0.5f } };
    for (const auto kind : { EqualiserKind::zf, EqualiserKind::mmse }) {
        const Equaliser eq(kind);
        for (const cfloat h : { cfloat(0.0f), cfloat(std::nanf(""), 0.0f), cfloat(INFINITY, 0.0f) }) {
            std::vector<cfloat> out(2, cfloat(7.0f));
            eq.equalise(y.data(), h, 0.1f, out.data(), 2);
            EXPECT_EQ(out[0], cfloat(0.0f));
            EXPECT_EQ(out[1], cfloat(0.0f));
            const std::vector<cfloat> hs{ h, cfloat(1.0f) };
            eq.equalise(y.data(), hs.data(), 0.1f, out.data(), 2);
            EXPECT_EQ(out[0], cfloat(0.0f));
            EXPECT_TRUE(std::isfinite(out[1].real()));
        }
    }
}

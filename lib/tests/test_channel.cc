#include <semcom/channel.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

using namespace semcom;

namespace {
std::vector<cfloat> unit_symbols(std::size_t n)
{
    std::vector<cfloat> x(n);
    const float a = 1.0f / std::sqrt(2.0f);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = cfloat(i & 1 ? a : -a, i & 2 ? a : -a);
    return x;
}
} // namespace

TEST(Channel, MeasuredAwgnSnrIsWithinATenthOfADecibel)
{
    const std::size_t n = 1 << 18;
    const auto x = unit_symbols(n);
    std::vector<cfloat> y(n);
    for (float snr : { -10.0f, -5.0f, 0.0f, 7.5f, 20.0f, 30.0f }) {
        Channel ch(ChannelConfig::parse("awgn", snr), 42);
        ch.apply(x.data(), y.data(), n);
        double ps = 0, pn = 0, pi = 0, pq = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const cfloat e = y[i] - x[i];
            ps += std::norm(x[i]);
            pn += std::norm(e);
            pi += e.real() * e.real();
            pq += e.imag() * e.imag();
        }
        EXPECT_NEAR(10 * std::log10(ps / pn), snr, 0.1) << snr;
        // sigma^2 / 2 per real dimension
        EXPECT_NEAR(pi / pq, 1.0, 0.02);
        EXPECT_NEAR(pn / n, std::pow(10.0, -snr / 10.0), 0.02 * std::pow(10.0, -snr / 10.0));
    }
}

TEST(Channel, RayleighHasUnitMeanPowerAndZeroMean)
{
    const std::size_t n = 1 << 18;
    std::vector<cfloat> x(n, cfloat(1.0f, 0.0f)), y(n), h(n);
    Channel ch(ChannelConfig::parse("rayleigh", 30.0f, FadingMode::per_symbol), 1);
    ch.apply(x.data(), y.data(), n, h.data());
    std::complex<double> mean = 0;
    double power = 0, small = 0;
    for (const auto& v : h) {
        mean += std::complex<double>(v);
        power += std::norm(v);
        small += std::norm(v) < 0.1; // P(|h|^2 < t) = 1 - exp(-t) for Rayleigh
    }
    EXPECT_NEAR(power / n, 1.0, 0.01);
    EXPECT_NEAR(std::abs(mean / double(n)), 0.0, 0.01);
    EXPECT_NEAR(small / n, 1.0 - std::exp(-0.1), 0.005);
}

TEST(Channel, RicianMeanIsTheLineOfSightAmplitude)
{
    const std::size_t n = 1 << 18;
    std::vector<cfloat> x(n, cfloat(1.0f, 0.0f)), y(n), h(n);
    for (float k : { 0.5f, 2.0f, 10.0f }) {
        Channel ch(ChannelConfig::parse("rician:" + std::to_string(k), 30.0f,
                                        FadingMode::per_symbol),
                   3);
        ch.apply(x.data(), y.data(), n, h.data());
        std::complex<double> mean = 0;
        double power = 0;
        for (const auto& v : h) {
            mean += std::complex<double>(v);
            power += std::norm(v);
        }
        mean /= double(n);
        EXPECT_NEAR(mean.real(), std::sqrt(k / (k + 1)), 0.005) << k;
        EXPECT_NEAR(mean.imag(), 0.0, 0.005);
        EXPECT_NEAR(power / n, 1.0, 0.01);
        // variance of the scattered part is 1 / (K + 1)
        EXPECT_NEAR(power / n - std::norm(mean), 1.0 / (k + 1), 0.01);
    }
}

TEST(Channel, SetFadingSwitchesTheModelAndKeepsTheSnr)
{
    // the live channel-model control: AWGN -> Rician K = 2 -> AWGN, same Channel
    const std::size_t n = 1 << 17;
    std::vector<cfloat> x(n, cfloat(1.0f, 0.0f)), y(n), h(n);
    Channel ch(ChannelConfig::parse("awgn", 12.0f, FadingMode::per_symbol), 9);
    ch.set_fading(Fading::rician, 2.0f);
    EXPECT_EQ(ch.config().fading, Fading::rician);
    EXPECT_FLOAT_EQ(ch.config().snr_db, 12.0f);
    EXPECT_EQ(ch.config().spec(), "rician:2");
    EXPECT_EQ(ch.config().describe(), "rician:2 (per-symbol) 12 dB");
    ch.apply(x.data(), y.data(), n, h.data());
    std::complex<double> mean = 0;
    for (const auto& v : h)
        mean += std::complex<double>(v);
    EXPECT_NEAR(mean.real() / double(n), std::sqrt(2.0 / 3.0), 0.01);
    ch.set_fading(Fading::none);
    ch.apply(x.data(), y.data(), n, h.data());
    for (std::size_t i = 0; i < n; i += 997)
        EXPECT_EQ(h[i], cfloat(1.0f, 0.0f));
    EXPECT_THROW(ch.set_fading(Fading::rician, 0.0f), std::invalid_argument);
    EXPECT_THROW(ch.set_fading(Fading::rician, std::nanf("")), std::invalid_argument);
}

TEST(Channel, BlockFadingHoldsUntilNewBlock)
{
    std::vector<cfloat> x(64, cfloat(1.0f, 0.0f)), y(64), h(64);
    Channel ch(ChannelConfig::parse("rayleigh", 100.0f), 5);
    ch.apply(x.data(), y.data(), 64, h.data());
    for (const auto& v : h)
        EXPECT_EQ(v, h[0]);
    EXPECT_NEAR(std::abs(y[10] - h[0]), 0.0f, 1e-4f);
    const cfloat before = ch.block_gain();
    ch.new_block();
    EXPECT_NE(ch.block_gain(), before);
    // E|h|^2 = 1 over many blocks
    double p = 0;
    for (int b = 0; b < 200000; ++b) {
        ch.new_block();
        p += std::norm(ch.block_gain());
    }
    EXPECT_NEAR(p / 200000, 1.0, 0.015);
}

TEST(Channel, SeededRunsRepeatAndSeedsDiffer)
{
    const auto x = unit_symbols(1000);
    std::vector<cfloat> a(1000), b(1000), c(1000);
    Channel(ChannelConfig::parse("rician:2", 5.0f, FadingMode::per_symbol), 7).apply(x.data(), a.data(), 1000);
    Channel(ChannelConfig::parse("rician:2", 5.0f, FadingMode::per_symbol), 7).apply(x.data(), b.data(), 1000);
    Channel(ChannelConfig::parse("rician:2", 5.0f, FadingMode::per_symbol), 8).apply(x.data(), c.data(), 1000);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(BroadcastChannel, ReceiversHaveTheirOwnSnrAndIndependentNoise)
{
    const std::size_t n = 1 << 17;
    const auto x = unit_symbols(n);
    BroadcastChannel bc({ ChannelConfig::parse("awgn", -5.0f), ChannelConfig::parse("awgn", 20.0f) }, 1);
    std::vector<cfloat> y0(n), y1(n);
    cfloat* outs[2] = { y0.data(), y1.data() };
    bc.apply(x.data(), outs, n);
    double p0 = 0, p1 = 0;
    std::complex<double> cross = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const cfloat e0 = y0[i] - x[i], e1 = y1[i] - x[i];
        p0 += std::norm(e0);
        p1 += std::norm(e1);
        cross += std::complex<double>(e0) * std::conj(std::complex<double>(e1));
    }
    EXPECT_NEAR(10 * std::log10(n / p0), -5.0, 0.1);
    EXPECT_NEAR(10 * std::log10(n / p1), 20.0, 0.1);
    EXPECT_LT(std::abs(cross) / std::sqrt(p0 * p1), 0.01); // uncorrelated noise
}

TEST(Channel, ParsesSpecsAndRefusesBadOnes)
{
    EXPECT_EQ(ChannelConfig::parse("rician:2.5", 3.0f).k_factor, 2.5f);
    EXPECT_THROW(ChannelConfig::parse("rician:", 3.0f), std::invalid_argument);
    EXPECT_THROW(ChannelConfig::parse("rician:-1", 3.0f), std::invalid_argument);
    EXPECT_THROW(ChannelConfig::parse("rician:abc", 3.0f), std::invalid_argument);
    EXPECT_THROW(ChannelConfig::parse("nakagami", 3.0f), std::invalid_argument);
    EXPECT_THROW(ChannelConfig::parse("awgn", NAN), std::invalid_argument);
    EXPECT_THROW(BroadcastChannel({}, 1), std::invalid_argument);
    EXPECT_THROW(fading_mode_from_name("fast"), std::invalid_argument);
}

TEST(GaussianSource, MomentsTailsAndDistributionFunction)
{
    GaussianSource g(123);
    const std::size_t n = (1 << 21) + 1; // odd: the last sample comes from half a pair
    std::vector<float> z(n);
    g.fill(z.data(), n);
    double m1 = 0, m2 = 0, m4 = 0, tail3 = 0;
    for (float v : z) {
        m1 += v;
        m2 += double(v) * v;
        m4 += double(v) * v * v * v;
        tail3 += std::abs(v) > 3.0f;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    EXPECT_NEAR(m1, 0.0, 0.003);
    EXPECT_NEAR(m2, 1.0, 0.003);
    EXPECT_NEAR(m4 / (m2 * m2), 3.0, 0.03);             // kurtosis of a Gaussian
    EXPECT_NEAR(tail3 / n, 0.0026998, 0.0002);           // P(|z| > 3)
    // Empirical CDF against Phi at a few points (Kolmogorov-style, 3e-3 >> 1.36/sqrt(n))
    std::sort(z.begin(), z.end());
    for (double t : { -2.5, -1.0, -0.3, 0.0, 0.7, 1.5, 2.2 }) {
        const double emp = double(std::lower_bound(z.begin(), z.end(), float(t)) - z.begin()) / n;
        EXPECT_NEAR(emp, 0.5 * std::erfc(-t / std::sqrt(2.0)), 2e-3) << t;
    }
    // Consecutive samples are uncorrelated (the pair of one Box-Muller draw included)
    GaussianSource h(5);
    std::vector<float> w(1 << 20);
    h.fill(w.data(), w.size());
    double c = 0;
    for (std::size_t i = 0; i + 1 < w.size(); i += 2)
        c += double(w[i]) * w[i + 1];
    EXPECT_NEAR(c / (w.size() / 2), 0.0, 0.005);
    EXPECT_FALSE(GaussianSource::implementation().empty());
}

TEST(Snr, NoiseVarianceConversionIsTheDesignConventionBothWays)
{
    EXPECT_DOUBLE_EQ(noise_variance_from_snr_db(0.0), 1.0);
    EXPECT_NEAR(noise_variance_from_snr_db(10.0), 0.1, 1e-15);
    EXPECT_NEAR(noise_variance_from_snr_db(-5.0), std::sqrt(10.0), 1e-12);
    for (double snr : { -12.5, -3.0, 0.0, 7.0, 31.0 })
        EXPECT_NEAR(snr_db_from_noise_variance(noise_variance_from_snr_db(snr)), snr, 1e-12);
    EXPECT_TRUE(std::isinf(snr_db_from_noise_variance(0.0)));
    // the channel's noise is the converted variance
    Channel ch(ChannelConfig::parse("awgn", 7.0f), 1);
    EXPECT_FLOAT_EQ(ch.noise_var(), float(noise_variance_from_snr_db(7.0)));
}

TEST(BroadcastConfig, OneChannelForAllOrOnePerReceiver)
{
    const auto all = BroadcastConfig::parse({ "rayleigh" }, { -5.0f, 20.0f }, "per_symbol");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all.mode, FadingMode::per_symbol);
    for (std::size_t r = 0; r < 2; ++r) {
        EXPECT_EQ(all[r].fading, Fading::rayleigh);
        EXPECT_EQ(all[r].mode, FadingMode::per_symbol);
        EXPECT_EQ(all.specs[r], "rayleigh");
    }
    EXPECT_FLOAT_EQ(all[0].snr_db, -5.0f);
    EXPECT_FLOAT_EQ(all[1].snr_db, 20.0f);

    const auto each = BroadcastConfig::parse({ "awgn", "rician:3" }, { 1.0f, 2.0f });
    EXPECT_EQ(each.mode, FadingMode::block);
    EXPECT_EQ(each[0].fading, Fading::none);
    EXPECT_EQ(each[1].fading, Fading::rician);
    EXPECT_FLOAT_EQ(each[1].k_factor, 3.0f);
    EXPECT_EQ(each.specs[1], "rician:3");
}

TEST(BroadcastConfig, RefusesBadCountsSpecsAndModesNamingTheOptions)
{
    auto message = [](auto f) {
        try {
            f();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message([] { BroadcastConfig::parse({ "awgn" }, {}); }),
              "snrs: give one SNR (dB) per receiver");
    EXPECT_EQ(message([] { BroadcastConfig::parse({ "awgn", "awgn" }, { 1, 2, 3 }, "block", "--channel", "--snr"); }),
              "--channel has 2 entries for 3 receivers (--snr): give one for all, or one per receiver");
    EXPECT_NE(message([] { BroadcastConfig::parse({ "nakagami" }, { 1 }); }).find("unknown channel 'nakagami'"),
              std::string::npos);
    EXPECT_NE(message([] { BroadcastConfig::parse({ "awgn" }, { 1 }, "slow"); }).find("fading mode"),
              std::string::npos);
    EXPECT_NE(message([] { BroadcastConfig::parse({ "awgn" }, { NAN }); }).find("SNR must be finite"),
              std::string::npos);
}

#include <semcom/channel.h>
#include <semcom/metrics.h>
#include <semcom/superposition.h>
#include <semcom/theory.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

using semcom::cfloat;
using semcom::Constellation;
using semcom::SuperpositionDemapper;
using semcom::SuperpositionMapper;

namespace {

SuperpositionMapper qam_pair(unsigned m1, unsigned m2, float alpha)
{
    return SuperpositionMapper({ Constellation::qam(m1), Constellation::qam(m2) },
                               { alpha, 1.0f - alpha });
}

// True if every point of a is within tol of some point of b and the sizes agree.
bool same_point_set(const std::vector<cfloat>& a, const std::vector<cfloat>& b, float tol)
{
    if (a.size() != b.size())
        return false;
    for (const auto& x : a) {
        float best = 1e9f;
        for (const auto& y : b)
            best = std::min(best, std::abs(x - y));
        if (best > tol)
            return false;
    }
    return true;
}

struct Frame {
    std::vector<std::vector<std::uint8_t>> idx;
    std::vector<cfloat> x;
};

Frame random_frame(const SuperpositionMapper& m, std::size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    Frame f;
    f.idx.resize(m.num_layers());
    std::vector<const std::uint8_t*> ptr;
    for (std::size_t l = 0; l < m.num_layers(); ++l) {
        std::uniform_int_distribution<unsigned> u(0, m.layers()[l].order() - 1);
        f.idx[l].resize(n);
        for (auto& v : f.idx[l])
            v = static_cast<std::uint8_t>(u(rng));
        ptr.push_back(f.idx[l].data());
    }
    f.x.resize(n);
    m.map(ptr.data(), f.x.data(), n);
    return f;
}

} // namespace

TEST(Superposition, QpskOverQpskAtAlpha08IsUniform16Qam)
{
    const auto m = qam_pair(4, 4, 0.8f);
    EXPECT_TRUE(same_point_set(m.table(), Constellation::qam(16).points(), 1e-6f));
    EXPECT_NEAR(Constellation::custom(m.table(), false).average_power(), 1.0f, 1e-6);
}

TEST(Superposition, QpskOver16QamAtAlpha16of21IsUniform64Qam)
{
    const auto m = qam_pair(4, 16, 16.0f / 21.0f);
    EXPECT_TRUE(same_point_set(m.table(), Constellation::qam(64).points(), 1e-6f));
    EXPECT_NEAR(Constellation::custom(m.table(), false).average_power(), 1.0f, 1e-6);
    // Layer 1 picks the quadrant: the superposed point lies in the quadrant of its layer-1 point.
    unsigned idx[2];
    for (unsigned s = 0; s < m.super_order(); ++s) {
        m.split(s, idx);
        const cfloat p1 = Constellation::qam(4).point(idx[0]);
        EXPECT_GT(m.table()[s].real() * p1.real(), 0.0f);
        EXPECT_GT(m.table()[s].imag() * p1.imag(), 0.0f);
    }
}

TEST(Superposition, TableIsTheWeightedSumOfLayerPoints)
{
    const SuperpositionMapper m({ Constellation::qam(4), Constellation::psk(8), Constellation::qam(16) },
                                { 0.6f, 0.3f, 0.1f });
    EXPECT_EQ(m.super_order(), 4u * 8u * 16u);
    EXPECT_NEAR(Constellation::custom(m.table(), false).average_power(), 1.0f, 1e-5);
    unsigned idx[3];
    for (unsigned s = 0; s < m.super_order(); ++s) {
        m.split(s, idx);
        EXPECT_EQ(m.combine(idx), s);
        const cfloat expect = std::sqrt(0.6f) * m.layers()[0].point(idx[0]) +
                              std::sqrt(0.3f) * m.layers()[1].point(idx[1]) +
                              std::sqrt(0.1f) * m.layers()[2].point(idx[2]);
        EXPECT_NEAR(std::abs(m.table()[s] - expect), 0.0f, 1e-6f);
    }
    // map() agrees with the table for K = 3 and reduces out-of-range indices modulo the order
    const std::vector<std::uint8_t> a{ 0, 1, 3, 4 + 2 }, b{ 7, 0, 5, 8 + 1 }, c{ 15, 3, 9, 16 + 4 };
    const std::uint8_t* in[3] = { a.data(), b.data(), c.data() };
    std::vector<cfloat> out(4);
    m.map(in, out.data(), 4);
    for (unsigned i = 0; i < 4; ++i) {
        const unsigned li[3] = { a[i] % 4u, b[i] % 8u, c[i] % 16u };
        EXPECT_EQ(out[i], m.table()[m.combine(li)]);
    }
}

TEST(Superposition, RefusesBadAlpha)
{
    const std::vector<Constellation> two{ Constellation::qam(4), Constellation::qam(16) };
    EXPECT_THROW(SuperpositionMapper(two, { 0.5f, 0.4f }), std::invalid_argument);   // sum != 1
    EXPECT_THROW(SuperpositionMapper(two, { 0.3f, 0.7f }), std::invalid_argument);   // increasing
    EXPECT_THROW(SuperpositionMapper(two, { 0.5f, 0.5f }), std::invalid_argument);   // equal
    EXPECT_THROW(SuperpositionMapper(two, { 1.2f, -0.2f }), std::invalid_argument);  // negative
    EXPECT_THROW(SuperpositionMapper(two, { 1.0f, 0.0f }), std::invalid_argument);   // zero
    EXPECT_THROW(SuperpositionMapper(two, { 1.0f }), std::invalid_argument);         // count
    EXPECT_THROW(SuperpositionMapper({}, {}), std::invalid_argument);
    try {
        SuperpositionMapper(two, { 0.3f, 0.7f });
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("decreasing"), std::string::npos);
    }
}

TEST(Superposition, HardMlEqualsBruteForceNearestPoint)
{
    // 16/21 makes a uniform 64QAM, the others unequal spacing; three layers too; 4001 symbols:
    // several passes and a short last one.
    std::vector<SuperpositionMapper> mappers;
    for (float alpha : { 0.8f, 0.9f, 0.7f, 16.0f / 21.0f })
        mappers.push_back(qam_pair(4, 16, alpha));
    mappers.push_back(qam_pair(16, 16, 0.95f));
    mappers.push_back(SuperpositionMapper(
        { Constellation::qam(4), Constellation::qam(4), Constellation::qam(16) }, { 0.7f, 0.2f, 0.1f }));
    for (const auto& m : mappers) {
        const std::size_t k = m.num_layers();
        const SuperpositionDemapper d(m);
        ASSERT_TRUE(d.separable());
        const auto f = random_frame(m, 4001, 7);
        semcom::Channel ch(semcom::ChannelConfig::parse("awgn", 12.0f), 3);
        std::vector<cfloat> y(f.x.size());
        ch.apply(f.x.data(), y.data(), y.size());
        y[5] *= 40.0f; // far outside the constellation: the outermost point
        std::vector<std::vector<std::uint8_t>> got(k, std::vector<std::uint8_t>(y.size()));
        std::vector<std::uint8_t*> out;
        for (auto& g : got)
            out.push_back(g.data());
        d.hard_ml(y.data(), out.data(), y.size());
        std::vector<unsigned> idx(k);
        for (std::size_t i = 0; i < y.size(); ++i) {
            unsigned best = 0;
            for (unsigned s = 1; s < m.super_order(); ++s)
                if (std::norm(y[i] - m.table()[s]) < std::norm(y[i] - m.table()[best]))
                    best = s;
            m.split(best, idx.data());
            for (std::size_t l = 0; l < k; ++l)
                ASSERT_EQ(got[l][i], idx[l]) << "symbol " << i << " layer " << l << " of " << k;
        }
    }
}

TEST(Superposition, HardMlOfNonFiniteSymbolsGivesIndicesInRange)
{
    for (float alpha : { 0.8f, 16.0f / 21.0f }) {
        const auto m = qam_pair(4, 16, alpha);
        const SuperpositionDemapper d(m);
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<cfloat> y = { { nan, 0.0f }, { 0.0f, nan }, { inf, -inf }, { -inf, nan } };
        std::vector<std::uint8_t> d1(y.size(), 255), d2(y.size(), 255);
        std::uint8_t* out[2] = { d1.data(), d2.data() };
        d.hard_ml(y.data(), out, y.size());
        for (std::size_t i = 0; i < y.size(); ++i) {
            EXPECT_LT(d1[i], 4u);
            EXPECT_LT(d2[i], 16u);
        }
    }
}

TEST(Superposition, ClosedFormSerOfUniformCasesIsStandardQam)
{
    // The super-symbol SER of the uniform cases must be the textbook 16/64QAM SER.
    for (double snr_db : { 0.0, 10.0, 20.0 }) {
        const double nv = std::pow(10.0, -snr_db / 10.0);
        EXPECT_NEAR(semcom::superposition_symbol_ser(SuperpositionDemapper(qam_pair(4, 4, 0.8f)), nv),
                    semcom::qam_ser(16, 1.0 / nv), 1e-6);
        EXPECT_NEAR(semcom::superposition_symbol_ser(
                        SuperpositionDemapper(qam_pair(4, 16, 16.0f / 21.0f)), nv),
                    semcom::qam_ser(64, 1.0 / nv), 1e-6);
    }
}

// Per-layer SER of joint-ML decisions: Monte Carlo against the closed form, within 4 standard
// errors of the binomial count (plus 2 % relative for the float table).
class LayerSer : public ::testing::TestWithParam<std::tuple<unsigned, float, float>> {};

TEST_P(LayerSer, MonteCarloMatchesClosedForm)
{
    const auto [m2, alpha, snr_db] = GetParam();
    const auto m = qam_pair(4, m2, alpha);
    const SuperpositionDemapper d(m);
    const std::size_t n = 400000;
    const auto f = random_frame(m, n, 11);
    semcom::Channel ch(semcom::ChannelConfig::parse("awgn", snr_db), 5);
    std::vector<cfloat> y(n);
    ch.apply(f.x.data(), y.data(), n);
    std::vector<std::uint8_t> d1(n), d2(n);
    std::uint8_t* out[2] = { d1.data(), d2.data() };
    d.hard_ml(y.data(), out, n);
    const auto theory = semcom::superposition_ser(d, ch.noise_var());
    const double measured[2] = {
        double(semcom::count_symbol_errors(d1.data(), f.idx[0].data(), n)) / n,
        double(semcom::count_symbol_errors(d2.data(), f.idx[1].data(), n)) / n
    };
    for (int l = 0; l < 2; ++l) {
        const double sd = std::sqrt(theory[l] * (1 - theory[l]) / n);
        EXPECT_NEAR(measured[l], theory[l], 4 * sd + 0.02 * theory[l])
            << "layer " << l + 1 << " alpha " << alpha << " snr " << snr_db;
    }
}

INSTANTIATE_TEST_SUITE_P(UniformAndNot, LayerSer,
                         ::testing::Values(std::make_tuple(4u, 0.8f, -5.0f),
                                           std::make_tuple(4u, 0.8f, 10.0f),
                                           std::make_tuple(16u, 16.0f / 21.0f, -5.0f),
                                           std::make_tuple(16u, 16.0f / 21.0f, 12.0f),
                                           std::make_tuple(16u, 16.0f / 21.0f, 20.0f),
                                           std::make_tuple(16u, 0.9f, 8.0f),
                                           std::make_tuple(4u, 0.7f, 6.0f)));

TEST(Superposition, SicMatchesMlWhereLayersAreWellSeparatedAndNeverBeatsIt)
{
    const auto m = qam_pair(4, 16, 16.0f / 21.0f);
    const SuperpositionDemapper d(m);
    const std::size_t n = 200000;
    const auto f = random_frame(m, n, 2);
    semcom::Channel ch(semcom::ChannelConfig::parse("awgn", 14.0f), 9);
    std::vector<cfloat> y(n);
    ch.apply(f.x.data(), y.data(), n);
    std::vector<std::uint8_t> a1(n), a2(n), b1(n), b2(n);
    std::uint8_t* ml[2] = { a1.data(), a2.data() };
    std::uint8_t* sic[2] = { b1.data(), b2.data() };
    d.hard_ml(y.data(), ml, n);
    d.hard_sic(y.data(), sic, n);
    // For a uniform grid the SIC regions are the ML regions, so decisions agree everywhere.
    EXPECT_EQ(semcom::count_symbol_errors(a1.data(), b1.data(), n), 0u);
    EXPECT_EQ(semcom::count_symbol_errors(a2.data(), b2.data(), n), 0u);

    // Non-uniform alpha and PSK layers: SIC is suboptimal for the joint symbol.
    const SuperpositionMapper mp({ Constellation::psk(8), Constellation::qam(4) }, { 0.85f, 0.15f });
    const SuperpositionDemapper dp(mp);
    const auto g = random_frame(mp, n, 4);
    ch.apply(g.x.data(), y.data(), n);
    dp.hard_ml(y.data(), ml, n);
    dp.hard_sic(y.data(), sic, n);
    auto joint_errors = [&](const std::vector<std::uint8_t>& p, const std::vector<std::uint8_t>& q) {
        std::size_t e = 0;
        for (std::size_t i = 0; i < n; ++i)
            e += p[i] != g.idx[0][i] || q[i] != g.idx[1][i];
        return e;
    };
    EXPECT_LE(joint_errors(a1, a2), joint_errors(b1, b2));
}

TEST(Superposition, PosteriorsAreExactAndNormalised)
{
    // Separable fast path against the brute-force sum over the table (via a PSK-free custom copy).
    const auto m = qam_pair(4, 16, 0.8f);
    const SuperpositionDemapper fast(m);
    const SuperpositionMapper slow_map({ Constellation::custom(Constellation::qam(4).points(), false),
                                         Constellation::custom(Constellation::qam(16).points(), false) },
                                       { 0.8f, 0.2f });
    const SuperpositionDemapper slow(slow_map);
    ASSERT_TRUE(fast.separable());
    ASSERT_FALSE(slow.separable());
    const auto f = random_frame(m, 500, 21);
    semcom::Channel ch(semcom::ChannelConfig::parse("awgn", 8.0f), 1);
    std::vector<cfloat> y(f.x.size());
    ch.apply(f.x.data(), y.data(), y.size());
    const std::size_t n = y.size();
    for (float nv : { 0.05f, ch.noise_var(), 1.0f }) {
        std::vector<float> p1(n * 4), p2(n * 16), q1(n * 4), q2(n * 16);
        float* po[2] = { p1.data(), p2.data() };
        float* qo[2] = { q1.data(), q2.data() };
        fast.posteriors(y.data(), nv, po, n);
        slow.posteriors(y.data(), nv, qo, n);
        for (std::size_t i = 0; i < n * 4; ++i)
            ASSERT_NEAR(p1[i], q1[i], 1e-5);
        for (std::size_t i = 0; i < n * 16; ++i)
            ASSERT_NEAR(p2[i], q2[i], 1e-5);
        for (std::size_t i = 0; i < n; ++i) {
            double s = 0;
            for (int k = 0; k < 16; ++k)
                s += p2[i * 16 + k];
            ASSERT_NEAR(s, 1.0, 1e-5);
        }
        // LLRs: fast path against slow path, and against the log-ratio of summed posteriors
        std::vector<float> l1(n * 2), l2(n * 4), k1(n * 2), k2(n * 4);
        float* lo[2] = { l1.data(), l2.data() };
        float* ko[2] = { k1.data(), k2.data() };
        fast.llrs(y.data(), nv, lo, n);
        slow.llrs(y.data(), nv, ko, n);
        for (std::size_t i = 0; i < n * 4; ++i)
            ASSERT_NEAR(l2[i], k2[i], 1e-3f * (1.0f + std::abs(k2[i])));
        for (std::size_t i = 0; i < n; ++i)
            for (int b = 0; b < 4; ++b) {
                double p0 = 0, p1s = 0;
                for (int s = 0; s < 16; ++s)
                    ((s >> (3 - b)) & 1 ? p1s : p0) += p2[i * 16 + s];
                if (p0 > 1e-12 && p1s > 1e-12) {
                    ASSERT_NEAR(l2[i * 4 + b], std::log(p0 / p1s),
                                2e-3 * (1 + std::abs(std::log(p0 / p1s))));
                }
            }
    }
}

TEST(Superposition, LlrSignGivesTheMlBitAtHighSnr)
{
    const auto m = qam_pair(4, 16, 16.0f / 21.0f);
    const SuperpositionDemapper d(m);
    const auto f = random_frame(m, 2000, 8);
    std::vector<float> l1(2000 * 2), l2(2000 * 4);
    float* lo[2] = { l1.data(), l2.data() };
    d.llrs(f.x.data(), 1e-3f, lo, 2000);
    for (std::size_t i = 0; i < 2000; ++i)
        for (int b = 0; b < 4; ++b) {
            const bool one = (f.idx[1][i] >> (3 - b)) & 1;
            ASSERT_EQ(l2[i * 4 + b] < 0, one);
            ASSERT_GT(std::abs(l2[i * 4 + b]), 5.0f);
        }
    EXPECT_THROW(d.llrs(f.x.data(), 0.0f, lo, 1), std::invalid_argument);
    EXPECT_THROW(d.posteriors(f.x.data(), -1.0f, lo, 1), std::invalid_argument);
}

TEST(SuperpositionDemapper, LlrsWithOneNoiseVariancePerSymbol)
{
    const SuperpositionMapper mapper({ Constellation::qam(4), Constellation::qam(16) }, { 16.0f / 21, 5.0f / 21 });
    const SuperpositionDemapper demapper(mapper);
    const std::size_t n = 5;
    const cfloat y[n] = { { 0.3f, -0.7f }, { 1.1f, 0.2f }, { -0.4f, -0.4f }, { 0.0f, 0.9f }, { -1.2f, 0.5f } };
    const float nv[n] = { 0.1f, 0.5f, 0.02f, 1.3f, 0.1f };
    std::vector<float> a0(n * 2), a1(n * 4), b0(n * 2), b1(n * 4);
    float* a[2] = { a0.data(), a1.data() };
    demapper.llrs(y, nv, a, n);
    for (std::size_t i = 0; i < n; ++i) {
        float* b[2] = { b0.data() + 2 * i, b1.data() + 4 * i };
        demapper.llrs(y + i, nv[i], b, 1);
    }
    EXPECT_EQ(a0, b0);
    EXPECT_EQ(a1, b1);
    // all equal: the same as the one-variance call; a null layer is skipped
    const float same[n] = { 0.2f, 0.2f, 0.2f, 0.2f, 0.2f };
    float* only_second[2] = { nullptr, a1.data() };
    demapper.llrs(y, same, only_second, n);
    float* c[2] = { b0.data(), b1.data() };
    demapper.llrs(y, 0.2f, c, n);
    EXPECT_EQ(a1, b1);
}

TEST(Superposition, CountsIndicesBeyondTheLayerOrder)
{
    const auto m = qam_pair(4, 16, 0.8f);
    std::vector<std::uint8_t> v(3001, 3);
    EXPECT_EQ(m.count_out_of_range(0, v.data(), v.size()), 0u);
    v.front() = 4;
    v[1500] = 255;
    v.back() = 200;
    EXPECT_EQ(m.count_out_of_range(0, v.data(), v.size()), 3u);
    EXPECT_EQ(m.count_out_of_range(1, v.data(), v.size()), 2u); // 4 is a valid 16QAM index
    EXPECT_EQ(m.count_out_of_range(0, v.data(), 0), 0u);
}

TEST(Superposition, MapCountsTheIndicesItReduces)
{
    // the 8-at-a-time path (4QAM x 16QAM), the chunked path (a 4096-point table) and the
    // general one (an order that is not a power of two), each with bad indices in the body and
    // in the tail
    std::vector<SuperpositionMapper> mappers;
    mappers.push_back(qam_pair(4, 16, 0.8f));
    mappers.push_back(qam_pair(64, 64, 0.95f));
    mappers.push_back(SuperpositionMapper(
        { Constellation::custom({ { 1.0f, 0.0f }, { -0.5f, 0.8f }, { -0.5f, -0.8f } }), Constellation::qam(4) },
        { 0.8f, 0.2f }));
    for (const auto& m : mappers) {
        const std::size_t n = 1003;
        std::vector<std::uint8_t> a(n, 1), b(n, 2);
        const std::uint8_t* in[2] = { a.data(), b.data() };
        std::vector<cfloat> x(n), y(n);
        EXPECT_EQ(m.map(in, x.data(), n), 0u);
        a[17] = static_cast<std::uint8_t>(m.layers()[0].order() + 1);
        b[n - 1] = 255;
        EXPECT_EQ(m.map(in, y.data(), n), 2u);
        EXPECT_EQ(y[17], x[17]); // reduced modulo the order: 1
        EXPECT_EQ(m.count_out_of_range(0, a.data(), n), 1u);
    }
}

TEST(Superposition, MapWritesTheTablePointsBitForBit)
{
    // Every path of map (the 64-at-a-time vector path of square-QAM products where the CPU has
    // AVX-512 VBMI, the 8-at-a-time and chunked loops, their tails) must write exactly
    // table[combine]: the decoders were trained on these points. Random indices, some beyond
    // their orders, at lengths around the vector widths (every tail) and a long run.
    std::vector<SuperpositionMapper> mappers;
    mappers.push_back(qam_pair(4, 16, 16.0f / 21.0f));
    mappers.push_back(qam_pair(4, 4, 0.8f));
    mappers.push_back(SuperpositionMapper({ Constellation::qam(4), Constellation::qam(4), Constellation::qam(16) },
                                          { 0.6f, 0.3f, 0.1f }));
    mappers.push_back(SuperpositionMapper({ Constellation::qam(64) }, { 1.0f }));
    mappers.push_back(qam_pair(16, 16, 0.9f)); // 16 levels per axis too
    mappers.push_back(qam_pair(4, 64, 0.8f));  // a 64-point layer: the whole share table
    mappers.push_back(qam_pair(64, 64, 0.95f)); // beyond the vector path: 64 levels per axis
    mappers.push_back(SuperpositionMapper({ Constellation::psk(8), Constellation::qam(4) }, { 0.8f, 0.2f }));
    std::mt19937 rng(7);
    for (const auto& m : mappers) {
        const std::size_t k = m.num_layers();
        for (std::size_t n : { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 71, 72, 127, 128, 129, 200, 4099 }) {
            std::vector<std::vector<std::uint8_t>> idx(k, std::vector<std::uint8_t>(n));
            std::vector<const std::uint8_t*> in;
            std::size_t beyond = 0;
            for (std::size_t l = 0; l < k; ++l) {
                const unsigned order = m.layers()[l].order();
                for (auto& v : idx[l]) {
                    v = static_cast<std::uint8_t>(rng() % order);
                    if (rng() % 97 == 0) { // an index with bits above the order
                        v = static_cast<std::uint8_t>(v + order * (1 + rng() % 3));
                        beyond += v >= order;
                    }
                }
                in.push_back(idx[l].data());
            }
            std::vector<cfloat> out(n, cfloat(NAN, NAN));
            EXPECT_EQ(m.map(in.data(), out.data(), n), beyond) << m.super_order() << " points, n " << n;
            std::vector<unsigned> s(k);
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t l = 0; l < k; ++l)
                    s[l] = idx[l][i];
                const cfloat want = m.table()[m.combine(s.data())];
                ASSERT_EQ(std::memcmp(&out[i], &want, sizeof want), 0)
                    << m.super_order() << " points, n " << n << ", symbol " << i << ": " << out[i]
                    << " instead of " << want;
            }
        }
    }
}

TEST(Superposition, MapperKernelIsTheOneThisCpuCanRun)
{
    // The run-time choice the blocks log: the VBMI path exactly where the CPU has it.
    const std::string kernel = semcom::superposition_mapper_kernel();
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
    const bool vbmi = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vbmi");
    EXPECT_EQ(kernel, vbmi ? "AVX-512 VBMI" : "table look-up");
#else
    EXPECT_EQ(kernel, "table look-up");
#endif
}

#include <semcom/codebook.h>
#include <semcom/constellation.h>
#include <semcom/theory.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace semcom;

namespace {
constexpr std::size_t K = 16;

std::vector<cfloat> qam16() { return Constellation::qam(16).points(); }

// A skewed but finite log prior, unnormalised on purpose.
std::vector<float> skewed_log_prior()
{
    std::vector<float> lp(K);
    for (std::size_t k = 0; k < K; ++k)
        lp[k] = 0.3f * float(k) - 1.7f;
    return lp;
}

// The Python reference, softmax(log_prior - |y - s_k|^2 / noise_var), in double and written
// directly (no max subtraction): only for moderate exponents.
std::vector<double> reference(cfloat y, double nv, const std::vector<cfloat>& pts, const std::vector<float>& lp)
{
    std::vector<double> p(pts.size());
    double sum = 0.0;
    for (std::size_t k = 0; k < pts.size(); ++k) {
        const double di = double(y.real()) - pts[k].real(), dq = double(y.imag()) - pts[k].imag();
        p[k] = std::exp((lp.empty() ? 0.0 : double(lp[k])) - (di * di + dq * dq) / nv);
        sum += p[k];
    }
    for (auto& v : p)
        v /= sum;
    return p;
}

std::vector<cfloat> uniform_symbols(std::size_t n, unsigned seed, float half_width = 1.5f)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-half_width, half_width);
    std::vector<cfloat> y(n);
    for (auto& v : y)
        v = cfloat(u(rng), u(rng));
    return y;
}

std::size_t argmax_row(const float* row, std::size_t k)
{
    return static_cast<std::size_t>(std::max_element(row, row + k) - row); // first maximum
}
} // namespace

TEST(IndexDemapper, RowsSumToOneAndMatchTheDoubleFormula)
{
    const auto pts = qam16();
    for (const auto& lp : { std::vector<float>{}, skewed_log_prior() }) {
        const IndexDemapper dm(pts, lp);
        ASSERT_EQ(dm.order(), K);
        const auto y = uniform_symbols(500, 3);
        for (const float nv : { 0.05f, 0.3f, 2.0f }) {
            std::vector<float> out(y.size() * K);
            EXPECT_EQ(dm.posteriors(y.data(), y.size(), nv, out.data()), 0u);
            for (std::size_t i = 0; i < y.size(); ++i) {
                const auto ref = reference(y[i], nv, pts, lp);
                double sum = 0.0;
                for (std::size_t k = 0; k < K; ++k) {
                    sum += out[i * K + k];
                    ASSERT_NEAR(out[i * K + k], ref[k], 1e-6) << "row " << i << " point " << k << " nv " << nv;
                }
                ASSERT_NEAR(sum, 1.0, 1e-5) << "row " << i;
            }
        }
    }
}

TEST(IndexDemapper, HighSnrPutsTheSentPoint)
{
    const auto pts = qam16();
    const IndexDemapper dm(pts);
    const float nv = 1e-4f;
    std::mt19937_64 rng(11);
    std::normal_distribution<float> g(0.0f, std::sqrt(nv / 2));
    std::vector<cfloat> y;
    std::vector<std::size_t> sent;
    for (int rep = 0; rep < 20; ++rep)
        for (std::size_t k = 0; k < K; ++k) {
            y.push_back(pts[k] + cfloat(g(rng), g(rng)));
            sent.push_back(k);
        }
    std::vector<float> out(y.size() * K);
    dm.posteriors(y.data(), y.size(), nv, out.data());
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_GT(out[i * K + sent[i]], 0.999f) << "symbol " << i << " sent point " << sent[i];
}

TEST(IndexDemapper, VeryLowSnrGivesThePrior)
{
    const auto pts = qam16();
    const auto lp = skewed_log_prior();
    const IndexDemapper dm(pts, lp);
    // softmax of the log prior, by hand
    std::vector<double> prior(K);
    double z = 0.0;
    for (std::size_t k = 0; k < K; ++k)
        z += prior[k] = std::exp(double(lp[k]));
    for (std::size_t k = 0; k < K; ++k) {
        prior[k] /= z;
        EXPECT_NEAR(dm.prior()[k], prior[k], 1e-6);
    }
    const auto y = uniform_symbols(200, 5);
    std::vector<float> out(y.size() * K);
    dm.posteriors(y.data(), y.size(), 1e4f, out.data());
    for (std::size_t i = 0; i < y.size(); ++i)
        for (std::size_t k = 0; k < K; ++k)
            // |y - s|^2 <= 2 * (1.5 + 0.95)^2 ~ 12, so each exponent moves by < 1.2e-3
            ASSERT_NEAR(out[i * K + k], prior[k], 2e-3 * prior[k]) << i << " " << k;
    // and at moderate SNR the rows are really not the prior (the check above can fail)
    dm.posteriors(y.data(), 1, 0.1f, out.data());
    double dist = 0.0;
    for (std::size_t k = 0; k < K; ++k)
        dist += std::abs(out[k] - prior[k]);
    EXPECT_GT(dist, 0.5);
}

TEST(IndexDemapper, LogPriorShiftsThePosteriorAsTheFormulaSays)
{
    const auto pts = qam16();
    const auto lp = skewed_log_prior();
    const IndexDemapper uniform(pts), skewed(pts, lp);
    // a constant added to every log prior changes nothing: it need not be normalised
    auto shifted = lp;
    for (auto& v : shifted)
        v += 40.0f;
    const IndexDemapper skewed_shifted(pts, shifted);

    const auto y = uniform_symbols(100, 7, 1.0f);
    const float nv = 0.5f;
    std::vector<float> pu(y.size() * K), ps(y.size() * K), pss(y.size() * K);
    uniform.posteriors(y.data(), y.size(), nv, pu.data());
    skewed.posteriors(y.data(), y.size(), nv, ps.data());
    skewed_shifted.posteriors(y.data(), y.size(), nv, pss.data());
    for (std::size_t i = 0; i < y.size(); ++i)
        for (std::size_t k = 1; k < K; ++k) {
            // log(p_k / p_0) moves by exactly lp_k - lp_0
            const double moved = std::log(double(ps[i * K + k]) / ps[i * K]) - std::log(double(pu[i * K + k]) / pu[i * K]);
            ASSERT_NEAR(moved, double(lp[k]) - lp[0], 1e-4) << i << " " << k;
            ASSERT_NEAR(pss[i * K + k], ps[i * K + k], 1e-6);
        }
}

TEST(IndexDemapper, HugeDistancesGiveNoNan)
{
    const auto pts = qam16();
    const auto c = Constellation::qam(16);
    const IndexDemapper dm(pts, skewed_log_prior());
    // float |y - s|^2 / 1e-6 would be inf (or exp(-2e5) = 0 for every point: 0/0 without the max)
    const std::vector<cfloat> y = { { 1e3f, -1e3f }, { -3e30f, 2e30f }, { 3e38f, 3e38f }, { 0.0f, 0.0f } };
    std::vector<float> out(y.size() * K);
    for (const float nv : { 1e-6f, std::numeric_limits<float>::denorm_min() }) {
        EXPECT_EQ(dm.posteriors(y.data(), y.size(), nv, out.data()), 0u);
        for (std::size_t i = 0; i < y.size(); ++i) {
            double sum = 0.0;
            for (std::size_t k = 0; k < K; ++k) {
                ASSERT_TRUE(std::isfinite(out[i * K + k])) << i << " " << k;
                sum += out[i * K + k];
            }
            EXPECT_NEAR(sum, 1.0, 1e-6) << i;
        }
        for (std::size_t i = 0; i < 3; ++i) // the corner in y's direction takes it all
            EXPECT_EQ(out[i * K + c.decide(y[i])], 1.0f) << i;
    }
    // y = 0 is equally far from the four inner points (±d ± jd; numbers 5, 7, 13, 15): the prior
    // alone decides among them, whatever the noise variance.
    const IndexDemapper flat(pts);
    flat.posteriors(&y[3], 1, 1e-6f, out.data());
    for (std::size_t k = 0; k < K; ++k)
        EXPECT_NEAR(out[k], (k == 5 || k == 7 || k == 13 || k == 15) ? 0.25f : 0.0f, 1e-6) << k;
}

TEST(IndexDemapper, NonFiniteSymbolGivesThePriorAndIsCounted)
{
    const auto pts = qam16();
    const IndexDemapper dm(pts, skewed_log_prior());
    const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
    const std::vector<cfloat> y = { pts[3], { nan, 0.0f }, { 0.1f, inf }, pts[9], { -inf, nan } };
    std::vector<float> out(y.size() * K), hard(y.size() * K);
    const std::vector<float> nvs(y.size(), 1e-3f);
    EXPECT_EQ(dm.posteriors(y.data(), y.size(), 1e-3f, out.data()), 3u);
    EXPECT_EQ(dm.posteriors(y.data(), y.size(), nvs.data(), out.data()), 3u);
    EXPECT_EQ(dm.hard_decisions(y.data(), y.size(), 1e-3f, hard.data()), 3u);
    for (const std::size_t i : { 1, 2, 4 })
        for (std::size_t k = 0; k < K; ++k) {
            EXPECT_EQ(out[i * K + k], dm.prior()[k]) << i << " " << k;
            EXPECT_EQ(hard[i * K + k], dm.prior()[k]) << i << " " << k;
        }
    EXPECT_GT(out[0 * K + 3], 0.999f); // the finite rows are untouched by their neighbours
    EXPECT_GT(out[3 * K + 9], 0.999f);
    EXPECT_EQ(hard[0 * K + 3], 1.0f);
    EXPECT_EQ(hard[3 * K + 9], 1.0f);
}

TEST(IndexDemapper, RefusesBadNoiseVariancesAndBadConstruction)
{
    const auto pts = qam16();
    const IndexDemapper dm(pts);
    const std::vector<cfloat> y(4, cfloat(0.1f, -0.2f));
    std::vector<float> out(y.size() * K, -7.0f);
    for (const float nv : { 0.0f, -1.0f, -0.0f, std::nanf(""), std::numeric_limits<float>::infinity() }) {
        EXPECT_THROW(dm.posteriors(y.data(), y.size(), nv, out.data()), std::invalid_argument) << nv;
        EXPECT_THROW(dm.hard_decisions(y.data(), y.size(), nv, out.data()), std::invalid_argument) << nv;
        std::vector<float> nvs(y.size(), 0.1f);
        nvs[2] = nv; // one bad entry among good ones
        EXPECT_THROW(dm.posteriors(y.data(), y.size(), nvs.data(), out.data()), std::invalid_argument) << nv;
    }
    // refused before anything was written
    EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](float v) { return v == -7.0f; }));
    try {
        std::vector<float> nvs(y.size(), 0.1f);
        nvs[2] = 0.0f;
        dm.posteriors(y.data(), y.size(), nvs.data(), out.data());
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("symbol 2"), std::string::npos) << e.what();
    }

    EXPECT_THROW(IndexDemapper{ std::vector<cfloat>{} }, std::invalid_argument);
    EXPECT_THROW(IndexDemapper(pts, std::vector<float>(15, 0.0f)), std::invalid_argument);
    auto bad = pts;
    bad[4] = cfloat(std::nanf(""), 0.0f);
    EXPECT_THROW(IndexDemapper{ bad }, std::invalid_argument);
    auto lp = skewed_log_prior();
    lp[6] = -std::numeric_limits<float>::infinity();
    EXPECT_THROW(IndexDemapper(pts, lp), std::invalid_argument);
}

TEST(IndexDemapper, PerSymbolNoiseVariancesMatchTheScalarCall)
{
    const auto pts = qam16();
    const IndexDemapper dm(pts, skewed_log_prior());
    const auto y = uniform_symbols(64, 13);
    std::vector<float> nvs(y.size());
    for (std::size_t i = 0; i < y.size(); ++i)
        nvs[i] = 0.01f * float(1 + i); // e.g. sigma^2 / |h_i|^2 after zero forcing
    std::vector<float> out(y.size() * K), one(K);
    dm.posteriors(y.data(), y.size(), nvs.data(), out.data());
    for (std::size_t i = 0; i < y.size(); ++i) {
        dm.posteriors(&y[i], 1, nvs[i], one.data());
        for (std::size_t k = 0; k < K; ++k)
            ASSERT_EQ(out[i * K + k], one[k]) << i << " " << k;
    }
}

TEST(IndexDemapper, HardDecisionsAreTheNearestPointAndTheArgmaxOfThePosteriors)
{
    const auto pts = qam16();
    const auto c = Constellation::qam(16);
    const auto y = uniform_symbols(2000, 17);
    std::vector<float> hard(y.size() * K), soft(y.size() * K);

    const IndexDemapper flat(pts);
    flat.hard_decisions(y.data(), y.size(), 0.2f, hard.data());
    flat.posteriors(y.data(), y.size(), 0.2f, soft.data());
    for (std::size_t i = 0; i < y.size(); ++i) {
        const float* row = &hard[i * K];
        ASSERT_EQ(std::count(row, row + K, 1.0f), 1) << i;
        ASSERT_EQ(std::count(row, row + K, 0.0f), long(K - 1)) << i;
        ASSERT_EQ(argmax_row(row, K), c.decide(y[i])) << i;
        ASSERT_EQ(argmax_row(row, K), argmax_row(&soft[i * K], K)) << i;
    }

    // With a skewed prior the decision is MAP, not nearest: it follows the posteriors.
    const IndexDemapper skewed(pts, skewed_log_prior());
    skewed.hard_decisions(y.data(), y.size(), 0.2f, hard.data());
    skewed.posteriors(y.data(), y.size(), 0.2f, soft.data());
    std::size_t not_nearest = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        ASSERT_EQ(argmax_row(&hard[i * K], K), argmax_row(&soft[i * K], K)) << i;
        not_nearest += argmax_row(&hard[i * K], K) != c.decide(y[i]);
    }
    EXPECT_GT(not_nearest, 50u); // the prior really moved some decisions

    // A tie (y = 0, four inner points equally near) goes to the lower point number, 5.
    const cfloat zero(0.0f, 0.0f);
    flat.hard_decisions(&zero, 1, 0.2f, hard.data());
    EXPECT_EQ(hard[5], 1.0f);
    EXPECT_EQ(std::accumulate(hard.begin(), hard.begin() + K, 0.0f), 1.0f);
}

TEST(IndexDemapper, AwgnAccuracyMatchesQamTheoryAndThePosteriorsAreCalibrated)
{
    const auto pts = qam16();
    const IndexDemapper dm(pts);
    const float nv = 0.1f; // Es/N0 = 10 dB for unit-power points
    const std::size_t n = 20000;
    std::mt19937_64 rng(2026);
    std::uniform_int_distribution<std::size_t> pick(0, K - 1);
    std::normal_distribution<float> g(0.0f, std::sqrt(nv / 2)); // complex noise of variance nv
    std::vector<std::size_t> sent(n);
    std::vector<cfloat> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        sent[i] = pick(rng);
        y[i] = pts[sent[i]] + cfloat(g(rng), g(rng));
    }
    std::vector<float> hard(n * K), soft(n * K);
    dm.hard_decisions(y.data(), n, nv, hard.data());
    dm.posteriors(y.data(), n, nv, soft.data());

    const double ser = qam_ser(16, 1.0 / nv); // ~0.222
    const double binomial_sd = std::sqrt(ser * (1 - ser) / double(n));
    std::size_t right = 0;
    double max_post = 0.0, d_sum = 0.0, d_sq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const float* p = &soft[i * K];
        right += hard[i * K + sent[i]] == 1.0f;
        max_post += *std::max_element(p, p + K);
        // E[p(S | Y)] = E[sum_k p(k | Y)^2] holds exactly for a calibrated posterior
        double sq = 0.0;
        for (std::size_t k = 0; k < K; ++k)
            sq += double(p[k]) * p[k];
        const double d = p[sent[i]] - sq;
        d_sum += d;
        d_sq += d * d;
    }
    const double accuracy = double(right) / n;
    EXPECT_NEAR(1.0 - accuracy, ser, 4 * binomial_sd) << "theory " << ser;
    // the mean MAP posterior is the probability that the MAP decision is right, 1 - SER
    EXPECT_NEAR(max_post / n, 1.0 - ser, 4 * binomial_sd);
    const double d_mean = d_sum / n, d_se = std::sqrt((d_sq / n - d_mean * d_mean) / n);
    EXPECT_NEAR(d_mean, 0.0, 4 * d_se) << "posterior of the sent point vs its expected value";
    // (a posterior that took nv as the per-axis variance would miss these by ~0.09 and ~0.2)
}

TEST(CodebookLayout, SegmentsOfThreeReceivers)
{
    const CodebookLayout layout{ 3, 4, 2 };
    EXPECT_EQ(layout.slots(), 24u);
    const std::uint8_t masks[12] = { 1, 0, 1, 1, /* r1 keeps nothing */ 0, 0, 0, 0, 1, 1, 0, 1 };
    const Segment s0 = codebook_segment(layout, masks, 0);
    const Segment s1 = codebook_segment(layout, masks, 1);
    const Segment s2 = codebook_segment(layout, masks, 2);
    EXPECT_EQ(s0.offset, 0u);
    EXPECT_EQ(s0.length, 6u);
    EXPECT_EQ(s1.offset, 6u);
    EXPECT_EQ(s1.length, 0u);
    EXPECT_EQ(s2.offset, 6u);
    EXPECT_EQ(s2.length, 6u);
    EXPECT_EQ(codebook_symbols_sent(layout, masks), 12u);

    const std::uint8_t all[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    EXPECT_EQ(codebook_symbols_sent(layout, all), layout.slots());
    EXPECT_EQ(codebook_segment(layout, all, 2).offset, 16u);
    const std::uint8_t none[12] = {};
    EXPECT_EQ(codebook_symbols_sent(layout, none), 0u);
}

TEST(CodebookLayout, RefusesBadMasksReceiversAndLayouts)
{
    const CodebookLayout layout{ 3, 4, 2 };
    std::uint8_t masks[12] = { 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1 };
    masks[9] = 2; // in the last receiver's mask: it still corrupts the frame
    EXPECT_THROW(codebook_segment(layout, masks, 0), std::invalid_argument);
    EXPECT_THROW(codebook_symbols_sent(layout, masks), std::invalid_argument);
    try {
        codebook_segment(layout, masks, 0);
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("receiver 2"), std::string::npos) << what;
        EXPECT_NE(what.find("token 1"), std::string::npos) << what;
    }
    masks[9] = 1;
    EXPECT_NO_THROW(codebook_segment(layout, masks, 2));
    EXPECT_THROW(codebook_segment(layout, masks, 3), std::invalid_argument);
    for (const CodebookLayout& bad : { CodebookLayout{ 0, 4, 2 }, CodebookLayout{ 3, 0, 2 }, CodebookLayout{ 3, 4, 0 } }) {
        EXPECT_THROW(codebook_segment(bad, masks, 0), std::invalid_argument);
        EXPECT_THROW(codebook_symbols_sent(bad, masks), std::invalid_argument);
    }
}

TEST(CodebookLayout, ScatterPutsRowsAtTheirTokensAndZerosElsewhere)
{
    const std::size_t tokens = 4, groups = 2, order = 3;
    const std::uint8_t mask[tokens] = { 0, 1, 0, 1 };
    std::vector<float> seg(2 * groups * order); // 4 rows: token 1 (g 0, 1), token 3 (g 0, 1)
    std::iota(seg.begin(), seg.end(), 1.0f);
    std::vector<float> out(tokens * groups * order, std::nanf(""));
    scatter_posteriors(seg.data(), mask, tokens, groups, order, out.data());
    const int source_row[8] = { -1, -1, 0, 1, -1, -1, 2, 3 }; // out row t*groups + g
    for (std::size_t row = 0; row < 8; ++row)
        for (std::size_t k = 0; k < order; ++k) {
            const float want = source_row[row] < 0 ? 0.0f : seg[source_row[row] * order + k];
            EXPECT_EQ(out[row * order + k], want) << "row " << row << " k " << k;
        }

    const std::uint8_t bad[tokens] = { 0, 1, 3, 1 };
    std::fill(out.begin(), out.end(), -7.0f);
    EXPECT_THROW(scatter_posteriors(seg.data(), bad, tokens, groups, order, out.data()), std::invalid_argument);
    EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](float v) { return v == -7.0f; }));
    EXPECT_THROW(scatter_posteriors(seg.data(), mask, tokens, 0, order, out.data()), std::invalid_argument);
    EXPECT_THROW(scatter_posteriors(seg.data(), mask, tokens, groups, 0, out.data()), std::invalid_argument);
}

TEST(CodebookLayout, FrameRoundTripAtHighSnr)
{
    // Three receivers' indices packed as CodebookEncoder does (kept tokens' groups indices, in token
    // order), the segments concatenated, demapped and scattered back: each receiver's decoder input
    // is the one-hot of what was sent at kept tokens and zero at dropped ones.
    const CodebookLayout layout{ 3, 5, 3 };
    const std::uint8_t masks[15] = { 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0 };
    std::mt19937 rng(4);
    std::uniform_int_distribution<unsigned> pick(0, K - 1);
    std::vector<unsigned> index(layout.slots()); // index[(r*tokens + t)*groups + g]
    for (auto& v : index)
        v = pick(rng);
    const auto pts = qam16();
    std::vector<cfloat> frame;
    for (std::size_t r = 0; r < layout.receivers; ++r)
        for (std::size_t t = 0; t < layout.tokens; ++t)
            if (masks[r * layout.tokens + t])
                for (std::size_t g = 0; g < layout.groups; ++g)
                    frame.push_back(pts[index[(r * layout.tokens + t) * layout.groups + g]]);
    ASSERT_EQ(frame.size(), codebook_symbols_sent(layout, masks));

    const IndexDemapper dm(pts);
    for (std::size_t r = 0; r < layout.receivers; ++r) {
        const Segment s = codebook_segment(layout, masks, r);
        std::vector<float> post(s.length * K), input(layout.tokens * layout.groups * K);
        dm.posteriors(frame.data() + s.offset, s.length, 1e-4f, post.data());
        scatter_posteriors(post.data(), masks + r * layout.tokens, layout.tokens, layout.groups, K, input.data());
        for (std::size_t t = 0; t < layout.tokens; ++t)
            for (std::size_t g = 0; g < layout.groups; ++g) {
                const float* row = &input[(t * layout.groups + g) * K];
                if (masks[r * layout.tokens + t])
                    EXPECT_GT(row[index[(r * layout.tokens + t) * layout.groups + g]], 0.999f) << r << t << g;
                else
                    EXPECT_TRUE(std::all_of(row, row + K, [](float v) { return v == 0.0f; })) << r << t << g;
            }
    }
}

TEST(CodebookLayout, PerReceiverSentGroups)
{
    // U-DeepSC: recovery sends all 4 indices of a kept token, the classes the first one
    const CodebookLayout layout{ 3, 4, 4, { 4, 1, 1 } };
    const std::uint8_t masks[12] = { 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1 };
    EXPECT_EQ(codebook_segment(layout, masks, 0).length, 12u);
    EXPECT_EQ(codebook_segment(layout, masks, 1).offset, 12u);
    EXPECT_EQ(codebook_segment(layout, masks, 1).length, 2u);
    EXPECT_EQ(codebook_segment(layout, masks, 2).offset, 14u);
    EXPECT_EQ(codebook_segment(layout, masks, 2).length, 4u);
    EXPECT_EQ(codebook_symbols_sent(layout, masks), 18u);
    for (const auto& bad : { std::vector<std::size_t>{ 4, 1 }, std::vector<std::size_t>{ 4, 0, 1 },
                             std::vector<std::size_t>{ 4, 5, 1 } })
        EXPECT_THROW(codebook_segment(CodebookLayout{ 3, 4, 4, bad }, masks, 0), std::invalid_argument);

    // scatter: one row per kept token lands on its first group; the others stay zero
    const std::size_t tokens = 4, groups = 4, order = 2;
    const std::uint8_t mask[tokens] = { 0, 1, 1, 0 };
    const std::vector<float> seg = { 1, 2, 3, 4 }; // token 1's row, token 2's row
    std::vector<float> out(tokens * groups * order, std::nanf(""));
    scatter_posteriors(seg.data(), mask, tokens, groups, 1, order, out.data());
    for (std::size_t row = 0; row < tokens * groups; ++row)
        for (std::size_t k = 0; k < order; ++k) {
            float want = 0.0f;
            if (row == 1 * groups)
                want = seg[k];
            if (row == 2 * groups)
                want = seg[order + k];
            EXPECT_EQ(out[row * order + k], want) << "row " << row;
        }
    EXPECT_THROW(scatter_posteriors(seg.data(), mask, tokens, groups, 5, order, out.data()), std::invalid_argument);
    EXPECT_THROW(scatter_posteriors(seg.data(), mask, tokens, groups, 0, order, out.data()), std::invalid_argument);
}

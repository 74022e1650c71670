#include <semcom/metrics.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace semcom;

TEST(Metrics, PsnrOfAKnownError)
{
    std::vector<float> a(100, 0.5f), b(100, 0.6f);
    EXPECT_NEAR(psnr(a.data(), b.data(), 100), 20.0, 1e-4); // MSE 0.01 -> 20 dB
    EXPECT_TRUE(std::isinf(psnr(a.data(), a.data(), 100)));
    EXPECT_NEAR(psnr(a.data(), b.data(), 100, 255.0), 10 * std::log10(255.0 * 255.0 / 0.01), 1e-3);
    EXPECT_THROW(psnr(a.data(), b.data(), 0), std::invalid_argument);
}

TEST(Metrics, SsimOfConstantImagesHasItsClosedForm)
{
    // Constant images: variances and covariance vanish, SSIM = (2ab + C1) / (a^2 + b^2 + C1).
    std::vector<float> a(28 * 28, 0.2f), b(28 * 28, 0.7f);
    const double c1 = 1e-4;
    EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), (2 * 0.2 * 0.7 + c1) / (0.04 + 0.49 + c1), 1e-6);
    EXPECT_NEAR(ssim(a.data(), a.data(), 28, 28), 1.0, 1e-9);
}

TEST(Metrics, SsimFallsWithNoiseAndIsSymmetric)
{
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const std::size_t h = 32, w = 32, c = 3;
    std::vector<float> img(h * w * c), light(h * w * c), heavy(h * w * c);
    for (std::size_t i = 0; i < img.size(); ++i) {
        img[i] = 0.5f + 0.4f * std::sin(0.3f * (i / c % w)) * std::cos(0.2f * (i / c / w));
        light[i] = img[i] + 0.02f * g(rng);
        heavy[i] = img[i] + 0.2f * g(rng);
    }
    const double s_light = ssim(img.data(), light.data(), h, w, c);
    const double s_heavy = ssim(img.data(), heavy.data(), h, w, c);
    EXPECT_GT(s_light, 0.9);
    EXPECT_LT(s_heavy, s_light);
    EXPECT_LT(s_heavy, 0.6);
    EXPECT_NEAR(ssim(light.data(), img.data(), h, w, c), s_light, 1e-12);
    EXPECT_THROW(ssim(img.data(), img.data(), 8, 8), std::invalid_argument);
}

TEST(Metrics, Counters)
{
    const std::uint8_t a[5] = { 0, 1, 2, 3, 15 }, b[5] = { 0, 3, 2, 0, 0 };
    EXPECT_EQ(count_symbol_errors(a, b, 5), 3u);
    EXPECT_EQ(count_bit_errors(a, b, 5, 4), 1u + 2u + 4u);
    EXPECT_EQ(count_bit_errors(a, b, 5, 2), 1u + 2u + 2u);
    RateCounter r;
    EXPECT_EQ(r.rate(), 0.0);
    r.add(25, 100);
    r.add(25, 100);
    EXPECT_DOUBLE_EQ(r.rate(), 0.25);
    EXPECT_NEAR(r.wilson_half_width(), 1.96 * std::sqrt(0.25 * 0.75 / 200), 0.003);
    // Wilson's interval, checked against its closed form for 50 of 200 (0.1951 .. 0.3143)
    const auto [low, high] = r.wilson_interval();
    EXPECT_NEAR(low, 0.195081, 1e-5);
    EXPECT_NEAR(high, 0.314342, 1e-5);
    RateCounter none_right;
    none_right.add(0, 50);
    EXPECT_EQ(none_right.wilson_interval().first, 0.0);
    EXPECT_GT(none_right.wilson_interval().second, 0.05);
}

TEST(Metrics, LlrBitErrorsCountTheSignAgainstTheSentBits)
{
    // two 4-bit indices, MSB first: 0b1010 and 0b0001
    const std::uint8_t sent[2] = { 0xA, 0x1 };
    // right decisions: negative LLR for a 1
    float llr[8] = { -3, 2, -1, 5, 4, 4, 4, -0.5f };
    EXPECT_EQ(count_llr_bit_errors(llr, sent, 2, 4), 0u);
    llr[0] = 0.1f;  // a 1 read as 0
    llr[6] = -2.0f; // a 0 read as 1
    EXPECT_EQ(count_llr_bit_errors(llr, sent, 2, 4), 2u);
    llr[1] = 0.0f; // zero: decided 0, right for a sent 0
    EXPECT_EQ(count_llr_bit_errors(llr, sent, 2, 4), 2u);
}

TEST(ImageScorer, CapsThePsnrAndTransposesForSsim)
{
    const std::size_t C = 3, H = 12, W = 13, D = C * H * W;
    std::vector<float> a(D), b(D);
    for (std::size_t i = 0; i < D; ++i)
        a[i] = float((i * 37) % 101) / 100.0f;
    ImageScorer scorer(C, H, W);
    EXPECT_EQ(scorer.image_size(), D);
    const auto same = scorer.score(a.data(), a.data());
    EXPECT_EQ(same.psnr_db, ImageScorer::psnr_cap_db);
    EXPECT_NEAR(same.ssim, 1.0, 1e-12);
    for (std::size_t i = 0; i < D; ++i)
        b[i] = std::min(1.0f, a[i] + (i % 2 ? 0.05f : -0.05f));
    const auto s = scorer.score(a.data(), b.data());
    EXPECT_DOUBLE_EQ(s.psnr_db, psnr(a.data(), b.data(), D));
    // SSIM sees HWC: the same as transposing by hand
    std::vector<float> ha(D), hb(D);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < H * W; ++p) {
            ha[p * C + c] = a[c * H * W + p];
            hb[p * C + c] = b[c * H * W + p];
        }
    EXPECT_DOUBLE_EQ(s.ssim, ssim(ha.data(), hb.data(), H, W, C));
    EXPECT_THROW(ImageScorer(1, 10, 28), std::invalid_argument);
}

namespace {
std::vector<std::pair<std::size_t, std::size_t>> pairs_of(const FrameMatcher::Step& s)
{
    std::vector<std::pair<std::size_t, std::size_t>> p;
    for (const auto& x : s.pairs)
        p.emplace_back(x.original, x.decoded);
    return p;
}
} // namespace

TEST(FrameMatcher, PairsBySeqSkippingLostAndOrphanFrames)
{
    FrameMatcher m;
    const long long orig[] = { 0, 1, 2, 3, 4, 5 };
    // 1 and 4 lost; a stale frame with seq 2 arrives after 3
    const long long dec[] = { 0, 2, 3, 2, 5 };
    const auto s = m.match(orig, 6, dec, 5);
    using P = std::vector<std::pair<std::size_t, std::size_t>>;
    EXPECT_EQ(pairs_of(s), (P{ { 0, 0 }, { 2, 1 }, { 3, 2 }, { 5, 4 } }));
    EXPECT_EQ(s.missing, 2u);
    EXPECT_EQ(s.orphans, 1u);
    EXPECT_EQ(s.originals_used, 6u);
    EXPECT_EQ(s.decoded_used, 5u);
    EXPECT_EQ(m.matched(), 4u);
    EXPECT_EQ(m.missing(), 2u);
}

TEST(FrameMatcher, WaitsForOriginalsAndHonoursTheOutputLimit)
{
    FrameMatcher m;
    const long long orig[] = { 0, 1 };
    const long long dec[] = { 1, 3 };
    // 3 has no original yet: stop, having skipped 0 (missing) and paired 1, with 2 not there
    auto s = m.match(orig, 2, dec, 2);
    EXPECT_EQ(s.pairs.size(), 1u);
    EXPECT_EQ(s.originals_used, 2u);
    EXPECT_EQ(s.decoded_used, 1u);
    EXPECT_EQ(s.missing, 1u);
    // the rest arrives
    const long long orig2[] = { 2, 3 };
    s = m.match(orig2, 2, dec + 1, 1);
    EXPECT_EQ(pairs_of(s), (std::vector<std::pair<std::size_t, std::size_t>>{ { 1, 0 } }));
    EXPECT_EQ(m.missing(), 2u);
    // max_pairs stops early
    const long long all[] = { 0, 1, 2 };
    s = m.match(all, 3, all, 3, 2);
    EXPECT_EQ(s.pairs.size(), 2u);
    EXPECT_EQ(s.originals_used, 2u);
    EXPECT_EQ(s.decoded_used, 2u);
}

TEST(FrameMatcher, UntaggedFramesPairOneToOne)
{
    FrameMatcher m;
    const long long none[] = { -1, -1, -1 };
    const auto s = m.match(none, 3, none, 2);
    EXPECT_EQ(pairs_of(s), (std::vector<std::pair<std::size_t, std::size_t>>{ { 0, 0 }, { 1, 1 } }));
    EXPECT_EQ(m.match(none, 0, none, 2).pairs.size(), 0u); // no originals: wait
}
